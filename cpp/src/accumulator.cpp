#include "fastcpp/accumulator.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>

#include "fastcpp/detail/parallel.hpp"
#include "fastcpp/detail/simd.hpp"
#include "fastcpp/detail/twosum.hpp"

// The block kernels are compiled per SIMD level by detail/dispatch.hpp
// (run-time dispatch, cappable by FASTCPP_SIMD), one kernel at the register
// width of each level: 8 doubles at x86-64-v4, 4 with FMA at v3, 2 without
// FMA at baseline/v2.
#include "fastcpp/detail/dispatch.hpp"

namespace fastcpp {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Values per block: 16 KiB of doubles stays in L1 if a block needs its
// (rare) second pass.
constexpr index_t kBlock = 2048;
// Below this many values a batch is not worth a helper (~50 us of work).
constexpr index_t kGrain = index_t{1} << 17;

/// NaN-sticky minimum: once NaN, stays NaN (IEEE propagation for min/max).
inline double nan_min(double a, double b) noexcept {
    return (std::isnan(a) || std::isnan(b)) ? kNaN : std::min(a, b);
}
inline double nan_max(double a, double b) noexcept {
    return (std::isnan(a) || std::isnan(b)) ? kNaN : std::max(a, b);
}

/// The reference value of a shifted accumulation: a finite value of the data
/// (non-finite values make the moments NaN anyway, whatever the shift).
inline double shift_of(double x) noexcept { return std::isfinite(x) ? x : 0.0; }

// Four doubles: one AVX2 register at x86-64-v3 and v4, two SSE2 registers at
// baseline. Eight accumulators of this width fit the 16 registers of v3
// without spills, which a wider type would not.
typedef double v4d __attribute__((vector_size(4 * sizeof(double))));
typedef double v2d __attribute__((vector_size(2 * sizeof(double))));
typedef double v8d __attribute__((vector_size(8 * sizeof(double))));
/// W doubles as one vector type.
template <int W>
struct VecOf;
template <>
struct VecOf<2> {
    using type = v2d;
};
template <>
struct VecOf<4> {
    using type = v4d;
};
template <>
struct VecOf<8> {
    using type = v8d;
};

/// Power sums of d = x - K over one block, with its min and max.
struct BlockSums {
    double s1 = 0, s1_lo = 0;  ///< S1 as a compensated pair
    double s2 = 0, s3 = 0, s4 = 0;
    double mn = 0, mx = 0;
};

// Values per lane per run: within a run S1 is a plain sum in lanes (two
// values paired, then added); each run's sum then joins the lanes' running
// S1 through TwoSum. So a value's rounding error in S1 is that of at most
// kRun/2 + 2 additions (plus one for d = x - K itself), which bounds S1's
// error by kSumDepth u sum|d|.
constexpr index_t kRun = 16;
constexpr double kSumDepth = kRun / 2 + 3;

// The power sums want fused multiply-adds where the CPU has them (v3, v4):
// two fewer operations per vector. ISO C++ mode does not contract a*b + c,
// so say it: lane-wise fma, one vfmadd per vector at v3/v4 (the wide kernel
// only runs there).
template <class V>
[[gnu::always_inline]] inline V fmadd(V a, V b, V c) noexcept {
    V r;
    for (int l = 0; l < static_cast<int>(sizeof(V) / sizeof(double)); ++l)
        r[l] = __builtin_fma(a[l], b[l], c[l]);
    return r;
}

/// One fused pass over a block of n (1..kBlock) doubles: shifted power sums
/// S1..S4 of d = x - K (with K a value of the block the sums carry no large
/// cancellation), min and max. 8 vector operations per 4 values (sub, mul,
/// 2 add, 2 fma, min, max): the pass runs at the speed of a plain sum's loads
/// on two FP ports. W doubles per vector, one register of the level: 4 at
/// v3 (16 AVX2 registers hold the eleven accumulators without spills), 8 at
/// v4, 2 at baseline (SSE2: a 4-wide type there spills and scalarises its
/// min/max, 5x slower); kFma: a*b + c fused (v3, v4).
template <int W, bool kFma = true>
FASTCPP_KERNEL BlockSums block_sums_wide(const double* x, index_t n, double K) noexcept {
    using V = typename VecOf<W>::type;
    const V k = V{} + K;
    V q1 = {}, c1 = {}, p2 = {}, p3 = {}, p4 = {}, r3 = {}, r4 = {};
    V lo = V{} + x[0], hi = lo;
    index_t i = 0;
    while (i + 2 * W <= n) {
        // Two vectors per step, paired before they meet an accumulator, so
        // no loop-carried chain is longer than one operation per 2W values.
        const index_t run_end = std::min(n, i + W * kRun);
        V p1 = {};
        for (; i + 2 * W <= run_end; i += 2 * W) {
            V v, w;
            std::memcpy(&v, x + i, sizeof v);
            std::memcpy(&w, x + i + W, sizeof w);
            const V d = v - k, e = w - k;
            const V d2 = d * d, e2 = e * e;
            p1 += d + e;
            p2 += d2 + e2;
            p3 = kFma ? fmadd(d2, d, p3) : p3 + d2 * d;
            r3 = kFma ? fmadd(e2, e, r3) : r3 + e2 * e;
            p4 = kFma ? fmadd(d2, d2, p4) : p4 + d2 * d2;
            r4 = kFma ? fmadd(e2, e2, r4) : r4 + e2 * e2;
            lo = (v < w ? v : w) < lo ? (v < w ? v : w) : lo;
            hi = (v > w ? v : w) > hi ? (v > w ? v : w) : hi;
        }
        const V t = q1 + p1;  // TwoSum(q1, p1)
        const V bb = t - q1;
        c1 += (q1 - (t - bb)) + (p1 - bb);
        q1 = t;
    }
    BlockSums b;
    b.mn = x[0];
    b.mx = x[0];
    detail::KahanPair s1;
    for (; i < n; ++i) {
        const double d = x[i] - K, d2 = d * d;
        s1.add(d);
        b.s2 += d2;
        b.s3 += d2 * d;
        b.s4 += d2 * d2;
        b.mn = std::min(b.mn, x[i]);
        b.mx = std::max(b.mx, x[i]);
    }
    p3 += r3;
    p4 += r4;
    for (int l = 0; l < W; ++l) {
        s1.add(q1[l]);
        b.s2 += p2[l];
        b.s3 += p3[l];
        b.s4 += p4[l];
        b.mn = std::min(b.mn, lo[l]);
        b.mx = std::max(b.mx, hi[l]);
    }
    for (int l = 0; l < W; ++l) s1.add_compensation(c1[l]);
    b.s1 = s1.hi;
    b.s1_lo = s1.lo;
    return b;
}

/// Compensated sum of a block (TwoSum in lanes): the total when the cheap
/// one, n K + S1, cannot be trusted to ~1/4 ulp (values spanning many
/// magnitudes, cancelling sums, inf/NaN).
FASTCPP_KERNEL
detail::KahanPair block_total(const double* x, index_t n) noexcept {
    v4d s = {}, c = {};
    index_t i = 0;
    for (; i + 4 <= n; i += 4) {
        v4d v;
        std::memcpy(&v, x + i, sizeof v);
        const v4d t = s + v;
        const v4d bb = t - s;
        c += (s - (t - bb)) + (v - bb);
        s = t;
    }
    detail::KahanPair total;
    for (; i < n; ++i) total.add(x[i]);
    for (int l = 0; l < 4; ++l) total.add(s[l]);
    for (int l = 0; l < 4; ++l) total.add_compensation(c[l]);
    return total;
}

/// Power sums S1..S4 of x - K only (the second pass of a badly shifted block).
FASTCPP_KERNEL
void power_sums(const double* x, index_t n, double K, double out[4]) noexcept {
    const v4d k = {K, K, K, K};
    v4d p1 = {}, p2 = {}, p3 = {}, p4 = {};
    index_t i = 0;
    for (; i + 4 <= n; i += 4) {
        v4d v;
        std::memcpy(&v, x + i, sizeof v);
        const v4d d = v - k;
        const v4d d2 = d * d;
        p1 += d;
        p2 += d2;
        p3 += d2 * d;
        p4 += d2 * d2;
    }
    double s1 = 0, s2 = 0, s3 = 0, s4 = 0;
    for (; i < n; ++i) {
        const double d = x[i] - K, d2 = d * d;
        s1 += d;
        s2 += d2;
        s3 += d2 * d;
        s4 += d2 * d2;
    }
    for (int l = 0; l < 4; ++l) {
        s1 += p1[l];
        s2 += p2[l];
        s3 += p3[l];
        s4 += p4[l];
    }
    out[0] = s1;
    out[1] = s2;
    out[2] = s3;
    out[3] = s4;
}

/// The pass of the level in use.
FASTCPP_KERNEL
BlockSums block_sums(const double* x, index_t n, double K) noexcept {
    if (detail::active_level() >= detail::SimdLevel::x86_64_v4) return block_sums_wide<8>(x, n, K);
    if (detail::active_level() < detail::SimdLevel::x86_64_v3)
        return block_sums_wide<2, false>(x, n, K);
    return block_sums_wide<4>(x, n, K);
}

/// Central moments about the block mean from power sums about K, where
/// mu = S1/n is the block mean minus K.
void central_from_power(double n, const double s[4], Accumulator::State& st) noexcept {
    const double mu = s[0] / n, mu2 = mu * mu;
    st.mean = mu;
    st.m2 = s[1] - s[0] * mu;
    st.m3 = s[2] - 3 * mu * s[1] + 3 * mu2 * s[0] - n * mu2 * mu;
    st.m4 = s[3] - 4 * mu * s[2] + 6 * mu2 * s[1] - 4 * mu2 * mu * s[0] + n * mu2 * mu2;
}

/// Exact summary of one contiguous block of n (1..kBlock) doubles.
FASTCPP_KERNEL
Accumulator::State summarize_block_at_level(const double* x, index_t n) {
    double K = shift_of(x[0]);
    const BlockSums b = block_sums(x, n, K);
    const auto dn = static_cast<double>(n);
    Accumulator::State st;
    st.count = n;
    // Total: n K + S1, n K exact as a pair (FMA). S1's rounding error is at
    // most kSumDepth u sum|d| <= kSumDepth u sqrt(n S2) (Cauchy-Schwarz); when
    // that bound is within half an ulp of the total (values within a few
    // percent of each other, e.g. 1e3 + N(0, 1)), the pair is as good as a
    // compensated sum of x; otherwise (values spanning magnitudes, cancelling
    // sums, inf/NaN) the block is summed again with TwoSum (it is in L1).
    constexpr double u = 0x1p-53;
    const double nk = dn * K, nk_err = std::fma(dn, K, -nk);
    detail::KahanPair total{nk, nk_err};
    total.add(detail::KahanPair{b.s1, b.s1_lo});
    const double bound = kSumDepth * u * std::sqrt(dn * b.s2);
    if (!(bound <= 0.5 * u * std::fabs(total.hi))) total = block_total(x, n);
    st.sum = total.hi;
    st.sum_comp = total.lo;
    double s[4] = {b.s1, b.s2, b.s3, b.s4};
    central_from_power(dn, s, st);
    // The power sums cancel by a factor ~ 1 + n mu^2 / M2 (mu: distance of K
    // from the block mean): tiny when K is a typical value. When K was an
    // outlier of its block, shift by the block mean and sum again (the block
    // is in L1), so M2..M4 keep full precision whatever the data.
    if (dn * st.mean * st.mean > 16 * st.m2 && std::isfinite(st.m2)) {
        K += st.mean;
        power_sums(x, n, K, s);
        central_from_power(dn, s, st);
    }
    st.shift = K;
    // A NaN value makes the sum NaN; only then look for one (inf - inf also
    // gives a NaN sum, but leaves min and max as they are).
    bool nan_seen = false;
    if (std::isnan(total.hi))
        for (index_t k = 0; k < n && !nan_seen; ++k) nan_seen = std::isnan(x[k]);
    st.min = nan_seen ? kNaN : b.mn;
    st.max = nan_seen ? kNaN : b.mx;
    return st;
}

Accumulator::State summarize_block(const double* x, index_t n) {
    return detail::dispatch([&] { return summarize_block_at_level(x, n); });
}

/// Pairwise combination of two summaries (Chan, Golub & LeVeque 1979;
/// Pébay 2008, eqs. 2.1-2.3), in the frame (shift) of `a`.
Accumulator::State combine(const Accumulator::State& a, const Accumulator::State& b) noexcept {
    Accumulator::State r;
    if (b.count == 0 || a.count == 0) {
        r = b.count == 0 ? a : b;
        r.initial = a.initial + b.initial;
        return r;
    }
    const auto na = static_cast<double>(a.count);
    const auto nb = static_cast<double>(b.count);
    const double n = na + nb;
    // b's mean in a's frame: both means are small numbers relative to their
    // shifts, and nearby shifts subtract exactly (Sterbenz).
    const double delta = (b.mean - a.mean) + (b.shift - a.shift);
    const double d_n = delta / n;
    const double d2 = delta * delta;
    r.count = a.count + b.count;
    r.initial = a.initial + b.initial;
    r.shift = a.shift;
    r.mean = a.mean + d_n * nb;
    r.m4 = a.m4 + b.m4 + d2 * d2 * na * nb * (na * na - na * nb + nb * nb) / (n * n * n) +
           6 * d2 * (na * na * b.m2 + nb * nb * a.m2) / (n * n) + 4 * d_n * (na * b.m3 - nb * a.m3);
    r.m3 = a.m3 + b.m3 + d2 * delta * na * nb * (na - nb) / (n * n) +
           3 * d_n * (na * b.m2 - nb * a.m2);
    r.m2 = a.m2 + b.m2 + d2 * na * nb / n;
    detail::KahanPair t{a.sum, a.sum_comp};
    t.add(detail::KahanPair{b.sum, b.sum_comp});
    r.sum = t.hi;
    r.sum_comp = t.lo;
    r.min = nan_min(a.min, b.min);
    r.max = nan_max(a.max, b.max);
    return r;
}

/// Summary of values [begin, end) of a strided view, block by block.
template <class T>
Accumulator::State summarize_range(Strided<const T> v, index_t begin, index_t end) {
    Accumulator::State acc;
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
        acc = combine(acc, summarize_block(block, n));
    }
    return acc;
}

