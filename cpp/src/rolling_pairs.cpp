// move_cov and move_corr: moving covariance and correlation of two series.
//
// Algorithm: the sums a window needs (pairwise count n, Σdx, Σdy, Σdx²,
// Σdy², Σdxdy with d = value − shift) are a suffix sum over one tile of
// `window` elements plus a prefix sum over the next (van Herk 1992; Gil &
// Werman 1993), as for move_var: no running sums, so nothing drifts and a
// huge value or an inf leaves no trace once outside the window. The shifts
// are values of the data next to the window ("shifted data", Chan, Golub &
// LeVeque 1983), so the cancellation in Σdxdy − ΣdxΣdy/n stays small for
// data far from 0. A position counts only where both values are non-NaN
// (pandas' pairwise rule); a window holding a ±inf pair gives NaN.
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
    PairSums operator+(const PairSums& o) const {
        return {n + o.n, inf + o.inf, x + o.x, y + o.y, xx + o.xx, yy + o.yy, xy + o.xy};
    }
};

/// cov (divisor n − ddof) or corr of a window's sums.
double pair_result(MoveStat stat, const PairSums& s, index_t min_count, index_t ddof) {
    constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    if (s.n < static_cast<double>(min_count) || s.inf > 0) return nan;
    const double m = s.n;
    const double cxy = s.xy - s.x * s.y / m;
    if (stat == MoveStat::cov) {
        const double div = m - static_cast<double>(ddof);
        return div > 0 ? cxy / div : nan;
    }
    const double cxx = s.xx - s.x * s.x / m, cyy = s.yy - s.y * s.y / m;
    if (!(cxx > 0) || !(cyy > 0)) return nan;
    const double r = cxy / std::sqrt(cxx * cyy);
    return r > 1 ? 1.0 : (r < -1 ? -1.0 : r);
}

/// A finite pair of the tile [lo, hi) to shift by (0, 0 if none).
template <class T>
void shifts(Strided<const T> x, Strided<const T> y, index_t lo, index_t hi, double& cx,
            double& cy) {
    for (index_t i = lo; i < hi; ++i) {
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
        double cx = 0, cy = 0;
        // The shift comes from the tile before (the windows' older part) if
        // any, so suffix and prefix sums share it.
        shifts(x, y, t > 0 ? lo - w : lo, hi, cx, cy);
        if (t > 0) {  // suffix sums of the previous tile: suffix[k] covers [lo - w + k, lo)
            PairSums acc;
            for (index_t k = w - 1; k >= 0; --k) {
                acc.add(x[lo - w + k], y[lo - w + k], cx, cy);
                suffix[k] = acc;
            }
        }
        PairSums prefix;
        for (index_t i = lo; i < std::min(hi, end); ++i) {
            prefix.add(x[i], y[i], cx, cy);
            if (i < begin) continue;
            const index_t start = i - w + 1;  // window [start, i]
            const PairSums s = (start == lo || t == 0) ? prefix : prefix + suffix[start - (lo - w)];
            out[i] = static_cast<T>(pair_result(stat, s, min_count, ddof));
        }
    }
}

template void move_pair_row<double>(MoveStat, Strided<const double>, Strided<const double>,
                                    Strided<double>, index_t, index_t, index_t, index_t, index_t);
template void move_pair_row<float>(MoveStat, Strided<const float>, Strided<const float>,
                                   Strided<float>, index_t, index_t, index_t, index_t, index_t);

}  // namespace fastcpp::detail
