// Order statistics of moving windows: move_median, move_quantile, move_rank.
//
// Small windows (median, quantile): the window's non-NaN values kept sorted;
// each step is two binary searches and a short block move: O(w), but up to
// w ~300 as fast as bottleneck's O(log w) double heap.
// Small windows (rank, w <= 64): each window counted directly with SIMD
// compares, O(w) per element as bottleneck, without the tiles' set-up.
// Otherwise (median with larger windows, rank always): the row is cut into
// tiles of T >= window elements; every window ending in tile t lies within
// tiles t-1 and t. The non-NaN values of each tile are sorted once and the
// two sorted tiles merged, which gives every element a unique rank in
// [0, M); a Fenwick tree (Fenwick 1994) over those ranks holds the current
// window. Insert/remove, "how many below" (rank) and "k-th smallest"
// (median, by binary descent) are O(log T): O(n log w) per row for any
// window — bottleneck's move_rank is O(n w).
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <utility>
#include <vector>

#include "fastcpp/detail/simd.hpp"
#include "rolling_kernels.hpp"

namespace fastcpp::detail {
namespace {

/// How a window's sorted non-NaN values v[0..m) give the output: the median
/// (mean of the two middle values, bottleneck's), or numpy.quantile's q-th
/// quantile by `method` (numpy's index rules and its two-sided lerp, so the
/// values round as numpy's; except that a value weighted 0 is not used, so an
/// inf next to the quantile does not turn it into NaN).
struct Pick {
    bool median = true;
    double q = 0.5;
    QuantileMethod method = QuantileMethod::linear;

    /// What a window of m values reads: v[k] (kind one), the mean of v[k]
    /// and v[k + 1] (mean), or numpy's lerp between them at t (lerp). It
    /// depends on m only, which rarely changes from one window to the next:
    /// callers keep it while m stays.
    struct Plan {
        enum Kind { one, mean, lerp } kind = one;
        index_t k = 0;
        double t = 0;
    };

    [[nodiscard]] Plan plan(index_t m) const {
        if (median) return m % 2 == 1 ? Plan{Plan::one, m / 2} : Plan{Plan::mean, m / 2 - 1};
        const double h = static_cast<double>(m - 1) * q;
        switch (method) {
            case QuantileMethod::lower:
                return {Plan::one, static_cast<index_t>(std::floor(h))};
            case QuantileMethod::higher:
                return {Plan::one, static_cast<index_t>(std::ceil(h))};
            case QuantileMethod::nearest:
                return {Plan::one, static_cast<index_t>(std::nearbyint(h))};  // half to even
            case QuantileMethod::midpoint:
                return between(m, 0.5 * (std::floor(h) + std::ceil(h)));
            case QuantileMethod::linear:
                break;
        }
        return between(m, h);
    }

    /// numpy's interpolation at virtual index h (above the last: the last).
    [[nodiscard]] Plan between(index_t m, double h) const {
        if (h >= static_cast<double>(m - 1)) return {Plan::one, m - 1};
        const double lo = std::floor(h);
        const double t = method == QuantileMethod::midpoint ? (h == lo ? 0.0 : 0.5) : h - lo;
        const auto k = static_cast<index_t>(lo);
        return t == 0 ? Plan{Plan::one, k} : Plan{Plan::lerp, k, t};
    }

    /// The output of a window of sorted values value(0..m) by plan p
    /// (numpy's two-sided lerp, so the values round as numpy's; except that
    /// a value weighted 0 is not used, so an inf next to the quantile does
    /// not turn it into NaN).
    template <class Value>
    [[gnu::always_inline]] static double read(const Plan& p, Value&& value) {
        const double a = value(p.k);
        if (p.kind == Plan::one) return a;
        const double b = value(p.k + 1);
        if (p.kind == Plan::mean) return (a + b) / 2;
        if (a == b) return a;
        const double d = b - a;
        if (!std::isfinite(d)) {  // an inf (equal values were handled above)
            if (std::isinf(a) && std::isinf(b)) return kNaN;  // between -inf and +inf
            return std::isinf(a) ? a : b;
        }
        const double t = p.t;
        return t >= 0.5 ? b - d * (1 - t) : a + d * t;
    }

