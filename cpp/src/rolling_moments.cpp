// Moving sums and moments: move_sum, move_mean, move_var, move_std and the
// seed's rolling_mean_std.
//
// Running compensated sums (Neumaier 1974; TwoSum for the in-out difference,
// Knuth TAOCP 4.2.2) of the finite values, with NaN, +inf and -inf counted
// apart: an inf gives the IEEE answer while inside the window and leaves no
// trace. Variance uses sums of d = x - shift and d² ("shifted data", Chan,
// Golub & LeVeque 1983); when the window's level has moved far from the shift
// the sums are rebuilt around the window value nearest its mean. The running
// state is rebuilt from scratch at fixed multiples of reset_block(window)
// along each row, which bounds drift and makes every output a function of the
// data alone, bit for bit, whatever the split of the row over threads.
//
// Each step updates the state (one serial dependency chain) and records a
// snapshot; the divisions/square roots that turn snapshots into results run
// afterwards over blocks of kSub outputs, where they vectorise.
// No FMA contraction here: the compiler may contract a*b - c differently in
// vector and scalar copies of one loop, and then an output would depend on
// where a thread's chunk ends. (Measured: no speed difference.)
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif
#include <algorithm>
#include <cmath>

#include "fastcpp/detail/simd.hpp"
#include "rolling_kernels.hpp"

