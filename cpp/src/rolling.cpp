// move_* family and seed forms: argument checks (before anything is written),
// threading over rows and chunks of rows, strided-row staging, and the
// min/max kernels. Sums and moments: rolling_tiles.cpp; median and rank:
// rolling_order.cpp.
#include "fastcpp/rolling.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <iterator>
#include <limits>
#include <stdexcept>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "fastcpp/detail/checks.hpp"
#include "fastcpp/detail/parallel.hpp"
#include "rolling_kernels.hpp"

namespace fastcpp {

namespace {

// ---------------------------------------------------------------------------
// The family table: one row per member, in MoveStat order. Adding a member is
// a kernel, a row here, a MoveStat enumerator (and its C++ named function in
// rolling.hpp), a reference function in the tests and a stub line.
// ---------------------------------------------------------------------------

constexpr index_t kLinearGrain = index_t{1} << 15;  // O(1) per element
constexpr index_t kOrderGrain = index_t{1} << 12;   // O(log window) per element
// cov/corr: seven sums and a merge with two divisions and a square root per
// output, ~5 ns (x86-64-v3) where move_mean takes 0.7: 2^15 elements were
// ~160 us of one thread's work before a helper joined (n = 10^4 lost to
// numbagg's one thread, 1.14x)
constexpr index_t kPairGrain = index_t{1} << 12;

constexpr MoveParam kDdof[] = {
    {"ddof", "0", ParamPlace::after_axis,
     "ddof : int\n"
     "    Delta degrees of freedom: the divisor is count - ddof. A window with\n"
     "    count - ddof <= 0 gives NaN (bottleneck gives inf or -0 there).\n"},
};

constexpr MoveParam kPairDdof[] = {
    {"ddof", "0", ParamPlace::keyword_only,
     "ddof : int\n"
     "    Delta degrees of freedom: the divisor is count - ddof (move_cov; pass\n"
     "    ddof=1 for pandas' and numbagg's values). count - ddof <= 0 gives NaN.\n"},
};

constexpr MoveParam kBias[] = {
    {"bias", "True", ParamPlace::keyword_only,
     "bias : bool\n"
     "    True (default): the biased estimator of scipy.stats (bias=True) and\n"
     "    Accumulator; False: the adjusted estimator of pandas' rolling().\n"},
};

constexpr MoveParam kQuantile[] = {
    {"q", "", ParamPlace::after_window,
     "q : float or 1-D sequence of float\n"
     "    Quantile(s) in [0, 1]. A sequence gives a result with a new leading\n"
     "    axis of len(q), one moving quantile per q.\n"},
    {"method", "'linear'", ParamPlace::keyword_only,
     "method : str\n"
     "    'linear' (default), 'lower', 'higher', 'nearest' or 'midpoint', as\n"
     "    numpy.quantile's method of the same name.\n"},
};

#define FASTCPP_HIGHER_NOTE                                                            \
    "\nStable: each window's central moments come from sums of d = x - c, d^2, d^3,\n" \
    "d^4 around a shift c taken from the neighbouring data, over fixed tiles of\n"     \
    "`window` elements (no running sums), so windows of 1e9 + small values are\n"      \
    "exact to ~1e-12 where pandas' raw power sums lose every digit. NaN values are\n"  \
    "skipped; a window holding +-inf, or whose variance is 0 (or lost to rounding,\n"  \
    "below 1e-14 of the mean square around c), gives NaN.\n"

#define FASTCPP_TILES_NOTE                                                             \
    "\nDifferences from bottleneck 1.6: +-inf inside a window gives the IEEE answer\n" \
    "and leaves no trace once it has left the window (bottleneck returns NaN for\n"    \
    "the rest of the row); float32 input keeps float64 state (no drift). There are\n"  \
    "no running sums: each window is the sum of a suffix and a prefix sum over\n"      \
    "fixed tiles of `window` elements, so nothing drifts, a huge value leaves no\n"    \
    "trace once outside the window, and windows that cancel exactly give 0 even\n"     \
    "after millions of steps. Results do not depend on the thread count.\n"

/// A member's row kernel: outputs [b, e) of one row (it reads the warm-up
/// before b itself). Adapters over the kernel files' entry points.
/// `x2` is the second input of a two-input member (cov, corr), else unused.
template <class T>
using RowKernel = void (*)(MoveStat, Strided<const T> x, Strided<const T> x2, Strided<T> y,
                           index_t window, index_t min_count, const MoveOptions&, index_t b,
                           index_t e);

template <class T>
void tiles_row(MoveStat s, Strided<const T> x, Strided<const T>, Strided<T> y, index_t w,
               index_t minc, const MoveOptions& o, index_t b, index_t e) {
    detail::move_tiles_row(s, x, y, w, minc, o.ddof, b, e);
}
template <class T>
void order_row(MoveStat s, Strided<const T> x, Strided<const T>, Strided<T> y, index_t w,
               index_t minc, const MoveOptions& o, index_t b, index_t e) {
    detail::move_order_row(s, x, y, w, minc, o, b, e);
}

template <class T>
void skew_row(MoveStat, Strided<const T> x, Strided<const T>, Strided<T> y, index_t w, index_t minc,
              const MoveOptions& o, index_t b, index_t e) {
    detail::move_skew_row(x, y, w, minc, o.bias, b, e);
}
template <class T>
void kurt_row(MoveStat, Strided<const T> x, Strided<const T>, Strided<T> y, index_t w, index_t minc,
              const MoveOptions& o, index_t b, index_t e) {
    detail::move_kurt_row(x, y, w, minc, o.bias, b, e);
}
template <class T>
void pair_row(MoveStat s, Strided<const T> x, Strided<const T> x2, Strided<T> y, index_t w,
              index_t minc, const MoveOptions& o, index_t b, index_t e) {
    detail::move_pair_row(s, x, x2, y, w, minc, o.ddof, b, e);
}

struct Kernel {
    RowKernel<double> f64;
    RowKernel<float> f32;
};
#define FASTCPP_KERNEL(fn) \
    Kernel { &fn<double>, &fn<float> }

/// A table row: the public description and the kernel.
struct Row {
    MoveMember member;
    Kernel kernel;
};

constexpr Row kRows[] = {
    {{MoveStat::sum,
      "move_sum",
      {},
      1,
      kLinearGrain,
      "Moving-window sum, NaN skipped. +inf/-inf in the window give +inf/-inf,\n"
      "both give NaN.\n" FASTCPP_TILES_NOTE},
     FASTCPP_KERNEL(tiles_row)},
    {{MoveStat::mean,
      "move_mean",
      {},
      1,
      kLinearGrain,
      "Moving-window mean of the non-NaN values. +inf/-inf in the window give\n"
      "+inf/-inf, both give NaN.\n" FASTCPP_TILES_NOTE},
     FASTCPP_KERNEL(tiles_row)},
    {{MoveStat::var, "move_var", kDdof, 1, kLinearGrain,
      "Moving-window variance of the non-NaN values (sums around a shift taken from\n"
      "the neighbouring data, float64 state). Any +-inf in the window gives "
      "NaN.\n" FASTCPP_TILES_NOTE},
     FASTCPP_KERNEL(tiles_row)},
    {{MoveStat::std, "move_std", kDdof, 1, kLinearGrain,
      "Moving-window standard deviation of the non-NaN values (float64 state). Any\n"
      "+-inf in the window gives NaN.\n" FASTCPP_TILES_NOTE},
     FASTCPP_KERNEL(tiles_row)},
    {{MoveStat::min,
      "move_min",
      {},
      1,
      kLinearGrain,
      "Moving-window minimum of the non-NaN values (monotonic deque, O(n)); +-inf\n"
      "are ordinary values.\n"},
     FASTCPP_KERNEL(tiles_row)},
    {{MoveStat::max,
      "move_max",
      {},
      1,
      kLinearGrain,
      "Moving-window maximum of the non-NaN values (monotonic deque, O(n)); +-inf\n"
      "are ordinary values.\n"},
     FASTCPP_KERNEL(tiles_row)},
    {{MoveStat::argmin,
      "move_argmin",
      {},
      1,
      kLinearGrain,
      "Position of the moving-window minimum counted back from the newest element\n"
      "(0 = the newest); among equal minima the newest wins. Returned as float\n"
      "(NaN where min_count is not met), as bottleneck. Where a window's only\n"
      "non-NaN values are +inf, it points at an inf; bottleneck points at a NaN.\n"},
     FASTCPP_KERNEL(tiles_row)},
    {{MoveStat::argmax,
      "move_argmax",
      {},
      1,
      kLinearGrain,
      "Position of the moving-window maximum counted back from the newest element\n"
      "(0 = the newest); among equal maxima the newest wins. Returned as float.\n"
      "Where a window's only non-NaN values are -inf, it points at an inf;\n"
      "bottleneck points at a NaN.\n"},
     FASTCPP_KERNEL(tiles_row)},
    {{MoveStat::median,
      "move_median",
      {},
      1,
      kOrderGrain,
      "Moving-window median of the non-NaN values (mean of the two middle values\n"
      "for an even count), O(n log window); +-inf are ordinary values.\n"},
     FASTCPP_KERNEL(order_row)},
    {{MoveStat::rank,
      "move_rank",
      {},
      1,
      kOrderGrain,
      "Rank of the newest element within its window, normalised to [-1, 1]\n"
      "(-1: smallest, 1: largest, ties share the average rank), as bottleneck:\n"
      "2 * ((below + (equal - 1) / 2) / (count - 1)) - 1 over the non-NaN values;\n"
      "0 when the window holds one value; NaN when the newest value is NaN.\n"
      "O(n log window) with a Fenwick tree (bottleneck's is O(n * window)).\n"},
     FASTCPP_KERNEL(order_row)},
    {{MoveStat::skew, "move_skew", kBias, 1, kLinearGrain,
      "Moving-window skewness of the non-NaN values. bias=True: g1 = m3 / m2**1.5 as\n"
      "scipy.stats.skew(bias=True) (NaN below 2 values); bias=False: pandas'\n"
      "rolling().skew(), G1 = g1 * sqrt(n (n - 1)) / (n - 2) (NaN below 3 "
      "values).\n" FASTCPP_HIGHER_NOTE},
     FASTCPP_KERNEL(skew_row)},
    {{MoveStat::kurt, "move_kurt", kBias, 1, kLinearGrain,
      "Moving-window excess kurtosis of the non-NaN values. bias=True: g2 = m4 /\n"
      "m2**2 - 3 as scipy.stats.kurtosis(bias=True) (NaN below 2 values);\n"
      "bias=False: pandas' rolling().kurt(), G2 = (n - 1) ((n + 1) g2 + 6) /\n"
      "((n - 2) (n - 3)) (NaN below 4 values).\n" FASTCPP_HIGHER_NOTE},
     FASTCPP_KERNEL(kurt_row)},
    {{MoveStat::quantile, "move_quantile", kQuantile, 1, kOrderGrain,
      "Moving-window quantile of the non-NaN values: equals\n"
      "numpy.nanquantile(window, q, method=method) on every window, in\n"
      "O(n log window) per row (a sorted window for windows up to 128, else a\n"
      "set of the ranks of sorted tiles); one pass serves every q of a list.\n"
      "move_median is q=0.5,\n"
      "'linear'. +-inf are ordinary values: where numpy's interpolation weighs an\n"
      "inf by 0 (a NaN there), the result is the other value; between -inf and\n"
      "+inf it is NaN.\n"},
     FASTCPP_KERNEL(order_row)},
    {{MoveStat::cov, "move_cov", kPairDdof, 2, kPairGrain,
      "Moving-window covariance of a and b (broadcast together): a position\n"
      "counts only where both are non-NaN (pandas' pairwise rule); divisor\n"
      "count - ddof (ddof=0 as move_var; pandas and numbagg use ddof=1). A window\n"
      "holding +-inf gives NaN.\n" FASTCPP_TILES_NOTE},
     FASTCPP_KERNEL(pair_row)},
    {{MoveStat::corr, "move_corr", kPairDdof, 2, kPairGrain,
      "Moving-window Pearson correlation of a and b (broadcast together): a\n"
      "position counts only where both are non-NaN (pandas' pairwise rule); NaN\n"
      "where either variance is 0 or the window holds +-inf; clipped to [-1, 1].\n"
      "ddof cancels out (accepted for symmetry with move_cov).\n" FASTCPP_TILES_NOTE},
     FASTCPP_KERNEL(pair_row)},
};
#undef FASTCPP_HIGHER_NOTE
#undef FASTCPP_TILES_NOTE
#undef FASTCPP_KERNEL

/// Rows in MoveStat order, so a member is found by index.
constexpr bool in_stat_order() {
    for (std::size_t i = 0; i < std::size(kRows); ++i)
        if (static_cast<std::size_t>(kRows[i].member.stat) != i) return false;
    return true;
}
static_assert(in_stat_order(), "kRows must follow the MoveStat order");

const Row& row_of(MoveStat stat) {
    const auto i = static_cast<std::size_t>(stat);
    detail::require(i < std::size(kRows), "move_stat", "stat (=", i,
                    ") is not a member of the move_* family");
    return kRows[i];
}

template <class T>
RowKernel<T> kernel_of(const Row& row) {
    if constexpr (std::is_same_v<T, double>)
        return row.kernel.f64;
    else
        return row.kernel.f32;
}

}  // namespace

std::span<const MoveMember> move_family() noexcept {
    // The public halves of the rows, contiguous (built on first use, so
    // callers from other static initialisers see it filled).
    static const auto members = [] {
        std::array<MoveMember, std::size(kRows)> m{};
        for (std::size_t i = 0; i < m.size(); ++i) m[i] = kRows[i].member;
        return m;
    }();
    return members;
}

const MoveMember& move_member(MoveStat stat) { return row_of(stat).member; }

const char* move_stat_name(MoveStat stat) { return move_member(stat).name; }

namespace detail {
namespace {

template <class T, class U>
void check_rows(const char* func, const char* name, Rows<const T> a, Rows<U> out, index_t length) {
    require(out.count() == a.count() && out.length == length, func, name, " has ", out.count(),
            " rows of length ", out.length, ", expected ", a.count(), " rows of length ", length);
}

void check_window(const char* func, index_t window, index_t length) {
    require(window >= 1 && window <= length, func, "window (=", window,
            ") must be between 1 and the length along axis (=", length, ")");
}

/// lengths=: each ≥ 0, summing to the row length (kept out of line: the
/// common call has none).
[[gnu::noinline]] void check_lengths(const char* func, std::span<const index_t> lengths,
                                     index_t length) {
    index_t total = 0;
    for (std::size_t s = 0; s < lengths.size(); ++s) {
        const index_t n = lengths[s];
        require(n >= 0, func, "lengths[", s, "] (=", n, ") must be >= 0");
        require(n <= length - total, func,
                "lengths sum to more than the length along axis (=", length, ")");
        total += n;
    }
    require(total == length, func, "lengths sum to ", total,
            ", expected the length along axis (=", length, ")");
}

}  // namespace
}  // namespace detail

namespace {

/// check_move for a row already looked up (move_stat and move_pair_stat have
/// it: one table look-up per call, not one per check).
void check_member(const MoveMember& member, index_t length, index_t window,
                  const MoveOptions& options) {
    const char* func = member.name;
    if (member.stat == MoveStat::quantile) {
        detail::require(!options.q.empty(), func, "q must hold at least one quantile");
        for (const double q : options.q)
            detail::require(q >= 0.0 && q <= 1.0, func, "q (=", q, ") must be between 0 and 1");
    }
    detail::check_window(func, window, length);
    const index_t minc = options.min_count.value_or(window);
    detail::require(minc >= 1 && minc <= window, func, "min_count (=", minc,
                    ") must be between 1 and window (=", window, ")");
    if (options.lengths) detail::check_lengths(func, *options.lengths, length);
}

}  // namespace

void check_move(MoveStat stat, index_t length, index_t window, const MoveOptions& options) {
    check_member(row_of(stat).member, length, window, options);
}

QuantileMethod quantile_method(const char* func, std::string_view name) {
    constexpr std::pair<std::string_view, QuantileMethod> kMethods[] = {
        {"linear", QuantileMethod::linear},
        {"lower", QuantileMethod::lower},
        {"higher", QuantileMethod::higher},
        {"nearest", QuantileMethod::nearest},
        {"midpoint", QuantileMethod::midpoint}};
    for (const auto& [n, m] : kMethods)
        if (n == name) return m;
    throw std::invalid_argument(
        detail::message(func, ": method (='", name,
                        "') must be one of 'linear', 'lower', 'higher', 'nearest', 'midpoint'"));
}

index_t rolling_valid_length(const char* func, index_t length, index_t window) {
    detail::check_window(func, window, length);
    return length - window + 1;
}

namespace {

/// How many output rows one kernel call writes: every q of a quantile call
/// given a q_stride (each q's row q_stride elements after the previous
/// one's), else one.
index_t outputs_per_call(const MoveOptions& options) {
    return options.q_stride != 0 ? static_cast<index_t>(options.q.size()) : 1;
}

/// The kernel's outputs written to a contiguous buffer of `groups` rows of
/// m (staged rows, centred tails): the options the kernel gets for it.
MoveOptions staged_options(const MoveOptions& options, index_t m) {
    MoveOptions staged = options;
    if (staged.q_stride != 0) staged.q_stride = m;
    return staged;
}

/// Outputs [b, e) of one series x → y (a whole row, or one segment of it),
/// with centred labels when `center`: output j is the trailing output
/// j + shift (shift = (window − 1)/2) of x extended by shift NaNs. The body
/// (j + shift < length) is the kernel's trailing output written `shift`
/// places back; the last `shift` outputs come from a short buffer holding
/// x's last window − 1 values and the NaNs. A window longer than the series
/// gives what the whole series gives, so it is clipped to the series (a
/// segment shorter than min_count is all NaN).
template <std::floating_point T>
void run_series(RowKernel<T> kernel, MoveStat stat, Strided<const T> x, Strided<const T> x2,
                Strided<T> y, index_t window, index_t minc, const MoveOptions& options, index_t b,
                index_t e) {
    const index_t n = x.size;
    if (minc > n) {  // every q's row (a q list writes outputs_per_call rows)
        const index_t groups = outputs_per_call(options);
        for (index_t g = 0; g < groups; ++g)
            for (index_t j = b; j < e; ++j)
                y.data[j * y.stride + g * options.q_stride] = std::numeric_limits<T>::quiet_NaN();
        return;
    }
    const index_t shift = options.center ? (window - 1) / 2 : 0;
    if (shift == 0) return kernel(stat, x, x2, y, std::min(window, n), minc, options, b, e);
    const index_t body_end = std::min(e, n - shift);
    if (b < body_end)  // the kernel writes only y[b + shift, body_end + shift) of this view
        kernel(stat, x, x2, Strided<T>(y.data - shift * y.stride, n, y.stride), std::min(window, n),
               minc, options, b + shift, body_end + shift);
    const index_t tail_begin = std::max(b, n - shift);
    if (tail_begin >= e) return;
    const index_t kept = std::min(n, window - 1);  // x[n - kept, n) can reach the tail windows
    const index_t m = kept + shift;
    thread_local std::vector<T> xin, xin2, yout;
    auto stage = [&](std::vector<T>& buf, Strided<const T> from) {
        buf.assign(static_cast<std::size_t>(m), std::numeric_limits<T>::quiet_NaN());
        for (index_t i = 0; i < kept; ++i) buf[static_cast<std::size_t>(i)] = from[n - kept + i];
        return Strided<const T>(buf.data(), m, 1);
    };
    const auto tx = stage(xin, x);
    const auto tx2 = x2.data != nullptr ? stage(xin2, x2) : x2;
    const index_t groups = outputs_per_call(options);
    yout.resize(static_cast<std::size_t>(m * groups));
    const index_t first = tail_begin + shift - (n - kept);  // buffer index of output tail_begin
    kernel(stat, tx, tx2, Strided<T>(yout.data(), m, 1), std::min(window, m), minc,
           staged_options(options, m), first, m);
    for (index_t g = 0; g < groups; ++g)
        for (index_t j = tail_begin; j < e; ++j)
            y.data[j * y.stride + g * options.q_stride] =
                yout[static_cast<std::size_t>(g * m + first + (j - tail_begin))];
}

/// A whole strided series (e.g. a row along axis=0 of a C-ordered array, or
/// a segment of one) is copied into a contiguous buffer first: the kernels
/// then read it in sequence instead of one cache line (or page) per element.
/// Out of line: the thread_local buffers cost a TLS look-up each, which a
/// contiguous row does not pay. One-input members only (a pair reads in
/// place).
template <std::floating_point T>
[[gnu::noinline]] void run_staged(RowKernel<T> kernel, MoveStat stat, Strided<const T> x,
                                  Strided<T> y, index_t window, index_t minc,
                                  const MoveOptions& options) {
    thread_local std::vector<T> xin, yout;
    const index_t n = x.size;
    const index_t groups = outputs_per_call(options);
    xin.resize(static_cast<std::size_t>(n));
    yout.resize(static_cast<std::size_t>(n * groups));
    for (index_t i = 0; i < n; ++i) xin[static_cast<std::size_t>(i)] = x[i];
    run_series(kernel, stat, Strided<const T>(xin.data(), n, 1), Strided<const T>(),
               Strided<T>(yout.data(), n, 1), window, minc, staged_options(options, n), 0, n);
    for (index_t g = 0; g < groups; ++g)
        for (index_t i = 0; i < n; ++i)
            y.data[i * y.stride + g * options.q_stride] = yout[static_cast<std::size_t>(g * n + i)];
}

/// lengths=: every (row, segment) pair is a series of its own, handed out
/// in parallel.
template <std::floating_point T>
void run_segments(const Row& row, const Rows<const T>& a, const Rows<const T>& a2,
                  const Rows<T>& out, index_t window, const MoveOptions& options) {
    const MoveStat stat = row.member.stat;
    const index_t minc = options.min_count.value_or(window);
    const RowKernel<T> kernel = kernel_of<T>(row);
    const std::span<const index_t> lengths = *options.lengths;
    const auto segments = static_cast<index_t>(lengths.size());
    std::vector<index_t> starts(lengths.size() + 1, 0);
    for (std::size_t s = 0; s < lengths.size(); ++s) starts[s + 1] = starts[s] + lengths[s];
    const index_t per_unit = std::max<index_t>(1, a.length / std::max<index_t>(segments, 1));
    const index_t grain = std::max<index_t>(1, row.member.grain / per_unit);
    detail::parallel_for(a.count() * segments, grain, [&](index_t lo, index_t hi) {
        for (index_t u = lo; u < hi; ++u) {
            const index_t r = u / segments;
            const auto s = static_cast<std::size_t>(u % segments);
            if (starts[s + 1] == starts[s]) continue;
            const auto x = a.row(r).sub(starts[s], starts[s + 1]);
            const auto y = out.row(r).sub(starts[s], starts[s + 1]);
            if ((x.stride != 1 || y.stride != 1) && a2.base == nullptr)
                run_staged(kernel, stat, x, y, window, minc, options);
            else
                run_series(kernel, stat, x,
                           a2.base != nullptr ? a2.row(r).sub(starts[s], starts[s + 1])
                                              : Strided<const T>(),
                           y, window, minc, options, 0, x.size);
        }
    });
}

/// run_stat() for anything but one short contiguous row: segments, batches
/// of rows, long or strided rows, centred labels (out of line, so that the
/// short row's path does not pay for this one's registers).
template <std::floating_point T>
[[gnu::noinline]] void run_stat_rows(const Row& row, const Rows<const T>& a,
                                     const Rows<const T>& a2, const Rows<T>& out, index_t window,
                                     const MoveOptions& options) {
    if (options.lengths) return run_segments(row, a, a2, out, window, options);
    const MoveStat stat = row.member.stat;
    const index_t minc = options.min_count.value_or(window);
    const RowKernel<T> kernel = kernel_of<T>(row);
    // Many short rows: the tile kernels take whole rows, four side by side in
    // the lanes of a vector.
    const index_t rows = a.count();
    const index_t grain = row.member.grain;  // elements of work worth one helper
    if (rows >= 4 && a.length < 64 * window && !options.center && detail::is_tile_stat(stat)) {
        const index_t rows_grain = std::max<index_t>(4, grain / a.length);
        detail::parallel_for(rows, rows_grain, [&](index_t lo, index_t hi) {
            detail::move_tiles_rows(stat, a, out, window, minc, options.ddof, lo, hi);
        });
        return;
    }
    detail::parallel_rows(a.count(), a.length, grain, [&](index_t r, index_t b, index_t e) {
        const auto x = a.row(r);
        const auto x2 = a2.base != nullptr ? a2.row(r) : Strided<const T>();
        const auto y = out.row(r);
        if ((x.stride != 1 || y.stride != 1) && b == 0 && e == a.length && a2.base == nullptr)
            return run_staged(kernel, stat, x, y, window, minc, options);
        if (options.center)
            run_series(kernel, stat, x, x2, y, window, minc, options, b, e);
        else
            kernel(stat, x, x2, y, window, minc, options, b, e);
    });
}

/// One batch of output rows (quantile: of one q); `a2` the second input of a
/// two-input member (base null otherwise).
template <std::floating_point T>
void run_stat(const Row& row, const Rows<const T>& a, const Rows<const T>& a2, const Rows<T>& out,
              index_t window, const MoveOptions& options) {
    // One short contiguous row (a call on a small 1-D array, where the fixed
    // cost is most of the call): the kernel itself, as the row loop of
    // run_stat_rows would call it on one thread.
    if (a.count() == 1 && a.length < row.member.grain && !options.center && !options.lengths &&
        a.stride == 1 && out.stride == 1)
        return kernel_of<T>(row)(row.member.stat, a.row(0),
                                 a2.base != nullptr ? a2.row(0) : Strided<const T>(), out.row(0),
                                 window, options.min_count.value_or(window), options, 0, a.length);
    run_stat_rows(row, a, a2, out, window, options);
}

}  // namespace

template <std::floating_point T>
void move_stat(MoveStat stat, Rows<const T> a, Rows<T> out, index_t window,
               const MoveOptions& options) {
    const Row& row = row_of(stat);
    detail::require(row.member.inputs == 1, row.member.name,
                    "takes two inputs (call move_pair_stat)");
    check_member(row.member, a.length, window, options);
    // Quantile: one batch of output rows per q (q-major).
    const index_t groups = stat == MoveStat::quantile ? static_cast<index_t>(options.q.size()) : 1;
    detail::require(out.count() == a.count() * groups && out.length == a.length, row.member.name,
                    "out has ", out.count(), " rows of length ", out.length, ", expected ",
                    a.count() * groups, " rows of length ", a.length);
    move_stat_prechecked(stat, a, out, window, options);
}

template <std::floating_point T>
void move_stat_prechecked(MoveStat stat, Rows<const T> a, Rows<T> out, index_t window,
                          const MoveOptions& options) {
    const Row& row = row_of(stat);
    if (stat != MoveStat::quantile) return run_stat(row, a, Rows<const T>{}, out, window, options);
    const auto rows = static_cast<std::size_t>(a.count());
    const std::size_t groups = options.q.size();
    // Row r of q[k] k·q_stride after row r of q[0] for every r and k (any
    // ndarray out): one pass over each input row writes every q.
    MoveOptions all = options;
    all.q_stride = 0;
    if (groups > 1 && rows > 0) {
        const auto at = [&](std::size_t k, std::size_t r) { return out.offsets[k * rows + r]; };
        const index_t step = at(1, 0) - at(0, 0);
        bool uniform = step != 0;
        for (std::size_t k = 1; k < groups && uniform; ++k)
            for (std::size_t r = 0; r < rows && uniform; ++r)
                uniform = at(k, r) == at(0, r) + static_cast<index_t>(k) * step;
        if (uniform) {
            all.q_stride = step;
            return run_stat(row, a, Rows<const T>{},
                            Rows<T>{out.base, out.length, out.stride, out.offsets.subspan(0, rows)},
                            window, all);
        }
    }
    for (std::size_t k = 0; k < groups; ++k) {  // else each q a pass of its own
        MoveOptions one = all;
        one.q = options.q.subspan(k, 1);
        run_stat(row, a, Rows<const T>{},
                 Rows<T>{out.base, out.length, out.stride, out.offsets.subspan(k * rows, rows)},
                 window, one);
    }
}

template <std::floating_point T>
void move_pair_stat(MoveStat stat, Rows<const T> a, Rows<const T> b, Rows<T> out, index_t window,
                    const MoveOptions& options) {
    const Row& row = row_of(stat);
    detail::require(row.member.inputs == 2, row.member.name, "takes one input (call move_stat)");
    check_member(row.member, a.length, window, options);
    detail::check_rows(row.member.name, "b", a, b, a.length);
    detail::check_rows(row.member.name, "out", a, out, a.length);
    run_stat(row, a, b, out, window, options);
}

template <std::floating_point T>
void rolling_sum_squares(Rows<const T> a, Rows<T> out, index_t window) {
    const char* func = "rolling_sum_squares";
    const index_t m = rolling_valid_length(func, a.length, window);
    detail::check_rows(func, "out", a, out, m);
    detail::parallel_rows(a.count(), m, index_t{1} << 15, [&](index_t r, index_t b, index_t e) {
        detail::rolling_sum_squares_row(a.row(r), out.row(r), window, b, e);
    });
}

template <std::floating_point T>
void rolling_mean_std(Rows<const T> a, Rows<T> means, Rows<T> stds, index_t window) {
    const char* func = "rolling_mean_std";
    const index_t m = rolling_valid_length(func, a.length, window);
    detail::check_rows(func, "means", a, means, m);
    detail::check_rows(func, "stds", a, stds, m);
    detail::parallel_rows(a.count(), m, index_t{1} << 15, [&](index_t r, index_t b, index_t e) {
        detail::rolling_mean_std_tiles(a.row(r), means.row(r), stds.row(r), window, b, e);
    });
}

#define FASTCPP_INSTANTIATE(T)                                                                 \
    template void move_stat<T>(MoveStat, Rows<const T>, Rows<T>, index_t, const MoveOptions&); \
    template void move_stat_prechecked<T>(MoveStat, Rows<const T>, Rows<T>, index_t,           \
                                          const MoveOptions&);                                 \
    template void move_pair_stat<T>(MoveStat, Rows<const T>, Rows<const T>, Rows<T>, index_t,  \
                                    const MoveOptions&);                                       \
    template void rolling_sum_squares<T>(Rows<const T>, Rows<T>, index_t);                     \
    template void rolling_mean_std<T>(Rows<const T>, Rows<T>, Rows<T>, index_t);
FASTCPP_INSTANTIATE(double)
FASTCPP_INSTANTIATE(float)
#undef FASTCPP_INSTANTIATE

}  // namespace fastcpp
