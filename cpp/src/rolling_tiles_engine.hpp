#pragma once
// Moving windows by tile prefix and suffix scans: the sums, means, moments and
// extrema of the move_* family (the kinds below; rolling.cpp's table says which
// member runs which), and the seed's rolling_mean_std and rolling_sum_squares.
//
// van Herk (1992) / Gil & Werman (1993) decomposition: cut a row into tiles
// of `window` elements aligned at 0. The window that ends at offset a of tile
// t is the suffix of tile t-1 from a+1 plus the prefix of tile t through a
// (tile -1 is empty: windows clipped at the row start are prefixes). Suffix
// and prefix scans only combine the window's own elements, so for sums there
// is no running-sum drift, an inf or a huge value leaves no trace once out
// of the window, and every output is the same two scans whichever thread
// computes it (bit for bit); for min/max it is three comparisons per
// element, branch-free, where a deque is a mispredicted branch per element.
//
// Sums keep, per scan, the count of non-NaN values and the sums of
// d = x - c, d² (d³, d⁴ for skew/kurt) with NaN as 0 ("shifted data", Chan,
// Golub & LeVeque 1983); sum and mean use c = 0. Each part of a window is
// shifted by a value it holds: the suffix scan of tile t-1 by its last
// finite value cs (in every suffix that holds a finite value), the prefix
// scan of tile t by its first finite value cp; a window's suffix sums are
// then moved to cp by the binomial expansion in δ = cs - cp, a difference of
// two of the window's values (its spread). So d is of the size of the
// window's own spread, and an outlier leaves no trace in windows without it
// (one shift per tile pair did: 1e20 then 1, 2, 3 gave variance 0). ±inf
// propagate by IEEE arithmetic: sum/mean ±inf (NaN with both signs),
// var/std NaN. Extremes keep the count, the best value and (arg*) its
// offset; ties go to the newest element.
//
// Vectorisation: N independent tile pairs go in the N lanes of a float64
// vector (GCC vector extensions, compiled per SIMD level): N = 4 (32 bytes)
// from x86-64-v3 on, N = 2 (16 bytes, SSE2's and NEON's own width) below,
// where 32-byte vectors and their shuffles are split through the stack
// (3-4x slower; the sorted window in rolling_order.cpp has the same split).
// One engine templated on N, not two. A lane is either a tile of one long
// row (lanes t..t+N-1) or the same tile of N rows (a batch of short rows,
// axis=-1). Loads and stores are contiguous per lane and transposed NxN in
// registers. The suffix scan is stored (w + 1 vectors
// per quantity, L1-resident); the prefix scan is combined with it on the fly
// and written straight to the output.
//
// This header is the engine itself, private to the rolling_tiles_*.cpp files
// (each instantiates one family of kinds, see rolling_tiles.hpp). They are
// compiled with -ffp-contract=off (cpp/CMakeLists.txt): no FMA contraction,
// so the vector and scalar-lane copies of one formula round alike and no
// output depends on which copy computed it. A flag rather than a pragma: a
// `#pragma GCC optimize` must precede detail/dispatch.hpp in every file, or
// GCC will not inline the kernels into the per-level wrappers.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "fastcpp/detail/simd.hpp"
#include "rolling_tiles.hpp"

#if defined(__GNUC__) && !defined(__clang__)
// 32-byte vectors pass between always-inline helpers of the engine only.
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

