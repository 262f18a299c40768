// Moving sums and moments without running sums: move_sum, move_mean,
// move_var, move_std and the seed's rolling_mean_std and rolling_sum_squares.
//
// van Herk (1992) / Gil & Werman (1993) decomposition: with tiles of `window`
// elements aligned at the row start, the full window that starts at offset a
// of tile t is the suffix of tile t from a plus the prefix of tile t + 1
// before a. Suffix and prefix sums only add the window's own elements, so
// there is no running-sum drift at all, an inf or a huge value leaves no
// trace once outside the window, and each output is the same two sums
// whichever thread's chunk computes it (bit for bit).
//
// Per element three sums are kept: the count of non-NaN values, and the sums
// of d = x - c and d² with NaN as 0 ("shifted data", Chan, Golub & LeVeque
// 1983). The shift c of a pair of tiles (t, t+1) is the first finite value of
// tile t (else of t+1), so d is of the size of the local spread; move_sum
// uses c = 0 so that sums are plain sums. ±inf propagate by IEEE arithmetic:
// sum/mean ±inf (NaN with both signs), var/std NaN.
//
// Four tiles go in the four lanes of a SIMD vector (GCC vector extensions):
// lanes t..t+3 for suffixes, t+1..t+4 for prefixes, loads and stores
// transposed 4x4. Windows shorter than `window` at the row start (clipped at
// 0) are prefixes of tile 0.

// No FMA contraction: the vector and scalar copies of one formula must round
// alike, or an output would depend on which copy computed it. Before the
// includes, so that the per-level wrappers of detail/dispatch.hpp get the
// same option and GCC inlines the kernels into them.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "fastcpp/detail/simd.hpp"
#include "rolling_kernels.hpp"

#if defined(__GNUC__) && !defined(__clang__)
// 32-byte vectors pass between always-inline helpers of this file only.
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

namespace fastcpp::detail {
namespace {

using v4d = double __attribute__((vector_size(32)));
using v4i = std::int64_t __attribute__((vector_size(32)));
constexpr int kLanes = 4;

enum class Kind { sum, mean, var, std, mean_std };

template <Kind K>
constexpr bool kVar = K == Kind::var || K == Kind::std || K == Kind::mean_std;

#if defined(__clang__)
#define FASTCPP_SHUFFLE(a, b, i, j, k, l) __builtin_shufflevector(a, b, i, j, k, l)
#else
#define FASTCPP_SHUFFLE(a, b, i, j, k, l) __builtin_shuffle(a, b, v4i{i, j, k, l})
#endif

/// 4x4 transpose: c[i][l] = r[l][i].
[[gnu::always_inline]] inline void transpose(const v4d (&r)[4], v4d (&c)[4]) noexcept {
    const v4d t0 = FASTCPP_SHUFFLE(r[0], r[1], 0, 4, 2, 6);
    const v4d t1 = FASTCPP_SHUFFLE(r[0], r[1], 1, 5, 3, 7);
    const v4d t2 = FASTCPP_SHUFFLE(r[2], r[3], 0, 4, 2, 6);
    const v4d t3 = FASTCPP_SHUFFLE(r[2], r[3], 1, 5, 3, 7);
    c[0] = FASTCPP_SHUFFLE(t0, t2, 0, 1, 4, 5);
    c[1] = FASTCPP_SHUFFLE(t1, t3, 0, 1, 4, 5);
    c[2] = FASTCPP_SHUFFLE(t0, t2, 2, 3, 6, 7);
    c[3] = FASTCPP_SHUFFLE(t1, t3, 2, 3, 6, 7);
}

using v4f = float __attribute__((vector_size(16)));

/// Stores four results at o[0..4) (one vector store).
template <class T>
[[gnu::always_inline]] inline void store4(T* o, v4d v) noexcept {
    if constexpr (sizeof(T) == sizeof(double)) {
        std::memcpy(o, &v, sizeof v);
    } else {
        const v4f f = __builtin_convertvector(v, v4f);
        std::memcpy(o, &f, sizeof f);
    }
}

/// Sums of a window part: count, Σd, Σd² (four lanes).
struct Sums {
    v4d n{}, s1{}, s2{};
};

template <Kind K, class T>
struct Tiles {
    Strided<const T> x;
    Strided<T> y, y2;
    index_t w;
    double minc, ddof;
    // Offset-major sums per tile group: suf*[4k + l], pre*[4k + 4 + l].
    std::vector<double> sn, s1, s2, pn, p1, p2;

