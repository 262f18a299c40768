#pragma once
/// @file detail/vmath.hpp
/// Inline, branch-free double-precision sin/cos and 2 asin(sqrt(h)) for the vector loops of
/// the elementwise and geometry kernels. Called element by element inside a
/// `#pragma omp simd` loop of a FASTCPP_KERNEL, they vectorise to the width
/// of the dispatch level (2, 4 or 8 lanes) with no library call per vector,
/// which is what made the libmvec versions slow (a call, argument shuffling
/// and a slow path check per vector).
///
/// Method (the polynomials are those of FreeBSD msun / musl, derived from
/// Sun's fdlibm: __sin.c, __cos.c, asin.c; "Copyright (C) 1993 by Sun
/// Microsystems, Inc. Permission to use, copy, modify, and distribute this
/// software is freely granted, provided that this notice is preserved."):
/// - sincos: Cody–Waite reduction x = q*pi/2 + r with pi/2 split into three
///   33-bit pieces (fdlibm's pio2_1, pio2_2, pio2_3: q*piece is exact for
///   |q| < 2^20) plus a tail (with FMA: three fused steps, see reduce_pio2),
///   then fdlibm's degree-13 sin and degree-14 cos kernels on |r| <= pi/4
///   (with FMA: each one Horner chain), chosen and negated per lane by q mod 4.
/// - sin or cos alone (haversine needs no pair of the same argument): the
///   same reduction by an odd or even multiple of pi/2 to |r| <= pi/2 and
///   one polynomial (sin_poly), then a sign: ~35 operations where sincos
///   takes ~55, since a lane never needs both kernels to pick its quadrant.
/// - sin_near / cos_near: sin and cos without the reduction, for arguments
///   where it is known to be the identity (|x| < pi/2) or one fixed multiple
///   of pi/2 (|x| <= 3): the same bits, ~12 and ~8 operations fewer
///   (haversine: half latitude differences and latitudes).
/// - central_angle(h) = 2 asin(sqrt(h)): fdlibm's rational approximation
///   asin(x) = x + x*R(x^2) for |x| <= 0.5, reached from every h by an exact
///   change of variable (see the function).
/// Accuracy (tests_py/test_elementwise.py, test_geo.py check it against
/// NumPy): within 2 ulp of the correctly rounded result for |x| <= kTrigMax
/// (sin/cos) and every h in [0, 1] (central_angle). |x| > kTrigMax, inf and NaN are
/// flagged by trig_in_range() / trig_far_bits() so callers recompute those lanes with the
/// scalar libm functions (the reduction above loses accuracy out there).
///
/// Every function takes a compile-time flag F (fused): F = false rounds each
/// product and sum apart (no FMA; the kernel files are compiled with
/// -ffp-contract=off), F = true computes a*b + c with one rounding (FMA)
/// wherever a polynomial or the reduction has that shape. The kernels pass
/// F = true at x86-64-v3 and v4 (FMA instructions) and false below (where
/// fma would be a libm call), and true on aarch64: the one rule is
/// fuses_multiply_add in detail/dispatch.hpp (used by dispatch_fused in
/// src/elementwise_loops.hpp).
/// Within one F every lane and every scalar copy computes the same bits for
/// the same input, so results do not depend on the thread count or where a
/// value sits; between F = false and F = true they may differ by an ulp or
/// two (both within the bounds above).

#include <bit>
#include <cstdint>
#include <type_traits>

