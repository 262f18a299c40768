// The tile engine's entry points for rolling.cpp: each picks the kind of a
// statistic and calls its instantiation in the kind-family file
// (rolling_tiles_{sums, moments, minmax, arg}.cpp; the engine and its
// algorithm: rolling_tiles_engine.hpp). Nothing is instantiated here.

#include "rolling_tiles.hpp"

#include <stdexcept>
#include <type_traits>

namespace fastcpp::detail {

using tiles::Kind;
using tiles::run_one;

/// Calls f(std::integral_constant<Kind, K>{}) with the tile kind K of a
/// tile statistic: the one place that maps a MoveStat to its Kind.
/// is_tile_stat (rolling_kernels.hpp) is the exhaustive, -Wswitch-checked
/// list of which members are tile statistics; a tile statistic missing
/// here throws instead of computing another one.
template <class F>
void with_kind(MoveStat stat, F&& f) {
    switch (stat) {
        case MoveStat::sum:
            return f(std::integral_constant<Kind, Kind::sum>{});
        case MoveStat::mean:
            return f(std::integral_constant<Kind, Kind::mean>{});
        case MoveStat::var:
            return f(std::integral_constant<Kind, Kind::var>{});
        case MoveStat::std:
            return f(std::integral_constant<Kind, Kind::std>{});
        case MoveStat::min:
            return f(std::integral_constant<Kind, Kind::min>{});
        case MoveStat::max:
            return f(std::integral_constant<Kind, Kind::max>{});
        case MoveStat::argmin:
            return f(std::integral_constant<Kind, Kind::argmin>{});
        case MoveStat::argmax:
            return f(std::integral_constant<Kind, Kind::argmax>{});
        default:
            break;
    }
    throw std::logic_error("tile engine: not a tile statistic");
}

template <class T>
void move_tiles_row(MoveStat stat, Strided<const T> x, Strided<T> y, index_t window,
                    index_t min_count, index_t ddof, index_t begin, index_t end) {
    with_kind(stat, [&](auto kind) {
        run_one<decltype(kind)::value>(tiles::RowJob<T>{x, y, y, begin, end, 0}, window, min_count,
                                       ddof);
    });
}

template <class T>
void move_tiles_rows(MoveStat stat, Rows<const T> a, Rows<T> out, index_t window, index_t min_count,
                     index_t ddof, index_t r0, index_t r1) {
    with_kind(stat, [&](auto kind) {
        tiles::run_rows<decltype(kind)::value>(a, out, r0, r1, window, min_count, ddof);
    });
}

// 'valid' seed forms: output j is the window [j, j + w), i.e. the window
// ending at position j + w - 1.
template <class T>
void rolling_mean_std_tiles(Strided<const T> x, Strided<T> means, Strided<T> stds, index_t window,
                            index_t begin, index_t end) {
    run_one<Kind::mean_std>(
        tiles::RowJob<T>{x, means, stds, begin + window - 1, end + window - 1, window - 1}, window,
        window, 0);
}

template <class T>
void rolling_sum_squares_row(Strided<const T> x, Strided<T> out, index_t window, index_t begin,
                             index_t end) {
    run_one<Kind::sumsq>(
        tiles::RowJob<T>{x, out, out, begin + window - 1, end + window - 1, window - 1}, window,
        window, 0);
}

#define FASTCPP_INSTANTIATE(T)                                                                    \
    template void rolling_sum_squares_row<T>(Strided<const T>, Strided<T>, index_t, index_t,      \
                                             index_t);                                            \
    template void move_tiles_row<T>(MoveStat, Strided<const T>, Strided<T>, index_t, index_t,     \
                                    index_t, index_t, index_t);                                   \
    template void move_tiles_rows<T>(MoveStat, Rows<const T>, Rows<T>, index_t, index_t, index_t, \
                                     index_t, index_t);                                           \
    template void rolling_mean_std_tiles<T>(Strided<const T>, Strided<T>, Strided<T>, index_t,    \
                                            index_t, index_t);
FASTCPP_INSTANTIATE(double)
FASTCPP_INSTANTIATE(float)
#undef FASTCPP_INSTANTIATE

}  // namespace fastcpp::detail
