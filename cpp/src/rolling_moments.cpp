// Moving sums and moments: move_sum, move_mean, move_var, move_std, and the
// seed's rolling_sum_squares and rolling_mean_std.
//
// Running sums of the finite values, compensated with TwoSum (Knuth TAOCP
// 4.2.2) on both the in-out difference and the accumulation, with NaN, +inf
// and -inf counted apart: an inf gives the IEEE answer while inside the
// window and leaves no trace. Variance uses sums of d = x - shift and d²
// ("shifted data", Chan, Golub & LeVeque 1983) with the shift taken from the
// data of each block.
//
// Each row is cut into blocks of reset_block(window) elements at fixed
// positions; every block starts from an empty state warmed up over the
// window - 1 elements before it. That bounds any drift and makes every output
// a function of the data alone, bit for bit, whatever the split of a row over
// threads. Four blocks run side by side in the lanes of one SIMD vector (GCC
// vector extensions: SSE2 pairs in the baseline build, AVX2/AVX-512 in the
// target clones), so the running sums cost no more than one serial chain.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "fastcpp/detail/simd.hpp"
#include "rolling_kernels.hpp"

// No FMA contraction: results must not depend on which copy of a loop (vector
// body or scalar tail, one clone or another inlined site) computes them.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif
#if defined(__GNUC__) && !defined(__clang__)
// 32-byte vectors pass between always-inline helpers of this file only.
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

namespace fastcpp::detail {
namespace {

/// Block length for a row of `length`: at least 4 windows (warm-up <= 25%),
/// at most ~4096 elements unless the window needs more, and a quarter of a
/// short row so that its blocks fill the four lanes. A function of the row's
/// shape only, never of the chunk a thread computes.
index_t reset_block(index_t window, index_t length) noexcept {
    return std::max<index_t>(4 * window, std::min<index_t>(4096, (length + 3) / 4));
}

constexpr int kLanes = 4;
using v4d = double __attribute__((vector_size(32)));
using v4i = std::int64_t __attribute__((vector_size(32)));

/// What a kernel computes.
enum class Kind { sum, mean, var, std, sum_squares, mean_std };

/// One block handled by one lane: elements [start, start + len) of the row,
/// outputs written for positions [wbeg, wend); positions below lo are absent.
struct Lane {
    index_t start = 0, len = 0, lo = 0, wbeg = 0, wend = 0;
    double shift = 0;
};

template <Kind K>
constexpr bool kShifted = K == Kind::var || K == Kind::std || K == Kind::mean_std;
template <Kind K>
constexpr bool kSecond = kShifted<K>;

/// TwoSum: a + b = s + err exactly.
[[gnu::always_inline]] inline v4d two_sum_err(v4d a, v4d b, v4d s) noexcept {
    const v4d bb = s - a;
    return (a - (s - bb)) + (b - bb);
}

template <Kind K, class T>
struct Engine {
    Strided<const T> x;
    Strided<T> y, y2;  ///< y2: stds of mean_std
    index_t window;
    double minc, ddof;
    double wfull, inv_w, inv_wd;  ///< count of a full window, 1/count, 1/(count - ddof)

    Lane lane[kLanes];

    /// Running state of the four lanes; a local of run(), so that stores to
    /// the output cannot alias it and it stays in registers.
    struct State {
        v4d shift{}, h1{}, l1{}, h2{}, l2{}, n{}, pinf{}, ninf{};
    };

    [[gnu::always_inline]] double load(index_t p) const noexcept {
        const double v = static_cast<double>(x[p]);
        if constexpr (K == Kind::sum_squares) return v * v;
        return v;
    }
    template <bool Guard>
    [[gnu::always_inline]] v4d gather(const index_t* start, const index_t* lo,
                                      index_t off) const noexcept {
        v4d r;
        for (int l = 0; l < kLanes; ++l) {
            const index_t p = start[l] + off;
            r[l] = !Guard || p >= lo[l] ? load(p) : kNaN;
        }
        return r;
    }

