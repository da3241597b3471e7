# What `cmake --install` puts under the prefix, and the .deb that cpack makes of the same rules.
#   lib/libferguard.so.0 (SOVERSION), include/ferguard, lib/cmake/ferguard (find_package), lib/pkgconfig/ferguard.pc,
#   bin/ferguard, share/ferguard/faceapi/model (face-api's weights, MIT), share/ferguard/fetch_models.sh (for
#   `ferguard models install`), share/ferguard/chartjs (Chart.js, MIT, with its licence: inlined into the audit
#   report), and, in a local install only, share/ferguard/human/models (the graph models: they
#   have no licence upstream, so the .deb does not carry them).
# The installed library finds share/ferguard from its own path (lib/core/data_dirs.cpp): a prefix can be moved.
include(CMakePackageConfigHelpers)

install(TARGETS ferguard EXPORT ferguardTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY include/ferguard DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${PROJECT_BINARY_DIR}/include/ferguard/version.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/ferguard)
if(TARGET ferguard_cli)
  file(RELATIVE_PATH bin_to_lib ${CMAKE_INSTALL_FULL_BINDIR} ${CMAKE_INSTALL_FULL_LIBDIR})
  set_target_properties(ferguard_cli PROPERTIES INSTALL_RPATH "$ORIGIN/${bin_to_lib}")
  install(TARGETS ferguard_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

install(EXPORT ferguardTargets NAMESPACE ferguard::
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/ferguard)
configure_package_config_file(cmake/ferguardConfig.cmake.in
  ${PROJECT_BINARY_DIR}/ferguardConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/ferguard)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/ferguardConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/ferguardConfig.cmake ${PROJECT_BINARY_DIR}/ferguardConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/ferguard)

# pkg-config: the prefix is found from the .pc file's own folder, so that a moved prefix still works.
file(RELATIVE_PATH FERGUARD_PC_TO_PREFIX ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
string(REGEX REPLACE "/$" "" FERGUARD_PC_TO_PREFIX "${FERGUARD_PC_TO_PREFIX}")
configure_file(cmake/ferguard.pc.in ${PROJECT_BINARY_DIR}/ferguard.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/ferguard.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# Models and Chart.js. The folders are filled by scripts/fetch_models.sh (make does it); installing without them is
# an error, not an install that fails later at run time.
set(FERGUARD_DATA_DIR ${CMAKE_INSTALL_DATADIR}/ferguard)
function(ferguard_require_models folder component)
  install(CODE "
    if(NOT EXISTS \"${PROJECT_SOURCE_DIR}/assets/${folder}\")
      message(FATAL_ERROR \"ferguard: ${PROJECT_SOURCE_DIR}/assets/${folder} is missing: run scripts/fetch_models.sh\")
    endif()" COMPONENT ${component})
endfunction()
ferguard_require_models(faceapi/model models)
ferguard_require_models(human/models graph_models)
ferguard_require_models(chartjs models)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/assets/faceapi/model/ DESTINATION ${FERGUARD_DATA_DIR}/faceapi/model
  COMPONENT models PATTERN ".*" EXCLUDE)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/assets/human/models/ DESTINATION ${FERGUARD_DATA_DIR}/human/models
  COMPONENT graph_models PATTERN ".*" EXCLUDE)
install(FILES ${PROJECT_SOURCE_DIR}/assets/chartjs/chart.umd.js ${PROJECT_SOURCE_DIR}/assets/chartjs/LICENSE.md
  DESTINATION ${FERGUARD_DATA_DIR}/chartjs COMPONENT models)
install(PROGRAMS scripts/fetch_models.sh DESTINATION ${FERGUARD_DATA_DIR} COMPONENT models)
install(FILES scripts/assets.sha256 DESTINATION ${FERGUARD_DATA_DIR} COMPONENT models)

include(FerguardPackage)