    template <class Value>
    [[gnu::always_inline]] double operator()(index_t m, Value&& value) const {
        return read(plan(m), value);
    }
};

/// Number of the first m values of s below v (vectorises: no branches).
[[gnu::always_inline]] inline index_t count_below(const double* s, index_t m, double v) noexcept {
    index_t c = 0;
    for (index_t j = 0; j < m; ++j) c += s[j] < v;
    return c;
}

/// Small windows: the non-NaN values of the window kept sorted, in
/// 32-byte-aligned blocks of N (4 or 2, Block below) with +inf after the
/// last value. A step
/// where a value leaves and one enters (both non-NaN) finds the places of
/// both (binary searches) and rewrites the blocks between them branch-free:
/// every block picks, lane by lane, its own value, its left or right
/// neighbour, or the new value. Neighbours come from aligned loads and
/// shuffles, so each load reads exactly what one earlier store wrote
/// (store-to-load forwarding; after a shift by one element, memmove, every
/// overlapping load stalls). O(w) per step with a tiny constant:
/// up to w ~300 faster than bottleneck's O(log w) double heap. Steps with a
/// NaN insert or remove by a scalar shift.
/// Blocks of N = 4 doubles from x86-64-v3 on, of N = 2 below (wider GNU
/// vectors would be split through the stack there: 4x slower).
template <int N>
struct Block;
template <>
struct Block<4> {
    typedef double V __attribute__((vector_size(32)));
    typedef std::int64_t I __attribute__((vector_size(32)));
    static constexpr I lane{0, 1, 2, 3};
    /// s[j-1] for the places j of `here` (prev: the block before).
    [[gnu::always_inline]] static V left(V prev, V here) noexcept {
        const V lt = __builtin_shuffle(prev, here, I{2, 3, 4, 5});
        return __builtin_shuffle(lt, here, I{1, 4, 3, 6});
    }
    /// s[j+1] for the places j of `here` (next: the block after).
    [[gnu::always_inline]] static V right(V here, V next) noexcept {
        const V rt = __builtin_shuffle(here, next, I{2, 3, 4, 5});
        return __builtin_shuffle(here, rt, I{1, 4, 3, 6});
    }
};
template <>
struct Block<2> {
    typedef double V __attribute__((vector_size(16)));
    typedef std::int64_t I __attribute__((vector_size(16)));
    static constexpr I lane{0, 1};
    [[gnu::always_inline]] static V left(V prev, V here) noexcept {
        return __builtin_shuffle(prev, here, I{1, 2});
    }
    [[gnu::always_inline]] static V right(V here, V next) noexcept {
        return __builtin_shuffle(here, next, I{1, 2});
    }
};

template <class V>
[[gnu::always_inline]] inline V load_a(const double* p) noexcept {
    return *reinterpret_cast<const V*>(p);  // aligned by construction
}

template <int N, class T>
FASTCPP_KERNEL void median_sorted(Strided<const T> x, Strided<T> y, index_t window,
                                  index_t min_count, Pick pick, index_t begin, index_t end) {
    constexpr double inf = std::numeric_limits<double>::infinity();
    // [4 pad][cap values][8 pad], aligned to 32 bytes inside a plain
    // vector. Within the blocks holding the m values, the places from m on
    // hold +inf (never counted).
    const index_t cap = (window + 4) / 4 * 4;
    thread_local std::vector<double> store;
    // Searches read up to place span - 1 (a power of two >= cap, >= 8): +inf too.
    const auto span =
        static_cast<index_t>(std::bit_ceil(static_cast<std::uint64_t>(std::max<index_t>(cap, 8))));
    store.assign(static_cast<std::size_t>(std::max(cap, span) + 16), inf);
    double* base = store.data();
    while (reinterpret_cast<std::uintptr_t>(base) % 32 != 0) ++base;
    double* const cur = base + 4;
    index_t m = 0;
    const index_t ws = std::max<index_t>(0, begin - (window - 1));
    using V = typename Block<N>::V;
    using I = typename Block<N>::I;
    const V vinf = V{} + inf;
    Pick::Plan plan;
    index_t plan_m = -1;  // the m of plan
    for (index_t i = ws; i < end; ++i) {
        const double v = static_cast<double>(x[i]);
        const bool has_old = i - window >= ws;
        const double old = has_old ? static_cast<double>(x[i - window]) : kNaN;
        if (old == old && v == v) {
            // Places: po = #(s < old) (a copy of old is at po), pv = #(s < v),
            // by two interleaved branch-free binary searches over the sorted
            // places [0, span) (+inf from m on): log2(span) dependent loads
            // each, fewer instructions than counting every block.
            // The last three halvings and the final test are one count of
            // the 8 places [po, po + 8) instead (aligned: every step taken is
            // a multiple of 8): 8/N compares of N lanes, no dependent loads.
            index_t po = 0, pv = 0;
            for (index_t step = span / 2; step >= 8; step /= 2) {
                po += cur[po + step - 1] < old ? step : 0;
                pv += cur[pv + step - 1] < v ? step : 0;
            }
            const V vo = V{} + old, vv = V{} + v;
            I co{}, cv{};
            for (int l = 0; l < 8; l += N) {
                co += load_a<V>(cur + po + l) < vo;  // -1 where below
                cv += load_a<V>(cur + pv + l) < vv;
            }
            for (int l = 0; l < N; ++l) po -= co[l], pv -= cv[l];
            // Without old, v goes to q; new[j] = j < q ? s'[j] : j == q ? v : s'[j-1],
            // where s'[j] = j < po ? s[j] : s[j+1].
            const index_t q = old < v ? pv - 1 : pv;
            // Only the blocks from place lo = min(po, q) to hi = max(po, q)
            // change. In place: each block's old neighbours are carried in
            // registers. The first and last of them are mixed lane by lane;
            // the blocks strictly between move as a whole by one place (old < v:
            // s[j+1], else s[j-1]): two shuffles each.
            const index_t lo = std::min(po, q), hi = std::max(po, q);
            const index_t b0 = lo / N, b1 = hi / N;
            V prev = load_a<V>(cur + N * b0 - N), here = load_a<V>(cur + N * b0);
            // left[l] = s[j-1], right[l] = s[j+1] for j = N·b + l.
            auto left_of = [&] { return Block<N>::left(prev, here); };
            auto right_of = [&](V next) { return Block<N>::right(here, next); };
            auto mixed = [&](index_t b) {
                const V next = load_a<V>(cur + N * b + N);
                const I j = Block<N>::lane + N * b;
                const V below = j < po ? here : right_of(next);  // s'[j]
                const V above = j - 1 < po ? left_of() : here;   // s'[j-1]
                V r = j < q ? below : (j == q ? V{} + v : above);
                r = j < m ? r : vinf;
                *reinterpret_cast<V*>(cur + N * b) = r;
                prev = here;
                here = next;
            };
            mixed(b0);
            index_t b = b0 + 1;
            if (old < v) {
                for (; b < b1; ++b) {
                    const V next = load_a<V>(cur + N * b + N);
                    *reinterpret_cast<V*>(cur + N * b) = right_of(next);
                    prev = here;
                    here = next;
                }
            } else {
                for (; b < b1; ++b) {
                    const V next = load_a<V>(cur + N * b + N);
                    *reinterpret_cast<V*>(cur + N * b) = left_of();
                    prev = here;
                    here = next;
                }
            }
            if (b1 > b0) mixed(b1);
        } else if (old == old) {  // remove old
            index_t po = 0;
            for (index_t j = 0; j < m; ++j) po += cur[j] < old;
            for (index_t j = po; j < m - 1; ++j) cur[j] = cur[j + 1];
            cur[m - 1] = inf;
            --m;
            for (index_t j = m; j % 4 != 0; ++j) cur[j] = inf;
        } else if (v == v) {  // insert v
            index_t pv = 0;
            for (index_t j = 0; j < m; ++j) pv += cur[j] < v;
            for (index_t j = m; j > pv; --j) cur[j] = cur[j - 1];
            cur[pv] = v;
            ++m;
            for (index_t j = m; j % 4 != 0; ++j) cur[j] = inf;
        }
        if (i >= begin) {
            double r = kNaN;
            if (m >= min_count) {
                if (m != plan_m) plan = pick.plan(m), plan_m = m;
                r = Pick::read(plan, [&](index_t k) { return cur[k]; });
            }
            y[i] = static_cast<T>(r);
        }
    }
}

/// Fenwick (binary indexed) tree of counts over positions [0, size).
class Fenwick {
public:
    void reset(index_t n) {
        size_ = static_cast<index_t>(
            std::bit_ceil(static_cast<std::uint64_t>(std::max<index_t>(n, 1))));
        t_.assign(static_cast<std::size_t>(size_) + 1, 0);
    }
    void add(index_t p, std::int32_t d) noexcept {
        for (++p; p <= size_; p += p & -p) t_[static_cast<std::size_t>(p)] += d;
    }
    /// Count at positions [0, p).
    [[nodiscard]] index_t below(index_t p) const noexcept {
        index_t s = 0;
        for (; p > 0; p -= p & -p) s += t_[static_cast<std::size_t>(p)];
        return s;
    }
    /// Position of the k-th (0-based) counted element.
    [[nodiscard]] index_t kth(index_t k) const noexcept {
        index_t pos = 0;
        for (index_t step = size_; step > 0; step >>= 1) {
            const index_t next = pos + step;
            if (next <= size_ && t_[static_cast<std::size_t>(next)] <= k) {
                pos = next;
                k -= t_[static_cast<std::size_t>(next)];
            }
        }
        return pos;
    }

private:
    index_t size_ = 1;
    std::vector<std::int32_t> t_;
};

using Item = std::pair<double, index_t>;  // (value, position in the row)

/// The bits of a double as an unsigned key with the same order (-0 < +0).
[[gnu::always_inline]] inline std::uint64_t order_key(double v) noexcept {
    const auto k = std::bit_cast<std::uint64_t>(v);
    return k & (std::uint64_t{1} << 63) ? ~k : k | (std::uint64_t{1} << 63);
}

/// Stable LSD radix sort of non-NaN items by value, 8 bits a pass; passes
/// where every key has the same digit are skipped. Equal values keep their
/// (row) order. Faster than std::sort's mispredicted compares on tiles.
void radix_sort(std::vector<Item>& v, std::vector<Item>& tmp) {
    const std::size_t n = v.size();
    if (n < 64) {
        std::stable_sort(v.begin(), v.end(), [](const Item& a, const Item& b) {
            return order_key(a.first) < order_key(b.first);
        });
        return;
    }
    tmp.resize(n);
    for (int shift = 0; shift < 64; shift += 8) {
        std::size_t count[256] = {};
        for (const Item& it : v) ++count[(order_key(it.first) >> shift) & 255];
        if (count[(order_key(v[0].first) >> shift) & 255] == n) continue;
        std::size_t sum = 0;
        for (auto& c : count) {
            const std::size_t k = c;
            c = sum;
            sum += k;
        }
        for (const Item& it : v) tmp[count[(order_key(it.first) >> shift) & 255]++] = it;
        v.swap(tmp);
    }
}

template <bool IsRank, class T>
void order_tiles(Strided<const T> x, Strided<T> y, index_t window, index_t min_count, Pick pick,
                 index_t begin, index_t end) {
    const index_t tile = std::max<index_t>(window, 256);
    const index_t len = x.size;
    std::vector<Item> prev, cur, merged, scratch;
    std::vector<std::int32_t> rank_of, grp_lo, grp_hi;
    Fenwick fw;
    auto sort_tile = [&](index_t t, std::vector<Item>& v) {
        v.clear();
        for (index_t j = t * tile, e = std::min((t + 1) * tile, len); j < e; ++j) {
            const double xv = static_cast<double>(x[j]);
            if (xv == xv) v.emplace_back(xv, j);
        }
        radix_sort(v, scratch);
    };
    const index_t t0 = begin / tile;
    if (t0 > 0) sort_tile(t0 - 1, prev);
    for (index_t t = t0; t * tile < end; ++t) {
        sort_tile(t, cur);
        const index_t l0 = std::max<index_t>(0, (t - 1) * tile);
        const index_t l1 = std::min((t + 1) * tile, len);
        merged.resize(prev.size() + cur.size());
        // By value only (stable: equal values keep row order).
        std::merge(prev.begin(), prev.end(), cur.begin(), cur.end(), merged.begin(),
                   [](const Item& a, const Item& b) { return a.first < b.first; });
        const auto m = static_cast<index_t>(merged.size());
        rank_of.assign(static_cast<std::size_t>(l1 - l0), -1);
        for (index_t p = 0; p < m; ++p)
            rank_of[static_cast<std::size_t>(merged[static_cast<std::size_t>(p)].second - l0)] =
                static_cast<std::int32_t>(p);
        if constexpr (IsRank) {
            // Equal values share one run of ranks [grp_lo, grp_hi].
            grp_lo.resize(static_cast<std::size_t>(m));
            grp_hi.resize(static_cast<std::size_t>(m));
            for (index_t p = 0; p < m; ++p) {
                const auto u = static_cast<std::size_t>(p);
                grp_lo[u] = p > 0 && merged[u - 1].first == merged[u].first
                                ? grp_lo[u - 1]
                                : static_cast<std::int32_t>(p);
            }
            for (index_t p = m - 1; p >= 0; --p) {
                const auto u = static_cast<std::size_t>(p);
                grp_hi[u] = p + 1 < m && merged[u + 1].first == merged[u].first
                                ? grp_hi[u + 1]
                                : static_cast<std::int32_t>(p);
            }
        }
        fw.reset(m);
        const index_t first = std::max(t * tile, begin);
        const index_t last = std::min((t + 1) * tile, end);
        const index_t lo_in = std::max<index_t>(0, first - (window - 1));
        auto rank_at = [&](index_t j) { return rank_of[static_cast<std::size_t>(j - l0)]; };
        index_t n = 0;
        for (index_t j = lo_in; j < first; ++j)
            if (const auto r = rank_at(j); r >= 0) fw.add(r, 1), ++n;
        for (index_t i = first; i < last; ++i) {
            if (i - window >= lo_in)
                if (const auto r = rank_at(i - window); r >= 0) fw.add(r, -1), --n;
            const auto r = rank_at(i);
            if (r >= 0) fw.add(r, 1), ++n;
            double out = kNaN;
            if constexpr (IsRank) {
                if (r >= 0 && n >= min_count) {
                    if (n == 1) {
                        out = 0.0;
                    } else {
                        // bottleneck's definition: g = 2·(# below), e = # equal (self
                        // included); rank = 2·(½(g + e − 1)/(n − 1) − ½).
                        const auto u = static_cast<std::size_t>(r);
                        const index_t below = fw.below(grp_lo[u]);
                        // A value without ties in the tiles is its own group.
                        const index_t equal =
                            grp_lo[u] == grp_hi[u] ? 1 : fw.below(grp_hi[u] + 1) - below;
                        double q = 0.5 * static_cast<double>(2 * below + equal - 1);
                        q = q / static_cast<double>(n - 1);
                        out = 2 * (q - 0.5);
                    }
                }
            } else {
                if (n >= min_count) {
                    auto value = [&](index_t k) {
                        return merged[static_cast<std::size_t>(fw.kth(k))].first;
                    };
                    out = pick(n, value);
                }
            }
            y[i] = static_cast<T>(out);
        }
        std::swap(prev, cur);
    }
}

/// One vector of `Bytes` bytes of T, and its compare mask.
template <int Bytes, class T>
struct Lanes {
    using I = std::conditional_t<sizeof(T) == 8, std::int64_t, std::int32_t>;
    typedef T V __attribute__((vector_size(Bytes)));
    typedef I M __attribute__((vector_size(Bytes)));
};

/// Counts of s[0..len) below v, equal to v, and non-NaN.
struct Counts3 {
    index_t below = 0, equal = 0, valid = 0;
};

template <int Bytes, class T>
[[gnu::always_inline]] inline Counts3 count3(const T* s, index_t len, T v) noexcept {
    using V = typename Lanes<Bytes, T>::V;
    using M = typename Lanes<Bytes, T>::M;
    constexpr index_t kN = Bytes / sizeof(T);
    // Counts kept as T in the lanes (exact: len <= kBruteRankMax): a mask
    // ANDed with 1.0 and added, pure floating-point code at every level.
    const M one = reinterpret_cast<M>(V{} + T{1});
    V cb{}, ce{}, cn{};
    index_t j = 0;
    for (; j + kN <= len; j += kN) {
        V sv;
        __builtin_memcpy(&sv, s + j, sizeof sv);
        cb += reinterpret_cast<V>((sv < v) & one);
        ce += reinterpret_cast<V>((sv == v) & one);
        cn += reinterpret_cast<V>((sv == sv) & one);
    }
    Counts3 c;
    T b = 0, e = 0, n = 0;
    for (index_t l = 0; l < kN; ++l) b += cb[l], e += ce[l], n += cn[l];
    c.below = static_cast<index_t>(b), c.equal = static_cast<index_t>(e);
    c.valid = static_cast<index_t>(n);
    for (; j < len; ++j) c.below += s[j] < v, c.equal += s[j] == v, c.valid += s[j] == s[j];
    return c;
}

/// move_rank with small windows: every window counted directly (below,
/// equal, non-NaN: three SIMD compares per element), O(w) per output as
/// bottleneck's own loop, but no set-up: the tiles' sorts and Fenwick tree
/// cost more than the counting up to w ~ kBruteRankMax, and dominate short
/// rows. Same NaN rules and the same arithmetic as order_tiles<true>.
/// Bytes: the vector width (16 below x86-64-v3: wider GNU vectors would be
/// split through the stack there).
template <int Bytes, class T>
FASTCPP_KERNEL void rank_brute(Strided<const T> x, Strided<T> y, index_t window, index_t min_count,
                               index_t begin, index_t end) {
    for (index_t i = begin; i < end; ++i) {
        const T v = x[i];
        double out = kNaN;
        if (v == v) {
            const index_t j0 = std::max<index_t>(0, i - window + 1);
            Counts3 c;
            if (x.stride == 1) {
                c = count3<Bytes>(x.data + j0, i + 1 - j0, v);
            } else {
                for (index_t j = j0; j <= i; ++j)
                    c.below += x[j] < v, c.equal += x[j] == v, c.valid += x[j] == x[j];
            }
            if (c.valid >= min_count) {
                if (c.valid == 1) {
                    out = 0.0;
                } else {
                    double r = 0.5 * static_cast<double>(2 * c.below + c.equal - 1);
                    r = r / static_cast<double>(c.valid - 1);
                    out = 2 * (r - 0.5);
                }
            }
        }
        y[i] = static_cast<T>(out);
    }
}

/// move_rank windows up to this length are counted directly (rank_brute).
constexpr index_t kBruteRankMax = 64;

/// Windows up to this length use the sorted window (measured crossover ~300).
constexpr index_t kSortedMedianMax = 300;

}  // namespace

template <class T>
void move_order_row(MoveStat stat, Strided<const T> x, Strided<T> y, index_t window,
                    index_t min_count, const MoveOptions& options, index_t begin, index_t end) {
    Pick pick;
    if (stat == MoveStat::quantile) pick = Pick{false, options.q[0], options.method};
    if (stat == MoveStat::rank) {
        if (window <= kBruteRankMax)
            return detail::active_level() >= detail::SimdLevel::x86_64_v3
                       ? detail::dispatch(
                             [&] { rank_brute<32>(x, y, window, min_count, begin, end); })
                       : detail::dispatch(
                             [&] { rank_brute<16>(x, y, window, min_count, begin, end); });
        return order_tiles<true>(x, y, window, min_count, pick, begin, end);
    }
    if (window <= kSortedMedianMax)
        return detail::active_level() >= detail::SimdLevel::x86_64_v3
                   ? detail::dispatch(
                         [&] { median_sorted<4>(x, y, window, min_count, pick, begin, end); })
                   : detail::dispatch(
                         [&] { median_sorted<2>(x, y, window, min_count, pick, begin, end); });
    order_tiles<false>(x, y, window, min_count, pick, begin, end);
}

template void move_order_row<double>(MoveStat, Strided<const double>, Strided<double>, index_t,
                                     index_t, const MoveOptions&, index_t, index_t);
template void move_order_row<float>(MoveStat, Strided<const float>, Strided<float>, index_t,
                                    index_t, const MoveOptions&, index_t, index_t);

}  // namespace fastcpp::detail
