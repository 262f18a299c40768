// Exponentially weighted mean, variance, covariance and correlation: the
// recursions of pandas' ewm (pandas/_libs/window/aggregations.pyx: ewm and
// ewmcov), see ema.hpp. One recursion per row (the adjust=False mean, and
// var/std at steady weights, in blocks of 8 points: blocked_run,
// steady_blocks); rows in parallel.
#include "fastcpp/ema.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <type_traits>

#include "fastcpp/detail/checks.hpp"
#include "fastcpp/detail/dispatch.hpp"
#include "fastcpp/detail/parallel.hpp"
#include "fastcpp/detail/simd.hpp"
#include "fastcpp/detail/vec.hpp"

namespace fastcpp {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// The resolved options of one call.
struct Weights {
    double alpha;
    double beta;                    ///< 1 − alpha: the decay of one step
    const double* times = nullptr;  ///< nullptr: evenly spaced
    double halflife = 1.0;
    bool adjust = false;
    bool ignore_na = false;
    index_t minp = 1;  ///< pandas: max(min_periods, 1)
    bool bias = false;

    /// Decay of the old weight from point i − 1 to point i (pandas:
    /// old_wt_factor ** deltas[i - 1], deltas = diff(times) / halflife).
    [[nodiscard]] FASTCPP_KERNEL double decay(index_t i) const noexcept {
        return times ? std::pow(beta, (times[i] - times[i - 1]) / halflife) : beta;
    }
    [[nodiscard]] bool plain() const noexcept { return !times && !ignore_na && minp <= 1; }
};

/// How an adjust=False step forms (beta w + alpha v) / (beta + alpha) when
/// beta + alpha rounds to 1 (the division by 1 is exact): one multiply-add
/// (`fma`: x86-64-v3 and above, aarch64) or, without an FMA instruction
/// (x86-64 baseline, where std::fma is a libm call that emulates it), the
/// multiply and add as written (pandas' own rounding). `divide`: the
/// division by beta + alpha.
enum class Step { fma, mul_add, divide };

template <Step K>
[[gnu::always_inline]] inline double step(double w, double v, double alpha, double beta,
                                          double denom) noexcept {
    if constexpr (K == Step::fma) return std::fma(beta, w, alpha * v);
    if constexpr (K == Step::mul_add) return beta * w + alpha * v;
    return (beta * w + alpha * v) / denom;
}

/// mean_plain_row's adjust=False steps over observations that follow an
/// observation, from i until the first NaN (returned) or `end`: the old
/// weight is beta. A loop of its own: ~12 instructions and one taken
/// branch per point, so the step runs at the latency of the multiply-add
/// chain (4 cycles; the loop with the NaN bookkeeping in it took ~5).
template <Step K, class T>
FASTCPP_KERNEL index_t observed_run(Strided<const T> x, Strided<T> y, index_t i, index_t end,
                                    double& w, double alpha, double beta, double denom) noexcept {
    double s = w;
    for (; i < end; ++i) {
        const double v = static_cast<double>(x[i]);
        if (!(v == v)) break;
        if (s != v) s = step<K>(s, v, alpha, beta, denom);  // pandas: constant series stay exact
        y[i] = static_cast<T>(s);
    }
    w = s;
    return i;
}

/// The state of the adjust=False recursion between two points, once started:
/// the value w and, after `gap` NaN steps, the old weight `decay` = beta^(k+1)
/// over the k NaN steps since the last observation (it was reset to 1 there).
struct PlainState {
    double w;
    double decay = 0.0;
    bool gap = false;
};

/// The adjust=False recursion point by point over [i, end) (pandas' loop
/// with the weights folded in): runs of observations in observed_run, NaN
/// steps repeat w and decay the old weight.
template <Step K, class T>
FASTCPP_KERNEL void sequential_steps(Strided<const T> x, Strided<T> y, index_t i, index_t end,
                                     PlainState& st, double alpha, double beta,
                                     double denom) noexcept {
    while (i < end) {
        if (!st.gap) {
            i = observed_run<K>(x, y, i, end, st.w, alpha, beta, denom);
            if (i == end) return;
            st.gap = true;
            st.decay = beta;
        }
        for (; i < end; ++i) {  // NaN steps
            const double v = static_cast<double>(x[i]);
            if (v == v) break;
            st.decay *= beta;
            y[i] = static_cast<T>(st.w);
        }
        if (i == end) return;
        const double v = static_cast<double>(x[i]);
        if (st.w != v) {
            if (st.decay != beta)
                st.w = (st.decay * st.w + alpha * v) / (st.decay + alpha);
            else  // beta is 0 or 1: observed_run's step
                st.w = step<K>(st.w, v, alpha, beta, denom);
        }
        y[i] = static_cast<T>(st.w);
        st.gap = false;
        ++i;
    }
}

// The blocked form of y_i = beta·y_{i−1} + alpha·x_i, a linear recurrence
// (a scan: Blelloch, "Prefix sums and their applications", 1990, §1.4). The
// row is cut into blocks of kBlock = 8 points at fixed positions (multiples
// of 8 from the row's start). In the block starting after c = y_{b−1},
//   y_{b+j} = beta^(j+1)·c + s_j,   s_j = Σ_{k≤j} beta^(j−k)·alpha·x_{b+k},
// s by a log-step scan in each half of the block (shifts by 1 and 2 with the
// factors beta and beta²), then hi_k += beta^(k+1)·s_3. Only c travels from
// block to block: one multiply-add per 8 points on the serial chain instead
// of one per point (4 cycles each); the rest runs in parallel.
// Used where FMA is an instruction (x86-64-v3 and above): each lane's
// operations are fixed, so a block's results depend on c and its 8 points
// only: the same bits at v3 and v4 (each a·b + c is one FMA: fma() below),
// in a partial last block, and wherever a call starts, provided it starts on
// a block boundary (fastcpp.dask pads its seeds to a multiple of kBlock:
// _ema.py). Baseline runs the point-by-point loop (multiply then add).
// The blocked value of point j stands unless x_j equals y_{j−1} (pandas then
// keeps the state: a constant series stays exact), or x_j is NaN, inf or
// huge (stands()): from the first such point, sequential_steps takes over to
// the end of that block, and on until the state is clean again at a block
// boundary (last point observed, value finite).
constexpr index_t kBlock = 8;

// A block is two 4-lane vectors, lo (points 0-3) and hi (4-7): AVX2 registers
// at x86-64-v3 and v4 alike (GCC splits the compares and the cross-half
// shuffles of generic 8-lane vectors into scalar code at v3).
using Lanes4 = detail::Lanes<4>;
using V4 = Lanes4::vd;
using U4 = Lanes4::vu;
using I4 = std::int64_t __attribute__((vector_size(4 * sizeof(std::int64_t))));

/// The factors of the blocked step (alpha and powers of beta, broadcast).
struct BlockFactors {
    // b1, b2: beta and beta² in the lanes a shift by 1 or 2 reaches, 0 in
    // the lanes it passes over (block_step).
    V4 alpha, b1, b2;
    // beta^(j+1) in lane j of the block, as an unevaluated sum carry + err
    // (double-double): an error ε in beta^8 would bias every result by
    // ~ε / (8·alpha) (the carry passes through it 1 / (1 − beta^8) times).
    V4 carry_lo, carry_hi, err_lo, err_hi;
    explicit BlockFactors(double a, double beta) noexcept {
        double p = 1.0;
        for (int l = 0; l < 4; ++l) {
            alpha[l] = a;
            b1[l] = l < 1 ? 0.0 : beta;
            b2[l] = l < 2 ? 0.0 : beta * beta;
        }
        double e = 0.0;
        for (int l = 0; l < kBlock; ++l) {  // (p + e)·beta, the error of p·beta kept
            const double q = p * beta;
            e = std::fma(p, beta, -q) + e * beta;
            p = q;
            (l < 4 ? carry_lo[l] : carry_hi[l - 4]) = p;
            (l < 4 ? err_lo[l] : err_hi[l - 4]) = e;
        }
    }
};

/// The 8 points of a block (zeros past count) as lo and hi.
struct Block {
    V4 lo, hi;
};

/// a·b + c in each lane with one rounding (FMA: the blocked steps run only
/// where it is an instruction; the file is compiled with -ffp-contract=off, so
/// these are the only fused operations, the same at every level).
/// x86-64 with dispatch: the vfmadd instruction itself (this runs only in
/// the copies with FMA: dispatch_fused); GCC's vectoriser built some lane
/// by lane from the generic form (scalar FMAs in ema_var's loop).
[[gnu::always_inline]] inline V4 fma(V4 a, V4 b, V4 c) noexcept {
#if FASTCPP_DISPATCH_X86
    return __builtin_ia32_vfmaddpd256(a, b, c);
#else
    V4 r;
    for (int l = 0; l < 4; ++l) r[l] = std::fma(a[l], b[l], c[l]);
    return r;
#endif
}

/// y of one block after c (see above): s by shifts of 1 and 2 inside each
/// half, then hi_k += beta^(k+1)·s_3, then the carry.
[[gnu::always_inline]] inline Block block_step(Block x, V4 cv, const BlockFactors& f) noexcept {
    // A shift brings lane k - 1 (k - 2) into lane k and adds 0 times a lane's
    // own value into the lanes it passes over: no lane reads a later one (an
    // inf at point j spoils nothing before j), and every operand is a whole
    // vector (with zeros shifted in, GCC built lanes 0-1 by scalar FMAs).
    V4 lo = f.alpha * x.lo, hi = f.alpha * x.hi;
    lo = fma(f.b1, __builtin_shuffle(lo, I4{0, 0, 1, 2}), lo);
    hi = fma(f.b1, __builtin_shuffle(hi, I4{0, 0, 1, 2}), hi);
    lo = fma(f.b2, __builtin_shuffle(lo, I4{0, 1, 0, 1}), lo);
    hi = fma(f.b2, __builtin_shuffle(hi, I4{0, 1, 0, 1}), hi);
    hi = fma(f.carry_lo, __builtin_shuffle(lo, I4{3, 3, 3, 3}), hi);
    return {fma(f.carry_lo, cv, fma(f.err_lo, cv, lo)), fma(f.carry_hi, cv, fma(f.err_hi, cv, hi))};
}

/// Nonzero in the lanes whose blocked value stands: x differs from the
/// value before and is below 2^1000 in magnitude (not NaN or ±inf, and not
/// so large that a step could overflow): the points and carries the blocked
/// steps see are then finite and below 2^1000 (each value is a weighted mean
/// of earlier ones), so are their results.
/// `big`: the bound (steady_blocks squares its points: 2^500).
[[gnu::always_inline]] inline U4 stands(V4 x, V4 before, V4 big = V4{} + 0x1p1000) noexcept {
    return reinterpret_cast<U4>((x - before != 0.0) & (Lanes4::abs(x) < big));
}

/// 8 flags for the points of a block.
struct Flags {
    U4 lo, hi;
};

/// Whether every flag is set. x86-64 with dispatch: one movmskpd (this runs
/// only in the copies with FMA, i.e. AVX: dispatch_fused); elsewhere the
/// lanes folded by shuffles.
[[gnu::always_inline]] inline bool all(Flags ok) noexcept {
    U4 v = ok.lo & ok.hi;
#if FASTCPP_DISPATCH_X86
    return __builtin_ia32_movmskpd256(reinterpret_cast<V4>(v)) == 0xF;
#else
    v &= __builtin_shuffle(v, I4{2, 3, 0, 1});
    v &= __builtin_shuffle(v, I4{1, 0, 3, 2});
    return v[0] != 0;
#endif
}

/// Which points of a block stand (see above), points count..7 included.
[[gnu::always_inline]] inline Flags block_stands(Block x, Block y, V4 cv, index_t count) noexcept {
    const V4 before_lo = __builtin_shuffle(y.lo, cv, I4{4, 0, 1, 2});
    const V4 before_hi = __builtin_shuffle(y.hi, y.lo, I4{7, 0, 1, 2});
    U4 lo = stands(x.lo, before_lo), hi = stands(x.hi, before_hi);
    if (count < kBlock) {  // lanes compared with count, not indexed by it (see block_at)
        const I4 lane = {0, 1, 2, 3};
        lo |= reinterpret_cast<U4>(lane >= count);
        hi |= reinterpret_cast<U4>(lane + 4 >= count);
    }
    return {lo, hi};
}

/// Points i..i+count (count ≤ 8) as a block (zeros past count). `Contig`:
/// x and y have stride 1.
template <bool Contig, class T>
[[gnu::always_inline]] inline Block load_block(Strided<const T> x, index_t i,
                                               index_t count) noexcept {
    if (Contig && count == kBlock) return {Lanes4::load(x.data + i), Lanes4::load(x.data + i + 4)};
    double buf[kBlock] = {};
    for (index_t l = 0; l < count; ++l) buf[l] = static_cast<double>(x[i + l]);
    return {Lanes4::load(buf), Lanes4::load(buf + 4)};
}

template <bool Contig, class T>
[[gnu::always_inline]] inline void store_block(Strided<T> y, index_t i, index_t count,
                                               Block v) noexcept {
    if (Contig && count == kBlock) {
        if constexpr (std::is_same_v<T, double>) {
            Lanes4::store(y.data + i, v.lo);
            Lanes4::store(y.data + i + 4, v.hi);
        } else {
            using F4 = float __attribute__((vector_size(4 * sizeof(float))));
            const F4 lo = __builtin_convertvector(v.lo, F4), hi = __builtin_convertvector(v.hi, F4);
            std::memcpy(y.data + i, &lo, sizeof lo);
            std::memcpy(y.data + i + 4, &hi, sizeof hi);
        }
        return;
    }
    double buf[kBlock];
    Lanes4::store(buf, v.lo);
    Lanes4::store(buf + 4, v.hi);
    for (index_t l = 0; l < count; ++l) y[i + l] = static_cast<T>(buf[l]);
}

/// One block at i of `count` points after the value(s) cv: stores the
/// points whose blocked value stands; returns how many do (count if all),
/// and the value after them in cv.
template <bool Contig, class T>
[[gnu::always_inline]] inline index_t block_at(Strided<const T> x, Strided<T> y, index_t i,
                                               index_t count, V4& cv,
                                               const BlockFactors& f) noexcept {
    const Block v = load_block<Contig>(x, i, count);
    const Block r = block_step(v, cv, f);
    const Flags ok = block_stands(v, r, cv, count);
    if (all(ok)) [[likely]] {
        store_block<Contig>(y, i, count, r);
        if (count == kBlock) {
            cv = __builtin_shuffle(r.hi, I4{3, 3, 3, 3});
            return kBlock;
        }
    }
    // The slow path reads lanes by a variable index through arrays: indexing
    // a vector by a variable puts it in memory, and GCC then builds the fast
    // path's results lane by lane too (scalar FMAs at x86-64-v3).
    std::uint64_t flags[kBlock];
    double ys[kBlock];
    std::memcpy(flags, &ok.lo, sizeof ok.lo);
    std::memcpy(flags + 4, &ok.hi, sizeof ok.hi);
    Lanes4::store(ys, r.lo);
    Lanes4::store(ys + 4, r.hi);
    index_t l = 0;
    while (l < count && flags[l] != 0) ++l;
    for (index_t k = 0; k < l; ++k) y[i + k] = static_cast<T>(ys[k]);
    if (l > 0) cv = V4{} + ys[l - 1];
    return l;
}

/// The blocked steps from i (a block boundary, state w observed and finite)
/// to the end or to the first point whose blocked value does not stand
/// (returned; w is then the value before it).
template <bool Contig, class T>
FASTCPP_KERNEL index_t blocked_run(Strided<const T> x, Strided<T> y, index_t i, double& w,
                                   const BlockFactors& f) noexcept {
    V4 cv = {w, w, w, w};
    const index_t n = x.size;
    for (; i + kBlock <= n; i += kBlock) {
        const index_t l = block_at<Contig>(x, y, i, kBlock, cv, f);
        if (l < kBlock) [[unlikely]] {
            w = cv[0];
            return i + l;
        }
    }
    if (i < n) i += block_at<Contig>(x, y, i, n - i, cv, f);
    w = cv[0];
    return i;
}

/// The start of a series: NaN for its leading NaNs, its first observation
/// itself (the mean so far, into w). Returns the index after it, or -1 if x
/// holds none.
template <class T>
FASTCPP_KERNEL index_t first_observation(Strided<const T> x, Strided<T> y, double& w) noexcept {
    for (index_t i = 0; i < x.size; ++i) {
        const double v = static_cast<double>(x[i]);
        if (v == v) {
            w = v;
            y[i] = x[i];
            return i + 1;
        }
        y[i] = static_cast<T>(kNaN);
    }
    return -1;
}

/// The adjust=True mean over [i, x.size) from the state after the points
/// before i: the mean w and the total weight old_w of what came before (1
/// right after the first observation). Point by point, as pandas.
template <class T>
FASTCPP_KERNEL void adjusted_steps(Strided<const T> x, Strided<T> y, index_t i, double beta,
                                   double& w, double& old_w) noexcept {
    for (; i < x.size; ++i) {
        const double v = static_cast<double>(x[i]);
        old_w *= beta;
        if (v == v) {
            if (w != v) w = (old_w * w + v) / (old_w + 1.0);
            old_w += 1.0;
        }
        y[i] = static_cast<T>(w);
    }
}

// The default options (no times, ignore_na=False, min_periods ≤ 1): the
// recursion with the weights' bookkeeping folded into one decay factor.
// Fused: the adjust=False step is one multiply-add (see Step), and full
// blocks take the blocked steps (compiled only into the copies with FMA:
// detail::dispatch_fused).
template <bool Fused, class T>
FASTCPP_KERNEL void mean_plain_row(Strided<const T> x, Strided<T> y, double alpha,
                                   bool adjust) noexcept {
    const index_t n = x.size;
    const double beta = 1.0 - alpha;
    double w = 0;
    index_t i = first_observation(x, y, w);
    if (i < 0) return;
    if (!adjust) {
        const double denom = beta + alpha;
        const Step kind = denom != 1.0 ? Step::divide : Fused ? Step::fma : Step::mul_add;
        PlainState st{w};
        std::optional<BlockFactors> factors;  // made on first use (short rows never use it)
        while (i < n) {
            if constexpr (Fused) {
                if (kind == Step::fma) {
                    if (i % kBlock == 0 && !st.gap &&
                        std::abs(st.w) < 0x1p1000) {  // finite, see stands()
                        if (!factors) factors.emplace(alpha, beta);
                        i = x.contiguous() && y.contiguous()
                                ? blocked_run<true>(x, y, i, st.w, *factors)
                                : blocked_run<false>(x, y, i, st.w, *factors);
                        if (i == n) return;
                    }
                    // Point by point to the end of this block.
                    const index_t end = std::min(n, (i / kBlock + 1) * kBlock);
                    sequential_steps<Step::fma>(x, y, i, end, st, alpha, beta, denom);
                    i = end;
                    continue;
                }
            }
            // Without the blocked steps: point by point to the end of the row.
            if (kind == Step::mul_add)
                sequential_steps<Step::mul_add>(x, y, i, n, st, alpha, beta, denom);
            else
                sequential_steps<Step::divide>(x, y, i, n, st, alpha, beta, denom);
            i = n;
        }
        return;
    }
    double old_w = 1.0;
    adjusted_steps(x, y, i, beta, w, old_w);
}

// Every option: pandas' ewm loop as written (times, ignore_na, min_periods).
template <class T>
FASTCPP_KERNEL void mean_row(Strided<const T> x, Strided<T> y, const Weights& w) noexcept {
    const double new_w = w.adjust ? 1.0 : w.alpha;
    double m = kNaN;
    double old_w = 1.0;
    index_t nobs = 0;
    bool started = false;
    for (index_t i = 0; i < x.size; ++i) {
        const double v = static_cast<double>(x[i]);
        const bool obs = v == v;
        nobs += obs;
        if (started) {
            if (obs || !w.ignore_na) {
                old_w *= w.decay(i);
                if (obs) {
                    if (m != v) m = (old_w * m + new_w * v) / (old_w + new_w);
                    old_w = w.adjust ? old_w + new_w : 1.0;
                }
            }
        } else if (obs) {
            m = v;
            started = true;
        }
        y[i] = static_cast<T>(nobs >= w.minp ? m : kNaN);
    }
}

/// pandas' zsqrt: the square root, 0 for negative values.
FASTCPP_KERNEL double zsqrt(double v) noexcept { return v < 0.0 ? 0.0 : std::sqrt(v); }

/// zsqrt of four lanes, as one vector square root: a vector select, then
/// the lanes through memory, because GCC vectorises a loop over an array but
/// not the lanes of a vector held in registers, and turns a select feeding
/// sqrt back into a branch (eight scalar square roots a block were ~a third
/// of ema_std's time).
FASTCPP_KERNEL V4 zsqrt4(V4 v) noexcept {
    v = v < 0.0 ? V4{} : v;
    alignas(32) double t[4];
    std::memcpy(t, &v, sizeof t);
    for (double& x : t) x = std::sqrt(x);
    std::memcpy(&v, t, sizeof t);
    return v;
}

/// 1/x, recomputed only when x changes: the weights of the ewmcov recursion
/// depend on the NaN pattern only and reach a fixed point after a few hundred
/// observations, so in a long run the divisions disappear from the loop.
struct CachedInverse {
    double key = kNaN, inv = kNaN;
    FASTCPP_KERNEL double operator()(double x) noexcept {
        if (x != key) {
            key = x;
            inv = 1.0 / x;
        }
        return inv;
    }
};

/// pandas' ewmcov state for one pair of series (`Same`: a variance, b = a):
/// the weighted means, the weighted covariance and the sums of the weights
/// and of their squares. Divisions by the total weight are multiplications by
/// its cached inverse, distributed over the terms (pandas divides the sum:
/// the results agree to rounding).
/// The means are kept relative to the first observed pair (sx, sy): the
/// covariance does not depend on a shift, and without it a series around
/// 1e9 loses 1e-7 of its variance to the rounding of the means (pandas does
/// not shift: it agrees to that rounding).
template <bool Same>
struct CovState {
    double sx = 0.0, sy = 0.0;
    double mx = kNaN, my = kNaN, cov = 0.0;
    double sum_w = 1.0, sum_w2 = 1.0, old_w = 1.0;
    index_t nobs = 0;
    bool started = false;
    CachedInverse inv_total;                       // 1 / (old_w + new_w)
    double bias_sum_w = kNaN, bias_sum_w2 = kNaN;  // the (sum_w, sum_w2) of bias_factor
    double bias_factor = kNaN;
    // After an observation that left the weights unchanged (their fixed
    // point): every further observation is the same affine update with
    // these weights of the old state and of the point (see steady_run).
    bool steady = false;
    double c_old = kNaN, c_new = kNaN;

