#pragma once
/// @file detail/twosum.hpp
/// Compensated (Neumaier 1974) running sum kept as an unevaluated pair
/// hi + lo, so that e.g. 1e16 + 1 - 1e16 gives 1.

#include <cmath>

namespace fastcpp::detail {

/// Knuth's branch-free TwoSum: returns a + b rounded and adds the exact
/// rounding error to `err`. Six flops and no comparison, so lane loops
/// built from it vectorise (Neumaier's |a| >= |b| test does not).
[[gnu::always_inline]] inline double two_sum(double a, double b, double& err) noexcept {
    const double s = a + b;
    const double bb = s - a;
    err += (a - (s - bb)) + (b - bb);
    return s;
}

struct KahanPair {
    double hi = 0.0;  ///< running sum
    double lo = 0.0;  ///< accumulated rounding error of hi

    void add(double x) noexcept {
        const double t = hi + x;
        lo += std::fabs(hi) >= std::fabs(x) ? (hi - t) + x : (x - t) + hi;
        hi = t;
    }
    /// Adds another pair's error term. A non-finite term only arises next to
    /// an inf/NaN sum, which already decides the value, so it is skipped.
    void add_compensation(double c) noexcept {
        if (std::isfinite(c)) add(c);
    }
    /// Adds another compensated pair.
    void add(const KahanPair& o) noexcept {
        add(o.hi);
        add_compensation(o.lo);
    }
    /// The compensated value. Non-finite sums have no meaningful error term.
    [[nodiscard]] double value() const noexcept { return std::isfinite(hi) ? hi + lo : hi; }
};

}  // namespace fastcpp::detail