    /// The four lanes' values at offsets off .. off+3 as four vectors (one per
    /// offset): four contiguous loads and a 4x4 transpose. Stride-1 rows only.
    [[gnu::always_inline]] void gather4(const index_t* start, index_t off,
                                        v4d (&c)[4]) const noexcept {
        v4d r[kLanes];
        for (int l = 0; l < kLanes; ++l) {
            const T* p = x.data + start[l] + off;
            r[l] = v4d{load1(p[0]), load1(p[1]), load1(p[2]), load1(p[3])};
        }
        transpose(r, c);
    }
    [[gnu::always_inline]] static double load1(T v) noexcept {
        const double d = static_cast<double>(v);
        if constexpr (K == Kind::sum_squares) return d * d;
        return d;
    }
    [[gnu::always_inline]] static void transpose(const v4d (&r)[4], v4d (&c)[4]) noexcept {
        const v4i lo{0, 4, 2, 6}, hi{1, 5, 3, 7}, first{0, 1, 4, 5}, second{2, 3, 6, 7};
        const v4d t0 = __builtin_shuffle(r[0], r[1], lo), t1 = __builtin_shuffle(r[0], r[1], hi);
        const v4d t2 = __builtin_shuffle(r[2], r[3], lo), t3 = __builtin_shuffle(r[2], r[3], hi);
        c[0] = __builtin_shuffle(t0, t2, first);
        c[1] = __builtin_shuffle(t1, t3, first);
        c[2] = __builtin_shuffle(t0, t2, second);
        c[3] = __builtin_shuffle(t1, t3, second);
    }

    /// A step where `in` and `out` are finite in every lane: the counts do not
    /// change and (with more than one value in the window) it cannot empty.
    [[gnu::always_inline]] static void step_finite(State& st, v4d in, v4d out) noexcept {
        auto& [shift, h1, l1, h2, l2, n, pinf, ninf] = st;
        const v4d di = in - shift, dq = out - shift;
        const v4d d = di - dq;
        const v4d e = two_sum_err(di, -dq, d);
        const v4d t = h1 + d;
        l1 += e + two_sum_err(h1, d, t);
        h1 = t;
        if constexpr (kSecond<K>) {
            const v4d qi = di * di, qo = dq * dq;
            const v4d q = qi - qo;
            const v4d eq = two_sum_err(qi, -qo, q);
            const v4d t2 = h2 + q;
            l2 += eq + two_sum_err(h2, q, t2);
            h2 = t2;
        }
    }

    /// Warm-up step: `in` enters, nothing leaves (same arithmetic as step()
    /// with an absent `out`).
    [[gnu::always_inline]] static void step_add(State& st, v4d in) noexcept {
        const v4d zero{};
        const v4i fin = (in - in) == zero;
        if (fin[0] & fin[1] & fin[2] & fin[3]) [[likely]] {
            auto& [shift, h1, l1, h2, l2, n, pinf, ninf] = st;
            n += 1.0;
            const v4d d = in - shift;
            const v4d t = h1 + d;
            l1 += two_sum_err(h1, d, t);
            h1 = t;
            if constexpr (kSecond<K>) {
                const v4d q = d * d;
                const v4d t2 = h2 + q;
                l2 += two_sum_err(h2, q, t2);
                h2 = t2;
            }
            return;
        }
        step(st, in, zero + kNaN);
    }

    /// True when every lane holds a full window of finite values and
    /// window > 1: then results_clean() applies and finite steps keep it so.
    [[gnu::always_inline]] bool clean(const State& st) const noexcept {
        const v4i c = (st.n == wfull) & (st.pinf + st.ninf == v4d{});
        return window > 1 && (c[0] & c[1] & c[2] & c[3]);
    }