    FASTCPP_KERNEL void step(double a, double b, bool obs, const Weights& w) noexcept {
        const double in_sum_w = sum_w, in_sum_w2 = sum_w2, in_old_w = old_w;
        nobs += obs;
        if (!started) {
            if (obs) {
                sx = a;
                sy = b;
                mx = my = 0.0;
                started = true;
            }
            return;
        }
        if (!obs && w.ignore_na) return;
        const double d = w.beta;
        sum_w *= d;
        sum_w2 *= d * d;
        old_w *= d;
        steady = false;
        if (!obs) return;
        a -= sx;
        const double new_w = w.adjust ? 1.0 : w.alpha;
        const double total = old_w + new_w;
        const double r = inv_total(total);
        // The new weights of the old state and of the point: the data flow
        // through one multiply-add per step (mean and covariance), the
        // weights are off that chain.
        c_old = old_w * r;
        c_new = new_w * r;
        const double old_mx = mx;
        if (mx != a) mx = c_old * old_mx + c_new * a;
        if constexpr (Same) {
            const double dm = old_mx - mx, da = a - mx;
            cov = c_old * cov + (c_old * (dm * dm) + c_new * (da * da));
        } else {
            b -= sy;
            const double old_my = my;
            if (my != b) my = c_old * old_my + c_new * b;
            cov = c_old * cov +
                  (c_old * ((old_mx - mx) * (old_my - my)) + c_new * ((a - mx) * (b - my)));
        }
        sum_w += new_w;
        sum_w2 += new_w * new_w;
        old_w = total;
        if (!w.adjust) {
            sum_w *= r;
            sum_w2 *= r * r;
            old_w = 1.0;
        }
        steady = sum_w == in_sum_w && sum_w2 == in_sum_w2 && old_w == in_old_w;
    }
    /// The (bias-corrected unless `bias`) covariance, NaN below min_periods.
    [[nodiscard]] FASTCPP_KERNEL double value(bool bias, index_t minp) noexcept {
        if (nobs < minp) return kNaN;
        return bias ? cov : bias_correction() * cov;
    }
    /// pandas' (sum w)^2 / ((sum w)^2 - sum w^2), NaN unless positive;
    /// recomputed only when the weights changed.
    [[nodiscard]] FASTCPP_KERNEL double bias_correction() noexcept {
        if (sum_w != bias_sum_w || sum_w2 != bias_sum_w2) {
            bias_sum_w = sum_w;
            bias_sum_w2 = sum_w2;
            const double num = sum_w * sum_w;
            const double den = num - sum_w2;
            bias_factor = den > 0.0 ? num / den : kNaN;
        }
        return bias_factor;
    }
};

/// The factors of steady_run's blocked steps (where FMA is an instruction),
/// made on first use and again when the steady weights differ.
struct SteadyBlocks {
    double c_old = kNaN, c_new = kNaN;
    std::optional<BlockFactors> mean, cov;  ///< (c_new, c_old) and (1, c_old)
    const SteadyBlocks& at(double o, double n) {
        if (!mean || o != c_old || n != c_new) {
            c_old = o;
            c_new = n;
            mean.emplace(n, o);
            cov.emplace(1.0, o);
        }
        return *this;
    }
};

/// steady_run's recursion on full blocks of 8 points from i, in the blocked
/// form of the adjust=False mean (blocked_run): the means are the scan of
/// c_new·a with the factor c_old, the covariances the scan of the terms
/// c_old·dm² + c_new·da² with the same factor; the bias factor, the square
/// roots and the stores are then vector operations. Stops before a block
/// with a NaN, a point equal to the mean before it (the mean then stays,
/// pandas' rule), or |a − sx| ≥ 2^500 (its square could overflow), and
/// does not start from a mean or covariance that is not finite (or that
/// large); returns where it stopped.
template <EmaStat S, bool Contig, class T>
FASTCPP_KERNEL index_t steady_blocks(Strided<const T> x, Strided<T> y, index_t i, double sx,
                                     double factor, double& mx, double& cov,
                                     const SteadyBlocks& f) noexcept {
    const V4 shift = {sx, sx, sx, sx}, c_old = V4{} + f.c_old, c_new = V4{} + f.c_new;
    const V4 scale = {factor, factor, factor, factor}, big = V4{} + 0x1p500;
    if (!(std::abs(mx) < 0x1p500 && std::abs(cov) < 0x1p1000))
        return i;  // inf, NaN: point by point
    V4 mv = {mx, mx, mx, mx}, cv = {cov, cov, cov, cov};
    for (; i + kBlock <= x.size; i += kBlock) {
        Block a = load_block<Contig>(x, i, kBlock);
        a.lo -= shift;
        a.hi -= shift;
        const Block m = block_step(a, mv, *f.mean);
        const V4 before_lo = __builtin_shuffle(m.lo, mv, I4{4, 0, 1, 2});
        const V4 before_hi = __builtin_shuffle(m.hi, m.lo, I4{7, 0, 1, 2});
        if (!all(Flags{stands(a.lo, before_lo, big), stands(a.hi, before_hi, big)})) break;
        const V4 dm_lo = before_lo - m.lo, da_lo = a.lo - m.lo;
        const V4 dm_hi = before_hi - m.hi, da_hi = a.hi - m.hi;
        const Block t = {c_old * (dm_lo * dm_lo) + c_new * (da_lo * da_lo),
                         c_old * (dm_hi * dm_hi) + c_new * (da_hi * da_hi)};
        const Block c = block_step(t, cv, *f.cov);
        Block v = {scale * c.lo, scale * c.hi};
        if constexpr (S == EmaStat::std) {
            v.lo = zsqrt4(v.lo);
            v.hi = zsqrt4(v.hi);
        }
        store_block<Contig>(y, i, kBlock, v);
        mv = __builtin_shuffle(m.hi, I4{3, 3, 3, 3});
        cv = __builtin_shuffle(c.hi, I4{3, 3, 3, 3});
    }
    mx = mv[0];
    cov = cv[0];
    return i;
}

/// Variance/std over a run of observations from a steady state (weights at
/// their fixed point, at least min_periods observations): step() and value()
/// with the constant weights, ~15 operations a point instead of ~45. Returns
/// the index of the first NaN (or the end), which step() then takes.
template <EmaStat S, bool Fused, class T>
FASTCPP_KERNEL index_t steady_run(CovState<true>& s, Strided<const T> x, Strided<T> y, index_t i,
                                  bool bias, SteadyBlocks& blocks) noexcept {
    const double factor = bias ? 1.0 : s.bias_correction();
    const double c_old = s.c_old, c_new = s.c_new, sx = s.sx;
    double mx = s.mx, cov = s.cov;
    const index_t start = i;
    while (i < x.size) {
        if constexpr (Fused) {
            if (x.size - i >= kBlock) {
                const SteadyBlocks& f = blocks.at(c_old, c_new);
                i = x.contiguous() && y.contiguous()
                        ? steady_blocks<S, true>(x, y, i, sx, factor, mx, cov, f)
                        : steady_blocks<S, false>(x, y, i, sx, factor, mx, cov, f);
            }
        }
        // Point by point: the block the blocked steps stopped before (or
        // the tail, or the whole run without FMA), up to a NaN.
        const index_t end = Fused ? std::min(x.size, i + kBlock) : x.size;
        for (; i < end; ++i) {
            double a = static_cast<double>(x[i]);
            if (!(a == a)) break;
            a -= sx;
            const double old_mx = mx;
            if (mx != a) mx = c_old * old_mx + c_new * a;
            const double dm = old_mx - mx, da = a - mx;
            cov = c_old * cov + (c_old * (dm * dm) + c_new * (da * da));
            const double v = factor * cov;
            y[i] = static_cast<T>(S == EmaStat::std ? zsqrt(v) : v);
        }
        if (i < end) break;  // a NaN
    }
    s.mx = mx;
    s.cov = cov;
    s.nobs += i - start;
    return i;
}

/// cov/corr over a run of observed pairs from a steady state, as
/// steady_run. corr also carries the two variances (`va`, `vb`: their means
/// are the pair's, the same operations on the same values).
template <EmaStat S, class T>
FASTCPP_KERNEL index_t steady_pair_run(CovState<false>& s, CovState<true>& va, CovState<true>& vb,
                                       Strided<const T> xa, Strided<const T> xb, Strided<T> y,
                                       index_t i, bool bias) noexcept {
    const double factor = bias || S == EmaStat::corr ? 1.0 : s.bias_correction();
    const double c_old = s.c_old, c_new = s.c_new, sx = s.sx, sy = s.sy;
    double mx = s.mx, my = s.my, cov = s.cov, var_a = va.cov, var_b = vb.cov;
    const index_t start = i;
    for (; i < xa.size; ++i) {
        double a = static_cast<double>(xa[i]), b = static_cast<double>(xb[i]);
        if (!(a == a && b == b)) break;
        a -= sx;
        b -= sy;
        const double old_mx = mx, old_my = my;
        if (mx != a) mx = c_old * old_mx + c_new * a;
        if (my != b) my = c_old * old_my + c_new * b;
        const double dmx = old_mx - mx, dax = a - mx, dmy = old_my - my, day = b - my;
        cov = c_old * cov + (c_old * (dmx * dmy) + c_new * (dax * day));
        if constexpr (S == EmaStat::corr) {
            var_a = c_old * var_a + (c_old * (dmx * dmx) + c_new * (dax * dax));
            var_b = c_old * var_b + (c_old * (dmy * dmy) + c_new * (day * day));
            y[i] = static_cast<T>(cov / zsqrt(var_a * var_b));
        } else {
            y[i] = static_cast<T>(factor * cov);
        }
    }
    s.mx = va.mx = mx;
    s.my = vb.mx = my;
    s.cov = cov;
    va.cov = var_a;
    vb.cov = var_b;
    s.nobs += i - start;
    va.nobs += i - start;
    vb.nobs += i - start;
    return i;
}

// Fused: FMA is an instruction (the blocked steps of steady_blocks).
template <EmaStat S, bool Fused, class T>
FASTCPP_KERNEL void moments_row(Strided<const T> xa, Strided<const T> xb, Strided<T> y,
                                const Weights& options) noexcept {
    [[maybe_unused]] SteadyBlocks blocks;
    const Weights w = options;  // a local copy: the stores to y cannot change it
    CovState<S == EmaStat::var || S == EmaStat::std> s;
    [[maybe_unused]] CovState<true> sa, sb;  // corr: the variances, over the same pairs
    for (index_t i = 0; i < xa.size; ++i) {
        const double a = static_cast<double>(xa[i]);
        if constexpr (S == EmaStat::var || S == EmaStat::std) {
            s.step(a, a, a == a, w);
            const double v = s.value(w.bias, w.minp);
            y[i] = static_cast<T>(S == EmaStat::std ? zsqrt(v) : v);
            if (s.steady && s.nobs >= w.minp)
                i = steady_run<S, Fused>(s, xa, y, i + 1, w.bias, blocks) - 1;
        } else {
            const double b = static_cast<double>(xb[i]);
            const bool obs = a == a && b == b;
            s.step(a, b, obs, w);
            if constexpr (S == EmaStat::cov) {
                y[i] = static_cast<T>(s.value(w.bias, w.minp));
            } else {
                sa.step(a, a, obs, w);
                sb.step(b, b, obs, w);
                const double c = s.value(true, w.minp);
                y[i] = static_cast<T>(c / zsqrt(sa.value(true, w.minp) * sb.value(true, w.minp)));
            }
            if (s.steady && s.nobs >= w.minp)
                i = steady_pair_run<S>(s, sa, sb, xa, xb, y, i + 1, w.bias) - 1;
        }
    }
}

template <EmaStat S, class T>
void run_rows(Rows<const T> a, Rows<const T> b, Rows<T> out, const Weights& w) {
    if (a.length == 0) return;
    // Each row is one serial recursion: threads take whole rows.
    const index_t grain = std::max<index_t>(1, (index_t{1} << 15) / a.length);
    detail::parallel_for(a.count(), grain, [&](index_t lo, index_t hi) {
        for (index_t r = lo; r < hi; ++r) {
            if constexpr (S == EmaStat::mean) {
                if (w.plain())
                    detail::dispatch_fused([&](auto fused) {
                        mean_plain_row<decltype(fused)::value>(a.row(r), out.row(r), w.alpha,
                                                               w.adjust);
                    });
                else
                    detail::dispatch([&] { mean_row(a.row(r), out.row(r), w); });
            } else {
                detail::dispatch_fused([&](auto fused) {
                    moments_row<S, decltype(fused)::value>(a.row(r), b.row(r), out.row(r), w);
                });
            }
        }
    });
}

}  // namespace