namespace fastcpp::detail::tiles {

using v4d = double __attribute__((vector_size(32)));
using v4i = std::int64_t __attribute__((vector_size(32)));
using v4f = float __attribute__((vector_size(16)));
// The short-row path's vector: one lane in use, the second a copy (two
// lanes are SSE2's own width, which GCC compiles to plain instructions at
// every level; a one-lane vector is lowered element by element).
using v2d = double __attribute__((vector_size(16)));
using v2i = std::int64_t __attribute__((vector_size(16)));
using v2f = float __attribute__((vector_size(8)));
/// The most lanes of the engine (buffers are sized for it).
constexpr int kLanes = 4;
/// The engine's float64 vector of N lanes, its mask and its float32 half.
template <int N>
struct Vec;
template <>
struct Vec<4> {
    using D = v4d;
    using I = v4i;
    using F = v4f;
};
template <>
struct Vec<2> {
    using D = v2d;
    using I = v2i;
    using F = v2f;
};
/// Lanes of a float64 vector type: 4 at x86-64-v3/v4, 2 below v3 and on the
/// short-row path.
template <class V>
constexpr int kWidth = static_cast<int>(sizeof(V) / sizeof(double));
constexpr double kInf = std::numeric_limits<double>::infinity();

#define FASTCPP_INLINE [[gnu::always_inline]] inline

/// Square root of each lane (of a scalar on the short-row path).
template <class V>
FASTCPP_INLINE V sqrt_lanes(V v) noexcept {
    if constexpr (std::is_same_v<V, double>) {
        return std::sqrt(v);
    } else {
        V r;
        for (int l = 0; l < static_cast<int>(sizeof(V) / sizeof(double)); ++l)
            r[l] = std::sqrt(v[l]);
        return r;
    }
}

/// Logical not of a comparison's result: a vector mask or, on the short-row
/// path's scalar scans, a bool (whose ~ would be -1 or -2, both true).
template <class M>
FASTCPP_INLINE M flip(M m) noexcept {
    if constexpr (std::is_same_v<M, bool>)
        return !m;
    else
        return ~m;
}

/// Kinds that keep Σd³ (and Σd⁴ for kurt) besides Σd and Σd².
template <Kind K>
constexpr bool kHigher = K == Kind::skew || K == Kind::kurt;
template <Kind K>
constexpr bool kVar = K == Kind::var || K == Kind::std || K == Kind::mean_std || kHigher<K>;
/// Kinds with a second output: mean_std's stds, skew/kurt's refine flags.
template <Kind K>
constexpr bool kTwoOut = K == Kind::mean_std || kHigher<K>;
template <Kind K>
constexpr bool kExtreme =
    K == Kind::min || K == Kind::max || K == Kind::argmin || K == Kind::argmax;
template <Kind K>
constexpr bool kArg = K == Kind::argmin || K == Kind::argmax;
template <Kind K>
constexpr bool kMax = K == Kind::max || K == Kind::argmax;

#if defined(__clang__)
#define FASTCPP_SHUFFLE(a, b, i, j, k, l) __builtin_shufflevector(a, b, i, j, k, l)
#define FASTCPP_SHUFFLE2(a, b, i, j) __builtin_shufflevector(a, b, i, j)
#else
#define FASTCPP_SHUFFLE(a, b, i, j, k, l) __builtin_shuffle(a, b, v4i{i, j, k, l})
#define FASTCPP_SHUFFLE2(a, b, i, j) __builtin_shuffle(a, b, v2i{i, j})
#endif

/// 4x4 transpose: c[i][l] = r[l][i].
FASTCPP_INLINE void transpose(const v4d (&r)[4], v4d (&c)[4]) noexcept {
    const v4d t0 = FASTCPP_SHUFFLE(r[0], r[1], 0, 4, 2, 6);
    const v4d t1 = FASTCPP_SHUFFLE(r[0], r[1], 1, 5, 3, 7);
    const v4d t2 = FASTCPP_SHUFFLE(r[2], r[3], 0, 4, 2, 6);
    const v4d t3 = FASTCPP_SHUFFLE(r[2], r[3], 1, 5, 3, 7);
    c[0] = FASTCPP_SHUFFLE(t0, t2, 0, 1, 4, 5);
    c[1] = FASTCPP_SHUFFLE(t1, t3, 0, 1, 4, 5);
    c[2] = FASTCPP_SHUFFLE(t0, t2, 2, 3, 6, 7);
    c[3] = FASTCPP_SHUFFLE(t1, t3, 2, 3, 6, 7);
}

/// Calls f(std::integral_constant<int, l>{}) for the lanes l = 0..N-1,
/// unrolled in the source: constant lane indices let GCC keep per-lane
/// pointers and vectors in registers at -O2 too (a loop over lanes is only
/// unrolled after the arrays it indexes were put in memory).
template <int N, class F>
FASTCPP_INLINE void each_lane(F&& f) {
    [&]<int... L>(std::integer_sequence<int, L...>) {
        (f(std::integral_constant<int, L>{}), ...);
    }(std::make_integer_sequence<int, N>{});
}

/// 2x2 transpose: c[i][l] = r[l][i].
FASTCPP_INLINE void transpose(const v2d (&r)[2], v2d (&c)[2]) noexcept {
    c[0] = FASTCPP_SHUFFLE2(r[0], r[1], 0, 2);
    c[1] = FASTCPP_SHUFFLE2(r[0], r[1], 1, 3);
}

/// Whether the 4x4 transposes (load_transposed) are x86 half-vector loads and
/// stores: in the AVX copies of a dispatched build (the 4-lane engine is
/// compiled only there, dispatch_lanes) or a build whose baseline has AVX.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    (FASTCPP_DISPATCH_X86 || defined(__AVX__))
#define FASTCPP_TILES_HALVES 1
#else
#define FASTCPP_TILES_HALVES 0
#endif

/// Whether the engine's 4-lane copies have FMA instructions (the v3/v4
/// copies of a dispatched build, or a baseline built with FMA).
#if FASTCPP_TILES_HALVES && (FASTCPP_DISPATCH_X86 || defined(__FMA__))
#define FASTCPP_TILES_FMA 1
#else
#define FASTCPP_TILES_FMA 0
#endif

#if FASTCPP_TILES_FMA
/// a[i] / w for 16 window sums a of w values, correctly rounded, the same
/// bits as the division: q = a·y with y = 1/w rounded, then one Markstein
/// correction q + (a - q·w)·y, both by FMA (y within half an ulp of 1/w
/// and q within an ulp of a/w make a - q·w exact and the corrected q
/// a/w rounded; Markstein 1990). The mean's division was the prefix
/// loop's bottleneck (vdivpd's throughput: one per 2-8 cycles on AVX2
/// cores, for 4 outputs). The theorem needs a - q·w clear of underflow and
/// a finite and nonzero (an inf would give NaN, -0 give +0): if any of the
/// 16 sums lies outside [2^-900, 2^1000) in magnitude, the block divides.
FASTCPP_INLINE void divide_sums(v4d (&a)[4], double w) noexcept {
    const v4d wv = v4d{} + w, y = v4d{} + 1.0 / w;
    v4i ok = v4i{} - 1;
    for (int i = 0; i < 4; ++i) {
        const v4d m = __builtin_ia32_andnpd256(v4d{} - 0.0, a[i]);  // |a|
        ok &= (m >= 0x1p-900) & (m < 0x1p1000);
    }
    if (__builtin_ia32_movmskpd256(reinterpret_cast<v4d>(ok)) == 0xF) [[likely]] {
        for (int i = 0; i < 4; ++i) {
            const v4d q = a[i] * y;
            a[i] = __builtin_ia32_vfmaddpd256(__builtin_ia32_vfmaddpd256(-q, wv, a[i]), y, q);
        }
    } else {
        for (int i = 0; i < 4; ++i) a[i] = a[i] / wv;
    }
}
#endif

/// N consecutive values at p (N: the lanes of V), as float64.
template <class V, class T>
FASTCPP_INLINE V load(const T* p) noexcept {
    if constexpr (sizeof(T) == sizeof(double)) {
        V v;
        std::memcpy(&v, p, sizeof v);
        return v;
    } else {
        typename Vec<kWidth<V>>::F f;
        std::memcpy(&f, p, sizeof f);
        return __builtin_convertvector(f, V);
    }
}

/// Stores N results at p[0..N).
template <class T, class V>
FASTCPP_INLINE void store(T* p, V v) noexcept {
    if constexpr (sizeof(T) == sizeof(double)) {
        std::memcpy(p, &v, sizeof v);
    } else {
        const auto f = __builtin_convertvector(v, typename Vec<kWidth<V>>::F);
        std::memcpy(p, &f, sizeof f);
    }
}

#if FASTCPP_TILES_HALVES
/// cv[i][l] = q[l][k + i], i, l < 4: four lanes' next 4 values as float64,
/// transposed. AVX's 4x4 transpose by 8 shuffles puts 4 lane-crossing ones
/// (vperm2f128) on the one port that shuffles them on Intel cores; here the
/// loads cross the lanes and 4 in-lane unpacks remain. Each vector before
/// the unpacks holds two lanes' next two values, {q[a][at], q[a][at+1],
/// q[b][at], q[b][at+1]}: float64 by two 16-byte loads (vinsertf128 from
/// memory is a load and a plain vector operation), float32 by two 8-byte
/// loads (vmovq, vmovhps) widened in one conversion. The same values in the
/// same places as the generic transpose: the bits do not depend on which ran.
template <class T>
FASTCPP_INLINE void load_transposed(const T* const (&q)[4], index_t k, v4d (&cv)[4]) noexcept {
    auto pair = [&](int a, int b, index_t at) {
        if constexpr (std::is_same_v<T, double>) {
            const v4d lo = __builtin_ia32_pd256_pd(__builtin_ia32_loadupd(q[a] + at));
            return __builtin_ia32_vinsertf128_pd256(lo, __builtin_ia32_loadupd(q[b] + at), 1);
        } else {
            using v2f8 = float __attribute__((vector_size(8)));
            std::int64_t lo;
            std::memcpy(&lo, q[a] + at, sizeof lo);
            const v4f low = reinterpret_cast<v4f>(v2i{lo, 0});
            const v4f both = __builtin_ia32_loadhps(low, reinterpret_cast<const v2f8*>(q[b] + at));
            return __builtin_ia32_cvtps2pd256(both);
        }
    };
    const v4d a02 = pair(0, 2, k), a13 = pair(1, 3, k);
    const v4d b02 = pair(0, 2, k + 2), b13 = pair(1, 3, k + 2);
    cv[0] = __builtin_ia32_unpcklpd256(a02, a13);
    cv[1] = __builtin_ia32_unpckhpd256(a02, a13);
    cv[2] = __builtin_ia32_unpcklpd256(b02, b13);
    cv[3] = __builtin_ia32_unpckhpd256(b02, b13);
}

/// q[l][k + i] = r[i][l], i, l < 4: the inverse of load_transposed, the
/// stores crossing the lanes: each unpacked vector's halves go to two lanes
/// (float64: 16-byte stores, the upper by vextractf128; float32: narrowed
/// in one conversion, stored by vmovlps and vmovhps).
template <class T>
FASTCPP_INLINE void store_transposed(T* const (&q)[4], index_t k, const v4d (&r)[4]) noexcept {
    auto halves = [&](int a, int b, index_t at, v4d v) {
        if constexpr (std::is_same_v<T, double>) {
            __builtin_ia32_storeupd(q[a] + at, __builtin_ia32_pd_pd256(v));
            __builtin_ia32_storeupd(q[b] + at, __builtin_ia32_vextractf128_pd256(v, 1));
        } else {
            using v2f8 = float __attribute__((vector_size(8)));
            const v4f f = __builtin_ia32_cvtpd2ps256(v);
            __builtin_ia32_storelps(reinterpret_cast<v2f8*>(q[a] + at), f);
            __builtin_ia32_storehps(reinterpret_cast<v2f8*>(q[b] + at), f);
        }
    };
    halves(0, 2, k, __builtin_ia32_unpcklpd256(r[0], r[1]));
    halves(1, 3, k, __builtin_ia32_unpckhpd256(r[0], r[1]));
    halves(0, 2, k + 2, __builtin_ia32_unpcklpd256(r[2], r[3]));
    halves(1, 3, k + 2, __builtin_ia32_unpckhpd256(r[2], r[3]));
}
#endif

/// Where the N lanes of one step read and write: lane l scans the suffix
/// of suf[l][0, w) and the prefix of pre[l][0, w) and writes out[l][0, w)
/// (and out2 for mean_std). All are contiguous; the drivers point lanes
/// without data at a NaN tile and lanes without (full) output at scratch.
template <class T, int N>
struct Lanes {
    const T* suf[N];
    const T* pre[N];
    T* out[N];
    T* out2[N];
    typename Vec<N>::D cs{}, cp{};  // suffix and prefix shifts (var/std/mean_std/skew/kurt)
    /// Count::from_start only: w for lanes with a suffix tile, 0 for the
    /// lane at tile 0 (whose window through offset a holds a + 1 values).
    typename Vec<N>::D full{};
};

/// How a step knows the count of non-NaN values in each window.
enum class Count {
    each,        ///< counted (the tiles may hold NaN)
    full,        ///< no NaN in the 2N tiles: every window holds w values
    from_start,  ///< no NaN, and lane 0 is at tile 0 (Lanes::full)
};

/// Running state of one scan: count of non-NaN values and, for sums, Σd and
/// Σd²; for extremes, the best value and its offset in the tile. One lane
/// per element of V.
template <class V>
struct StateOf {
    V n{}, a{}, b{}, d3{}, d4{};  // d3, d4: Σd³, Σd⁴ (skew, kurt)
};

template <class T>
struct Buffers;

template <Kind K, class T>
struct Engine {
    /// The engine of a window w on the suffix-scan arrays of `buf` (sized
    /// for w here).
    FASTCPP_INLINE static Engine on(Buffers<T>& buf, index_t w, index_t minc, index_t ddof);