    /// results() for a clean state (same arithmetic, fewer tests).
    [[gnu::always_inline]] void results_clean(const State& st, v4d& r1, v4d& r2) const noexcept {
        const v4d s1 = st.h1 + st.l1;
        if constexpr (K == Kind::sum || K == Kind::sum_squares) {
            r1 = s1;
        } else if constexpr (K == Kind::mean) {
            r1 = s1 * inv_w;
        } else {
            const v4d zero{};
            v4d m2 = (st.h2 + st.l2) - s1 * (s1 * inv_w);
            m2 = m2 > zero ? m2 : zero;
            const v4d var = m2 * inv_wd;
            if constexpr (K == Kind::mean_std) {
                r1 = st.shift + s1 * inv_w;
                r2 = var;
            } else {
                r1 = var;
            }
        }
    }

    /// One step: `in` enters the window, `out` leaves it (NaN: nothing).
    [[gnu::always_inline]] static void step(State& st, v4d in, v4d out) noexcept {
        auto& [shift, h1, l1, h2, l2, n, pinf, ninf] = st;
        const v4d zero{}, one = zero + 1.0, inf = zero + INFINITY;
        const v4i fin_in = (in - in) == zero, fin_out = (out - out) == zero;
        const v4i fin = fin_in & fin_out;
        const v4i many = n > one;
        const v4i fast = fin & many;
        if (fast[0] & fast[1] & fast[2] & fast[3]) [[likely]] {
            step_finite(st, in, out);
            return;
        }
        const v4d di = fin_in ? in - shift : zero;
        const v4d dq = fin_out ? out - shift : zero;
        n += (in == in ? one : zero) - (out == out ? one : zero);
        pinf += (in == inf ? one : zero) - (out == inf ? one : zero);
        ninf += (in == -inf ? one : zero) - (out == -inf ? one : zero);
        const v4d d = di - dq;
        const v4d e = two_sum_err(di, -dq, d);
        const v4d t = h1 + d;
        l1 += e + two_sum_err(h1, d, t);
        h1 = t;
        if constexpr (kSecond<K>) {
            const v4d qi = di * di, qo = dq * dq;
            const v4d q = qi - qo;
            const v4d eq = two_sum_err(qi, -qo, q);
            const v4d t2 = h2 + q;
            l2 += eq + two_sum_err(h2, q, t2);
            h2 = t2;
        }
        // A window without finite values restarts its sums exactly at 0.
        const v4i empty = (n - pinf - ninf) == zero;
        h1 = empty ? zero : h1;
        l1 = empty ? zero : l1;
        if constexpr (kSecond<K>) {
            h2 = empty ? zero : h2;
            l2 = empty ? zero : l2;
        }
    }

    /// Results of the current windows.
    [[gnu::always_inline]] void results(const State& st, v4d& r1, v4d& r2) const noexcept {
        const auto& [shift, h1, l1, h2, l2, n, pinf, ninf] = st;
        const v4d zero{}, nan = zero + kNaN, inf = zero + INFINITY;
        const v4i has_inf = (pinf + ninf) > zero;
        const v4d inf_sum = pinf > zero ? (ninf > zero ? nan : inf) : -inf;
        const v4d s1 = h1 + l1;
        const v4i enough = n >= minc;
        // A full window of finite values (the common case): multiply by the
        // reciprocal counts instead of dividing (within 1 ulp). The choice is
        // made per lane, so it depends on this block's data only.
        const v4i full = (n == wfull) & (pinf + ninf == zero);
        const v4d inv_n = full ? zero + inv_w : 1.0 / n;
        if constexpr (K == Kind::sum || K == Kind::sum_squares) {
            r1 = enough ? (has_inf ? inf_sum : s1) : nan;
        } else if constexpr (K == Kind::mean) {
            r1 = enough ? (has_inf ? inf_sum : s1 * inv_n) : nan;
        } else {
            const v4d s2 = h2 + l2;
            v4d m2 = s2 - s1 * (s1 * inv_n);
            m2 = m2 > zero ? m2 : zero;
            m2 = n == zero + 1.0 ? zero : m2;
            const v4d dn = n - ddof;
            v4d var = full ? m2 * inv_wd : (dn > zero ? m2 / dn : nan);
            var = has_inf ? nan : var;
            if constexpr (K == Kind::var) {
                r1 = enough ? var : nan;
            } else if constexpr (K == Kind::std) {
                r1 = enough ? var : nan;  // square root taken in flush()
            } else {  // mean_std: enough means a full window (min_count = window)
                r1 = enough ? (has_inf ? inf_sum : shift + s1 * inv_n) : nan;
                r2 = enough ? var : nan;
            }
        }
    }

