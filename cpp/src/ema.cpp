// Exponential moving average (pandas' ewm().mean() recursion), see ema.hpp.
#include "fastcpp/ema.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "fastcpp/detail/checks.hpp"
#include "fastcpp/detail/parallel.hpp"
#include "fastcpp/detail/simd.hpp"

// No FMA contraction: a block and the step-by-step path should round alike.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

namespace fastcpp {
namespace {

using v4d = double __attribute__((vector_size(32)));
using v4i = std::int64_t __attribute__((vector_size(32)));
using v4f = float __attribute__((vector_size(16)));

template <class T>
[[gnu::always_inline]] inline v4d load4(const T* p) noexcept {
    if constexpr (sizeof(T) == sizeof(double)) {
        v4d v;
        std::memcpy(&v, p, sizeof v);
        return v;
    } else {
        v4f f;
        std::memcpy(&f, p, sizeof f);
        return __builtin_convertvector(f, v4d);
    }
}

template <class T>
[[gnu::always_inline]] inline void store4(T* p, v4d v) noexcept {
    if constexpr (sizeof(T) == sizeof(double)) {
        std::memcpy(p, &v, sizeof v);
    } else {
        const v4f f = __builtin_convertvector(v, v4f);
        std::memcpy(p, &f, sizeof f);
    }
}

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

template <class T>
FASTCPP_CLONES void ema_row(Strided<const T> x, Strided<T> y, double alpha, bool adjust) noexcept {
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
        // Blocks of four finite observations right after an observation,
        // when the recursion is y = beta·y + alpha·x (denom == 1), unrolled:
        // y[j] = u[j] + beta^(j+1)·y_prev with u[j] = alpha·x[j] + beta·u[j-1].
        // The u[j] do not depend on y_prev and take a few vector operations,
        // so the serial chain is one multiply-add per four elements instead
        // of one per element; the result differs from the step-by-step
        // recursion by rounding only. A block equal to y throughout keeps y
        // exactly (pandas' rule).
        const bool blocks = denom == 1.0 && x.stride == 1 && y.stride == 1;
        const double b2 = beta * beta, b3 = b2 * beta, b4 = b3 * beta;
        // u = alpha·(x[j] + beta·x[j-1] + beta²·x[j-2] + beta³·x[j-3]) lane by
        // lane (coefficients zero where j-k < 0), y = u + beta^(j+1)·w.
        const v4d c0 = v4d{} + alpha, c1 = v4d{0, beta, beta, beta} * alpha,
                  c2 = v4d{0, 0, b2, b2} * alpha, c3 = v4d{0, 0, 0, b3} * alpha,
                  bp = v4d{beta, b2, b3, b4};
        while (i < n) {
            if (blocks && decay == beta && i + 4 <= n) {
                const v4d xv = load4(x.data + i);
                const v4d zero{};
                // Finite values only (inf and NaN take the step-by-step path).
                const v4i finite = xv - xv == zero;
                if (finite[0] & finite[1] & finite[2] & finite[3]) {
                    const v4i same = xv == zero + w;
                    if (!(same[0] & same[1] & same[2] & same[3])) {
                        const v4d u = c0 * xv + c1 * __builtin_shuffle(xv, v4i{0, 0, 1, 2}) +
                                      c2 * __builtin_shuffle(xv, v4i{0, 0, 0, 1}) +
                                      c3 * __builtin_shuffle(xv, v4i{0, 0, 0, 0});
                        // The chain to the next block stays scalar (a vector
                        // broadcast and extract would lengthen it); yv[3] == wn.
                        const double wn = u[3] + b4 * w;
                        store4(y.data + i, u + bp * w);
                        w = wn;
                    } else {
                        store4(y.data + i, zero + w);
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
    detail::require(alpha > 0.0 && alpha <= 1.0, "ema", "alpha (=", alpha, ") must be in (0, 1]");
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
