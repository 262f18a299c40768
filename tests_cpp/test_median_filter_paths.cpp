// The median filter's selection paths at the sizes where they hand over to
// each other (square boxes 3 ... 12: 3x3 shared columns, shared-row pair
// networks, radix selection, rank compression), on odd and even row counts
// and tiles with a partial last vector, against sorting every window.
#include <algorithm>
#include <cstdint>
#include <random>
#include <type_traits>
#include <vector>

#include "catch_compat.hpp"
#include "fastcpp/median_filter.hpp"

using fastcpp::BorderMode;
using fastcpp::index_t;

namespace {

index_t clamp_index(index_t i, index_t n) { return std::clamp<index_t>(i, 0, n - 1); }

/// Brute force, mode nearest; `group` interleaved channels filtered apart.
template <class T>
std::vector<T> sorted_windows(const std::vector<T>& img, index_t rows, index_t cols, index_t group,
                              index_t k) {
    std::vector<T> out(img.size()), win;
    for (index_t r = 0; r < rows; ++r)
        for (index_t c = 0; c < cols; ++c)
            for (index_t ch = 0; ch < group; ++ch) {
                win.clear();
                for (index_t i = 0; i < k; ++i)
                    for (index_t j = 0; j < k; ++j)
                        win.push_back(
                            img[static_cast<std::size_t>((clamp_index(r - k / 2 + i, rows) * cols +
                                                          clamp_index(c - k / 2 + j, cols)) *
                                                             group +
                                                         ch)]);
                std::sort(win.begin(), win.end());
                out[static_cast<std::size_t>((r * cols + c) * group + ch)] = win[win.size() / 2];
            }
    return out;
}

template <class T>
std::vector<T> random_values(std::size_t n, std::mt19937& gen, int levels) {
    std::uniform_int_distribution<int> d(0, levels - 1);
    std::vector<T> v(n);
    for (auto& x : v) x = static_cast<T>(d(gen) - (std::is_signed_v<T> ? levels / 2 : 0));
    return v;
}

}  // namespace

TEMPLATE_TEST_CASE("median_filter square boxes at every path boundary", "[median_filter]",
                   std::uint8_t, std::int8_t, float, std::int32_t) {
    std::mt19937 gen(7);
    const std::pair<index_t, index_t> shapes[] = {{16, 40}, {17, 33}, {9, 70}, {1, 5}};
    for (auto [rows, cols] : shapes)
        for (index_t k = 3; k <= 12; ++k)
            for (int levels : {3, 200}) {
                const auto img =
                    random_values<TestType>(static_cast<std::size_t>(rows * cols), gen, levels);
                std::vector<TestType> got(img.size());
                fastcpp::median_filter<TestType>(img, got, rows, cols, k, k, BorderMode::nearest);
                INFO("rows " << rows << " cols " << cols << " size " << k << " levels " << levels);
                CHECK(got == sorted_windows(img, rows, cols, 1, k));
            }
}

TEMPLATE_TEST_CASE("median_filter square boxes over interleaved channels", "[median_filter]",
                   std::uint8_t, float) {
    std::mt19937 gen(8);
    const index_t rows = 13, cols = 37, group = 3;
    const index_t shape[] = {rows, cols, group};
    const index_t strides[] = {cols * group, group, 1};
    for (index_t k = 3; k <= 9; ++k) {
        const auto img =
            random_values<TestType>(static_cast<std::size_t>(rows * cols * group), gen, 100);
        std::vector<TestType> got(img.size());
        const index_t size[] = {k, k, 1};
        fastcpp::FilterWindow window{size, {}, {}};
        fastcpp::median_filter<TestType>({img.data(), shape, strides}, {got.data(), shape, strides},
                                         window, BorderMode::nearest);
        INFO("size " << k);
        CHECK(got == sorted_windows(img, rows, cols, group, k));
    }
}
