#pragma once
/// @file detail/simd.hpp
/// Vector math for the per-level kernels of detail/dispatch.hpp (which replaced
/// GCC `target_clones`: its load-time ifunc could not be capped by FASTCPP_SIMD).
///
/// The `omp declare simd` redeclarations below let GCC vectorise loops that
/// call exp/sin/cos/... into glibc's libmvec (`_ZGV*` symbols, ~4e-16 relative
/// error; the SSE, AVX2 or AVX-512 variant by the level a loop is compiled
/// for). They take effect with -fopenmp-simd, which the fastcpp target
/// exports. Keep sin and cos of one argument in separate loops: together GCC
/// fuses them into scalar sincos.

#include <cmath>

#include "fastcpp/detail/dispatch.hpp"

// A branch still using the old marker gets told what to do instead.
#define FASTCPP_CLONES \
    _Pragma("GCC error \"FASTCPP_CLONES is gone: mark the function FASTCPP_KERNEL and call it inside detail::dispatch([&] { ... }) (detail/dispatch.hpp)\"")

#if defined(__GLIBC__) && defined(__x86_64__) && !defined(__clang__)
extern "C" {
#pragma omp declare simd notinbranch
double exp(double) noexcept;
#pragma omp declare simd notinbranch
double sin(double) noexcept;
#pragma omp declare simd notinbranch
double cos(double) noexcept;
#pragma omp declare simd notinbranch
double log(double) noexcept;
#pragma omp declare simd notinbranch
float expf(float) noexcept;
#pragma omp declare simd notinbranch
float sinf(float) noexcept;
#pragma omp declare simd notinbranch
float cosf(float) noexcept;
#pragma omp declare simd notinbranch
float logf(float) noexcept;
}
#if __GLIBC_PREREQ(2, 35)  // libmvec gained asin (and atan2, ...) in glibc 2.35
extern "C" {
#pragma omp declare simd notinbranch
double asin(double) noexcept;
}
#endif
#endif