    index_t w;
    double minc, ddof;

    /// Whether a window of w values meets min_count (Count::full's steps
    /// assume it; the callers clip w to the row and answer min_count > n
    /// themselves, so this holds whenever a step runs).
    [[nodiscard]] bool full_enough() const noexcept { return static_cast<double>(w) >= minc; }
    // The suffix scans from offset k (k = w: empty), one array per quantity,
    // N lanes at [Nk, Nk + N). Plain double arrays (unaligned vector
    // access): over-aligned allocation is not something to rely on in a
    // Python extension. Unused (null) on the short-row path.
    double *sn_, *sa_, *sb_, *s3_, *s4_;

    // empty(), add(), result() and step() are written once for any lane
    // count (the engine's 4 or 2, the short-row path's 2), so every path
    // computes every output by the same operations.
    template <class V = v4d>
    FASTCPP_INLINE static StateOf<V> empty() noexcept {
        StateOf<V> s;
        if constexpr (kExtreme<K>) {
            const V zero{};
            s.a = kArg<K> ? zero + NAN : zero + (kMax<K> ? -kInf : kInf);
        }
        return s;
    }

    /// Adds the value v at offset k to a scan. Suffix scans go from the
    /// newest element down, so on ties they keep what they have; prefix scans
    /// take the newer element.
    template <bool Suffix, bool Clean, class V>
    FASTCPP_INLINE static void add(StateOf<V>& s, V v, V c, double k) noexcept {
        const V zero{};
        if constexpr (K == Kind::sumsq) {
            s.a += v * v;  // NaN propagates: the seed form's rule
            return;
        }
        // Clean tiles (no NaN): the counts are known, every value is taken.
        const auto ok = Clean ? zero == zero : v == v;
        if constexpr (!Clean) s.n += ok ? zero + 1.0 : zero;
        if constexpr (kExtreme<K> && !kArg<K>) {
            // Written so that GCC emits one max/min (a NaN v keeps s.a).
            if constexpr (kMax<K>)
                s.a = v > s.a ? v : s.a;
            else
                s.a = v < s.a ? v : s.a;
        } else if constexpr (kArg<K>) {
            // An empty scan holds NaN: every non-NaN value beats it.
            decltype(v < v) take;
            if constexpr (kMax<K>)
                take = Suffix ? flip(v <= s.a) : flip(v < s.a);
            else
                take = Suffix ? flip(v >= s.a) : flip(v > s.a);
            if constexpr (!Clean) take &= ok;
            s.a = take ? v : s.a;
            s.b = take ? zero + k : s.b;
        } else {
            const V d = Clean ? v - c : (ok ? v - c : zero);
            s.a += d;
            if constexpr (kVar<K>) s.b += d * d;
            if constexpr (kHigher<K>) s.d3 += d * d * d;
            if constexpr (K == Kind::kurt) s.d4 += (d * d) * (d * d);
        }
    }

