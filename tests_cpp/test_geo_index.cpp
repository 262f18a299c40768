// GeoIndex against the brute-force nearest_k (bit-identical) and a plain
// scan for radius queries.
#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

#include "catch_compat.hpp"
#include "fastcpp/config.hpp"
#include "fastcpp/geo.hpp"
#include "fastcpp/geo_index.hpp"

using fastcpp::GeoIndex;
using fastcpp::index_t;

namespace {

struct Points {
    std::vector<double> lats, lons;
};

/// Uniform on the sphere, plus a dense cluster, exact duplicates, the poles
/// and points on both sides of the antimeridian.
Points mixed(index_t n, unsigned seed) {
    std::mt19937_64 g(seed);
    std::uniform_real_distribution<double> u(-1, 1), lon(-180, 180), tiny(-1e-3, 1e-3);
    Points p;
    for (index_t i = 0; i < n; ++i) {
        p.lats.push_back(std::asin(u(g)) * 180 / 3.141592653589793);
        p.lons.push_back(lon(g));
    }
    for (int i = 0; i < 50; ++i) {
        p.lats.push_back(45 + tiny(g));
        p.lons.push_back(179.9995 + tiny(g));
    }
    for (int i = 0; i < 10; ++i) {
        p.lats.push_back(10.0);
        p.lons.push_back(20.0);
    }
    for (double la : {90.0, -90.0, 89.9999, -89.9999}) {
        p.lats.push_back(la);
        p.lons.push_back(lon(g));
    }
    return p;
}

}  // namespace

TEST_CASE("GeoIndex query equals brute-force nearest_k", "[geo_index]") {
    const Points p = mixed(3000, 11);
    const GeoIndex ix(p.lats, p.lons);
    REQUIRE(ix.size() == static_cast<index_t>(p.lats.size()));
    std::mt19937_64 g(5);
    std::uniform_real_distribution<double> u(-1, 1), lon(-180, 180);
    std::vector<double> qlat, qlon;
    for (int i = 0; i < 200; ++i) {
        qlat.push_back(std::asin(u(g)) * 180 / 3.141592653589793);
        qlon.push_back(lon(g));
    }
    // Hard queries: on points, at the duplicates, the poles, the antimeridian,
    // antipodes of points.
    for (double la : {10.0, 90.0, -90.0, 45.0, -45.0, 0.0}) {
        qlat.push_back(la);
        qlon.push_back(la == 45.0 ? -180.0 : (la == -45.0 ? 0.0004 : 20.0));
    }
    for (int i = 0; i < 20; ++i) {
        qlat.push_back(-p.lats[static_cast<std::size_t>(i)]);
        qlon.push_back(p.lons[static_cast<std::size_t>(i)] + 180);
    }
    for (index_t k : {index_t{1}, index_t{5}, index_t{12}, index_t{64}}) {
        const auto nq = qlat.size();
        std::vector<index_t> idx(nq * static_cast<std::size_t>(k));
        std::vector<double> d(idx.size());
        ix.query(qlat, qlon, k, idx, d);
        for (std::size_t q = 0; q < nq; ++q) {
            const auto ref = fastcpp::nearest_k(qlat[q], qlon[q], std::span<const double>(p.lats),
                                                std::span<const double>(p.lons), k);
            for (index_t j = 0; j < k; ++j) {
                const auto at = q * static_cast<std::size_t>(k) + static_cast<std::size_t>(j);
                REQUIRE(idx[at] == ref.indices[static_cast<std::size_t>(j)]);
                REQUIRE(d[at] == ref.distances[static_cast<std::size_t>(j)]);
            }
        }
    }
    // k = n returns every point, sorted like the brute force.
    const auto all = ix.query(1.0, 2.0, ix.size());
    const auto ref = fastcpp::nearest_k(1.0, 2.0, std::span<const double>(p.lats),
                                        std::span<const double>(p.lons), ix.size());
    REQUIRE(all.indices == ref.indices);
    REQUIRE(all.distances == ref.distances);
}