template <std::floating_point T>
void ema_adjusted_from(Strided<const T> x, Strided<T> y, double alpha, EmaCarry& carry) {
    check_ema(alpha);
    detail::require(y.size == x.size, "ema", "out has length ", y.size, ", expected ", x.size);
    detail::require(carry.weight != carry.weight || carry.weight >= 0.0, "ema",
                    "carry.weight (=", carry.weight, ") must be >= 0, or NaN for nothing yet");
    detail::dispatch([&] {
        index_t i = 0;
        if (carry.weight != carry.weight) {  // nothing observed yet
            i = first_observation(x, y, carry.mean);
            if (i < 0) return;
            carry.weight = 1.0;
        }
        adjusted_steps(x, y, i, 1.0 - alpha, carry.mean, carry.weight);
    });
}

template void ema_adjusted_from<double>(Strided<const double>, Strided<double>, double, EmaCarry&);
template void ema_adjusted_from<float>(Strided<const float>, Strided<float>, double, EmaCarry&);

double ema_alpha(const char* func, const EmaOptions& opt, index_t length) {
    const int given = opt.alpha.has_value() + opt.span.has_value() + opt.halflife.has_value() +
                      opt.com.has_value();
    detail::require(given == 1, func,
                    given ? "alpha, span, halflife and com are mutually exclusive, got "
                          : "one of alpha, span, halflife or com is required, got ",
                    given, " of them");
    detail::require(opt.min_periods >= 0, func, "min_periods (=", opt.min_periods,
                    ") must be >= 0");
    if (opt.times) {
        const auto t = *opt.times;
        detail::require(opt.halflife.has_value(), func,
                        "times requires halflife (and none of alpha, span, com)");
        detail::require(static_cast<index_t>(t.size()) == length, func, "times has length ",
                        t.size(), ", expected the length of the axis (", length, ")");
        for (std::size_t i = 0; i < t.size(); ++i) {
            detail::require(std::isfinite(t[i]), func, "times[", i, "] (=", t[i],
                            ") must be finite");
            detail::require(i == 0 || t[i] >= t[i - 1], func,
                            "times must be non-decreasing, times[", i, "] (=", t[i], ") < times[",
                            i - 1, "] (=", t[i - 1], ")");
        }
    }
    if (opt.alpha) {
        const double a = *opt.alpha;
        detail::require(a > 0.0 && a <= 1.0, func, "alpha (=", a, ") must be in (0, 1]");
        return a;
    }
    if (opt.span) {
        const double s = *opt.span;
        detail::require(s >= 1.0 && s < std::numeric_limits<double>::infinity(), func, "span (=", s,
                        ") must be >= 1 and finite");
        return 1.0 / (1.0 + (s - 1.0) / 2.0);  // pandas: com = (span - 1) / 2
    }
    if (opt.halflife) {
        const double h = *opt.halflife;
        detail::require(h > 0.0 && h < std::numeric_limits<double>::infinity(), func,
                        "halflife (=", h, ") must be > 0 and finite");
        if (opt.times) return 0.5;  // pandas: com = 1; decay 0.5^(Δt / halflife)
        const double com = 1.0 / (1.0 - std::exp(std::log(0.5) / h)) - 1.0;
        return 1.0 / (1.0 + com);
    }
    const double c = *opt.com;
    detail::require(c >= 0.0 && c < std::numeric_limits<double>::infinity(), func, "com (=", c,
                    ") must be >= 0 and finite");
    return 1.0 / (1.0 + c);
}

