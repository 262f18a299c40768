#include "fastcpp/reduce.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>
#include <vector>

#include "fastcpp/detail/checks.hpp"
#include "fastcpp/detail/parallel.hpp"
#include "fastcpp/detail/simd.hpp"
#include "fastcpp/detail/twosum.hpp"
#include "fastcpp/detail/vec.hpp"

namespace fastcpp {
namespace {

constexpr index_t kGrain = index_t{1} << 16;  // values worth a thread start

template <class R, class Part>
std::vector<R> per_range(index_t n, Part&& part) {
    return detail::map_ranges<R>(n, kGrain, std::forward<Part>(part));
}

/// Compensated sum of x[0..n): two independent vectors of TwoSum lanes.
template <class T>
FASTCPP_KERNEL detail::KahanPair sum_contiguous(const T* x, index_t n) noexcept {
    using detail::vd;
    constexpr index_t W = detail::kVecWidth;
    vd s0 = {}, s1 = {}, c0 = {}, c1 = {};
    index_t i = 0;
    for (; i + 2 * W <= n; i += 2 * W) {
        s0 = detail::two_sum(s0, detail::load(x + i), c0);
        s1 = detail::two_sum(s1, detail::load(x + i + W), c1);
    }
    detail::KahanPair acc;
    for (; i < n; ++i) acc.add(static_cast<double>(x[i]));
    for (int l = 0; l < W; ++l) {
        acc.add(s0[l]);
        acc.add(s1[l]);
    }
    for (int l = 0; l < W; ++l) {
        acc.add_compensation(c0[l]);
        acc.add_compensation(c1[l]);
    }
    return acc;
}

template <class T>
detail::KahanPair sum_range(Strided<const T> a, index_t b, index_t e) noexcept {
    if (a.stride == 1) return detail::dispatch([&] { return sum_contiguous(a.data + b, e - b); });
    detail::KahanPair acc;
    for (index_t i = b; i < e; ++i) acc.add(static_cast<double>(a[i]));
    return acc;
}

template <class T>
double sum_impl(Strided<const T> a) noexcept {
    detail::KahanPair total;
    for (const auto& p : per_range<detail::KahanPair>(
             a.size, [&](index_t b, index_t e) { return sum_range(a, b, e); }))
        total.add(p);
    return total.value();
}

template <class T>
FASTCPP_KERNEL double dot_contiguous(const T* x, const T* y, index_t n) noexcept {
    using detail::vd;
    constexpr index_t W = detail::kVecWidth;
    vd s0 = {}, s1 = {};
    index_t i = 0;
    for (; i + 2 * W <= n; i += 2 * W) {
        s0 += detail::load(x + i) * detail::load(y + i);
        s1 += detail::load(x + i + W) * detail::load(y + i + W);
    }
    double r = 0;
    for (; i < n; ++i) r += static_cast<double>(x[i]) * static_cast<double>(y[i]);
    return r + detail::hsum(s0 + s1);
}

template <class T>
double dot_impl(Strided<const T> a, Strided<const T> b) {
    detail::require(a.size == b.size, "dot", "lengths of a (=", a.size, ") and b (=", b.size,
                    ") must match");
    double r = 0;
    for (double p : per_range<double>(a.size, [&](index_t lo, index_t hi) {
             if (a.stride == 1 && b.stride == 1)
                 return detail::dispatch(
                     [&] { return dot_contiguous(a.data + lo, b.data + lo, hi - lo); });
             double s = 0;
             for (index_t i = lo; i < hi; ++i)
                 s += static_cast<double>(a[i]) * static_cast<double>(b[i]);
             return s;
         }))
        r += p;
    return r;
}

/// Sum of (x*scale)^2 over a range, in lanes.
template <class T>
FASTCPP_KERNEL double sumsq_contiguous(const T* x, index_t n, double scale) noexcept {
    using detail::vd;
    constexpr index_t W = detail::kVecWidth;
    vd s0 = {}, s1 = {};
    index_t i = 0;
    for (; i + 2 * W <= n; i += 2 * W) {
        const vd a = detail::load(x + i) * scale, b = detail::load(x + i + W) * scale;
        s0 += a * a;
        s1 += b * b;
    }
    double r = 0;
    for (; i < n; ++i) {
        const double v = static_cast<double>(x[i]) * scale;
        r += v * v;
    }
    return r + detail::hsum(s0 + s1);
}

template <class T>
double sumsq(Strided<const T> a, double scale) noexcept {
    double r = 0;
    for (double p : per_range<double>(a.size, [&](index_t lo, index_t hi) {
             if (a.stride == 1)
                 return detail::dispatch([&] { return sumsq_contiguous(a.data + lo, hi - lo, scale); });
             double s = 0;
             for (index_t i = lo; i < hi; ++i) {
                 const double v = static_cast<double>(a[i]) * scale;
                 s += v * v;
             }
             return s;
         }))
        r += p;
    return r;
}

template <class T>
double norm_impl(Strided<const T> a) noexcept {
    const double ss = sumsq(a, 1.0);
    // Safe range: no overflow to inf, no loss of precision to subnormals.
    if (std::isfinite(ss) && ss > 1e-290) return std::sqrt(ss);
    if (std::isnan(ss)) return ss;
    double amax = 0;
    for (index_t i = 0; i < a.size; ++i) {
        const double v = std::fabs(static_cast<double>(a[i]));
        if (std::isnan(v)) return v;
        amax = std::max(amax, v);
    }
    if (amax == 0 || std::isinf(amax)) return amax;
    // Scale by a power of two (exact) that brings the largest value near 1.
    const double scale = std::ldexp(1.0, -std::ilogb(amax));
    return std::sqrt(sumsq(a, scale)) / scale;
}

}  // namespace

double sum(Strided<const double> a) noexcept { return sum_impl(a); }
double sum(Strided<const float> a) noexcept { return sum_impl(a); }

int128_t sum_exact(Strided<const std::int64_t> a) noexcept {
    int128_t r = 0;
    for (int128_t p : per_range<int128_t>(a.size, [&](index_t lo, index_t hi) {
             int128_t s = 0;
             for (index_t i = lo; i < hi; ++i) s += a[i];
             return s;
         }))
        r += p;
    return r;
}

int128_t sum_exact(Strided<const std::uint64_t> a) noexcept {
    int128_t r = 0;
    for (int128_t p : per_range<int128_t>(a.size, [&](index_t lo, index_t hi) {
             int128_t s = 0;
             for (index_t i = lo; i < hi; ++i) s += static_cast<int128_t>(a[i]);
             return s;
         }))
        r += p;
    return r;
}

double dot(Strided<const double> a, Strided<const double> b) { return dot_impl(a, b); }
double dot(Strided<const float> a, Strided<const float> b) { return dot_impl(a, b); }

double norm(Strided<const double> a) noexcept { return norm_impl(a); }
double norm(Strided<const float> a) noexcept { return norm_impl(a); }

int128_t sum_of_squares(std::int64_t n) {
    detail::require(n >= 0, "sum_of_squares", "n (=", n, ") must be >= 0");
    if (n < 2) return 0;
    // n(n-1)(2n-1)/6 with each division done exactly on a factor it divides.
    __extension__ using u128 = unsigned __int128;
    u128 a = static_cast<u128>(n), b = static_cast<u128>(n - 1), c = 2 * a - 1;
    (a % 2 == 0 ? a : b) /= 2;
    (a % 3 == 0 ? a : (b % 3 == 0 ? b : c)) /= 3;
    u128 ab = 0, abc = 0;
    if (__builtin_mul_overflow(a, b, &ab) || __builtin_mul_overflow(ab, c, &abc) ||
        abc >> 127 != 0)
        throw std::overflow_error(detail::message(
            "sum_of_squares: n (=", n, ") is too large, the result exceeds 2**127"));
    return static_cast<int128_t>(abc);
}

}  // namespace fastcpp
