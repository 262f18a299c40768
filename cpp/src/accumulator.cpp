#include "fastcpp/accumulator.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "fastcpp/detail/parallel.hpp"
#include "fastcpp/detail/simd.hpp"
#include "fastcpp/detail/twosum.hpp"
#include "fastcpp/detail/vec.hpp"

namespace fastcpp {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Values per block: 8 KiB of doubles stays in L1 between the two passes.
constexpr index_t kBlock = 1024;
// Below this many values a batch is not worth a thread start.
constexpr index_t kGrain = index_t{1} << 16;

/// NaN-sticky minimum: once NaN, stays NaN (IEEE propagation for min/max).
inline double nan_min(double a, double b) noexcept {
    return (std::isnan(a) || std::isnan(b)) ? kNaN : std::min(a, b);
}
inline double nan_max(double a, double b) noexcept {
    return (std::isnan(a) || std::isnan(b)) ? kNaN : std::max(a, b);
}

/// Exact summary of one contiguous block of `n` (1..kBlock) doubles: a
/// Neumaier sum in lanes, then central moments around the block mean in a
/// second pass over the (cached) block, with the shift corrections for the
/// rounding of that mean.
FASTCPP_KERNEL
Accumulator::State summarize_block(const double* x, index_t n) noexcept {
    using detail::vd;
    constexpr index_t W = detail::kVecWidth;
    // Pass 1: compensated sum, min and max in vector lanes.
    // Two independent accumulator sets per pass hide the add latency.
    vd s = {}, c = {}, t = {}, e = {};
    vd lo = vd{} + x[0], hi = vd{} + x[0];
    index_t i = 0;
    for (; i + 2 * W <= n; i += 2 * W) {
        const vd v = detail::load(x + i), w = detail::load(x + i + W);
        s = detail::two_sum(s, v, c);
        t = detail::two_sum(t, w, e);
        const vd vlo = v < w ? v : w, vhi = v > w ? v : w;
        lo = vlo < lo ? vlo : lo;
        hi = vhi > hi ? vhi : hi;
    }
    detail::KahanPair total{};
    double mn = x[0], mx = x[0];
    for (; i < n; ++i) {
        total.add(x[i]);
        mn = std::min(mn, x[i]);
        mx = std::max(mx, x[i]);
    }
    for (int l = 0; l < W; ++l) {
        total.add(s[l]);
        total.add(t[l]);
        mn = std::min(mn, lo[l]);
        mx = std::max(mx, hi[l]);
    }
    for (int l = 0; l < W; ++l) {
        total.add_compensation(c[l]);
        total.add_compensation(e[l]);
    }
    const auto dn = static_cast<double>(n);
    const double mean = total.value() / dn;

    // Pass 2 over the cached block: power sums of deviations from `mean`.
    vd s1 = {}, s2 = {}, s3 = {}, s4 = {}, u1 = {}, u2 = {}, u3 = {}, u4 = {};
    i = 0;
    for (; i + 2 * W <= n; i += 2 * W) {
        const vd d = detail::load(x + i) - mean, f = detail::load(x + i + W) - mean;
        const vd d2 = d * d, f2 = f * f;
        s1 += d;
        s2 += d2;
        s3 += d2 * d;
        s4 += d2 * d2;
        u1 += f;
        u2 += f2;
        u3 += f2 * f;
        u4 += f2 * f2;
    }
    s1 += u1;
    s2 += u2;
    s3 += u3;
    s4 += u4;
    double S1 = detail::hsum(s1), S2 = detail::hsum(s2), S3 = detail::hsum(s3),
           S4 = detail::hsum(s4);
    for (; i < n; ++i) {
        const double d = x[i] - mean;
        const double d2 = d * d;
        S1 += d;
        S2 += d2;
        S3 += d2 * d;
        S4 += d2 * d2;
    }
    // Moments about the exact block mean (mean + delta), from sums about `mean`.
    const double delta = S1 / dn;
    const double dd = delta * delta;
    Accumulator::State st;
    st.count = n;
    st.sum = total.hi;
    st.sum_comp = total.lo;
    st.mean = mean + delta;
    st.m2 = S2 - S1 * delta;
    st.m3 = S3 - 3 * delta * S2 + 3 * dd * S1 - dn * dd * delta;
    st.m4 = S4 - 4 * delta * S3 + 6 * dd * S2 - 4 * dd * delta * S1 + dn * dd * dd;
    // A NaN value makes the sum NaN; only then look for one (inf - inf also
    // gives a NaN sum, but leaves min and max as they are).
    bool nan_seen = false;
    if (std::isnan(total.hi))
        for (index_t k = 0; k < n && !nan_seen; ++k) nan_seen = std::isnan(x[k]);
    st.min = nan_seen ? kNaN : mn;
    st.max = nan_seen ? kNaN : mx;
    return st;
}

/// Summary of values [begin, end) of a strided view, block by block.
template <class T>
Accumulator summarize_range(Strided<const T> v, index_t begin, index_t end) noexcept {
    Accumulator acc;
    double buf[kBlock];
    for (index_t b = begin; b < end; b += kBlock) {
        const index_t n = std::min(kBlock, end - b);
        const double* block;
        if constexpr (std::is_same_v<T, double>) {
            if (v.stride == 1) {
                block = v.data + b;
            } else {
                for (index_t i = 0; i < n; ++i) buf[i] = v[b + i];
                block = buf;
            }
        } else {
            for (index_t i = 0; i < n; ++i) buf[i] = static_cast<double>(v[b + i]);
            block = buf;
        }
        acc.merge(Accumulator::from_state(detail::dispatch([&] { return summarize_block(block, n); })));
    }
    return acc;
}

template <class T>
Accumulator summarize(Strided<const T> v) noexcept {
    const auto partial = detail::map_ranges<Accumulator>(
        v.size, kGrain, [&](index_t b, index_t e) { return summarize_range(v, b, e); });
    Accumulator acc = partial[0];
    for (std::size_t p = 1; p < partial.size(); ++p) acc.merge(partial[p]);
    return acc;
}

}  // namespace

