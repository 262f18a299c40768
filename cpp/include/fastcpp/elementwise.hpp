#pragma once
/// @file elementwise.hpp
/// Elementwise kernels: scale_and_shift, circle_area, gaussian,
/// polar_to_cartesian.
///
/// Each kernel takes either a batch of equally long rows (`Rows`, the form
/// the Python binding hands over after broadcasting; a contiguous call is
/// one long row) or plain spans. Large inputs are cut into chunks that run
/// on all threads (detail::parallel_rows). exp, sin and cos are glibc's
/// vector libmvec routines (`omp declare simd`, see detail/simd.hpp; a few
/// ulp), and the arithmetic follows the NumPy expression in each comment
/// operation by operation, without FMA contraction, so float64 results agree
/// with NumPy to a few ulp. float32 is a storage format: every value is
/// computed in double and rounded once.
///
/// Output rows may alias input rows *exactly* (same addresses, in place);
/// any other overlap is undefined.

#include <concepts>
#include <span>

#include "fastcpp/strided.hpp"

namespace fastcpp {

/// `out = a * scale + shift` (NumPy: `a * scale + shift`, two roundings).
/// @param a     input rows
/// @param scale multiplier
/// @param shift addend
/// @param out   output rows, same count and length as `a`; may be `a` itself
/// @throws std::invalid_argument if the shapes of `a` and `out` differ
template <std::floating_point T>
void scale_and_shift(Rows<const T> a, double scale, double shift, Rows<T> out);
/// @copydoc scale_and_shift(Rows<const T>, double, double, Rows<T>)
template <std::floating_point T>
void scale_and_shift(std::span<const T> a, double scale, double shift, std::span<T> out);

/// Area of a circle, `pi * r**2`.
/// @param r radius (any sign; the result is pi r² either way)
/// @return pi * (r * r)
[[nodiscard]] double circle_area(double r) noexcept;
/// `out = pi * r**2` elementwise.
/// @throws std::invalid_argument if the shapes of `r` and `out` differ
template <std::floating_point T>
void circle_area(Rows<const T> r, Rows<T> out);
/// @copydoc circle_area(Rows<const T>, Rows<T>)
template <std::floating_point T>
void circle_area(std::span<const T> r, std::span<T> out);

/// The argument check of gaussian, for callers that check first.
/// @throws std::invalid_argument unless sigma is finite and > 0
void check_sigma(double sigma);

/// Unnormalised Gaussian `exp(-x**2 / (2 * sigma**2))`.
/// @param x     argument
/// @param sigma width, finite and > 0
/// @return exp(-(x*x) / (2*sigma*sigma))
/// @throws std::invalid_argument if sigma is not finite and > 0
[[nodiscard]] double gaussian(double x, double sigma);
/// `out = exp(-a**2 / (2 * sigma**2))` elementwise (libmvec exp).
/// @param a     input rows
/// @param sigma width, finite and > 0
/// @param out   output rows, same shape as `a`; may be `a` itself
/// @throws std::invalid_argument if sigma is not finite and > 0, or the shapes differ
template <std::floating_point T>
void gaussian(Rows<const T> a, double sigma, Rows<T> out);
/// @copydoc gaussian(Rows<const T>, double, Rows<T>)
template <std::floating_point T>
void gaussian(std::span<const T> a, double sigma, std::span<T> out);

/// Polar to Cartesian coordinates: `x = r * cos(theta)`, `y = r * sin(theta)`
/// (libmvec cos and sin, in two separate vector loops per block).
/// @param r     radii (rows; broadcast inputs have stride 0)
/// @param theta angles in radians, same shape as `r`
/// @param x     output r*cos(theta), same shape
/// @param y     output r*sin(theta), same shape
/// @throws std::invalid_argument if the shapes differ
template <std::floating_point T>
void polar_to_cartesian(Rows<const T> r, Rows<const T> theta, Rows<T> x, Rows<T> y);
/// @copydoc polar_to_cartesian(Rows<const T>, Rows<const T>, Rows<T>, Rows<T>)
template <std::floating_point T>
void polar_to_cartesian(std::span<const T> r, std::span<const T> theta, std::span<T> x,
                        std::span<T> y);

}  // namespace fastcpp
