// Order statistics of moving windows: move_median, move_quantile, move_rank.
//
// Small windows (median, quantile, w <= 128): the window's non-NaN values
// kept sorted; each step is two binary searches and a short block move:
// O(w), but as fast as bottleneck's O(log w) double heap there.
// Small windows (rank, w <= 64): each window counted directly with SIMD
// compares, O(w) per element as bottleneck, without the tiles' set-up.
// Otherwise the row is cut into tiles of T >= window elements; every window
// ending in tile t lies within tiles t-1 and t. The non-NaN values of each
// tile are radix-sorted once and the two sorted tiles merged, which gives
// every element a unique rank in [0, M) (TileRanks).
// - rank: a Fenwick tree (Fenwick 1994) over those ranks holds the current
//   window; insert/remove and "how many below" are O(log T).
// - median, quantile: the window is a set of ranks in a bitset with a summary
//   level per 64 words (BitSet: next/prev member in O(log_64 T), one word in
//   the common case), and each quantile a cursor at its rank, moved by the
//   one value that leaves and the one that enters a step: a few next/prev a
//   step instead of descents from a tree's root. One pass serves up to 8 q.
// O(n log w) per row for any window; bottleneck's move_rank is O(n w).
#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
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
/// up to w ~128 as fast as bottleneck's O(log w) double heap. Steps with a
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

/// Picks served by one pass (more q: one pass per group of this many).
constexpr std::size_t kMaxPicks = 8;

