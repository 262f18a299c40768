// The tile engine's sums: move_sum, move_mean and rolling_sum_squares
// (rolling_tiles_engine.hpp), float64 and float32. One file per family of
// kinds: the engine's copies (kind x dtype x SIMD level) compile in parallel.

#include "rolling_tiles_engine.hpp"

namespace fastcpp::detail::tiles {

FASTCPP_TILES_ROWS(Kind::sum)
FASTCPP_TILES_ROWS(Kind::mean)
FASTCPP_TILES_ONE(Kind::sumsq)

}  // namespace fastcpp::detail::tiles