TEST_CASE("GeoIndex query_radius equals a scan", "[geo_index]") {
    const Points p = mixed(2000, 3);
    const GeoIndex ix(p.lats, p.lons, 1.0);
    const std::vector<double> qlat{10.0, 45.0, -90.0, 0.0}, qlon{20.0, 179.9999, 0.0, -33.0};
    for (double r : {0.0, 1e-5, 0.05, 0.5, 3.0, 4.0}) {
        const auto res = ix.query_radius(qlat, qlon, r);
        REQUIRE(res.offsets.size() == qlat.size() + 1);
        for (std::size_t q = 0; q < qlat.size(); ++q) {
            // The scan: the distances of every point, as nearest_k computes them.
            const auto every = fastcpp::nearest_k(qlat[q], qlon[q], std::span<const double>(p.lats),
                                                  std::span<const double>(p.lons),
                                                  static_cast<index_t>(p.lats.size()), 1.0);
            // Points within rounding of r may fall either way; the rest must match.
            std::vector<index_t> want, maybe;
            for (std::size_t j = 0; j < every.indices.size(); ++j) {
                const double d = every.distances[j];
                if (std::fabs(d - r) <= 1e-12)
                    maybe.push_back(every.indices[j]);
                else if (d <= r)
                    want.push_back(every.indices[j]);
            }
            const auto b = static_cast<std::size_t>(res.offsets[q]),
                       e = static_cast<std::size_t>(res.offsets[q + 1]);
            std::vector<index_t> got(res.indices.begin() + static_cast<std::ptrdiff_t>(b),
                                     res.indices.begin() + static_cast<std::ptrdiff_t>(e));
            for (std::size_t j = b; j + 1 < e; ++j) {  // ascending, ties by index
                REQUIRE(res.distances[j] <= res.distances[j + 1]);
                if (res.distances[j] == res.distances[j + 1])
                    REQUIRE(res.indices[j] < res.indices[j + 1]);
            }
            std::sort(got.begin(), got.end());
            std::sort(want.begin(), want.end());
            std::vector<index_t> extra;
            std::set_difference(got.begin(), got.end(), want.begin(), want.end(),
                                std::back_inserter(extra));
            std::sort(maybe.begin(), maybe.end());
            REQUIRE(std::includes(got.begin(), got.end(), want.begin(), want.end()));
            REQUIRE(std::includes(maybe.begin(), maybe.end(), extra.begin(), extra.end()));
        }
    }
}

TEST_CASE("GeoIndex does not depend on the thread count", "[geo_index]") {
    const Points p = mixed(5000, 9);
    const int before = fastcpp::num_threads();
    fastcpp::set_num_threads(1);
    const GeoIndex one(p.lats, p.lons);
    const auto a = one.query(-12.0, 100.0, 7);
    fastcpp::set_num_threads(4);
    const GeoIndex four(p.lats, p.lons);
    const auto b = four.query(-12.0, 100.0, 7);
    fastcpp::set_num_threads(before);
    REQUIRE(a.indices == b.indices);
    REQUIRE(a.distances == b.distances);
}

TEST_CASE("GeoIndex rejects bad input", "[geo_index]") {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const std::vector<double> la{0, 1, 2}, lo{0, 1, 2};
    REQUIRE_THROWS_AS(GeoIndex(std::vector<double>{0, nan}, std::vector<double>{0, 0}),
                      std::invalid_argument);
    REQUIRE_THROWS_WITH(GeoIndex(std::vector<double>{0, 91}, std::vector<double>{0, 0}),
                        FASTCPP_CONTAINS("lats[1] (=91)"));
    REQUIRE_THROWS_AS(GeoIndex(la, std::vector<double>{0, 1}), std::invalid_argument);
    REQUIRE_THROWS_AS(GeoIndex(la, std::vector<double>{0, INFINITY, 0}), std::invalid_argument);
    REQUIRE_THROWS_AS(GeoIndex(la, lo, 0.0), std::invalid_argument);
    const GeoIndex ix(la, lo);
    REQUIRE_THROWS_AS((void)ix.query(0, 0, 4), std::invalid_argument);
    REQUIRE_THROWS_AS((void)ix.query(0, 0, 0), std::invalid_argument);
    REQUIRE_THROWS_AS((void)ix.query(nan, 0, 1), std::invalid_argument);
    REQUIRE_THROWS_AS((void)ix.query(-90.5, 0, 1), std::invalid_argument);
    const std::vector<double> q{0};
    REQUIRE_THROWS_AS((void)ix.query_radius(q, q, -1.0), std::invalid_argument);
    REQUIRE_THROWS_AS((void)ix.query_radius(q, q, nan), std::invalid_argument);
    const GeoIndex empty(std::vector<double>{}, std::vector<double>{});
    REQUIRE(empty.size() == 0);
    REQUIRE(empty.query_radius(q, q, 1.0).indices.empty());
}
