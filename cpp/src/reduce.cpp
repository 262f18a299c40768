// Whole-array reductions. The algorithms, and why:
//
// sum: correctly rounded (equal to math.fsum) at memory speed, in two tiers.
//   1. One vectorised pass of Knuth's TwoSum in 16 lanes (Ogita, Rump & Oishi's
//      Sum2, SIAM J. Sci. Comput. 26(6), 2005) that also adds up |error| of
//      every step. The pair (sum, compensation) is then within a rigorous bound
//      of the exact sum (see certify()); when that whole interval rounds to one
//      double, that double is the correctly rounded sum. This holds for almost
//      all data (the bound is ~n*u^2*|sum|, the rounding gap ~u*|sum|).
//   2. Otherwise (heavy cancellation, results near a rounding tie, overflowing
//      intermediates, inf/NaN, exact zeros) an exact superaccumulator (Neal's
//      small superaccumulator, superaccumulator.hpp) sums the input again.
//   Both tiers are threaded over ranges and merged exactly, so the result is
//   the same double for every thread count and every SIMD level.
// dot: blocked summation (see kDotBlock): one FMA per product, as BLAS, with
//   an error bounded by the block length instead of n.
// norm: Blue's three-accumulator scaling (J. L. Blue, ACM TOMS 4(1), 1978, as
//   in LAPACK 3.10's dnrm2, Anderson 2017), branch-free in lanes, one pass;
//   the small-value scale is widened so subnormal inputs keep every bit.
//   Blocks whose values all have safe squares take a one-FMA-per-value path.

#include "fastcpp/reduce.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include "fastcpp/detail/checks.hpp"
#include "fastcpp/detail/parallel.hpp"
#include "fastcpp/detail/simd.hpp"
#include "fastcpp/detail/twosum.hpp"
#include "fastcpp/detail/vec.hpp"
#include "superaccumulator.hpp"

#include "fastcpp/detail/dispatch.hpp"

// Lanes per register: from the dispatched level, or, in builds
// without run-time dispatch, from what the build's -march enables.
#if FASTCPP_DISPATCH_X86
#define FASTCPP_REDUCE_LANES                                      \
    (detail::active_level() >= detail::SimdLevel::x86_64_v4   ? 8 \
     : detail::active_level() >= detail::SimdLevel::x86_64_v3 ? 4 \
                                                              : 2)
#else
#if defined(__AVX512F__)
#define FASTCPP_REDUCE_LANES 8
#elif defined(__AVX2__)
#define FASTCPP_REDUCE_LANES 4
#else
#define FASTCPP_REDUCE_LANES 2
#endif
#endif

