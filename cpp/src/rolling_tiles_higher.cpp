// Moving skewness and excess kurtosis (move_skew, move_kurt): the tile
// engine's shifted sums of d..d⁴ (rolling_tiles_engine.hpp), then the
// windows it flags as ill-conditioned by two passes over their values.

#include "rolling_tiles_engine.hpp"

namespace fastcpp::detail {
namespace tiles {

FASTCPP_TILES_ONE(Kind::skew)
FASTCPP_TILES_ONE(Kind::kurt)

}  // namespace tiles

using tiles::Kind;
using tiles::run_one;

namespace {

/// Skewness / excess kurtosis of the window ending at i by two passes over
/// its non-NaN values (around the first of them, then around the mean): the
/// slow exact path for the windows the tile engine flags as ill-conditioned.
/// Same rules as Engine::higher (min_count checked by the caller).
template <class T>
double higher_two_pass(Strided<const T> x, index_t i, index_t w, bool kurt, bool bias) {
    const index_t lo = std::max<index_t>(0, i - w + 1);
    double c = kNaN, s1 = 0;
    index_t count = 0;
    for (index_t k = lo; k <= i; ++k) {
        const double v = static_cast<double>(x[k]);
        if (v != v) continue;
        if (c != c) c = v;
        s1 += v - c;
        ++count;
    }
    const double n = static_cast<double>(count);
    const double mu = s1 / n;
    double m2 = 0, m3 = 0, m4 = 0;
    for (index_t k = lo; k <= i; ++k) {
        const double v = static_cast<double>(x[k]);
        if (v != v) continue;
        const double d = (v - c) - mu, d2 = d * d;
        m2 += d2, m3 += d2 * d, m4 += d2 * d2;
    }
    m2 /= n, m3 /= n, m4 /= n;
    if (!(m2 > 0)) return kNaN;
    if (kurt) {
        const double g = m4 / (m2 * m2) - 3.0;
        if (bias) return g;
        return n >= 4 ? (n - 1) * ((n + 1) * g + 6.0) / ((n - 2) * (n - 3)) : kNaN;
    }
    const double g = m3 / (m2 * std::sqrt(m2));
    if (bias) return g;
    return n >= 3 ? g * (std::sqrt(n * (n - 1)) / (n - 2)) : kNaN;
}

/// skew/kurt: the tile engine, then the flagged windows by two passes.
template <Kind K, class T>
void higher_row(Strided<const T> x, Strided<T> y, index_t window, index_t min_count, bool bias,
                index_t begin, index_t end) {
    thread_local std::vector<T> flags;
    flags.resize(static_cast<std::size_t>(end - begin));
    // Outputs shifted by `begin`: y'[i - begin] = y[i], flags likewise.
    const Strided<T> ys(y.data + begin * y.stride, end - begin, y.stride);
    const Strided<T> fs(flags.data(), end - begin, 1);
    run_one<K>(tiles::RowJob<T>{x, ys, fs, begin, end, begin}, window, min_count, bias ? 0 : 1);
    for (index_t i = begin; i < end; ++i)
        if (flags[static_cast<std::size_t>(i - begin)] != T(0))
            y[i] = static_cast<T>(higher_two_pass(x, i, window, K == Kind::kurt, bias));
}

}  // namespace

template <class T>
void move_skew_row(Strided<const T> x, Strided<T> y, index_t window, index_t min_count, bool bias,
                   index_t begin, index_t end) {
    higher_row<Kind::skew>(x, y, window, min_count, bias, begin, end);
}

template <class T>
void move_kurt_row(Strided<const T> x, Strided<T> y, index_t window, index_t min_count, bool bias,
                   index_t begin, index_t end) {
    higher_row<Kind::kurt>(x, y, window, min_count, bias, begin, end);
}

// 'valid' seed forms: output j is the window [j, j + w), i.e. the window
template void move_skew_row<double>(Strided<const double>, Strided<double>, index_t, index_t, bool,
                                    index_t, index_t);
template void move_skew_row<float>(Strided<const float>, Strided<float>, index_t, index_t, bool,
                                   index_t, index_t);
template void move_kurt_row<double>(Strided<const double>, Strided<double>, index_t, index_t, bool,
                                    index_t, index_t);
template void move_kurt_row<float>(Strided<const float>, Strided<float>, index_t, index_t, bool,
                                   index_t, index_t);

}  // namespace fastcpp::detail