    static constexpr int kSteps = 64;  ///< steps buffered before a flush
    v4d rb1[kSteps]{}, rb2[kSteps]{};
    int nb = 0;

    /// Buffers the results of step `off`; flushes every kSteps steps.
    template <bool Checked>
    [[gnu::always_inline]] void write(const State& st, const index_t* start,
                                      const index_t* wbeg, const index_t* wend,
                                      index_t off) noexcept {
        results(st, rb1[nb], rb2[nb]);
        if (++nb == kSteps) flush<Checked>(start, wbeg, wend, off + 1);
    }

    /// Square roots (one vectorised loop), then each lane's results to its
    /// block of the output; `next` is the offset after the last buffered step.
    template <bool Checked>
    [[gnu::always_inline]] void flush(const index_t* start, const index_t* wbeg,
                                      const index_t* wend, index_t next) noexcept {
        if constexpr (K == Kind::std || K == Kind::mean_std) {
            double* v = K == Kind::std ? &rb1[0][0] : &rb2[0][0];
            for (int j = 0; j < kSteps * kLanes; ++j) v[j] = std::sqrt(v[j]);
        }
        // 'valid' forms: output j is the window ending at j + window - 1
        constexpr bool valid = K == Kind::sum_squares || K == Kind::mean_std;
        const index_t first = next - nb;
        if (!Checked && y.stride == 1 && (K != Kind::mean_std || y2.stride == 1)) {
            // Transpose 4 steps x 4 lanes back into 4 contiguous runs per lane.
            const index_t shift_q = valid ? window - 1 : 0;
            int j = 0;
            for (; j + 4 <= nb; j += 4) {
                v4d c[4];
                transpose({rb1[j], rb1[j + 1], rb1[j + 2], rb1[j + 3]}, c);
                for (int l = 0; l < kLanes; ++l) {
                    T* q = y.data + start[l] + first + j - shift_q;
                    for (int k = 0; k < 4; ++k) q[k] = static_cast<T>(c[l][k]);
                }
                if constexpr (K == Kind::mean_std) {
                    transpose({rb2[j], rb2[j + 1], rb2[j + 2], rb2[j + 3]}, c);
                    for (int l = 0; l < kLanes; ++l) {
                        T* q = y2.data + start[l] + first + j - shift_q;
                        for (int k = 0; k < 4; ++k) q[k] = static_cast<T>(c[l][k]);
                    }
                }
            }
            for (; j < nb; ++j) {
                for (int l = 0; l < kLanes; ++l) {
                    const index_t q = start[l] + first + j - shift_q;
                    y[q] = static_cast<T>(rb1[j][l]);
                    if constexpr (K == Kind::mean_std) y2[q] = static_cast<T>(rb2[j][l]);
                }
            }
            nb = 0;
            return;
        }
        for (int l = 0; l < kLanes; ++l) {
            for (int j = 0; j < nb; ++j) {
                const index_t p = start[l] + first + j;
                if (Checked && !(p >= wbeg[l] && p < wend[l])) continue;
                const index_t q = valid ? p - (window - 1) : p;
                y[q] = static_cast<T>(rb1[j][l]);
                if constexpr (K == Kind::mean_std) y2[q] = static_cast<T>(rb2[j][l]);
            }
        }
        nb = 0;
    }

