#pragma once
// Private to libfastcpp: the entry points of the tile engine
// (rolling_tiles_engine.hpp), one explicit instantiation per statistic kind
// and element type in the kind-family files rolling_tiles_{sums, moments,
// minmax, arg, higher}.cpp. Callers include this header only, so they
// instantiate nothing: the engine's copies (kind x dtype x SIMD level) are
// compiled once, spread over files that build in parallel.

#include "rolling_kernels.hpp"

namespace fastcpp::detail::tiles {

enum class Kind { sum, mean, var, std, mean_std, sumsq, min, max, argmin, argmax, skew, kurt };

/// Outputs of one or more rows to compute with the tile engine. The output
/// of position i of a row (the window ending at i, clipped at 0) goes to
/// y[i - out_shift], and to y2 for the kinds with a second output
/// (mean_std's stds, skew/kurt's refine flags); only positions in
/// [begin, end) are written.
template <class T>
struct RowJob {
    Strided<const T> x;
    Strided<T> y, y2;
    index_t begin, end, out_shift;
};

/// One row (by reference: a call on a short row is mostly its fixed cost).
template <Kind K, class T>
void run_one(const RowJob<T>& j, index_t w, index_t minc, index_t ddof);

/// Whole rows [r0, r1) of a batch (the tile statistics sum to argmax).
template <Kind K, class T>
void run_rows(Rows<const T> a, Rows<T> out, index_t r0, index_t r1, index_t w, index_t minc,
              index_t ddof);

}  // namespace fastcpp::detail::tiles
