#pragma once
/// @file detail/vec.hpp
/// Portable fixed-width vectors (GCC/Clang vector extensions) for lane
/// loops that the auto-vectoriser mangles (compensated sums, min/max with
/// NaN rules). One `vd` is 8 doubles: one AVX-512 register in the x86-64-v4
/// clone, two AVX2 registers in v3, four SSE2 registers in the baseline.

#include <cstring>

namespace fastcpp::detail {

inline constexpr int kVecWidth = 8;
typedef double vd __attribute__((vector_size(kVecWidth * sizeof(double))));
typedef float vf __attribute__((vector_size(kVecWidth * sizeof(float))));

/// Unaligned load of 8 values as doubles.
[[gnu::always_inline]] inline vd load(const double* p) noexcept {
    vd v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
[[gnu::always_inline]] inline vd load(const float* p) noexcept {
    vf v;
    std::memcpy(&v, p, sizeof v);
    return __builtin_convertvector(v, vd);
}

/// Horizontal sum of the lanes.
[[gnu::always_inline]] inline double hsum(vd v) noexcept {
    double r = 0;
    for (int l = 0; l < kVecWidth; ++l) r += v[l];
    return r;
}

/// Lane-wise TwoSum: returns a + b, adds the rounding error to err.
[[gnu::always_inline]] inline vd two_sum(vd a, vd b, vd& err) noexcept {
    const vd s = a + b;
    const vd bb = s - a;
    err += (a - (s - bb)) + (b - bb);
    return s;
}

}  // namespace fastcpp::detail