    /// Runs the four lanes over their blocks (equal lengths).
    [[gnu::always_inline]] void run() noexcept {
        State st{};
        index_t start[kLanes], lo[kLanes], wbeg[kLanes], wend[kLanes];
        for (int l = 0; l < kLanes; ++l) {
            start[l] = lane[l].start;
            lo[l] = lane[l].lo;
            wbeg[l] = lane[l].wbeg;
            wend[l] = lane[l].wend;
        }
        st.shift = v4d{lane[0].shift, lane[1].shift, lane[2].shift, lane[3].shift};
        const index_t w = window, len = lane[0].len;
        // Warm-up over the window - 1 elements before the block.
        index_t off = -(w - 1);
        index_t first_present = 0;  // no lane has values before this offset
        for (int l = 0; l < kLanes; ++l) first_present = std::min(first_present, lo[l] - start[l]);
        off = std::max(off, first_present);
        for (; off < 0; ++off) step_add(st, gather<true>(start, lo, off));
        // Filling: the element leaving may not have been added (only a row's
        // first block: the others were warmed up over the whole window).
        nb = 0;
        index_t fill_end = 0;
        for (int l = 0; l < kLanes; ++l) fill_end = std::max(fill_end, lo[l] - start[l] + w);
        fill_end = std::min(fill_end, len);
        for (; off < fill_end; ++off) {
            step(st, gather<true>(start, lo, off), gather<true>(start, lo, off - w));
            write<true>(st, start, wbeg, wend, off);
        }
        bool all = true;  // every lane writes every remaining step
        for (int l = 0; l < kLanes; ++l)
            all = all && wbeg[l] <= start[l] + off && wend[l] == start[l] + len;
        if (all) {
            if (nb) flush<true>(start, wbeg, wend, off);  // filling steps: checked
            if (x.stride == 1) {
                bool is_clean = clean(st);
                for (; off + 4 <= len; off += 4) {
                    v4d in[4], out[4];
                    gather4(start, off, in);
                    gather4(start, off - w, out);
                    const v4d zero{};
                    v4i fin = (in[0] - in[0]) == zero;
                    for (int k = 1; k < 4; ++k) fin &= (in[k] - in[k]) == zero;
                    for (int k = 0; k < 4; ++k) fin &= (out[k] - out[k]) == zero;
                    if (is_clean && (fin[0] & fin[1] & fin[2] & fin[3])) [[likely]] {
                        for (int k = 0; k < 4; ++k) {
                            step_finite(st, in[k], out[k]);
                            results_clean(st, rb1[nb], rb2[nb]);
                            if (++nb == kSteps) flush<false>(start, wbeg, wend, off + k + 1);
                        }
                    } else {
                        for (int k = 0; k < 4; ++k) {
                            step(st, in[k], out[k]);
                            write<false>(st, start, wbeg, wend, off + k);
                        }
                        is_clean = clean(st);
                    }
                }
            }
            for (; off < len; ++off) {
                step(st, gather<false>(start, lo, off), gather<false>(start, lo, off - w));
                write<false>(st, start, wbeg, wend, off);
            }
            if (nb) flush<false>(start, wbeg, wend, off);
        }
        for (; off < len; ++off) {
            step(st, gather<false>(start, lo, off), gather<false>(start, lo, off - w));
            write<true>(st, start, wbeg, wend, off);
        }
        if (nb) flush<true>(start, wbeg, wend, off);
    }
};

/// First finite value of x[lo, hi), else 0: the shift of a block.
template <class T>
double first_finite(Strided<const T> x, index_t lo, index_t hi) noexcept {
    for (index_t j = lo; j < hi; ++j) {
        const double v = static_cast<double>(x[j]);
        if (std::isfinite(v)) return v;
    }
    return 0.0;
}

/// Outputs for the element positions [begin, end) of one row, blocks in
/// groups of four lanes (a row's short last block runs with copies of
/// itself in the unused lanes, which write nothing).
template <Kind K, class T>
FASTCPP_CLONES void moments_kernel(Strided<const T> x, Strided<T> y, Strided<T> y2,
                                   index_t window, index_t min_count, index_t ddof,
                                   index_t begin, index_t end) {
    Engine<K, T> eng{x, y, y2, window, static_cast<double>(min_count),
                     static_cast<double>(ddof), 0, 0, 0, {}};
    eng.wfull = static_cast<double>(window);
    eng.inv_w = 1.0 / eng.wfull;
    eng.inv_wd = eng.wfull - eng.ddof > 0 ? 1.0 / (eng.wfull - eng.ddof) : kNaN;
    const index_t rowlen = x.size, block = reset_block(window, rowlen);
    index_t b = begin / block * block;
    while (b < end) {
        int used = 0;
        index_t len0 = 0;
        while (used < kLanes && b < end) {
            const index_t len = std::min(block, rowlen - b);
            if (used > 0 && len != len0) break;  // a short block goes alone
            Lane& ln = eng.lane[used];
            ln.start = b;
            ln.len = len;
            ln.lo = std::max<index_t>(0, b - (window - 1));
            ln.wbeg = std::max(b, begin);
            ln.wend = std::min(b + len, end);
            ln.shift = kShifted<K> ? first_finite(x, ln.lo, b + len) : 0.0;
            len0 = len;
            ++used;
            b += block;
        }
        for (int l = used; l < kLanes; ++l) {
            eng.lane[l] = eng.lane[0];
            eng.lane[l].wend = eng.lane[l].wbeg;  // writes nothing
        }
        eng.run();
    }
}

}  // namespace

template <class T>
void move_moments_row(MoveStat stat, Strided<const T> x, Strided<T> y, index_t window,
                      index_t min_count, index_t ddof, index_t begin, index_t end) {
    const auto a = [&]<Kind K>() {
        moments_kernel<K>(x, y, y, window, min_count, ddof, begin, end);
    };
    switch (stat) {
        case MoveStat::sum: return a.template operator()<Kind::sum>();
        case MoveStat::mean: return a.template operator()<Kind::mean>();
        case MoveStat::var: return a.template operator()<Kind::var>();
        default: return a.template operator()<Kind::std>();
    }
}

template <class T>
void rolling_mean_std_row(Strided<const T> x, Strided<T> means, Strided<T> stds,
                          index_t window, index_t begin, index_t end) {
    // Output j is the window ending at element j + window - 1.
    moments_kernel<Kind::mean_std>(x, means, stds, window, window, 0, begin + window - 1,
                                   end + window - 1);
}

template <class T>
void rolling_sum_squares_row(Strided<const T> x, Strided<T> out, index_t window,
                             index_t begin, index_t end) {
    moments_kernel<Kind::sum_squares>(x, out, out, window, window, 0, begin + window - 1,
                                      end + window - 1);
}

template void move_moments_row<double>(MoveStat, Strided<const double>, Strided<double>,
                                       index_t, index_t, index_t, index_t, index_t);
template void move_moments_row<float>(MoveStat, Strided<const float>, Strided<float>, index_t,
                                      index_t, index_t, index_t, index_t);
template void rolling_mean_std_row<double>(Strided<const double>, Strided<double>,
                                           Strided<double>, index_t, index_t, index_t);
template void rolling_mean_std_row<float>(Strided<const float>, Strided<float>, Strided<float>,
                                          index_t, index_t, index_t);
template void rolling_sum_squares_row<double>(Strided<const double>, Strided<double>, index_t,
                                              index_t, index_t);
template void rolling_sum_squares_row<float>(Strided<const float>, Strided<float>, index_t,
                                             index_t, index_t);

}  // namespace fastcpp::detail