template <EmaStat S, class T>
void ema_rows(Rows<const T> a, Rows<const T> b, Rows<T> out, const EmaOptions& opt) {
    constexpr const char* names[] = {"ema", "ema_var", "ema_std", "ema_cov", "ema_corr"};
    const char* func = names[static_cast<int>(S)];
    Weights w;
    w.alpha = ema_alpha(func, opt, a.length);
    w.beta = 1.0 - w.alpha;
    if (opt.times) {
        w.times = opt.times->data();
        w.halflife = *opt.halflife;
    }
    w.adjust = opt.adjust;
    w.ignore_na = opt.ignore_na;
    w.minp = std::max<index_t>(opt.min_periods, 1);
    w.bias = opt.bias;
    detail::require(S == EmaStat::mean || !opt.times, func,
                    "times is supported by ema only (pandas implements it for the mean only)");
    detail::require(out.count() == a.count() && out.length == a.length, func, "out has ",
                    out.count(), " rows of length ", out.length, ", expected ", a.count(),
                    " rows of length ", a.length);
    detail::require(b.count() == a.count() && b.length == a.length, func, "b has ", b.count(),
                    " rows of length ", b.length, ", expected ", a.count(), " rows of length ",
                    a.length);
    run_rows<S>(a, b, out, w);
}

#define FASTCPP_EMA_ROWS(S, T) \
    template void ema_rows<S, T>(Rows<const T>, Rows<const T>, Rows<T>, const EmaOptions&);
#define FASTCPP_EMA_ROWS_BOTH(S) FASTCPP_EMA_ROWS(S, double) FASTCPP_EMA_ROWS(S, float)
FASTCPP_EMA_ROWS_BOTH(EmaStat::mean)
FASTCPP_EMA_ROWS_BOTH(EmaStat::var)
FASTCPP_EMA_ROWS_BOTH(EmaStat::std)
FASTCPP_EMA_ROWS_BOTH(EmaStat::cov)
FASTCPP_EMA_ROWS_BOTH(EmaStat::corr)
#undef FASTCPP_EMA_ROWS_BOTH
#undef FASTCPP_EMA_ROWS

}  // namespace fastcpp
