list(APPEND FERGUARD_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/activations.cpp
  ${CMAKE_CURRENT_LIST_DIR}/conv.cpp
  ${CMAKE_CURRENT_LIST_DIR}/faceapi_dense_net.cpp
  ${CMAKE_CURRENT_LIST_DIR}/faceapi_nets.cpp
  ${CMAKE_CURRENT_LIST_DIR}/faceapi_preprocess.cpp
  ${CMAKE_CURRENT_LIST_DIR}/faceapi_resnet.cpp
  ${CMAKE_CURRENT_LIST_DIR}/model_files.cpp
  ${CMAKE_CURRENT_LIST_DIR}/model_paths.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tfjs_weights.cpp
  ${CMAKE_CURRENT_LIST_DIR}/torch_runtime.cpp)
# Compiled-in fallback for the models folder: the build tree's fetched assets (scripts/fetch_models.sh).
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/model_paths.cpp PROPERTIES
  COMPILE_DEFINITIONS "FERGUARD_DEFAULT_MODELS_DIR=\"${PROJECT_SOURCE_DIR}/assets/faceapi/model\"")
list(APPEND FERGUARD_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/face_analyzer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/face_detector.cpp
  ${CMAKE_CURRENT_LIST_DIR}/faceapi_landmark.cpp
  ${CMAKE_CURRENT_LIST_DIR}/faceapi_ssd.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ssd_postprocess.cpp)
list(APPEND FERGUARD_SOURCES ${CMAKE_CURRENT_LIST_DIR}/differentiable.cpp)