    /// Results at offset a of the lanes' tiles from the suffix scan s (from
    /// a + 1, ns non-NaN values, shifted by cs) and the prefix scan p
    /// (through a, np values, shifted by cp): r1, and r2 for mean_std (stds)
    /// or skew/kurt (refine flags). Clean (no NaN: ns + np = w): cs == cp
    /// (see setup_lane), or the window holds an inf; the sums are added as
    /// they are, which is what moving them by δ = 0 gives, bit for bit.
    template <bool Clean, bool Full, class V, class A, bool Sums = false>
    FASTCPP_INLINE void result(const StateOf<V>& s, const StateOf<V>& p, V n, V ns, V np, V cs,
                               V cp, A a, V& r1, V& r2) const noexcept {
        const V zero{}, nan = zero + NAN;
        if constexpr (K == Kind::sumsq) {
            r1 = s.a + p.a;
            return;
        }
        // Full (Count::full): every window holds w >= minc values, the
        // drivers take that path only then; no test, no blend.
        const auto enough = n >= minc;
        auto keep = [&](V x, V other) {
            if constexpr (Full)
                return x;
            else
                return enough ? x : other;
        };
        if constexpr (kExtreme<K> && !kArg<K>) {
            const V m = kMax<K> ? (s.a > p.a ? s.a : p.a) : (s.a < p.a ? s.a : p.a);
            r1 = keep(m, nan);
        } else if constexpr (kArg<K>) {
            // The prefix holds the newer elements: it wins ties, and an empty
            // suffix (NaN) loses to it.
            const auto pick_p = (kMax<K> ? p.a >= s.a : p.a <= s.a) | (s.a != s.a);
            const V back = pick_p ? a - p.b : (static_cast<double>(w) + a) - s.b;
            r1 = keep(back, nan);
        } else if constexpr (K == Kind::sum || K == Kind::mean) {
            const V a1 = s.a + p.a;
            r1 = keep((K == Kind::sum || Sums ? a1 : a1 / n), nan);
        } else {
            // The window's shift c: cp if the prefix holds a value (then it
            // holds cp), else cs. The suffix sums move from cs to c: Σ(d+δ)^k
            // expanded in δ = cs - c (0 for an empty suffix: its δ may be
            // anything, even inf).
            const auto has_p = np > zero;
            [[maybe_unused]] const V c = Clean ? cp : (has_p ? cp : cs);  // mean_std's mean
            V a1, a2, a3 = zero, a4 = zero;
            if constexpr (Clean) {
                a1 = s.a + p.a, a2 = s.b + p.b;
                if constexpr (kHigher<K>) a3 = s.d3 + p.d3, a4 = s.d4 + p.d4;
            } else {
                const V dl = has_p & (ns > zero) ? cs - cp : zero;
                const V t1 = s.a + ns * dl;
                a1 = t1 + p.a;
                a2 = (s.b + dl * (s.a + t1)) + p.b;
                if constexpr (kHigher<K>)
                    a3 = (s.d3 + dl * (3.0 * s.b + dl * (3.0 * s.a + ns * dl))) + p.d3;
                if constexpr (K == Kind::kurt)
                    a4 =
                        (s.d4 + dl * (4.0 * s.d3 + dl * (6.0 * s.b + dl * (4.0 * s.a + ns * dl)))) +
                        p.d4;
            }
            if constexpr (kHigher<K>) {
                r1 = keep(higher(n, a1, a2, a3, a4, r2), nan);
                r2 = keep(r2, zero);
            } else {
                V m2 = a2 - a1 * (a1 / n);
                m2 = m2 > zero ? m2 : (m2 == m2 ? zero : m2);  // NaN (inf in window) stays
                m2 = n == zero + 1.0 ? a2 - a2 : m2;           // one value: 0 (inf: NaN)
                const V dn = n - ddof;
                const V var = dn > zero ? m2 / dn : nan;
                if constexpr (K == Kind::var) {
                    r1 = keep(var, nan);
                } else {
                    const V sd = sqrt_lanes(var);
                    if constexpr (K == Kind::std) {
                        r1 = keep(sd, nan);
                    } else {
                        r1 = keep(c + a1 / n, nan);
                        r2 = keep(sd, nan);
                    }
                }
            }
        }
    }

    /// Skewness or excess kurtosis from the window's shifted sums: central
    /// moments M2..M4 by the binomial expansion around the mean of d (d is
    /// of the size of the local spread, so nothing large cancels), then
    /// scipy's g1 = m3/m2^1.5, g2 = m4/m2² - 3 (bias, ddof == 0) or pandas'
    /// unbiased G1 = g1·√(n(n-1))/(n-2) (n >= 3), G2 = (n-1)((n+1)g2 + 6) /
    /// ((n-2)(n-3)) (n >= 4). A window without spread (m2 ≤ 1e-14 of the mean
    /// of d², i.e. zero up to rounding) or with ±inf gives NaN.
    ///
    /// `refine` is set to 1 where the window is ill-conditioned for this
    /// (its spread is far below its distance to the shift, mean d² > 1e3·m2:
    /// the relative error grows as eps·that ratio²); the driver recomputes
    /// those windows by two passes over their values.
    template <class V>
    FASTCPP_INLINE V higher(V n, V s1, V s2, V s3, V s4, V& refine) const noexcept {
        const V zero{}, nan = zero + NAN, one = zero + 1.0;
        const V mu = s1 / n;
        const V m2 = (s2 - mu * s1) / n;
        refine = s2 / n > 1e3 * m2 ? one : zero;
        const V m3 = (s3 - 3.0 * mu * s2 + 2.0 * mu * mu * s1) / n;
        V r;
        if constexpr (K == Kind::skew) {
            V root;
            for (int l = 0; l < kWidth<V>; ++l) root[l] = std::sqrt(m2[l]);
            r = m3 / (m2 * root);
            if (ddof != 0) {
                V f;
                for (int l = 0; l < kWidth<V>; ++l) f[l] = std::sqrt(n[l] * (n[l] - 1.0));
                r = n >= 3.0 ? r * (f / (n - 2.0)) : nan;
            }
        } else {
            const V m4 = (s4 - 4.0 * mu * s3 + 6.0 * mu * mu * s2 - 3.0 * mu * mu * mu * s1) / n;
            r = m4 / (m2 * m2) - 3.0;
            if (ddof != 0)
                r = n >= 4.0 ? (n - one) * ((n + one) * r + 6.0) / ((n - 2.0) * (n - 3.0)) : nan;
        }
        // No spread, or only rounding left of it (a constant window whose d
        // are not exact): NaN rather than a ratio of rounding errors.
        return m2 > 1e-14 * (s2 / n) ? r : nan;
    }

