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

#include "fastcpp/detail/checks.hpp"
#include "fastcpp/strided.hpp"

namespace fastcpp {

/// The statistic of an exponentially weighted call: one member of the family
/// table ema_family(), in this order.
enum class EmaStat { mean };

/// One member of the ema family. The table of all of them (ema_family()) is
/// the one list of members: the kernel dispatch (ema_stat()) and the Python
/// functions read it. Every member takes (a, alpha, *, axis, adjust) today.
struct EmaMember {
    EmaStat stat;
    const char* name;  ///< public name, "ema"
    const char* doc;   ///< summary and notes (numpydoc text)
};

/// Every member, in EmaStat order.
[[nodiscard]] std::span<const EmaMember> ema_family() noexcept;

/// Checks an EMA's smoothing factor before anything is allocated or written.
/// @throws std::invalid_argument unless 0 < alpha ≤ 1 (NaN included)
inline void check_ema(double alpha) {
    detail::require(alpha > 0.0 && alpha <= 1.0, "ema", "alpha (=", alpha, ") must be in (0, 1]");
}

/// EMA of every row of a batch (rows in parallel; each row is serial).
/// @param a input rows
/// @param out output rows, same count and length; may alias `a` exactly
/// @param alpha smoothing factor, 0 < alpha ≤ 1
/// @param adjust pandas' `adjust` (default false: the classic recursion)
/// @throws std::invalid_argument if alpha is not in (0, 1] (NaN included) or
///         the shapes differ; nothing is written then
template <std::floating_point T>
void ema(Rows<const T> a, Rows<T> out, double alpha, bool adjust = false);

/// The member `stat` of the family over every row (ema() for EmaStat::mean).
/// @throws std::invalid_argument for a bad alpha, shapes, or a stat outside
///         the family
template <std::floating_point T>
void ema_stat(EmaStat stat, Rows<const T> a, Rows<T> out, double alpha, bool adjust);

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
