// The median filter's selection paths at the sizes where they hand over to
// each other (square boxes 3 ... 12: 3x3 shared columns, shared-row pair
// networks, radix selection, rank compression), on odd and even row counts
// and tiles with a partial last vector, against sorting every window.
#include <algorithm>
#include <bit>
#include <cstdint>
#include <random>
#include <type_traits>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif

#include "catch_compat.hpp"
#include "fastcpp/median_filter.hpp"

using fastcpp::BorderMode;
using fastcpp::index_t;

namespace {

index_t clamp_index(index_t i, index_t n) { return std::clamp<index_t>(i, 0, n - 1); }

/// Brute force, mode nearest; `group` interleaved channels filtered apart;
/// windows sorted by `less`.
template <class T, class Less = std::less<T>>
std::vector<T> sorted_windows(const std::vector<T>& img, index_t rows, index_t cols, index_t group,
                              index_t k, Less less = {}) {
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
                std::sort(win.begin(), win.end(), less);
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

namespace {

/// The median filter's float order as integers (-0.0 before +0.0; no NaN
/// here): unaffected by the MXCSR.
bool key_less(float a, float b) {
    auto key = [](float x) {
        const auto u = std::bit_cast<std::uint32_t>(x);
        return (u >> 31) != 0 ? ~u : u | 0x80000000u;
    };
    return key(a) < key(b);
}

/// Sets DAZ and FTZ in the MXCSR (as code built with -ffast-math does) for
/// its lifetime, where there is one.
struct FlushDenormals {
#if defined(__x86_64__) || defined(__i386__)
    unsigned saved = _mm_getcsr();
    FlushDenormals() { _mm_setcsr(saved | 0x8040u); }  // DAZ (bit 6) | FTZ (bit 15)
    ~FlushDenormals() { _mm_setcsr(saved); }
#endif
    FlushDenormals(const FlushDenormals&) = delete;
    FlushDenormals& operator=(const FlushDenormals&) = delete;
};

}  // namespace

TEST_CASE("3x3 median of subnormals with DAZ and FTZ set equals the key order",
          "[median_filter][3x3]") {
    // Float min/max take subnormals as zero under DAZ; the 3x3 float path
    // must leave rows holding them to the keys. Rows of three kinds in
    // every position of a pair of output rows: normal values and +0.0 (the
    // float path), subnormals of both signs among them, and -0.0 as well.
    std::mt19937 gen(11);
    const float values[] = {0x1p-149f, 0x2p-149f,  0x3p-149f,   0x1p-130f, 0x1.8p-127f,
                            0x1p-126f, 0x1.2p-126f, 0x1.8p-126f, 1.0f,      0.0f};
    std::uniform_int_distribution<int> pick(0, 9), sign(0, 1), kind(0, 2);
    const std::pair<index_t, index_t> shapes[] = {{20, 70}, {9, 33}, {6, 200}};
    for (auto [rows, cols] : shapes)
        for (int trial = 0; trial < 4; ++trial) {
            std::vector<float> img(static_cast<std::size_t>(rows * cols));
            for (index_t r = 0; r < rows; ++r) {
                const int k = kind(gen);  // 0: normal, 1: subnormals, 2: and -0.0
                for (index_t c = 0; c < cols; ++c) {
                    float v = values[pick(gen)];
                    if (sign(gen) != 0) v = -v;
                    if (k == 0 && v > -0x1p-126f && v < 0x1p-126f) v = 0.0f;  // zero or subnormal
                    if (k == 1 && v == 0.0f) v = 0.0f;                        // +0.0 only
                    img[static_cast<std::size_t>(r * cols + c)] = v;
                }
            }
            const auto want = sorted_windows(img, rows, cols, 1, 3, key_less);
            std::vector<float> got(img.size());
            {
                FlushDenormals daz;
                fastcpp::median_filter<float>(img, got, rows, cols, 3, 3, BorderMode::nearest);
            }
            INFO("rows " << rows << " cols " << cols << " trial " << trial);
            for (std::size_t k = 0; k < got.size(); ++k)
                REQUIRE(std::bit_cast<std::uint32_t>(got[k]) == std::bit_cast<std::uint32_t>(want[k]));
        }
}
