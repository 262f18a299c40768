#pragma once
// Private helpers shared by elementwise.cpp and geo.cpp (not installed).

#include <span>

#include "fastcpp/detail/checks.hpp"
#include "fastcpp/strided.hpp"

namespace fastcpp::detail {

/// Elements worth one thread start (~20 us) for the vector-math kernels.
inline constexpr index_t kGrain = index_t{1} << 15;
/// Elements per block buffer: a handful of double arrays of this size stay in L1/L2.
inline constexpr index_t kBlock = 512;

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
