list(APPEND FERGUARD_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/pipeline.cpp
  ${CMAKE_CURRENT_LIST_DIR}/video.cpp)
# Reports (JSON, text, drawings) of the main job: no LibTorch.
list(APPEND FERGUARD_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/report_json.cpp
  ${CMAKE_CURRENT_LIST_DIR}/report_text.cpp
  ${CMAKE_CURRENT_LIST_DIR}/report_draw.cpp)