namespace fastcpp {
namespace {

// Kernels keep 2 vectors of N lanes per accumulator, N matching the
// registers of the level in use (see detail::Lanes); state between blocks
// lives in arrays of the widest case.
constexpr int kMaxLanes = 16;

template <int N>
using Vec = typename detail::Lanes<N>::vd;

/// Runs f(std::integral_constant<int, N>{}) compiled for the active SIMD
/// level, N being that level's doubles per register.
template <class F>
decltype(auto) with_lanes(F&& f) {
    return detail::dispatch([&] {
        const int lanes = FASTCPP_REDUCE_LANES;
        if (lanes == 8) return f(std::integral_constant<int, 8>{});
        if (lanes == 4) return f(std::integral_constant<int, 4>{});
        return f(std::integral_constant<int, 2>{});
    });
}

// Elements worth a thread start (~100 us of streaming at memory speed): no
// thread is started for less.
constexpr index_t kGrain = index_t{1} << 17;

template <class R, class Part>
std::vector<R> per_range(index_t n, index_t grain, Part&& part) {
    return detail::map_ranges<R>(n, grain, std::forward<Part>(part));
}

/// Runs feed(ptr, count) over a[b, e): directly when contiguous, else through
/// a small stack buffer, so that every kernel has one contiguous loop.
template <class T, class Feed>
void over_blocks(Strided<const T> a, index_t b, index_t e, Feed&& feed) {
    if (a.stride == 1) {
        feed(a.data + b, e - b);
        return;
    }
    constexpr index_t kBlock = 512;
    T buf[kBlock];
    for (index_t i = b; i < e; i += kBlock) {
        const index_t m = std::min(kBlock, e - i);
        for (index_t j = 0; j < m; ++j) buf[j] = a[i + j];
        feed(buf, m);
    }
}

/// Up to 2N values of x as two vectors, zero-padded (for loop tails).
template <int N, class T>
[[gnu::always_inline]] inline void load_tail(const T* x, index_t m, Vec<N>& lo,
                                             Vec<N>& hi) noexcept {
    alignas(64) double t[2 * N] = {};
    for (index_t j = 0; j < m; ++j) t[j] = static_cast<double>(x[j]);
    lo = detail::Lanes<N>::load(t);
    hi = detail::Lanes<N>::load(t + N);
}

// ---------------------------------------------------------------- sum, tier 1

/// TwoSum lanes: running sums, sums of the exact rounding errors, and sums
/// of their magnitudes (for the error bound), carried between blocks.
struct SumLanes {
    alignas(64) double s[kMaxLanes] = {};
    alignas(64) double c[kMaxLanes] = {};
    alignas(64) double a[kMaxLanes] = {};
};

template <int N>
[[gnu::always_inline]] inline void sum_step(Vec<N>& s, Vec<N>& c, Vec<N>& a, Vec<N> x) noexcept {
    const Vec<N> t = s + x;
    const Vec<N> bb = t - s;
    const Vec<N> e = (s - (t - bb)) + (x - bb);  // exact: s + x == t + e
    s = t;
    c += e;
    a += detail::Lanes<N>::abs(e);
}

template <int N, class T>
FASTCPP_KERNEL void sum_feed(SumLanes& st, const T* x, index_t n) noexcept {
    using L = detail::Lanes<N>;
    Vec<N> s0 = L::load(st.s), s1 = L::load(st.s + N);
    Vec<N> c0 = L::load(st.c), c1 = L::load(st.c + N);
    Vec<N> a0 = L::load(st.a), a1 = L::load(st.a + N);
    index_t i = 0;
    for (; i + 2 * N <= n; i += 2 * N) {
        sum_step<N>(s0, c0, a0, L::load(x + i));
        sum_step<N>(s1, c1, a1, L::load(x + i + N));
    }
    if (i < n) {
        Vec<N> lo, hi;
        load_tail<N>(x + i, n - i, lo, hi);
        sum_step<N>(s0, c0, a0, lo);
        sum_step<N>(s1, c1, a1, hi);
    }
    L::store(st.s, s0), L::store(st.s + N, s1);
    L::store(st.c, c0), L::store(st.c + N, c1);
    L::store(st.a, a0), L::store(st.a + N, a1);
}

/// A compensated partial sum: the exact sum of a range is s + (exact sum of
/// the error terms whose rounded sum is c and whose magnitudes sum to a);
/// `terms` counts the additions that went into c and a.
struct SumPart {
    double s = 0, c = 0, a = 0;
    double terms = 0;

