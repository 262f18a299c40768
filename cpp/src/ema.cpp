// Exponential moving average (pandas' ewm().mean() recursion), see ema.hpp.
#include "fastcpp/ema.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "fastcpp/detail/checks.hpp"
#include "fastcpp/detail/parallel.hpp"
#include "fastcpp/detail/simd.hpp"

namespace fastcpp {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

template <class T>
FASTCPP_KERNEL void ema_row(Strided<const T> x, Strided<T> y, double alpha,
                            bool adjust) noexcept {
    const index_t n = x.size;
    const double beta = 1.0 - alpha;
    index_t i = 0;
    for (; i < n; ++i) {  // leading NaNs
        const double v = static_cast<double>(x[i]);
        if (v == v) break;
        y[i] = static_cast<T>(kNaN);
    }
    if (i == n) return;
    double w = static_cast<double>(x[i]);
    y[i] = static_cast<T>(w);
    ++i;
    if (!adjust) {
        // old weight after the decay of this step: beta right after an
        // observation (old_w was reset to 1), beta^k after k-1 NaN steps.
        const double denom = beta + alpha;
        double decay = beta;
        for (; i < n; ++i) {
            const double v = static_cast<double>(x[i]);
            if (v == v) {
                if (w != v) {  // pandas: constant series stay exact
                    if (decay == beta)
                        w = denom == 1.0 ? std::fma(beta, w, alpha * v)
                                         : (beta * w + alpha * v) / denom;
                    else
                        w = (decay * w + alpha * v) / (decay + alpha);
                }
                decay = beta;
            } else {
                decay *= beta;
            }
            y[i] = static_cast<T>(w);
        }
        return;
    }
    double old_w = 1.0;
    for (; i < n; ++i) {
        const double v = static_cast<double>(x[i]);
        old_w *= beta;
        if (v == v) {
            if (w != v) w = (old_w * w + v) / (old_w + 1.0);
            old_w += 1.0;
        }
        y[i] = static_cast<T>(w);
    }
}

}  // namespace

template <std::floating_point T>
void ema(Rows<const T> a, Rows<T> out, double alpha, bool adjust) {
    detail::require(alpha > 0.0 && alpha <= 1.0, "ema", "alpha (=", alpha,
                    ") must be in (0, 1]");
    detail::require(out.count() == a.count() && out.length == a.length, "ema", "out has ",
                    out.count(), " rows of length ", out.length, ", expected ", a.count(),
                    " rows of length ", a.length);
    if (a.length == 0) return;
    // Each row is one serial recursion: threads take whole rows.
    const index_t grain = std::max<index_t>(1, (index_t{1} << 15) / a.length);
    detail::parallel_for(a.count(), grain, [&](index_t lo, index_t hi) {
        for (index_t r = lo; r < hi; ++r)
            detail::dispatch([&] { ema_row(a.row(r), out.row(r), alpha, adjust); });
    });
}

template void ema<double>(Rows<const double>, Rows<double>, double, bool);
template void ema<float>(Rows<const float>, Rows<float>, double, bool);

}  // namespace fastcpp
