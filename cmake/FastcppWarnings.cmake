# Compiler settings shared by every fastcpp target, in one place.
add_library(fastcpp_options INTERFACE)
add_library(fastcpp::options ALIAS fastcpp_options)
target_compile_options(fastcpp_options INTERFACE
  $<$<CXX_COMPILER_ID:GNU,Clang>:-Wall -Wextra -Wpedantic -Wconversion -Wshadow>
  # detail/vec.hpp passes 512-bit vectors only between always_inline functions.
  $<$<CXX_COMPILER_ID:GNU>:-Wno-psabi>)
if(FASTCPP_NATIVE)
  target_compile_options(fastcpp_options INTERFACE -march=native)
endif()
if(FASTCPP_SANITIZE)
  # -O1 -g1 (after the build type's -O2 -g, so they win): the level the
  # sanitizers recommend, line tables for their stack traces, and about half
  # the compile time of -O2 -g for the per-SIMD-level kernel copies.
  target_compile_options(fastcpp_options INTERFACE
    -fsanitize=${FASTCPP_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all
    $<$<CXX_COMPILER_ID:GNU,Clang>:-O1 -g1>)
  target_link_options(fastcpp_options INTERFACE -fsanitize=${FASTCPP_SANITIZE})
endif()
