# Every dependency comes from a Debian 12 package; FFTW through pkg-config.
find_package(Threads REQUIRED)
find_package(OpenMP REQUIRED COMPONENTS CXX)
find_package(fmt 9 REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(OpenCV 4 REQUIRED COMPONENTS core imgproc imgcodecs video videoio objdetect)
find_package(Eigen3 3.3 REQUIRED NO_MODULE)
find_package(Torch REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(FFTW3F REQUIRED IMPORTED_TARGET fftw3f)

# Torch's config exports a plain list; wrap it so that consumers do not inherit its global flags.
if(NOT TARGET ferguard_torch)
  add_library(ferguard_torch INTERFACE)
  target_link_libraries(ferguard_torch INTERFACE ${TORCH_LIBRARIES})
  target_include_directories(ferguard_torch SYSTEM INTERFACE ${TORCH_INCLUDE_DIRS})
endif()

# oneDNN's C++ API (libdnnl-dev; the same libdnnl.so.2 LibTorch runs on): inference convolutions with their weights
# packed once (lib/model/conv.cpp). Without it those convolutions take LibTorch's binding, which repacks per call.
find_path(FERGUARD_DNNL_INCLUDE_DIR oneapi/dnnl/dnnl.hpp)
find_library(FERGUARD_DNNL_LIBRARY NAMES dnnl)
if(FERGUARD_DNNL_INCLUDE_DIR AND FERGUARD_DNNL_LIBRARY)
  message(STATUS "ferguard: oneDNN API found (${FERGUARD_DNNL_LIBRARY}): packed inference convolutions")
  set(FERGUARD_HAVE_DNNL ON)
else()
  message(STATUS "ferguard: oneDNN API not found (libdnnl-dev): convolutions use LibTorch's binding")
  set(FERGUARD_HAVE_DNNL OFF)
endif()
