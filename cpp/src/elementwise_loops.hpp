#pragma once
// Private helpers shared by elementwise.cpp and geo.cpp (not installed).

#include <algorithm>
#include <span>
#include <type_traits>

#include "fastcpp/config.hpp"
#include "fastcpp/detail/checks.hpp"
#include "fastcpp/detail/dispatch.hpp"
#include "fastcpp/detail/parallel.hpp"
#include "fastcpp/strided.hpp"

namespace fastcpp::detail {

/// Elements worth one helper (~20 us of work), by the cost of one element.
inline constexpr index_t kGrainArith = index_t{1} << 16;  ///< a*b+c: memory speed
inline constexpr index_t kGrainExp = index_t{1} << 14;    ///< one libmvec call
inline constexpr index_t kGrainTrig = index_t{1} << 12;   ///< several libmvec calls
/// Elements per block buffer: a handful of double arrays of this size stay in L1/L2.
inline constexpr index_t kBlock = 512;
/// Widest vector (AVX-512: 8 doubles). Vector-math loops run over multiples of
/// it, padding partial blocks, so every element takes the same libmvec
/// variant: equal inputs give bit-equal outputs wherever they sit (scalar
/// libm and vector libmvec may differ by an ulp), which nearest_k needs to
/// break distance ties by index.
inline constexpr index_t kLanes = 8;

/// m rounded up to a multiple of kLanes.
constexpr index_t pad_lanes(index_t m) noexcept { return (m + kLanes - 1) / kLanes * kLanes; }

/// Offsets of a one-row batch.
inline constexpr index_t kZeroOffset[1] = {0};

/// A contiguous span as a batch of one row.
template <class T>
Rows<T> one_row(std::span<T> s) noexcept {
    return {s.data(), static_cast<index_t>(s.size()), 1, std::span<const index_t>(kZeroOffset)};
}

/// std::invalid_argument unless `b` has the shape (rows x length) of `a`.
template <class A, class B>
void require_same_shape(const char* func, const char* a_name, Rows<A> a, const char* b_name,
                        Rows<B> b) {
    require(a.count() == b.count() && a.length == b.length, func, b_name, " has ", b.count(),
            " rows of ", b.length, " elements, ", a_name, " has ", a.count(), " rows of ",
            a.length);
}

}  // namespace fastcpp::detail
