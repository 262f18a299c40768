#include <algorithm>
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

namespace {
fastcpp::Rows<double> one_row(std::vector<double>& v, const fastcpp::index_t& zero) {
    return {v.data(), static_cast<fastcpp::index_t>(v.size()), 1, {&zero, 1}};
}
fastcpp::Rows<const double> in_row(const std::vector<double>& v, const fastcpp::index_t& zero) {
    return {v.data(), static_cast<fastcpp::index_t>(v.size()), 1, {&zero, 1}};
}
}  // namespace

TEST_CASE("ema options: pandas' conversions and checks", "[ema]") {
    using fastcpp::EmaOptions;
    const auto alpha_of = [](EmaOptions o) { return fastcpp::ema_alpha("ema", o, 3); };
    EmaOptions o;
    o.span = 3.0;
    REQUIRE(alpha_of(o) == 0.5);
    o = {};
    o.com = 1.0;
    REQUIRE(alpha_of(o) == 0.5);
    o = {};
    o.halflife = 1.0;
    REQUIRE(alpha_of(o) == Approx(0.5).epsilon(1e-15));
    o = {};
    REQUIRE_THROWS_WITH(alpha_of(o), FASTCPP_CONTAINS("one of alpha, span, halflife or com"));
    o.alpha = 0.5;
    o.span = 2.0;
    REQUIRE_THROWS_WITH(alpha_of(o), FASTCPP_CONTAINS("mutually exclusive"));
    o = {};
    o.span = 0.5;
    REQUIRE_THROWS_WITH(alpha_of(o), FASTCPP_CONTAINS("span (=0.5)"));
    o = {};
    o.com = -1.0;
    REQUIRE_THROWS_WITH(alpha_of(o), FASTCPP_CONTAINS("com (=-1)"));
    o = {};
    o.halflife = 0.0;
    REQUIRE_THROWS_WITH(alpha_of(o), FASTCPP_CONTAINS("halflife (=0)"));
    o = {};
    o.alpha = 0.5;
    o.min_periods = -2;
    REQUIRE_THROWS_WITH(alpha_of(o), FASTCPP_CONTAINS("min_periods (=-2)"));
    const std::vector<double> t{0.0, 2.0, 1.0};
    o = {};
    o.halflife = 1.0;
    o.times = std::span<const double>(t);
    REQUIRE_THROWS_WITH(alpha_of(o), FASTCPP_CONTAINS("non-decreasing"));
    o.times = std::span<const double>(t.data(), 2);
    REQUIRE_THROWS_WITH(alpha_of(o), FASTCPP_CONTAINS("times has length 2"));
    o.halflife.reset();
    o.alpha = 0.5;
    REQUIRE_THROWS_WITH(alpha_of(o), FASTCPP_CONTAINS("times requires halflife"));
}

TEST_CASE("ema family: var, times, min_periods, ignore_na", "[ema]") {
    using fastcpp::EmaStat;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const fastcpp::index_t zero = 0;
    SECTION("var of two points, adjust=True, unbiased") {
        // weights 0.5 (x0) and 1 (x1): mean 5/3, biased var 2/9; unbiased 0.5
        std::vector<double> x{1, 2}, y(2);
        fastcpp::EmaOptions o;
        o.alpha = 0.5;
        o.adjust = true;
        fastcpp::ema_stat<double>(EmaStat::var, in_row(x, zero), in_row(x, zero), one_row(y, zero),
                                  o);
        REQUIRE(std::isnan(y[0]));
        REQUIRE(y[1] == Approx(0.5));  // pd.Series([1, 2]).ewm(alpha=.5).var()
        o.bias = true;
        fastcpp::ema_stat<double>(EmaStat::var, in_row(x, zero), in_row(x, zero), one_row(y, zero),
                                  o);
        REQUIRE(y[0] == 0.0);
        REQUIRE(y[1] == Approx(2.0 / 9.0));
    }
    SECTION("times: a weight halves every halflife") {
        std::vector<double> x{1, 3}, y(2);
        const std::vector<double> t{0.0, 2.0};
        fastcpp::EmaOptions o;
        o.halflife = 2.0;
        o.times = std::span<const double>(t);
        o.adjust = true;
        fastcpp::ema_stat<double>(EmaStat::mean, in_row(x, zero), in_row(x, zero), one_row(y, zero),
                                  o);
        REQUIRE(y[1] == Approx((0.5 * 1 + 3) / 1.5));
    }
    SECTION("min_periods and ignore_na") {
        std::vector<double> x{1, nan, 3}, y(3);
        fastcpp::EmaOptions o;
        o.alpha = 0.5;
        o.min_periods = 2;
        o.ignore_na = true;
        fastcpp::ema_stat<double>(EmaStat::mean, in_row(x, zero), in_row(x, zero), one_row(y, zero),
                                  o);
        REQUIRE(std::isnan(y[0]));
        REQUIRE(std::isnan(y[1]));
        REQUIRE(y[2] == 2.0);  // one decay step across the NaN: (0.5 + 1.5) / 1
    }
}