template <class T>
Accumulator summarize(Strided<const T> v) {
    const auto partial = detail::map_ranges<Accumulator::State>(
        v.size, kGrain, [&](index_t b, index_t e) { return summarize_range(v, b, e); });
    Accumulator::State acc = partial[0];
    for (std::size_t p = 1; p < partial.size(); ++p) acc = combine(acc, partial[p]);
    return Accumulator::from_state(acc);
}

/// A total order on states (their bytes), so merge can put its operands in
/// an order that depends only on the pair: a + b and b + a are bit-identical.
bool state_before(const Accumulator::State& a, const Accumulator::State& b) noexcept {
    static_assert(sizeof(Accumulator::State) == 11 * 8, "State must have no padding");
    return std::memcmp(&a, &b, sizeof a) < 0;
}

}  // namespace

Accumulator::Accumulator(double initial) noexcept { s_.initial = initial; }

Accumulator Accumulator::from_state(const State& s) noexcept {
    Accumulator a;
    a.s_ = s;
    return a;
}

Accumulator Accumulator::of(Strided<const double> values) { return summarize(values); }
Accumulator Accumulator::of(Strided<const float> values) { return summarize(values); }

namespace {

/// Welford/Pébay single-value update of the central moment sums of the
/// shifted value d = x - shift (the mean of d is a small number, so its
/// rounding does not cost the digits that the mean of x would), and of the
/// compensated total.
inline void add_moments(Accumulator::State& s, double x) noexcept {
    const auto n1 = static_cast<double>(s.count);
    s.count += 1;
    const auto n = static_cast<double>(s.count);
    const double delta = (x - s.shift) - s.mean;
    const double dn = delta / n;
    const double dn2 = dn * dn;
    const double term1 = delta * dn * n1;
    s.mean += dn;
    s.m4 += term1 * dn2 * (n * n - 3 * n + 3) + 6 * dn2 * s.m2 - 4 * dn * s.m3;
    s.m3 += term1 * dn * (n - 2) - 3 * dn * s.m2;
    s.m2 += term1;
    detail::KahanPair t{s.sum, s.sum_comp};
    t.add(x);
    s.sum = t.hi;
    s.sum_comp = t.lo;
}

}  // namespace

