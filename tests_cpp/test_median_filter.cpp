#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <random>
#include <stdexcept>
#include <vector>

#include "catch_compat.hpp"
#include "fastcpp/median_filter.hpp"

using fastcpp::BorderMode;
using fastcpp::ImageView;
using fastcpp::index_t;

namespace {

/// A plain array (std::vector<bool> is a bit set, unusable through std::span).
template <class T>
struct Buf {
    std::unique_ptr<T[]> p;
    std::size_t n = 0;
    Buf() = default;
    explicit Buf(std::size_t size) : p(new T[size]()), n(size) {}
    Buf(std::initializer_list<T> il) : Buf(il.size()) { std::copy(il.begin(), il.end(), p.get()); }
    T* data() const { return p.get(); }
    std::size_t size() const { return n; }
    T* begin() const { return p.get(); }
    T* end() const { return p.get() + n; }
    T& operator[](std::size_t i) const { return p[i]; }
    operator std::span<T>() const { return {p.get(), n}; }  // NOLINT
    operator std::span<const T>() const { return {p.get(), n}; }  // NOLINT
};

/// scipy.ndimage's border index (independent restatement for the tests).
index_t ref_index(index_t i, index_t n, BorderMode m) {
    if (i >= 0 && i < n) return i;
    if (m == BorderMode::constant) return -1;
    if (m == BorderMode::nearest) return i < 0 ? 0 : n - 1;
    if (n == 1) return 0;
    if (m == BorderMode::wrap) return ((i % n) + n) % n;
    if (m == BorderMode::reflect) {  // reflect repeatedly
        while (i < 0 || i >= n) i = i < 0 ? -i - 1 : 2 * n - 1 - i;
        return i;
    }
    while (i < 0 || i >= n) i = i < 0 ? -i : 2 * n - 2 - i;  // mirror
    return i;
}

/// Sort order with NaN last (NumPy's).
template <class T>
bool less_nan_last(T a, T b) {
    if constexpr (std::is_floating_point_v<T>) {
        if (std::isnan(a)) return false;
        if (std::isnan(b)) return true;
    }
    return a < b;
}

/// Brute force: sort each window.
template <class T>
Buf<T> reference(const Buf<T>& img, index_t rows, index_t cols, index_t sr, index_t sc,
                 BorderMode m, T cval) {
    Buf<T> out(img.size()), win(static_cast<std::size_t>(sr * sc));
    for (index_t r = 0; r < rows; ++r)
        for (index_t c = 0; c < cols; ++c) {
            std::size_t w = 0;
            for (index_t i = 0; i < sr; ++i)
                for (index_t j = 0; j < sc; ++j) {
                    const index_t rr = ref_index(r - sr / 2 + i, rows, m);
                    const index_t cc = ref_index(c - sc / 2 + j, cols, m);
                    win[w++] = rr < 0 || cc < 0 ? cval
                                                : img[static_cast<std::size_t>(rr * cols + cc)];
                }
            std::sort(win.begin(), win.end(), less_nan_last<T>);
            out[static_cast<std::size_t>(r * cols + c)] = win[win.size() / 2];
        }
    return out;
}

template <class T>
Buf<T> random_image(index_t n, std::mt19937& gen, int levels) {
    std::uniform_int_distribution<int> d(0, levels - 1);
    Buf<T> v(static_cast<std::size_t>(n));
    for (auto& x : v) {
        if constexpr (std::is_same_v<T, bool>)
            x = d(gen) % 2 == 1;
        else if constexpr (std::is_floating_point_v<T>)
            x = static_cast<T>(d(gen) - levels / 2) / T(4);
        else if constexpr (std::is_signed_v<T>)
            x = static_cast<T>(d(gen) - levels / 2);
        else
            x = static_cast<T>(d(gen));
    }
    return v;
}

template <class T>
bool same(const Buf<T>& a, const Buf<T>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if constexpr (std::is_floating_point_v<T>) {
            if (std::isnan(a[i]) && std::isnan(b[i])) continue;
        }
        if (a[i] != b[i]) return false;
    }
    return true;
}

