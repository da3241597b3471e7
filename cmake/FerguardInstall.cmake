include(GNUInstallDirs)
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
