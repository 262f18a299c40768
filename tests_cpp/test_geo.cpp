#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <numeric>
#include <random>
#include <stdexcept>
#include <vector>

#include "catch_compat.hpp"
#include "fastcpp/config.hpp"
#include "fastcpp/geo.hpp"

using fastcpp::index_t;
using fastcpp::Rows;
using fastcpp::Strided;
using fastcpp_test::kFloat32Rel;
using fastcpp_test::kTightRel;

namespace {

template <class T>
double rel_tol() {
    return sizeof(T) == 4 ? kFloat32Rel : kTightRel;
}

/// The textbook formula in long double: the slow reference.
double haversine_ref(double lat1, double lon1, double lat2, double lon2, double radius = 6371.0) {
    const long double k = std::numbers::pi_v<long double> / 180;
    const long double p1 = lat1 * k, p2 = lat2 * k;
    const long double s1 = std::sin((p2 - p1) / 2), s2 = std::sin((lon2 * k - lon1 * k) / 2);
    const long double h = s1 * s1 + std::cos(p1) * std::cos(p2) * s2 * s2;
    return static_cast<double>(radius * 2 * std::asin(std::sqrt(h)));
}

template <class T>
struct Cloud {
    std::vector<T> lats, lons;
    explicit Cloud(index_t n, unsigned seed = 7) {
        std::mt19937_64 g(seed);
        std::uniform_real_distribution<double> la(-90, 90), lo(-180, 180);
        for (index_t i = 0; i < n; ++i) {
            lats.push_back(static_cast<T>(la(g)));
            lons.push_back(static_cast<T>(lo(g)));
        }
    }
};

}  // namespace

TEMPLATE_TEST_CASE("distances", "[geo]", float, double) {
    using T = TestType;
    SECTION("3-4-5 and empty") {
        std::vector<T> p{3, 4, 0, 0, -6, 8}, out(3);
        fastcpp::distances(std::span<const T>(p), 2, std::span<T>(out));
        REQUIRE(out == std::vector<T>{5, 0, 10});
        std::vector<T> none, none_out;
        fastcpp::distances(std::span<const T>(none), 3, std::span<T>(none_out));
    }
    SECTION("D = 3 rows of a transposed (3, N) array") {
        // points.T of a row-major (3, 4) array: point r is column r.
        std::vector<T> m{1, 2, 3, 4, 0, 0, 0, 0, 2, 2, 2, 2};
        std::vector<index_t> off{0, 1, 2, 3};
        std::vector<T> out(4);
        fastcpp::distances(Rows<const T>{m.data(), 3, 4, off}, Strided<T>(out.data(), 4, 1));
        for (index_t r = 0; r < 4; ++r) {
            const double x = static_cast<double>(r + 1);
            REQUIRE(static_cast<double>(out[static_cast<std::size_t>(r)]) ==
                    Approx(std::sqrt(x * x + 4)).epsilon(rel_tol<T>()));
        }
    }
    SECTION("no overflow or underflow") {
        const T big = sizeof(T) == 4 ? T(1e30) : T(1e200);
        const T tiny = sizeof(T) == 4 ? T(1e-30) : T(1e-200);
        std::vector<T> p{big, big, tiny, tiny}, out(2);
        fastcpp::distances(std::span<const T>(p), 2, std::span<T>(out));
        REQUIRE(static_cast<double>(out[0]) ==
                Approx(std::sqrt(2.0) * static_cast<double>(big)).epsilon(rel_tol<T>()));
        REQUIRE(static_cast<double>(out[1]) ==
                Approx(std::sqrt(2.0) * static_cast<double>(tiny)).epsilon(rel_tol<T>()));
    }
    SECTION("NaN and inf") {
        const T nan = std::numeric_limits<T>::quiet_NaN(), inf = std::numeric_limits<T>::infinity();
        std::vector<T> p{nan, 1, inf, 1, inf, nan}, out(3);
        fastcpp::distances(std::span<const T>(p), 2, std::span<T>(out));
        REQUIRE(std::isnan(out[0]));
        REQUIRE(out[1] == inf);
        REQUIRE(std::isnan(out[2]));
    }
    SECTION("bad arguments") {
        std::vector<T> p(5), out(2);
        REQUIRE_THROWS_AS(fastcpp::distances(std::span<const T>(p), 2, std::span<T>(out)),
                          std::invalid_argument);
        REQUIRE_THROWS_AS(fastcpp::distances(std::span<const T>(p), 0, std::span<T>(out)),
                          std::invalid_argument);
        std::vector<T> q(6);
        REQUIRE_THROWS_AS(fastcpp::distances(std::span<const T>(q), 2, std::span<T>(out)),
                          std::invalid_argument);
    }
}

