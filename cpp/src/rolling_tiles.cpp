// The tile engine's entry points for rolling.cpp: each picks the kind of a
// statistic and calls its instantiation in the kind-family file
// (rolling_tiles_{sums, moments, minmax, arg}.cpp; the engine and its
// algorithm: rolling_tiles_engine.hpp). Nothing is instantiated here.

#include "rolling_tiles.hpp"

#include <stdexcept>

namespace fastcpp::detail {

using tiles::Kind;
using tiles::run_one;

template <class T>
void move_moments_tiles(MoveStat stat, Strided<const T> x, Strided<T> y, index_t window,
                        index_t min_count, index_t ddof, index_t begin, index_t end) {
    switch (stat) {
        case MoveStat::sum:
            return run_one<Kind::sum>(x, y, y, begin, end, 0, window, min_count, ddof);
        case MoveStat::mean:
            return run_one<Kind::mean>(x, y, y, begin, end, 0, window, min_count, ddof);
        case MoveStat::var:
            return run_one<Kind::var>(x, y, y, begin, end, 0, window, min_count, ddof);
        default:
            return run_one<Kind::std>(x, y, y, begin, end, 0, window, min_count, ddof);
    }
}

template <class T>
void move_minmax_row(MoveStat stat, Strided<const T> x, Strided<T> y, index_t window,
                     index_t min_count, index_t begin, index_t end) {
    switch (stat) {
        case MoveStat::min:
            return run_one<Kind::min>(x, y, y, begin, end, 0, window, min_count, 0);
        case MoveStat::max:
            return run_one<Kind::max>(x, y, y, begin, end, 0, window, min_count, 0);
        case MoveStat::argmin:
            return run_one<Kind::argmin>(x, y, y, begin, end, 0, window, min_count, 0);
        default:
            return run_one<Kind::argmax>(x, y, y, begin, end, 0, window, min_count, 0);
    }
}

template <class T>
void move_tiles_rows(MoveStat stat, Rows<const T> a, Rows<T> out, index_t window, index_t min_count,
                     index_t ddof, index_t r0, index_t r1) {
    using tiles::run_rows;
    const index_t w = window, minc = min_count;
    switch (stat) {
        case MoveStat::sum:
            return run_rows<Kind::sum>(a, out, r0, r1, w, minc, ddof);
        case MoveStat::mean:
            return run_rows<Kind::mean>(a, out, r0, r1, w, minc, ddof);
        case MoveStat::var:
            return run_rows<Kind::var>(a, out, r0, r1, w, minc, ddof);
        case MoveStat::std:
            return run_rows<Kind::std>(a, out, r0, r1, w, minc, ddof);
        case MoveStat::min:
            return run_rows<Kind::min>(a, out, r0, r1, w, minc, ddof);
        case MoveStat::max:
            return run_rows<Kind::max>(a, out, r0, r1, w, minc, ddof);
        case MoveStat::argmin:
            return run_rows<Kind::argmin>(a, out, r0, r1, w, minc, ddof);
        case MoveStat::argmax:
            return run_rows<Kind::argmax>(a, out, r0, r1, w, minc, ddof);
        default:
            throw std::logic_error("move_tiles_rows: not a batch tile statistic");
    }
}

// ending at position j + w - 1.
template <class T>
void rolling_mean_std_tiles(Strided<const T> x, Strided<T> means, Strided<T> stds, index_t window,
                            index_t begin, index_t end) {
    run_one<Kind::mean_std>(x, means, stds, begin + window - 1, end + window - 1, window - 1,
                            window, window, 0);
}

template <class T>
void rolling_sum_squares_row(Strided<const T> x, Strided<T> out, index_t window, index_t begin,
                             index_t end) {
    run_one<Kind::sumsq>(x, out, out, begin + window - 1, end + window - 1, window - 1, window,
                         window, 0);
}

#define FASTCPP_INSTANTIATE(T)                                                                    \
    template void rolling_sum_squares_row<T>(Strided<const T>, Strided<T>, index_t, index_t,      \
                                             index_t);                                            \
    template void move_moments_tiles<T>(MoveStat, Strided<const T>, Strided<T>, index_t, index_t, \
                                        index_t, index_t, index_t);                               \
    template void move_minmax_row<T>(MoveStat, Strided<const T>, Strided<T>, index_t, index_t,    \
                                     index_t, index_t);                                           \
    template void move_tiles_rows<T>(MoveStat, Rows<const T>, Rows<T>, index_t, index_t, index_t, \
                                     index_t, index_t);                                           \
    template void rolling_mean_std_tiles<T>(Strided<const T>, Strided<T>, Strided<T>, index_t,    \
                                            index_t, index_t);
FASTCPP_INSTANTIATE(double)
FASTCPP_INSTANTIATE(float)
#undef FASTCPP_INSTANTIATE

}  // namespace fastcpp::detail
