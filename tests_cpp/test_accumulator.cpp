#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "catch_compat.hpp"
#include "fastcpp/accumulator.hpp"
#include "fastcpp/config.hpp"

using fastcpp::Accumulator;
using fastcpp_test::kTightRel;

namespace {

struct Reference {  // two-pass textbook moments
    double mean = 0, m2 = 0, m3 = 0, m4 = 0;
    explicit Reference(const std::vector<double>& v) {
        for (double x : v) mean += x;
        mean /= static_cast<double>(v.size());
        for (double x : v) {
            const double d = x - mean;
            m2 += d * d;
            m3 += d * d * d;
            m4 += d * d * d * d;
        }
    }
};

std::vector<double> random_values(std::size_t n, double offset, unsigned seed) {
    std::mt19937_64 gen(seed);
    std::normal_distribution<double> dist(0.0, 1.0);
    std::vector<double> v(n);
    for (auto& x : v) x = offset + std::exp(dist(gen));  // skewed, heavy-ish tail
    return v;
}

}  // namespace

TEST_CASE("Accumulator scenarios", "[accumulator]") {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();

    SECTION("empty") {
        Accumulator a;
        REQUIRE(a.count() == 0);
        REQUIRE(a.total() == 0.0);
        REQUIRE(a.mean() == 0.0);  // the original design, as RunStats
        REQUIRE(std::isnan(a.variance()));
        REQUIRE(std::isnan(a.min()));
        REQUIRE(std::isnan(a.max()));
        REQUIRE(std::isnan(a.skewness()));
        REQUIRE(std::isnan(a.kurtosis()));
    }
    SECTION("one value") {
        Accumulator a;
        a.add(2.5);
        REQUIRE(a.count() == 1);
        REQUIRE(a.mean() == 2.5);
        REQUIRE(a.variance() == 0.0);
        REQUIRE(std::isnan(a.variance(1)));
        REQUIRE(a.min() == 2.5);
        REQUIRE(a.max() == 2.5);
        REQUIRE(std::isnan(a.skewness()));
    }
    SECTION("initial is a starting total, not a value") {
        Accumulator a(10.0);
        a.add(1);
        a.add(2);
        REQUIRE(a.total() == 13.0);
        REQUIRE(a.mean() == 6.5);
        REQUIRE(a.variance() == 0.25);
    }
    SECTION("1e9 offset: variance exactly 22.5") {
        const std::vector<double> v{1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16};
        Accumulator one, many;
        for (double x : v) one.add(x);
        many.add_many(v);
        REQUIRE(one.variance() == 22.5);
        REQUIRE(many.variance() == 22.5);
    }
    SECTION("compensated total") {
        Accumulator a;
        a.add_many(std::vector<double>{1e16, 1.0, -1e16});
        REQUIRE(a.total() == 1.0);
        Accumulator b;
        for (double x : {1e16, 1.0, -1e16}) b.add(x);
        REQUIRE(b.total() == 1.0);
    }
    SECTION("NaN propagates") {
        Accumulator a;
        a.add_many(std::vector<double>{1.0, nan, 3.0});
        REQUIRE(std::isnan(a.mean()));
        REQUIRE(std::isnan(a.variance()));
        REQUIRE(std::isnan(a.min()));
        REQUIRE(std::isnan(a.max()));
        REQUIRE(a.count() == 3);
        Accumulator b;
        b.add(1.0);
        b.add(nan);
        b.add(0.5);
        REQUIRE(std::isnan(b.min()));
        REQUIRE(std::isnan(b.total()));
    }
    SECTION("inf follows IEEE") {
        Accumulator a;
        a.add_many(std::vector<double>{1.0, inf, 3.0});
        REQUIRE(a.total() == inf);
        REQUIRE(a.max() == inf);
        REQUIRE(a.min() == 1.0);
        REQUIRE(std::isnan(a.variance()));
    }
    SECTION("many values match the two-pass reference") {
        const auto v = random_values(100003, 1e6, 7);
        Accumulator a;
        a.add_many(v);
        Reference r(v);
        const auto n = static_cast<double>(v.size());
        REQUIRE(a.variance() == Approx(r.m2 / n).epsilon(1e-11));
        REQUIRE(a.skewness() == Approx(std::sqrt(n) * r.m3 / std::pow(r.m2, 1.5)).epsilon(1e-8));
        REQUIRE(a.kurtosis() == Approx(n * r.m4 / (r.m2 * r.m2) - 3).epsilon(1e-8));
    }
    SECTION("merge equals concatenation") {
        const auto v = random_values(5000, 3.0, 11);
        Accumulator whole, left, right;
        whole.add_many(v);
        left.add_many(std::span<const double>(v).first(1234));
        for (std::size_t i = 1234; i < v.size(); ++i) right.add(v[i]);
        left.merge(right);
        REQUIRE(left.count() == whole.count());
        REQUIRE(left.total() == Approx(whole.total()).epsilon(kTightRel));
        REQUIRE(left.variance() == Approx(whole.variance()).epsilon(1e-12));
        REQUIRE(left.skewness() == Approx(whole.skewness()).epsilon(1e-10));
        REQUIRE(left.kurtosis() == Approx(whole.kurtosis()).epsilon(1e-10));
        REQUIRE(left.min() == whole.min());
        REQUIRE(left.max() == whole.max());
    }
    SECTION("merge with self and with empty") {
        Accumulator a, empty;
        a.add_many(std::vector<double>{1, 2, 3});
        a.merge(empty);
        REQUIRE(a.count() == 3);
        a.merge(a);
        REQUIRE(a.count() == 6);
        REQUIRE(a.variance() == Approx(2.0 / 3.0));
    }
    SECTION("float input equals its float64 values") {
        std::vector<float> f{1.5f, 2.25f, -3.125f, 1e7f};
        std::vector<double> d(f.begin(), f.end());
        Accumulator af, ad;
        af.add_many(fastcpp::Strided<const float>(f.data(), 4, 1));
        ad.add_many(d);
        REQUIRE(af == ad);
    }
    SECTION("strided input") {
        std::vector<double> v{1, 100, 2, 100, 3, 100};
        Accumulator a;
        a.add_many(fastcpp::Strided<const double>(v.data(), 3, 2));
        REQUIRE(a.total() == 6.0);
        REQUIRE(a.max() == 3.0);
    }
    SECTION("state round-trips exactly; reset keeps initial") {
        Accumulator a(5.0);
        a.add_many(random_values(100, 0, 3));
        REQUIRE(Accumulator::from_state(a.state()) == a);
        a.reset();
        REQUIRE(a.count() == 0);
        REQUIRE(a.total() == 5.0);
    }
    SECTION("thread count does not change results beyond rounding") {
        const auto v = random_values(1 << 20, 0, 5);
        const int before = fastcpp::num_threads();
        fastcpp::set_num_threads(1);
        Accumulator one;
        one.add_many(v);
        fastcpp::set_num_threads(4);
        Accumulator four;
        four.add_many(v);
        fastcpp::set_num_threads(before);
        REQUIRE(four.total() == Approx(one.total()).epsilon(kTightRel));
        REQUIRE(four.variance() == Approx(one.variance()).epsilon(1e-12));
    }
}

