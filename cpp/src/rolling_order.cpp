// Order statistics of moving windows: move_median and move_rank.
//
// Small windows (median): the window's non-NaN values kept sorted; each step
// is two SIMD counts and a short block move: O(w), but up to w ~300 as fast
// as bottleneck's O(log w) double heap.
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
#include <cstdint>
#include <utility>
#include <vector>

#include "fastcpp/detail/simd.hpp"
#include "rolling_kernels.hpp"

namespace fastcpp::detail {
namespace {

/// Number of the first m values of s below v (vectorises: no branches).
[[gnu::always_inline]] inline index_t count_below(const double* s, index_t m,
                                                  double v) noexcept {
    index_t c = 0;
    for (index_t j = 0; j < m; ++j) c += s[j] < v;
    return c;
}

/// Small windows: the non-NaN values of the window kept sorted in s[0, m).
/// A step finds the leaving and the entering value's places by counting
/// (SIMD compares over at most `window` values) and moves the values between
/// them by one: O(w) but with a tiny constant.
template <class T>
FASTCPP_KERNEL void median_sorted(Strided<const T> x, Strided<T> y, index_t window,
                                  index_t min_count, index_t begin, index_t end) {
    thread_local std::vector<double> buf;  // reused across rows
    buf.resize(static_cast<std::size_t>(window) + 1);
    double* s = buf.data();
    index_t m = 0;
    const index_t ws = std::max<index_t>(0, begin - (window - 1));
    for (index_t i = ws; i < end; ++i) {
        const double v = static_cast<double>(x[i]);
        const bool has_old = i - window >= ws;
        const double old = has_old ? static_cast<double>(x[i - window]) : kNaN;
        if (old == old) {
            index_t po = 0, pv = 0;  // places of old (s[po] == old) and of v
            for (index_t j = 0; j < m; ++j) po += s[j] < old, pv += s[j] < v;
            if (v == v) {
                if (pv <= po) {  // v goes left of old's place: shift right
                    for (index_t j = po; j > pv; --j) s[j] = s[j - 1];
                    s[pv] = v;
                } else {  // v goes right: shift left
                    for (index_t j = po; j < pv - 1; ++j) s[j] = s[j + 1];
                    s[pv - 1] = v;
                }
            } else {
                for (index_t j = po; j < m - 1; ++j) s[j] = s[j + 1];
                --m;
            }
        } else if (v == v) {
            const index_t pv = count_below(s, m, v);
            for (index_t j = m; j > pv; --j) s[j] = s[j - 1];
            s[pv] = v;
            ++m;
        }
        if (i >= begin) {
            double r = kNaN;
            if (m >= min_count)
                r = m % 2 == 1 ? s[m / 2] : (s[m / 2 - 1] + s[m / 2]) / 2;
            y[i] = static_cast<T>(r);
        }
    }
}

/// Fenwick (binary indexed) tree of counts over positions [0, size).
class Fenwick {
public:
    void reset(index_t n) {
        size_ = static_cast<index_t>(std::bit_ceil(static_cast<std::uint64_t>(std::max<index_t>(n, 1))));
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
        std::stable_sort(v.begin(), v.end(),
                         [](const Item& a, const Item& b) { return order_key(a.first) < order_key(b.first); });
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
void order_tiles(Strided<const T> x, Strided<T> y, index_t window, index_t min_count,
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
                    out = n % 2 == 1 ? value(n / 2) : (value(n / 2 - 1) + value(n / 2)) / 2;
                }
            }
            y[i] = static_cast<T>(out);
        }
        std::swap(prev, cur);
    }
}

/// Windows up to this length use the sorted window (measured crossover ~300).
constexpr index_t kSortedMedianMax = 300;

}  // namespace

template <class T>
void move_order_row(MoveStat stat, Strided<const T> x, Strided<T> y, index_t window,
                    index_t min_count, index_t begin, index_t end) {
    if (stat == MoveStat::rank) return order_tiles<true>(x, y, window, min_count, begin, end);
    if (window <= kSortedMedianMax)
        return detail::dispatch([&] { median_sorted(x, y, window, min_count, begin, end); });
    order_tiles<false>(x, y, window, min_count, begin, end);
}

template void move_order_row<double>(MoveStat, Strided<const double>, Strided<double>, index_t,
                                     index_t, index_t, index_t);
template void move_order_row<float>(MoveStat, Strided<const float>, Strided<float>, index_t,
                                    index_t, index_t, index_t);

}  // namespace fastcpp::detail
