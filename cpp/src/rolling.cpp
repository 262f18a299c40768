// move_* family and seed forms: argument checks (before anything is written),
// threading over rows and chunks of rows, strided-row staging, and the
// min/max kernels. Sums and moments: rolling_tiles.cpp; median and rank:
// rolling_order.cpp.
#include "fastcpp/rolling.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <vector>

#include "fastcpp/detail/checks.hpp"
#include "fastcpp/detail/parallel.hpp"
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

namespace detail {

/// One row's outputs [b, e) by the kernel of `stat`.
template <class T>
void run_row(MoveStat stat, Strided<const T> x, Strided<T> y, index_t window, index_t minc,
             index_t ddof, index_t b, index_t e) {
    switch (stat) {
        case MoveStat::sum:
        case MoveStat::mean:
        case MoveStat::var:
        case MoveStat::std: return move_moments_tiles(stat, x, y, window, minc, ddof, b, e);
        case MoveStat::min:
        case MoveStat::max:
        case MoveStat::argmin:
        case MoveStat::argmax: return move_minmax_row(stat, x, y, window, minc, b, e);
        default: return move_order_row(stat, x, y, window, minc, b, e);
    }
}

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
    // Many short rows: the tile kernels take whole rows, four side by side in
    // the lanes of a vector.
    const index_t rows = a.count();
    const index_t grain = detail::grain_of(stat);
    if (rows >= 4 && a.length < 64 * window && detail::is_tile_stat(stat)) {
        const index_t rows_grain = std::max<index_t>(4, grain / a.length);
        detail::parallel_for(rows, rows_grain, [&](index_t lo, index_t hi) {
            detail::move_tiles_rows(stat, a, out, window, minc, ddof, lo, hi);
        });
        return;
    }
    detail::parallel_rows(
        a.count(), a.length, detail::grain_of(stat), [&](index_t r, index_t b, index_t e) {
            auto x = a.row(r);
            auto y = out.row(r);
            // A whole strided row (e.g. axis=0 of a C-ordered array) is copied
            // into a contiguous buffer first: the kernels then read it in
            // sequence instead of one cache line (or page) per element.
            thread_local std::vector<T> xin, yout;
            const bool staged = (x.stride != 1 || y.stride != 1) && b == 0 && e == a.length;
            if (staged) {
                xin.resize(static_cast<std::size_t>(a.length));
                yout.resize(static_cast<std::size_t>(a.length));
                for (index_t i = 0; i < a.length; ++i) xin[static_cast<std::size_t>(i)] = x[i];
                x = Strided<const T>(xin.data(), a.length, 1);
                y = Strided<T>(yout.data(), a.length, 1);
            }
            detail::run_row(stat, x, y, window, minc, ddof, b, e);
            if (staged) {
                const auto dst = out.row(r);
                for (index_t i = 0; i < a.length; ++i) dst[i] = yout[static_cast<std::size_t>(i)];
            }
        });
}


template <std::floating_point T>
void rolling_sum_squares(Rows<const T> a, Rows<T> out, index_t window) {
    const char* func = "rolling_sum_squares";
    detail::check_window(func, window, a.length);
    const index_t m = a.length - window + 1;
    detail::check_rows(func, "out", a, out, m);
    detail::parallel_rows(a.count(), m, index_t{1} << 15, [&](index_t r, index_t b, index_t e) {
        detail::rolling_sum_squares_row(a.row(r), out.row(r), window, b, e);
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
        detail::rolling_mean_std_tiles(a.row(r), means.row(r), stds.row(r), window, b, e);
    });
}

#define FASTCPP_INSTANTIATE(T)                                                              \
    template void move_stat<T>(MoveStat, Rows<const T>, Rows<T>, index_t,                   \
                               std::optional<index_t>, index_t);                            \
    template void rolling_sum_squares<T>(Rows<const T>, Rows<T>, index_t);                  \
    template void rolling_mean_std<T>(Rows<const T>, Rows<T>, Rows<T>, index_t);
FASTCPP_INSTANTIATE(double)
FASTCPP_INSTANTIATE(float)
#undef FASTCPP_INSTANTIATE

}  // namespace fastcpp
