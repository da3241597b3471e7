# `cpack -G DEB` (make deb): ferguard_<version>_amd64.deb from the install rules, installed under /usr. Its Depends
# are computed by dpkg-shlibdeps from the libraries the binaries link. The graph models (component graph_models)
# are left out: their upstream package has no licence, so they are not redistributed; `ferguard models install`
# fetches them on request. The Python module is not in it either (pip builds that).
set(CPACK_PACKAGE_NAME ferguard)
set(CPACK_PACKAGE_VENDOR ferguard)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "facial expression recognition with controlled privacy and measured identity leakage")
set(CPACK_PACKAGE_DESCRIPTION
  "ferguard privatizes the faces in photos and videos, predicts their expression and reports how much identity
independent recognisers still find. This package holds the library (libferguard), its headers, CMake and
pkg-config files, the ferguard command-line tool and face-api's model weights (MIT).")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# One package of these components only (a monolithic package would take every component).
set(CPACK_INSTALL_CMAKE_PROJECTS
  "${PROJECT_BINARY_DIR};${PROJECT_NAME};Unspecified;/"
  "${PROJECT_BINARY_DIR};${PROJECT_NAME};models;/")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "ferguard maintainers")
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
# `ferguard models install` runs npm pack; nothing else at run time goes to the network.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS npm)
set(CPACK_THREADS 1)
include(CPack)
