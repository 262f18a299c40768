#pragma once
/// @file rolling.hpp
/// Moving-window statistics (the bottleneck 1.6 `move_*` family) and the
/// seed's 'valid' rolling forms.
///
/// Algorithms:
///  - sum/mean/var/std (and the seed forms): no running sums. With tiles of
///    `window` elements aligned at the row start, a full window is the suffix
///    of one tile plus the prefix of the next (van Herk 1992; Gil & Werman
///    1993); prefix/suffix sums add only the window's own elements, so there
///    is no drift, an inf or a huge value leaves no trace once outside the
///    window, and every output is the same two sums whatever thread computes
///    it (bit for bit). Counts of non-NaN values and sums of d = x - c and d²
///    around a shift c taken from the tile pair ("shifted data", Chan, Golub
///    & LeVeque 1983) in float64; four tiles per SIMD vector;
///  - min/max/argmin/argmax: monotonic deques (Lemire 2006, "Streaming
///    maximum-minimum filter using no more than three comparisons per
///    element"), O(n);
///  - median, quantile: for windows up to 128 a rank per window slot,
///    rewritten branch-free by SIMD compares each step; above, the ranks of
///    each pair of adjacent sorted tiles, the window a set of ranks in a
///    bitset with summary levels, each quantile a cursor walked a few ranks
///    per step, O(n log w); one
///    pass serves several q. rank: a Fenwick tree (Fenwick 1994) over those
///    ranks (bottleneck's move_rank is O(n w)).
///
/// Semantics follow bottleneck 1.6 (NaN skipped inside the window,
/// `min_count` = minimum number of non-NaN values, default = window;
/// argmin/argmax counted back from the newest element, ties → newest;
/// move_rank in [-1, 1], ties share the average rank) except where
/// bottleneck is wrong: ±inf give the IEEE answer and leave no trace, float32
/// input keeps float64 state, count − ddof ≤ 0 gives NaN.

#include <concepts>
#include <optional>
#include <span>
#include <string_view>

#include "fastcpp/strided.hpp"