    Tiles(Strided<const T> x_, Strided<T> y_, Strided<T> y2_, index_t w_, index_t minc_,
          index_t ddof_)
        : x(x_), y(y_), y2(y2_), w(w_), minc(static_cast<double>(minc_)),
          ddof(static_cast<double>(ddof_)) {
        const auto m = static_cast<std::size_t>(4 * w + 8);
        sn.assign(m, 0.0), s1.assign(m, 0.0), s2.assign(m, 0.0);
        pn.assign(m, 0.0), p1.assign(m, 0.0), p2.assign(m, 0.0);
    }

    /// Shift of the tile pair (t, t+1): first finite value of tile t, else
    /// of tile t+1, else 0; always 0 for sums.
    [[gnu::always_inline]] double shift(index_t t) const noexcept {
        if constexpr (!kVar<K>) return 0.0;
        const index_t e = std::min((t + 2) * w, x.size);
        for (index_t p = t * w; p < e; ++p) {
            const double v = static_cast<double>(x[p]);
            if (std::isfinite(v)) return v;
        }
        return 0.0;
    }

    /// Adds the values v (lanes) to the sums, NaN skipped.
    [[gnu::always_inline]] static void add(Sums& s, v4d v, v4d c) noexcept {
        const v4d zero{};
        const v4i ok = v == v;
        const v4d d = ok ? v - c : zero;
        s.n += ok ? zero + 1.0 : zero;
        s.s1 += d;
        if constexpr (kVar<K>) s.s2 += d * d;
    }

    [[gnu::always_inline]] static void put(std::vector<double>& v, index_t k, v4d a) noexcept {
        std::memcpy(v.data() + 4 * k, &a, sizeof a);
    }
    [[gnu::always_inline]] static v4d get(const std::vector<double>& v, index_t k) noexcept {
        v4d r;
        std::memcpy(&r, v.data() + 4 * k, sizeof r);
        return r;
    }

    /// Results from window sums (lanes): r1, and r2 for mean_std.
    [[gnu::always_inline]] void finish(v4d n, v4d a1, v4d a2, v4d c, v4d& r1,
                                       v4d& r2) const noexcept {
        const v4d zero{}, nan = zero + NAN;
        const v4i enough = n >= minc;
        if constexpr (K == Kind::sum) {
            r1 = enough ? a1 : nan;
        } else if constexpr (K == Kind::mean) {
            r1 = enough ? a1 / n : nan;
        } else {
            v4d m2 = a2 - a1 * (a1 / n);
            m2 = m2 > zero ? m2 : (m2 == m2 ? zero : m2);  // NaN (inf in window) stays
            m2 = n == zero + 1.0 ? a2 - a2 : m2;            // one value: 0 (inf: NaN)
            const v4d dn = n - ddof;
            const v4d var = dn > zero ? m2 / dn : nan;
            if constexpr (K == Kind::var) {
                r1 = enough ? var : nan;
            } else {
                v4d sd;
                for (int l = 0; l < kLanes; ++l) sd[l] = std::sqrt(var[l]);
                if constexpr (K == Kind::std) {
                    r1 = enough ? sd : nan;
                } else {
                    r1 = enough ? c + a1 / n : nan;
                    r2 = enough ? sd : nan;
                }
            }
        }
    }

    /// Writes lane l's result for row position p (output index q).
    [[gnu::always_inline]] void write(index_t q, double r1, double r2) const noexcept {
        y[q] = static_cast<T>(r1);
        if constexpr (K == Kind::mean_std) y2[q] = static_cast<T>(r2);
    }

