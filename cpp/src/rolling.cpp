// move_* family: argument checks, threading, and the moment (sum/mean/var/std)
// and min/max kernels. Order statistics are in rolling_order.cpp.
#include "fastcpp/rolling.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <vector>

#include "fastcpp/detail/checks.hpp"
#include "fastcpp/detail/parallel.hpp"
#include "fastcpp/detail/simd.hpp"
#include "fastcpp/detail/twosum.hpp"
#include "rolling_kernels.hpp"

namespace fastcpp {

const char* move_stat_name(MoveStat stat) noexcept {
    switch (stat) {
        case MoveStat::sum: return "move_sum";
        case MoveStat::mean: return "move_mean";
        case MoveStat::var: return "move_var";
        case MoveStat::std: return "move_std";
        case MoveStat::min: return "move_min";
        case MoveStat::max: return "move_max";
        case MoveStat::argmin: return "move_argmin";
        case MoveStat::argmax: return "move_argmax";
        case MoveStat::median: return "move_median";
        case MoveStat::rank: return "move_rank";
    }
    return "move_?";
}

namespace detail {
namespace {

/// Running state is rebuilt from scratch at multiples of this many elements
/// of a row: bounds drift, and makes the result of every element a function of
/// the data alone (not of where a thread's chunk starts).
index_t reset_block(index_t window) noexcept {
    return std::max<index_t>(4 * window, 4096);
}

/// Non-NaN count and ±inf counts of a window; finite values go elsewhere.
struct Counts {
    index_t n = 0, pinf = 0, ninf = 0;
    /// Counts x if not finite; returns true when x is finite.
    bool add(double x) noexcept {
        if (std::isfinite(x)) return ++n, true;
        if (x == x) ++n, (x > 0 ? ++pinf : ++ninf);
        return false;
    }
    bool remove(double x) noexcept {
        if (std::isfinite(x)) return --n, true;
        if (x == x) --n, (x > 0 ? --pinf : --ninf);
        return false;
    }
};

/// Compensated sum of the finite values (sum, mean).
struct SumOp {
    Counts c;
    KahanPair s;
    void reset() noexcept { *this = SumOp{}; }
    void add(double x) noexcept {
        if (c.add(x)) s.add(x);
    }
    void remove(double x) noexcept {
        if (c.remove(x)) {
            s.add(-x);
            if (c.n == c.pinf + c.ninf) s = KahanPair{};  // no finite value left: exact 0
        }
    }
    [[nodiscard]] double sum() const noexcept {
        if (c.pinf || c.ninf) return c.pinf && c.ninf ? kNaN : (c.pinf ? INFINITY : -INFINITY);
        return s.value();
    }
};

/// Compensated sums of d = x - shift and d² (var, std). The shift is the
/// first finite value after a reset, so d is of the size of the spread, not of
/// the level. When the window's level moves far from the shift (the mean
/// offset dominates the spread, so s2 - s1²/n would cancel), the sums are
/// rebuilt from the window around the window value nearest its mean.
struct VarOp {
    Counts c;
    KahanPair s1, s2;
    double shift = 0;
    bool has_shift = false;
    void reset() noexcept { *this = VarOp{}; }
    void add(double x) noexcept {
        if (!c.add(x)) return;
        if (!has_shift) shift = x, has_shift = true;
        const double d = x - shift;
        s1.add(d);
        s2.add(d * d);
    }
    void remove(double x) noexcept {
        if (!c.remove(x)) return;
        const double d = x - shift;
        s1.add(-d);
        s2.add(-(d * d));
        if (c.n == c.pinf + c.ninf) {  // no finite value left: restart exactly
            s1 = KahanPair{};
            s2 = KahanPair{};
            has_shift = false;
        }
    }
    [[nodiscard]] index_t finite() const noexcept { return c.n - c.pinf - c.ninf; }
    /// True when n·(mean − shift)² exceeds 1e4 times the sum of squared
    /// deviations: the variance would lose more than ~4 digits.
    [[nodiscard]] bool needs_refresh() const noexcept {
        const index_t nf = finite();
        if (nf < 2) return false;
        const double m = s1.value();
        const double q = m * (m / static_cast<double>(nf));
        return q > 1e4 * (s2.value() - q);
    }
    /// Rebuilds the sums from the window x[lo, hi).
    template <class T>
    void refresh(Strided<const T> x, index_t lo, index_t hi) noexcept {
        const double mean = shift + s1.value() / static_cast<double>(finite());
        double best = shift, dist = INFINITY;
        for (index_t j = lo; j < hi; ++j) {
            const double v = static_cast<double>(x[j]);
            if (std::isfinite(v) && std::fabs(v - mean) < dist) dist = std::fabs(v - mean), best = v;
        }
        shift = best;
        s1 = KahanPair{};
        s2 = KahanPair{};
        for (index_t j = lo; j < hi; ++j) {
            const double v = static_cast<double>(x[j]);
            if (std::isfinite(v)) {
                const double d = v - shift;
                s1.add(d);
                s2.add(d * d);
            }
        }
    }
    [[nodiscard]] double mean() const noexcept {
        if (c.pinf || c.ninf) return c.pinf && c.ninf ? kNaN : (c.pinf ? INFINITY : -INFINITY);
        return shift + s1.value() / static_cast<double>(c.n);
    }
    [[nodiscard]] double var(index_t ddof) const noexcept {
        if (c.pinf || c.ninf || c.n - ddof <= 0) return kNaN;
        if (c.n == 1) return 0.0;
        const double m = s1.value();
        const double m2 = std::max(s2.value() - m * (m / static_cast<double>(c.n)), 0.0);
        return m2 / static_cast<double>(c.n - ddof);
    }
};

/// Runs a running-state op over out[begin, end) of one row, rebuilding the
/// state at every multiple of reset_block(window). emit(i, op) writes out[i].
template <class Op, class T, class Emit>
void run_blocked(Strided<const T> x, index_t window, index_t begin, index_t end, Op& op,
                 Emit&& emit) {
    const index_t block = reset_block(window);
    // The refresh test runs at every element of a block, written or not, so
    // the state at i never depends on where the caller's chunk begins.
    auto out = [&](index_t i) {
        if constexpr (requires { op.needs_refresh(); })
            if (op.needs_refresh()) op.refresh(x, std::max<index_t>(0, i - window + 1), i + 1);
        if (i >= begin) emit(i, op);
    };
    for (index_t b0 = begin / block * block; b0 < end; b0 += block) {
        const index_t b1 = std::min(b0 + block, end);
        const index_t ws = std::max<index_t>(0, b0 - (window - 1));
        op.reset();
        for (index_t i = ws; i < b0; ++i) op.add(static_cast<double>(x[i]));
        index_t i = b0;
        // Filling: nothing leaves the window yet.
        for (; i < b1 && i - window < ws; ++i) {
            op.add(static_cast<double>(x[i]));
            out(i);
        }
        // Steady state: one in, one out.
        for (; i < b1; ++i) {
            // Out first: a window that empties restarts its sums exactly.
            op.remove(static_cast<double>(x[i - window]));
            op.add(static_cast<double>(x[i]));
            out(i);
        }
    }
}

template <class T>
FASTCPP_CLONES void moments_impl(MoveStat stat, Strided<const T> x, Strided<T> y,
                                 index_t window, index_t min_count, index_t ddof,
                                 index_t begin, index_t end) {
    auto put = [&](index_t i, double v) { y[i] = static_cast<T>(v); };
    switch (stat) {
        case MoveStat::sum: {
            SumOp op;
            run_blocked(x, window, begin, end, op, [&](index_t i, const SumOp& o) {
                put(i, o.c.n >= min_count ? o.sum() : kNaN);
            });
            break;
        }
        case MoveStat::mean: {
            SumOp op;
            run_blocked(x, window, begin, end, op, [&](index_t i, const SumOp& o) {
                put(i, o.c.n >= min_count ? o.sum() / static_cast<double>(o.c.n) : kNaN);
            });
            break;
        }
        case MoveStat::var: {
            VarOp op;
            run_blocked(x, window, begin, end, op, [&](index_t i, const VarOp& o) {
                put(i, o.c.n >= min_count ? o.var(ddof) : kNaN);
            });
            break;
        }
        default: {  // std
            VarOp op;
            run_blocked(x, window, begin, end, op, [&](index_t i, const VarOp& o) {
                put(i, o.c.n >= min_count ? std::sqrt(o.var(ddof)) : kNaN);
            });
            break;
        }
    }
}

}  // namespace

template <class T>
void move_moments_row(MoveStat stat, Strided<const T> x, Strided<T> y, index_t window,
                      index_t min_count, index_t ddof, index_t begin, index_t end) {
    moments_impl(stat, x, y, window, min_count, ddof, begin, end);
}

namespace {

/// Monotonic deque (Lemire 2006) over out[begin, end) of one row. Ties: the
/// newest equal value replaces older ones, so argmin/argmax report the newest.
template <bool IsMax, bool IsArg, class T>
void minmax_impl(Strided<const T> x, Strided<T> y, index_t window, index_t min_count,
                 index_t begin, index_t end) {
    const auto cap = std::bit_ceil(static_cast<std::uint64_t>(window) + 1);
    const index_t mask = static_cast<index_t>(cap) - 1;
    std::vector<index_t> qi(cap);
    std::vector<double> qv(cap);
    index_t head = 0, tail = 0, n = 0;
    const index_t ws = std::max<index_t>(0, begin - (window - 1));
    for (index_t i = ws; i < end; ++i) {
        if (i - window >= ws) {
            const double old = static_cast<double>(x[i - window]);
            if (old == old) --n;
            if (head < tail && qi[static_cast<std::size_t>(head & mask)] == i - window) ++head;
        }
        const double v = static_cast<double>(x[i]);
        if (v == v) {
            ++n;
            while (head < tail) {
                const double back = qv[static_cast<std::size_t>((tail - 1) & mask)];
                if (IsMax ? back <= v : back >= v)
                    --tail;
                else
                    break;
            }
            qi[static_cast<std::size_t>(tail & mask)] = i;
            qv[static_cast<std::size_t>(tail & mask)] = v;
            ++tail;
        }
        if (i >= begin) {
            double r = kNaN;
            if (n >= min_count) {
                const auto h = static_cast<std::size_t>(head & mask);
                r = IsArg ? static_cast<double>(i - qi[h]) : qv[h];
            }
            y[i] = static_cast<T>(r);
        }
    }
}

}  // namespace

template <class T>
void move_minmax_row(MoveStat stat, Strided<const T> x, Strided<T> y, index_t window,
                     index_t min_count, index_t begin, index_t end) {
    switch (stat) {
        case MoveStat::min: return minmax_impl<false, false>(x, y, window, min_count, begin, end);
        case MoveStat::max: return minmax_impl<true, false>(x, y, window, min_count, begin, end);
        case MoveStat::argmin:
            return minmax_impl<false, true>(x, y, window, min_count, begin, end);
        default: return minmax_impl<true, true>(x, y, window, min_count, begin, end);
    }
}

namespace {

/// Elements of work worth one thread start, per kind of statistic.
index_t grain_of(MoveStat stat) noexcept {
    switch (stat) {
        case MoveStat::median:
        case MoveStat::rank: return index_t{1} << 12;
        default: return index_t{1} << 15;
    }
}

template <class T, class U>
void check_rows(const char* func, const char* name, Rows<const T> a, Rows<U> out,
                index_t length) {
    require(out.count() == a.count() && out.length == length, func, name, " has ",
            out.count(), " rows of length ", out.length, ", expected ", a.count(),
            " rows of length ", length);
}

void check_window(const char* func, index_t window, index_t length) {
    require(window >= 1 && window <= length, func, "window (=", window,
            ") must be between 1 and the length along axis (=", length, ")");
}

}  // namespace
}  // namespace detail

template <std::floating_point T>
void move_stat(MoveStat stat, Rows<const T> a, Rows<T> out, index_t window,
               std::optional<index_t> min_count, index_t ddof) {
    const char* func = move_stat_name(stat);
    detail::check_window(func, window, a.length);
    const index_t minc = min_count.value_or(window);
    detail::require(minc >= 1 && minc <= window, func, "min_count (=", minc,
                    ") must be between 1 and window (=", window, ")");
    detail::check_rows(func, "out", a, out, a.length);
    detail::parallel_rows(
        a.count(), a.length, detail::grain_of(stat), [&](index_t r, index_t b, index_t e) {
            const auto x = a.row(r);
            const auto y = out.row(r);
            switch (stat) {
                case MoveStat::sum:
                case MoveStat::mean:
                case MoveStat::var:
                case MoveStat::std:
                    return detail::move_moments_row(stat, x, y, window, minc, ddof, b, e);
                case MoveStat::min:
                case MoveStat::max:
                case MoveStat::argmin:
                case MoveStat::argmax:
                    return detail::move_minmax_row(stat, x, y, window, minc, b, e);
                default: return detail::move_order_row(stat, x, y, window, minc, b, e);
            }
        });
}

namespace {

/// 'valid' sums of squares of one row: out[j] for windows ending at
/// j + window - 1, j in [begin, end). Compensated running sum, rebuilt at
/// fixed blocks; any NaN in a window gives NaN.
template <class T>
FASTCPP_CLONES void sum_squares_row(Strided<const T> x, Strided<T> y, index_t window,
                                    index_t begin, index_t end) {
    const index_t block = detail::reset_block(window);
    for (index_t b0 = begin / block * block; b0 < end; b0 += block) {
        const index_t b1 = std::min(b0 + block, end);
        detail::KahanPair s;
        index_t bad = 0, inf = 0;  // NaN and inf counts in the window
        auto add = [&](double v, double sign) {
            const double q = v * v;
            if (std::isfinite(q))
                s.add(sign * q);
            else if (q == q)
                inf += sign > 0 ? 1 : -1;
            else
                bad += sign > 0 ? 1 : -1;
        };
        for (index_t i = b0; i < b0 + window - 1; ++i) add(static_cast<double>(x[i]), 1.0);
        for (index_t j = b0; j < b1; ++j) {
            add(static_cast<double>(x[j + window - 1]), 1.0);
            if (j > b0) add(static_cast<double>(x[j - 1]), -1.0);
            if (j >= begin)
                y[j] = static_cast<T>(bad ? detail::kNaN : inf ? INFINITY : s.value());
        }
    }
}

}  // namespace

template <std::floating_point T>
void rolling_sum_squares(Rows<const T> a, Rows<T> out, index_t window) {
    const char* func = "rolling_sum_squares";
    detail::check_window(func, window, a.length);
    const index_t m = a.length - window + 1;
    detail::check_rows(func, "out", a, out, m);
    detail::parallel_rows(a.count(), m, index_t{1} << 15, [&](index_t r, index_t b, index_t e) {
        sum_squares_row(a.row(r), out.row(r), window, b, e);
    });
}

template <std::floating_point T>
void rolling_mean_std(Rows<const T> a, Rows<T> means, Rows<T> stds, index_t window) {
    const char* func = "rolling_mean_std";
    detail::check_window(func, window, a.length);
    const index_t m = a.length - window + 1;
    detail::check_rows(func, "means", a, means, m);
    detail::check_rows(func, "stds", a, stds, m);
    detail::parallel_rows(a.count(), m, index_t{1} << 15, [&](index_t r, index_t b, index_t e) {
        const auto x = a.row(r);
        const auto ym = means.row(r);
        const auto ys = stds.row(r);
        detail::VarOp op;
        // Output j is the window ending at element j + window - 1.
        detail::run_blocked(x, window, b + window - 1, e + window - 1, op,
                            [&](index_t i, const detail::VarOp& o) {
                                const index_t j = i - (window - 1);
                                const bool full = o.c.n == window;
                                ym[j] = static_cast<T>(full ? o.mean() : detail::kNaN);
                                ys[j] = static_cast<T>(full ? std::sqrt(o.var(0)) : detail::kNaN);
                            });
    });
}

#define FASTCPP_INSTANTIATE(T)                                                              \
    template void move_stat<T>(MoveStat, Rows<const T>, Rows<T>, index_t,                   \
                               std::optional<index_t>, index_t);                            \
    template void rolling_sum_squares<T>(Rows<const T>, Rows<T>, index_t);                  \
    template void rolling_mean_std<T>(Rows<const T>, Rows<T>, Rows<T>, index_t);            \
    template void detail::move_moments_row<T>(MoveStat, Strided<const T>, Strided<T>,       \
                                              index_t, index_t, index_t, index_t, index_t); \
    template void detail::move_minmax_row<T>(MoveStat, Strided<const T>, Strided<T>,        \
                                             index_t, index_t, index_t, index_t);
FASTCPP_INSTANTIATE(double)
FASTCPP_INSTANTIATE(float)
#undef FASTCPP_INSTANTIATE

}  // namespace fastcpp
