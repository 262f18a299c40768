#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "catch_compat.hpp"
#include "fastcpp/ema.hpp"

using fastcpp::Strided;

TEMPLATE_TEST_CASE("ema follows the pandas recursion", "[ema]", float, double) {
    using T = TestType;
    const T nan = std::numeric_limits<T>::quiet_NaN();
    SECTION("API example, adjust=False") {
        std::vector<T> x{nan, 2, nan, nan, 8, 4}, y(6);
        fastcpp::ema(std::span<const T>(x), std::span<T>(y), 0.3);
        REQUIRE(std::isnan(y[0]));
        REQUIRE(y[1] == 2);
        REQUIRE(y[3] == 2);
        REQUIRE(y[4] == Approx(4.799378).epsilon(1e-6));
        REQUIRE(y[5] == Approx(4.559565).epsilon(1e-6));
    }
    SECTION("adjust=True weights") {
        std::vector<T> x{1, 2, 3}, y(3);
        fastcpp::ema(std::span<const T>(x), std::span<T>(y), 0.5, true);
        // (3 + 2*0.5 + 1*0.25) / (1 + 0.5 + 0.25)
        REQUIRE(y[2] == Approx(4.25 / 1.75));
    }
    SECTION("in place and strided") {
        std::vector<T> x{1, 0, 3, 0, 5, 0};
        Strided<T> every_other(x.data(), 3, 2);
        fastcpp::ema(Strided<const T>(every_other), every_other, 1.0);
        REQUIRE(x == std::vector<T>{1, 0, 3, 0, 5, 0});
    }
    SECTION("bad alpha") {
        std::vector<T> x{1, 2}, y(2);
        for (double alpha : {0.0, -1.0, 1.5, std::nan(""), std::numeric_limits<double>::infinity()})
            REQUIRE_THROWS_WITH(fastcpp::ema(std::span<const T>(x), std::span<T>(y), alpha),
                                FASTCPP_CONTAINS("alpha (="));
        std::vector<T> z(3);
        REQUIRE_THROWS_AS(fastcpp::ema(std::span<const T>(x), std::span<T>(z), 0.5),
                          std::invalid_argument);
    }
}
