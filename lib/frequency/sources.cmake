list(APPEND FERGUARD_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/filters.cpp
  ${CMAKE_CURRENT_LIST_DIR}/frequency_splitter.cpp
  ${CMAKE_CURRENT_LIST_DIR}/haar.cpp)
