#pragma once
/// @file detail/simd.hpp
/// Run-time CPU dispatch and vector math, without -march=native builds.
///
/// FASTCPP_CLONES marks a hot function for GCC/Clang `target_clones`: the
/// compiler emits a baseline, an x86-64-v3 (AVX2+FMA) and an x86-64-v4
/// (AVX-512) body and an ifunc resolver picks one at load time, so one
/// portable binary runs at the speed of the CPU it lands on.
///
/// The `omp declare simd` redeclarations below let GCC vectorise loops that
/// call exp/sin/cos/... into glibc's libmvec (`_ZGV*` symbols, ~4e-16 relative
/// error). They take effect with -fopenmp-simd, which the fastcpp target
/// exports. Keep sin and cos of one argument in separate loops: together GCC
/// fuses them into scalar sincos.

#include <cmath>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__SANITIZE_ADDRESS__) && !defined(FASTCPP_NO_CLONES)
#define FASTCPP_CLONES \
    __attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4")))
#else
#define FASTCPP_CLONES
#endif

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