    /// Full windows starting at j in [jb, je) ('valid' indices); output index
    /// of j is j + out_shift.
    [[gnu::always_inline]] void full(index_t jb, index_t je, index_t out_shift) {
        index_t t = jb / w;
        const index_t t_end = (je - 1) / w + 1;
        const index_t n = x.size;
        for (; t < t_end; t += kLanes) {
            // Lanes beyond the row or the range repeat the last real tile.
            index_t tl[kLanes];
            for (int l = 0; l < kLanes; ++l) tl[l] = std::min(t + l, t_end - 1);
            const v4d c{shift(tl[0]), shift(tl[1]), shift(tl[2]), shift(tl[3])};
            const bool fast = x.stride == 1 && t + kLanes <= t_end && (t + kLanes + 1) * w <= n;
            auto load = [&](index_t p, index_t limit) {
                return p < limit ? static_cast<double>(x[p]) : 0.0;
            };
            Sums su, pr;
            index_t k = 0;
            if (fast) {
                for (; k + 4 <= w; k += 4) {
                    v4d rs[4], rp[4], cs[4], cp[4];
                    for (int l = 0; l < kLanes; ++l) {
                        const T* ps = x.data + tl[l] * w + (w - 4 - k);
                        const T* pp = x.data + (tl[l] + 1) * w + k;
                        rs[l] = v4d{double(ps[0]), double(ps[1]), double(ps[2]), double(ps[3])};
                        rp[l] = v4d{double(pp[0]), double(pp[1]), double(pp[2]), double(pp[3])};
                    }
                    transpose(rs, cs);
                    transpose(rp, cp);
                    for (int i = 0; i < 4; ++i) {
                        add(su, cs[3 - i], c);
                        add(pr, cp[i], c);
                        const index_t ks = w - 1 - k - i, kp = k + i + 1;
                        put(sn, ks, su.n), put(s1, ks, su.s1);
                        put(pn, kp, pr.n), put(p1, kp, pr.s1);
                        if constexpr (kVar<K>) put(s2, ks, su.s2), put(p2, kp, pr.s2);
                    }
                }
            }
            for (; k < w; ++k) {
                const index_t ks = w - 1 - k;
                v4d vs, vp;
                for (int l = 0; l < kLanes; ++l) {
                    vs[l] = load(tl[l] * w + ks, n);
                    vp[l] = load((tl[l] + 1) * w + k, n);
                }
                add(su, vs, c);
                add(pr, vp, c);
                put(sn, ks, su.n), put(s1, ks, su.s1);
                put(pn, k + 1, pr.n), put(p1, k + 1, pr.s1);
                if constexpr (kVar<K>) put(s2, ks, su.s2), put(p2, k + 1, pr.s2);
            }
            // Output at offset a of lane l: suffix sums at a + prefix sums at a
            // (prefix slot 0 holds zeros).
            auto result = [&](index_t a, v4d& r1, v4d& r2) {
                const v4d nn = get(sn, a) + get(pn, a);
                const v4d a1 = get(s1, a) + get(p1, a);
                const v4d a2 = kVar<K> ? get(s2, a) + get(p2, a) : v4d{};
                finish(nn, a1, a2, c, r1, r2);
            };
            bool whole = fast && y.stride == 1 && (K != Kind::mean_std || y2.stride == 1);
            for (int l = 0; l < kLanes; ++l)
                whole = whole && (t + l) * w >= jb && (t + l + 1) * w <= je;
            index_t a = 0;
            if (whole) {
                for (; a + 4 <= w; a += 4) {
                    v4d r1[4], r2[4], c1[4], c2[4];
                    for (int i = 0; i < 4; ++i) result(a + i, r1[i], r2[i]);
                    transpose(r1, c1);
                    for (int l = 0; l < kLanes; ++l) store4(y.data + (t + l) * w + a + out_shift, c1[l]);
                    if constexpr (K == Kind::mean_std) {
                        transpose(r2, c2);
                        for (int l = 0; l < kLanes; ++l)
                            store4(y2.data + (t + l) * w + a + out_shift, c2[l]);
                    }
                }
            }
            for (; a < w; ++a) {
                v4d r1, r2{};
                result(a, r1, r2);
                for (int l = 0; l < kLanes; ++l) {
                    if (t + l >= t_end) break;
                    const index_t j = (t + l) * w + a;
                    if (j >= jb && j < je) write(j + out_shift, r1[l], r2[l]);
                }
            }
        }
    }

