// move_cov and move_corr: moving covariance and correlation of two series.
//
// Algorithm: a window is a suffix of one tile of `window` elements plus a
// prefix of the next (van Herk 1992; Gil & Werman 1993), as for move_var: no
// running sums, so nothing drifts and a huge value or an inf leaves no trace
// once outside the window. Each part's sums (pairwise count n, Σdx, Σdy, Σdx²,
// Σdy², Σdxdy) are taken with d = value − shift, the shift being a pair of
// that part itself ("shifted data", Chan, Golub & LeVeque 1983): the suffix
// sums use the tile's last finite pair, the prefix sums the next tile's first,
// so every non-empty part contains its shift and its centred sums lose at
// most ~n·eps to cancellation. (One shift per tile would not do: an outlier
// shift ruins the windows that do not hold it, e.g. 1e20 then 1, 2, 3.) The
// two parts' centred sums are then merged by Chan, Golub & LeVeque's pairwise
// formula. A position counts only where both values are non-NaN (pandas'
// pairwise rule); a window holding a ±inf pair gives NaN.
#include <cmath>
#include <limits>
#include <vector>

#include "rolling_kernels.hpp"

namespace fastcpp::detail {

namespace {

/// The sums of one stretch of pairs.
struct PairSums {
    double n = 0, inf = 0, x = 0, y = 0, xx = 0, yy = 0, xy = 0;

    void add(double a, double b, double cx, double cy) {
        if (std::isnan(a) || std::isnan(b)) return;
        n += 1;
        if (!std::isfinite(a) || !std::isfinite(b)) {
            inf += 1;
            return;
        }
        const double dx = a - cx, dy = b - cy;
        x += dx;
        y += dy;
        xx += dx * dx;
        yy += dy * dy;
        xy += dx * dy;
    }
};

/// A part's count, means (as offsets from its shift cx, cy: absolute means
/// of data far from 0 would lose the digits the shift keeps) and centred sums
/// (of squares and of products).
struct PairMoments {
    double n = 0, inf = 0, cx = 0, cy = 0, mx = 0, my = 0, cxx = 0, cyy = 0, cxy = 0;
};

/// The moments of a part whose sums were shifted by (cx, cy).
PairMoments moments(const PairSums& s, double cx, double cy) {
    const double m = s.n - s.inf;
    if (m <= 0) return {s.n, s.inf, cx, cy};
    const double mx = s.x / m, my = s.y / m;
    return {s.n, s.inf, cx, cy, mx, my, s.xx - s.x * mx, s.yy - s.y * my, s.xy - s.x * my};
}

/// Two disjoint parts' moments merged (Chan, Golub & LeVeque 1983); the
/// merged means are not kept (nothing merges a third part).
PairMoments merge(const PairMoments& a, const PairMoments& b) {
    const double na = a.n - a.inf, nb = b.n - b.inf;
    PairMoments r = na <= 0 ? b : a;
    r.n = a.n + b.n;
    r.inf = a.inf + b.inf;
    if (na <= 0 || nb <= 0) return r;
    // the difference of the means: shifts' difference + offsets' difference
    const double dx = (b.cx - a.cx) + (b.mx - a.mx), dy = (b.cy - a.cy) + (b.my - a.my);
    const double f = na * nb / (na + nb);
    r.cxx = a.cxx + b.cxx + dx * dx * f;
    r.cyy = a.cyy + b.cyy + dy * dy * f;
    r.cxy = a.cxy + b.cxy + dx * dy * f;
    return r;
}

/// cov (divisor n − ddof) or corr of a window's moments.
double pair_result(MoveStat stat, const PairMoments& s, index_t min_count, index_t ddof) {
    constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    if (s.n < static_cast<double>(min_count) || s.inf > 0) return nan;
    if (stat == MoveStat::cov) {
        const double div = s.n - static_cast<double>(ddof);
        return div > 0 ? s.cxy / div : nan;
    }
    if (!(s.cxx > 0) || !(s.cyy > 0)) return nan;
    const double r = s.cxy / std::sqrt(s.cxx * s.cyy);
    return r > 1 ? 1.0 : (r < -1 ? -1.0 : r);
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

}  // namespace

template <class T>
void move_pair_row(MoveStat stat, Strided<const T> x, Strided<const T> y, Strided<T> out,
                   index_t window, index_t min_count, index_t ddof, index_t begin, index_t end) {
    const index_t w = window;
    thread_local std::vector<PairSums> suffix_buffer;
    suffix_buffer.resize(static_cast<std::size_t>(w));
    PairSums* const suffix = suffix_buffer.data();  // one TLS lookup, not one per use
    for (index_t t = begin / w; t * w < end; ++t) {
        const index_t lo = t * w, hi = std::min(lo + w, x.size);
        double sx = 0, sy = 0, px = 0, py = 0;  // suffix and prefix shifts
        if (t > 0) {  // suffix sums of the previous tile: suffix[k] covers [lo - w + k, lo)
            shifts(x, y, lo - w, lo, true, sx, sy);
            PairSums acc;
            for (index_t k = w - 1; k >= 0; --k) {
                acc.add(x[lo - w + k], y[lo - w + k], sx, sy);
                suffix[k] = acc;
            }
        }
        shifts(x, y, lo, hi, false, px, py);
        PairSums prefix;
        for (index_t i = lo; i < std::min(hi, end); ++i) {
            prefix.add(x[i], y[i], px, py);
            if (i < begin) continue;
            const index_t start = i - w + 1;  // window [start, i]
            PairMoments s = moments(prefix, px, py);
            if (start != lo && t != 0) s = merge(moments(suffix[start - (lo - w)], sx, sy), s);
            out[i] = static_cast<T>(pair_result(stat, s, min_count, ddof));
        }
    }
    // Kept for the next row only while small: a huge window's buffer is not
    // held for the thread's (the pool's) life.
    constexpr std::size_t kKeep = (64 << 10) / sizeof(PairSums);
    if (suffix_buffer.capacity() > kKeep) std::vector<PairSums>().swap(suffix_buffer);
}

template void move_pair_row<double>(MoveStat, Strided<const double>, Strided<const double>,
                                    Strided<double>, index_t, index_t, index_t, index_t, index_t);
template void move_pair_row<float>(MoveStat, Strided<const float>, Strided<const float>,
                                   Strided<float>, index_t, index_t, index_t, index_t, index_t);

}  // namespace fastcpp::detail
