// The tile engine's second moments: move_var, move_std and rolling_mean_std
// (rolling_tiles_engine.hpp), float64 and float32. One file per family of
// kinds: the engine's copies (kind x dtype x SIMD level) compile in parallel.

#include "rolling_tiles_engine.hpp"

namespace fastcpp::detail::tiles {

FASTCPP_TILES_ROWS(Kind::var)
FASTCPP_TILES_ROWS(Kind::std)
FASTCPP_TILES_ONE(Kind::mean_std)

}  // namespace fastcpp::detail::tiles
