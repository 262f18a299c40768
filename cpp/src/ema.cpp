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
FASTCPP_CLONES void ema_row(Strided<const T> x, Strided<T> y, double alpha,
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
        // Blocks of four observations (no NaN) right after an observation,
        // when the recursion is y = beta·y + alpha·x (denom == 1):
        // y[j] = u[j] + beta^(j+1)·y_prev with u[j] = alpha·x[j] + beta·u[j-1].
        // The u[j] do not depend on y_prev, so the serial chain is one
        // multiply-add per four elements instead of one per element; the
        // result differs from the step-by-step recursion by rounding only.
        // A block equal to y throughout keeps y exactly (pandas' rule).
        const bool blocks = denom == 1.0;
        const double b2 = beta * beta, b3 = b2 * beta, b4 = b3 * beta;
        while (i < n) {
            if (blocks && decay == beta && i + 4 <= n) {
                const double x0 = static_cast<double>(x[i]), x1 = static_cast<double>(x[i + 1]),
                             x2 = static_cast<double>(x[i + 2]),
                             x3 = static_cast<double>(x[i + 3]);
                if (x0 == x0 && x1 == x1 && x2 == x2 && x3 == x3) {
                    if (!(x0 == w && x1 == w && x2 == w && x3 == w)) {
                        const double u0 = alpha * x0;
                        const double u1 = alpha * x1 + beta * u0;
                        const double u2 = alpha * x2 + beta * u1;
                        const double u3 = alpha * x3 + beta * u2;
                        y[i] = static_cast<T>(u0 + beta * w);
                        y[i + 1] = static_cast<T>(u1 + b2 * w);
                        y[i + 2] = static_cast<T>(u2 + b3 * w);
                        w = u3 + b4 * w;
                        y[i + 3] = static_cast<T>(w);
                    } else {
                        for (index_t k = 0; k < 4; ++k) y[i + k] = static_cast<T>(w);
                    }
                    i += 4;
                    continue;
                }
            }
            const double v = static_cast<double>(x[i]);
            if (v == v) {
                if (w != v) {  // pandas: constant series stay exact
                    if (decay == beta)
                        w = blocks ? beta * w + alpha * v : (beta * w + alpha * v) / denom;
                    else
                        w = (decay * w + alpha * v) / (decay + alpha);
                }
                decay = beta;
            } else {
                decay *= beta;
            }
            y[i] = static_cast<T>(w);
            ++i;
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
        for (index_t r = lo; r < hi; ++r) ema_row(a.row(r), out.row(r), alpha, adjust);
    });
}

template void ema<double>(Rows<const double>, Rows<double>, double, bool);
template void ema<float>(Rows<const float>, Rows<float>, double, bool);

}  // namespace fastcpp
