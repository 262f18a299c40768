#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <vector>

#include "catch_compat.hpp"
#include "fastcpp/config.hpp"
#include "fastcpp/elementwise.hpp"

using fastcpp::index_t;
using fastcpp::Rows;
using fastcpp_test::kFloat32Rel;
using fastcpp_test::kTightRel;

namespace {

template <class T>
double rel_tol() {
    return sizeof(T) == 4 ? kFloat32Rel : kTightRel;
}
/// Absolute slack near zero: float32 results underflow below ~1e-38.
template <class T>
double abs_tol() {
    return sizeof(T) == 4 ? 1e-37 : 1e-300;
}

/// Values that exercise every code path: sizes around the vector width and
/// block size, signs, zero.
template <class T>
std::vector<T> ramp(index_t n, double scale = 0.37, double offset = -3.0) {
    std::vector<T> v(static_cast<std::size_t>(n));
    for (index_t i = 0; i < n; ++i)
        v[static_cast<std::size_t>(i)] = static_cast<T>(offset + scale * static_cast<double>(i % 41));
    return v;
}

}  // namespace

TEMPLATE_TEST_CASE("scale_and_shift", "[elementwise]", float, double) {
    using T = TestType;
    SECTION("empty") {
        std::vector<T> a, out;
        fastcpp::scale_and_shift(std::span<const T>(a), 2.0, 1.0, std::span<T>(out));
        REQUIRE(out.empty());
    }
    SECTION("many values, any length") {
        for (index_t n : {1, 7, 8, 9, 513, 100003}) {
            auto a = ramp<T>(n);
            std::vector<T> out(a.size());
            fastcpp::scale_and_shift(std::span<const T>(a), 2.5, -1.25, std::span<T>(out));
            for (std::size_t i = 0; i < a.size(); ++i)
                REQUIRE(out[i] == static_cast<T>(static_cast<double>(a[i]) * 2.5 + -1.25));
        }
    }
    SECTION("in place") {
        auto a = ramp<T>(1000);
        const auto before = a;
        fastcpp::scale_and_shift(std::span<const T>(a), 3.0, 0.5, std::span<T>(a));
        for (std::size_t i = 0; i < a.size(); ++i)
            REQUIRE(a[i] == static_cast<T>(static_cast<double>(before[i]) * 3.0 + 0.5));
    }
    SECTION("strided rows and broadcast input") {
        // Two rows of 3 taken every other element; the input is one value broadcast.
        std::vector<T> out(12, T(-7));
        const std::vector<index_t> out_off{0, 6}, in_off{0, 0};
        const T one = 4;
        fastcpp::scale_and_shift(Rows<const T>{&one, 3, 0, in_off}, 0.5, 1.0,
                                 Rows<T>{out.data(), 3, 2, out_off});
        const std::vector<T> expect{3, -7, 3, -7, 3, -7, 3, -7, 3, -7, 3, -7};
        REQUIRE(out == expect);
    }
    SECTION("NaN and inf follow IEEE") {
        const T nan = std::numeric_limits<T>::quiet_NaN(), inf = std::numeric_limits<T>::infinity();
        std::vector<T> a{nan, inf, -inf}, out(3);
        fastcpp::scale_and_shift(std::span<const T>(a), 2.0, 1.0, std::span<T>(out));
        REQUIRE(std::isnan(out[0]));
        REQUIRE(out[1] == inf);
        REQUIRE(out[2] == -inf);
    }
    SECTION("shape mismatch throws") {
        std::vector<T> a(3), out(4);
        REQUIRE_THROWS_AS(
            fastcpp::scale_and_shift(std::span<const T>(a), 1.0, 0.0, std::span<T>(out)),
            std::invalid_argument);
    }
}

TEMPLATE_TEST_CASE("circle_area", "[elementwise]", float, double) {
    using T = TestType;
    REQUIRE(fastcpp::circle_area(2.0) == std::numbers::pi * 4.0);
    auto r = ramp<T>(1001);
    std::vector<T> out(r.size());
    fastcpp::circle_area(std::span<const T>(r), std::span<T>(out));
    for (std::size_t i = 0; i < r.size(); ++i) {
        const double x = static_cast<double>(r[i]);
        REQUIRE(out[i] == static_cast<T>(std::numbers::pi * (x * x)));
    }
}

