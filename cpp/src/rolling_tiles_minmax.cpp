// The tile engine's extremes: move_min and move_max
// (rolling_tiles_engine.hpp), float64 and float32. One file per family of
// kinds: the engine's copies (kind x dtype x SIMD level) compile in parallel.

#include "rolling_tiles_engine.hpp"

namespace fastcpp::detail::tiles {

FASTCPP_TILES_ROWS(Kind::min)
FASTCPP_TILES_ROWS(Kind::max)

}  // namespace fastcpp::detail::tiles