    /// One step: the N lanes' tiles, suffix scan then prefix scan. Unless
    /// C is Count::each, all 2N tiles are real data without NaN (or the
    /// neutral tile of a lane at tile 0, or a lane without output), so the
    /// window counts are known and nothing is counted. Every path computes
    /// every output by the same operations on the same values, so results do
    /// not depend on which one ran (which depends on the neighbouring lanes).
    template <Count C, int N>
    FASTCPP_INLINE void step(const Lanes<T, N>& g) const noexcept {
        constexpr bool Clean = C != Count::each;
        using V = typename Vec<N>::D;
        using State = StateOf<V>;
        const V cs = g.cs, cp = g.cp;
        // Lane pointers in locals (registers), lanes unrolled (each_lane):
        // the transposed vectors then stay in registers.
        const T *sp[N], *pp[N];
        T *op[N], *op2[N];
        each_lane<N>([&](auto l) {
            sp[l] = g.suf[l], pp[l] = g.pre[l], op[l] = g.out[l], op2[l] = g.out2[l];
        });
        // Lane l's value at offset k of the tiles q[0..N).
        auto gather = [](const T* const(&q)[N], index_t k) {
            V v{};
            each_lane<N>([&](auto l) { v[l()] = static_cast<double>(q[l][k]); });
            return v;
        };
        // cv[i] = the N lanes' values at offset k + i, i < N.
        // The 4-lane copies on x86 transpose by half-vector loads and stores
        // (load_transposed); the generic path is the same values by shuffles.
        constexpr bool kHalves = N == 4 && FASTCPP_TILES_HALVES;
        auto load_block = [](const T* const(&q)[N], index_t k, V(&cv)[N]) {
            if constexpr (kHalves) {
#if FASTCPP_TILES_HALVES
                load_transposed(q, k, cv);
#endif
            } else {
                V r[N];
                each_lane<N>([&](auto l) { r[l] = load<V>(q[l] + k); });
                transpose(r, cv);
            }
        };
        // Lane l's results r[0..N)[l] to q[l][k, k + N).
        auto store_block = [](T* const(&q)[N], index_t k, const V(&r)[N]) {
            if constexpr (kHalves) {
#if FASTCPP_TILES_HALVES
                store_transposed(q, k, r);
#endif
            } else {
                V o[N];
                transpose(r, o);
                each_lane<N>([&](auto l) { store(q[l] + k, o[l]); });
            }
        };
        double* const sn = sn_;
        double* const sa = sa_;
        double* const sb = sb_;
        double* const q3 = s3_;
        double* const q4 = s4_;
        auto put = [](double* arr, index_t k, V v) { std::memcpy(arr + N * k, &v, sizeof v); };
        auto get = [](const double* arr, index_t k) {
            V v;
            std::memcpy(&v, arr + N * k, sizeof v);
            return v;
        };
        auto save = [&](index_t k, const State& st) {
            if constexpr (K != Kind::sumsq) {
                if constexpr (!Clean) put(sn, k, st.n);
                put(sa, k, st.a);
            } else {
                put(sn, k, st.a);
            }
            if constexpr (kVar<K> || kArg<K>) put(sb, k, st.b);
            if constexpr (kHigher<K>) put(q3, k, st.d3);
            if constexpr (K == Kind::kurt) put(q4, k, st.d4);
        };
        auto restore = [&](index_t k) {
            State st;
            if constexpr (K != Kind::sumsq) {
                if constexpr (!Clean) st.n = get(sn, k);
                st.a = get(sa, k);
            } else {
                st.a = get(sn, k);
            }
            if constexpr (kVar<K> || kArg<K>) st.b = get(sb, k);
            if constexpr (kHigher<K>) st.d3 = get(q3, k);
            if constexpr (K == Kind::kurt) st.d4 = get(q4, k);
            return st;
        };
        // Non-NaN values in the window: counted, or w when clean (the
        // suffix's and prefix's own counts are then not used), or for a
        // lane at tile 0 its prefix's, a + 1 (prefix_add counts them all).
        const V wd = V{} + static_cast<double>(w), full = g.full;
        auto count = [&](const State& st, const State& pt) {
            if constexpr (C == Count::each)
                return st.n + pt.n;
            else if constexpr (C == Count::full)
                return wd;
            else
                return full > pt.n ? full : pt.n;
        };
        auto prefix_add = [&](State& pt, V v, double a) {
            add<false, Clean>(pt, v, cp, a);
            if constexpr (C == Count::from_start) pt.n += 1.0;
        };
        const index_t rem = w % N;
        State s = empty<V>();
        save(w, s);
        index_t k = w;
        while (k > w - rem) {
            --k;
            add<true, Clean>(s, gather(sp, k), cs, static_cast<double>(k));
            save(k, s);
        }
        while (k >= N) {
            k -= N;
            V cv[N];
            load_block(sp, k, cv);
#pragma GCC unroll 4
            for (int i = N - 1; i >= 0; --i) {
                add<true, Clean>(s, cv[i], cs, static_cast<double>(k + i));
                save(k + i, s);
            }
        }
        // Means of full windows (w values each) divide a block of sums at once
        // (divide_sums), where the 4-lane copy has FMA.
        constexpr bool kSums = K == Kind::mean && C == Count::full && N == 4 &&
                               std::is_same_v<V, v4d> && FASTCPP_TILES_FMA;
        State p = empty<V>();
        index_t a = 0;
        for (; a + N <= w; a += N) {
            V cv[N], r1[N], r2[N];
            load_block(pp, a, cv);
#pragma GCC unroll 4
            for (int i = 0; i < N; ++i) {
                const double ai = static_cast<double>(a + i);
                prefix_add(p, cv[i], ai);
                const State st = restore(a + i + 1);
                result<Clean, C == Count::full, V, double, kSums>(st, p, count(st, p), st.n, p.n,
                                                                  cs, cp, ai, r1[i], r2[i]);
            }
#if FASTCPP_TILES_FMA
            if constexpr (kSums) divide_sums(r1, static_cast<double>(w));
#endif
            store_block(op, a, r1);
            if constexpr (kTwoOut<K>) store_block(op2, a, r2);
        }
        for (; a < w; ++a) {
            const double ad = static_cast<double>(a);
            V r1, r2{};
            prefix_add(p, gather(pp, a), ad);
            const State st = restore(a + 1);
            result<Clean, C == Count::full>(st, p, count(st, p), st.n, p.n, cs, cp, ad, r1, r2);
            each_lane<N>([&](auto l) {
                op[l][a] = static_cast<T>(r1[l()]);
                if constexpr (kTwoOut<K>) op2[l][a] = static_cast<T>(r2[l()]);
            });
        }
    }
};

/// Per-thread buffers, kept between calls (no allocation per call or row).
template <class T>
struct Buffers {
    std::vector<double> sn, sa, sb, s3, s4;
    std::vector<T> nan_tile, zero_tile, pad, scratch, scratch2;

