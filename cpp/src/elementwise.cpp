// Elementwise kernels. Every kernel is one function of a chunk of a row
// (Strided in, Strided out), compiled per SIMD level by detail::dispatch so
// its vector loops (libmvec exp; the inline sin/cos of detail/vmath.hpp)
// become 2-, 4- or 8-wide; detail::parallel_rows spreads them over threads.
// This file is compiled with -fno-math-errno (errno would block the vector
// calls) and -ffp-contract=off (NumPy rounds a*b and +c separately); vmath's
// sin/cos fuse a*b + c at x86-64-v3/v4 only where polar_to_cartesian asks
// for it (dispatch_fused).
#include "fastcpp/elementwise.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>

#include "elementwise_loops.hpp"
#include "fastcpp/detail/checks.hpp"
#include "fastcpp/detail/parallel.hpp"
#include "fastcpp/detail/simd.hpp"
#include "fastcpp/detail/vmath.hpp"

namespace fastcpp {
namespace {

using detail::kBlock;
using detail::kLanes;
using detail::pad_lanes;
namespace vmath = detail::vmath;

/// Scalar libm exp (outside any vector loop).
[[gnu::noinline]] double scalar_exp(double x) noexcept { return std::exp(x); }

/// x * scale + shift (NumPy: a * scale + shift).
struct ScaleShift {
    double scale, shift;
    double operator()(double x) const noexcept { return x * scale + shift; }
};

/// pi * x**2 (NumPy: np.pi * r**2).
struct CircleArea {
    double operator()(double x) const noexcept { return std::numbers::pi * (x * x); }
};

/// Below this exp argument libmvec leaves the vector path (subnormal or zero
/// results) for a slow scalar call-out per vector; such lanes are handled apart.
constexpr double kExpMin = -708.0;
/// exp(x) rounds to 0 for x below this (exp(-746) < half the least subnormal).
constexpr double kExpZero = -746.0;

/// exp(-x**2 / (2 sigma**2)) over one chunk (NumPy: np.exp(-a**2 / (2*sigma**2))),
/// `twice_var` = 2 * (sigma * sigma). Contiguous blocks run one fused vector
/// loop. After a block with underflowing arguments (< kExpMin) the following
/// blocks go through buffers instead, where those lanes are masked out of the
/// vector exp and get exact zeros (< kExpZero) or scalar exp (subnormal band):
/// the same values as libmvec's call-out, without its cost, so mostly
/// underflowing data (tiny sigma) stays fast.
template <class T>
FASTCPP_KERNEL void gaussian_chunk(Strided<const T> a, Strided<T> o, double twice_var) noexcept {
    alignas(64) double arg[kBlock], e[kBlock];
    // Every layout goes through the same block buffer and the same exp loop:
    // a separate in-place vector loop let GCC pick another libmvec width, and
    // equal inputs then differed in the last bit depending on where they sat.
    const index_t n = a.size;
    for (index_t b = 0; b < n; b += kBlock) {
        const index_t m = std::min(kBlock, n - b), mp = pad_lanes(m);
        const index_t done = 0;
        {
            int rest_low = 0;
            for (index_t i = done; i < m; ++i) {
                const auto v = static_cast<double>(a[b + i]);
                arg[i] = -(v * v) / twice_var;
                rest_low |= static_cast<int>(arg[i] < kExpMin);
            }
            for (index_t i = m; i < mp; ++i) arg[i] = 0;
            if (!rest_low) {
#pragma omp simd
                for (index_t i = done; i < mp; ++i) e[i] = std::exp(arg[i]);
            } else {
                // Clamp in a loop of its own: inside the exp loop GCC would turn
                // exp(x < c ? c : x) back into x < c ? exp(c) : exp(x).
                for (index_t i = done; i < mp; ++i) e[i] = arg[i] < kExpMin ? kExpMin : arg[i];
#pragma omp simd
                for (index_t i = done; i < mp; ++i) e[i] = std::exp(e[i]);
                for (index_t i = done; i < mp; ++i) e[i] = arg[i] < kExpMin ? 0.0 : e[i];
                for (index_t i = done; i < m; ++i)  // subnormal results: scalar libm
                    if (arg[i] < kExpMin && arg[i] >= kExpZero) e[i] = scalar_exp(arg[i]);
            }
            for (index_t i = done; i < m; ++i) o[b + i] = static_cast<T>(e[i]);
        }
    }
}

/// out[i] = op(a[i]) over one chunk, computed in double. The contiguous part
/// that is a whole number of vectors (including exact in-place) runs one
/// vector loop in place; the rest (strided, broadcast, or the last < 8
/// elements) goes through a padded block buffer, so the math always runs in
/// full vectors (see kLanes).
template <class T, class Op>
FASTCPP_KERNEL void unary_chunk(Strided<const T> a, Strided<T> o, Op op) noexcept {
    const index_t n = a.size;
    index_t done = 0;
    if (a.stride == 1 && o.stride == 1) {
        done = n / kLanes * kLanes;
        if (static_cast<const void*>(a.data) == static_cast<const void*>(o.data)) {
            T* y = o.data;  // in place: each element read before it is written
            for (index_t i = 0; i < done; ++i) y[i] = static_cast<T>(op(static_cast<double>(y[i])));
        } else {
            const T* __restrict x = a.data;
            T* __restrict y = o.data;
            for (index_t i = 0; i < done; ++i) y[i] = static_cast<T>(op(static_cast<double>(x[i])));
        }
    }
    alignas(64) double buf[kBlock];
    for (index_t b = done; b < n; b += kBlock) {
        const index_t m = std::min(kBlock, n - b), mp = pad_lanes(m);
        for (index_t i = 0; i < m; ++i) buf[i] = static_cast<double>(a[b + i]);
        for (index_t i = m; i < mp; ++i) buf[i] = 0;
        for (index_t i = 0; i < mp; ++i) buf[i] = op(buf[i]);
        for (index_t i = 0; i < m; ++i) o[b + i] = static_cast<T>(buf[i]);
    }
}

/// x[i] = r[i] * cos(t[i]), y[i] = r[i] * sin(t[i]) for i < n, contiguous:
/// one vector loop with the inline sincos of detail/vmath.hpp (one reduction
/// for both), then scalar libm for the rare |t| > kTrigMax, inf or NaN.
template <bool F, class T, class U>
[[gnu::always_inline]] inline void polar_run(const T* __restrict r, const T* __restrict t,
                                             U* __restrict x, U* __restrict y, index_t n) noexcept {
    std::uint64_t far = 0;
#pragma omp simd reduction(| : far)
    for (index_t i = 0; i < n; ++i) {
        const auto ti = static_cast<double>(t[i]);
        const auto ri = static_cast<double>(r[i]);
        const auto sc = vmath::sincos<F>(ti);
        x[i] = static_cast<U>(ri * sc.c);
        y[i] = static_cast<U>(ri * sc.s);
        far |= vmath::trig_far_bits(ti);
    }
    if (!vmath::any_far(far)) return;
    for (index_t i = 0; i < n; ++i) {
        const auto ti = static_cast<double>(t[i]);
        if (vmath::trig_in_range(ti)) continue;
        const auto ri = static_cast<double>(r[i]);
        x[i] = static_cast<U>(ri * std::cos(ti));
        y[i] = static_cast<U>(ri * std::sin(ti));
    }
}

/// x = r cos(theta), y = r sin(theta) over one chunk: contiguous rows in
/// place, anything else through block buffers. The math is the same inline
/// code everywhere, so equal inputs give equal bits wherever they sit.
template <bool F, class T>
FASTCPP_KERNEL void polar_chunk(Strided<const T> r, Strided<const T> t, Strided<T> x,
                                Strided<T> y) noexcept {
    const index_t n = r.size;
    if (r.stride == 1 && t.stride == 1 && x.stride == 1 && y.stride == 1) {
        polar_run<F>(r.data, t.data, x.data, y.data, n);
        return;
    }
    alignas(64) double rb[kBlock], tb[kBlock], xb[kBlock], yb[kBlock];
    for (index_t b = 0; b < n; b += kBlock) {
        const index_t m = std::min(kBlock, n - b);
        for (index_t i = 0; i < m; ++i) rb[i] = static_cast<double>(r[b + i]);
        for (index_t i = 0; i < m; ++i) tb[i] = static_cast<double>(t[b + i]);
        polar_run<F>(rb, tb, xb, yb, m);
        for (index_t i = 0; i < m; ++i) x[b + i] = static_cast<T>(xb[i]);
        for (index_t i = 0; i < m; ++i) y[b + i] = static_cast<T>(yb[i]);
    }
}

/// Runs a unary op over every row of a batch on all threads.
template <class T, class Op>
void unary_rows(const char* func, Rows<const T> a, Rows<T> out, index_t grain, Op op) {
    detail::require_same_shape(func, "a", a, "out", out);
    detail::parallel_rows(a.count(), a.length, grain, [&](index_t r, index_t b, index_t e) {
        detail::dispatch([&] { unary_chunk(a.row(r).sub(b, e), out.row(r).sub(b, e), op); });
    });
}

}  // namespace

void check_sigma(double sigma) {
    detail::require(std::isfinite(sigma) && sigma > 0, "gaussian", "sigma (=", sigma,
                    ") must be finite and > 0");
}

template <std::floating_point T>
void scale_and_shift(Rows<const T> a, double scale, double shift, Rows<T> out) {
    unary_rows("scale_and_shift", a, out, detail::kGrainArith, ScaleShift{scale, shift});
}
template <std::floating_point T>
void scale_and_shift(std::span<const T> a, double scale, double shift, std::span<T> out) {
    scale_and_shift(detail::one_row(a), scale, shift, detail::one_row(out));
}

double circle_area(double r) noexcept { return CircleArea{}(r); }
template <std::floating_point T>
void circle_area(Rows<const T> r, Rows<T> out) {
    unary_rows("circle_area", r, out, detail::kGrainArith, CircleArea{});
}
template <std::floating_point T>
void circle_area(std::span<const T> r, std::span<T> out) {
    circle_area(detail::one_row(r), detail::one_row(out));
}

double gaussian(double x, double sigma) {
    check_sigma(sigma);
    return std::exp(-(x * x) / (2 * (sigma * sigma)));
}
template <std::floating_point T>
void gaussian(Rows<const T> a, double sigma, Rows<T> out) {
    check_sigma(sigma);
    detail::require_same_shape("gaussian", "a", a, "out", out);
    const double twice_var = 2 * (sigma * sigma);
    detail::parallel_rows(
        a.count(), a.length, detail::kGrainExp, [&](index_t r, index_t b, index_t e) {
            detail::dispatch(
                [&] { gaussian_chunk(a.row(r).sub(b, e), out.row(r).sub(b, e), twice_var); });
        });
}
template <std::floating_point T>
void gaussian(std::span<const T> a, double sigma, std::span<T> out) {
    gaussian(detail::one_row(a), sigma, detail::one_row(out));
}

template <std::floating_point T>
void polar_to_cartesian(Rows<const T> r, Rows<const T> theta, Rows<T> x, Rows<T> y) {
    detail::require_same_shape("polar_to_cartesian", "r", r, "theta", theta);
    detail::require_same_shape("polar_to_cartesian", "r", r, "x", x);
    detail::require_same_shape("polar_to_cartesian", "r", r, "y", y);
    detail::parallel_rows(
        r.count(), r.length, detail::kGrainTrig, [&](index_t row, index_t b, index_t e) {
            detail::dispatch_fused([&](auto fused) {
                polar_chunk<decltype(fused)::value>(r.row(row).sub(b, e), theta.row(row).sub(b, e),
                                                    x.row(row).sub(b, e), y.row(row).sub(b, e));
            });
        });
}
template <std::floating_point T>
void polar_to_cartesian(std::span<const T> r, std::span<const T> theta, std::span<T> x,
                        std::span<T> y) {
    polar_to_cartesian(detail::one_row(r), detail::one_row(theta), detail::one_row(x),
                       detail::one_row(y));
}

#define FASTCPP_INSTANTIATE(T)                                                                \
    template void scale_and_shift<T>(Rows<const T>, double, double, Rows<T>);                 \
    template void scale_and_shift<T>(std::span<const T>, double, double, std::span<T>);       \
    template void circle_area<T>(Rows<const T>, Rows<T>);                                     \
    template void circle_area<T>(std::span<const T>, std::span<T>);                           \
    template void gaussian<T>(Rows<const T>, double, Rows<T>);                                \
    template void gaussian<T>(std::span<const T>, double, std::span<T>);                      \
    template void polar_to_cartesian<T>(Rows<const T>, Rows<const T>, Rows<T>, Rows<T>);      \
    template void polar_to_cartesian<T>(std::span<const T>, std::span<const T>, std::span<T>, \
                                        std::span<T>);
FASTCPP_INSTANTIATE(double)
FASTCPP_INSTANTIATE(float)
#undef FASTCPP_INSTANTIATE

}  // namespace fastcpp
