// Order statistics of moving windows: move_median, move_quantile, move_rank.
//
// Small windows (median, quantile, w <= 128): every slot of the window
// carries its value and its rank, both rewritten branch-free by SIMD
// compares each step (quantile_ranked): O(w), but faster than bottleneck's
// O(log w) double heap there.
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

/// Picks served by one pass (more q: one pass per group of this many).
constexpr std::size_t kMaxPicks = 8;

/// Windows up to this length keep ranks (quantile_ranked): int8 lanes.
constexpr index_t kRankedMax = 128;

/// Small windows (median, quantile; w <= kRankedMax): the window is a ring of
/// w slots (the positions in order from the first one read, around the
/// ring) and every slot carries its value and its rank: the ranks of the slots are a permutation of
/// [0, W) (W: w rounded up to a vector of int8 lanes; NaN, empty and padding slots hold the ranks
/// from m up, m the number of non-NaN values), the non-NaN values ranked in
/// sorted order. A step is branch-free and reads no sorted array:
/// - the new value's rank: the count of the window's values below it (SIMD
///   compares over the ring; W - 1 for a NaN);
/// - every rank above the leaving slot's drops by one, every rank from the
///   new one up rises by one, the slot takes the new rank: one compare and
///   add each on W/Bytes vectors of int8 lanes (two for w = 100 at AVX2);
/// - the output's k-th (and k+1-th) smallest value: the slot whose rank
///   equals k, found by compares while the ranks are rewritten.
/// O(w) per step like a sorted array with block moves, but its cost does not
/// depend on the data: no mispredicted branches or loop exits, no chain of
/// dependent loads through the previous step's stores (binary searches);
/// the values are compared lane-parallel. Bytes: the vector width (16 below
/// x86-64-v3: wider GNU vectors would be split through the stack there).
template <int Bytes, class T>
FASTCPP_KERNEL void quantile_ranked(Strided<const T> x, Strided<T> y, index_t q_stride,
                                    index_t window, index_t min_count, std::span<const Pick> picks,
                                    index_t begin, index_t end) {
    typedef std::int8_t R __attribute__((vector_size(Bytes)));
    typedef std::uint8_t U __attribute__((vector_size(Bytes)));
    using IT = std::conditional_t<sizeof(T) == 8, std::int64_t, std::int32_t>;
    typedef T V __attribute__((vector_size(Bytes)));
    typedef IT I __attribute__((vector_size(Bytes)));
    constexpr index_t kR = Bytes;              // ranks per vector
    constexpr index_t kV = Bytes / sizeof(T);  // values per vector
    const index_t nr = (window + kR - 1) / kR;
    const index_t top = nr * kR - 1;  // W - 1: a NaN's rank
    const index_t nv = (window + kV - 1) / kV;
    alignas(64) T val[kRankedMax];
    alignas(64) std::int8_t rank[kRankedMax];
    for (index_t j = 0; j < kRankedMax; ++j) {
        val[j] = std::numeric_limits<T>::quiet_NaN();
        rank[j] = static_cast<std::int8_t>(j);
    }
    // The slot numbers 0, 1, ..., kRankedMax - 1 (a vector of them: slots(b)).
    static constexpr auto kSlots = [] {
        std::array<std::int8_t, kRankedMax> a{};
        for (index_t l = 0; l < kRankedMax; ++l)
            a[static_cast<std::size_t>(l)] = static_cast<std::int8_t>(l);
        return a;
    }();
    auto slots = [&](index_t b) {
        R r;
        __builtin_memcpy(&r, kSlots.data() + b * kR, sizeof r);
        return r;
    };
    auto load_r = [&](index_t b) {
        R r;
        __builtin_memcpy(&r, rank + b * kR, sizeof r);
        return r;
    };
    auto load_v = [&](index_t b) {
        V v;
        __builtin_memcpy(&v, val + b * kV, sizeof v);
        return v;
    };
    // The slot of the lane holding a member of r (one lane at most is not 0).
    auto slot_of = [](R r) {
        std::uint64_t w[Bytes / 8];
        __builtin_memcpy(w, &r, sizeof w);
        std::uint64_t o = 0;
        for (const std::uint64_t u : w) o |= u;
        o |= o >> 32;
        o |= o >> 16;
        o |= o >> 8;
        return static_cast<index_t>(o & 0x7f);
    };
    const std::size_t np = picks.size();
    std::array<Pick::Plan, kMaxPicks> plans;
    index_t plan_m = -1;  // the m of the plans
    index_t m = 0, s = 0;
    for (index_t i = std::max<index_t>(0, begin - (window - 1)); i < end; ++i) {
        const T v = x[i];
        const T old = val[s];
        // The new rank: the values below v but the leaving one (NaN: top).
        const V vv = V{} + v;
        I c0{}, c1{};
        index_t b = 0;
        for (; b + 1 < nv; b += 2) c0 += load_v(b) < vv, c1 += load_v(b + 1) < vv;
        if (b < nv) c0 += load_v(b) < vv;
        c0 += c1;
        index_t below = old < v ? -1 : 0;
        for (index_t l = 0; l < kV; ++l) below -= c0[l];  // lanes are -1 where below
        const index_t rv = v == v ? below : top;
        val[s] = v;
        m += (v == v) - (old == old);
        if (m != plan_m) {
            for (std::size_t p = 0; p < np; ++p) plans[p] = picks[p].plan(m);
            plan_m = m;
        }
        // Ranks rewritten; the slots of ranks k and k + 1 of the first pick.
        const R ro = R{} + rank[s], rn = R{} + static_cast<std::int8_t>(rv);
        const R from_rn = rn - 1;  // r > rn - 1: one compare (r >= rn is two)
        const R mine = R{} + static_cast<std::int8_t>(s);
        const R k0 = R{} + static_cast<std::int8_t>(plans[0].k);
        const R k1 = R{} + static_cast<std::int8_t>(plans[0].k + 1);
        R at0{}, at1{};
        for (b = 0; b < nr; ++b) {
            // The steps in uint8 lanes: the leaving slot (its rank replaced
            // below) steps to 128 when it held the top rank 127, which
            // overflows an int8 lane (undefined; UBSan stops there).
            R r = load_r(b);
            r = (R)((U)r + (U)(r > ro));       // -1 where above the leaving rank
            r = (R)((U)r - (U)(r > from_rn));  // +1 from the new rank up
            const R here = slots(b);
            r = here == mine ? rn : r;
            __builtin_memcpy(rank + b * kR, &r, sizeof r);
            at0 |= (r == k0) & here;
            at1 |= (r == k1) & here;
        }
        if (++s == window) s = 0;
        if (i < begin) continue;
        T* out = y.data + i * y.stride;
        if (m < min_count) {
            for (std::size_t p = 0; p < np; ++p)
                out[static_cast<index_t>(p) * q_stride] = static_cast<T>(kNaN);
            continue;
        }
        const index_t s0 = slot_of(at0), s1 = slot_of(at1);
        *out = static_cast<T>(Pick::read(plans[0], [&](index_t k) {
            return static_cast<double>(val[k == plans[0].k ? s0 : s1]);
        }));
        // The other picks gather their slots as the first did inside the rank
        // rewrite, written out again on purpose: one shared helper for both
        // (tried, d97ae44) made GCC keep the gathered vectors in memory,
        // +29% instructions per move_median call at n = 100 (x86-64-v3).
        for (std::size_t p = 1; p < np; ++p) {
            const Pick::Plan& plan = plans[p];
            const R q0 = R{} + static_cast<std::int8_t>(plan.k);
            const R q1 = R{} + static_cast<std::int8_t>(plan.k + 1);
            R a0{}, a1{};
            for (b = 0; b < nr; ++b) {
                const R r = load_r(b);
                const R here = slots(b);
                a0 |= (r == q0) & here;
                a1 |= (r == q1) & here;
            }
            const index_t t0 = slot_of(a0), t1 = slot_of(a1);
            out[static_cast<index_t>(p) * q_stride] = static_cast<T>(Pick::read(
                plan, [&](index_t k) { return static_cast<double>(val[k == plan.k ? t0 : t1]); }));
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
        k -= r < c;                 // no branch: r < c half the time at random
        if (r == c) [[unlikely]] {  // the value above takes its order, else the one below
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
        const index_t d = plan.k - k;
        if (d >= -1 && d <= 1) [[likely]] {
            // One step or none (a value left, one came): both neighbours
            // read, one kept without a branch (d is -1, 0 or 1 at random).
            const index_t up = set.next(c), down = set.prev(c);
            c = d > 0 ? up : (d < 0 ? down : c);
            k = plan.k;
        }
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

/// Calls f(std::integral_constant<int, Bytes>{}) compiled for the active
/// level, with the vector width of its kernels: 32 bytes from x86-64-v3 on
/// (also at v4: 64-byte vectors measured slower here), 16 below. Each width is
/// compiled for its own level only (dispatch() would compile every width at
/// every level).
template <class F>
void by_width(F&& f) {
    detail::dispatch_split([&] { f(std::integral_constant<int, 32>{}); },
                           [&] { f(std::integral_constant<int, 16>{}); });
}

}  // namespace

template <class T>
void move_order_row(MoveStat stat, Strided<const T> x, Strided<T> y, index_t window,
                    index_t min_count, const MoveOptions& options, index_t begin, index_t end) {
    if (stat == MoveStat::rank) {
        if (window <= kBruteRankMax)
            return by_width([&](auto bytes) {
                rank_brute<decltype(bytes)::value>(x, y, window, min_count, begin, end);
            });
        return rank_tiles(x, y, window, min_count, begin, end);
    }
    // One pass serves up to kMaxPicks quantiles: the window's ranks are shared.
    const index_t q_stride = options.q_stride;
    auto run = [&](std::span<const Pick> group, Strided<T> yg) {
        if (window > kRankedMax)
            quantile_tiles(x, yg, q_stride, window, min_count, group, begin, end);
        else
            by_width([&](auto bytes) {
                quantile_ranked<decltype(bytes)::value>(x, yg, q_stride, window, min_count, group,
                                                        begin, end);
            });
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