TEST_CASE("Accumulator far from zero and at the edges (issue 12)", "[accumulator]") {
    std::mt19937_64 gen(12);
    std::normal_distribution<double> dist(0.0, 1.0);
    std::vector<double> v(50000);
    for (auto& x : v) x = 1e12 + dist(gen);
    // Two-pass reference in long double around the exact-ish mean.
    long double mean = 0;
    for (double x : v) mean += x;
    mean /= static_cast<long double>(v.size());
    long double m2 = 0;
    for (double x : v) m2 += (x - mean) * (x - mean);
    const auto ref = static_cast<double>(m2 / static_cast<long double>(v.size()));

    SECTION("add, add_many and merge keep 1e-10") {
        Accumulator one, many, merged;
        for (double x : v) one.add(x);
        many.add_many(v);
        for (std::size_t i = 0; i < v.size(); i += 997) {
            Accumulator part;
            part.add_many(
                std::span<const double>(v).subspan(i, std::min<std::size_t>(997, v.size() - i)));
            merged.merge(part);
        }
        REQUIRE(one.variance() == Approx(ref).epsilon(1e-10));
        REQUIRE(many.variance() == Approx(ref).epsilon(1e-10));
        REQUIRE(merged.variance() == Approx(ref).epsilon(1e-10));
    }
    SECTION("variance is never negative nor -0.0") {
        Accumulator a;
        a.add_many(std::vector<double>{1e-300, 2e-300, 3e-300});
        REQUIRE(!std::signbit(a.variance()));
        REQUIRE(!std::signbit(a.std()));
        Accumulator b;
        for (double x : {1e-300, 2e-300, 3e-300}) b.add(x);
        REQUIRE(!std::signbit(b.variance()));
    }
    SECTION("merge: totals add, a + b == b + a bit for bit") {
        Accumulator a(10.0), b(-2.5);
        a.add_many(std::span<const double>(v).first(1000));
        b.add_many(std::span<const double>(v).subspan(1000, 333));
        Accumulator ab = a, ba = b;
        ab.merge(b);
        ba.merge(a);
        REQUIRE(ab == ba);
        REQUIRE(ab.count() == 1333);
    }
}
