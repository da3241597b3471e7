# AddressSanitizer + UndefinedBehaviorSanitizer for every target this project compiles (make sanitize,
# docs/sanitizers.md). Prebuilt dependencies (LibTorch, OpenCV, oneDNN, FFTW) are not instrumented: ASan still
# intercepts their malloc/free, so it sees our overflows into their buffers, but not their own bugs.
if(NOT CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
  message(FATAL_ERROR "FERGUARD_SANITIZE needs GCC or Clang, got ${CMAKE_CXX_COMPILER_ID}")
endif()
set(FERGUARD_SANITIZE_FLAGS -fsanitize=address,undefined)
# No recovery: the first undefined behaviour fails the test that hit it rather than scrolling past in its log.
add_compile_options(${FERGUARD_SANITIZE_FLAGS} -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
# -O1 keeps the suite's run time bearable; it changes no check ASan or UBSan makes.
add_compile_options($<$<CONFIG:Debug>:-O1>)
add_link_options(${FERGUARD_SANITIZE_FLAGS})
message(STATUS "ferguard: instrumented with ${FERGUARD_SANITIZE_FLAGS}")
