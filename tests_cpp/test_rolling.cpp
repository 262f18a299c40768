#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <vector>

#include "../cpp/src/rolling_kernels.hpp"
#include "catch_compat.hpp"
#include "fastcpp/config.hpp"
#include "fastcpp/rolling.hpp"

using fastcpp::index_t;
using fastcpp::MoveStat;
using fastcpp::Strided;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

template <class T>
std::vector<double> run(MoveStat stat, const std::vector<double>& x, index_t window,
                        std::optional<index_t> min_count = std::nullopt, index_t ddof = 0) {
    std::vector<T> in(x.begin(), x.end()), out(x.size());
    fastcpp::move_stat<T>(stat, Strided<const T>(in.data(), static_cast<index_t>(in.size())),
                          Strided<T>(out.data(), static_cast<index_t>(out.size())), window,
                          min_count, ddof);
    return {out.begin(), out.end()};
}

/// Equal, NaN matching NaN, within a relative tolerance.
void require_same(const std::vector<double>& got, const std::vector<double>& want,
                  double rel = 1e-12) {
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        INFO("i = " << i << " got " << got[i] << " want " << want[i]);
        if (std::isnan(want[i])) {
            REQUIRE(std::isnan(got[i]));
        } else if (std::isinf(want[i])) {
            REQUIRE(got[i] == want[i]);
        } else {
            REQUIRE(got[i] == Approx(want[i]).epsilon(rel).margin(rel));
        }
    }
}

/// Direct O(n·w) definition of a moving statistic (NaN skipped).
double naive(MoveStat stat, const std::vector<double>& x, index_t i, index_t window,
             index_t min_count, index_t ddof) {
    std::vector<double> v;
    for (index_t j = std::max<index_t>(0, i - window + 1); j <= i; ++j)
        if (!std::isnan(x[static_cast<std::size_t>(j)]))
            v.push_back(x[static_cast<std::size_t>(j)]);
    const auto n = static_cast<index_t>(v.size());
    if (n < min_count) return kNaN;
    const double newest = x[static_cast<std::size_t>(i)];
    switch (stat) {
        case MoveStat::sum:
            return std::accumulate(v.begin(), v.end(), 0.0);
        case MoveStat::mean:
            return std::accumulate(v.begin(), v.end(), 0.0) / double(n);
        case MoveStat::var:
        case MoveStat::std: {
            if (n - ddof <= 0) return kNaN;
            const double m = std::accumulate(v.begin(), v.end(), 0.0) / double(n);
            double s = 0;
            for (double e : v) s += (e - m) * (e - m);
            const double var = s / double(n - ddof);
            return stat == MoveStat::var ? var : std::sqrt(var);
        }
        case MoveStat::min:
            return *std::min_element(v.begin(), v.end());
        case MoveStat::max:
            return *std::max_element(v.begin(), v.end());
        case MoveStat::argmin:
        case MoveStat::argmax: {
            index_t best = -1;
            double bv = 0;
            for (index_t j = i; j > i - window && j >= 0; --j) {
                const double e = x[static_cast<std::size_t>(j)];
                if (std::isnan(e)) continue;
                const bool better = stat == MoveStat::argmin ? e < bv : e > bv;
                if (best < 0 || better) best = j, bv = e;
            }
            return double(i - best);
        }
        case MoveStat::median: {
            std::sort(v.begin(), v.end());
            return n % 2 ? v[std::size_t(n / 2)]
                         : (v[std::size_t(n / 2 - 1)] + v[std::size_t(n / 2)]) / 2;
        }
        case MoveStat::rank: {
            if (std::isnan(newest)) return kNaN;
            if (n == 1) return 0.0;
            double below = 0, equal = 0;
            for (double e : v) below += e < newest, equal += e == newest;
            return 2 * (0.5 * (2 * below + equal - 1) / double(n - 1) - 0.5);
        }
        case MoveStat::skew:
        case MoveStat::kurt:
        case MoveStat::quantile:
        case MoveStat::cov:
        case MoveStat::corr:
            break;  // not in kAll: tested against their own references below
    }
    return kNaN;
}

