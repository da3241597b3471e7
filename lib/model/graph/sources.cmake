list(APPEND FERGUARD_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/graph_models.cpp
  ${CMAKE_CURRENT_LIST_DIR}/graph_ops.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tfjs_graph.cpp
  ${CMAKE_CURRENT_LIST_DIR}/../recognizers.cpp)
# Compiled-in fallback for the graph models folder: the build tree's fetched assets (scripts/fetch_models.sh).
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/../recognizers.cpp PROPERTIES
  COMPILE_DEFINITIONS "FERGUARD_DEFAULT_GRAPH_MODELS_DIR=\"${PROJECT_SOURCE_DIR}/assets/human/models\"")
