#include <stdexcept>

#include "catch_compat.hpp"
#include "fastcpp/config.hpp"
#include "fastcpp/detail/parallel.hpp"

#include <atomic>
#include <vector>

TEST_CASE("thread count setting", "[config]") {
    const int before = fastcpp::num_threads();
    REQUIRE(before >= 1);
    SECTION("set and read back") {
        fastcpp::set_num_threads(3);
        REQUIRE(fastcpp::num_threads() == 3);
    }
    SECTION("bad values throw") {
        REQUIRE_THROWS_AS(fastcpp::set_num_threads(0), std::invalid_argument);
        REQUIRE_THROWS_WITH(fastcpp::set_num_threads(-2), FASTCPP_CONTAINS("n (=-2)"));
    }
    fastcpp::set_num_threads(before);
}

TEST_CASE("parallel_for covers every item once", "[config]") {
    const int before = fastcpp::num_threads();
    fastcpp::set_num_threads(4);
    for (fastcpp::index_t n : {0, 1, 7, 1000, 100003}) {
        std::vector<std::atomic<int>> hits(static_cast<std::size_t>(n));
        fastcpp::detail::parallel_for(n, 10, [&](fastcpp::index_t b, fastcpp::index_t e) {
            for (auto i = b; i < e; ++i) hits[static_cast<std::size_t>(i)]++;
        });
        for (auto& h : hits) REQUIRE(h.load() == 1);
    }
    SECTION("exceptions reach the caller") {
        REQUIRE_THROWS_AS(fastcpp::detail::parallel_for(
                              100, 1, [](fastcpp::index_t, fastcpp::index_t) {
                                  throw std::invalid_argument("x");
                              }),
                          std::invalid_argument);
    }
    SECTION("parallel_rows covers every (row, element) once") {
        for (auto [rows, len] : {std::pair<fastcpp::index_t, fastcpp::index_t>{1, 100000},
                                 {3, 50000}, {1000, 7}, {0, 5}, {5, 0}}) {
            std::vector<std::atomic<int>> hits(static_cast<std::size_t>(rows * len));
            fastcpp::detail::parallel_rows(rows, len, 1000,
                                           [&](fastcpp::index_t r, fastcpp::index_t b,
                                               fastcpp::index_t e) {
                                               for (auto i = b; i < e; ++i)
                                                   hits[static_cast<std::size_t>(r * len + i)]++;
                                           });
            for (auto& h : hits) REQUIRE(h.load() == 1);
        }
    }
    fastcpp::set_num_threads(before);
}

TEST_CASE("build facts", "[config]") {
    REQUIRE(!fastcpp::version().empty());
    const auto level = fastcpp::simd_level();
    REQUIRE((level == "baseline" || level == "x86-64-v3" || level == "x86-64-v4"));
}
