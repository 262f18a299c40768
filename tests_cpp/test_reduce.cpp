#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <random>
#include <stdexcept>
#include <vector>

#include "catch_compat.hpp"
#include "fastcpp/config.hpp"
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
        REQUIRE_THROWS_AS(
            fastcpp::dot(Strided<const T>(a.data(), 3, 1), Strided<const T>(b.data(), 4, 1)),
            std::invalid_argument);
    }
}

namespace {

/// ±pairs over 2^-100 ... 2^100, shuffled, plus `units`: the exact sum is the
/// sum of the units, tiny beside every partial sum.
template <class T>
std::vector<T> pairs_with_units(std::size_t pairs, const std::vector<T>& units, unsigned seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> mant(1.0, 2.0);
    std::uniform_int_distribution<int> expo(-100, 100);
    std::vector<T> v;
    for (std::size_t i = 0; i < pairs; ++i) {
        const T x = static_cast<T>(std::ldexp(mant(rng), expo(rng)));
        v.push_back(x);
        v.push_back(-x);
    }
    v.insert(v.end(), units.begin(), units.end());
    std::shuffle(v.begin(), v.end(), rng);
    return v;
}

/// Restores the thread count on scope exit.
struct ThreadCount {
    int before = fastcpp::num_threads();
    ~ThreadCount() { fastcpp::set_num_threads(before); }
};

}  // namespace

TEST_CASE("sum is correctly rounded", "[reduce][sum]") {
    using V = std::vector<double>;
    SECTION("cancellation and intermediate overflow") {
        REQUIRE(fastcpp::sum(V{1e16, 1.0, -1e16}) == 1.0);
        REQUIRE(fastcpp::sum(V{1e308, 1e308, -1e308, -1e308, 1.0}) == 1.0);
        REQUIRE(fastcpp::sum(V{1e308, 1e308}) == INFINITY);
        REQUIRE(fastcpp::sum(V{-1e308, -1e308, 1e300}) == -INFINITY);
    }
    SECTION("ties round to even, sticky bits break ties") {
        REQUIRE(fastcpp::sum(V{1.0, 0x1p-53}) == 1.0);
        REQUIRE(fastcpp::sum(V{1.0, 0x1p-53, 0x1p-106}) == 1.0 + 0x1p-52);
        REQUIRE(fastcpp::sum(V{1.0 + 0x1p-52, 0x1p-53}) == 1.0 + 0x1p-51);
        REQUIRE(fastcpp::sum(V{0x1p1023, 0x1p1023 - 0x1p970, -0x1p1023}) == 0x1p1023 - 0x1p970);
    }
    SECTION("subnormals") {
        const double d = std::numeric_limits<double>::denorm_min();
        REQUIRE(fastcpp::sum(V(1000, d)) == 1000 * d);
        REQUIRE(fastcpp::sum(V{0x1p-1022, -d}) == 0x1p-1022 - d);
        REQUIRE(fastcpp::sum(V{3e-320, 4e-320, -7e-320}) == 0.0);
    }
    SECTION("inf and NaN as math.fsum") {
        const double inf = INFINITY, nan = NAN;
        REQUIRE(std::isnan(fastcpp::sum(V{inf, -inf})));
        REQUIRE(std::isnan(fastcpp::sum(V{1.0, nan, inf})));
        REQUIRE(fastcpp::sum(V{inf, 1e308, 1e308}) == inf);
        REQUIRE(fastcpp::sum(V{-inf, 1.0}) == -inf);
    }
    SECTION("zeros are +0.0, as math.fsum") {
        REQUIRE(!std::signbit(fastcpp::sum(V{-0.0, -0.0})));
        REQUIRE(!std::signbit(fastcpp::sum(V{})));
        REQUIRE(!std::signbit(fastcpp::sum(V{1.0, -1.0})));
    }
    SECTION("adversarial pairs, any thread count, strided, float32") {
        ThreadCount keep;
        const auto v = pairs_with_units<double>(300000, {1.0, 2.0, -0.5, 0x1p-60}, 7);
        const double want = 2.5 + 0x1p-60;
        const auto f = pairs_with_units<float>(200000, {1.0f, 0x1p-30f}, 8);
        for (int threads : {1, 2, 3, 8}) {
            fastcpp::set_num_threads(threads);
            REQUIRE(fastcpp::sum(v) == want);
            REQUIRE(fastcpp::sum(Strided<const float>(f.data(), std::ssize(f), 1)) ==
                    1.0 + 0x1p-30);
        }
        std::vector<double> spaced(3 * v.size());
        for (std::size_t i = 0; i < v.size(); ++i) spaced[3 * i] = v[i];
        REQUIRE(fastcpp::sum(Strided<const double>(spaced.data(), std::ssize(v), 3)) == want);
        REQUIRE(fastcpp::sum(Strided<const double>(spaced.data() + 3 * (v.size() - 1),
                                                   std::ssize(v), -3)) == want);
    }
    SECTION("random data against an exact integer reference") {
        // Values k * 2^-30 with |k| < 2^50: their exact sum is an integer
        // sum (int128), converted to double with one correct rounding.
        std::mt19937_64 rng(3);
        for (int trial = 0; trial < 20; ++trial) {
            const std::size_t n = trial < 10 ? 1 + rng() % 5000 : 1 + rng() % 400000;
            std::vector<double> v(n);
            fastcpp::int128_t exact = 0;
            const int bits = 10 + static_cast<int>(rng() % 40);
            for (auto& x : v) {
                const auto k = static_cast<std::int64_t>(rng() >> (64 - bits)) -
                               (std::int64_t{1} << (bits - 1));
                x = std::ldexp(static_cast<double>(k), -30);
                exact += k;
            }
            if (trial % 2 == 1) {  // cancel most of it: the exact path
                for (std::size_t i = 0; i + 1 < n; i += 2) {
                    exact -= static_cast<std::int64_t>(std::ldexp(v[i + 1], 30));
                    exact -= static_cast<std::int64_t>(std::ldexp(v[i], 30));
                    v[i + 1] = -v[i];
                    exact += static_cast<std::int64_t>(std::ldexp(v[i], 30));
                    exact += static_cast<std::int64_t>(std::ldexp(v[i + 1], 30));
                }
            }
            REQUIRE(fastcpp::sum(v) == std::ldexp(static_cast<double>(exact), -30));
        }
    }
}

