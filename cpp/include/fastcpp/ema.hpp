#pragma once
/// @file ema.hpp
/// Exponential moving average: the recursion pandas documents for
/// `Series.ewm(alpha=alpha, adjust=adjust, ignore_na=False, min_periods=0).mean()`
/// (pandas `_libs/window/aggregations.pyx: ewm`), in float64 state.
///
/// With weights old_w (starting at 1) and new_w = 1 (adjust) or alpha:
///  - leading NaNs give NaN; the first observation starts y = x;
///  - every later step decays old_w *= 1 − alpha, NaN or not;
///  - an observation x sets y = (old_w·y + new_w·x) / (old_w + new_w), then
///    old_w += new_w (adjust) or old_w = 1 (adjust=False);
///  - a NaN step repeats y.
/// So adjust=False without NaN is y = (1 − alpha)·y + alpha·x. ±inf follow
/// IEEE arithmetic (pandas treats them as missing); once y is NaN (inf − inf)
/// it stays NaN.

#include <concepts>
#include <span>

#include "fastcpp/strided.hpp"

namespace fastcpp {

/// EMA of every row of a batch (rows in parallel; each row is serial).
/// @param a input rows
/// @param out output rows, same count and length; may alias `a` exactly
/// @param alpha smoothing factor, 0 < alpha ≤ 1
/// @param adjust pandas' `adjust` (default false: the classic recursion)
/// @throws std::invalid_argument if alpha is not in (0, 1] (NaN included) or
///         the shapes differ; nothing is written then
template <std::floating_point T>
void ema(Rows<const T> a, Rows<T> out, double alpha, bool adjust = false);

/// @copydoc ema(Rows<const T>, Rows<T>, double, bool)
template <std::floating_point T>
void ema(Strided<const T> a, Strided<T> out, double alpha, bool adjust = false) {
    const index_t zero = 0;
    ema<T>(Rows<const T>{a.data, a.size, a.stride, {&zero, 1}},
           Rows<T>{out.data, out.size, out.stride, {&zero, 1}}, alpha, adjust);
}

/// @copydoc ema(Rows<const T>, Rows<T>, double, bool)
template <std::floating_point T>
void ema(std::span<const T> a, std::span<T> out, double alpha, bool adjust = false) {
    ema<T>(Strided<const T>(a), Strided<T>(out), alpha, adjust);
}

}  // namespace fastcpp
