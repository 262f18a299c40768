// The float instantiations of the tile engine in rolling_tiles.cpp. A
// translation unit of their own: the engine is the core's largest piece of
// code (every statistic x SIMD level), and two halves build in parallel, which
// shortens `pip install .` and CI on two cores.
#define FASTCPP_TILES_FLOAT 1
#include "rolling_tiles.cpp"  // NOLINT(bugprone-suspicious-include)
