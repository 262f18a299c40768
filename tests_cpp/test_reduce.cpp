#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "catch_compat.hpp"
#include "fastcpp/reduce.hpp"

using fastcpp::Strided;

TEMPLATE_TEST_CASE("sum, dot and norm", "[reduce]", float, double) {
    using T = TestType;
    SECTION("empty") {
        std::vector<T> v;
        Strided<const T> s(v.data(), 0, 1);
        REQUIRE(fastcpp::sum(s) == 0.0);
        REQUIRE(fastcpp::norm(s) == 0.0);
        REQUIRE(fastcpp::dot(s, s) == 0.0);
    }
    SECTION("small exact values") {
        std::vector<T> v(1001);
        std::iota(v.begin(), v.end(), T(0));
        Strided<const T> s(v.data(), 1001, 1);
        REQUIRE(fastcpp::sum(s) == 500500.0);
        REQUIRE(fastcpp::dot(s, s) == 333833500.0);
        REQUIRE(fastcpp::norm(s) == Approx(std::sqrt(333833500.0)).epsilon(1e-15));
        Strided<const T> every_other(v.data(), 500, 2);
        REQUIRE(fastcpp::sum(every_other) == 249500.0);
    }
    SECTION("NaN and inf") {
        const T nan = std::numeric_limits<T>::quiet_NaN();
        const T inf = std::numeric_limits<T>::infinity();
        std::vector<T> v{1, nan, 2};
        REQUIRE(std::isnan(fastcpp::sum(Strided<const T>(v.data(), 3, 1))));
        std::vector<T> w{1, inf, 2};
        REQUIRE(fastcpp::sum(Strided<const T>(w.data(), 3, 1)) == INFINITY);
        REQUIRE(fastcpp::norm(Strided<const T>(w.data(), 3, 1)) == INFINITY);
    }
    SECTION("length mismatch throws") {
        std::vector<T> a(3), b(4);
        REQUIRE_THROWS_AS(fastcpp::dot(Strided<const T>(a.data(), 3, 1),
                                       Strided<const T>(b.data(), 4, 1)),
                          std::invalid_argument);
    }
}

TEST_CASE("compensated sum and safe norm", "[reduce]") {
    SECTION("cancellation") {
        std::vector<double> v{1e16, 1.0, -1e16};
        REQUIRE(fastcpp::sum(v) == 1.0);
    }
    SECTION("large vector with cancellation") {
        std::vector<double> v;
        for (int i = 0; i < 100000; ++i) {
            v.push_back(1e10);
            v.push_back(0.1);
            v.push_back(-1e10);
        }
        REQUIRE(fastcpp::sum(v) == Approx(10000.0).epsilon(1e-12));
    }
    SECTION("no overflow or underflow") {
        REQUIRE(fastcpp::norm(std::vector<double>{1e200, 1e200}) ==
                Approx(std::sqrt(2.0) * 1e200).epsilon(1e-15));
        REQUIRE(fastcpp::norm(std::vector<double>{3e-200, 4e-200}) ==
                Approx(5e-200).epsilon(1e-15));
        REQUIRE(fastcpp::norm(std::vector<double>{0.0, -0.0}) == 0.0);
    }
}

TEST_CASE("exact integer sums", "[reduce]") {
    SECTION("sum_of_squares closed form") {
        REQUIRE(fastcpp::sum_of_squares(0) == 0);
        REQUIRE(fastcpp::sum_of_squares(1) == 0);
        REQUIRE(fastcpp::sum_of_squares(4) == 14);
        const fastcpp::int128_t big = fastcpp::sum_of_squares(100000000);
        // 333333328333333350000000
        REQUIRE(static_cast<long long>(big / 1000000000000LL) == 333333328333LL);
        REQUIRE(static_cast<long long>(big % 1000000000000LL) == 333350000000LL);
        REQUIRE_THROWS_AS(fastcpp::sum_of_squares(-1), std::invalid_argument);
        REQUIRE_THROWS_AS(fastcpp::sum_of_squares(std::numeric_limits<std::int64_t>::max()),
                          std::overflow_error);
    }
    SECTION("int64 sum does not overflow") {
        std::vector<std::int64_t> v(4, std::numeric_limits<std::int64_t>::max());
        const auto s = fastcpp::sum_exact(Strided<const std::int64_t>(v.data(), 4, 1));
        REQUIRE(s == fastcpp::int128_t(std::numeric_limits<std::int64_t>::max()) * 4);
    }
}