template <class T>
void check_against_reference(int levels) {
    std::mt19937 gen(42);
    const BorderMode modes[] = {BorderMode::reflect, BorderMode::mirror, BorderMode::nearest,
                                BorderMode::wrap, BorderMode::constant};
    const std::pair<index_t, index_t> shapes[] = {{1, 1}, {1, 13}, {11, 1}, {17, 31}, {40, 70}};
    const std::pair<index_t, index_t> sizes[] = {{1, 1}, {2, 2}, {3, 3}, {4, 4}, {5, 5},
                                                 {3, 7}, {1, 5}, {9, 9}, {13, 2}, {45, 3}};
    for (auto [rows, cols] : shapes)
        for (auto [sr, sc] : sizes)
            for (auto m : modes) {
                const auto img = random_image<T>(rows * cols, gen, levels);
                const T cval = static_cast<T>(1);
                Buf<T> out(img.size());
                fastcpp::median_filter<T>(std::span<const T>(img), std::span<T>(out), rows,
                                          cols, sr, sc, m, cval);
                INFO("shape " << rows << "x" << cols << " size " << sr << "x" << sc
                              << " mode " << static_cast<int>(m));
                REQUIRE(same(out, reference(img, rows, cols, sr, sc, m, cval)));
            }
}

}  // namespace

TEMPLATE_TEST_CASE("median_filter equals sorting every window", "[median_filter]", bool,
                   std::int8_t, std::uint8_t, std::int16_t, std::uint16_t, std::int32_t,
                   std::uint32_t, std::int64_t, std::uint64_t, float, double) {
    SECTION("few distinct values (ties)") { check_against_reference<TestType>(3); }
    SECTION("many distinct values") { check_against_reference<TestType>(100); }
}

TEMPLATE_TEST_CASE("median_filter NaN and extremes", "[median_filter]", float, double) {
    using T = TestType;
    const T nan = std::numeric_limits<T>::quiet_NaN();
    const T inf = std::numeric_limits<T>::infinity();
    SECTION("NaN sorts above +inf") {
        Buf<T> img{nan, nan, nan, inf, -inf, 1, 2, nan, T(-0.0)};
        Buf<T> out(9);
        fastcpp::median_filter<T>(std::span<const T>(img), std::span<T>(out), 3, 3, 3, 3,
                                  BorderMode::nearest);
        REQUIRE(same(out, reference(img, 3, 3, 3, 3, BorderMode::nearest, T(0))));
        // Centre window holds all nine values: sorted -inf,-0,1,2,inf,nan x4.
        REQUIRE(out[4] == inf);
    }
    SECTION("all NaN") {
        Buf<T> img(20), out(20);
        std::fill(img.begin(), img.end(), nan);
        fastcpp::median_filter<T>(std::span<const T>(img), std::span<T>(out), 4, 5, 3, 3);
        for (T v : out) REQUIRE(std::isnan(v));
    }
    SECTION("large windows on a wide image use the rank path") {
        std::mt19937 gen(1);
        std::normal_distribution<T> d;
        Buf<T> img(30 * 300);
        for (auto& x : img) x = d(gen);
        img[17] = nan;
        Buf<T> out(img.size());
        fastcpp::median_filter<T>(std::span<const T>(img), std::span<T>(out), 30, 300, 9, 11,
                                  BorderMode::reflect);
        REQUIRE(same(out, reference(img, 30, 300, 9, 11, BorderMode::reflect, T(0))));
    }
}

