// The tile engine's second moments: move_var and move_std
// (rolling_tiles_engine.hpp), float64 and float32 (rolling_mean_std is
// compiled with the sums, rolling_tiles_sums.cpp). One file per family of
// kinds: the engine's copies (kind x dtype x SIMD level) compile in parallel.

#include "rolling_tiles_engine.hpp"

namespace fastcpp::detail::tiles {

FASTCPP_TILES_ROWS(Kind::var)
FASTCPP_TILES_ROWS(Kind::std)

}  // namespace fastcpp::detail::tiles