namespace fastcpp::detail {
namespace {

// The per-step state updates must inline into the cloned kernels.
#define FASTCPP_HOT [[gnu::always_inline]]

index_t reset_block(index_t window) noexcept { return std::max<index_t>(4 * window, 4096); }

constexpr index_t kSub = 256;  ///< outputs finished together

/// Neumaier-compensated sum of finite values.
struct Comp {
    double hi = 0, lo = 0;
    FASTCPP_HOT void add(double x) noexcept {
        const double t = hi + x;
        lo += std::fabs(hi) >= std::fabs(x) ? (hi - t) + x : (x - t) + hi;
        hi = t;
    }
    /// Adds a - b keeping the rounding error of the difference (TwoSum).
    FASTCPP_HOT void add_diff(double a, double b) noexcept {
        const double d = a - b;
        const double bb = d - a;
        const double e = (a - (d - bb)) + (-b - bb);
        add(d);
        lo += e;
    }
    FASTCPP_HOT [[nodiscard]] double value() const noexcept { return std::isfinite(hi) ? hi + lo : hi; }
};

/// Snapshots of kSub consecutive states.
struct Buf {
    double s1[kSub], s2[kSub], n[kSub], shift[kSub];
};

/// Window counts: non-NaN n, and the infinities among them.
struct Counts {
    index_t n = 0, pinf = 0, ninf = 0;
    FASTCPP_HOT bool add(double x) noexcept {
        if (std::isfinite(x)) return ++n, true;
        if (x == x) ++n, (x > 0 ? ++pinf : ++ninf);
        return false;
    }
    FASTCPP_HOT bool remove(double x) noexcept {
        if (std::isfinite(x)) return --n, true;
        if (x == x) --n, (x > 0 ? --pinf : --ninf);
        return false;
    }
    FASTCPP_HOT [[nodiscard]] index_t finite() const noexcept { return n - pinf - ninf; }
    /// The sum of the window when it holds an inf: ±inf, NaN for both signs.
    FASTCPP_HOT [[nodiscard]] double inf_sum() const noexcept {
        return pinf && ninf ? kNaN : (pinf ? INFINITY : -INFINITY);
    }
};

/// sum, mean.
struct SumState {
    Counts c;
    Comp s;
    FASTCPP_HOT void add(double x) noexcept {
        if (c.add(x)) s.add(x);
    }
    FASTCPP_HOT void remove(double x) noexcept {
        if (c.remove(x)) {
            s.add(-x);
            if (c.finite() == 0) s = Comp{};  // exact restart
        }
    }
    FASTCPP_HOT void replace(double out, double in) noexcept {
        if (std::isfinite(out) && std::isfinite(in) && c.finite() > 1) {
            s.add_diff(in, out);
        } else {
            remove(out);
            add(in);
        }
    }
    template <class T>
    FASTCPP_HOT void refresh_if_needed(Strided<const T>, index_t, index_t) noexcept {}
    FASTCPP_HOT void snap(Buf& b, index_t k) const noexcept {
        const auto u = static_cast<std::size_t>(k);
        b.s1[u] = c.pinf || c.ninf ? c.inf_sum() : s.value();
        b.n[u] = static_cast<double>(c.n);
    }
};

/// var, std, mean+std.
struct VarState {
    Counts c;
    Comp s1, s2;
    double shift = 0;
    bool has_shift = false;
    FASTCPP_HOT void add(double x) noexcept {
        if (!c.add(x)) return;
        if (!has_shift) shift = x, has_shift = true;
        const double d = x - shift;
        s1.add(d);
        s2.add(d * d);
    }
    FASTCPP_HOT void remove(double x) noexcept {
        if (!c.remove(x)) return;
        const double d = x - shift;
        s1.add(-d);
        s2.add(-(d * d));
        if (c.finite() == 0) {  // exact restart, new shift
            const Counts keep = c;
            *this = VarState{};
            c = keep;
        }
    }
    FASTCPP_HOT void replace(double out, double in) noexcept {
        if (std::isfinite(out) && std::isfinite(in) && c.finite() > 1) {
            const double dn = in - shift, d_o = out - shift;
            s1.add_diff(dn, d_o);
            s2.add_diff(dn * dn, d_o * d_o);
        } else {
            remove(out);
            add(in);
        }
    }
    /// Rebuilds the sums from the window x[lo, hi) around the value nearest
    /// its mean when n·(mean − shift)² exceeds 1e4 times the sum of squared
    /// deviations (the variance would lose more than ~4 digits).
    template <class T>
    FASTCPP_HOT void refresh_if_needed(Strided<const T> x, index_t lo, index_t hi) noexcept {
        const index_t nf = c.finite();
        if (nf < 2) return;
        const double m = s1.value(), q2 = s2.value(), nd = static_cast<double>(nf);
        if (!(m * m * (1.0 + 1e4) > 1e4 * q2 * nd)) return;
        const double mean = shift + m / nd;
        double best = shift, dist = INFINITY;
        for (index_t j = lo; j < hi; ++j) {
            const double v = static_cast<double>(x[j]);
            if (std::isfinite(v) && std::fabs(v - mean) < dist) dist = std::fabs(v - mean), best = v;
        }
        shift = best;
        s1 = Comp{};
        s2 = Comp{};
        for (index_t j = lo; j < hi; ++j) {
            const double v = static_cast<double>(x[j]);
            if (std::isfinite(v)) {
                const double d = v - shift;
                s1.add(d);
                s2.add(d * d);
            }
        }
    }
    FASTCPP_HOT void snap(Buf& b, index_t k) const noexcept {
        const auto u = static_cast<std::size_t>(k);
        const bool inf = c.pinf || c.ninf;
        b.s1[u] = inf ? c.inf_sum() : s1.value();
        b.s2[u] = inf ? kNaN : s2.value();
        b.n[u] = static_cast<double>(c.n);
        b.shift[u] = shift;
    }
};

/// Runs State over the elements [begin, end) of one row and hands snapshots
/// to finish(buf, count, first_index) in groups of at most kSub.
template <class State, class T, class Finish>
[[gnu::always_inline]] inline void run_blocked(Strided<const T> x, index_t window,
                                               index_t begin, index_t end,
                                               Finish&& finish) {
    const index_t block = reset_block(window);
    Buf buf{};
    for (index_t b0 = begin / block * block; b0 < end; b0 += block) {
        const index_t b1 = std::min(b0 + block, end);
        const index_t ws = std::max<index_t>(0, b0 - (window - 1));
        State st{};
        for (index_t i = ws; i < b0; ++i) st.add(static_cast<double>(x[i]));
        index_t k = 0, first = std::max(b0, begin);
        // The refresh test runs at every element of the block, written or not,
        // so the state at i never depends on where the caller's chunk begins.
        auto step_done = [&](index_t i) {
            st.refresh_if_needed(x, std::max<index_t>(0, i - window + 1), i + 1);
            if (i < begin) return;
            st.snap(buf, k);
            if (++k == kSub) {
                finish(buf, k, first);
                first += k;
                k = 0;
            }
        };
        index_t i = b0;
        for (; i < b1 && i - window < ws; ++i) {  // filling
            st.add(static_cast<double>(x[i]));
            step_done(i);
        }
        for (; i < b1; ++i) {  // steady state: one out, one in
            st.replace(static_cast<double>(x[i - window]), static_cast<double>(x[i]));
            step_done(i);
        }
        if (k) finish(buf, k, first);
    }
}

/// Writes r[0, k) to y[first, first + k).
template <class T>
[[gnu::always_inline]] inline void store(Strided<T> y, index_t first, const double* r,
                                         index_t k) noexcept {
    if (y.stride == 1) {
        T* p = y.data + first;
        for (index_t j = 0; j < k; ++j) p[j] = static_cast<T>(r[j]);
    } else {
        for (index_t j = 0; j < k; ++j) y[first + j] = static_cast<T>(r[j]);
    }
}

/// Variance from a snapshot: NaN for count − ddof ≤ 0 or an inf in the window.
[[gnu::always_inline]] inline double var_of(double s1, double s2, double n,
                                            double ddof) noexcept {
    double m2 = std::max(s2 - s1 * (s1 / n), 0.0);
    m2 = n == 1.0 ? s2 - s2 : m2;  // exactly 0 (NaN stays NaN)
    return n - ddof > 0 ? m2 / (n - ddof) : kNaN;
}

template <MoveStat Stat, class T>
FASTCPP_CLONES void moments_kernel(Strided<const T> x, Strided<T> y, index_t window,
                                   index_t min_count, index_t ddof, index_t begin,
                                   index_t end) {
    const double minc = static_cast<double>(min_count), dd = static_cast<double>(ddof);
    double r[kSub];
    auto finish = [&](const Buf& b, index_t k, index_t first) {
        for (index_t j = 0; j < k; ++j) {
            const double n = b.n[j], s1 = b.s1[j];
            double v;
            if constexpr (Stat == MoveStat::sum) {
                v = s1;
            } else if constexpr (Stat == MoveStat::mean) {
                v = s1 / n;
            } else if constexpr (Stat == MoveStat::var) {
                v = var_of(s1, b.s2[j], n, dd);
            } else {
                v = std::sqrt(var_of(s1, b.s2[j], n, dd));
            }
            r[j] = n >= minc ? v : kNaN;
        }
        store(y, first, r, k);
    };
    if constexpr (Stat == MoveStat::sum || Stat == MoveStat::mean)
        run_blocked<SumState>(x, window, begin, end, finish);
    else
        run_blocked<VarState>(x, window, begin, end, finish);
}

#undef FASTCPP_HOT
}  // namespace

template <class T>
void move_moments_row(MoveStat stat, Strided<const T> x, Strided<T> y, index_t window,
                      index_t min_count, index_t ddof, index_t begin, index_t end) {
    switch (stat) {
        case MoveStat::sum:
            return moments_kernel<MoveStat::sum>(x, y, window, min_count, ddof, begin, end);
        case MoveStat::mean:
            return moments_kernel<MoveStat::mean>(x, y, window, min_count, ddof, begin, end);
        case MoveStat::var:
            return moments_kernel<MoveStat::var>(x, y, window, min_count, ddof, begin, end);
        default:
            return moments_kernel<MoveStat::std>(x, y, window, min_count, ddof, begin, end);
    }
}

namespace {

template <class T>
FASTCPP_CLONES void mean_std_kernel(Strided<const T> x, Strided<T> means, Strided<T> stds,
                                    index_t window, index_t begin, index_t end) {
    const double w = static_cast<double>(window);
    double rm[kSub], rs[kSub];
    // Output j is the window ending at element j + window - 1.
    auto finish = [&](const Buf& b, index_t k, index_t first) {
        for (index_t j = 0; j < k; ++j) {
            const double n = b.n[j];
            const bool full = n == w;
            const bool inf = b.s2[j] != b.s2[j];
            rm[j] = full ? (inf ? b.s1[j] : b.shift[j] + b.s1[j] / n) : kNaN;
            rs[j] = full ? std::sqrt(var_of(b.s1[j], b.s2[j], n, 0.0)) : kNaN;
        }
        store(means, first - (window - 1), rm, k);
        store(stds, first - (window - 1), rs, k);
    };
    run_blocked<VarState>(x, window, begin + window - 1, end + window - 1, finish);
}

}  // namespace

template <class T>
void rolling_mean_std_row(Strided<const T> x, Strided<T> means, Strided<T> stds,
                          index_t window, index_t begin, index_t end) {
    mean_std_kernel(x, means, stds, window, begin, end);
}

template void move_moments_row<double>(MoveStat, Strided<const double>, Strided<double>,
                                       index_t, index_t, index_t, index_t, index_t);
template void move_moments_row<float>(MoveStat, Strided<const float>, Strided<float>, index_t,
                                      index_t, index_t, index_t, index_t);
template void rolling_mean_std_row<double>(Strided<const double>, Strided<double>,
                                           Strided<double>, index_t, index_t, index_t);
template void rolling_mean_std_row<float>(Strided<const float>, Strided<float>, Strided<float>,
                                          index_t, index_t, index_t);

}  // namespace fastcpp::detail
