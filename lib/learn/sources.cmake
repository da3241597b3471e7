# The learned pipeline: the only area besides the face models that includes <torch/torch.h>.
list(APPEND FERGUARD_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/data.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ddp.cpp
  ${CMAKE_CURRENT_LIST_DIR}/fit.cpp
  ${CMAKE_CURRENT_LIST_DIR}/nets.cpp
  ${CMAKE_CURRENT_LIST_DIR}/options.cpp
  ${CMAKE_CURRENT_LIST_DIR}/pipeline.cpp
  ${CMAKE_CURRENT_LIST_DIR}/stages.cpp
  ${CMAKE_CURRENT_LIST_DIR}/train.cpp
  ${CMAKE_CURRENT_LIST_DIR}/training_data.cpp)
# c10d's Gloo process group is compiled in only when this is defined (its header is otherwise empty).
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/ddp.cpp PROPERTIES COMPILE_DEFINITIONS USE_C10D_GLOO)
# <torch/torch.h> takes most of each learn file's compile time: parse it once, for these files only.
# Every learn file except ddp.cpp (its Gloo define would differ from the PCH's) and training_data.cpp (no torch).
set(FERGUARD_TORCH_PCH_SOURCES ${FERGUARD_SOURCES})
list(FILTER FERGUARD_TORCH_PCH_SOURCES INCLUDE REGEX "/learn/")
list(REMOVE_ITEM FERGUARD_TORCH_PCH_SOURCES ${CMAKE_CURRENT_LIST_DIR}/ddp.cpp ${CMAKE_CURRENT_LIST_DIR}/training_data.cpp)
