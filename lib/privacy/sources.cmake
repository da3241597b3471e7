list(APPEND FERGUARD_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/adversarial.cpp
  ${CMAKE_CURRENT_LIST_DIR}/baselines.cpp
  ${CMAKE_CURRENT_LIST_DIR}/compensator.cpp
  ${CMAKE_CURRENT_LIST_DIR}/face_region.cpp
  ${CMAKE_CURRENT_LIST_DIR}/method.cpp
  ${CMAKE_CURRENT_LIST_DIR}/method_adversarial.cpp
  ${CMAKE_CURRENT_LIST_DIR}/method_template.cpp
  ${CMAKE_CURRENT_LIST_DIR}/template_bank.cpp
  ${CMAKE_CURRENT_LIST_DIR}/template_build.cpp
  ${CMAKE_CURRENT_LIST_DIR}/template_render.cpp)
# Compiled-in fallback for the template bank: the one set-up builds from the sample photos (never installed).
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/template_bank.cpp PROPERTIES
  COMPILE_DEFINITIONS "FERGUARD_DEFAULT_TEMPLATE_BANK=\"${PROJECT_SOURCE_DIR}/assets/templates/samples.fgtb\"")
