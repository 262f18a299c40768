// The ema family table: one row per member (name, inputs, options, kernels,
// docstring), and the dispatch that reads it. Kernels: ema.cpp.
#include <array>
#include <iterator>
#include <stdexcept>
#include <type_traits>

#include "fastcpp/detail/checks.hpp"
#include "fastcpp/ema.hpp"

namespace fastcpp {

// Defined and instantiated in ema.cpp for every EmaStat and float/double.
template <EmaStat S, class T>
void ema_rows(Rows<const T> a, Rows<const T> b, Rows<T> out, const EmaOptions& opt);

namespace {

template <class T>
using EmaKernel = void (*)(Rows<const T>, Rows<const T>, Rows<T>, const EmaOptions&);

struct Row {
    EmaMember member;
    EmaKernel<double> f64;
    EmaKernel<float> f32;
};

template <EmaStat S>
constexpr Row row(const char* name, int inputs, bool times, bool bias, const char* doc) {
    return {{S, name, inputs, times, bias, doc}, &ema_rows<S, double>, &ema_rows<S, float>};
}

// The bias note of var, std and cov (a literal, concatenated into each docstring).
#define FASTCPP_EMA_BIAS_NOTE                                                      \
    "\n"                                                                           \
    "Unbiased (bias=False, pandas' default) multiplies the weighted variance by\n" \
    "(sum w)**2 / ((sum w)**2 - sum w**2); a single observation then gives NaN.\n" \
    "pandas implements no times= for this statistic, nor does fastcpp.\n"

constexpr Row kRows[] = {
    row<EmaStat::mean>(
        "ema", 1, true, false,
        "Exponential moving average along an axis: the recursion of pandas\n"
        "``Series.ewm(alpha=, span=, halflife=, com=, times=, adjust=, ignore_na=,\n"
        "min_periods=).mean()``. Leading NaNs stay NaN; a NaN step repeats the last\n"
        "value and still decays the old weight (unless ignore_na). With adjust=False\n"
        "and no NaN this is y = alpha*x + (1-alpha)*y.\n"
        "\n"
        "Note the default adjust=False differs from pandas' default (adjust=True).\n"
        "Differences from pandas: +-inf follow IEEE arithmetic (pandas treats inf as\n"
        "missing); the recursion itself is the reference, so pandas 3.0-3.1.1's\n"
        "deviation at alpha=0.5 with adjust=False and NaN gaps or times (where\n"
        "pandas gives the new value the weight 1 - decay) is not copied; times=\n"
        "takes halflife only (pandas also allows alpha/span/com with adjust=True).\n"),
    row<EmaStat::var>(
        "ema_var", 1, false, true,
        "Exponentially weighted moving variance along an axis: pandas\n"
        "``Series.ewm(...).var(bias=bias)`` (the ewmcov recursion).\n" FASTCPP_EMA_BIAS_NOTE),
    row<EmaStat::std>("ema_std", 1, false, true,
                      "Exponentially weighted moving standard deviation along an axis:\n"
                      "pandas ``Series.ewm(...).std(bias=bias)``, the square root of "
                      "ema_var.\n" FASTCPP_EMA_BIAS_NOTE),
    row<EmaStat::cov>("ema_cov", 2, false, true,
                      "Exponentially weighted moving covariance of a and b along an axis:\n"
                      "pandas ``Series.ewm(...).cov(other, bias=bias)``; a point counts when\n"
                      "both a and b are observed there.\n" FASTCPP_EMA_BIAS_NOTE),
    row<EmaStat::corr>("ema_corr", 2, false, false,
                       "Exponentially weighted moving correlation of a and b along an axis:\n"
                       "pandas ``Series.ewm(...).corr(other)``, cov(a, b) / sqrt(var(a) var(b))\n"
                       "(biased estimates, all over the points where both a and b are observed,\n"
                       "as pandas).\n"),
};

constexpr bool in_stat_order() {
    for (std::size_t i = 0; i < std::size(kRows); ++i)
        if (static_cast<std::size_t>(kRows[i].member.stat) != i) return false;
    return true;
}
static_assert(in_stat_order(), "kRows must follow the EmaStat order");

const Row& row_of(EmaStat stat) {
    const auto i = static_cast<std::size_t>(stat);
    if (i >= std::size(kRows))
        throw std::invalid_argument(
            detail::message("ema_stat: stat (=", i, ") is not a member of the ema family"));
    return kRows[i];
}

}  // namespace

std::span<const EmaMember> ema_family() noexcept {
    static const auto members = [] {
        std::array<EmaMember, std::size(kRows)> m{};
        for (std::size_t i = 0; i < m.size(); ++i) m[i] = kRows[i].member;
        return m;
    }();
    return members;
}

template <std::floating_point T>
void ema_stat(EmaStat stat, Rows<const T> a, Rows<const T> b, Rows<T> out, const EmaOptions& opt) {
    const Row& row = row_of(stat);
    if constexpr (std::is_same_v<T, double>)
        row.f64(a, b, out, opt);
    else
        row.f32(a, b, out, opt);
}

template void ema_stat<double>(EmaStat, Rows<const double>, Rows<const double>, Rows<double>,
                               const EmaOptions&);
template void ema_stat<float>(EmaStat, Rows<const float>, Rows<const float>, Rows<float>,
                              const EmaOptions&);

}  // namespace fastcpp
