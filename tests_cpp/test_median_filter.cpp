#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <random>
#include <span>
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
    operator std::span<T>() const { return {p.get(), n}; }        // NOLINT
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
                 BorderMode m, T cval, index_t rank = -1) {
    Buf<T> out(img.size()), win(static_cast<std::size_t>(sr * sc));
    for (index_t r = 0; r < rows; ++r)
        for (index_t c = 0; c < cols; ++c) {
            std::size_t w = 0;
            for (index_t i = 0; i < sr; ++i)
                for (index_t j = 0; j < sc; ++j) {
                    const index_t rr = ref_index(r - sr / 2 + i, rows, m);
                    const index_t cc = ref_index(c - sc / 2 + j, cols, m);
                    win[w++] =
                        rr < 0 || cc < 0 ? cval : img[static_cast<std::size_t>(rr * cols + cc)];
                }
            std::sort(win.begin(), win.end(), less_nan_last<T>);
            out[static_cast<std::size_t>(r * cols + c)] =
                win[rank < 0 ? win.size() / 2 : static_cast<std::size_t>(rank)];
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
    const std::pair<index_t, index_t> sizes[] = {{1, 1},  {2, 2},  {3, 3},   {4, 4},
                                                 {5, 5},  {3, 7},  {1, 5},   {9, 9},
                                                 {13, 2}, {45, 3}, {15, 15}, {17, 17}};
    for (auto [rows, cols] : shapes)
        for (auto [sr, sc] : sizes)
            for (auto m : modes) {
                const auto img = random_image<T>(rows * cols, gen, levels);
                const T cval = static_cast<T>(1);
                Buf<T> out(img.size());
                fastcpp::median_filter<T>(std::span<const T>(img), std::span<T>(out), rows, cols,
                                          sr, sc, m, cval);
                INFO("shape " << rows << "x" << cols << " size " << sr << "x" << sc << " mode "
                              << static_cast<int>(m));
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
        fastcpp::median_filter<double>(std::span<const double>(img), std::span<double>(out), 3, 4,
                                       300, 300, BorderMode::wrap);
        REQUIRE(same(out, reference(img, 3, 4, 300, 300, BorderMode::wrap, 0.0)));
    }
    SECTION("uint8") {
        const auto img = random_image<std::uint8_t>(3 * 4, gen, 50);
        Buf<std::uint8_t> out(img.size());
        fastcpp::median_filter<std::uint8_t>(std::span<const std::uint8_t>(img),
                                             std::span<std::uint8_t>(out), 3, 4, 300, 300,
                                             BorderMode::constant, std::uint8_t{7});
        REQUIRE(same(out, reference(img, 3, 4, 300, 300, BorderMode::constant, std::uint8_t{7})));
    }
}

/// Brute force for windows of any size: multiplicity of every image index
/// by walking all s positions, then a weighted selection.
template <class T>
Buf<T> weighted_reference(const Buf<T>& img, index_t rows, index_t cols, index_t sr, index_t sc,
                          BorderMode m, T cval) {
    // ref_index reduced by the period first (its reflection loop is O(|p| / n)).
    auto index = [m](index_t p, index_t n) {
        const index_t period = n == 1                     ? 1
                               : m == BorderMode::wrap    ? n
                               : m == BorderMode::reflect ? 2 * n
                                                          : 2 * n - 2;
        if (m == BorderMode::constant || m == BorderMode::nearest) return ref_index(p, n, m);
        return ref_index(((p % period) + period) % period, n, m);
    };
    auto counts = [index](index_t start, index_t s, index_t n) {
        std::vector<std::int64_t> w(static_cast<std::size_t>(n + 1), 0);
        for (index_t p = start; p < start + s; ++p) {
            const index_t k = index(p, n);
            ++w[static_cast<std::size_t>(k < 0 ? n : k)];
        }
        return w;
    };
    Buf<T> out(img.size());
    for (index_t r = 0; r < rows; ++r) {
        const auto wr = counts(r - sr / 2, sr, rows);
        for (index_t c = 0; c < cols; ++c) {
            const auto wc = counts(c - sc / 2, sc, cols);
            std::vector<std::pair<T, std::int64_t>> vw;
            for (index_t i = 0; i <= rows; ++i)
                for (index_t j = 0; j <= cols; ++j) {
                    const std::int64_t w =
                        wr[static_cast<std::size_t>(i)] * wc[static_cast<std::size_t>(j)];
                    if (w == 0) continue;
                    const T v =
                        i == rows || j == cols ? cval : img[static_cast<std::size_t>(i * cols + j)];
                    vw.emplace_back(v, w);
                }
            std::sort(vw.begin(), vw.end(),
                      [](const auto& a, const auto& b) { return less_nan_last(a.first, b.first); });
            std::int64_t cum = 0;
            const std::int64_t rank = sr * sc / 2;
            for (const auto& [v, w] : vw) {
                cum += w;
                if (cum > rank) {
                    out[static_cast<std::size_t>(r * cols + c)] = v;
                    break;
                }
            }
        }
    }
    return out;
}

TEMPLATE_TEST_CASE("median_filter windows far beyond the image", "[median_filter]", std::uint8_t,
                   std::int16_t, std::int64_t, float) {
    using T = TestType;
    std::mt19937 gen(21);
    const BorderMode modes[] = {BorderMode::reflect, BorderMode::mirror, BorderMode::nearest,
                                BorderMode::wrap, BorderMode::constant};
    const std::pair<index_t, index_t> shapes[] = {{4, 4}, {1, 5}, {3, 1}, {2, 7}};
    const std::pair<index_t, index_t> sizes[] = {
        {70001, 3}, {5, 100003}, {1, 200000}, {333, 777}, {12, 2}};
    for (auto [rows, cols] : shapes)
        for (auto [sr, sc] : sizes)
            for (auto m : modes) {
                const auto img = random_image<T>(rows * cols, gen, 40);
                const T cval = static_cast<T>(3);
                Buf<T> out(img.size());
                fastcpp::median_filter<T>(std::span<const T>(img), std::span<T>(out), rows, cols,
                                          sr, sc, m, cval);
                INFO("shape " << rows << "x" << cols << " size " << sr << "x" << sc << " mode "
                              << static_cast<int>(m));
                REQUIRE(same(out, weighted_reference(img, rows, cols, sr, sc, m, cval)));
            }
    SECTION("2**31 elements: no allocation or loop proportional to the window") {
        Buf<T> img(16), out(16);
        for (index_t k = 0; k < 16; ++k) img[static_cast<std::size_t>(k)] = static_cast<T>(k);
        fastcpp::median_filter<T>(std::span<const T>(img), std::span<T>(out), 4, 4,
                                  index_t{1} << 16, index_t{1} << 15);
        fastcpp::median_filter<T>(std::span<const T>(img), std::span<T>(out), 4, 4, 1,
                                  index_t{1} << 31);
        // Reflect: row r repeats 4r .. 4r + 3 equally; the upper median is 4r + 2.
        for (index_t k = 0; k < 16; ++k)
            REQUIRE(out[static_cast<std::size_t>(k)] == static_cast<T>(k / 4 * 4 + 2));
        REQUIRE_THROWS_AS(fastcpp::median_filter<T>(std::span<const T>(img), std::span<T>(out), 4,
                                                    4, 2, index_t{1} << 31),
                          std::invalid_argument);
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
    SECTION("border_value: scipy's conversions of a cval beyond the type (x86-64)") {
        using fastcpp::border_value;
        const auto b = border_value<std::uint8_t>(-2.0);
        REQUIRE((b.beyond == -1 && b.value == 254 && b.winner == 254 && b.wrapped == 254));
        const auto c = border_value<std::uint8_t>(-4294967299.0);  // beyond int32: 0
        REQUIRE((c.value == 0 && c.winner == 0 && c.wrapped == 253));
        const auto i = border_value<std::int32_t>(3e9);
        REQUIRE((i.beyond == 1 && i.value == std::numeric_limits<std::int32_t>::min() &&
                 i.wrapped == -1294967296));
        const auto u = border_value<std::uint64_t>(-2.0);  // 2**64 - 2 is 2**64 as a double
        REQUIRE((u.winner == std::numeric_limits<std::uint64_t>::max() - 1 && u.value == 0 &&
                 u.value_sorts_last));
        const auto t = border_value<bool>(256.0);
        REQUIRE((t.beyond == 1 && !t.value && t.wrapped));
        const auto l = border_value<std::int64_t>(9223372036854775808.0);  // 2**63: beyond
        REQUIRE((l.beyond == 1 && l.value == std::numeric_limits<std::int64_t>::min()));
        REQUIRE(border_value<std::int16_t>(-7.9).beyond == 0);
    }
    SECTION("bad arguments") {
        std::vector<float> img(6), out(6), small(5);
        auto call = [&](index_t sr, index_t sc) {
            fastcpp::median_filter<float>(std::span<const float>(img), std::span<float>(out), 2, 3,
                                          sr, sc);
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
        fastcpp::median_filter<double>(std::span<const double>(img), std::span<double>(out), 0, 5,
                                       3, 3);
        SUCCEED();
    }
}

namespace {
/// binary16 bits -> float (test's own decoder).
float half_to_float(std::uint16_t h) {
    const int sign = h >> 15, e = (h >> 10) & 0x1F, m = h & 0x3FF;
    float v;
    if (e == 0)
        v = std::ldexp(static_cast<float>(m), -24);
    else if (e == 31)
        v = m ? std::numeric_limits<float>::quiet_NaN() : std::numeric_limits<float>::infinity();
    else
        v = std::ldexp(static_cast<float>(m + 1024), e - 25);
    return sign ? -v : v;
}
}  // namespace

TEST_CASE("median_filter on float16 bits equals the float32 filter", "[median_filter]") {
    using fastcpp::Half;
    std::mt19937 gen(5);
    std::uniform_int_distribution<int> any(0, 0xFFFF), few(0, 40);
    const BorderMode modes[] = {BorderMode::reflect, BorderMode::constant, BorderMode::wrap};
    const std::pair<index_t, index_t> sizes[] = {{3, 3},   {5, 5}, {7, 9}, {15, 15},
                                                 {21, 21}, {1, 2}, {60, 3}};
    for (int variant = 0; variant < 2; ++variant)
        for (auto [sr, sc] : sizes)
            for (auto m : modes) {
                const index_t rows = 23, cols = 70;
                Buf<Half> img(static_cast<std::size_t>(rows * cols)), out(img.size());
                Buf<float> f(img.size()), fout(img.size());
                for (std::size_t k = 0; k < img.size(); ++k) {
                    // All bit patterns (NaNs, infs, +-0, subnormals) or a few values.
                    const int b = variant == 0 ? any(gen) : 0x3C00 + few(gen) - 20;
                    img[k] = Half{static_cast<std::uint16_t>(b)};
                    f[k] = half_to_float(img[k].bits);
                }
                const Half hc = fastcpp::median_filter_cval<Half>(1.5, sr * sc);
                REQUIRE(hc.bits == 0x3E00);
                fastcpp::median_filter<Half>(std::span<const Half>(img), std::span<Half>(out), rows,
                                             cols, sr, sc, m, hc);
                fastcpp::median_filter<float>(std::span<const float>(f), std::span<float>(fout),
                                              rows, cols, sr, sc, m, 1.5f);
                INFO("size " << sr << "x" << sc << " mode " << static_cast<int>(m));
                for (std::size_t k = 0; k < img.size(); ++k) {
                    const float got = half_to_float(out[k].bits);
                    if (std::isnan(fout[k])) {
                        REQUIRE(std::isnan(got));
                    } else {
                        REQUIRE(got == fout[k]);
                        REQUIRE(std::signbit(got) == std::signbit(fout[k]));
                    }
                }
            }
    SECTION("cval rounds to nearest half, ties to even") {
        using fastcpp::median_filter_cval;
        REQUIRE(median_filter_cval<Half>(1.0, 9).bits == 0x3C00);
        REQUIRE(median_filter_cval<Half>(-2.0, 9).bits == 0xC000);
        REQUIRE(median_filter_cval<Half>(65504.0, 9).bits == 0x7BFF);
        REQUIRE(median_filter_cval<Half>(65519.0, 9).bits == 0x7BFF);
        REQUIRE(median_filter_cval<Half>(65520.0, 9).bits == 0x7C00);
        REQUIRE(median_filter_cval<Half>(-1e300, 9).bits == 0xFC00);
        REQUIRE(median_filter_cval<Half>(0x1p-24, 9).bits == 0x0001);
        REQUIRE(median_filter_cval<Half>(0x1p-25, 9).bits == 0x0000);        // tie -> even
        REQUIRE(median_filter_cval<Half>(1.0 + 0x1p-11, 9).bits == 0x3C00);  // tie -> even
        REQUIRE(median_filter_cval<Half>(1.0 + 0x1p-11 + 0x1p-20, 9).bits == 0x3C01);
        REQUIRE(median_filter_cval<Half>(-0.0, 9).bits == 0x8000);
        REQUIRE((median_filter_cval<Half>(NAN, 9).bits & 0x7FFF) > 0x7C00);
    }
}

TEMPLATE_TEST_CASE("rank_filter equals sorting every window", "[median_filter]", std::uint8_t,
                   std::int16_t, std::int32_t, float, double) {
    using T = TestType;
    std::mt19937 gen(77);
    const BorderMode modes[] = {BorderMode::reflect, BorderMode::constant, BorderMode::wrap};
    const std::pair<index_t, index_t> sizes[] = {{3, 3}, {5, 5},   {1, 4},   {6, 6}, {7, 7},
                                                 {9, 9}, {13, 13}, {17, 17}, {30, 2}};
    for (auto [sr, sc] : sizes)
        for (auto m : modes) {
            const index_t rows = 19, cols = 45, n = sr * sc;
            const auto img = random_image<T>(rows * cols, gen, 60);
            for (index_t rank : {index_t{0}, n / 3, n - 1, index_t{-2}}) {
                Buf<T> out(img.size());
                fastcpp::rank_filter<T>(ImageView<const T>{img.data(), rows, cols, cols, 1},
                                        ImageView<T>{out.data(), rows, cols, cols, 1}, sr, sc, rank,
                                        m, T(2));
                INFO("size " << sr << "x" << sc << " rank " << rank);
                REQUIRE(same(
                    out, reference(img, rows, cols, sr, sc, m, T(2), rank < 0 ? rank + n : rank)));
            }
        }
    SECTION("errors and percentiles") {
        Buf<T> img(12), out(12);
        auto call = [&](index_t rank) {
            fastcpp::rank_filter<T>(ImageView<const T>{img.data(), 3, 4, 4, 1},
                                    ImageView<T>{out.data(), 3, 4, 4, 1}, 3, 3, rank);
        };
        REQUIRE_THROWS_WITH(call(9), FASTCPP_CONTAINS("rank (=9)"));
        REQUIRE_THROWS_AS(call(-10), std::invalid_argument);
        REQUIRE(fastcpp::percentile_rank(50.0, 9) == 4);
        REQUIRE(fastcpp::percentile_rank(100.0, 9) == 8);
        REQUIRE(fastcpp::percentile_rank(-25.0, 8) == 6);
        REQUIRE_THROWS_AS(fastcpp::percentile_rank(100.5, 9), std::invalid_argument);
        REQUIRE_THROWS_AS(fastcpp::percentile_rank(NAN, 9), std::invalid_argument);
    }
}

namespace {

/// Brute-force N-D rank filter (3-D, C order): every window gathered and sorted.
template <class T>
std::vector<T> reference_3d(const std::vector<T>& in, const index_t (&shape)[3],
                            const index_t (&size)[3], const index_t (&origin)[3],
                            const std::vector<std::uint8_t>& fp, BorderMode m, T cval,
                            index_t rank) {
    std::vector<T> out(in.size());
    for (index_t z = 0; z < shape[0]; ++z)
        for (index_t y = 0; y < shape[1]; ++y)
            for (index_t x = 0; x < shape[2]; ++x) {
                std::vector<T> w;
                for (index_t a = 0; a < size[0]; ++a)
                    for (index_t b = 0; b < size[1]; ++b)
                        for (index_t c = 0; c < size[2]; ++c) {
                            if (!fp.empty() &&
                                !fp[static_cast<std::size_t>((a * size[1] + b) * size[2] + c)])
                                continue;
                            const index_t p[3] = {z + a - size[0] / 2 - origin[0],
                                                  y + b - size[1] / 2 - origin[1],
                                                  x + c - size[2] / 2 - origin[2]};
                            index_t q[3];
                            bool border = false;
                            for (int d = 0; d < 3; ++d) {
                                q[d] = ref_index(p[d], shape[d], m);
                                border = border || q[d] < 0;
                            }
                            w.push_back(border ? cval
                                               : in[static_cast<std::size_t>(
                                                     (q[0] * shape[1] + q[1]) * shape[2] + q[2])]);
                        }
                std::sort(w.begin(), w.end());
                const index_t n = static_cast<index_t>(w.size());
                out[static_cast<std::size_t>((z * shape[1] + y) * shape[2] + x)] =
                    w[static_cast<std::size_t>(rank < 0 ? n + rank : rank)];
            }
    return out;
}

}  // namespace

TEMPLATE_TEST_CASE("rank_filter N-D windows, footprints and origins", "[median_filter]",
                   std::uint8_t, std::int32_t, float) {
    using T = TestType;
    std::mt19937 gen(7);
    const index_t shape[3] = {5, 6, 7};
    std::vector<T> img(5 * 6 * 7), out(img.size());
    for (auto& v : img) v = static_cast<T>(gen() % 50);
    const index_t strides[3] = {42, 7, 1};
    fastcpp::NdView<const T> in{img.data(), shape, strides};
    fastcpp::NdView<T> o{out.data(), shape, strides};
    for (BorderMode m : {BorderMode::reflect, BorderMode::mirror, BorderMode::nearest,
                         BorderMode::wrap, BorderMode::constant}) {
        const index_t size[3] = {3, 2, 4};
        const index_t origin[3] = {1, 0, -2};
        std::vector<std::uint8_t> fp(24);
        for (auto& f : fp) f = static_cast<std::uint8_t>(gen() % 3 != 0);
        fp[0] = 1;
        const index_t n_fp = std::count(fp.begin(), fp.end(), 1);
        for (bool use_fp : {false, true}) {
            fastcpp::FilterWindow w{
                size, use_fp ? std::span<const std::uint8_t>(fp) : std::span<const std::uint8_t>{},
                origin};
            const index_t n = use_fp ? n_fp : 24;
            for (index_t rank : {index_t{0}, n / 2, n - 1, index_t{-2}}) {
                fastcpp::rank_filter<T>(in, o, w, rank, m, {T(3), 0});
                INFO("mode " << static_cast<int>(m) << " fp " << use_fp << " rank " << rank);
                REQUIRE(out == reference_3d<T>(img, shape, size, origin,
                                               use_fp ? fp : std::vector<std::uint8_t>{}, m, T(3),
                                               rank));
            }
        }
    }
    SECTION("bad arguments leave out untouched") {
        std::fill(out.begin(), out.end(), T(9));
        const index_t size[3] = {3, 3, 3};
        const index_t bad_origin[3] = {2, 0, 0};
        REQUIRE_THROWS_WITH(
            fastcpp::median_filter<T>(in, o, fastcpp::FilterWindow{size, {}, bad_origin}),
            FASTCPP_CONTAINS("origin (=2)"));
        std::vector<std::uint8_t> empty(27, 0);
        REQUIRE_THROWS_WITH(
            fastcpp::median_filter<T>(in, o, fastcpp::FilterWindow{size, empty, {}}),
            FASTCPP_CONTAINS("footprint must have at least one element set"));
        REQUIRE(std::all_of(out.begin(), out.end(), [](T v) { return v == T(9); }));
    }
}

TEST_CASE("rank_filter: scipy's minimum/maximum against a cval beyond the dtype",
          "[median_filter]") {
    // scipy compares the unconverted cval in its minimum and maximum filters:
    // 300 wins every uint8 maximum whose window meets the border (as 300 % 256).
    std::vector<std::uint8_t> img = {1, 2, 3, 4, 5, 6, 7, 8, 9}, out(9);
    const index_t shape[2] = {3, 3}, strides[2] = {3, 1}, size[2] = {3, 3};
    fastcpp::NdView<const std::uint8_t> in{img.data(), shape, strides};
    fastcpp::NdView<std::uint8_t> o{out.data(), shape, strides};
    const auto c = fastcpp::border_value<std::uint8_t>(300.0);
    REQUIRE((c.value == 44 && c.beyond == 1));
    fastcpp::rank_filter<std::uint8_t>(in, o, {size, {}, {}}, -1, BorderMode::constant, c);
    REQUIRE(out == std::vector<std::uint8_t>{44, 44, 44, 44, 9, 44, 44, 44, 44});
    fastcpp::rank_filter<std::uint8_t>(in, o, {size, {}, {}}, 0, BorderMode::constant, c);
    REQUIRE(out == std::vector<std::uint8_t>{1, 1, 2, 1, 1, 2, 4, 4, 5});
}
