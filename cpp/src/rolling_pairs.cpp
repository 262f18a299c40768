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
// Vectorisation: the two scans (a tile's suffix sums, the next tile's prefix
// sums) are sequential and branch-free, stored structure-of-arrays; the
// merge, where the divisions and the square root are, is then independent
// per output and runs over consecutive outputs in the lanes of a vector (8
// doubles at x86-64-v4, 4 at v3, 2 below), with one division for the three
// reciprocals a merge needs.

// No FMA contraction: every SIMD level rounds alike (before the includes, so
// that the per-level wrappers of detail/dispatch.hpp get the same option).
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "fastcpp/detail/simd.hpp"
#include "rolling_kernels.hpp"

namespace fastcpp::detail {

namespace {

/// The sums of the parts ending (suffix) or starting (prefix) at each place
/// of a tile, structure of arrays: pairwise non-NaN count, finite count, and
/// the shifted sums.
enum Sum : int { kN, kM, kX, kY, kXX, kYY, kXY, kSums };
/// The results of a tile (PairScan of the prefix).
constexpr int kRes = kSums;

struct PairScan {
    std::vector<double> store;
    double* at[kSums + 1] = {};  // + the results (kRes)
    index_t cap = 0;

    /// Room for `size` places, zeros.
    void reserve(index_t size) {
        cap = size;
        store.assign(static_cast<std::size_t>(cap * (kSums + 1)), 0.0);
        for (int s = 0; s <= kSums; ++s) at[s] = store.data() + s * cap;
    }
};

/// The arrays of a PairScan, as local pointers (the scan itself is
/// thread_local: every access to it would be a TLS look-up).
struct Places {
    double* at[kSums + 1];
};

/// Adds one pair's counts (n: non-NaN, m: finite) and shifted values to the
/// running sums r and stores them at place k.
[[gnu::always_inline]] inline void add_pair(double (&r)[kSums], double n, double m, double dx,
                                            double dy, const Places& s, index_t k) noexcept {
    r[kN] += n;
    r[kM] += m;
    r[kX] += dx;
    r[kY] += dy;
    r[kXX] += dx * dx;
    r[kYY] += dy * dy;
    r[kXY] += dx * dy;
#pragma GCC unroll 8
    for (int q = 0; q < kSums; ++q) s.at[q][k] = r[q];
}

/// Accumulates pair (a, b) shifted by (cx, cy) into the running sums r and
/// stores them at place k. Branch-free: a NaN pair adds nothing, an inf pair
/// only to the count n.
[[gnu::always_inline]] inline void scan_step(double (&r)[kSums], double a, double b, double cx,
                                             double cy, const Places& s, index_t k) noexcept {
    constexpr double inf = std::numeric_limits<double>::infinity();
    const bool valid = a == a && b == b;
    const bool finite = std::abs(a) < inf && std::abs(b) < inf;
    add_pair(r, valid ? 1.0 : 0.0, finite ? 1.0 : 0.0, finite ? a - cx : 0.0, finite ? b - cy : 0.0,
             s, k);
}

/// scan_step for a pair taken to be finite: no tests. Checked once after
/// the scan: a non-finite pair leaves Σdxdy non-finite for good (inf·0 and
/// NaN·anything are NaN, ±inf stays ±inf or turns NaN).
[[gnu::always_inline]] inline void scan_step_finite(double (&r)[kSums], double a, double b,
                                                    double cx, double cy, const Places& s,
                                                    index_t k) noexcept {
    add_pair(r, 1.0, 1.0, a - cx, b - cy, s, k);
}

/// Sums of the pairs of [lo, lo + len) shifted by (cx, cy) into places
/// [0, len): of the prefix [lo, lo + k] at place k, or if `backward` of the
/// suffix [lo + k, lo + len). `fast`: try the test-free steps first (kept
/// while tiles are all finite; a tile that is not is scanned again).
template <class T>
void scan(Strided<const T> x, Strided<const T> y, index_t lo, index_t len, bool backward, double cx,
          double cy, const Places& s, bool& fast) {
    auto run = [&](auto step) {
        double r[kSums] = {};
        if (backward)
            for (index_t k = len - 1; k >= 0; --k) step(r, x[lo + k], y[lo + k], cx, cy, s, k);
        else
            for (index_t k = 0; k < len; ++k) step(r, x[lo + k], y[lo + k], cx, cy, s, k);
        return r[kM] == static_cast<double>(len) && std::isfinite(r[kXY]);
    };
    if (fast && run(scan_step_finite)) return;
    fast = run(scan_step);  // all finite: try the fast steps again next time
}

/// The first (last if `backward`) finite pair of [lo, hi), to shift by
/// (0, 0 if none).
template <class T>
void shifts(Strided<const T> x, Strided<const T> y, index_t lo, index_t hi, bool backward,
            double& cx, double& cy) {
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

/// Outputs [k0, k1) of a tile into res[k0, k1): output k merges suffix place
/// k + 1 (shift sx, sy) with prefix place k (shift px, py). Branch-free, one
/// output per lane (`omp simd`: vectorised at every level without -O3).
template <bool Corr>
FASTCPP_KERNEL void merge_parts(const Places& suf, const Places& pre, double sx, double sy,
                                double px, double py, index_t min_count, index_t ddof, double* res,
                                index_t k0, index_t k1) {
    const double* an = suf.at[kN] + 1;
    const double* am = suf.at[kM] + 1;
    const double* ax = suf.at[kX] + 1;
    const double* ay = suf.at[kY] + 1;
    const double* axx = suf.at[kXX] + 1;
    const double* ayy = suf.at[kYY] + 1;
    const double* axy = suf.at[kXY] + 1;
    const double* bn = pre.at[kN];
    const double* bm = pre.at[kM];
    const double* bx = pre.at[kX];
    const double* by = pre.at[kY];
    const double* bxx = pre.at[kXX];
    const double* byy = pre.at[kYY];
    const double* bxy = pre.at[kXY];
    const double dcx = px - sx, dcy = py - sy;
    const auto minc = static_cast<double>(min_count), dd = static_cast<double>(ddof);
#pragma omp simd
    for (index_t k = k0; k < k1; ++k) {
        const double na = am[k], nb = bm[k];  // finite pairs
        // 1/na, 1/nb and na·nb/(na + nb) from one division (an empty part
        // counts as 1 there: its sums are 0, and f is 0 by the true counts).
        const double ua = na > 0 ? na : 1.0, ub = nb > 0 ? nb : 1.0;
        const double inv = 1.0 / (ua * ub * (ua + ub));
        const double ia = ub * (ua + ub) * inv, ib = ua * (ua + ub) * inv;
        const double f = na * nb * (na * nb) * inv;
        const double mxa = ax[k] * ia, mya = ay[k] * ia, mxb = bx[k] * ib, myb = by[k] * ib;
        // the difference of the means: shifts' difference + offsets' difference
        const double dx = dcx + (mxb - mxa), dy = dcy + (myb - mya);
        const double cxy =
            (axy[k] - ax[k] * mya) + (bxy[k] - bx[k] * myb) + (f > 0 ? dx * dy * f : 0.0);
        const double n = an[k] + bn[k];  // non-NaN pairs
        // too few pairs, or a window holding an inf pair: NaN
        const bool bad = (n < minc) | (n > na + nb);  // `|`: no branch
        double r;
        if constexpr (Corr) {
            const double cxx =
                (axx[k] - ax[k] * mxa) + (bxx[k] - bx[k] * mxb) + (f > 0 ? dx * dx * f : 0.0);
            const double cyy =
                (ayy[k] - ay[k] * mya) + (byy[k] - by[k] * myb) + (f > 0 ? dy * dy * f : 0.0);
            r = cxy / std::sqrt(cxx * cyy);
            r = std::min(std::max(r, -1.0), 1.0);  // (NaN stays NaN: masked below)
            r = (cxx > 0) & (cyy > 0) ? r : kNaN;
        } else {
            const double div = n - dd;
            r = div > 0 ? cxy / div : kNaN;
        }
        res[k] = bad ? kNaN : r;
    }
}

}  // namespace

template <class T>
void move_pair_row(MoveStat stat, Strided<const T> x, Strided<const T> y, Strided<T> out,
                   index_t window, index_t min_count, index_t ddof, index_t begin, index_t end) {
    const index_t w = window;
    thread_local PairScan suffix_scan, prefix_scan;
    suffix_scan.reserve(w + 1);  // zeros: place w is the empty suffix
    prefix_scan.reserve(w);
    Places suf, pre;
    std::copy_n(suffix_scan.at, kSums + 1, suf.at);
    std::copy_n(prefix_scan.at, kSums + 1, pre.at);
    bool fast = true;
    for (index_t t = begin / w; t * w < end; ++t) {
        const index_t lo = t * w, hi = std::min(lo + w, x.size);
        double sx = 0, sy = 0, px = 0, py = 0;  // suffix and prefix shifts
        if (t > 0) {  // suffix sums of the previous tile: place k covers [lo - w + k, lo)
            shifts(x, y, lo - w, lo, true, sx, sy);
            scan(x, y, lo - w, w, true, sx, sy, suf, fast);
        }
        shifts(x, y, lo, hi, false, px, py);
        const index_t last = std::min(hi, end);
        scan(x, y, lo, last - lo, false, px, py, pre, fast);
        const index_t k0 = std::max(begin, lo) - lo, k1 = last - lo;
        double* const res = pre.at[kRes];
        if (stat == MoveStat::corr)
            dispatch(
                [&] { merge_parts<true>(suf, pre, sx, sy, px, py, min_count, ddof, res, k0, k1); });
        else
            dispatch([&] {
                merge_parts<false>(suf, pre, sx, sy, px, py, min_count, ddof, res, k0, k1);
            });
        for (index_t k = k0; k < k1; ++k) out[lo + k] = static_cast<T>(res[k]);
    }
    // Kept for the next row only while small: a huge window's buffers are
    // not held for the thread's (the pool's) life.
    constexpr std::size_t kKeep = (64 << 10) / sizeof(double);
    for (PairScan* s : {&suffix_scan, &prefix_scan})
        if (s->store.capacity() > kKeep) *s = PairScan();
}

template void move_pair_row<double>(MoveStat, Strided<const double>, Strided<const double>,
                                    Strided<double>, index_t, index_t, index_t, index_t, index_t);
template void move_pair_row<float>(MoveStat, Strided<const float>, Strided<const float>,
                                   Strided<float>, index_t, index_t, index_t, index_t, index_t);

}  // namespace fastcpp::detail
