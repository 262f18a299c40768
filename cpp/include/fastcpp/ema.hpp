#pragma once
/// @file ema.hpp
/// Exponentially weighted statistics: the recursions of pandas'
/// `Series.ewm(...).mean()/var()/std()/cov()/corr()` (pandas
/// `_libs/window/aggregations.pyx`: `ewm`, `ewmcov`), in float64 state.
///
/// Mean, with weights old_w (starting at 1) and new_w = 1 (adjust) or alpha:
///  - leading NaNs give NaN; the first observation starts y = x;
///  - every later step decays old_w *= 1 − alpha (by (1 − alpha)^(Δt/halflife)
///    with times), a NaN step too unless ignore_na;
///  - an observation x sets y = (old_w·y + new_w·x) / (old_w + new_w), then
///    old_w += new_w (adjust) or old_w = 1 (adjust=False);
///  - a NaN step repeats y; a result with fewer than min_periods observations
///    so far is NaN.
/// So adjust=False without NaN is y = (1 − alpha)·y + alpha·x. ±inf follow
/// IEEE arithmetic (pandas treats them as missing); once the state is NaN
/// (inf − inf) it stays NaN.
///
/// Variance/covariance: pandas' ewmcov, the weighted covariance updated with
/// the same weights plus the sums of the weights and of their squares for the
/// bias correction (bias=False multiplies by Σw² / (Σw² − Σw²ᵢ)); a pair is
/// observed when both values are. corr = cov / sqrt(var_a · var_b), all
/// three biased and over the observed pairs (pandas masks each input with
/// the other's NaNs first).

#include <concepts>
#include <limits>
#include <optional>
#include <span>

#include "fastcpp/detail/checks.hpp"
#include "fastcpp/strided.hpp"

namespace fastcpp {

/// The statistic of an exponentially weighted call: one member of the family
/// table ema_family(), in this order.
enum class EmaStat { mean, var, std, cov, corr };

/// One member of the ema family. The table of all of them (ema_family()) is
/// the one list of members: the kernel dispatch (ema_stat()) and the Python
/// functions read it.
struct EmaMember {
    EmaStat stat;
    const char* name;  ///< public name, "ema"
    int inputs;        ///< 1 (a) or 2 (a, b)
    bool takes_times;  ///< accepts times= (the mean only, as pandas)
    bool takes_bias;   ///< accepts bias= (var, std, cov)
    const char* doc;   ///< summary and notes (numpydoc text)
};

/// Every member, in EmaStat order.
[[nodiscard]] std::span<const EmaMember> ema_family() noexcept;

/// The options of an exponentially weighted call, as pandas' `ewm(...)`.
/// Exactly one of alpha/span/halflife/com is set. `times` (the positions of
/// the points along the axis, one per point, non-decreasing, finite) makes
/// the decay time-based; it needs `halflife` in the same unit.
struct EmaOptions {
    std::optional<double> alpha, span, halflife, com;
    std::optional<std::span<const double>> times;
    bool adjust = false;
    bool ignore_na = false;
    index_t min_periods = 0;
    bool bias = false;
};

/// The smoothing factor of valid options: alpha; 2 / (span + 1);
/// 1 − exp(log(0.5) / halflife); 1 / (1 + com) (pandas' conversions); 0.5
/// with times (each step then decays by 0.5^(Δt / halflife)).
/// @param func name used in messages
/// @param length length of the axis (the length `times` must have)
/// @throws std::invalid_argument naming the argument and its value: not
///         exactly one of alpha/span/halflife/com; alpha outside (0, 1];
///         span < 1; halflife ≤ 0; com < 0 (NaN included); times without
///         halflife, or with alpha/span/com; times of another length, not
///         finite or decreasing; min_periods < 0
double ema_alpha(const char* func, const EmaOptions& opt, index_t length);

/// Checks an EMA's smoothing factor before anything is allocated or written.
/// @throws std::invalid_argument unless 0 < alpha ≤ 1 (NaN included)
inline void check_ema(double alpha) {
    detail::require(alpha > 0.0 && alpha <= 1.0, "ema", "alpha (=", alpha, ") must be in (0, 1]");
}

/// The state an adjust=True EMA carries from one piece of a series to the
/// next: the mean so far and the total weight of the points it holds
/// (Σ (1 − alpha)^age over the observations; NaN before the first one).
struct EmaCarry {
    double mean = std::numeric_limits<double>::quiet_NaN();
    double weight = std::numeric_limits<double>::quiet_NaN();
};

/// The adjust=True EMA (default options) of the next piece x of a series,
/// continuing from `carry`, which it then updates: pieces fed in order give
/// ema(whole series, alpha, true) bit for bit (the same steps in the same
/// order), so a series can be streamed or split into chunks (fastcpp.dask's
/// sequential method). Serial, at the active SIMD level.
/// @throws std::invalid_argument if alpha is not in (0, 1], the lengths of
///         x and y differ, or carry.weight is negative
template <std::floating_point T>
void ema_adjusted_from(Strided<const T> x, Strided<T> y, double alpha, EmaCarry& carry);

/// The member `stat` over every row (rows in parallel, each row serial).
/// @param a, b input rows (b is read by cov and corr only; pass a otherwise)
/// @param out output rows, same count and length; may alias `a` exactly
/// @throws std::invalid_argument as ema_alpha(), for shapes that differ, or
///         a stat outside the family; nothing is written then
template <std::floating_point T>
void ema_stat(EmaStat stat, Rows<const T> a, Rows<const T> b, Rows<T> out, const EmaOptions& opt);

/// EMA of every row of a batch (rows in parallel; each row is serial): the
/// mean with alpha and adjust, other options at their defaults.
/// @param alpha smoothing factor, 0 < alpha ≤ 1
/// @param adjust pandas' `adjust` (default false: the classic recursion)
/// @throws std::invalid_argument if alpha is not in (0, 1] (NaN included) or
///         the shapes differ; nothing is written then
template <std::floating_point T>
void ema(Rows<const T> a, Rows<T> out, double alpha, bool adjust = false) {
    EmaOptions opt;
    opt.alpha = alpha;
    opt.adjust = adjust;
    ema_stat<T>(EmaStat::mean, a, a, out, opt);
}

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
