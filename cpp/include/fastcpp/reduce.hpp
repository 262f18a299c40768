#pragma once
/// @file reduce.hpp
/// Whole-array reductions: correctly rounded sum, compensated dot product,
/// overflow- and underflow-free L2 norm, exact integer sums. All use every
/// thread for large inputs; results do not depend on the thread count.

#include <cstdint>
#include <span>

#include "fastcpp/strided.hpp"

namespace fastcpp {

/// Signed 128-bit integer for exact integer results (a GCC/Clang extension).
__extension__ typedef __int128 int128_t;

/// The exact sum of the values (float32 ones taken exactly as doubles)
/// correctly rounded to double, half to even: equal to Python's math.fsum,
/// also where fsum raises OverflowError for an intermediate overflow
/// (sum {1e308, 1e308, -1e308, -1e308, 1} is 1). A result beyond the double
/// range is ±inf; NaN if any value is NaN or +inf meets -inf; ±inf if any
/// value is ±inf. An exact zero is +0.0 (as math.fsum; also when empty).
/// A vectorised compensated pass whose error bound certifies the rounding,
/// with an exact superaccumulator pass where it cannot (see reduce.cpp).
/// @throws std::bad_alloc, std::system_error if the per-thread partial
/// results or the threads cannot be had (reductions are not noexcept: a
/// failed allocation is an exception for the caller, never std::terminate)
[[nodiscard]] double sum(Strided<const double> a);
/// @copydoc sum(Strided<const double>)
[[nodiscard]] double sum(Strided<const float> a);
/// @copydoc sum(Strided<const double>)
[[nodiscard]] inline double sum(std::span<const double> a) {
    return sum(Strided<const double>(a));
}

/// Exact sum of integers as a 128-bit integer (no overflow below 2**127).
[[nodiscard]] int128_t sum_exact(Strided<const std::int64_t> a);
/// @copydoc sum_exact(Strided<const std::int64_t>)
[[nodiscard]] int128_t sum_exact(Strided<const std::uint64_t> a);

/// Dot product by blocked summation: each SIMD lane sums 16 products (one
/// FMA each), then adds that block sum into a compensated (TwoSum) total, so
/// |result - exact| <= u|exact| + 18u sum|a_i b_i| (u = 2^-53) for any n,
/// where a plain loop's bound grows with n.
/// @throws std::invalid_argument if the lengths differ
[[nodiscard]] double dot(Strided<const double> a, Strided<const double> b);
/// @copydoc dot(Strided<const double>, Strided<const double>)
[[nodiscard]] double dot(Strided<const float> a, Strided<const float> b);
/// @copydoc dot(Strided<const double>, Strided<const double>)
[[nodiscard]] inline double dot(std::span<const double> a, std::span<const double> b) {
    return dot(Strided<const double>(a), Strided<const double>(b));
}

/// Euclidean (L2) norm without intermediate overflow or underflow, in one
/// pass (Blue's three scaled accumulators, as LAPACK 3.10's dnrm2):
/// norm({1e200, 1e200}) is 1.414e200, norm({3e-320, 4e-320}) is 5e-320.
/// NaN if any value is NaN, else inf if any is ±inf.
[[nodiscard]] double norm(Strided<const double> a);
/// @copydoc norm(Strided<const double>)
[[nodiscard]] double norm(Strided<const float> a);
/// @copydoc norm(Strided<const double>)
[[nodiscard]] inline double norm(std::span<const double> a) {
    return norm(Strided<const double>(a));
}

namespace detail {
/// A plain (not compensated, not exact) vectorised sum on the same threads:
/// the memory-bandwidth reference the benchmark compares `sum` with.
[[nodiscard]] double plain_sum(Strided<const double> a);
}  // namespace detail

/// Exact sum of i*i for i in [0, n), by the closed form n(n-1)(2n-1)/6.
/// @throws std::invalid_argument if n < 0
/// @throws std::overflow_error if the result exceeds 2**127 - 1 (n > ~8.8e12)
[[nodiscard]] int128_t sum_of_squares(std::int64_t n);

}  // namespace fastcpp
