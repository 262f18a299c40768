// The tile engine's positions of extremes: move_argmin and move_argmax
// (rolling_tiles_engine.hpp), float64 and float32. One file per family of
// kinds: the engine's copies (kind x dtype x SIMD level) compile in parallel.

#include "rolling_tiles_engine.hpp"

namespace fastcpp::detail::tiles {

FASTCPP_TILES_ROWS(Kind::argmin)
FASTCPP_TILES_ROWS(Kind::argmax)

}  // namespace fastcpp::detail::tiles
