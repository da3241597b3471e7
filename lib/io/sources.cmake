list(APPEND FERGUARD_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/image_io.cpp
  ${CMAKE_CURRENT_LIST_DIR}/image_header.cpp
  ${CMAKE_CURRENT_LIST_DIR}/video_io.cpp)
