#include <atomic>
#include <cstdio>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "catch_compat.hpp"
#include "fastcpp/config.hpp"
#include "fastcpp/detail/dispatch.hpp"
#include "fastcpp/detail/parallel.hpp"
#include "fastcpp/detail/thread_pool.hpp"

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
        REQUIRE_THROWS_AS(fastcpp::detail::parallel_for(100, 1,
                                                        [](fastcpp::index_t, fastcpp::index_t) {
                                                            throw std::invalid_argument("x");
                                                        }),
                          std::invalid_argument);
    }
    SECTION("chunks a multiple of the thread count when the work allows few") {
        // 8 items worth 3 chunks of grain 3 on 2 threads: 4 equal chunks,
        // not 3 (which left one thread 5 of the 8 items).
        fastcpp::set_num_threads(2);
        std::vector<fastcpp::index_t> sizes;
        std::mutex m;
        fastcpp::detail::parallel_for(8, 3, [&](fastcpp::index_t b, fastcpp::index_t e) {
            const std::lock_guard<std::mutex> lock(m);
            sizes.push_back(e - b);
        });
        REQUIRE(sizes == std::vector<fastcpp::index_t>{2, 2, 2, 2});
    }
    SECTION("map_ranges: ranges a multiple of the thread count when the work allows few") {
        // 10 items worth 3 ranges of grain 3 on 2 threads: 4 ranges, in order.
        using Range = std::pair<fastcpp::index_t, fastcpp::index_t>;
        fastcpp::set_num_threads(2);
        const auto r = fastcpp::detail::map_ranges<Range>(
            10, 3, [](fastcpp::index_t b, fastcpp::index_t e) { return Range{b, e}; });
        REQUIRE(r == std::vector<Range>{{0, 2}, {2, 5}, {5, 7}, {7, 10}});
    }
    SECTION("parallel_rows covers every (row, element) once") {
        for (auto [rows, len] : {std::pair<fastcpp::index_t, fastcpp::index_t>{1, 100000},
                                 {3, 50000},
                                 {1000, 7},
                                 {0, 5},
                                 {5, 0}}) {
            std::vector<std::atomic<int>> hits(static_cast<std::size_t>(rows * len));
            fastcpp::detail::parallel_rows(
                rows, len, 1000, [&](fastcpp::index_t r, fastcpp::index_t b, fastcpp::index_t e) {
                    for (auto i = b; i < e; ++i) hits[static_cast<std::size_t>(r * len + i)]++;
                });
            for (auto& h : hits) REQUIRE(h.load() == 1);
        }
    }
    fastcpp::set_num_threads(before);
}

TEST_CASE("build facts", "[config]") {
    REQUIRE(!fastcpp::version().empty());
    const auto level = fastcpp::simd_level();
    REQUIRE((level == "baseline" || level == "x86-64-v2" || level == "x86-64-v3" ||
             level == "x86-64-v4"));
    REQUIRE(level <= fastcpp::cpu_simd_level());  // the names sort by capability
}

// scripts/test.sh reads the CPU's level from this line to pick the levels
// it reruns the suite at.
TEST_CASE("SIMD levels in use", "[config][simd-level]") {
    std::printf("simd level: %s, cpu simd level: %s\n", fastcpp::simd_level().c_str(),
                fastcpp::cpu_simd_level().c_str());
    SUCCEED();
}

TEST_CASE("FASTCPP_SIMD caps the dispatch level", "[config][simd]") {
    using fastcpp::detail::choose_simd_level;
    using L = fastcpp::detail::SimdLevel;
    if (!FASTCPP_DISPATCH_X86) return;  // a build without dispatch ignores the variable
    SECTION("unset or empty: the CPU's level") {
        REQUIRE(choose_simd_level(L::x86_64_v3, nullptr).active == L::x86_64_v3);
        REQUIRE(choose_simd_level(L::x86_64_v3, "").active == L::x86_64_v3);
        REQUIRE(choose_simd_level(L::x86_64_v3, nullptr).warning.empty());
    }
    SECTION("a lower level is taken, case-insensitively") {
        REQUIRE(choose_simd_level(L::x86_64_v4, "baseline").active == L::baseline);
        // x86-64-v2 is accepted and runs the baseline copy (no separate one).
        REQUIRE(choose_simd_level(L::x86_64_v4, "x86-64-v2").active == L::baseline);
        REQUIRE(choose_simd_level(L::x86_64_v2, nullptr).active == L::baseline);
        REQUIRE(choose_simd_level(L::x86_64_v2, nullptr).cpu == L::x86_64_v2);
        REQUIRE(choose_simd_level(L::x86_64_v4, "X86-64-V3").active == L::x86_64_v3);
        REQUIRE(choose_simd_level(L::x86_64_v4, "x86-64-v3").warning.empty());
    }
    SECTION("never above what the CPU supports") {
        REQUIRE(choose_simd_level(L::x86_64_v3, "x86-64-v4").active == L::x86_64_v3);
        REQUIRE(choose_simd_level(L::baseline, "x86-64-v3").active == L::baseline);
        REQUIRE(choose_simd_level(L::x86_64_v3, "x86-64-v4").cpu == L::x86_64_v3);
    }
    SECTION("an unknown value is ignored and reported") {
        const auto c = choose_simd_level(L::x86_64_v3, "avx2");
        REQUIRE(c.active == L::x86_64_v3);
        REQUIRE_THAT(c.warning, FASTCPP_CONTAINS("FASTCPP_SIMD='avx2'"));
        REQUIRE_THAT(c.warning, FASTCPP_CONTAINS("baseline, x86-64-v2, x86-64-v3, x86-64-v4"));
    }
}