    void add(double x) noexcept {
        double e = 0;
        s = detail::two_sum(s, x, e);
        c += e;
        a += std::fabs(e);
        terms += 1;
    }
    void merge(const SumPart& o) noexcept {
        add(o.s);
        c += o.c;
        a += o.a;
        terms += o.terms + 2;
    }
};

template <class T>
SumPart sum_part(Strided<const T> x, index_t b, index_t e) noexcept {
    SumLanes st;
    over_blocks(x, b, e, [&](const T* p, index_t m) {
        with_lanes([&](auto n) { sum_feed<n()>(st, p, m); });
    });
    SumPart part;
    for (int l = 0; l < kMaxLanes; ++l) {
        part.add(st.s[l]);
        part.c += st.c[l];
        part.a += st.a[l];
    }
    part.terms += static_cast<double>(e - b + 2 * kMaxLanes);
    return part;
}

/// The correctly rounded value of the exact sum of `p`, if the error bound
/// proves it; nothing otherwise.
///
/// Exact = s + E with E the exact sum of the error terms; c = fl(E) and
/// a = fl(sum |e_i|) come from floating-point sums of `terms` terms, so
/// |E - c| <= g*a*(1 + 2g) with g = gamma_terms = terms*u / (1 - terms*u)
/// (Higham, Accuracy and Stability, 4.2; additions never lose more than this
/// on underflow, being exact there). With s + c = r + t exactly (TwoSum),
/// exact = r + t + delta, |delta| <= bound; if |t| + bound is below half the
/// gap to r's nearer neighbour, every value in the interval rounds to r.
std::optional<double> certify(const SumPart& p) noexcept {
    if (!std::isfinite(p.s) || !std::isfinite(p.c) || !std::isfinite(p.a)) return {};
    if (p.terms >= 0x1p40) return {};
    constexpr double u = 0x1p-53;
    const double g = p.terms * u / (1 - p.terms * u);
    // Round the bound up generously: the factors cover the rounding of every
    // operation here; 4 denorm_min cover underflow in the products.
    // (No error term at all, a == 0: the compensated pair is exact.)
    const double bound = p.a == 0 ? 0.0
                                  : g * p.a * (1 + 2 * g) * (1 + 0x1p-48) +
                                        4 * std::numeric_limits<double>::denorm_min();
    double t = 0;
    const double r = detail::two_sum(p.s, p.c, t);
    if (r == 0 || !std::isfinite(r)) return {};  // signs of zero, overflow: tier 2
    const double m = std::fabs(r);
    const double gap = std::min(m - std::nextafter(m, 0.0),
                                std::nextafter(m, std::numeric_limits<double>::infinity()) - m);
    const double margin = (std::fabs(t) + bound) * (1 + 0x1p-50);
    if (!(margin < 0.5 * gap)) return {};
    return r;
}

// ---------------------------------------------------------------- sum, tier 2

template <class T>
double exact_sum(Strided<const T> x) {
    detail::Superaccumulator total;
    for (const auto& part :
         per_range<detail::Superaccumulator>(x.size, kGrain, [&](index_t b, index_t e) {
             detail::Superaccumulator acc;
             over_blocks(x, b, e, [&](const T* p, index_t m) {
                 detail::dispatch([&] { acc.add_all(m, [&](index_t i) { return p[i]; }); });
             });
             return acc;
         }))
        total.add(part);
    return total.round();
}

template <class T>
double sum_impl(Strided<const T> x) {
    if (x.size == 0) return 0.0;
    SumPart total;
    for (const auto& p : per_range<SumPart>(
             x.size, kGrain, [&](index_t b, index_t e) { return sum_part(x, b, e); }))
        total.merge(p);
    if (const auto r = certify(total)) return *r;
    return exact_sum(x);
}

// ---------------------------------------------------------------- plain sum

template <int N, class T>
FASTCPP_KERNEL double plain_feed(const T* x, index_t n) noexcept {
    using L = detail::Lanes<N>;
    Vec<N> s0 = {}, s1 = {}, s2 = {}, s3 = {};
    index_t i = 0;
    for (; i + 4 * N <= n; i += 4 * N) {
        s0 += L::load(x + i);
        s1 += L::load(x + i + N);
        s2 += L::load(x + i + 2 * N);
        s3 += L::load(x + i + 3 * N);
    }
    double r = 0;
    for (; i < n; ++i) r += static_cast<double>(x[i]);
    const Vec<N> t = (s0 + s1) + (s2 + s3);
    for (int l = 0; l < N; ++l) r += t[l];
    return r;
}

// ---------------------------------------------------------------- dot

// dot: blocked summation. Each of 4 vectors of lanes sums kDotBlock products
// plainly (one FMA each, as BLAS), then adds that block sum into a running
// TwoSum pair. The error is then bounded by the block length instead of n:
// |dot - exact| <= (kDotBlock + 1) u sum|a_i b_i| + u |dot| (to first order),
// where a plain loop (BLAS, NumPy) has ~(n / lanes) u sum|a_i b_i|.
constexpr int kDotBlock = 16;
constexpr int kDotLanes = 32;  // 4 vectors of up to 8

struct DotLanes {
    alignas(64) double s[kDotLanes] = {};
    alignas(64) double c[kDotLanes] = {};
};

template <int N>
[[gnu::always_inline]] inline void fold(Vec<N>& s, Vec<N>& c, Vec<N> p) noexcept {
    const Vec<N> t = s + p;
    const Vec<N> bb = t - s;
    c += (s - (t - bb)) + (p - bb);  // exact error of s + p
    s = t;
}

template <int N, class T>
FASTCPP_KERNEL void dot_feed(DotLanes& st, const T* x, const T* y, index_t n) noexcept {
    using L = detail::Lanes<N>;
    Vec<N> s0 = L::load(st.s), s1 = L::load(st.s + N), s2 = L::load(st.s + 2 * N),
           s3 = L::load(st.s + 3 * N);
    Vec<N> c0 = L::load(st.c), c1 = L::load(st.c + N), c2 = L::load(st.c + 2 * N),
           c3 = L::load(st.c + 3 * N);
    constexpr index_t kStep = 4 * N;
    for (index_t i = 0; i < n;) {
        Vec<N> p0 = {}, p1 = {}, p2 = {}, p3 = {};
        const index_t end = std::min(n, i + kDotBlock * kStep);
        for (; i + kStep <= end; i += kStep) {
            p0 += L::load(x + i) * L::load(y + i);
            p1 += L::load(x + i + N) * L::load(y + i + N);
            p2 += L::load(x + i + 2 * N) * L::load(y + i + 2 * N);
            p3 += L::load(x + i + 3 * N) * L::load(y + i + 3 * N);
        }
        if (i < end) {  // the last < 4N values: zero-padded
            alignas(64) double tx[kStep] = {}, ty[kStep] = {};
            for (index_t j = 0; j < end - i; ++j)
                tx[j] = static_cast<double>(x[i + j]), ty[j] = static_cast<double>(y[i + j]);
            p0 += L::load(tx) * L::load(ty);
            p1 += L::load(tx + N) * L::load(ty + N);
            p2 += L::load(tx + 2 * N) * L::load(ty + 2 * N);
            p3 += L::load(tx + 3 * N) * L::load(ty + 3 * N);
            i = end;
        }
        fold<N>(s0, c0, p0), fold<N>(s1, c1, p1), fold<N>(s2, c2, p2), fold<N>(s3, c3, p3);
    }
    L::store(st.s, s0), L::store(st.s + N, s1), L::store(st.s + 2 * N, s2),
        L::store(st.s + 3 * N, s3);
    L::store(st.c, c0), L::store(st.c + N, c1), L::store(st.c + 2 * N, c2),
        L::store(st.c + 3 * N, c3);
}

template <class T>
detail::KahanPair dot_part(Strided<const T> a, Strided<const T> b, index_t lo, index_t hi) {
    DotLanes st;
    auto feed = [&](const T* x, const T* y, index_t m) {
        with_lanes([&](auto n) { dot_feed<n()>(st, x, y, m); });
    };
    if (a.stride == 1 && b.stride == 1) {
        feed(a.data + lo, b.data + lo, hi - lo);
    } else {
        constexpr index_t kBlock = 256;
        T bx[kBlock], by[kBlock];
        for (index_t i = lo; i < hi; i += kBlock) {
            const index_t m = std::min(kBlock, hi - i);
            for (index_t j = 0; j < m; ++j) bx[j] = a[i + j], by[j] = b[i + j];
            feed(bx, by, m);
        }
    }
    detail::KahanPair r;
    for (int l = 0; l < kDotLanes; ++l) {
        r.add(st.s[l]);
        r.lo += st.c[l];
    }
    return r;
}

template <class T>
double dot_impl(Strided<const T> a, Strided<const T> b) {
    detail::require(a.size == b.size, "dot", "lengths of a (=", a.size, ") and b (=", b.size,
                    ") must match");
    detail::KahanPair total;
    for (const auto& p : per_range<detail::KahanPair>(
             a.size, kGrain / 2, [&](index_t lo, index_t hi) { return dot_part(a, b, lo, hi); }))
        total.add(p);
    return total.value();
}

// ---------------------------------------------------------------- norm

// Blue's thresholds and scales (LAPACK 3.10 la_constants, double): squares of
// values in [kTsml, kTbig] neither over- nor underflow; smaller values are
// scaled up by kSsml, larger ones down by kSbig. LAPACK's kSsml = 2^537 loses
// the bits of subnormal inputs (3e-320 * 2^537 squared is subnormal);
// 2^600 keeps them: the scaled squares of [2^-1074, 2^-511) lie in
// [2^-948, 2^178), normal and far from overflow.
constexpr double kTsml = 0x1p-511, kTbig = 0x1p486, kSsml = 0x1p600, kSbig = 0x1p-538;

struct NormLanes {
    alignas(64) double med[kMaxLanes] = {};
    alignas(64) double sml[kMaxLanes] = {};
    alignas(64) double big[kMaxLanes] = {};
};

template <int N>
[[gnu::always_inline]] inline void norm_step(Vec<N>& med, Vec<N>& sml, Vec<N>& big,
                                             Vec<N> x) noexcept {
    using vd = Vec<N>;
    // Classes from integer arithmetic on the bit patterns (for non-negative
    // doubles bit order is value order; NaN sorts above inf, into "big"):
    // GCC lowers 64-byte float comparisons to scalar code below AVX-512, but
    // integer subtract/shift/and piecewise to any vector width.
    using vu64 = typename detail::Lanes<N>::vu;
    const vu64 bits = reinterpret_cast<vu64>(x);
    const vu64 mag = bits & std::uint64_t{0x7FFFFFFFFFFFFFFF};
    constexpr auto kBig = std::bit_cast<std::uint64_t>(kTbig);
    constexpr auto kSml = std::bit_cast<std::uint64_t>(kTsml);
    const vu64 is_big = 0 - ((kBig - mag) >> 63), is_sml = 0 - ((mag - kSml) >> 63);
    // Each class squares only its own values (the others zeroed first): a
    // medium value scaled by kSbig and squared would be subnormal, which
    // costs a microcode assist per operation on x86.
    const vd xm = reinterpret_cast<vd>(~(is_big | is_sml) & bits);
    const vd ys = reinterpret_cast<vd>(is_sml & bits) * kSsml;
    const vd yb = reinterpret_cast<vd>(is_big & bits) * kSbig;
    med += xm * xm;
    sml += ys * ys;
    big += yb * yb;
}

/// Blue's three accumulators over x[0, n).
template <int N, class T>
FASTCPP_KERNEL void norm_blue(NormLanes& st, const T* x, index_t n) noexcept {
    using L = detail::Lanes<N>;
    Vec<N> m0 = L::load(st.med), m1 = L::load(st.med + N);
    Vec<N> s0 = L::load(st.sml), s1 = L::load(st.sml + N);
    Vec<N> b0 = L::load(st.big), b1 = L::load(st.big + N);
    index_t i = 0;
    for (; i + 2 * N <= n; i += 2 * N) {
        norm_step<N>(m0, s0, b0, L::load(x + i));
        norm_step<N>(m1, s1, b1, L::load(x + i + N));
    }
    if (i < n) {
        Vec<N> lo, hi;
        load_tail<N>(x + i, n - i, lo, hi);
        norm_step<N>(m0, s0, b0, lo);
        norm_step<N>(m1, s1, b1, hi);
    }
    L::store(st.med, m0), L::store(st.med + N, m1);
    L::store(st.sml, s0), L::store(st.sml + N, s1);
    L::store(st.big, b0), L::store(st.big + N, b1);
}

/// The common case, at one FMA per value: if every value of x[0, n) (n a
/// multiple of 2N) lies in [kTsml, kTbig], adds their squares to the medium
/// accumulators and returns true; otherwise changes nothing, returns false.
template <int N, class T>
FASTCPP_KERNEL bool norm_medium(NormLanes& st, const T* x, index_t n) noexcept {
    using L = detail::Lanes<N>;
    using vu64 = typename L::vu;
    constexpr auto kBig = std::bit_cast<std::uint64_t>(kTbig);
    constexpr auto kSml = std::bit_cast<std::uint64_t>(kTsml);
    Vec<N> m0 = L::load(st.med), m1 = L::load(st.med + N);
    vu64 out = {};  // sign bit set in a lane once a value fell outside
    for (index_t i = 0; i < n; i += 2 * N) {
        const Vec<N> x0 = L::load(x + i), x1 = L::load(x + i + N);
        const vu64 a0 = reinterpret_cast<vu64>(x0) & std::uint64_t{0x7FFFFFFFFFFFFFFF};
        const vu64 a1 = reinterpret_cast<vu64>(x1) & std::uint64_t{0x7FFFFFFFFFFFFFFF};
        out |= ((kBig - a0) | (a0 - kSml)) | ((kBig - a1) | (a1 - kSml));
        m0 += x0 * x0;
        m1 += x1 * x1;
    }
    std::uint64_t any = 0;
    for (int l = 0; l < N; ++l) any |= out[l];
    if (any >> 63) return false;
    L::store(st.med, m0), L::store(st.med + N, m1);
    return true;
}

/// Blocks of kNormBlock values (in L1 cache) take the medium-only path when
/// they can and Blue's otherwise (zeros, tiny or huge values, inf, NaN):
/// still one pass over memory.
constexpr index_t kNormBlock = 512;

template <int N, class T>
FASTCPP_KERNEL void norm_feed(NormLanes& st, const T* x, index_t n) noexcept {
    for (index_t b = 0; b < n; b += kNormBlock) {
        const index_t m = std::min(kNormBlock, n - b), full = m - m % (2 * N);
        if (!norm_medium<N>(st, x + b, full)) {
            norm_blue<N>(st, x + b, m);
        } else if (full < m) {
            norm_blue<N>(st, x + b + full, m - full);
        }
    }
}

struct NormPart {
    double med = 0, sml = 0, big = 0;
};

/// LAPACK 3.10 dnrm2's combination of the three accumulators.
double norm_combine(const NormPart& p) noexcept {
    if (std::isnan(p.med) || std::isnan(p.sml) || std::isnan(p.big))
        return std::numeric_limits<double>::quiet_NaN();
    const double amed = p.med;
    if (p.big > 0) {
        // Medium values matter only if they are not negligible beside big ones.
        double abig = p.big;
        if (amed > 0) abig += (amed * kSbig) * kSbig;
        return std::sqrt(abig) / kSbig;
    }
    if (p.sml > 0) {
        if (amed > 0) {
            const double ym = std::sqrt(amed), ys = std::sqrt(p.sml) / kSsml;
            const double ymin = std::min(ym, ys), ymax = std::max(ym, ys);
            const double q = ymin / ymax;
            return ymax * std::sqrt(1 + q * q);
        }
        return std::sqrt(p.sml) / kSsml;
    }
    return std::sqrt(amed);
}

template <class T>
double norm_impl(Strided<const T> x) {
    NormPart total;
    for (const auto& p : per_range<NormPart>(x.size, kGrain, [&](index_t b, index_t e) {
             NormLanes st;
             over_blocks(x, b, e, [&](const T* q, index_t m) {
                 with_lanes([&](auto n) { norm_feed<n()>(st, q, m); });
             });
             NormPart r;
             for (int l = 0; l < kMaxLanes; ++l) {
                 r.med += st.med[l];
                 r.sml += st.sml[l];
                 r.big += st.big[l];
             }
             return r;
         })) {
        total.med += p.med;
        total.sml += p.sml;
        total.big += p.big;
    }
    return norm_combine(total);
}

}  // namespace

double sum(Strided<const double> a) { return sum_impl(a); }
double sum(Strided<const float> a) { return sum_impl(a); }

namespace detail {
double plain_sum(Strided<const double> a) {
    double r = 0;
    for (double p : per_range<double>(a.size, kGrain, [&](index_t b, index_t e) {
             double s = 0;
             over_blocks(a, b, e, [&](const double* q, index_t m) {
                 s += with_lanes([&](auto n) { return plain_feed<n()>(q, m); });
             });
             return s;
         }))
        r += p;
    return r;
}
}  // namespace detail

int128_t sum_exact(Strided<const std::int64_t> a) {
    int128_t r = 0;
    for (int128_t p : per_range<int128_t>(a.size, kGrain, [&](index_t lo, index_t hi) {
             int128_t s = 0;
             for (index_t i = lo; i < hi; ++i) s += a[i];
             return s;
         }))
        r += p;
    return r;
}

int128_t sum_exact(Strided<const std::uint64_t> a) {
    int128_t r = 0;
    for (int128_t p : per_range<int128_t>(a.size, kGrain, [&](index_t lo, index_t hi) {
             int128_t s = 0;
             for (index_t i = lo; i < hi; ++i) s += static_cast<int128_t>(a[i]);
             return s;
         }))
        r += p;
    return r;
}

double dot(Strided<const double> a, Strided<const double> b) { return dot_impl(a, b); }
double dot(Strided<const float> a, Strided<const float> b) { return dot_impl(a, b); }

double norm(Strided<const double> a) { return norm_impl(a); }
double norm(Strided<const float> a) { return norm_impl(a); }

int128_t sum_of_squares(std::int64_t n) {
    detail::require(n >= 0, "sum_of_squares", "n (=", n, ") must be >= 0");
    if (n < 2) return 0;
    // n(n-1)(2n-1)/6 with each division done exactly on a factor it divides.
    __extension__ using u128 = unsigned __int128;
    u128 a = static_cast<u128>(n), b = static_cast<u128>(n - 1), c = 2 * a - 1;
    (a % 2 == 0 ? a : b) /= 2;
    (a % 3 == 0 ? a : (b % 3 == 0 ? b : c)) /= 3;
    u128 ab = 0, abc = 0;
    if (__builtin_mul_overflow(a, b, &ab) || __builtin_mul_overflow(ab, c, &abc) || abc >> 127 != 0)
        throw std::overflow_error(detail::message("sum_of_squares: n (=", n,
                                                  ") is too large, the result exceeds 2**127"));
    return static_cast<int128_t>(abc);
}

}  // namespace fastcpp