TEST_CASE("haversine scalar", "[geo]") {
    // Paris - New York, about 5837 km.
    REQUIRE(fastcpp::haversine(48.8566, 2.3522, 40.7128, -74.0060) ==
            Approx(haversine_ref(48.8566, 2.3522, 40.7128, -74.0060)).epsilon(kTightRel));
    REQUIRE(fastcpp::haversine(1, 2, 1, 2) == 0.0);
    REQUIRE(fastcpp::haversine(0, 0, 0, 180, 1.0) == Approx(std::numbers::pi).epsilon(kTightRel));
    REQUIRE_THROWS_WITH(fastcpp::haversine(0, 0, 1, 1, -1.0), FASTCPP_CONTAINS("radius (=-1)"));
    REQUIRE_THROWS_AS(fastcpp::haversine(0, 0, 1, 1, std::numeric_limits<double>::infinity()),
                      std::invalid_argument);
}

TEMPLATE_TEST_CASE("haversine arrays", "[geo]", float, double) {
    using T = TestType;
    SECTION("pairs against the long-double formula, any length") {
        for (index_t n : {0, 1, 7, 1000, 70001}) {
            Cloud<T> a(n, 1), b(n, 2);
            std::vector<T> out(static_cast<std::size_t>(n));
            fastcpp::haversine(std::span<const T>(a.lats), std::span<const T>(a.lons),
                               std::span<const T>(b.lats), std::span<const T>(b.lons),
                               std::span<T>(out));
            for (std::size_t i = 0; i < out.size(); ++i) {
                const double ref = haversine_ref(a.lats[i], a.lons[i], b.lats[i], b.lons[i]);
                REQUIRE(static_cast<double>(out[i]) == Approx(ref).epsilon(sizeof(T) == 4 ? 1e-6 : 1e-11));
            }
        }
    }
    SECTION("one point against many (stride 0) equals the scalar form") {
        Cloud<T> c(5000);
        const T lat = T(40.5), lon = T(-73.25);
        std::vector<T> out(c.lats.size());
        const std::vector<index_t> off{0};
        const index_t n = 5000;
        fastcpp::haversine(Rows<const T>{&lat, n, 0, off}, Rows<const T>{&lon, n, 0, off},
                           Rows<const T>{c.lats.data(), n, 1, off},
                           Rows<const T>{c.lons.data(), n, 1, off}, Rows<T>{out.data(), n, 1, off},
                           1.0);
        for (std::size_t i = 0; i < out.size(); ++i) {
            const double ref = fastcpp::haversine(lat, lon, c.lats[i], c.lons[i], 1.0);
            REQUIRE(static_cast<double>(out[i]) == Approx(ref).epsilon(rel_tol<T>()));
        }
    }
    SECTION("nearly antipodal points agree with the scalar libm formula") {
        // Ill-conditioned (arcsin near 1): the long-double formula differs by
        // ~1e-10, but the result must equal the double formula NumPy evaluates.
        std::vector<T> la1{0, 10, -45}, lo1{0, 20, 30}, la2{0, T(-10.000001), 45},
            lo2{T(179.99999), -160, -150}, out(3);
        fastcpp::haversine(std::span<const T>(la1), std::span<const T>(lo1), std::span<const T>(la2),
                           std::span<const T>(lo2), std::span<T>(out));
        for (std::size_t i = 0; i < 3; ++i)
            REQUIRE(static_cast<double>(out[i]) ==
                    Approx(fastcpp::haversine(la1[i], lo1[i], la2[i], lo2[i]))
                        .epsilon(rel_tol<T>()));
    }
    SECTION("NaN propagates") {
        const T nan = std::numeric_limits<T>::quiet_NaN();
        std::vector<T> a{nan, 1}, b{1, 1}, out(2);
        fastcpp::haversine(std::span<const T>(a), std::span<const T>(b), std::span<const T>(b),
                           std::span<const T>(b), std::span<T>(out));
        REQUIRE(std::isnan(out[0]));
        REQUIRE(out[1] == 0);
    }
    SECTION("shape mismatch throws") {
        std::vector<T> a(3), b(2), out(3);
        REQUIRE_THROWS_AS(fastcpp::haversine(std::span<const T>(a), std::span<const T>(b),
                                             std::span<const T>(a), std::span<const T>(a),
                                             std::span<T>(out)),
                          std::invalid_argument);
    }
}

