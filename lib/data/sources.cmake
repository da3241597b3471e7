list(APPEND FERGUARD_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/cremad.cpp
  ${CMAKE_CURRENT_LIST_DIR}/dataset.cpp
  ${CMAKE_CURRENT_LIST_DIR}/file_dataset.cpp
  ${CMAKE_CURRENT_LIST_DIR}/loaders.cpp
  ${CMAKE_CURRENT_LIST_DIR}/synth.cpp
  ${CMAKE_CURRENT_LIST_DIR}/synth_render.cpp)
