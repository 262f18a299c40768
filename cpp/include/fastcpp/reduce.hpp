#pragma once
/// @file reduce.hpp
/// Whole-array reductions: compensated sum, dot product, overflow-free L2
/// norm, exact integer sums. All use every thread for large inputs.

#include <cstdint>
#include <span>

#include "fastcpp/strided.hpp"

namespace fastcpp {

/// Signed 128-bit integer for exact integer results (a GCC/Clang extension).
__extension__ typedef __int128 int128_t;

/// Sum with a float64 Neumaier-compensated accumulator in SIMD lanes:
/// error close to math.fsum's correctly rounded result.
[[nodiscard]] double sum(Strided<const double> a) noexcept;
/// @copydoc sum(Strided<const double>)
[[nodiscard]] double sum(Strided<const float> a) noexcept;
/// @copydoc sum(Strided<const double>)
[[nodiscard]] inline double sum(std::span<const double> a) noexcept {
    return sum(Strided<const double>(a));
}

/// Exact sum of integers as a 128-bit integer (no overflow below 2**127).
[[nodiscard]] int128_t sum_exact(Strided<const std::int64_t> a) noexcept;
/// @copydoc sum_exact(Strided<const std::int64_t>)
[[nodiscard]] int128_t sum_exact(Strided<const std::uint64_t> a) noexcept;

/// Dot product with a float64 accumulator.
/// @throws std::invalid_argument if the lengths differ
[[nodiscard]] double dot(Strided<const double> a, Strided<const double> b);
/// @copydoc dot(Strided<const double>, Strided<const double>)
[[nodiscard]] double dot(Strided<const float> a, Strided<const float> b);
/// @copydoc dot(Strided<const double>, Strided<const double>)
[[nodiscard]] inline double dot(std::span<const double> a, std::span<const double> b) {
    return dot(Strided<const double>(a), Strided<const double>(b));
}

/// Euclidean (L2) norm without intermediate overflow or underflow:
/// norm({1e200, 1e200}) is 1.414e200. One fast pass; a rescaled second pass
/// only when the plain sum of squares over- or underflows.
[[nodiscard]] double norm(Strided<const double> a) noexcept;
/// @copydoc norm(Strided<const double>)
[[nodiscard]] double norm(Strided<const float> a) noexcept;
/// @copydoc norm(Strided<const double>)
[[nodiscard]] inline double norm(std::span<const double> a) noexcept {
    return norm(Strided<const double>(a));
}

/// Exact sum of i*i for i in [0, n), by the closed form n(n-1)(2n-1)/6.
/// @throws std::invalid_argument if n < 0
/// @throws std::overflow_error if the result exceeds 2**127 - 1 (n > ~8.8e12)
[[nodiscard]] int128_t sum_of_squares(std::int64_t n);

}  // namespace fastcpp
