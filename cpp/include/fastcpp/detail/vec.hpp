#pragma once
/// @file detail/vec.hpp
/// Portable fixed-width vectors (GCC/Clang vector extensions) for lane
/// loops that the auto-vectoriser mangles (compensated sums, min/max with
/// NaN rules). One `vd` is 8 doubles: one AVX-512 register in the x86-64-v4
/// clone, two AVX2 registers in v3, four SSE2 registers in the baseline.

#include <cstdint>
#include <cstring>

namespace fastcpp::detail {

inline constexpr int kVecWidth = 8;
typedef double vd __attribute__((vector_size(kVecWidth * sizeof(double))));
typedef float vf __attribute__((vector_size(kVecWidth * sizeof(float))));
typedef std::int64_t vi64 __attribute__((vector_size(kVecWidth * sizeof(std::int64_t))));
typedef std::uint64_t vu64 __attribute__((vector_size(kVecWidth * sizeof(std::uint64_t))));

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

/// Vectors of N doubles, for kernels that pick N to match the registers of
/// the level they run at (8 = AVX-512, 4 = AVX2, 2 = SSE2/NEON): a wider
/// generic vector than the hardware has is split by GCC, and with many
/// accumulators the pieces spill to the stack.
template <int N>
struct LaneTypes;  // (vector_size with a dependent size is not honoured)
#define FASTCPP_LANE_TYPES(N)                                                      \
    template <>                                                                    \
    struct LaneTypes<N> {                                                          \
        typedef double vd __attribute__((vector_size(N * sizeof(double))));        \
        typedef std::uint64_t vu __attribute__((vector_size(N * sizeof(double)))); \
        typedef std::int16_t vh __attribute__((vector_size(N * sizeof(double))));  \
        typedef float vf __attribute__((vector_size(N * sizeof(float))));          \
        [[gnu::always_inline]] static vd widen(vf v) noexcept {                    \
            return __builtin_convertvector(v, vd);                                 \
        }                                                                          \
    };
FASTCPP_LANE_TYPES(2)
FASTCPP_LANE_TYPES(4)
FASTCPP_LANE_TYPES(8)
#undef FASTCPP_LANE_TYPES

template <int N>
struct Lanes {
    using vd = typename LaneTypes<N>::vd;
    using vu = typename LaneTypes<N>::vu;
    using vh = typename LaneTypes<N>::vh;  ///< the same bits as 4N int16

    [[gnu::always_inline]] static vd load(const double* p) noexcept {
        vd v;
        std::memcpy(&v, p, sizeof v);
        return v;
    }
    [[gnu::always_inline]] static vd load(const float* p) noexcept {
        typename LaneTypes<N>::vf v;
        std::memcpy(&v, p, sizeof v);
        return LaneTypes<N>::widen(v);
    }
    [[gnu::always_inline]] static void store(double* p, vd v) noexcept {
        std::memcpy(p, &v, sizeof v);
    }
    /// |v| lane-wise (clears the sign bits; one AND).
    [[gnu::always_inline]] static vd abs(vd v) noexcept {
        return reinterpret_cast<vd>(reinterpret_cast<vu>(v) & std::uint64_t{0x7FFFFFFFFFFFFFFF});
    }
    /// Square root of each lane (one vector instruction where the file is
    /// compiled without math errno).
    [[gnu::always_inline]] static vd sqrt(vd v) noexcept {
        vd r;
        for (int l = 0; l < N; ++l) r[l] = __builtin_sqrt(v[l]);
        return r;
    }
};

/// Lane-wise |v| (clears the sign bits; one AND).
[[gnu::always_inline]] inline vd vabs(vd v) noexcept {
    return reinterpret_cast<vd>(reinterpret_cast<vi64>(v) & std::int64_t{0x7FFFFFFFFFFFFFFF});
}

/// Stores 8 lanes to memory (unaligned).
[[gnu::always_inline]] inline void store(double* p, vd v) noexcept { std::memcpy(p, &v, sizeof v); }

}  // namespace fastcpp::detail
