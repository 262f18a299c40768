#pragma once
// Private to libfastcpp: the per-row kernels of the move_* family. Each
// computes out[begin, end) of one row; it reads whatever earlier elements it
// needs (warm-up), so a row may be split into chunks processed independently.

#include <limits>

#include "fastcpp/rolling.hpp"
#include "fastcpp/strided.hpp"

namespace fastcpp::detail {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// sum, mean, var, std, min, max, argmin, argmax of one row by the tile
/// engine (rolling_tiles.cpp); `stat` must be a tile statistic (is_tile_stat).
template <class T>
void move_tiles_row(MoveStat stat, Strided<const T> x, Strided<T> y, index_t window,
                    index_t min_count, index_t ddof, index_t begin, index_t end);

/// rolling_mean_std by tile prefix/suffix sums: outputs [begin, end).
template <class T>
void rolling_mean_std_tiles(Strided<const T> x, Strided<T> means, Strided<T> stds, index_t window,
                            index_t begin, index_t end);

/// rolling_sum_squares by tile prefix/suffix sums: outputs [begin, end).
template <class T>
void rolling_sum_squares_row(Strided<const T> x, Strided<T> out, index_t window, index_t begin,
                             index_t end);

/// Moving skewness / excess kurtosis of one row, outputs [begin, end), NaN
/// skipped (tile kernels: shifted sums of d..d⁴, no running sums). bias=true:
/// scipy.stats.skew/kurtosis (g1, g2); false: pandas' rolling skew/kurt
/// (G1 needs 3 values, G2 4). A window without spread, or with ±inf: NaN.
template <class T>
void move_skew_row(Strided<const T> x, Strided<T> y, index_t window, index_t min_count, bool bias,
                   index_t begin, index_t end);
template <class T>
void move_kurt_row(Strided<const T> x, Strided<T> y, index_t window, index_t min_count, bool bias,
                   index_t begin, index_t end);

/// cov, corr of two rows (pairwise non-NaN positions), outputs [begin, end)
/// (rolling_pairs.cpp).
template <class T>
void move_pair_row(MoveStat stat, Strided<const T> x, Strided<const T> y, Strided<T> out,
                   index_t window, index_t min_count, index_t ddof, index_t begin, index_t end);

/// True for the statistics of the tile engine, which move_tiles_row() and
/// move_tiles_rows() (side by side) compute (sum to argmax; skew/kurt run row by row: their batch
/// copy is not worth its compile time).
constexpr bool is_tile_stat(MoveStat stat) noexcept {
    switch (stat) {  // no default: -Wswitch names a new member here
        case MoveStat::sum:
        case MoveStat::mean:
        case MoveStat::var:
        case MoveStat::std:
        case MoveStat::min:
        case MoveStat::max:
        case MoveStat::argmin:
        case MoveStat::argmax:
            return true;
        case MoveStat::median:
        case MoveStat::rank:
        case MoveStat::skew:
        case MoveStat::kurt:
        case MoveStat::quantile:
        case MoveStat::cov:
        case MoveStat::corr:
            return false;
    }
    return false;
}

/// Whole rows [r0, r1) of a batch by the tile kernels, four rows side by side
/// in the lanes of a vector; `stat` must be a tile statistic.
template <class T>
void move_tiles_rows(MoveStat stat, Rows<const T> a, Rows<T> out, index_t window, index_t min_count,
                     index_t ddof, index_t r0, index_t r1);

/// median, rank, quantile (options.q[0] and options.method).
template <class T>
void move_order_row(MoveStat stat, Strided<const T> x, Strided<T> y, index_t window,
                    index_t min_count, const MoveOptions& options, index_t begin, index_t end);

}  // namespace fastcpp::detail