/// Outputs of pick p go to y shifted by p * q_stride.
template <int N, class T>
FASTCPP_KERNEL void median_sorted(Strided<const T> x, Strided<T> y, index_t q_stride,
                                  index_t window, index_t min_count, std::span<const Pick> picks,
                                  index_t begin, index_t end) {
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
    // The first pick as the single-q loop had it (in registers); the others,
    // if any, from an array.
    const Pick pick = picks[0];
    Pick::Plan plan;
    std::array<Pick::Plan, kMaxPicks> plans;
    index_t plan_m = -1;  // the m of the plans
    const std::size_t np = picks.size();
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
            auto value = [&](index_t k) { return cur[k]; };
            double r = kNaN;
            if (m >= min_count) {
                if (m != plan_m) {
                    plan = pick.plan(m);
                    for (std::size_t p = 1; p < np; ++p) plans[p] = picks[p].plan(m);
                    plan_m = m;
                }
                r = Pick::read(plan, value);
            }
            y[i] = static_cast<T>(r);
            for (std::size_t p = 1; p < np; ++p)
                y.data[i * y.stride + static_cast<index_t>(p) * q_stride] =
                    static_cast<T>(m >= min_count ? Pick::read(plans[p], value) : kNaN);
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

/// The bits of a double as an unsigned key with the same order (-0 < +0).
[[gnu::always_inline]] inline std::uint64_t order_key(double v) noexcept {
    constexpr std::uint64_t sign = std::uint64_t{1} << 63;
    const auto k = std::bit_cast<std::uint64_t>(v);
    return k & sign ? ~k : k | sign;
}

/// The double of an order_key.
[[gnu::always_inline]] inline double key_value(std::uint64_t key) noexcept {
    constexpr std::uint64_t sign = std::uint64_t{1} << 63;
    return std::bit_cast<double>(key & sign ? key & ~sign : ~key);
}

using Item = std::pair<std::uint64_t, index_t>;  // (order_key of the value, position in the row)

/// Stable LSD radix sort of items by key, 8 bits a pass, the counts of
/// every pass taken in one read; passes where every key has the same digit
/// are skipped. Equal values keep their (row) order. Faster than
/// std::sort's mispredicted compares on tiles.
void radix_sort(std::vector<Item>& v, std::vector<Item>& tmp) {
    const std::size_t n = v.size();
    if (n < 64) {
        std::stable_sort(v.begin(), v.end(),
                         [](const Item& a, const Item& b) { return a.first < b.first; });
        return;
    }
    std::uint32_t count[8][256] = {};
    for (const Item& it : v)
        for (int d = 0; d < 8; ++d) ++count[d][(it.first >> (8 * d)) & 255];
    tmp.resize(n);
    for (int d = 0; d < 8; ++d) {
        const int shift = 8 * d;
        std::uint32_t* c = count[d];
        if (c[(v[0].first >> shift) & 255] == n) continue;
        std::uint32_t sum = 0;
        for (int b = 0; b < 256; ++b) {
            const std::uint32_t k = c[b];
            c[b] = sum;
            sum += k;
        }
        for (const Item& it : v) tmp[c[(it.first >> shift) & 255]++] = it;
        v.swap(tmp);
    }
}

/// Tiles t-1 and t of a row ranked together: their non-NaN values sorted
/// (stable: equal values keep row order) into `value`, and every position
/// of the two tiles given its place there (rank_at; -1 for NaN). Each tile
/// is sorted once (it is the later tile, then the earlier one).
template <class T>
class TileRanks {
public:
    TileRanks(Strided<const T> x, index_t tile) : x_(x), tile_(tile) {}

    /// Ranks tiles t-1 and t; calls go t0, t0 + 1, ... in order.
    void rank(index_t t) {
        if (t == 0)
            prev_.clear();
        else if (t != next_)
            sort_tile(t - 1, prev_);
        sort_tile(t, cur_);
        next_ = t + 1;
        l0_ = std::max<index_t>(0, (t - 1) * tile_);
        const index_t l1 = std::min((t + 1) * tile_, x_.size);
        const std::size_t na = prev_.size(), nb = cur_.size();
        value.resize(na + nb);
        rank_of_.assign(static_cast<std::size_t>(l1 - l0_), -1);
        // Branch-free merge (ties: the earlier tile first, as std::merge).
        std::size_t i = 0, j = 0, p = 0;
        while (i < na && j < nb) {
            const bool later = cur_[j].first < prev_[i].first;  // by key: -0 < +0
            const Item& it = later ? cur_[j] : prev_[i];
            put(p++, it);
            j += later;
            i += !later;
        }
        for (; i < na; ++i) put(p++, prev_[i]);
        for (; j < nb; ++j) put(p++, cur_[j]);
        std::swap(prev_, cur_);
    }
    [[nodiscard]] index_t size() const noexcept { return static_cast<index_t>(value.size()); }
    [[nodiscard]] std::int32_t rank_at(index_t j) const noexcept {
        return rank_of_[static_cast<std::size_t>(j - l0_)];
    }

    std::vector<double> value;  ///< the sorted non-NaN values of the two tiles

private:
    void put(std::size_t p, const Item& it) noexcept {
        value[p] = key_value(it.first);
        rank_of_[static_cast<std::size_t>(it.second - l0_)] = static_cast<std::int32_t>(p);
    }
    void sort_tile(index_t t, std::vector<Item>& v) {
        v.clear();
        for (index_t j = t * tile_, e = std::min((t + 1) * tile_, x_.size); j < e; ++j) {
            const double xv = static_cast<double>(x_[j]);
            if (xv == xv) v.emplace_back(order_key(xv), j);
        }
        radix_sort(v, scratch_);
    }

    Strided<const T> x_;
    index_t tile_;
    index_t next_ = -1;  // the tile sorted into prev_ is next_ - 1
    index_t l0_ = 0;
    std::vector<Item> prev_, cur_, scratch_;
    std::vector<std::int32_t> rank_of_;
};

/// Tile length for windows of `window`: every window ending in tile t lies
/// within tiles t-1 and t.
constexpr index_t tile_for(index_t window) noexcept { return std::max<index_t>(window, 256); }

/// move_rank with larger windows: a Fenwick tree over the ranks of tiles
/// t-1 and t holds the current window; "how many below" is O(log T).
template <class T>
void rank_tiles(Strided<const T> x, Strided<T> y, index_t window, index_t min_count, index_t begin,
                index_t end) {
    const index_t tile = tile_for(window);
    TileRanks<T> tiles(x, tile);
    std::vector<std::int32_t> grp_lo, grp_hi;
    Fenwick fw;
    for (index_t t = begin / tile; t * tile < end; ++t) {
        tiles.rank(t);
        const index_t m = tiles.size();
        const auto& value = tiles.value;
        // Equal values share one run of ranks [grp_lo, grp_hi].
        grp_lo.resize(static_cast<std::size_t>(m));
        grp_hi.resize(static_cast<std::size_t>(m));
        for (index_t p = 0; p < m; ++p) {
            const auto u = static_cast<std::size_t>(p);
            grp_lo[u] =
                p > 0 && value[u - 1] == value[u] ? grp_lo[u - 1] : static_cast<std::int32_t>(p);
        }
        for (index_t p = m - 1; p >= 0; --p) {
            const auto u = static_cast<std::size_t>(p);
            grp_hi[u] = p + 1 < m && value[u + 1] == value[u] ? grp_hi[u + 1]
                                                              : static_cast<std::int32_t>(p);
        }
        fw.reset(m);
        const index_t first = std::max(t * tile, begin);
        const index_t last = std::min((t + 1) * tile, end);
        const index_t lo_in = std::max<index_t>(0, first - (window - 1));
        index_t n = 0;
        for (index_t j = lo_in; j < first; ++j)
            if (const auto r = tiles.rank_at(j); r >= 0) fw.add(r, 1), ++n;
        for (index_t i = first; i < last; ++i) {
            if (i - window >= lo_in)
                if (const auto r = tiles.rank_at(i - window); r >= 0) fw.add(r, -1), --n;
            const auto r = tiles.rank_at(i);
            if (r >= 0) fw.add(r, 1), ++n;
            double out = kNaN;
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
            y[i] = static_cast<T>(out);
        }
    }
}

/// A set of positions [0, size): one bit each, in a hierarchy of 64-bit
/// words (a bit of level l + 1 per non-empty word of level l), so the next
/// or previous member of a position is found in O(log_64 size) — one
/// word in the common case.
class BitSet {
public:
    void reset(index_t size) {
        level_.clear();
        words_.clear();
        index_t n = std::max<index_t>(size, 1);
        std::size_t at = 0;
        do {
            n = (n + 63) / 64;
            level_.push_back(at);
            at += static_cast<std::size_t>(n);
        } while (n > 1);
        words_.assign(at, 0);
    }
    void insert(index_t p) noexcept {
        std::uint64_t& w = words_[static_cast<std::size_t>(p >> 6)];
        const bool had = w != 0;
        w |= bit(p);
        if (!had) mark(p >> 6, true);
    }
    void erase(index_t p) noexcept {
        std::uint64_t& w = words_[static_cast<std::size_t>(p >> 6)];
        w &= ~bit(p);
        if (w == 0) mark(p >> 6, false);
    }
    /// The smallest member above p (p >= 0), or -1.
    [[nodiscard]] index_t next(index_t p) const noexcept {
        const std::uint64_t w =
            words_[static_cast<std::size_t>(p >> 6)] & (~std::uint64_t{0} << (p & 63) << 1);
        return w != 0 ? (p & ~index_t{63}) | std::countr_zero(w) : next_far(p);
    }
    /// The largest member below p, or -1.
    [[nodiscard]] index_t prev(index_t p) const noexcept {
        const std::uint64_t w = words_[static_cast<std::size_t>(p >> 6)] & (bit(p) - 1);
        return w != 0 ? (p & ~index_t{63}) | (63 - std::countl_zero(w)) : prev_far(p);
    }

private:
    /// Word i of level 0 became non-empty (on) or empty: the levels above.
    void mark(index_t i, bool on) noexcept {
        for (std::size_t l = 1; l < level_.size(); ++l) {
            std::uint64_t& w = words_[level_[l] + static_cast<std::size_t>(i >> 6)];
            const bool had = w != 0;
            w = on ? w | bit(i) : w & ~bit(i);
            if (on ? had : w != 0) return;
            i >>= 6;
        }
    }
    [[gnu::noinline]] index_t next_far(index_t p) const noexcept {
        const std::size_t levels = level_.size();
        std::size_t l = 0;
        for (;; ++l) {
            if (l == levels) return -1;
            const std::uint64_t w = word(l, p >> 6) & (~std::uint64_t{0} << (p & 63) << 1);
            if (w != 0) {
                p = (p & ~index_t{63}) | std::countr_zero(w);
                break;
            }
            p >>= 6;
        }
        for (; l > 0; --l) p = p << 6 | std::countr_zero(word(l - 1, p));
        return p;
    }
    [[gnu::noinline]] index_t prev_far(index_t p) const noexcept {
        const std::size_t levels = level_.size();
        std::size_t l = 0;
        for (;; ++l) {
            if (l == levels) return -1;
            const std::uint64_t w = word(l, p >> 6) & (bit(p) - 1);
            if (w != 0) {
                p = (p & ~index_t{63}) | (63 - std::countl_zero(w));
                break;
            }
            p >>= 6;
        }
        for (; l > 0; --l) p = p << 6 | (63 - std::countl_zero(word(l - 1, p)));
        return p;
    }

public:
    /// The k-th (0-based) member; k below the number of members.
    [[nodiscard]] index_t select(index_t k) const noexcept {
        for (std::size_t i = 0;; ++i) {
            const std::uint64_t w = words_[i];
            const auto c = static_cast<index_t>(std::popcount(w));
            if (k < c) {
                std::uint64_t v = w;
                for (; k > 0; --k) v &= v - 1;
                return static_cast<index_t>(i) * 64 + std::countr_zero(v);
            }
            k -= c;
        }
    }

private:
    static std::uint64_t bit(index_t p) noexcept { return std::uint64_t{1} << (p & 63); }
    [[nodiscard]] std::uint64_t word(std::size_t l, index_t i) const noexcept {
        return words_[level_[l] + static_cast<std::size_t>(i)];
    }
    std::vector<std::size_t> level_;  // where each level's words start
    std::vector<std::uint64_t> words_;
};

/// One quantile's place in the window: the member c of the set holding the
/// k-th smallest value (k counted from 0), kept as values come and go and
/// walked to the k the window's count asks for: a few steps of next/prev per
/// output instead of descents from the root.
struct Cursor {
    index_t c = -1;  // -1: the window is empty
    index_t k = 0;
    Pick pick;
    Pick::Plan plan;
    index_t plan_m = -1;

    void seat(const BitSet& set, index_t n) {
        if (n == 0) {
            c = -1;
            return;
        }
        k = std::min(pick.plan(n).k, n - 1);
        c = set.select(k);
    }
    /// After set.erase(r).
    void erased(const BitSet& set, index_t r) noexcept {
        if (r < c) {
            --k;
        } else if (r == c) {  // the value above takes its order, else the one below
            c = set.next(r);
            if (c < 0) c = set.prev(r), --k;
        }
    }
    /// After set.insert(r).
    void inserted(index_t r) noexcept {
        if (c < 0)
            c = r, k = 0;
        else
            k += r < c;
    }
    /// The output of a window of n >= 1 values (sorted values value[member]).
    double read(const BitSet& set, index_t n, const double* value) {
        if (n != plan_m) plan = pick.plan(n), plan_m = n;
        for (; k < plan.k; ++k) c = set.next(c);
        for (; k > plan.k; --k) c = set.prev(c);
        const index_t at = c;
        return Pick::read(plan, [&](index_t j) { return value[j == plan.k ? at : set.next(at)]; });
    }
};

/// move_median / move_quantile with larger windows: the ranks of tiles t-1
/// and t; the window is a BitSet over them, each pick a Cursor in it.
/// O(log_64 T) per element and pick (next/prev), plus the tiles' sorts:
/// O(n log w) per row. Outputs of pick p go to y shifted by p * q_stride.
template <class T>
void quantile_tiles(Strided<const T> x, Strided<T> y, index_t q_stride, index_t window,
                    index_t min_count, std::span<const Pick> picks, index_t begin, index_t end) {
    const index_t tile = tile_for(window);
    TileRanks<T> tiles(x, tile);
    BitSet set;
    std::array<Cursor, kMaxPicks> cursors;
    const std::size_t np = picks.size();
    for (std::size_t p = 0; p < np; ++p) cursors[p].pick = picks[p];
    for (index_t t = begin / tile; t * tile < end; ++t) {
        tiles.rank(t);
        set.reset(tiles.size());
        const double* value = tiles.value.data();
        const index_t first = std::max(t * tile, begin);
        const index_t last = std::min((t + 1) * tile, end);
        const index_t lo_in = std::max<index_t>(0, first - (window - 1));
        index_t n = 0;
        for (index_t j = lo_in; j < first; ++j)
            if (const auto r = tiles.rank_at(j); r >= 0) set.insert(r), ++n;
        for (std::size_t p = 0; p < np; ++p) cursors[p].seat(set, n);
        for (index_t i = first; i < last; ++i) {
            if (i - window >= lo_in)
                if (const index_t r = tiles.rank_at(i - window); r >= 0) {
                    set.erase(r), --n;
                    for (std::size_t p = 0; p < np; ++p) cursors[p].erased(set, r);
                }
            if (const index_t r = tiles.rank_at(i); r >= 0) {
                set.insert(r), ++n;
                for (std::size_t p = 0; p < np; ++p) cursors[p].inserted(r);
            }
            T* out = y.data + i * y.stride;
            for (std::size_t p = 0; p < np; ++p)
                out[static_cast<index_t>(p) * q_stride] =
                    static_cast<T>(n >= min_count ? cursors[p].read(set, n, value) : kNaN);
        }
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

/// Counts of the values of a window below v, equal to v, and non-NaN, by
/// vectors of kN values (windows up to kBruteRankMax). Each vector adds its
/// three compare masks packed into one integer per lane (below + 2^8 equal +
/// 2^16 valid: counts up to 64 fit in 8 bits), so one horizontal sum serves
/// all three: a short window costs about what bottleneck's scalar loop does.
template <int Bytes, class T>
struct Count3 {
    using V = typename Lanes<Bytes, T>::V;
    using M = typename Lanes<Bytes, T>::M;
    using I = typename Lanes<Bytes, T>::I;
    static constexpr index_t kN = Bytes / sizeof(T);

    [[gnu::always_inline]] static M packed(const T* p, T v) noexcept {
        V sv;
        __builtin_memcpy(&sv, p, sizeof sv);
        return ((sv < v) & 1) | ((sv == v) & (I{1} << 8)) | ((sv == sv) & (I{1} << 16));
    }
    /// Lanes l with lo <= l < hi all ones, the others zero (0 <= lo < hi <=
    /// kN): two loads from a run of ones between zeros (no 64-bit integer
    /// compare, which SSE2 lacks).
    [[gnu::always_inline]] static M lanes(index_t lo, index_t hi) noexcept {
        static constexpr auto kRun = [] {
            std::array<I, 3 * kN> run{};
            for (index_t l = kN; l < 2 * kN; ++l) run[static_cast<std::size_t>(l)] = -1;
            return run;
        }();
        M from, below;  // lanes >= lo; lanes < hi
        __builtin_memcpy(&from, kRun.data() + kN - lo, sizeof from);
        __builtin_memcpy(&below, kRun.data() + 2 * kN - hi, sizeof below);
        return from & below;
    }
    [[gnu::always_inline]] static Counts3 total(M acc) noexcept {
        I sum = 0;
        for (index_t l = 0; l < kN; ++l) sum += acc[l];
        return {sum & 0xff, (sum >> 8) & 0xff, sum >> 16};
    }
    /// s[0..len), kN <= len: whole vectors, then the vector ending at
    /// s[len - 1] with the lanes counted already masked off.
    [[gnu::always_inline]] static Counts3 count(const T* s, index_t len, T v) noexcept {
        M acc{};
        index_t j = 0;
        for (; j + kN <= len; j += kN) acc += packed(s + j, v);
        if (j < len) acc += packed(s + len - kN, v) & lanes(kN - (len - j), kN);
        return total(acc);
    }
    /// x[lo..hi), hi - lo < kN, of a row of n >= kN values: one vector inside
    /// the row that covers it, the other lanes masked off.
    [[gnu::always_inline]] static Counts3 count_short(const T* x, index_t n, index_t lo, index_t hi,
                                                      T v) noexcept {
        const index_t base = std::min(lo, n - kN);
        return total(packed(x + base, v) & lanes(lo - base, hi - base));
    }
};

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
            using C = Count3<Bytes, T>;
            if (x.stride == 1 && i + 1 - j0 >= C::kN) {
                c = C::count(x.data + j0, i + 1 - j0, v);
            } else if (x.stride == 1 && x.size >= C::kN) {
                c = C::count_short(x.data, x.size, j0, i + 1, v);
            } else {  // strided, or a row shorter than a vector
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

/// Windows up to this length use the sorted window (measured crossover
/// with the tiles ~100-150 at x86-64-v3/v4, lower at baseline).
constexpr index_t kSortedMedianMax = 128;

}  // namespace

template <class T>
void move_order_row(MoveStat stat, Strided<const T> x, Strided<T> y, index_t window,
                    index_t min_count, const MoveOptions& options, index_t begin, index_t end) {
    if (stat == MoveStat::rank) {
        if (window <= kBruteRankMax)
            return detail::active_level() >= detail::SimdLevel::x86_64_v3
                       ? detail::dispatch(
                             [&] { rank_brute<32>(x, y, window, min_count, begin, end); })
                       : detail::dispatch(
                             [&] { rank_brute<16>(x, y, window, min_count, begin, end); });
        return rank_tiles(x, y, window, min_count, begin, end);
    }
    // One pass serves up to kMaxPicks quantiles: the sorted window is shared.
    const index_t q_stride = options.q_stride;
    auto run = [&](std::span<const Pick> group, Strided<T> yg) {
        if (window > kSortedMedianMax)
            quantile_tiles(x, yg, q_stride, window, min_count, group, begin, end);
        else if (detail::active_level() >= detail::SimdLevel::x86_64_v3)
            detail::dispatch(
                [&] { median_sorted<4>(x, yg, q_stride, window, min_count, group, begin, end); });
        else
            detail::dispatch(
                [&] { median_sorted<2>(x, yg, q_stride, window, min_count, group, begin, end); });
    };
    if (stat == MoveStat::median || q_stride == 0 || options.q.size() == 1) {
        const Pick one =
            stat == MoveStat::median ? Pick{} : Pick{false, options.q[0], options.method};
        return run({&one, 1}, y);
    }
    std::array<Pick, kMaxPicks> picks;
    for (std::size_t g = 0; g < options.q.size(); g += kMaxPicks) {
        const std::size_t np = std::min(kMaxPicks, options.q.size() - g);
        for (std::size_t p = 0; p < np; ++p)
            picks[p] = Pick{false, options.q[g + p], options.method};
        run({picks.data(), np},
            Strided<T>(y.data + static_cast<index_t>(g) * q_stride, y.size, y.stride));
    }
}

template void move_order_row<double>(MoveStat, Strided<const double>, Strided<double>, index_t,
                                     index_t, const MoveOptions&, index_t, index_t);
template void move_order_row<float>(MoveStat, Strided<const float>, Strided<float>, index_t,
                                    index_t, const MoveOptions&, index_t, index_t);

}  // namespace fastcpp::detail