    void size_for(index_t w) {
        const auto uw = static_cast<std::size_t>(w);
        const std::size_t m = kLanes * (uw + 1);
        if (sn.size() < m) sn.resize(m), sa.resize(m), sb.resize(m), s3.resize(m), s4.resize(m);
        if (nan_tile.size() != uw) nan_tile.assign(uw, std::numeric_limits<T>::quiet_NaN());
        if (zero_tile.size() < uw) zero_tile.assign(uw, T{});
        if (pad.size() < 2 * kLanes * uw) pad.resize(2 * kLanes * uw);
        if (scratch.size() < kLanes * uw) scratch.resize(kLanes * uw), scratch2.resize(kLanes * uw);
    }
    /// This thread's buffers. The hot path reads a constant-initialised
    /// plain pointer: one TLS look-up per call (a thread_local Buffers took
    /// three: its guard, the object, and again after inlining), no guard,
    /// no destructor registration. The owner frees them at thread exit.
    static Buffers& mine() {
        thread_local constinit Buffers* buf = nullptr;
        if (buf == nullptr) [[unlikely]]
            buf = make();
        return *buf;
    }

private:
    [[gnu::noinline]] static Buffers* make() {
        thread_local const std::unique_ptr<Buffers> owner = std::make_unique<Buffers>();
        return owner.get();
    }
};

template <Kind K, class T>
Engine<K, T> Engine<K, T>::on(Buffers<T>& buf, index_t w, index_t minc, index_t ddof) {
    buf.size_for(w);
    return {w,
            static_cast<double>(minc),
            static_cast<double>(ddof),
            buf.sn.data(),
            buf.sa.data(),
            buf.sb.data(),
            buf.s3.data(),
            buf.s4.data()};
}

/// Shift of the suffix scan of tile t-1 of a row: its last finite value
/// (so every suffix holding a finite value holds it), else 0.
template <class T>
FASTCPP_INLINE double suffix_shift(Strided<const T> x, index_t w, index_t t) noexcept {
    for (index_t p = std::min(t * w, x.size) - 1; p >= std::max<index_t>(0, (t - 1) * w); --p) {
        const double v = static_cast<double>(x[p]);
        if (std::isfinite(v)) return v;
    }
    return 0.0;
}

/// Shift of the prefix scan of tile t: its first finite value, else 0.
template <class T>
FASTCPP_INLINE double prefix_shift(Strided<const T> x, index_t w, index_t t) noexcept {
    const index_t e = std::min((t + 1) * w, x.size);
    for (index_t p = t * w; p < e; ++p) {
        const double v = static_cast<double>(x[p]);
        if (std::isfinite(v)) return v;
    }
    return 0.0;
}

/// The shifts of the tile pair (t-1, t): cp of the prefix scans, cs of the
/// suffix scans. If tile t starts with a finite value, every window of the
/// pair holds it (the prefix through offset a >= 0 does): cs = cp, one
/// shift, no moving of sums (δ = 0), the clean path's formula.
template <class T>
FASTCPP_INLINE void set_shifts(Strided<const T> x, index_t w, index_t t, double& cs,
                               double& cp) noexcept {
    cp = prefix_shift(x, w, t);
    cs =
        t * w < x.size && std::isfinite(static_cast<double>(x[t * w])) ? cp : suffix_shift(x, w, t);
}

/// True if the w values at p hold no NaN (read N at a time).
template <int N, class T>
FASTCPP_INLINE bool tile_clean(const T* p, index_t w) noexcept {
    using V = typename Vec<N>::D;
    typename Vec<N>::I bad{};
    index_t k = 0;
    for (; k + N <= w; k += N) {
        const V v = load<V>(p + k);
        bad |= v != v;
    }
    bool b = false;
    for (int l = 0; l < N; ++l) b |= bad[l] != 0;
    for (; k < w; ++k) b |= p[k] != p[k];
    return !b;
}

/// tile_clean of tile u of x (contiguous at p, or strided when p is null).
template <int N, class T>
FASTCPP_INLINE bool tile_clean(const T* p, index_t w, Strided<const T> x, index_t u) noexcept {
    if (p != nullptr) return tile_clean<N>(p, w);
    for (index_t k = u * w; k < (u + 1) * w; ++k)
        if (x[k] != x[k]) return false;
    return true;
}

/// Sets lane l to tile t of row job j (a lane past the data reads the NaN
/// tile and writes to scratch). Returns true if the lane's outputs went to
/// scratch and must be copied out by `finish_lane`. `pre_clean`: the prefix
/// tile is w values of the row without NaN.
template <Kind K, class T, int N>
FASTCPP_INLINE bool setup_lane(Lanes<T, N>& g, int l, const RowJob<T>* j, index_t t, index_t w,
                               Buffers<T>& buf, bool& pre_clean) noexcept {
    pre_clean = false;
    const auto uw = static_cast<std::size_t>(w);
    T* pad_s = buf.pad.data() + 2 * static_cast<std::size_t>(l) * uw;
    T* pad_p = pad_s + uw;
    g.out[l] = buf.scratch.data() + static_cast<std::size_t>(l) * uw;
    g.out2[l] = buf.scratch2.data() + static_cast<std::size_t>(l) * uw;
    if (j == nullptr || t * w >= j->end) {
        g.suf[l] = g.pre[l] = buf.nan_tile.data();
        if constexpr (kVar<K>) g.cs[l] = g.cp[l] = 0.0;
        return false;
    }
    const Strided<const T>& x = j->x;
    const index_t n = x.size;
    auto copy_tile = [&](index_t u, T* dst) {
        const index_t lo = u * w, hi = std::min(lo + w, n);
        for (index_t p = lo; p < hi; ++p) dst[p - lo] = x[p];
        std::fill(dst + (hi - lo), dst + w, std::numeric_limits<T>::quiet_NaN());
        return dst;
    };
    if (t == 0)
        g.suf[l] = buf.nan_tile.data();
    else
        g.suf[l] = x.stride == 1 ? x.data + (t - 1) * w : copy_tile(t - 1, pad_s);
    g.pre[l] = x.stride == 1 && (t + 1) * w <= n ? x.data + t * w : copy_tile(t, pad_p);
    pre_clean = (t + 1) * w <= n && tile_clean<N>(g.pre[l], w);
    if constexpr (kVar<K>) {
        double cs, cp;
        set_shifts(x, w, t, cs, cp);
        g.cs[l] = cs, g.cp[l] = cp;
    }
    const bool whole = j->y.stride == 1 && (!kTwoOut<K> || j->y2.stride == 1) &&
                       t * w >= j->begin && (t + 1) * w <= j->end;
    if (whole) {
        g.out[l] = j->y.data + t * w - j->out_shift;
        if constexpr (kTwoOut<K>) g.out2[l] = j->y2.data + t * w - j->out_shift;
        return false;
    }
    return true;
}

template <Kind K, class T, int N>
FASTCPP_INLINE void finish_lane(const Lanes<T, N>& g, int l, const RowJob<T>& j, index_t t,
                                index_t w) noexcept {
    const index_t lo = std::max(t * w, j.begin), hi = std::min((t + 1) * w, j.end);
    for (index_t i = lo; i < hi; ++i) {
        j.y[i - j.out_shift] = g.out[l][i - t * w];
        if constexpr (kTwoOut<K>) j.y2[i - j.out_shift] = g.out2[l][i - t * w];
    }
}

/// Rows up to this length take the short-row path (the lane engine's
/// per-call setup, idle lanes and transposes cost more below).
constexpr index_t kShortRow = 32;
/// argmin/argmax rows of one or two tiles up to this length take it too:
/// there the engine fills at most two of its lanes (and one scans tile -1,
/// empty). Measured (callgrind, x86-64-v3, n = 100, w = 50, no NaN): the
/// scalar scans (with short_tile's Clean) ran 3406 instructions per call
/// where the engine ran 3965; for sum, mean, var, std, min and max they ran
/// more (sum 2653 vs 2420, var 5981 vs 4144), so those keep the engine.
constexpr index_t kShortPair = 128;
/// Does a row of n values and window w take the short-row path?
template <Kind K>
constexpr bool short_row_fits(index_t n, index_t w) noexcept {
    return (n <= kShortRow && w <= kShortRow) || (kArg<K> && w <= kShortPair && n <= 2 * w);
}
/// The kinds it computes (the sums, moments and extrema of the move_* family;
/// also those that take the 2-lane engine at x86-64-v3/v4, tiles_row_at_level).
template <Kind K>
constexpr bool kShortKind =
    K == Kind::sum || K == Kind::mean || K == Kind::var || K == Kind::std || kExtreme<K>;

/// The suffix scans of short_row (k = w: empty), uninitialised: a StateOf
/// array would be zeroed on every call.
struct ShortScans {
    double n[kShortPair + 1], a[kShortPair + 1], b[kShortPair + 1];
};

/// Calls f(std::bool_constant<b0>{}, std::bool_constant<b1>{}, ...) for the
/// run-time flags b0, b1, ...: one call site for every combination of a
/// function's compile-time flags.
template <class F>
FASTCPP_INLINE void with_flags(F&& f) {
    f();
}
template <class F, class... B>
FASTCPP_INLINE void with_flags(F&& f, bool b, B... rest) {
    auto bound = [&](auto c) { with_flags([&](auto... cs) { f(c, cs...); }, rest...); };
    if (b)
        bound(std::true_type{});
    else
        bound(std::false_type{});
}

/// Outputs [first, last) of tile t of a short row (positions lo + first...,
/// lo = t w): the suffix scan of tile t-1 (none for the first tile: its
/// suffix is the empty scan), then the prefix scan of tile t with each
/// output as soon as its prefix is known. Scalar: the scans are chains, and
/// the engine's add/result are written for any lane count. NaN are counted
/// (the engine's step that is not clean: the same bits as its clean one),
/// unless Clean: tiles t-1 and t hold no NaN, so the counts are known (the
/// suffix from a + 1 holds w - 1 - a values, the prefix through a holds
/// a + 1) and the scans skip counting, as the engine's clean step does.
/// Contig: x at stride 1.
template <bool First, bool Contig, bool Clean, Kind K, class T>
FASTCPP_INLINE void short_tile(const Engine<K, T>& eng, ShortScans& sc, const RowJob<T>& j,
                               index_t lo, index_t first, index_t last, double cs,
                               double cp) noexcept {
    using E = Engine<K, T>;
    constexpr bool kB = kVar<K> || kArg<K>;  // the scans keep s.b
    const index_t w = eng.w;
    const T* const xd = j.x.data;
    const index_t xs = Contig ? 1 : j.x.stride;
    auto at = [&](index_t p) { return static_cast<double>(xd[p * xs]); };
    const StateOf<double> empty = E::template empty<double>();
    if constexpr (!First) {
        StateOf<double> s = empty;
        sc.n[w] = s.n, sc.a[w] = s.a, sc.b[w] = s.b;
        for (index_t k = w - 1; k > first; --k) {
            E::template add<true, Clean>(s, at(lo - w + k), cs, static_cast<double>(k));
            if constexpr (!Clean) sc.n[k] = s.n;
            sc.a[k] = s.a;
            if constexpr (kB) sc.b[k] = s.b;
        }
    }
    StateOf<double> p = empty;
    for (index_t a = 0; a < first; ++a)
        E::template add<false, Clean>(p, at(lo + a), cp, static_cast<double>(a));
    for (index_t a = first; a < last; ++a) {
        const double ad = static_cast<double>(a);
        E::template add<false, Clean>(p, at(lo + a), cp, ad);
        StateOf<double> st = empty;
        if constexpr (Clean) p.n = ad + 1.0;
        if constexpr (!First) {
            st.n = Clean ? static_cast<double>(w - 1) - ad : sc.n[a + 1];
            st.a = sc.a[a + 1];
            if constexpr (kB) st.b = sc.b[a + 1];
        }
        double r1, r2 = 0.0;
        eng.template result<false, false>(st, p, st.n + p.n, st.n, p.n, cs, cp, ad, r1, r2);
        j.y[lo + a - j.out_shift] = static_cast<T>(r1);
    }
}

/// Positions [begin, end) of a short row (short_row_fits): the engine's
/// scans and formulas (Engine::add/result) on scalars, tile by tile. No
/// dispatch, per-thread buffers, idle lanes or transposes: on a call with 10
/// values those were most of the engine's cost. Same operations on the same
/// values (the first tile's empty suffix is the empty scan, as the engine's
/// NaN tile leaves it), so the results are the engine's, bit for bit.
template <Kind K, class T>
void short_row(const RowJob<T>& j, index_t w, index_t minc, index_t ddof) noexcept {
    const Engine<K, T> eng{w,
                           static_cast<double>(minc),
                           static_cast<double>(ddof),
                           nullptr,
                           nullptr,
                           nullptr,
                           nullptr,
                           nullptr};
    const Strided<const T>& x = j.x;
    ShortScans sc;
    const index_t t0 = j.begin / w, t_end = (j.end - 1) / w + 1;
    // argmin/argmax rows longer than kShortRow (kShortPair), contiguous and
    // without NaN in the tiles read (from t0 - 1): counts are known
    // (short_tile's Clean). Shorter rows count: there the check cost more
    // than it saved (callgrind, n = 10: +32 instructions).
    const index_t from = std::max<index_t>(0, (t0 - 1) * w);
    const bool clean = kArg<K> && x.stride == 1 && j.end - from > kShortRow &&
                       tile_clean<2>(x.data + from, j.end - from);
    const bool contig = x.stride == 1;
    for (index_t t = t0; t < t_end; ++t) {
        const index_t lo = t * w, hi = std::min(lo + w, j.end);
        const index_t first = std::max(lo, j.begin) - lo, last = hi - lo;  // outputs [first, last)
        double cs = 0.0, cp = 0.0;
        if constexpr (kVar<K>) set_shifts(x, w, t, cs, cp);
        with_flags(
            [&](auto is_first, auto is_contig, auto is_clean) {
                // Clean rows are contiguous argmin/argmax rows only (above).
                if constexpr (!is_clean || (kArg<K> && is_contig))
                    short_tile<is_first, is_contig, is_clean>(eng, sc, j, lo, first, last, cs, cp);
            },
            t == 0, contig, clean);
    }
}

/// Lanes set up for tile 0 and on, without NaN (Count::from_start): lane
/// 0's suffix becomes the neutral tile, whose scan ends where the empty
/// scan starts (0 for sums, shifted by 0; NaN, never taken, for extremes),
/// so every output has the bits of the counted step.
template <Kind K, class T, int N>
FASTCPP_INLINE Lanes<T, N>& start_lane(Lanes<T, N>& g, index_t w, Buffers<T>& buf) noexcept {
    g.suf[0] = kExtreme<K> ? buf.nan_tile.data() : buf.zero_tile.data();
    g.cs[0] = 0.0;
    g.full = typename Vec<N>::D{} + static_cast<double>(w);
    g.full[0] = 0.0;
    return g;
}

/// Positions [begin, end) of one row: lanes are N consecutive tiles.
template <Kind K, int N, class T>
FASTCPP_KERNEL void tiles_row(const RowJob<T>& j, index_t w, index_t minc, index_t ddof) {
    auto& buf = Buffers<T>::mine();
    const auto eng = Engine<K, T>::on(buf, w, minc, ddof);
    const index_t t_end = (j.end - 1) / w + 1;
    const index_t t0 = j.begin / w;
    // Is the tile before the group's first NaN-free, or none (t0 = 0)?
    // (Lane l's suffix tile is lane l-1's prefix tile.)
    bool before_clean =
        t0 == 0 ||
        tile_clean<N>(j.x.stride == 1 ? j.x.data + (t0 - 1) * w : nullptr, w, j.x, t0 - 1);
    for (index_t t = t0; t < t_end; t += N) {
        // The next group's tiles, one cache line at a time: their loads then
        // overlap this group's arithmetic (a long row streams from memory).
        if (j.x.stride == 1) {
            const index_t lo = (t + N) * w, hi = std::min((t + 2 * N) * w, j.x.size);
            for (index_t p = lo; p < hi; p += 64 / static_cast<index_t>(sizeof(T)))
                __builtin_prefetch(j.x.data + p);
        }
        Lanes<T, N> g;
        bool copy[N], pc[N];
        bool clean = before_clean;
        for (int l = 0; l < N; ++l) {
            const bool data = t + l < t_end;
            copy[l] = setup_lane<K>(g, l, data ? &j : nullptr, t + l, w, buf, pc[l]);
            clean = clean && (pc[l] || !data);  // a lane without data: any values do
        }
        before_clean = pc[N - 1];
        if (!clean || (t != 0 && !eng.full_enough()))
            eng.template step<Count::each>(g);
        else if (t == 0)
            eng.template step<Count::from_start>(start_lane<K>(g, w, buf));
        else
            eng.template step<Count::full>(g);
        for (int l = 0; l < N; ++l)
            if (copy[l]) finish_lane<K>(g, l, j, t + l, w);
    }
}

/// Whole rows of one length, up to kLanes of them, N at a time: lane l is
/// row l of the group, all at tile t.
template <Kind K, int N, class T>
FASTCPP_KERNEL void tiles_rows(const RowJob<T> (&js)[kLanes], int count, index_t w, index_t minc,
                               index_t ddof) {
    auto& buf = Buffers<T>::mine();
    const auto eng = Engine<K, T>::on(buf, w, minc, ddof);
    const index_t t_end = (js[0].end - 1) / w + 1;
    for (int r = 0; r < count; r += N) {
        const RowJob<T>* j = js + r;
        const int m = std::min(N, count - r);
        bool before_clean[N] = {};  // each lane's suffix tile (t - 1)
        for (index_t t = 0; t < t_end; ++t) {
            Lanes<T, N> g;
            bool copy[N], pc[N];
            for (int l = 0; l < N; ++l)
                copy[l] = setup_lane<K>(g, l, l < m ? &j[l] : nullptr, t, w, buf, pc[l]);
            bool clean = true;
            for (int l = 0; l < N; ++l) clean = clean && before_clean[l] && pc[l];
            for (int l = 0; l < N; ++l) before_clean[l] = pc[l];
            if (clean && eng.full_enough())
                eng.template step<Count::full>(g);
            else
                eng.template step<Count::each>(g);
            for (int l = 0; l < m; ++l)
                if (copy[l]) finish_lane<K>(g, l, j[l], t, w);
        }
    }
}

/// Calls f(std::integral_constant<int, N>{}) compiled for the active level
/// (detail::dispatch's wrappers), with the engine's lane count for that
/// level: N = 4 from x86-64-v3 on, N = 2 below (and on other CPUs: 16 bytes
/// is NEON's width too), unless the baseline itself is built for AVX. One
/// copy per level, as detail::dispatch makes: the 4-lane engine is not
/// compiled for SSE2 (the 2-lane one is for AVX too, see tiles_row_at_level).
template <class F>
void dispatch_lanes(F&& f) {
#if defined(__AVX__)
    constexpr int kBaseline = 4;
#else
    constexpr int kBaseline = 2;
#endif
    dispatch_split([&] { f(std::integral_constant<int, 4>{}); },
                   [&] { f(std::integral_constant<int, kBaseline>{}); });
}

/// One row by the lane engine, at the active level. The one dispatch site of
/// tiles_row<K> (run_one and run_rows share it): each site is a copy of the
/// engine per level, i.e. compile time. At x86-64-v3/v4, outputs in one or
/// two tiles (a call on n = 100, w = 50) take the 2-lane engine: the 4-lane
/// one ran half its lanes idle, and its larger code and 4x4 transposes cost
/// more than the lanes saved (wall time per call at v3, move_mean 340 ns ->
/// 312, move_var 551 -> 439 ns; the same bits, lane by lane). The move_*
/// tile kinds in float64 only: each is one more copy of the engine.
template <Kind K, class T>
void tiles_row_at_level(const RowJob<T>& j, index_t w, index_t minc, index_t ddof) {
    dispatch_lanes([&](auto n) {
        constexpr int N = decltype(n)::value;
        if constexpr (N == 4 && std::is_same_v<T, double> && kShortKind<K>) {
            if ((j.end - 1) / w - j.begin / w < 2) return tiles_row<K, 2>(j, w, minc, ddof);
        }
        tiles_row<K, N>(j, w, minc, ddof);
    });
}

template <Kind K, class T>
void run_rows(Rows<const T> a, Rows<T> out, index_t r0, index_t r1, index_t w, index_t minc,
              index_t ddof) {
    const index_t len = a.length;
    auto job = [&](index_t r) { return RowJob<T>{a.row(r), out.row(r), out.row(r), 0, len, 0}; };
    // Rows shorter than a few vectors of tiles fill the lanes better side by
    // side; a long row fills them with its own tiles.
    const bool side_by_side = r1 - r0 > 1 && len < 64 * w;
    if (!side_by_side) {
        for (index_t r = r0; r < r1; ++r) tiles_row_at_level<K>(job(r), w, minc, ddof);
        return;
    }
    for (index_t r = r0; r < r1; r += kLanes) {
        RowJob<T> js[kLanes];
        const int count = static_cast<int>(std::min<index_t>(kLanes, r1 - r));
        for (int l = 0; l < count; ++l) js[l] = job(r + l);
        dispatch_lanes(
            [&](auto n) { tiles_rows<K, decltype(n)::value>(js, count, w, minc, ddof); });
    }
}

template <Kind K, class T>
void run_one(const RowJob<T>& j, index_t w, index_t minc, index_t ddof) {
    if constexpr (kShortKind<K>) {
        if (short_row_fits<K>(j.x.size, w)) return short_row<K>(j, w, minc, ddof);
    }
    tiles_row_at_level<K>(j, w, minc, ddof);
}

/// The instantiations of a kind in its family's file: run_one for both
/// element types, and run_rows for the batch statistics.
#define FASTCPP_TILES_ONE(K)                                                            \
    template void run_one<K, double>(const RowJob<double>&, index_t, index_t, index_t); \
    template void run_one<K, float>(const RowJob<float>&, index_t, index_t, index_t);
#define FASTCPP_TILES_ROWS(K)                                                                      \
    FASTCPP_TILES_ONE(K)                                                                           \
    template void run_rows<K, double>(Rows<const double>, Rows<double>, index_t, index_t, index_t, \
                                      index_t, index_t);                                           \
    template void run_rows<K, float>(Rows<const float>, Rows<float>, index_t, index_t, index_t,    \
                                     index_t, index_t);

}  // namespace fastcpp::detail::tiles