namespace fastcpp {

/// The statistic a moving-window call computes: one member of the family
/// table move_family(), in this order.
enum class MoveStat {
    sum,
    mean,
    var,
    std,
    min,
    max,
    argmin,
    argmax,
    median,
    rank,
    skew,
    kurt,
    quantile,
    cov,
    corr
};

/// How move_quantile turns a window's sorted values v[0..n) into the q-th
/// quantile, as numpy.quantile's `method`: with h = (n − 1)·q, linear
/// interpolates v[⌊h⌋], v[⌊h⌋+1]; lower v[⌊h⌋]; higher v[⌈h⌉]; nearest
/// v[round-half-even(h)]; midpoint the mean of v[⌊h⌋] and v[⌈h⌉].
enum class QuantileMethod { linear, lower, higher, nearest, midpoint };

/// The method named `name` ("linear", ...).
/// @throws std::invalid_argument naming `func`, the argument and the choices
[[nodiscard]] QuantileMethod quantile_method(const char* func, std::string_view name);

/// Where an extra parameter of a member sits in its Python signature
/// `name(a, window, <after_window>, min_count=None, axis=-1, <after_axis>,
/// *, <keyword_only>)`.
enum class ParamPlace { after_window, after_axis, keyword_only };

/// An extra parameter of a member, beyond a, window, min_count and axis.
struct MoveParam {
    const char* name;           ///< "ddof"; a field of MoveOptions of that name
    const char* default_value;  ///< Python literal of the default; "" if required
    ParamPlace place;
    const char* doc;  ///< its numpydoc entry, "name : type" and text
};

/// One member of the move_* family. The table of all of them (move_family())
/// is the one list of members: the kernel dispatch, the Python functions, the
/// stub test, fastcpp.dask and the test registry all read it.
struct MoveMember {
    MoveStat stat;
    const char* name;                  ///< public name, "move_sum"
    std::span<const MoveParam> extra;  ///< extra parameters, in signature order
    int inputs;                        ///< arrays in: 1 (a) or 2 (a, b)
    index_t grain;                     ///< elements of work worth one helper
    const char* doc;                   ///< summary and notes (numpydoc text)
};

/// Every member, in MoveStat order.
[[nodiscard]] std::span<const MoveMember> move_family() noexcept;

/// The member of `stat`; std::invalid_argument for a value outside the family.
[[nodiscard]] const MoveMember& move_member(MoveStat stat);

/// The public name of a statistic ("move_sum", ...), used in messages.
[[nodiscard]] const char* move_stat_name(MoveStat stat);

/// Options of a call beyond the window: min_count and every member's extra
/// parameters, by name (a member reads the ones its table row lists).
struct MoveOptions {
    /// Minimum number of non-NaN values for a non-NaN result,
    /// 1 ≤ min_count ≤ window; std::nullopt means `window`.
    std::optional<index_t> min_count;
    /// Delta degrees of freedom (var/std): divisor count − ddof.
    index_t ddof = 0;
    /// skew/kurt: true for the biased g1/g2 (scipy.stats, Accumulator),
    /// false for pandas' adjusted G1/G2.
    bool bias = true;
    /// quantile: the quantiles, each in [0, 1]; the output holds one batch of
    /// rows per q (q-major: row r of q[k] is output row k·rows + r).
    std::span<const double> q{};
    /// quantile: how a window's sorted values give the q-th quantile.
    QuantileMethod method = QuantileMethod::linear;
    /// quantile, internal (move_stat sets it; callers leave it 0): the
    /// element offset from one q's output row to the next q's, so one pass
    /// over a row writes every q. 0: a kernel call writes q[0] only.
    index_t q_stride = 0;
    /// Label each window at its centre, as pandas `rolling(window,
    /// center=True)` (even windows too): out[i] is the trailing result at
    /// i + (window − 1)/2 of the series extended by (window − 1)/2 NaNs, so
    /// windows shrink at both edges and min_count decides as usual.
    bool center = false;
    /// Segment lengths (each ≥ 0, summing to the row length): every row is a
    /// concatenation of independent series and no window crosses a boundary
    /// (= one call per segment; a window longer than its segment never fills
    /// beyond the segment). None: the whole row is one series; an empty
    /// list is a list of no segments (valid only for an empty row).
    std::optional<std::span<const index_t>> lengths{};
};

/// Checks a call's window and options against a row length before anything
/// is allocated or written (the checks move_stat() makes first).
/// @throws std::invalid_argument naming the argument and its value
void check_move(MoveStat stat, index_t length, index_t window, const MoveOptions& options);

/// Moving-window statistic over every row of a batch.
/// @param stat the statistic
/// @param a input rows (NaN skipped)
/// @param out output rows, same count and length as `a` (quantile: q.size()
///        times as many rows, q-major); out[i] is the
///        statistic of the window a[i-window+1 .. i] (clipped at 0)
/// @param window window length, 1 ≤ window ≤ a.length
/// @param min_count minimum number of non-NaN values for a non-NaN result,
///        1 ≤ min_count ≤ window; std::nullopt means `window`
/// @param ddof delta degrees of freedom (var/std only): divisor count − ddof;
///        count − ddof ≤ 0 gives NaN
/// @throws std::invalid_argument for a bad window, min_count, or shapes
///         (nothing is written then)
template <std::floating_point T>
void move_stat(MoveStat stat, Rows<const T> a, Rows<T> out, index_t window,
               const MoveOptions& options);

/// move_stat() without its checks, for a caller that has made them: check_move()
/// with the same stat, a.length, window and options, and `out` of the shape
/// move_stat() requires. The Python binding checks before it allocates the
/// result, so on a call of 10 elements the checks would otherwise run twice.
/// Anything unchecked is undefined behaviour here.
template <std::floating_point T>
void move_stat_prechecked(MoveStat stat, Rows<const T> a, Rows<T> out, index_t window,
                          const MoveOptions& options);

/// Moving-window statistic of two inputs (cov, corr: the members whose
/// table row has inputs == 2) over every pair of rows a[r], b[r]; a position
/// counts only where both are non-NaN. Same options and errors as
/// move_stat(); `b` has the shape of `a`.
template <std::floating_point T>
void move_pair_stat(MoveStat stat, Rows<const T> a, Rows<const T> b, Rows<T> out, index_t window,
                    const MoveOptions& options);

/// @copydoc move_stat(MoveStat, Rows<const T>, Rows<T>, index_t, const MoveOptions&)
template <std::floating_point T>
void move_stat(MoveStat stat, Rows<const T> a, Rows<T> out, index_t window,
               std::optional<index_t> min_count = std::nullopt, index_t ddof = 0) {
    move_stat<T>(stat, a, out, window, MoveOptions{min_count, ddof});
}

/// @copydoc move_stat(MoveStat, Rows<const T>, Rows<T>, index_t, std::optional<index_t>, index_t)
template <std::floating_point T>
void move_stat(MoveStat stat, Strided<const T> a, Strided<T> out, index_t window,
               std::optional<index_t> min_count = std::nullopt, index_t ddof = 0) {
    const index_t zero = 0;
    move_stat<T>(stat, Rows<const T>{a.data, a.size, a.stride, {&zero, 1}},
                 Rows<T>{out.data, out.size, out.stride, {&zero, 1}}, window, min_count, ddof);
}

// One named function per statistic, for batches (Rows), strided rows and spans.
#define FASTCPP_MOVE_FUNCTION(NAME)                                                               \
    /** Moving NAME; see move_stat() for the parameters and errors. */                            \
    template <std::floating_point T>                                                              \
    void move_##NAME(Rows<const T> a, Rows<T> out, index_t window,                                \
                     std::optional<index_t> min_count = std::nullopt) {                           \
        move_stat<T>(MoveStat::NAME, a, out, window, min_count, 0);                               \
    }                                                                                             \
    /** Moving NAME of one strided row; see move_stat(). */                                       \
    template <std::floating_point T>                                                              \
    void move_##NAME(Strided<const T> a, Strided<T> out, index_t window,                          \
                     std::optional<index_t> min_count = std::nullopt) {                           \
        move_stat<T>(MoveStat::NAME, a, out, window, min_count, 0);                               \
    }                                                                                             \
    /** Moving NAME of one contiguous row; see move_stat(). */                                    \
    template <std::floating_point T>                                                              \
    void move_##NAME(std::span<const T> a, std::span<T> out, index_t window,                      \
                     std::optional<index_t> min_count = std::nullopt) {                           \
        move_stat<T>(MoveStat::NAME, Strided<const T>(a), Strided<T>(out), window, min_count, 0); \
    }