// The first value (it sets the shift, min and max) is out of line, so the
// per-value path tests the count once and holds no other branch on it.
[[gnu::noinline]] void Accumulator::add_first(double x) noexcept {
    s_.shift = shift_of(x);
    add_moments(s_, x);
    s_.min = s_.max = x;
}

void Accumulator::add(double x) noexcept {
    if (s_.count == 0) [[unlikely]]
        return add_first(x);
    add_moments(s_, x);
    s_.min = nan_min(s_.min, x);
    s_.max = nan_max(s_.max, x);
}

void Accumulator::add_many(Strided<const double> values) {
    // One block (the Python add() hands its values over 64 at a time): the
    // summary of() makes, without its thread check and partial-result vector.
    if (values.size <= kBlock) return merge(from_state(summarize_range(values, 0, values.size)));
    merge(of(values));
}
void Accumulator::add_many(Strided<const float> values) { merge(of(values)); }

void Accumulator::merge(const Accumulator& other) noexcept {
    const State& a = s_;
    const State& b = other.s_;
    s_ = state_before(a, b) ? combine(a, b) : combine(b, a);
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
    if (!(dof > 0) || std::isnan(s_.m2)) return kNaN;
    // Never negative, never -0.0 (rounding can leave M2 a hair below zero).
    return s_.m2 > 0 ? s_.m2 / dof : 0.0;
}

double Accumulator::std(double ddof) const noexcept { return std::sqrt(variance(ddof)); }

double Accumulator::min() const noexcept { return s_.count == 0 ? kNaN : s_.min; }
double Accumulator::max() const noexcept { return s_.count == 0 ? kNaN : s_.max; }

double Accumulator::skewness() const noexcept {
    if (s_.count < 2 || !(s_.m2 > 0)) return kNaN;
    const auto n = static_cast<double>(s_.count);
    return std::sqrt(n) * s_.m3 / std::pow(s_.m2, 1.5);
}

double Accumulator::kurtosis() const noexcept {
    if (s_.count < 2 || !(s_.m2 > 0)) return kNaN;
    const auto n = static_cast<double>(s_.count);
    return n * s_.m4 / (s_.m2 * s_.m2) - 3.0;
}

}  // namespace fastcpp