TEST_CASE("median_filter windows beyond 16-bit ranks", "[median_filter]") {
    // 300 x 300 = 90000 window elements: nth_element (wide keys), Huang (8-bit).
    std::mt19937 gen(9);
    SECTION("double") {
        const auto img = random_image<double>(3 * 4, gen, 50);
        Buf<double> out(img.size());
        fastcpp::median_filter<double>(std::span<const double>(img), std::span<double>(out), 3,
                                       4, 300, 300, BorderMode::wrap);
        REQUIRE(same(out, reference(img, 3, 4, 300, 300, BorderMode::wrap, 0.0)));
    }
    SECTION("uint8") {
        const auto img = random_image<std::uint8_t>(3 * 4, gen, 50);
        Buf<std::uint8_t> out(img.size());
        fastcpp::median_filter<std::uint8_t>(std::span<const std::uint8_t>(img),
                                             std::span<std::uint8_t>(out), 3, 4, 300, 300,
                                             BorderMode::constant, std::uint8_t{7});
        REQUIRE(same(out, reference(img, 3, 4, 300, 300, BorderMode::constant,
                                    std::uint8_t{7})));
    }
}

TEST_CASE("median_filter strided views", "[median_filter]") {
    std::mt19937 gen(3);
    const auto img = random_image<std::int32_t>(12 * 9, gen, 1000);
    Buf<std::int32_t> t(img.size()), out(img.size());
    // Transposed view of a 9x12 buffer holding img^T.
    for (index_t r = 0; r < 12; ++r)
        for (index_t c = 0; c < 9; ++c)
            t[static_cast<std::size_t>(c * 12 + r)] = img[static_cast<std::size_t>(r * 9 + c)];
    ImageView<const std::int32_t> in{t.data(), 12, 9, 1, 12};
    ImageView<std::int32_t> o{out.data(), 12, 9, 9, 1};
    fastcpp::median_filter<std::int32_t>(in, o, 3, 5, BorderMode::mirror, 0);
    REQUIRE(same(out, reference(img, 12, 9, 3, 5, BorderMode::mirror, 0)));
}

TEST_CASE("median_filter cval conversion and errors", "[median_filter]") {
    SECTION("cval as scipy converts it") {
        REQUIRE(fastcpp::median_filter_cval<std::uint8_t>(-1.0, 9) == 255);
        REQUIRE(fastcpp::median_filter_cval<std::uint8_t>(300.0, 9) == 44);
        REQUIRE(fastcpp::median_filter_cval<std::uint8_t>(2.7, 9) == 2);
        REQUIRE(fastcpp::median_filter_cval<std::int8_t>(-2.7, 9) == -2);
        REQUIRE(fastcpp::median_filter_cval<std::int8_t>(200.0, 9) == -56);
        REQUIRE(fastcpp::median_filter_cval<std::uint8_t>(-1.0, 2) == 0);
        REQUIRE(fastcpp::median_filter_cval<bool>(0.5, 9) == false);
        REQUIRE(fastcpp::median_filter_cval<bool>(2.0, 9) == true);
        REQUIRE(fastcpp::median_filter_cval<std::uint64_t>(-1.0, 9) ==
                std::numeric_limits<std::uint64_t>::max());
        REQUIRE(fastcpp::median_filter_cval<float>(0.1, 9) == 0.1f);
        REQUIRE_THROWS_AS(fastcpp::median_filter_cval<int>(NAN, 9), std::invalid_argument);
    }
    SECTION("bad arguments") {
        std::vector<float> img(6), out(6), small(5);
        auto call = [&](index_t sr, index_t sc) {
            fastcpp::median_filter<float>(std::span<const float>(img), std::span<float>(out), 2,
                                          3, sr, sc);
        };
        REQUIRE_THROWS_AS(call(0, 3), std::invalid_argument);
        REQUIRE_THROWS_WITH(call(3, -1), FASTCPP_CONTAINS("size (=-1)"));
        REQUIRE_THROWS_AS(fastcpp::median_filter<float>(std::span<const float>(img),
                                                        std::span<float>(small), 2, 3, 3, 3),
                          std::invalid_argument);
        REQUIRE_THROWS_WITH(fastcpp::border_mode_from_name("bogus"),
                            FASTCPP_CONTAINS("mode (='bogus')"));
        REQUIRE(fastcpp::border_mode_from_name("grid-wrap") == BorderMode::wrap);
    }
    SECTION("empty image") {
        std::vector<double> img, out;
        fastcpp::median_filter<double>(std::span<const double>(img), std::span<double>(out), 0,
                                       5, 3, 3);
        SUCCEED();
    }
}