TEST_CASE("plain_sum is the plain sum", "[reduce]") {
    std::vector<double> v(100001);
    std::iota(v.begin(), v.end(), 0.0);
    REQUIRE(fastcpp::detail::plain_sum(std::span<const double>(v)) == 100000.0 * 100001.0 / 2);
}

TEST_CASE("dot sums in compensated blocks", "[reduce][dot]") {
    std::vector<double> a{1e16, 1.0, -1e16}, b{1.0, 1.0, 1.0};
    REQUIRE(fastcpp::dot(a, b) == 1.0);
    // A million times 0.1: blocked summation keeps it to a few ulps.
    std::vector<double> x(1000000, 0.1), ones(1000000, 1.0);
    REQUIRE(fastcpp::dot(x, ones) == Approx(100000.0).epsilon(1e-14));
    std::vector<double> big{1e300, 1e300}, one{1e-300, -1e-300};
    REQUIRE(fastcpp::dot(big, one) == 0.0);
}

TEST_CASE("norm is safe in one pass", "[reduce][norm]") {
    using V = std::vector<double>;
    REQUIRE(fastcpp::norm(V{1e200, 1e200}) == Approx(std::sqrt(2.0) * 1e200).epsilon(1e-15));
    REQUIRE(fastcpp::norm(V{3e-200, 4e-200}) == Approx(5e-200).epsilon(1e-15));
    REQUIRE(fastcpp::norm(V{3e-320, 4e-320}) == 5e-320);
    REQUIRE(fastcpp::norm(V{3e300, 4e300}) == Approx(5e300).epsilon(1e-15));
    REQUIRE(fastcpp::norm(V{3e-300, 4e-300, 0.0}) == Approx(5e-300).epsilon(1e-15));
    REQUIRE(fastcpp::norm(V{0.0, -0.0}) == 0.0);
    REQUIRE(fastcpp::norm(V{1e300, 1.0, 1e-300}) == 1e300);
    REQUIRE(fastcpp::norm(V{1.0, 1e-300}) == 1.0);
    REQUIRE(fastcpp::norm(V{INFINITY, 1.0}) == INFINITY);
    REQUIRE(std::isnan(fastcpp::norm(V{INFINITY, NAN})));
    REQUIRE(std::isnan(fastcpp::norm(V{1e300, NAN})));
    REQUIRE(std::isnan(fastcpp::norm(V{1e-300, NAN})));
    V many(100003, 3e-320);
    REQUIRE(fastcpp::norm(many) == Approx(3e-320 * std::sqrt(100003.0)).epsilon(1e-12));
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
