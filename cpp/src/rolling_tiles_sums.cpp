// The tile engine's sums: move_sum, move_mean, rolling_sum_squares and
// rolling_mean_std (rolling_tiles_engine.hpp), float64 and float32. One file
// per family of kinds: the engine's copies (kind x dtype x SIMD level)
// compile in parallel. mean_std (a second-moment kind) is here rather than
// with var/std: it balances the two files' compile times.

#include "rolling_tiles_engine.hpp"

namespace fastcpp::detail::tiles {

FASTCPP_TILES_ROWS(Kind::sum)
FASTCPP_TILES_ROWS(Kind::mean)
FASTCPP_TILES_ONE(Kind::sumsq)
FASTCPP_TILES_ONE(Kind::mean_std)

}  // namespace fastcpp::detail::tiles