Accumulator::Accumulator(double initial) noexcept { s_.initial = initial; }

Accumulator Accumulator::from_state(const State& s) noexcept {
    Accumulator a;
    a.s_ = s;
    return a;
}

Accumulator Accumulator::of(Strided<const double> values) noexcept { return summarize(values); }
Accumulator Accumulator::of(Strided<const float> values) noexcept { return summarize(values); }

void Accumulator::add(double x) noexcept {
    // Welford/Pébay single-value update of the central moment sums.
    const auto n1 = static_cast<double>(s_.count);
    s_.count += 1;
    const auto n = static_cast<double>(s_.count);
    const double delta = x - s_.mean;
    const double dn = delta / n;
    const double dn2 = dn * dn;
    const double term1 = delta * dn * n1;
    s_.mean += dn;
    s_.m4 += term1 * dn2 * (n * n - 3 * n + 3) + 6 * dn2 * s_.m2 - 4 * dn * s_.m3;
    s_.m3 += term1 * dn * (n - 2) - 3 * dn * s_.m2;
    s_.m2 += term1;
    detail::KahanPair t{s_.sum, s_.sum_comp};
    t.add(x);
    s_.sum = t.hi;
    s_.sum_comp = t.lo;
    if (s_.count == 1) {
        s_.min = s_.max = x;
    } else {
        s_.min = nan_min(s_.min, x);
        s_.max = nan_max(s_.max, x);
    }
}

void Accumulator::add_many(Strided<const double> values) noexcept { merge(of(values)); }
void Accumulator::add_many(Strided<const float> values) noexcept { merge(of(values)); }

void Accumulator::merge(const Accumulator& other) noexcept {
    if (&other == this) {  // acc.merge(acc): read from a copy while writing
        const Accumulator copy(other);
        merge(copy);
        return;
    }
    const State& b = other.s_;
    s_.initial += b.initial;
    if (b.count == 0) return;
    if (s_.count == 0) {
        const double initial = s_.initial;
        s_ = b;
        s_.initial = initial;
        return;
    }
    // Pairwise combination (Chan et al. 1979; Pébay 2008, eqs. 2.1-2.3).
    const auto na = static_cast<double>(s_.count);
    const auto nb = static_cast<double>(b.count);
    const double n = na + nb;
    const double delta = b.mean - s_.mean;
    const double d_n = delta / n;
    const double d2 = delta * delta;
    const double m2a = s_.m2, m3a = s_.m3;
    s_.m4 += b.m4 + d2 * d2 * na * nb * (na * na - na * nb + nb * nb) / (n * n * n) +
             6 * d2 * (na * na * b.m2 + nb * nb * m2a) / (n * n) +
             4 * d_n * (na * b.m3 - nb * m3a);
    s_.m3 += b.m3 + d2 * delta * na * nb * (na - nb) / (n * n) + 3 * d_n * (na * b.m2 - nb * m2a);
    s_.m2 += b.m2 + d2 * na * nb / n;
    s_.mean += d_n * nb;
    detail::KahanPair t{s_.sum, s_.sum_comp};
    t.add(detail::KahanPair{b.sum, b.sum_comp});
    s_.sum = t.hi;
    s_.sum_comp = t.lo;
    s_.count += b.count;
    s_.min = nan_min(s_.min, b.min);
    s_.max = nan_max(s_.max, b.max);
}

void Accumulator::reset() noexcept { s_ = State{.initial = s_.initial}; }

double Accumulator::total() const noexcept {
    detail::KahanPair t{s_.sum, s_.sum_comp};
    t.add(s_.initial);
    return t.value();
}

double Accumulator::mean() const noexcept {
    return s_.count == 0 ? 0.0 : total() / static_cast<double>(s_.count);
}

double Accumulator::variance(double ddof) const noexcept {
    const double dof = static_cast<double>(s_.count) - ddof;
    if (!(dof > 0)) return kNaN;
    return std::max(s_.m2, 0.0) / dof;
}

double Accumulator::std(double ddof) const noexcept { return std::sqrt(variance(ddof)); }

double Accumulator::min() const noexcept { return s_.count == 0 ? kNaN : s_.min; }
double Accumulator::max() const noexcept { return s_.count == 0 ? kNaN : s_.max; }

double Accumulator::skewness() const noexcept {
    if (s_.count < 2 || !(s_.m2 != 0)) return kNaN;
    const auto n = static_cast<double>(s_.count);
    return std::sqrt(n) * s_.m3 / std::pow(s_.m2, 1.5);
}

double Accumulator::kurtosis() const noexcept {
    if (s_.count < 2 || !(s_.m2 != 0)) return kNaN;
    const auto n = static_cast<double>(s_.count);
    return n * s_.m4 / (s_.m2 * s_.m2) - 3.0;
}

}  // namespace fastcpp
