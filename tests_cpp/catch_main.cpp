// Catch2 v3 brings its own main (Catch2WithMain); v2 gets it here.
#if !FASTCPP_CATCH_V3
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
#endif