FASTCPP_MOVE_FUNCTION(sum)
FASTCPP_MOVE_FUNCTION(mean)
FASTCPP_MOVE_FUNCTION(min)
FASTCPP_MOVE_FUNCTION(max)
FASTCPP_MOVE_FUNCTION(argmin)
FASTCPP_MOVE_FUNCTION(argmax)
FASTCPP_MOVE_FUNCTION(median)
FASTCPP_MOVE_FUNCTION(rank)
#undef FASTCPP_MOVE_FUNCTION

#define FASTCPP_MOVE_DDOF_FUNCTION(NAME)                                                      \
    /** Moving NAME with `ddof`; see move_stat() for the parameters and errors. */            \
    template <std::floating_point T>                                                          \
    void move_##NAME(Rows<const T> a, Rows<T> out, index_t window,                            \
                     std::optional<index_t> min_count = std::nullopt, index_t ddof = 0) {     \
        move_stat<T>(MoveStat::NAME, a, out, window, min_count, ddof);                        \
    }                                                                                         \
    /** Moving NAME of one strided row; see move_stat(). */                                   \
    template <std::floating_point T>                                                          \
    void move_##NAME(Strided<const T> a, Strided<T> out, index_t window,                      \
                     std::optional<index_t> min_count = std::nullopt, index_t ddof = 0) {     \
        move_stat<T>(MoveStat::NAME, a, out, window, min_count, ddof);                        \
    }                                                                                         \
    /** Moving NAME of one contiguous row; see move_stat(). */                                \
    template <std::floating_point T>                                                          \
    void move_##NAME(std::span<const T> a, std::span<T> out, index_t window,                  \
                     std::optional<index_t> min_count = std::nullopt, index_t ddof = 0) {     \
        move_stat<T>(MoveStat::NAME, Strided<const T>(a), Strided<T>(out), window, min_count, \
                     ddof);                                                                   \
    }

FASTCPP_MOVE_DDOF_FUNCTION(var)
FASTCPP_MOVE_DDOF_FUNCTION(std)
#undef FASTCPP_MOVE_DDOF_FUNCTION

/// Output length of the seed's 'valid' forms below, length − window + 1.
/// @throws std::invalid_argument unless 1 ≤ window ≤ length (named after `func`)
[[nodiscard]] index_t rolling_valid_length(const char* func, index_t length, index_t window);

/// Seed form: sums of squares of every full window ('valid' mode),
/// out[i] = Σ a[i .. i+window-1]², a NaN inside a window gives NaN.
/// Each window is a suffix plus a prefix sum of squares over tiles of
/// `window` elements (van Herk 1992; Gil & Werman 1993): additions only, so
/// no drift; relative error ≤ window·2⁻⁵³; SIMD over four tiles.
/// @param a input rows
/// @param out output rows, same count, length a.length − window + 1
/// @param window 1 ≤ window ≤ a.length
/// @throws std::invalid_argument for a bad window or output shape
template <std::floating_point T>
void rolling_sum_squares(Rows<const T> a, Rows<T> out, index_t window);

/// @copydoc rolling_sum_squares(Rows<const T>, Rows<T>, index_t)
template <std::floating_point T>
void rolling_sum_squares(std::span<const T> a, std::span<T> out, index_t window) {
    const index_t zero = 0;
    rolling_sum_squares<T>(Rows<const T>{a.data(), static_cast<index_t>(a.size()), 1, {&zero, 1}},
                           Rows<T>{out.data(), static_cast<index_t>(out.size()), 1, {&zero, 1}},
                           window);
}

/// Seed form: mean and population standard deviation of every full window
/// ('valid' mode); a NaN inside a window gives NaN.
/// @param a input rows
/// @param means, stds output rows, same count, length a.length − window + 1
/// @param window 1 ≤ window ≤ a.length
/// @throws std::invalid_argument for a bad window or output shape
template <std::floating_point T>
void rolling_mean_std(Rows<const T> a, Rows<T> means, Rows<T> stds, index_t window);

/// @copydoc rolling_mean_std(Rows<const T>, Rows<T>, Rows<T>, index_t)
template <std::floating_point T>
void rolling_mean_std(std::span<const T> a, std::span<T> means, std::span<T> stds, index_t window) {
    const index_t zero = 0;
    rolling_mean_std<T>(Rows<const T>{a.data(), static_cast<index_t>(a.size()), 1, {&zero, 1}},
                        Rows<T>{means.data(), static_cast<index_t>(means.size()), 1, {&zero, 1}},
                        Rows<T>{stds.data(), static_cast<index_t>(stds.size()), 1, {&zero, 1}},
                        window);
}

}  // namespace fastcpp