TEMPLATE_TEST_CASE("nearest_k", "[geo]", float, double) {
    using T = TestType;
    /// Reference: all distances, stable sort by (distance NaN-last, index).
    auto reference = [](double lat, double lon, const Cloud<T>& c, index_t k) {
        std::vector<double> d(c.lats.size());
        for (std::size_t i = 0; i < d.size(); ++i)
            d[i] = fastcpp::haversine(lat, lon, c.lats[i], c.lons[i]);
        std::vector<index_t> idx(d.size());
        std::iota(idx.begin(), idx.end(), index_t{0});
        std::stable_sort(idx.begin(), idx.end(), [&](index_t a, index_t b) {
            const double da = d[static_cast<std::size_t>(a)], db = d[static_cast<std::size_t>(b)];
            if (std::isnan(da) || std::isnan(db)) return !std::isnan(da) && std::isnan(db);
            return da < db;
        });
        idx.resize(static_cast<std::size_t>(k));
        return idx;
    };
    SECTION("small and large k, one and several threads") {
        const int saved = fastcpp::num_threads();
        for (int threads : {1, 3}) {
            fastcpp::set_num_threads(threads);
            Cloud<T> c(100003);
            for (index_t k : {1, 5, 64, 65, 1000}) {
                auto res = fastcpp::nearest_k(12.5, -30.0, std::span<const T>(c.lats),
                                              std::span<const T>(c.lons), k);
                REQUIRE(res.indices == reference(12.5, -30.0, c, k));
                REQUIRE(std::is_sorted(res.distances.begin(), res.distances.end()));
            }
        }
        fastcpp::set_num_threads(saved);
    }
    SECTION("k = n, ties by index") {
        Cloud<T> c(7);
        c.lats[4] = c.lats[1];
        c.lons[4] = c.lons[1];
        c.lats[6] = c.lats[1];
        c.lons[6] = c.lons[1];
        auto res = fastcpp::nearest_k(c.lats[1], c.lons[1], std::span<const T>(c.lats),
                                      std::span<const T>(c.lons), 7);
        REQUIRE(res.indices[0] == 1);
        REQUIRE(res.indices[1] == 4);
        REQUIRE(res.indices[2] == 6);
        REQUIRE(res.distances[0] == 0);
        REQUIRE(res.indices == reference(c.lats[1], c.lons[1], c, 7));
    }
    SECTION("NaN coordinates come last") {
        Cloud<T> c(10);
        const T nan = std::numeric_limits<T>::quiet_NaN();
        c.lats[0] = nan;
        c.lons[3] = nan;
        for (index_t k : {3, 8, 9, 10}) {
            auto res = fastcpp::nearest_k(0.0, 0.0, std::span<const T>(c.lats),
                                          std::span<const T>(c.lons), k);
            REQUIRE(res.indices == reference(0.0, 0.0, c, k));
        }
        auto all = fastcpp::nearest_k(0.0, 0.0, std::span<const T>(c.lats),
                                      std::span<const T>(c.lons), 10);
        REQUIRE(all.indices[8] == 0);
        REQUIRE(all.indices[9] == 3);
        REQUIRE(std::isnan(all.distances[9]));
    }
    SECTION("bad arguments") {
        Cloud<T> c(5);
        std::span<const T> la(c.lats), lo(c.lons);
        REQUIRE_THROWS_WITH((void)fastcpp::nearest_k(0.0, 0.0, la, lo, 6),
                            FASTCPP_CONTAINS("k (=6) must be between 1 and 5"));
        REQUIRE_THROWS_AS((void)fastcpp::nearest_k(0.0, 0.0, la, lo, 0), std::invalid_argument);
        REQUIRE_THROWS_AS((void)fastcpp::nearest_k(0.0, 0.0, la, lo.first(4), 2),
                          std::invalid_argument);
        REQUIRE_THROWS_AS((void)fastcpp::nearest_k(0.0, 0.0, la, lo, 2, 0.0), std::invalid_argument);
        std::span<const T> none;
        REQUIRE_THROWS_AS((void)fastcpp::nearest_k(0.0, 0.0, none, none, 1), std::invalid_argument);
    }
}
