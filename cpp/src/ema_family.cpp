// The ema family table: one row per member (name, kernel, docstring), and the
// dispatch that reads it. Kernels: ema.cpp.
#include <array>
#include <iterator>
#include <stdexcept>
#include <type_traits>

#include "fastcpp/detail/checks.hpp"
#include "fastcpp/ema.hpp"

namespace fastcpp {
namespace {

template <class T>
using EmaKernel = void (*)(Rows<const T>, Rows<T>, double alpha, bool adjust);

struct Row {
    EmaMember member;
    EmaKernel<double> f64;
    EmaKernel<float> f32;
};

constexpr Row kRows[] = {
    {{EmaStat::mean, "ema",
      "Exponential moving average along an axis: the recursion of pandas\n"
      "``Series.ewm(alpha=alpha, adjust=adjust, ignore_na=False, min_periods=0).mean()``.\n"
      "Leading NaNs stay NaN; a NaN step repeats the last value and still decays the\n"
      "old weight. With adjust=False and no NaN this is y = alpha*x + (1-alpha)*y.\n"
      "\n"
      "Note the default adjust=False differs from pandas' default (adjust=True).\n"
      "Differences from pandas: +-inf follow IEEE arithmetic (pandas treats inf as\n"
      "missing); the recursion itself is the reference, so pandas 3.0-3.1.1's\n"
      "deviation at alpha=0.5 with NaN gaps is not copied.\n"},
     &ema<double>,
     &ema<float>},
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
void ema_stat(EmaStat stat, Rows<const T> a, Rows<T> out, double alpha, bool adjust) {
    const Row& row = row_of(stat);
    if constexpr (std::is_same_v<T, double>)
        row.f64(a, out, alpha, adjust);
    else
        row.f32(a, out, alpha, adjust);
}

template void ema_stat<double>(EmaStat, Rows<const double>, Rows<double>, double, bool);
template void ema_stat<float>(EmaStat, Rows<const float>, Rows<float>, double, bool);

}  // namespace fastcpp
