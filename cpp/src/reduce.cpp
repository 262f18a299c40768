// Whole-array reductions. The algorithms, and why:
//
// sum: correctly rounded (equal to math.fsum) at memory speed, in two tiers.
//   1. One vectorised pass of error-free additions in 16 lanes (Ogita, Rump &
//      Oishi's Sum2, SIAM J. Sci. Comput. 26(6), 2005), each block of values
//      added to a power-of-two anchor above them all, so that Dekker's
//      FastTwoSum is exact (see sum_feed). The pair (sum, compensation) is
//      then within a rigorous bound of the exact sum (see certify()); when
//      that whole interval rounds to one double, that double is the correctly
//      rounded sum. This holds for almost all data (the bound is
//      ~n^2*u^2*max|x|, the rounding gap ~u*|sum|).
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
#include <array>
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
#include "fastcpp/detail/dispatch.hpp"
#include "fastcpp/detail/parallel.hpp"
#include "fastcpp/detail/simd.hpp"
#include "fastcpp/detail/twosum.hpp"
#include "fastcpp/detail/vec.hpp"
#include "superaccumulator.hpp"

namespace fastcpp {
namespace {

// Kernels keep vectors of N lanes, N matching the registers of the level in
// use (see detail::Lanes); state between blocks lives in arrays of the
// widest case, kMaxLanes doubles a vector.
constexpr int kMaxLanes = 8;

template <int N>
using Vec = typename detail::Lanes<N>::vd;

/// Runs f(std::integral_constant<int, N>{}) compiled for the active SIMD
/// level (detail/dispatch.hpp), N being that level's doubles per register:
/// each level's copy holds only its own N.
template <class F>
decltype(auto) with_lanes(F&& f) {
#if FASTCPP_DISPATCH_X86
    auto v4 = [&] { return f(std::integral_constant<int, 8>{}); };
    auto v3 = [&] { return f(std::integral_constant<int, 4>{}); };
    auto base = [&] { return f(std::integral_constant<int, 2>{}); };
    switch (detail::active_level()) {
        case detail::SimdLevel::x86_64_v4:
            return detail::at_v4(v4);
        case detail::SimdLevel::x86_64_v3:
            return detail::at_v3(v3);
        default:
            return detail::at_baseline(base);  // baseline, and v2 (see dispatch.hpp)
    }
#else
    // Without run-time dispatch: what the build's -march enables.
#if defined(__AVX512F__)
    constexpr int kLanes = 8;
#elif defined(__AVX2__)
    constexpr int kLanes = 4;
#else
    constexpr int kLanes = 2;
#endif
    return detail::dispatch([&] { return f(std::integral_constant<int, kLanes>{}); });
#endif
}

// Elements worth a helper: a range of 2^15 values is 5-10 us of one thread's
// work in cache (sum, norm; dot takes half as many pairs), so a call goes
// parallel from ~15-20 us. The helpers are pooled (a parked one wakes in a
// few us while the caller works on); measured at 10^5 values, x86-64-v3,
// 2 threads: sum 29 -> 20 us, norm 14 -> 9 us, dot 16 -> 9 us against 2^17.
constexpr index_t kGrain = index_t{1} << 15;

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

// ---------------------------------------------------------- reading in streams

// One core streaming one sequential range keeps too few cache-line misses in
// flight to reach the memory's bandwidth. Measured on the development machine
// (Xeon, AVX2 probe): one thread reading one stream 8.4 GB/s, the same thread
// reading 8 interleaved streams 13.4 GB/s; two threads 18.3 -> 23.4 GB/s. So
// every streaming kernel here reads its range as K sub-ranges in lockstep
// (memory-level parallelism), each feeding its own accumulator vector(s).

/// Where a kernel's K streams are: stream k's j-th vector of N values starts
/// at offset k * stride + j * advance, for j < steps. `ahead` > 0: each
/// stream also prefetches the values `ahead` elements past its position.
struct Streams {
    index_t stride, advance, steps;
    index_t ahead = 0;
};

// Values from which a range is cut into K sub-ranges. Shorter ones are in
// cache; they are read in order (stream k = the k-th vector of each step).
constexpr index_t kLockstepMin = index_t{1} << 13;

// Software prefetch, kAheadBytes ahead of every stream, when the whole call
// reads at least kFarBytes (more than a core's L2 holds: the values come from
// L3 or memory). The hardware prefetchers alone leave cycles idle between a
// stream's requests: measured here (Xeon, 2 threads, per-thread rate of 16
// streams of 80 MB) 13.4 -> 14.5 GB/s with AVX-512 and 15.6 -> 17.6 with AVX2
// for dot, more for a plain sum; 1, 2 and 4 KB ahead were alike. In L2
// (200k-400k values) it gained nothing, and cost up to 8% at AVX2.
// On an AMD EPYC (Zen 4, 32 MB L3) 1 KB ahead cost 20-35% against no
// prefetch (one thread reading 8 streams of 80 MB: 24 vs 31-37 GB/s), while
// 256 or 512 bytes ahead matched or beat no prefetch (fastcpp.dot of 10M,
// median of 15 interleaved: 9.2 -> 6.0 ms native, 8.9 -> 7.2 ms at
// x86-64-v3). On an Intel Xeon with AVX-512 (2 MB L2, the 80 MB arrays in a
// large L3), 256 bytes left dot at x86-64-v3 reading below the plain-sum
// rate; 512 bytes ahead, min of 7 calls in interleaved processes, 2 threads,
// 10M values: dot 4.3-4.7 -> 3.5-3.9 ms at x86-64-v3, norm 1.6 -> 1.4-1.6,
// baseline and v4 alike or better (1 KB was no better there). 512 bytes is
// the distance kept for every CPU.
constexpr index_t kAheadBytes = 512;
constexpr index_t kFarBytes = index_t{4} << 20;

/// Whether a call reading `arrays` arrays of n values of T prefetches.
template <class T>
constexpr bool reads_far(index_t n, int arrays) noexcept {
    return n >= kFarBytes / (arrays * index_t{sizeof(T)});
}

/// The sub-range walker of every streaming kernel: calls kernel(Streams,
/// arrays) over in[0, n) (for each array of `in` at the same offsets): K
/// equal sub-ranges of whole vectors read in lockstep when n is long, in
/// order when short; then once more on the rest (< K N values) copied to a
/// zero-padded block; every kernel here treats a zero value as adding nothing.
/// `far` (reads_far): the long sub-ranges are prefetched kAheadBytes ahead.
template <int K, int N, class T, std::size_t A, class Kernel>
[[gnu::always_inline]] inline void walk_streams(std::array<const T*, A> in, index_t n, bool far,
                                                Kernel&& kernel) {
    index_t done = 0;
    if (n >= kLockstepMin) {
        const index_t len = n / (K * N) * N;
        const index_t ahead = far ? kAheadBytes / index_t{sizeof(T)} : 0;
        kernel(Streams{len, N, len / N, ahead}, in);
        done = K * len;
    } else if (n >= K * N) {
        const index_t steps = n / (K * N);
        kernel(Streams{N, K * N, steps}, in);
        done = steps * K * N;
    }
    if (done == n) return;
    alignas(64) T pad[A][K * N] = {};
    std::array<const T*, A> rest;
    for (std::size_t a = 0; a < A; ++a) {
        std::copy(in[a] + done, in[a] + n, pad[a]);
        rest[a] = pad[a];
    }
    kernel(Streams{N, K * N, 1}, rest);
}

template <class F, int... k>
[[gnu::always_inline]] inline void for_each_stream(F& f, std::integer_sequence<int, k...>) {
    (f(std::integral_constant<int, k>{}), ...);
}

/// Calls f(std::integral_constant<int, k>{}) for k = 0 ... K - 1, unrolled
/// (the kernels' arrays of accumulator vectors then live in registers).
template <int K, class F>
[[gnu::always_inline]] inline void for_streams(F&& f) {
    for_each_stream(f, std::make_integer_sequence<int, K>{});
}

/// At step j, prefetches s.ahead values past every stream of every array
/// (once per 64-byte line of progress), if s.ahead > 0.
template <int K, int N, class T, std::size_t A>
[[gnu::always_inline]] inline void fetch_ahead(const std::array<const T*, A>& p, const Streams& s,
                                               index_t j) noexcept {
    constexpr index_t kStepsPerLine = std::max<index_t>(1, 64 / (N * index_t{sizeof(T)}));
    if (s.ahead == 0 || j % kStepsPerLine != 0) return;
    for_streams<K>([&](auto k) __attribute__((always_inline)) {
        for (const T* x : p) __builtin_prefetch(x + k * s.stride + j * s.advance + s.ahead, 0, 3);
    });
}

/// The vector of stream k at step j.
template <int N, class T>
[[gnu::always_inline]] inline Vec<N> load_at(const T* x, const Streams& s, int k,
                                             index_t j) noexcept {
    return detail::Lanes<N>::load(x + k * s.stride + j * s.advance);
}

// Levels with fused multiply-add: v3 and v4 (N = 4, 8) under dispatch.
#if FASTCPP_DISPATCH_X86
template <int N>
constexpr bool kFma = N >= 4;
#elif defined(__FMA__) || defined(__ARM_FEATURE_FMA)
template <int N>
constexpr bool kFma = true;
#else
template <int N>
constexpr bool kFma = false;
#endif

/// a * b + c in lanes: fused where the level has FMA (ISO C++ mode does not
/// contract a * b + c by itself), else a multiply and an add.
template <int N>
[[gnu::always_inline]] inline Vec<N> madd(Vec<N> a, Vec<N> b, Vec<N> c) noexcept {
    if constexpr (kFma<N>) {
        Vec<N> r;
        for (int l = 0; l < N; ++l) r[l] = __builtin_fma(a[l], b[l], c[l]);
        return r;
    } else {
        return a * b + c;
    }
}

// ---------------------------------------------------------------- sum, tier 1

// 8 streams; streams k and k + 4 share accumulator set k.
constexpr int kSumStreams = 8, kSumSets = 4;

/// Steps per block: 8 streams of N values each, 16 KiB, in L1 cache for the
/// second read. Each lane of a set takes 2 values a step.
template <int N>
constexpr index_t kSumBlockSteps = 256 / N;
template <int N>
constexpr int kSumBlockValues = 2 * kSumBlockSteps<N>;  // per lane of a set
template <int N>
constexpr int kSumBlockLog2 = std::bit_width(unsigned{kSumBlockValues<N>}) - 1;
static_assert(std::endian::native == std::endian::little);  // sum_feed's int16 lanes

/// Lanes carried between blocks, per set: the running sums s (TwoSum), the
/// plain sums c of every exact error term, and a, an upper bound on the sum
/// of their magnitudes (for the error bound of c). bad: a block whose values
/// were inf, NaN or too large to anchor (tier 2 then sums the input).
struct SumLanes {
    alignas(64) double s[kSumSets * kMaxLanes] = {};
    alignas(64) double c[kSumSets * kMaxLanes] = {};
    alignas(64) double a[kSumSets * kMaxLanes] = {};
    bool bad = false;
};

/// Knuth's TwoSum: s + x == new s + e exactly; e goes into c, |e| into a.
template <int N>
[[gnu::always_inline]] inline void sum_step(Vec<N>& s, Vec<N>& c, Vec<N>& a, Vec<N> x) noexcept {
    const Vec<N> t = s + x;
    const Vec<N> bb = t - s;
    const Vec<N> e = (s - (t - bb)) + (x - bb);  // exact: s + x == t + e
    s = t;
    c += e;
    a += detail::Lanes<N>::abs(e);
}

/// a + b and a - b, computed as fma(a, +-1, b) where the level has FMA: the
/// same rounded result, on the multiply ports (Zen: 2 FMA + 2 add pipes),
/// so a kernel bound by its additions runs on all four. `one` is hidden
/// from GCC, which would fold fma(a, 1, b) back into an addition.
template <int N>
[[gnu::always_inline]] inline Vec<N> unit() noexcept {
    Vec<N> one = Vec<N>{} + 1.0;
#if FASTCPP_DISPATCH_X86
    if constexpr (kFma<N>) asm("" : "+v"(one));
#endif
    return one;
}
template <int N>
[[gnu::always_inline]] inline Vec<N> add_on_fma(Vec<N> a, Vec<N> b) noexcept {
    if constexpr (kFma<N>) return madd<N>(a, unit<N>(), b);
    return a + b;
}
template <int N>
[[gnu::always_inline]] inline Vec<N> sub_on_fma(Vec<N> a, Vec<N> b) noexcept {
    if constexpr (kFma<N>) return madd<N>(b, -unit<N>(), a);
    return a - b;
}

/// Each block is read twice: first for the exponent of M = max |x| (the top
/// 16 bits of |x| -- sign, exponent, 4 mantissa bits -- as int16: pmaxsw, on
/// the integer ports), then to sum. Every lane of a set starts the block from
/// the anchor sigma, a power of two > 2 kSumBlockValues M: its running sum
/// stays within
/// [sigma/2, 3 sigma/2], above every |x|, so Dekker's FastTwoSum
///     t = s + x;  e = x - (t - s)
/// is exact (s + x == t + e), three additions where Knuth's TwoSum takes six,
/// and |e| <= ulp(t)/2 <= sigma 2^-52: no |e| to add up, the bound is
/// kSumBlockValues sigma 2^-52 a block (Rump, Ogita & Oishi's ExtractVector,
/// SIAM J. Sci. Comput. 31(1), 2008, with a running sum). At the block's
/// end s - sigma is exact (Sterbenz) and goes into the carried lanes by
/// TwoSum. Four additions a value in place of eight (this pass was bound by
/// the adder ports, not memory, wherever the data is in cache), two of them
/// on the FMA ports. A block that reaches inf, NaN or values too large to
/// anchor marks the range bad: tier 2 sums it.
template <int N, class T>
FASTCPP_KERNEL void sum_feed(SumLanes& st, const T* x, index_t n, bool far) noexcept {
    using L = detail::Lanes<N>;
    using vh = typename L::vh;
    constexpr int A = kSumSets;
    Vec<N> c[A];
    for_streams<A>([&](auto k) __attribute__((always_inline)) { c[k] = L::load(st.c + k * N); });
    walk_streams<kSumStreams, N>(
        std::array{x}, n, far,
        [&](const Streams& at, const auto& p) __attribute__((always_inline)) {
            for (index_t j = 0; j < at.steps;) {
                const index_t end = std::min(at.steps, j + kSumBlockSteps<N>);
                vh m[A] = {};  // A chains of the maximum
                for (index_t i = j; i < end; ++i) {
                    fetch_ahead<kSumStreams, N>(p, at, i);
                    for_streams<kSumStreams>([&](auto k) __attribute__((always_inline)) {
                        const auto v = reinterpret_cast<vh>(L::abs(load_at<N>(p[0], at, k, i)));
                        m[k % A] = v > m[k % A] ? v : m[k % A];
                    });
                }
                const vh mm = m[0] > m[1] ? m[0] : m[1], mn = m[2] > m[3] ? m[2] : m[3];
                const vh top = mm > mn ? mm : mn;
                int high = 0;  // lane l's top 16 bits are element 4 l + 3
                for (int l = 0; l < N; ++l) high = std::max<int>(high, top[4 * l + 3]);
                const int e_m = high >> 4;  // biased exponent (0x7FF: inf, NaN)
                // sigma = 2^(exponent of M + 2 + log2(kSumBlockValues)) >
                // 2 kSumBlockValues M, as a biased exponent; a subnormal M
                // anchors as the least normal.
                const int e_sigma = std::max(e_m, 1) + 2 + kSumBlockLog2<N>;
                if (e_m == 0x7FF || e_sigma >= 0x7FF) {  // inf/NaN, or too large
                    st.bad = true;
                    return;
                }
                const double sigma = std::bit_cast<double>(std::uint64_t(e_sigma) << 52);
                Vec<N> s[A];
                for (auto& v : s) v = Vec<N>{} + sigma;
                // From memory, the next block is fetched during this one's
                // sum, so that the memory is busy while the adders are.
                Streams next = at;
                next.ahead = at.ahead > 0 ? kSumBlockSteps<N> * at.advance : 0;
                for (index_t i = j; i < end; ++i)
                    for_streams<kSumStreams>([&](auto k) __attribute__((always_inline)) {
                        if (k == 0) fetch_ahead<kSumStreams, N>(p, next, i);
                        const Vec<N> v = load_at<N>(p[0], at, k, i);
                        const Vec<N> t = s[k % A] + v;
                        c[k % A] = add_on_fma<N>(v - sub_on_fma<N>(t, s[k % A]), c[k % A]);
                        s[k % A] = t;
                    });
                // The block's sums into the carried lanes, with the bound.
                const double bound = kSumBlockValues<N> * std::ldexp(sigma, -52);
                for_streams<A>([&](auto k) __attribute__((always_inline)) {
                    Vec<N> cs = L::load(st.s + k * N), ca = L::load(st.a + k * N);
                    sum_step<N>(cs, c[k], ca, s[k] - sigma);
                    L::store(st.s + k * N, cs), L::store(st.a + k * N, ca + bound);
                });
                j = end;
            }
        });
    for_streams<A>([&](auto k) __attribute__((always_inline)) { L::store(st.c + k * N, c[k]); });
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
    return with_lanes([&](auto n) {
        constexpr int N = n();
        using L = detail::Lanes<N>;
        SumLanes st;
        const bool far = reads_far<T>(x.size, 1);
        over_blocks(x, b, e, [&](const T* p, index_t m) { sum_feed<N>(st, p, m, far); });
        // The sets into set 0 (TwoSum in lanes: exact), then its lanes.
        Vec<N> s = L::load(st.s), c = L::load(st.c), a = L::load(st.a);
        for (int k = 1; k < kSumSets; ++k) {
            sum_step<N>(s, c, a, L::load(st.s + k * N));
            c += L::load(st.c + k * N);
            a += L::load(st.a + k * N);
        }
        SumPart part;
        if (st.bad) {  // certify() fails: tier 2
            part.a = std::numeric_limits<double>::infinity();
            return part;
        }
        for (int l = 0; l < N; ++l) {
            part.add(s[l]);
            part.c += c[l];
            part.a += a[l];
        }
        // Every value adds to c once, every block and lane once more: twice
        // the values bounds the additions behind c.
        part.terms += static_cast<double>(2 * (e - b) + 2 * kSumSets * kMaxLanes + 2 * kMaxLanes);
        return part;
    });
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

constexpr int kPlainStreams = 8;

template <int N, class T>
FASTCPP_KERNEL double plain_feed(const T* x, index_t n, bool far) noexcept {
    constexpr int K = kPlainStreams;
    Vec<N> s[K] = {};
    walk_streams<K, N>(std::array{x}, n, far,
                       [&](const Streams& at, const auto& p) __attribute__((always_inline)) {
                           for (index_t j = 0; j < at.steps; ++j) {
                               fetch_ahead<K, N>(p, at, j);
                               for_streams<K>([&](auto k) __attribute__((always_inline)) {
                                   s[k] += load_at<N>(p[0], at, k, j);
                               });
                           }
                       });
    const Vec<N> t = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
    double r = 0;
    for (int l = 0; l < N; ++l) r += t[l];
    return r;
}

// ---------------------------------------------------------------- dot

// dot: blocked summation. Each of 8 vectors of lanes sums kDotBlock products
// plainly (one FMA each where the level has FMA, as BLAS), then adds that
// block sum into a running TwoSum pair. The error is then bounded by the
// block length instead of n:
// |dot - exact| <= (kDotBlock + 1) u sum|a_i b_i| + u |dot| (to first order),
// where a plain loop (BLAS, NumPy) has ~(n / lanes) u sum|a_i b_i|.
// The 8 vectors read 8 sub-ranges of each input: 16 streams.
constexpr int kDotBlock = 16;
constexpr int kDotStreams = 8;
constexpr int kDotLanes = kDotStreams * kMaxLanes;

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
FASTCPP_KERNEL void dot_feed(DotLanes& st, const T* x, const T* y, index_t n, bool far) noexcept {
    using L = detail::Lanes<N>;
    constexpr int K = kDotStreams;
    Vec<N> s[K], c[K];
    for_streams<K>([&](auto k) __attribute__((always_inline)) {
        s[k] = L::load(st.s + k * N), c[k] = L::load(st.c + k * N);
    });
    walk_streams<K, N>(
        std::array{x, y}, n, far,
        [&](const Streams& at, const auto& p) __attribute__((always_inline)) {
            for (index_t j = 0; j < at.steps;) {
                Vec<N> q[K] = {};
                for (const index_t end = std::min(at.steps, j + kDotBlock); j < end; ++j) {
                    fetch_ahead<K, N>(p, at, j);
                    for_streams<K>([&](auto k) __attribute__((always_inline)) {
                        q[k] =
                            madd<N>(load_at<N>(p[0], at, k, j), load_at<N>(p[1], at, k, j), q[k]);
                    });
                }
                for_streams<K>([&](auto k)
                                   __attribute__((always_inline)) { fold<N>(s[k], c[k], q[k]); });
            }
        });
    for_streams<K>([&](auto k) __attribute__((always_inline)) {
        L::store(st.s + k * N, s[k]), L::store(st.c + k * N, c[k]);
    });
}

template <class T>
detail::KahanPair dot_part(Strided<const T> a, Strided<const T> b, index_t lo, index_t hi) {
    return with_lanes([&](auto n) {
        constexpr int N = n();
        DotLanes st;
        if (a.stride == 1 && b.stride == 1) {
            dot_feed<N>(st, a.data + lo, b.data + lo, hi - lo, reads_far<T>(a.size, 2));
        } else {
            constexpr index_t kBlock = 256;
            T bx[kBlock], by[kBlock];
            for (index_t i = lo; i < hi; i += kBlock) {
                const index_t m = std::min(kBlock, hi - i);
                for (index_t j = 0; j < m; ++j) bx[j] = a[i + j], by[j] = b[i + j];
                dot_feed<N>(st, bx, by, m, false);
            }
        }
        detail::KahanPair r;
        for (int l = 0; l < kDotStreams * N; ++l) {
            r.add(st.s[l]);
            r.lo += st.c[l];
        }
        return r;
    });
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

// 8 streams, each with its own medium accumulator; Blue's small and big
// accumulators (rare: zeros, tiny or huge values, inf, NaN) in 2 sets.
constexpr int kNormStreams = 8, kNormSets = 2;

struct NormLanes {
    alignas(64) double med[kNormStreams * kMaxLanes] = {};
    alignas(64) double sml[kNormSets * kMaxLanes] = {};
    alignas(64) double big[kNormSets * kMaxLanes] = {};
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
    med = madd<N>(xm, xm, med);
    sml = madd<N>(ys, ys, sml);
    big = madd<N>(yb, yb, big);
}

/// Steps per block (8 streams of N values each: 16 KiB at v4, in L1 cache):
/// a block takes the medium-only path when all its values have safe squares,
/// Blue's otherwise, still one pass over memory.
constexpr index_t kNormBlockSteps = 32;
/// Chains of the minimum: 4 hide minpd's latency, but below AVX-512 (16
/// vector registers) 8 squares + 4 minima + 2 constants spill to the stack,
/// and a chain through memory costs more than the latency: 2 there.
template <int N>
constexpr int kNormLows = N >= 8 ? 4 : 2;

template <int N, class T>
FASTCPP_KERNEL void norm_feed(NormLanes& st, const T* x, index_t n, bool far) noexcept {
    using L = detail::Lanes<N>;
    using vu64 = typename L::vu;
    constexpr int K = kNormStreams, S = kNormSets;
    Vec<N> med[K], sml[S], big[S];
    for_streams<K>([&](auto k)
                       __attribute__((always_inline)) { med[k] = L::load(st.med + k * N); });
    for_streams<S>([&](auto k) __attribute__((always_inline)) {
        sml[k] = L::load(st.sml + k * N), big[k] = L::load(st.big + k * N);
    });
    walk_streams<K, N>(
        std::array{x}, n, far,
        [&](const Streams& at, const auto& p) __attribute__((always_inline)) {
            for (index_t j = 0; j < at.steps;) {
                const index_t end = std::min(at.steps, j + kNormBlockSteps);
                // The common case, one FMA per value: the block's squares, kept
                // apart until every value proved to lie in [kTsml, kTbig].
                // Three more operations a vector: |x| - 1 as integers (zero
                // becomes a NaN, which the min skips, so zeros pass: sparse
                // data and the zero-padded tail stay on this path) and its
                // least value, in kNormLows chains (a min's latency).
                Vec<N> t[K] = {}, low[kNormLows<N>];
                for (auto& v : low) v = Vec<N>{} + kTsml;
                for (index_t i = j; i < end; ++i) {
                    fetch_ahead<K, N>(p, at, i);
                    for_streams<K>([&](auto k) __attribute__((always_inline)) {
                        const Vec<N> v = load_at<N>(p[0], at, k, i);
                        const Vec<N> below = reinterpret_cast<Vec<N>>(
                            (reinterpret_cast<vu64>(v) & std::uint64_t{0x7FFFFFFFFFFFFFFF}) - 1);
                        Vec<N>& m = low[k % kNormLows<N>];
                        m = below < m ? below : m;  // minpd: a NaN keeps m
                        t[k] = madd<N>(v, v, t[k]);
                    });
                }
                // Too large: some lane's sum of squares reached kTbig^2, as it
                // does when a value exceeds kTbig (or is inf or NaN).
                vu64 out = {};
                for (const auto& m : low) out |= reinterpret_cast<vu64>(m < kTsml);
                for_streams<K>([&](auto k) __attribute__((always_inline)) {
                    out |= ~reinterpret_cast<vu64>(t[k] < kTbig * kTbig);
                });
                std::uint64_t any = 0;
                for (int l = 0; l < N; ++l) any |= out[l];
                if (any != 0) {  // Blue's three accumulators over the block again
                    for (index_t i = j; i < end; ++i)
                        for_streams<K>([&](auto k) __attribute__((always_inline)) {
                            norm_step<N>(med[k], sml[k % S], big[k % S],
                                         load_at<N>(p[0], at, k, i));
                        });
                } else {
                    for_streams<K>([&](auto k) __attribute__((always_inline)) { med[k] += t[k]; });
                }
                j = end;
            }
        });
    for_streams<K>([&](auto k)
                       __attribute__((always_inline)) { L::store(st.med + k * N, med[k]); });
    for_streams<S>([&](auto k) __attribute__((always_inline)) {
        L::store(st.sml + k * N, sml[k]), L::store(st.big + k * N, big[k]);
    });
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
             return with_lanes([&](auto n) {
                 constexpr int N = n();
                 NormLanes st;
                 over_blocks(x, b, e, [&](const T* q, index_t m) {
                     norm_feed<N>(st, q, m, reads_far<T>(x.size, 1));
                 });
                 NormPart r;
                 for (int l = 0; l < kNormStreams * N; ++l) r.med += st.med[l];
                 for (int l = 0; l < kNormSets * N; ++l) r.sml += st.sml[l], r.big += st.big[l];
                 return r;
             });
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
             return with_lanes([&](auto n) {
                 double s = 0;
                 over_blocks(a, b, e, [&](const double* q, index_t m) {
                     s += plain_feed<n()>(q, m, reads_far<double>(a.size, 1));
                 });
                 return s;
             });
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
