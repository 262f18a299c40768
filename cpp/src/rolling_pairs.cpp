// move_cov and move_corr: moving covariance and correlation of two series.
//
// Algorithm: a window is a suffix of one tile of `window` elements plus a
// prefix of the next (van Herk 1992; Gil & Werman 1993), as for move_var: no
// running sums, so nothing drifts and a huge value or an inf leaves no trace
// once outside the window. Each part's sums (pairwise count n, finite count,
// Σdx, Σdy, Σdx², Σdy², Σdxdy) are taken with d = value − shift, the shift
// being a pair of that part itself ("shifted data", Chan, Golub & LeVeque
// 1983): the suffix sums use the tile's last finite pair, the prefix sums the
// next tile's first, so every non-empty part contains its shift and its
// centred sums lose at most ~n·eps to cancellation. (One shift per tile would
// not do: an outlier shift ruins the windows that do not hold it, e.g. 1e20
// then 1, 2, 3.) The two parts' centred sums are then merged by Chan, Golub &
// LeVeque's pairwise formula. A position counts only where both values are
// non-NaN (pandas' pairwise rule); a window holding a ±inf pair gives NaN.
//
// Vectorisation: N consecutive tiles go in the N lanes of a float64 vector
// (GCC vector extensions; 4 lanes from x86-64-v3 on, 2 below, one copy per
// level), each lane reading its tile at a stride of `window`: the suffix
// scan is stored (kSums x (window + 1) vectors, L1-resident for the usual
// windows), the prefix scan merged with it as it goes, so the divisions and
// the square root of the merge run in the lanes too (one division for the
// three reciprocals a merge needs). The first tile of a row (whose suffix
// is empty) and the ends of a range take the same code with loads outside
// the row read as NaN pairs (which count for nothing) and stores limited to
// the range, so every output is the same arithmetic whichever thread and
// group computed it (bit for bit).

// No FMA contraction: every SIMD level rounds alike (before the includes, so
// that the per-level wrappers of detail/dispatch.hpp get the same option).
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "fastcpp/detail/simd.hpp"
#include "fastcpp/detail/vec.hpp"
#include "rolling_kernels.hpp"