    /// Clipped windows [0, i] for i in [ib, ie), all i < w - 1: prefixes of
    /// tile 0 (one lane used).
    [[gnu::always_inline]] void clipped(index_t ib, index_t ie) {
        const v4d c = v4d{} + shift(0);
        Sums s;
        for (index_t i = 0; i < ie; ++i) {
            add(s, v4d{} + static_cast<double>(x[i]), c);
            if (i >= ib) {
                v4d r1, r2{};
                finish(s.n, s.s1, s.s2, c, r1, r2);
                write(i, r1[0], r2[0]);
            }
        }
    }
};

/// rolling_sum_squares without running sums (van Herk 1992 / Gil & Werman
/// 1993 decomposition): with tiles of `window` elements aligned at 0, the
/// window [j, j + w) starting at offset a of tile t is the suffix of tile t
/// from a plus the prefix of tile t + 1 before a. Suffix and prefix sums
/// add squares only (no subtraction, no drift, relative error <= w·eps),
/// and every output is the same two sums whatever chunk computes it. Four
/// tiles go in the four lanes of a vector: lanes t0..t0+3 for suffixes and
/// t0+1..t0+4 for prefixes.
template <class T>
FASTCPP_KERNEL void sum_squares_tiles(Strided<const T> x, Strided<T> out, index_t w,
                                      index_t begin, index_t end) {
    const index_t n = x.size;
    // Offset-major sums: suf[4k + l] = suffix of lane l's tile from k,
    // pre[4k + 4 + l] = prefix of lane l's next tile through k (pre[0..4) = 0).
    std::vector<double> suf(static_cast<std::size_t>(4 * w + 4)), pre(suf.size() + 4);
    auto q = [&](index_t p) {
        const double v = static_cast<double>(x[p]);
        return v * v;
    };
    // Four lanes' values at offsets k .. k+3 of tiles first..first+3, as
    // four vectors (contiguous loads and a 4x4 transpose), squared.
    auto load4 = [&](index_t first, index_t k, v4d (&c)[4]) {
        v4d r[kLanes];
        for (int l = 0; l < kLanes; ++l) {
            const T* p = x.data + (first + l) * w + k;
            r[l] = v4d{static_cast<double>(p[0]), static_cast<double>(p[1]),
                       static_cast<double>(p[2]), static_cast<double>(p[3])};
        }
        transpose(r, c);
        for (int i = 0; i < 4; ++i) c[i] = c[i] * c[i];
    };
    auto put = [&](std::vector<double>& v, index_t k, v4d acc) {
        std::memcpy(v.data() + 4 * k, &acc, sizeof acc);
    };
    auto get = [&](const std::vector<double>& v, index_t k) {
        v4d r;
        std::memcpy(&r, v.data() + 4 * k, sizeof r);
        return r;
    };
    std::vector<double> sfx(static_cast<std::size_t>(w));
    // Scalar form of the same sums, for tiles that are not in a full group.
    auto scalar_tile = [&](index_t t) {
        const index_t lo = std::max(t * w, begin), hi = std::min((t + 1) * w, end);
        if (lo >= hi) return;
        double sv = 0;
        for (index_t k = w - 1; k >= 0; --k) {
            sv = sv + q(t * w + k);
            sfx[static_cast<std::size_t>(k)] = sv;
        }
        double pv = 0;
        for (index_t j = t * w; j < hi; ++j) {
            const index_t a = j - t * w;
            if (a > 0) pv = pv + q((t + 1) * w + a - 1);
            if (j >= lo) out[j] = static_cast<T>(a > 0 ? sfx[static_cast<std::size_t>(a)] + pv
                                                       : sfx[static_cast<std::size_t>(a)]);
        }
    };
    index_t t = begin / w;
    const index_t t_end = (end - 1) / w + 1;  // tiles holding outputs
    for (; t + 4 <= t_end && (t + 5) * w <= n; t += 4) {
        // lanes: suffixes of tiles t..t+3, prefixes of tiles t+1..t+4
        v4d sacc{}, pacc{};
        index_t k = 0;
        if (x.stride == 1) {
            for (; k + 4 <= w; k += 4) {
                v4d cs[4], cp[4];
                load4(t, w - 4 - k, cs);  // offsets w-4-k .. w-1-k, summed downwards
                load4(t + 1, k, cp);
                for (int i = 0; i < 4; ++i) {
                    sacc = sacc + cs[3 - i];
                    pacc = pacc + cp[i];
                    put(suf, w - 1 - k - i, sacc);
                    put(pre, k + i + 1, pacc);
                }
            }
        }
        for (; k < w; ++k) {
            const index_t ks = w - 1 - k;
            v4d vs, vp;
            for (int l = 0; l < kLanes; ++l) {
                vs[l] = q((t + l) * w + ks);
                vp[l] = q((t + 1 + l) * w + k);
            }
            sacc = sacc + vs;
            pacc = pacc + vp;
            put(suf, ks, sacc);
            put(pre, k + 1, pacc);
        }
        // out at offset a of lane l = suf[a] + pre[a] (pre[0] = 0 for a = 0:
        // adding +0 to a sum of squares changes nothing).
        bool whole = out.stride == 1;  // every lane writes its whole tile
        for (int l = 0; l < kLanes; ++l)
            whole = whole && (t + l) * w >= begin && (t + l + 1) * w <= end;
        index_t a = 0;
        if (whole) {
            for (; a + 4 <= w; a += 4) {
                v4d r[4], c[4];
                for (int i = 0; i < 4; ++i) r[i] = get(suf, a + i) + get(pre, a + i);
                transpose(r, c);
                for (int l = 0; l < kLanes; ++l) store4(out.data + (t + l) * w + a, c[l]);
            }
        }
        for (int l = 0; l < kLanes; ++l) {
            const index_t base = (t + l) * w;
            const index_t lo = std::max(base + a, begin) - base, hi = std::min(base + w, end) - base;
            for (index_t b = lo; b < hi; ++b)
                out[base + b] = static_cast<T>(get(suf, b)[l] + get(pre, b)[l]);
        }
    }
    for (; t < t_end; ++t) scalar_tile(t);
}

template <Kind K, class T>
FASTCPP_KERNEL void tiles_kernel(Strided<const T> x, Strided<T> y, Strided<T> y2, index_t w,
                                 index_t minc, index_t ddof, index_t begin, index_t end,
                                 bool valid) {
    Tiles<K, T> tl(x, y, y2, w, minc, ddof);
    if (valid) {  // outputs are 'valid' indices j: window [j, j + w)
        tl.full(begin, end, 0);
        return;
    }
    if (begin < w - 1) tl.clipped(begin, std::min(end, w - 1));
    const index_t b = std::max(begin, w - 1);
    if (b < end) tl.full(b - (w - 1), end - (w - 1), w - 1);
}

}  // namespace

template <class T>
void move_moments_tiles(MoveStat stat, Strided<const T> x, Strided<T> y, index_t window,
                        index_t min_count, index_t ddof, index_t begin, index_t end) {
    switch (stat) {
        case MoveStat::sum:
            return detail::dispatch([&] {
                tiles_kernel<Kind::sum>(x, y, y, window, min_count, ddof, begin, end, false);
            });
        case MoveStat::mean:
            return detail::dispatch([&] {
                tiles_kernel<Kind::mean>(x, y, y, window, min_count, ddof, begin, end, false);
            });
        case MoveStat::var:
            return detail::dispatch([&] {
                tiles_kernel<Kind::var>(x, y, y, window, min_count, ddof, begin, end, false);
            });
        default:
            return detail::dispatch([&] {
                tiles_kernel<Kind::std>(x, y, y, window, min_count, ddof, begin, end, false);
            });
    }
}

template <class T>
void rolling_mean_std_tiles(Strided<const T> x, Strided<T> means, Strided<T> stds,
                            index_t window, index_t begin, index_t end) {
    detail::dispatch([&] {
        tiles_kernel<Kind::mean_std>(x, means, stds, window, window, 0, begin, end, true);
    });
}

template <class T>
void rolling_sum_squares_row(Strided<const T> x, Strided<T> out, index_t window,
                             index_t begin, index_t end) {
    detail::dispatch([&] { sum_squares_tiles(x, out, window, begin, end); });
}

template void rolling_sum_squares_row<double>(Strided<const double>, Strided<double>, index_t,
                                              index_t, index_t);
template void rolling_sum_squares_row<float>(Strided<const float>, Strided<float>, index_t,
                                             index_t, index_t);
template void move_moments_tiles<double>(MoveStat, Strided<const double>, Strided<double>,
                                         index_t, index_t, index_t, index_t, index_t);
template void move_moments_tiles<float>(MoveStat, Strided<const float>, Strided<float>,
                                        index_t, index_t, index_t, index_t, index_t);
template void rolling_mean_std_tiles<double>(Strided<const double>, Strided<double>,
                                             Strided<double>, index_t, index_t, index_t);
template void rolling_mean_std_tiles<float>(Strided<const float>, Strided<float>,
                                            Strided<float>, index_t, index_t, index_t);

}  // namespace fastcpp::detail
