list(APPEND FERGUARD_SOURCES ${CMAKE_CURRENT_LIST_DIR}/audit_html.cpp ${CMAKE_CURRENT_LIST_DIR}/leakage.cpp
  ${CMAKE_CURRENT_LIST_DIR}/naturalness.cpp ${CMAKE_CURRENT_LIST_DIR}/protocols.cpp
  ${CMAKE_CURRENT_LIST_DIR}/reversal.cpp ${CMAKE_CURRENT_LIST_DIR}/auditor.cpp
  ${CMAKE_CURRENT_LIST_DIR}/audit_summary.cpp)
# Compiled-in fallback for Chart.js (inlined into report.html): the build tree's fetched assets (scripts/fetch_models.sh).
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/audit_html.cpp PROPERTIES
  COMPILE_DEFINITIONS "FERGUARD_DEFAULT_CHARTJS_DIR=\"${PROJECT_SOURCE_DIR}/assets/chartjs\"")