namespace fastcpp::detail {

namespace {

/// The sums of a part (a suffix of one tile or a prefix of the next), one
/// vector each: pairwise non-NaN count, finite count, and the shifted sums.
enum Sum : int { kN, kM, kX, kY, kXX, kYY, kXY, kSums };

/// N float64 lanes: tile t0 + l of a group of N consecutive tiles in lane l.
template <int N>
using LaneVec = typename Lanes<N>::vd;

/// The first (last if `backward`) finite pair of [lo, hi) ∩ [0, size), to
/// shift by (0, 0 if none).
template <class T>
void shifts(Strided<const T> x, Strided<const T> y, index_t lo, index_t hi, bool backward,
            double& cx, double& cy) {
    lo = std::max<index_t>(lo, 0);
    hi = std::min(hi, x.size);
    for (index_t k = 0; k < hi - lo; ++k) {
        const index_t i = backward ? hi - 1 - k : lo + k;
        const double a = x[i], b = y[i];
        if (std::isfinite(a) && std::isfinite(b)) {
            cx = a;
            cy = b;
            return;
        }
    }
    cx = cy = 0;
}

/// The pairs at i, i + w, ... i + (N - 1)·w: offset k of N consecutive
/// tiles, one per lane. `Checked`: a place outside the row reads as a NaN
/// pair, which counts for nothing (the row's first tile has an empty
/// suffix; its last may be short).
template <int N, bool Checked, class T>
[[gnu::always_inline]] inline void load_lanes(Strided<const T> x, Strided<const T> y, index_t i,
                                              index_t w, LaneVec<N>& a, LaneVec<N>& b) noexcept {
    for (int l = 0; l < N; ++l) {
        const index_t j = i + l * w;
        const bool inside = !Checked || (j >= 0 && j < x.size);
        a[l] = inside ? static_cast<double>(x[inside ? j : 0]) : kNaN;
        b[l] = inside ? static_cast<double>(y[inside ? j : 0]) : kNaN;
    }
}

/// Adds pair (a, b) shifted by (cx, cy) to the sums r, branch-free: a NaN
/// pair adds nothing, an inf pair only to the count n.
template <int N>
[[gnu::always_inline]] inline void add_pair(LaneVec<N> (&r)[kSums], LaneVec<N> a, LaneVec<N> b,
                                            LaneVec<N> cx, LaneVec<N> cy) noexcept {
    using V = LaneVec<N>;
    const V zero{}, one = zero + 1.0, inf = zero + std::numeric_limits<double>::infinity();
    const auto valid = (a == a) & (b == b);
    const auto finite = (a < inf) & (a > -inf) & (b < inf) & (b > -inf);
    const V dx = finite ? a - cx : zero, dy = finite ? b - cy : zero;
    r[kN] += valid ? one : zero;
    r[kM] += finite ? one : zero;
    r[kX] += dx;
    r[kY] += dy;
    r[kXX] += dx * dx;
    r[kYY] += dy * dy;
    r[kXY] += dx * dy;
}

/// One output per lane from the sums of its suffix part (a) and prefix part
/// (b) and the difference of their shifts (dcx, dcy), by Chan, Golub &
/// LeVeque's pairwise merge: covariance (correlation if Corr) of the
/// window, NaN for too few pairs or a window holding an inf pair.
/// Branch-free.
template <bool Corr, int N>
[[gnu::always_inline]] inline LaneVec<N> merge(const LaneVec<N> (&a)[kSums],
                                               const LaneVec<N> (&b)[kSums], LaneVec<N> dcx,
                                               LaneVec<N> dcy, double minc, double dd) noexcept {
    using V = LaneVec<N>;
    const V zero{}, one = zero + 1.0, nan = zero + kNaN;
    const V na = a[kM], nb = b[kM];  // finite pairs
    // 1/na, 1/nb and na·nb/(na + nb) from one division (an empty part
    // counts as 1 there: its sums are 0, and f is 0 by the true counts).
    const V ua = na > zero ? na : one, ub = nb > zero ? nb : one;
    const V inv = one / (ua * ub * (ua + ub));
    const V ia = ub * (ua + ub) * inv, ib = ua * (ua + ub) * inv;
    const V f = na * nb * (na * nb) * inv;
    const V mxa = a[kX] * ia, mya = a[kY] * ia, mxb = b[kX] * ib, myb = b[kY] * ib;
    // the difference of the means: shifts' difference + offsets' difference
    const V dx = dcx + (mxb - mxa), dy = dcy + (myb - mya);
    const V cxy = (a[kXY] - a[kX] * mya) + (b[kXY] - b[kX] * myb) + (f > zero ? dx * dy * f : zero);
    const V n = a[kN] + b[kN];  // non-NaN pairs
    // too few pairs, or a window holding an inf pair: NaN
    const auto bad = (n < minc) | (n > na + nb);
    V r;
    if constexpr (Corr) {
        const V cxx =
            (a[kXX] - a[kX] * mxa) + (b[kXX] - b[kX] * mxb) + (f > zero ? dx * dx * f : zero);
        const V cyy =
            (a[kYY] - a[kY] * mya) + (b[kYY] - b[kY] * myb) + (f > zero ? dy * dy * f : zero);
        r = cxy / Lanes<N>::sqrt(cxx * cyy);
        r = r < -one ? -one : r;  // clamp to [-1, 1] (NaN stays NaN: masked below)
        r = one < r ? one : r;
        r = (cxx > zero) & (cyy > zero) ? r : nan;
    } else {
        const V div = n - dd;
        r = div > zero ? cxy / div : nan;
    }
    return bad ? nan : r;
}

/// Outputs of the N consecutive tiles t0 .. t0 + N - 1 that lie in
/// [begin, end), tile t0 + l in lane l: the suffix sums of the tiles before
/// them (place k: the suffix from offset k, stored in `suf`, kSums x (w + 1)
/// vectors; place w is empty), then their prefix sums, each output merged
/// as its prefix place is reached. Each part is shifted by a pair it holds:
/// the suffix by its tile's last finite pair, the prefix by its first.
/// `Checked` for groups not made of whole tiles inside [begin, end) and
/// past tile 0: reads outside the row are NaN pairs, outputs outside
/// [begin, end) are not stored.
template <bool Corr, int N, bool Checked, class T>
FASTCPP_KERNEL void pair_tiles(Strided<const T> x, Strided<const T> y, Strided<T> out, index_t t0,
                               index_t w, index_t min_count, index_t ddof, index_t begin,
                               index_t end, LaneVec<N>* suf) {
    using V = LaneVec<N>;
    const V zero{};
    V sx, sy, px, py;
    for (int l = 0; l < N; ++l) {
        const index_t lo = (t0 + l) * w;
        double c[4];
        shifts(x, y, lo - w, lo, true, c[0], c[1]);
        shifts(x, y, lo, lo + w, false, c[2], c[3]);
        sx[l] = c[0];
        sy[l] = c[1];
        px[l] = c[2];
        py[l] = c[3];
    }
    V r[kSums] = {};
    for (int q = 0; q < kSums; ++q) suf[q * (w + 1) + w] = zero;
    for (index_t k = w - 1; k >= 0; --k) {
        V a, b;
        load_lanes<N, Checked>(x, y, (t0 - 1) * w + k, w, a, b);
        add_pair<N>(r, a, b, sx, sy);
        for (int q = 0; q < kSums; ++q) suf[q * (w + 1) + k] = r[q];
    }
    const V dcx = px - sx, dcy = py - sy;
    const auto minc = static_cast<double>(min_count), dd = static_cast<double>(ddof);
    V p[kSums] = {};
    for (index_t k = 0; k < w; ++k) {
        V a, b;
        load_lanes<N, Checked>(x, y, t0 * w + k, w, a, b);
        add_pair<N>(p, a, b, px, py);
        V s[kSums];
        for (int q = 0; q < kSums; ++q) s[q] = suf[q * (w + 1) + k + 1];
        const V res = merge<Corr, N>(s, p, dcx, dcy, minc, dd);
        for (int l = 0; l < N; ++l) {
            const index_t i = (t0 + l) * w + k;
            if (!Checked || (i >= begin && i < end)) out[i] = static_cast<T>(res[l]);
        }
    }
}

/// The tiles of outputs [begin, end), N at a time (N = 4 from x86-64-v3 on,
/// 2 below: one copy per level, detail::dispatch_split); the groups at the
/// ends of the range and the row's first take the checked loads and stores.
template <bool Corr, int N, class T>
FASTCPP_KERNEL void pair_row(Strided<const T> x, Strided<const T> y, Strided<T> out, index_t w,
                             index_t min_count, index_t ddof, index_t begin, index_t end,
                             LaneVec<N>* suf) {
    for (index_t t = begin / w; t * w < end; t += N) {
        if (t >= 1 && t * w >= begin && (t + N) * w <= end)
            pair_tiles<Corr, N, false>(x, y, out, t, w, min_count, ddof, begin, end, suf);
        else
            pair_tiles<Corr, N, true>(x, y, out, t, w, min_count, ddof, begin, end, suf);
    }
}

}  // namespace

/// The longest window whose tiles go four at a time: their suffix sums then
/// take up to 7 x 4 x 2049 doubles (459 KB, within a core's L2).
constexpr index_t kFourLanesMax = 2048;

template <class T>
void move_pair_row(MoveStat stat, Strided<const T> x, Strided<const T> y, Strided<T> out,
                   index_t window, index_t min_count, index_t ddof, index_t begin, index_t end) {
    // Two lanes where four would idle (outputs in one or two tiles: a call
    // on n = 100, w = 50) or where the suffix sums of four would outgrow the
    // caches (and memory: 7 x 4 doubles per window element per thread).
    const index_t tiles = (end - 1) / window - begin / window + 1;
    const bool two_lanes = tiles <= 2 || window > kFourLanesMax;
    // pair_tiles' suffix sums: kSums x (window + 1) vectors, 32-byte aligned
    // by hand: outside AVX code a 32-byte vector type is aligned to 16 only
    // (its allocations too), while the AVX copies move it with aligned loads.
    thread_local std::vector<double> store;
    store.resize(static_cast<std::size_t>(kSums * (window + 1) * (two_lanes ? 2 : 4) + 4));
    const auto suf = (reinterpret_cast<std::uintptr_t>(store.data()) + 31) & ~std::uintptr_t{31};
    auto row = [&](auto corr, auto n) {
        constexpr int N = decltype(n)::value;
        pair_row<decltype(corr)::value, N>(x, y, out, window, min_count, ddof, begin, end,
                                           reinterpret_cast<LaneVec<N>*>(suf));
    };
    auto at_level = [&](auto corr) {
        dispatch_split(
            [&] {
                if (two_lanes)
                    row(corr, std::integral_constant<int, 2>{});
                else
                    row(corr, std::integral_constant<int, 4>{});
            },
            [&] { row(corr, std::integral_constant<int, 2>{}); });
    };
    if (stat == MoveStat::corr)
        at_level(std::true_type{});
    else
        at_level(std::false_type{});
    // Kept for the next row only while small: a huge window's buffer is not
    // held for the thread's (the pool's) life.
    constexpr std::size_t kKeep = kSums * (kFourLanesMax + 1) * 4 + 4;  // four lanes' largest
    if (store.capacity() > kKeep) store = {};
}

template void move_pair_row<double>(MoveStat, Strided<const double>, Strided<const double>,
                                    Strided<double>, index_t, index_t, index_t, index_t, index_t);
template void move_pair_row<float>(MoveStat, Strided<const float>, Strided<const float>,
                                   Strided<float>, index_t, index_t, index_t, index_t, index_t);

}  // namespace fastcpp::detail