TEST_CASE("ema adjust=False in blocks of 8: every prefix, in place", "[ema]") {
    // The kernel's blocks sit at fixed positions (ema.cpp): a row's prefix
    // gives the same bits as the row, in place too, and the values stay within rounding
    // of the recursion written out (NaN steps repeat the value).
    const double nan = std::numeric_limits<double>::quiet_NaN();
    std::vector<double> x(203);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = 10.0 + std::sin(0.7 * static_cast<double>(i));
    for (std::size_t i = 50; i < 61; ++i) x[i] = nan;
    for (std::size_t i = 61; i < 90; ++i) x[i] = 4.25;
    const double alpha = 0.05;
    std::vector<double> y(x.size());
    fastcpp::ema(std::span<const double>(x), std::span<double>(y), alpha);
    double w = x[0], decay = 1.0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        if (std::isnan(x[i])) {
            decay *= 1.0 - alpha;
        } else if (i > 0) {
            decay *= 1.0 - alpha;
            if (w != x[i]) w = (decay * w + alpha * x[i]) / (decay + alpha);
            decay = 1.0;
        }
        REQUIRE(y[i] == Approx(w).epsilon(1e-13));
    }
    REQUIRE(y[60] == y[49]);
    for (std::size_t m : {1, 7, 8, 9, 64, 100, 202}) {
        std::vector<double> p(m);
        fastcpp::ema(std::span<const double>(x.data(), m), std::span<double>(p), alpha);
        REQUIRE(std::equal(p.begin(), p.end(), y.begin()));
    }
    std::vector<double> inplace = x;
    fastcpp::ema(std::span<const double>(inplace), std::span<double>(inplace), alpha);
    REQUIRE(inplace == y);
}

TEMPLATE_TEST_CASE("ema adjust=True carried across pieces is the whole call, bit for bit", "[ema]",
                   float, double) {
    using T = TestType;
    const T nan = std::numeric_limits<T>::quiet_NaN();
    std::vector<T> x(500);
    for (std::size_t i = 0; i < x.size(); ++i)
        x[i] = static_cast<T>(std::sin(0.37 * static_cast<double>(i)) * 10.0);
    for (std::size_t i = 0; i < 30; ++i) x[i] = nan;     // starts late
    for (std::size_t i = 200; i < 260; ++i) x[i] = nan;  // a gap
    x[300] = std::numeric_limits<T>::infinity();
    for (const double alpha : {0.01, 0.5, 1.0}) {
        std::vector<T> whole(x.size()), pieces(x.size());
        fastcpp::ema(std::span<const T>(x), std::span<T>(whole), alpha, true);
        fastcpp::EmaCarry carry;
        std::size_t at = 0;
        for (const std::size_t len : {10, 0, 1, 25, 190, 74, 200}) {
            fastcpp::ema_adjusted_from(
                Strided<const T>(x.data() + at, static_cast<fastcpp::index_t>(len)),
                Strided<T>(pieces.data() + at, static_cast<fastcpp::index_t>(len)), alpha, carry);
            at += len;
        }
        REQUIRE(at == x.size());
        for (std::size_t i = 0; i < x.size(); ++i) {
            INFO("alpha " << alpha << " i " << i);
            REQUIRE((std::isnan(whole[i]) ? std::isnan(pieces[i]) : whole[i] == pieces[i]));
        }
    }
    fastcpp::EmaCarry bad{1.0, -1.0};
    std::vector<T> y(x.size());
    REQUIRE_THROWS_AS(fastcpp::ema_adjusted_from(Strided<const T>(x.data(), 5),
                                                 Strided<T>(y.data(), 5), 0.5, bad),
                      std::invalid_argument);
    fastcpp::EmaCarry fresh;
    REQUIRE_THROWS_AS(fastcpp::ema_adjusted_from(Strided<const T>(x.data(), 5),
                                                 Strided<T>(y.data(), 5), 1.5, fresh),
                      std::invalid_argument);
}