const MoveStat kAll[] = {MoveStat::sum,    MoveStat::mean, MoveStat::var,    MoveStat::std,
                         MoveStat::min,    MoveStat::max,  MoveStat::argmin, MoveStat::argmax,
                         MoveStat::median, MoveStat::rank};

}  // namespace

TEMPLATE_TEST_CASE("move_* agree with the direct definition", "[rolling]", float, double) {
    using T = TestType;
    const double rel = std::is_same_v<T, float> ? 1e-5 : 1e-10;
    std::vector<double> x(300);
    for (std::size_t i = 0; i < x.size(); ++i)
        x[i] = std::round(std::sin(double(i) * 1.7) * 8);  // ties
    for (std::size_t i = 0; i < x.size(); i += 7) x[i] = kNaN;
    std::vector<double> xt(x.begin(), x.end());
    for (auto& e : xt) e = static_cast<double>(static_cast<T>(e));
    for (MoveStat stat : kAll) {
        for (index_t window : {1, 2, 5, 64, 150, 300}) {
            for (index_t mc : {index_t{1}, (window + 1) / 2, window}) {
                INFO(fastcpp::move_stat_name(stat) << " window " << window << " min_count " << mc);
                std::vector<double> want(x.size());
                for (index_t i = 0; i < index_t(x.size()); ++i)
                    want[std::size_t(i)] = naive(stat, xt, i, window, mc, 1);
                require_same(run<T>(stat, x, window, mc, 1), want, rel);
            }
        }
    }
}

TEST_CASE("move_* infinities and NaN", "[rolling]") {
    SECTION("inf leaves no trace") {
        const std::vector<double> x{1, kInf, 2, 3, 4, 5};
        require_same(run<double>(MoveStat::sum, x, 2), {kNaN, kInf, kInf, 5, 7, 9});
        require_same(run<double>(MoveStat::mean, x, 2), {kNaN, kInf, kInf, 2.5, 3.5, 4.5});
        require_same(run<double>(MoveStat::std, x, 2), {kNaN, kNaN, kNaN, 0.5, 0.5, 0.5});
        require_same(run<double>(MoveStat::sum, {1, kInf, -kInf, 3, 4}, 2),
                     {kNaN, kInf, kNaN, -kInf, 7});
        require_same(run<double>(MoveStat::max, x, 3), {kNaN, kNaN, kInf, kInf, 4, 5});
    }
    SECTION("all NaN") {
        const std::vector<double> x(10, kNaN);
        for (MoveStat stat : kAll) require_same(run<double>(stat, x, 3, 1), x);
    }
    SECTION("count - ddof <= 0 is NaN") {
        require_same(run<double>(MoveStat::var, {1, 2, 3}, 3, 1, 1), {kNaN, 0.5, 1.0});
    }
}