TEMPLATE_TEST_CASE("gaussian", "[elementwise]", float, double) {
    using T = TestType;
    SECTION("values against std::exp") {
        for (index_t n : {0, 1, 7, 1000, 70001}) {
            auto a = ramp<T>(n, 0.9, -18.0);
            std::vector<T> out(a.size());
            fastcpp::gaussian(std::span<const T>(a), 1.7, std::span<T>(out));
            for (std::size_t i = 0; i < a.size(); ++i) {
                const double x = static_cast<double>(a[i]);
                const double ref = std::exp(-(x * x) / (2 * 1.7 * 1.7));
                REQUIRE(static_cast<double>(out[i]) ==
                        Approx(ref).epsilon(rel_tol<T>()).margin(abs_tol<T>()));
            }
        }
    }
    SECTION("scalar form") {
        REQUIRE(fastcpp::gaussian(0.0, 2.0) == 1.0);
        REQUIRE(fastcpp::gaussian(2.0, 2.0) == Approx(std::exp(-0.5)).epsilon(kTightRel));
    }
    SECTION("in place") {
        auto a = ramp<T>(5000);
        const auto before = a;
        fastcpp::gaussian(std::span<const T>(a), 0.8, std::span<T>(a));
        for (std::size_t i = 0; i < a.size(); ++i) {
            const double x = static_cast<double>(before[i]);
            REQUIRE(static_cast<double>(a[i]) ==
                    Approx(std::exp(-(x * x) / 1.28)).epsilon(rel_tol<T>()).margin(abs_tol<T>()));
        }
    }
    SECTION("sigma must be finite and > 0") {
        std::vector<T> a(3), out(3);
        for (double bad : {0.0, -1.0, std::numeric_limits<double>::infinity(),
                           std::numeric_limits<double>::quiet_NaN()}) {
            REQUIRE_THROWS_AS(fastcpp::gaussian(std::span<const T>(a), bad, std::span<T>(out)),
                              std::invalid_argument);
        }
        REQUIRE_THROWS_WITH(fastcpp::gaussian(1.0, -2.0), FASTCPP_CONTAINS("sigma (=-2)"));
        // Checked even when there is nothing to compute.
        std::vector<T> none;
        REQUIRE_THROWS_AS(fastcpp::gaussian(std::span<const T>(none), 0.0, std::span<T>(none)),
                          std::invalid_argument);
    }
}

TEMPLATE_TEST_CASE("polar_to_cartesian", "[elementwise]", float, double) {
    using T = TestType;
    SECTION("values, with and without threads") {
        for (int threads : {1, 4}) {
            const int saved = fastcpp::num_threads();
            fastcpp::set_num_threads(threads);
            for (index_t n : {0, 1, 7, 1000, 100003}) {
                auto r = ramp<T>(n, 0.5, 0.0);
                auto t = ramp<T>(n, 0.61, -12.0);
                std::vector<T> x(r.size()), y(r.size());
                fastcpp::polar_to_cartesian(std::span<const T>(r), std::span<const T>(t),
                                            std::span<T>(x), std::span<T>(y));
                for (std::size_t i = 0; i < r.size(); ++i) {
                    const double rr = static_cast<double>(r[i]), tt = static_cast<double>(t[i]);
                    REQUIRE(static_cast<double>(x[i]) ==
                            Approx(rr * std::cos(tt)).epsilon(rel_tol<T>()).margin(abs_tol<T>()));
                    REQUIRE(static_cast<double>(y[i]) ==
                            Approx(rr * std::sin(tt)).epsilon(rel_tol<T>()).margin(abs_tol<T>()));
                }
            }
            fastcpp::set_num_threads(saved);
        }
    }
    SECTION("broadcast radius (stride 0)") {
        const T one = 2;
        auto t = ramp<T>(9);
        std::vector<T> x(9), y(9);
        const std::vector<index_t> off{0};
        fastcpp::polar_to_cartesian(Rows<const T>{&one, 9, 0, off}, Rows<const T>{t.data(), 9, 1, off},
                                    Rows<T>{x.data(), 9, 1, off}, Rows<T>{y.data(), 9, 1, off});
        for (std::size_t i = 0; i < 9; ++i)
            REQUIRE(static_cast<double>(x[i]) ==
                    Approx(2 * std::cos(static_cast<double>(t[i]))).epsilon(rel_tol<T>()).margin(abs_tol<T>()));
    }
    SECTION("shape mismatch throws") {
        std::vector<T> r(3), t(2), x(3), y(3);
        REQUIRE_THROWS_AS(fastcpp::polar_to_cartesian(std::span<const T>(r), std::span<const T>(t),
                                                      std::span<T>(x), std::span<T>(y)),
                          std::invalid_argument);
    }
}