namespace fastcpp::detail::vmath {

/// a * b + c: one rounding (FMA) when F, else two.
template <bool F>
[[gnu::always_inline]] inline double mul_add(double a, double b, double c) noexcept {
    if constexpr (F)
        return __builtin_fma(a, b, c);
    else
        return a * b + c;
}

/// The polynomial c0 z^n + c1 z^(n-1) + ... + cn by Horner's rule, highest
/// coefficient first: ((c0 z + c1) z + ...) z + cn, each step a mul_add<F>.
template <bool F>
[[gnu::always_inline]] inline double horner(double, double c) noexcept {
    return c;
}
template <bool F, class... C>
[[gnu::always_inline]] inline double horner(double z, double c0, double c1, C... rest) noexcept {
    return horner<F>(z, mul_add<F>(c0, z, c1), rest...);
}

/// Largest |x| the vector sin/cos reduce accurately (q < 2^20 keeps the
/// products q * pio2_k exact); beyond it callers use scalar libm.
inline constexpr double kTrigMax = 1.0e5;

/// True when the vector sin/cos are valid for x (false for NaN and inf).
[[gnu::always_inline]] inline bool trig_in_range(double x) noexcept {
    return __builtin_fabs(x) <= kTrigMax;
}

/// Bits whose top bit is set when |x| > bound or x is NaN (bound >= 0
/// finite): OR them over a loop and test the top bit after it. (Integer adds
/// only: a bool-to-int conversion of a compare does not vectorise at the
/// SSE2 baseline.)
template <double Bound>
[[gnu::always_inline]] inline std::uint64_t beyond_bits(double x) noexcept {
    constexpr std::uint64_t kAbs = ~(std::uint64_t{1} << 63);
    constexpr std::uint64_t kMaxBits = std::bit_cast<std::uint64_t>(Bound);
    // |x| bits + (2^63 - 1 - kMaxBits) reaches 2^63 exactly when |x| > Bound.
    return (std::bit_cast<std::uint64_t>(x) & kAbs) + (kAbs - kMaxBits);
}

/// beyond_bits<Bound> for a bound known at run time (finite, >= 0).
[[gnu::always_inline]] inline std::uint64_t beyond_bits(double x, double bound) noexcept {
    constexpr std::uint64_t kAbs = ~(std::uint64_t{1} << 63);
    return (std::bit_cast<std::uint64_t>(x) & kAbs) + (kAbs - std::bit_cast<std::uint64_t>(bound));
}

/// Bits whose top bit is set when x is outside the vector sin/cos range (or
/// NaN/inf), as beyond_bits.
[[gnu::always_inline]] inline std::uint64_t trig_far_bits(double x) noexcept {
    return beyond_bits<kTrigMax>(x);
}
/// True when trig_far_bits() OR-ed over some lanes flags one of them.
[[gnu::always_inline]] inline bool any_far(std::uint64_t bits) noexcept { return bits >> 63; }

/// r = x - k * M * pi/2 for a small integer or half-integer k (held as a
/// double), with fdlibm's three 33-bit pieces of pi/2 (k * piece exact for
/// |k| < 2^20) and a tail; with FMA, three fused steps on pi/2 split into
/// three doubles. M = 1 or 2 scales the pieces exactly: reduce_pio2<F, 2>(x,
/// k) has the bits of reduce_pio2<F>(x, 2k), one addition fewer.
template <bool F, int M = 1>
[[gnu::always_inline]] inline double reduce_pio2(double x, double k) noexcept {
    static_assert(M == 1 || M == 2);
    if constexpr (F) {
        // With FMA, pi/2 as three doubles (hi + mid + lo, 5.6e-50 short): x -
        // k*hi is exact (both are multiples of 2^-52 when k != 0 needs |x| >=
        // 1, and the difference is below 2) except for cos's k = +-1 at |x| <
        // 1, where one rounding of |r| > 0.57 is as the pieces below give.
        constexpr double kHi = M * 1.5707963267948966, kMid = M * 6.123233995736766e-17,
                         kLo = M * -1.4973849048591698e-33;
        return mul_add<F>(-k, kLo, mul_add<F>(-k, kMid, mul_add<F>(-k, kHi, x)));
    }
    constexpr double kPio2_1 = M * 1.57079632673412561417e+00;
    constexpr double kPio2_2 = M * 6.07710050630396597660e-11;
    constexpr double kPio2_3 = M * 2.02226624871116645580e-21;
    constexpr double kPio2_3t = M * 8.47842766036889956997e-32;
    double r = mul_add<F>(-k, kPio2_1, x);
    r = mul_add<F>(-k, kPio2_2, r);
    r = mul_add<F>(-k, kPio2_3, r);
    return mul_add<F>(-k, kPio2_3t, r);
}

/// sin(x) and cos(x) of one argument.
struct SinCos {
    double s, c;
};

template <bool F>
[[gnu::always_inline]] inline SinCos sincos(double x) noexcept {
    constexpr double kTwoOverPi = 6.36619772367581382433e-01;
    // q = round(x * 2/pi): adding 1.5 * 2^52 rounds to an integer, which then
    // sits in the low bits of the sum's representation.
    constexpr double kRound = 6755399441055744.0;
    const double t = mul_add<F>(x, kTwoOverPi, kRound);
    const double q = t - kRound;
    const std::uint64_t qb = std::bit_cast<std::uint64_t>(t);
    const double r = reduce_pio2<F>(x, q);

    // fdlibm __kernel_sin / __kernel_cos on |r| <= pi/4 (tail of r ignored).
    constexpr double S1 = -1.66666666666666324348e-01, S2 = 8.33333333332248946124e-03,
                     S3 = -1.98412698298579493134e-04, S4 = 2.75573137070700676789e-06,
                     S5 = -2.50507602534068634195e-08, S6 = 1.58969099521155010221e-10;
    constexpr double C1 = 4.16666666666666019037e-02, C2 = -1.38888888888741095749e-03,
                     C3 = 2.48015872894767294178e-05, C4 = -2.75573143513906633035e-07,
                     C5 = 2.08757232129817482790e-09, C6 = -1.13596475577881948265e-11;
    const double z = r * r;
    const double w = z * z;
    const double hz = 0.5 * z;
    const double one_minus_hz = 1.0 - hz;
    double sn, cs;
    if constexpr (F) {
        // With FMA: one Horner chain per kernel (fewer operations; the
        // lanes are independent, so the longer chains cost no throughput).
        const double ps = horner<F>(z, S6, S5, S4, S3, S2, S1);
        const double pc = horner<F>(z, C6, C5, C4, C3, C2, C1);
        sn = mul_add<F>(z * r, ps, r);
        cs = one_minus_hz + mul_add<F>(w, pc, (1.0 - one_minus_hz) - hz);
    } else {
        // S2 + z (S3 + z S4) + z w (S5 + z S6)
        const double rs = mul_add<F>(z * w, horner<F>(z, S6, S5), horner<F>(z, S4, S3, S2));
        sn = mul_add<F>(z * r, mul_add<F>(z, rs, S1), r);
        // z (C1 + z (C2 + z C3)) + w^2 (C4 + z (C5 + z C6))
        const double rc =
            mul_add<F>(z, horner<F>(z, C3, C2, C1), (w * w) * horner<F>(z, C6, C5, C4));
        cs = one_minus_hz + mul_add<F>(z, rc, (1.0 - one_minus_hz) - hz);
    }

    // Quadrant q mod 4: sin = s, c, -s, -c; cos = c, -s, -c, s.
    const std::uint64_t odd = std::uint64_t{0} - (qb & 1);  // all ones when q is odd
    const std::uint64_t sb = std::bit_cast<std::uint64_t>(sn);
    const std::uint64_t cb = std::bit_cast<std::uint64_t>(cs);
    const std::uint64_t s_sel = (cb & odd) | (sb & ~odd);
    const std::uint64_t c_sel = (sb & odd) | (cb & ~odd);
    const std::uint64_t s_sign = (qb & 2) << 62;
    const std::uint64_t c_sign = ((qb + 1) & 2) << 62;
    return {std::bit_cast<double>(s_sel ^ s_sign), std::bit_cast<double>(c_sel ^ c_sign)};
}

/// sin(r) for |r| <= pi/2 (a little beyond is fine): one odd polynomial of
/// degree 19, r + c8 r^3 + r^5 V(r^2), with SLEEF's minimax coefficients
/// (sleefdp.c, xsin; Boost Software License 1.0; the polynomial's own error
/// is < 0.07 ulp). Over this wider range than fdlibm's pi/4 the r^3 term
/// reaches 0.65 of the result. Without FMA, r + c8 r^3 is summed with
/// Knuth's TwoSum and its rounding error carried into the small rest: within
/// 2 ulp, mean 0.17 ulp (fdlibm's two kernels: 0.11). With FMA the whole
/// r^3 (c8 + z V) is added to r in one rounding, which is as accurate (on 4M
/// arguments against long double: largest error 1.66 ulp, mean 0.271, where
/// the TwoSum form gives 1.69 and 0.271) for 4 operations less.
template <bool F>
[[gnu::always_inline]] inline double sin_poly(double r) noexcept {
    constexpr double c0 = -7.97255955009037868891952e-18, c1 = 2.81009972710863200091251e-15,
                     c2 = -7.64712219118158833288484e-13, c3 = 1.60590430605664501629054e-10,
                     c4 = -2.50521083763502045810755e-08, c5 = 2.75573192239198747630416e-06,
                     c6 = -0.000198412698412696162806809, c7 = 0.00833333333333332974823815,
                     c8 = -0.166666666666666657414808;
    const double z = r * r;
    const double t = r * z;
    if constexpr (F) {
        // One Horner chain: 2 operations fewer than the split below (the
        // loops that call this run independent lanes: throughput counts).
        return mul_add<F>(t, horner<F>(z, c0, c1, c2, c3, c4, c5, c6, c7, c8), r);
    } else {
        const double z2 = z * z;
        // Two half-length Horner chains for V (a shorter dependency chain).
        const double hi = horner<F>(z, c0, c1, c2, c3);
        const double lo = horner<F>(z2, horner<F>(z, c4, c5), horner<F>(z, c6, c7));
        const double v = mul_add<F>(hi, z2 * z2, lo);
        const double p = t * c8;
        const double s = r + p;
        const double e = (r - s) + p;  // TwoSum error of r + p (|r| >= |p|)
        return s + mul_add<F>(t, z * v, e);
    }
}

/// x = q*pi + r, |r| <= pi/2: returns r, and the top bit of `odd` is set
/// when q is odd.
template <bool F>
[[gnu::always_inline]] inline double reduce_pi(double x, std::uint64_t& odd) noexcept {
    constexpr double kOneOverPi = 3.18309886183790671538e-01;
    constexpr double kRound = 6755399441055744.0;  // 1.5 * 2^52: see sincos()
    const double t = mul_add<F>(x, kOneOverPi, kRound);
    odd = std::bit_cast<std::uint64_t>(t) << 63;
    return reduce_pio2<F, 2>(x, t - kRound);
}

/// sin(x) alone (the cheaper path when cos of the same argument is not
/// needed): x = q*pi + r, |r| <= pi/2, sin(x) = (-1)^q sin_poly(r).
template <bool F>
[[gnu::always_inline]] inline double sin(double x) noexcept {
    std::uint64_t odd;
    const double r = reduce_pi<F>(x, odd);
    return std::bit_cast<double>(std::bit_cast<std::uint64_t>(sin_poly<F>(r)) ^ odd);
}

/// sin(x) or -sin(x), for a caller that squares it: sin() without its sign
/// (its square has the same bits).
template <bool F>
[[gnu::always_inline]] inline double sin_up_to_sign(double x) noexcept {
    std::uint64_t odd;
    return sin_poly<F>(reduce_pi<F>(x, odd));
}

/// cos(x) alone: x = (q + 1/2)*pi + r, |r| <= pi/2 (about),
/// cos(x) = (-1)^(q+1) sin_poly(r). Near the zeros of cos the reduction is
/// exact (Sterbenz), so small results keep their relative accuracy.
template <bool F>
[[gnu::always_inline]] inline double cos(double x) noexcept {
    constexpr double kOneOverPi = 3.18309886183790671538e-01;
    constexpr double kRound = 6755399441055744.0;
    const double t = mul_add<F>(x, kOneOverPi, -0.5) + kRound;
    const double q = t - kRound;
    const std::uint64_t sign = (~std::bit_cast<std::uint64_t>(t)) << 63;  // q even
    const double r = reduce_pio2<F, 2>(x, q + 0.5);  // q + 1/2 exact
    return std::bit_cast<double>(std::bit_cast<std::uint64_t>(sin_poly<F>(r)) ^ sign);
}

/// Largest |x| for which sin_near() equals sin() (fused or not): below it,
/// x / pi rounds to q = 0, so sin()'s reduction subtracts zeros (x - 0 is x,
/// -0 too) and its sign is +. (pi/2 rounded down is one double too far: x ·
/// (1/pi) is then 0.5 + 1.1e-17, which a fused multiply-add rounds to q = 1.)
inline constexpr double kSinNearMax = 1.5707963267948963;  // the double below pi/2
/// Largest |x| for which cos_near() equals cos(): below pi, cos() takes
/// q = 0 (x >= 0, and x > -2^-53) or q = -1, and its reduction by -pi/2 is
/// the negated reduction of |x| by pi/2 (round-to-nearest is symmetric).
inline constexpr double kCosNearMax = 3.0;

/// sin(x) for |x| <= kSinNearMax (a half latitude difference), the same
/// bits as sin() without its reduction.
template <bool F>
[[gnu::always_inline]] inline double sin_near(double x) noexcept {
    return sin_poly<F>(x);
}

/// cos(x) for |x| <= kCosNearMax (a latitude), the same bits as cos():
/// -sin_poly(|x| - pi/2) with the reduction's constant multiple 1.
template <bool F>
[[gnu::always_inline]] inline double cos_near(double x) noexcept {
    return -sin_poly<F>(reduce_pio2<F>(__builtin_fabs(x), 1.0));
}

/// fdlibm's R(z) = (asin(x) - x) / x^3 * z... : asin(x) = x + x * R(x^2).
template <bool F>
[[gnu::always_inline]] inline double asin_r(double z) noexcept {
    constexpr double pS0 = 1.66666666666666657415e-01, pS1 = -3.25565818622400915405e-01,
                     pS2 = 2.01212532134862925881e-01, pS3 = -4.00555345006794114027e-02,
                     pS4 = 7.91534994289814532176e-04, pS5 = 3.47933107596021167570e-05;
    constexpr double qS1 = -2.40339491173441421878e+00, qS2 = 2.02094576023350569471e+00,
                     qS3 = -6.88283971605453293030e-01, qS4 = 7.70381505559019352791e-02;
    const double p = z * horner<F>(z, pS5, pS4, pS3, pS2, pS1, pS0);
    const double q = horner<F>(z, qS4, qS3, qS2, qS1, 1.0);
    return p / q;
}

/// All ones where v < 0 (sign bit set, not NaN-checked), else zero: a lane
/// mask built from integer shifts and subtractions (SSE2 has no 64-bit
/// arithmetic shift and GCC does not if-convert the selects below).
[[gnu::always_inline]] inline std::uint64_t negative_mask(double v) noexcept {
    return std::uint64_t{0} - (std::bit_cast<std::uint64_t>(v) >> 63);
}
/// Bitwise select: a where mask is all ones, b where it is zero.
[[gnu::always_inline]] inline double select(std::uint64_t mask, double a, double b) noexcept {
    return std::bit_cast<double>((std::bit_cast<std::uint64_t>(a) & mask) |
                                 (std::bit_cast<std::uint64_t>(b) & ~mask));
}

/// 2 asin(sqrt(h)) for h in [0, 1]: the haversine's central angle, with one
/// square root and one division where asin(sqrt(h)) takes two of each. Three
/// ranges, each reduced exactly to fdlibm's |x| <= 0.5 branch x + x R(x^2):
/// - h < 1/4:        2 asin(sqrt(h));
/// - 1/4 <= h <= 3/4: pi/2 + asin(2h - 1)   (2h - 1 exact: Sterbenz; since
///   cos(2 theta) = 1 - 2 sin^2 theta, 2 asin(sqrt(h)) = acos(1 - 2h));
/// - h > 3/4:        pi - 2 asin(sqrt(1 - h))   (1 - h exact).
/// The results of the last two are >= pi/3, so adding pi/2 or pi (split hi +
/// lo as fdlibm) keeps them within an ulp or two. NaN in, NaN out; h > 1 or
/// h < 0 gives NaN as asin(sqrt(h)) does.
template <bool F>
[[gnu::always_inline]] inline double central_angle(double h) noexcept {
    constexpr double kPio2Hi = 1.57079632679489655800e+00;
    constexpr double kPio2Lo = 6.12323399573676603587e-17;
    // Masks from compares where the level has vector blends: GCC then
    // selects with one blend instead of three bitwise operations. The SSE2
    // baseline cannot vectorise a compare's conversion to an integer: it
    // builds them from sign bits. The same lanes are chosen either way (NaN
    // gives NaN on both).
    constexpr bool kBlends = F;  // the fusing levels (x86-64-v3/v4, aarch64) blend
    std::uint64_t low, high;
    if constexpr (kBlends) {
        low = std::uint64_t{0} - static_cast<std::uint64_t>(h < 0.25);
        high = std::uint64_t{0} - static_cast<std::uint64_t>(h > 0.75);
    } else {
        low = negative_mask(h - 0.25);
        high = negative_mask(0.75 - h);
    }
    const double u = __builtin_sqrt(select(high, 1.0 - h, h));  // < 1/2 where used
    const double x = select(low | high, u, 2.0 * h - 1.0);      // |x| <= 1/2
    const double v = mul_add<F>(x, asin_r<F>(x * x), x);        // asin(x)
    const double twice = 2.0 * v;
    const double mid = kPio2Hi + (v + kPio2Lo);
    const double far = 2.0 * kPio2Hi - (twice - 2.0 * kPio2Lo);
    return select(low, twice, select(high, far, mid));
}

}  // namespace fastcpp::detail::vmath