TEST_CASE("move_* drift and float32 state", "[rolling]") {
    SECTION("exact cancellation after a long run") {
        std::vector<double> x(1'000'000);
        for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(double(i)) * 1e6;
        x.resize(x.size() + 100, 0.0);
        const auto s = run<double>(MoveStat::sum, x, 20);
        const auto v = run<double>(MoveStat::var, x, 20);
        for (std::size_t i = x.size() - 80; i < x.size(); ++i) {
            REQUIRE(std::fabs(s[i]) <= 1e-12 * 1e6);
            REQUIRE(std::fabs(v[i]) <= 1e-12 * 1e12);
        }
    }
    SECTION("float32 1e6 + U(0,1)") {
        std::vector<double> x(100'000);
        for (std::size_t i = 0; i < x.size(); ++i)
            x[i] = static_cast<float>(1e6 + std::fmod(double(i) * 0.618033988749895, 1.0));
        const auto f = run<float>(MoveStat::var, x, 10);
        const auto d = run<double>(MoveStat::var, x, 10);
        for (std::size_t i = 9; i < x.size(); ++i)
            REQUIRE(f[i] == Approx(static_cast<float>(d[i])).epsilon(1e-6));
    }
}

TEST_CASE("move_mean is the window sum divided by its count, correctly rounded", "[rolling]") {
    // The full windows' means are divided by a reciprocal and one Markstein
    // correction where the engine has FMA: the same bits as the division, for
    // sums from 2^-1000 to 2^1020, signed zeros and infinities (the blocks the
    // correction may not take divide).
    std::vector<double> x;
    std::uint64_t state = 12345;
    auto next = [&] {  // xorshift: the same values on every platform
        state ^= state << 13, state ^= state >> 7, state ^= state << 17;
        return state;
    };
    for (int e = -1000; e <= 1010; e += 3)
        for (int k = 0; k < 40; ++k)
            x.push_back(std::ldexp(double(next() % (1u << 20)) - double(1u << 19), e));
    for (std::size_t i = 0; i < 300; ++i) x.push_back(-0.0);
    for (std::size_t i = 50; i < x.size(); i += 4099) x[i] = kInf;
    for (index_t window : {1, 3, 7, 10, 49, 50, 64, 1000}) {
        INFO("window " << window);
        const auto sum = run<double>(MoveStat::sum, x, window);
        const auto mean = run<double>(MoveStat::mean, x, window);
        for (std::size_t i = static_cast<std::size_t>(window) - 1; i < x.size(); ++i) {
            const double want = sum[i] / double(window);
            INFO("i = " << i << " sum " << sum[i]);
            REQUIRE((mean[i] == want || (std::isnan(mean[i]) && std::isnan(want))));
            REQUIRE(std::signbit(mean[i]) == std::signbit(want));
        }
    }
}

TEST_CASE("move_* results do not depend on the thread count", "[rolling]") {
    std::vector<double> x(200'000);
    for (std::size_t i = 0; i < x.size(); ++i)
        x[i] = std::sin(double(i) * 0.01) * 100 + double(i % 13);
    for (std::size_t i = 5; i < x.size(); i += 1001) x[i] = kNaN;
    const int old = fastcpp::num_threads();
    for (MoveStat stat : kAll) {
        fastcpp::set_num_threads(1);
        const auto one = run<double>(stat, x, 37, 10);
        fastcpp::set_num_threads(4);
        const auto four = run<double>(stat, x, 37, 10);
        INFO(fastcpp::move_stat_name(stat));
        for (std::size_t i = 0; i < x.size(); ++i)
            REQUIRE((one[i] == four[i] || (std::isnan(one[i]) && std::isnan(four[i]))));
    }
    fastcpp::set_num_threads(old);
}

TEMPLATE_TEST_CASE("move_* argument checks", "[rolling]", float, double) {
    using T = TestType;
    std::vector<T> a(5), o(5), short_out(4);
    const Strided<const T> in(a.data(), 5);
    const Strided<T> out(o.data(), 5);
    REQUIRE_THROWS_WITH(fastcpp::move_mean(in, out, 0), FASTCPP_CONTAINS("window (=0)"));
    REQUIRE_THROWS_WITH(fastcpp::move_std(in, out, 6), FASTCPP_CONTAINS("window (=6)"));
    REQUIRE_THROWS_WITH(fastcpp::move_median(in, out, 3, index_t{0}),
                        FASTCPP_CONTAINS("min_count (=0)"));
    REQUIRE_THROWS_WITH(fastcpp::move_rank(in, out, 3, index_t{4}),
                        FASTCPP_CONTAINS("min_count (=4)"));
    REQUIRE_THROWS_AS(fastcpp::move_sum(in, Strided<T>(short_out.data(), 4), 2),
                      std::invalid_argument);
    SECTION("span overloads") {
        std::vector<T> v{1, 2, 3, 4};
        std::vector<T> r(4);
        fastcpp::move_sum(std::span<const T>(v), std::span<T>(r), 2);
        REQUIRE(r[3] == 7);
        fastcpp::move_var(std::span<const T>(v), std::span<T>(r), 2, index_t{1}, 1);
        REQUIRE(r[0] != r[0]);
        REQUIRE(r[1] == Approx(0.5));
    }
}

TEMPLATE_TEST_CASE("move_stat_prechecked equals move_stat after check_move", "[rolling]", float,
                   double) {
    using T = TestType;
    std::vector<T> a(37);
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<T>((i * 7919) % 13);
    a[5] = std::numeric_limits<T>::quiet_NaN();
    const index_t zero = 0, n = static_cast<index_t>(a.size());
    const fastcpp::Rows<const T> in{a.data(), n, 1, {&zero, 1}};
    for (const auto& member : fastcpp::move_family()) {
        if (member.inputs != 1 || member.stat == MoveStat::quantile) continue;
        for (const index_t w : {1, 3, 5, 20}) {
            fastcpp::MoveOptions o;
            o.min_count = 1;
            fastcpp::check_move(member.stat, n, w, o);
            std::vector<T> r1(a.size()), r2(a.size());
            fastcpp::move_stat<T>(member.stat, in, {r1.data(), n, 1, {&zero, 1}}, w, o);
            fastcpp::move_stat_prechecked<T>(member.stat, in, {r2.data(), n, 1, {&zero, 1}}, w, o);
            for (std::size_t i = 0; i < a.size(); ++i)
                REQUIRE((r1[i] == r2[i] || (r1[i] != r1[i] && r2[i] != r2[i])));
        }
    }
}

TEMPLATE_TEST_CASE("rolling_sum_squares and rolling_mean_std", "[rolling]", float, double) {
    using T = TestType;
    std::vector<T> a{1, 2, 3, 4, 5, 6};
    std::vector<T> s(4), m(4), d(4);
    fastcpp::rolling_sum_squares(std::span<const T>(a), std::span<T>(s), 3);
    REQUIRE(s == std::vector<T>{14, 29, 50, 77});
    fastcpp::rolling_mean_std(std::span<const T>(a), std::span<T>(m), std::span<T>(d), 3);
    REQUIRE(m == std::vector<T>{2, 3, 4, 5});
    for (T e : d) REQUIRE(e == Approx(std::sqrt(2.0 / 3.0)));
    REQUIRE_THROWS_WITH(fastcpp::rolling_sum_squares(std::span<const T>(a), std::span<T>(s), 7),
                        FASTCPP_CONTAINS("window (=7)"));
    REQUIRE_THROWS_AS(
        fastcpp::rolling_mean_std(std::span<const T>(a), std::span<T>(s), std::span<T>(d), 2),
        std::invalid_argument);
    a[2] = std::numeric_limits<T>::quiet_NaN();
    fastcpp::rolling_sum_squares(std::span<const T>(a), std::span<T>(s), 3);
    REQUIRE(std::isnan(s[0]));
    REQUIRE(s[3] == 77);
}

TEMPLATE_TEST_CASE("move_* batches of rows equal one call per row", "[rolling]", float, double) {
    // Many short rows go side by side through the vector lanes: every layout
    // (C rows, strided rows as for axis=0) must give each row's own result.
    using T = TestType;
    const index_t rows = 7, len = 45;
    std::vector<T> a(static_cast<std::size_t>(rows * len));
    for (std::size_t i = 0; i < a.size(); ++i)
        a[i] = static_cast<T>(std::round(std::sin(double(i) * 0.37) * 50) / 4);
    for (std::size_t i = 3; i < a.size(); i += 29) a[i] = std::numeric_limits<T>::quiet_NaN();
    a[40] = std::numeric_limits<T>::infinity();
    std::vector<index_t> c_off(static_cast<std::size_t>(rows)), f_off(c_off.size());
    for (index_t r = 0; r < rows; ++r) c_off[std::size_t(r)] = r * len, f_off[std::size_t(r)] = r;
    for (MoveStat stat : kAll) {
        for (index_t window : {1, 3, 4, 9, 20, 45}) {
            INFO(fastcpp::move_stat_name(stat) << " window " << window);
            // C layout: row r contiguous at r*len.
            std::vector<T> out(a.size()), tout(a.size());
            fastcpp::move_stat<T>(stat, fastcpp::Rows<const T>{a.data(), len, 1, c_off},
                                  fastcpp::Rows<T>{out.data(), len, 1, c_off}, window, index_t{1});
            // Transposed copy: row r at offset r, stride rows (axis=0 of a (len, rows) array).
            std::vector<T> at(a.size());
            for (index_t r = 0; r < rows; ++r)
                for (index_t i = 0; i < len; ++i)
                    at[std::size_t(i * rows + r)] = a[std::size_t(r * len + i)];
            fastcpp::move_stat<T>(stat, fastcpp::Rows<const T>{at.data(), len, rows, f_off},
                                  fastcpp::Rows<T>{tout.data(), len, rows, f_off}, window,
                                  index_t{1});
            for (index_t r = 0; r < rows; ++r) {
                std::vector<T> one(static_cast<std::size_t>(len));
                fastcpp::move_stat<T>(stat, Strided<const T>(a.data() + r * len, len),
                                      Strided<T>(one.data(), len), window, index_t{1});
                for (index_t i = 0; i < len; ++i) {
                    const T want = one[std::size_t(i)];
                    const T got = out[std::size_t(r * len + i)];
                    const T got_t = tout[std::size_t(i * rows + r)];
                    INFO("row " << r << " i " << i << " want " << want << " got " << got << " / "
                                << got_t);
                    REQUIRE((got == want || (got != got && want != want)));
                    REQUIRE((got_t == want || (got_t != got_t && want != want)));
                }
            }
        }
    }
}

TEST_CASE("move_argmin/argmax skip NaN next to -inf and +inf", "[rolling]") {
    const std::vector<double> x{kNaN, -kInf, kNaN, 3, kInf, kNaN, kInf, -kInf, kNaN};
    for (index_t window : {1, 2, 3, 4, 9}) {
        INFO("window " << window);
        std::vector<double> want(x.size());
        for (MoveStat stat : {MoveStat::argmin, MoveStat::argmax, MoveStat::min, MoveStat::max}) {
            for (index_t i = 0; i < index_t(x.size()); ++i)
                want[std::size_t(i)] = naive(stat, x, i, window, 1, 0);
            require_same(run<double>(stat, x, window, 1), want);
        }
    }
}

namespace {

/// Skewness or excess kurtosis of the non-NaN values of each window, two
/// passes in long double around the window's first value (exact for the
/// integer-valued data used here), scipy's biased or pandas' unbiased form.
double higher_ref(bool kurt, bool bias, const std::vector<double>& x, index_t i, index_t window,
                  index_t min_count) {
    std::vector<long double> v;
    for (index_t j = std::max<index_t>(0, i - window + 1); j <= i; ++j)
        if (!std::isnan(x[std::size_t(j)])) v.push_back(x[std::size_t(j)]);
    const auto n = static_cast<index_t>(v.size());
    if (n < min_count || n == 0) return kNaN;
    const long double c = v[0];
    long double mean = 0;
    for (auto& e : v) e -= c, mean += e;
    mean /= static_cast<long double>(n);
    long double m2 = 0, m3 = 0, m4 = 0;
    for (auto e : v) {
        const long double d = e - mean;
        m2 += d * d, m3 += d * d * d, m4 += d * d * d * d;
    }
    const auto nd = static_cast<long double>(n);
    m2 /= nd, m3 /= nd, m4 /= nd;
    if (!(m2 > 0)) return kNaN;
    if (!kurt) {
        long double g1 = m3 / (m2 * std::sqrt(m2));
        if (!bias) {
            if (n < 3) return kNaN;
            g1 *= std::sqrt(nd * (nd - 1)) / (nd - 2);
        }
        return static_cast<double>(g1);
    }
    long double g2 = m4 / (m2 * m2) - 3;
    if (!bias) {
        if (n < 4) return kNaN;
        g2 = (nd - 1) * ((nd + 1) * g2 + 6) / ((nd - 2) * (nd - 3));
    }
    return static_cast<double>(g2);
}

}  // namespace

TEST_CASE("move_skew/move_kurt kernels: stable on 1e9 + small integers", "[rolling]") {
    // Raw power sums lose everything here (1e9^4 = 1e36); shifted sums keep
    // every digit, so the result is within 1e-8 of the exact one.
    std::vector<double> x(3000);
    for (std::size_t i = 0; i < x.size(); ++i)
        x[i] = 1e9 + double((i * 7919) % 13) + (i % 5 == 0 ? 3.0 : 0.0);
    for (std::size_t i = 11; i < x.size(); i += 97) x[i] = kNaN;
    for (bool kurt : {false, true}) {
        for (bool bias : {true, false}) {
            for (index_t window : {4, 5, 50, 333}) {
                for (index_t mc : {index_t{1}, window}) {
                    INFO("kurt " << kurt << " bias " << bias << " window " << window << " mc "
                                 << mc);
                    std::vector<double> out(x.size());
                    const Strided<const double> in(x.data(), index_t(x.size()));
                    const Strided<double> o(out.data(), index_t(out.size()));
                    if (kurt)
                        fastcpp::detail::move_kurt_row(in, o, window, mc, bias, 0,
                                                       index_t(x.size()));
                    else
                        fastcpp::detail::move_skew_row(in, o, window, mc, bias, 0,
                                                       index_t(x.size()));
                    std::vector<double> want(x.size());
                    for (index_t i = 0; i < index_t(x.size()); ++i)
                        want[std::size_t(i)] = higher_ref(kurt, bias, x, i, window, mc);
                    for (std::size_t i = 0; i < x.size(); ++i) {
                        INFO("i " << i << " got " << out[i] << " want " << want[i]);
                        if (std::isnan(want[i]))
                            REQUIRE(std::isnan(out[i]));
                        else
                            REQUIRE(std::fabs(out[i] - want[i]) <=
                                    1e-8 * std::max(1.0, std::fabs(want[i])));
                    }
                    // Chunks (as threads cut a row) give the same bits.
                    std::vector<double> part(x.size());
                    const Strided<double> po(part.data(), index_t(part.size()));
                    for (index_t b = 0; b < index_t(x.size()); b += 701) {
                        const index_t e = std::min<index_t>(b + 701, index_t(x.size()));
                        if (kurt)
                            fastcpp::detail::move_kurt_row(in, po, window, mc, bias, b, e);
                        else
                            fastcpp::detail::move_skew_row(in, po, window, mc, bias, b, e);
                    }
                    for (std::size_t i = 0; i < x.size(); ++i)
                        REQUIRE((part[i] == out[i] || (part[i] != part[i] && out[i] != out[i])));
                }
            }
        }
    }
    SECTION("inf and constant windows give NaN") {
        std::vector<double> y{1, 2, kInf, 4, 5, 6, 7, 7, 7, 7}, out(y.size());
        fastcpp::detail::move_skew_row(Strided<const double>(y.data(), 10),
                                       Strided<double>(out.data(), 10), 4, 1, true, 0, 10);
        REQUIRE(std::isnan(out[2]));
        REQUIRE(std::isnan(out[5]));                   // window [2, 5] still holds the inf
        REQUIRE(std::isnan(out[9]));                   // constant
        REQUIRE(out[6] == Approx(0.0).margin(1e-12));  // 4 5 6 7: symmetric
    }
}

namespace {

/// One row through move_stat with options (center, lengths).
std::vector<double> run_opts(MoveStat stat, const std::vector<double>& x, index_t window,
                             const fastcpp::MoveOptions& o) {
    std::vector<double> out(x.size(), -7.0);
    const index_t zero = 0;
    const auto n = static_cast<index_t>(x.size());
    fastcpp::move_stat<double>(stat, fastcpp::Rows<const double>{x.data(), n, 1, {&zero, 1}},
                               fastcpp::Rows<double>{out.data(), n, 1, {&zero, 1}}, window, o);
    return out;
}

}  // namespace

TEST_CASE("move_* center= and lengths=", "[rolling]") {
    std::vector<double> x(97);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.7 * double(i)) * 10;
    x[5] = kNaN;
    x[40] = kInf;
    for (MoveStat stat : kAll) {
        for (index_t window : {1, 2, 5, 8, 97}) {
            INFO("stat " << fastcpp::move_stat_name(stat) << " window " << window);
            const index_t shift = (window - 1) / 2;
            SECTION("center: trailing over x + shift NaNs, moved back") {
                fastcpp::MoveOptions o{1};
                o.center = true;
                std::vector<double> padded = x;
                padded.insert(padded.end(), static_cast<std::size_t>(shift), kNaN);
                const auto trailing = run<double>(stat, padded, window, 1);
                require_same(run_opts(stat, x, window, o),
                             std::vector<double>(trailing.begin() + shift, trailing.end()), 1e-13);
            }
            SECTION("lengths: one call per segment") {
                const std::vector<index_t> lengths{10, 0, 3, 50, 34};
                fastcpp::MoveOptions o{std::min<index_t>(2, window)};
                o.lengths = lengths;
                const auto got = run_opts(stat, x, window, o);
                std::size_t start = 0;
                for (const index_t n : lengths) {
                    if (n == 0) continue;
                    // A shorter segment: NaNs in front fill the window with nothing.
                    const auto pad = static_cast<std::size_t>(std::max<index_t>(window - n, 0));
                    std::vector<double> seg(pad, kNaN);
                    seg.insert(seg.end(), x.begin() + long(start), x.begin() + long(start + n));
                    const auto want = run<double>(stat, seg, window, std::min<index_t>(2, window));
                    require_same(std::vector<double>(got.begin() + long(start),
                                                     got.begin() + long(start + n)),
                                 std::vector<double>(want.begin() + long(pad), want.end()), 1e-13);
                    start += static_cast<std::size_t>(n);
                }
            }
        }
    }
    SECTION("bad lengths throw before anything is written") {
        fastcpp::MoveOptions o;
        const std::vector<index_t> neg{98, -1}, short_{90};
        o.lengths = neg;
        REQUIRE_THROWS_AS(run_opts(MoveStat::sum, x, 3, o), std::invalid_argument);
        o.lengths = short_;
        REQUIRE_THROWS_AS(run_opts(MoveStat::sum, x, 3, o), std::invalid_argument);
    }
}

TEST_CASE("move_cov of a series with itself is move_var; corr is 1", "[rolling]") {
    std::vector<double> x(300);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = 1e6 + std::cos(0.3 * double(i)) * 5;
    x[17] = kNaN;
    const auto n = static_cast<index_t>(x.size());
    const index_t zero = 0;
    const fastcpp::Rows<const double> a{x.data(), n, 1, {&zero, 1}};
    for (index_t window : {2, 7, 64}) {
        std::vector<double> cov(x.size()), corr(x.size());
        fastcpp::MoveOptions o{2, 1};
        fastcpp::move_pair_stat<double>(MoveStat::cov, a, a, {cov.data(), n, 1, {&zero, 1}}, window,
                                        o);
        fastcpp::move_pair_stat<double>(MoveStat::corr, a, a, {corr.data(), n, 1, {&zero, 1}},
                                        window, o);
        require_same(cov, run<double>(MoveStat::var, x, window, 2, 1), 1e-7);
        for (std::size_t i = 1; i < x.size(); ++i)
            if (!std::isnan(cov[i])) REQUIRE(corr[i] == Approx(1.0).epsilon(1e-9));
    }
    std::vector<double> out(x.size());
    REQUIRE_THROWS_AS(
        fastcpp::move_pair_stat<double>(MoveStat::sum, a, a, {out.data(), n, 1, {&zero, 1}}, 3, {}),
        std::invalid_argument);
}
