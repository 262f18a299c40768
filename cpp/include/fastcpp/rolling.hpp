#pragma once
/// @file rolling.hpp
/// Moving-window statistics (the bottleneck 1.6 `move_*` family) and the
/// seed's 'valid' rolling forms.
///
/// Algorithms:
///  - sum/mean/var/std: running sums of the finite values, compensated with
///    TwoSum (Knuth) on the in-out difference and on the accumulation, with
///    separate counts of NaN, +inf and -inf, so an inf gives the IEEE answer
///    and leaves no trace once it has left the window; var/std use sums of
///    (x - c) and (x - c)^2 around a shift c taken from the data ("shifted
///    data", Chan, Golub & LeVeque 1983), float64 state. Each row is cut into
///    blocks at fixed positions and every block restarts from an empty state
///    warmed up over the preceding window - 1 elements: bounded drift, and
///    results independent of how rows are split over threads (bit for bit);
///    four blocks run side by side in the lanes of one SIMD vector;
///  - min/max/argmin/argmax: monotonic deques (Lemire 2006, "Streaming
///    maximum-minimum filter using no more than three comparisons per
///    element"), O(n);
///  - median: for windows up to 300 a sorted window updated by SIMD counting
///    and a short block move; above, and for rank always, a Fenwick tree
///    (Fenwick 1994) over the ranks of each pair of adjacent sorted tiles,
///    O(n log w) (bottleneck's move_rank is O(n w)).
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

#include "fastcpp/strided.hpp"

namespace fastcpp {

/// The statistic a moving-window call computes.
enum class MoveStat { sum, mean, var, std, min, max, argmin, argmax, median, rank };

/// The public name of a statistic ("move_sum", ...), used in messages.
[[nodiscard]] const char* move_stat_name(MoveStat stat) noexcept;

/// Moving-window statistic over every row of a batch.
/// @param stat the statistic
/// @param a input rows (NaN skipped)
/// @param out output rows, same count and length as `a`; out[i] is the
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
               std::optional<index_t> min_count = std::nullopt, index_t ddof = 0);

/// @copydoc move_stat(MoveStat, Rows<const T>, Rows<T>, index_t, std::optional<index_t>, index_t)
template <std::floating_point T>
void move_stat(MoveStat stat, Strided<const T> a, Strided<T> out, index_t window,
               std::optional<index_t> min_count = std::nullopt, index_t ddof = 0) {
    const index_t zero = 0;
    move_stat<T>(stat, Rows<const T>{a.data, a.size, a.stride, {&zero, 1}},
                 Rows<T>{out.data, out.size, out.stride, {&zero, 1}}, window, min_count,
                 ddof);
}

// One named function per statistic, for batches (Rows), strided rows and spans.
#define FASTCPP_MOVE_FUNCTION(NAME)                                                     \
    /** Moving NAME; see move_stat() for the parameters and errors. */                 \
    template <std::floating_point T>                                                    \
    void move_##NAME(Rows<const T> a, Rows<T> out, index_t window,                      \
                     std::optional<index_t> min_count = std::nullopt) {                 \
        move_stat<T>(MoveStat::NAME, a, out, window, min_count, 0);                     \
    }                                                                                   \
    /** Moving NAME of one strided row; see move_stat(). */                            \
    template <std::floating_point T>                                                    \
    void move_##NAME(Strided<const T> a, Strided<T> out, index_t window,                \
                     std::optional<index_t> min_count = std::nullopt) {                 \
        move_stat<T>(MoveStat::NAME, a, out, window, min_count, 0);                     \
    }                                                                                   \
    /** Moving NAME of one contiguous row; see move_stat(). */                         \
    template <std::floating_point T>                                                    \
    void move_##NAME(std::span<const T> a, std::span<T> out, index_t window,            \
                     std::optional<index_t> min_count = std::nullopt) {                 \
        move_stat<T>(MoveStat::NAME, Strided<const T>(a), Strided<T>(out), window,      \
                     min_count, 0);                                                     \
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

#define FASTCPP_MOVE_DDOF_FUNCTION(NAME)                                                \
    /** Moving NAME with `ddof`; see move_stat() for the parameters and errors. */     \
    template <std::floating_point T>                                                    \
    void move_##NAME(Rows<const T> a, Rows<T> out, index_t window,                      \
                     std::optional<index_t> min_count = std::nullopt, index_t ddof = 0) {\
        move_stat<T>(MoveStat::NAME, a, out, window, min_count, ddof);                  \
    }                                                                                   \
    /** Moving NAME of one strided row; see move_stat(). */                            \
    template <std::floating_point T>                                                    \
    void move_##NAME(Strided<const T> a, Strided<T> out, index_t window,                \
                     std::optional<index_t> min_count = std::nullopt, index_t ddof = 0) {\
        move_stat<T>(MoveStat::NAME, a, out, window, min_count, ddof);                  \
    }                                                                                   \
    /** Moving NAME of one contiguous row; see move_stat(). */                         \
    template <std::floating_point T>                                                    \
    void move_##NAME(std::span<const T> a, std::span<T> out, index_t window,            \
                     std::optional<index_t> min_count = std::nullopt, index_t ddof = 0) {\
        move_stat<T>(MoveStat::NAME, Strided<const T>(a), Strided<T>(out), window,      \
                     min_count, ddof);                                                  \
    }

FASTCPP_MOVE_DDOF_FUNCTION(var)
FASTCPP_MOVE_DDOF_FUNCTION(std)
#undef FASTCPP_MOVE_DDOF_FUNCTION

/// Seed form: sums of squares of every full window ('valid' mode),
/// out[i] = Σ a[i .. i+window-1]², a NaN inside a window gives NaN.
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
    rolling_sum_squares<T>(
        Rows<const T>{a.data(), static_cast<index_t>(a.size()), 1, {&zero, 1}},
        Rows<T>{out.data(), static_cast<index_t>(out.size()), 1, {&zero, 1}}, window);
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
void rolling_mean_std(std::span<const T> a, std::span<T> means, std::span<T> stds,
                      index_t window) {
    const index_t zero = 0;
    rolling_mean_std<T>(
        Rows<const T>{a.data(), static_cast<index_t>(a.size()), 1, {&zero, 1}},
        Rows<T>{means.data(), static_cast<index_t>(means.size()), 1, {&zero, 1}},
        Rows<T>{stds.data(), static_cast<index_t>(stds.size()), 1, {&zero, 1}}, window);
}

}  // namespace fastcpp
