#pragma once
// One include for Catch2 v3 (Conan) and v2.13 (Debian): the tests are written
// once against the common subset (TEST_CASE, SECTION, TEMPLATE_TEST_CASE,
// REQUIRE_THROWS_AS, Approx, WithinRel/WithinAbs matchers).
#if FASTCPP_CATCH_V3
#include <catch2/catch_approx.hpp>
#include <catch2/catch_template_test_macros.hpp>
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_floating_point.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
using Catch::Approx;
#else
#include <catch2/catch.hpp>
#endif

#if FASTCPP_CATCH_V3
#define FASTCPP_CONTAINS(s) Catch::Matchers::ContainsSubstring(s)
#else
#define FASTCPP_CONTAINS(s) Catch::Matchers::Contains(s)
#endif

namespace fastcpp_test {
/// Named tolerances used across the tests.
inline constexpr double kTightRel = 1e-13;  ///< a few ulp of float64 work
inline constexpr double kFloat32Rel = 1e-6; ///< float32 storage rounding
}  // namespace fastcpp_test