TEST_CASE("dispatch runs the callable once and returns its value", "[config][simd]") {
    int calls = 0;
    const double r = fastcpp::detail::dispatch([&] {
        ++calls;
        return 2.5;
    });
    REQUIRE(r == 2.5);
    REQUIRE(calls == 1);
    fastcpp::detail::dispatch([&] { ++calls; });
    REQUIRE(calls == 2);
}

TEST_CASE("a thread's own count and the helper budget", "[config]") {
    const int global = fastcpp::num_threads();
    REQUIRE(fastcpp::set_local_num_threads(2) == 0);
    REQUIRE(fastcpp::num_threads() == 2);
    int other = 0;
    std::thread([&] { other = fastcpp::num_threads(); }).join();
    REQUIRE(other == global);  // the override is the calling thread's only
    REQUIRE(fastcpp::set_local_num_threads(0) == 2);
    REQUIRE(fastcpp::num_threads() == global);
    REQUIRE_THROWS_AS(fastcpp::set_local_num_threads(-1), std::invalid_argument);
    REQUIRE_THROWS_AS(fastcpp::check_num_threads("threads", 0), std::invalid_argument);

    SECTION("leases never exceed CPUs - 1 and are given back") {
        const int budget = fastcpp::detail::helper_budget();
        {
            const fastcpp::detail::HelperLease a(1000);
            REQUIRE(a.count() == budget);
            const fastcpp::detail::HelperLease b(1);
            REQUIRE(b.count() == 0);
        }
        REQUIRE(fastcpp::detail::helpers_running().load() == 0);
    }
}

TEST_CASE("pooled helpers: reused, shared by concurrent callers, never above the budget",
          "[config]") {
    const int before = fastcpp::num_threads();
    fastcpp::set_num_threads(4);
    constexpr fastcpp::index_t n = 20000;
    std::atomic<int> bad{0};
    auto caller = [&] {
        for (int call = 0; call < 200; ++call) {
            std::vector<std::atomic<int>> hits(static_cast<std::size_t>(n));
            fastcpp::detail::parallel_for(n, 100, [&](fastcpp::index_t b, fastcpp::index_t e) {
                for (auto i = b; i < e; ++i) hits[static_cast<std::size_t>(i)]++;
            });
            for (auto& h : hits)
                if (h.load() != 1) ++bad;
        }
    };
    std::vector<std::thread> callers;
    for (int t = 0; t < 4; ++t) callers.emplace_back(caller);
    caller();
    for (auto& t : callers) t.join();
    REQUIRE(bad.load() == 0);
    REQUIRE(fastcpp::detail::pool_threads() <= fastcpp::detail::helper_budget());
    REQUIRE(fastcpp::detail::helpers_running().load() == 0);
    SECTION("a helper's exception reaches its own caller only") {
        for (int call = 0; call < 50; ++call) {
            REQUIRE_THROWS_AS(
                fastcpp::detail::parallel_for(64, 1,
                                              [](fastcpp::index_t b, fastcpp::index_t) {
                                                  if (b >= 32) throw std::invalid_argument("x");
                                              }),
                std::invalid_argument);
            std::atomic<fastcpp::index_t> sum{0};
            fastcpp::detail::parallel_for(
                64, 1, [&](fastcpp::index_t b, fastcpp::index_t e) { sum += e - b; });
            REQUIRE(sum.load() == 64);
        }
    }
    fastcpp::set_num_threads(before);
}
