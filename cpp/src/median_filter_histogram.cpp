// Median filter, large windows: Huang's sliding histogram (Huang, Yang, Tang,
// "A fast two-dimensional median filtering algorithm", IEEE TASSP 1979):
// one level with a tracked median for 8-bit values, three levels (values,
// 16-value and 256-value bins, after Perreault & Hebert's coarse/fine
// histograms, "Median filtering in constant time", IEEE TIP 2007) for values
// below 65536: 16-bit keys directly, wider keys as ranks after coordinate
// compression of the tile by an LSD radix sort.
// Fallback for windows too large for 16-bit ranks: std::nth_element.
#include <algorithm>
#include <bit>
#include <numeric>
#include <utility>
#include <vector>

#include "fastcpp/detail/simd.hpp"
#include "median_filter_impl.hpp"

namespace fastcpp::median_detail {
namespace {

/// Window histogram: fine counts per value, coarse counts per 2**shift values,
/// and the coarse bin `b` holding the last median with `below` = number of
/// window values in coarse bins < b.
struct Histogram {
    std::vector<std::uint32_t> fine, coarse;
    int shift = 0;
    index_t b = 0, below = 0;

    explicit Histogram(index_t domain) {
        const int bits =
            std::max(1, static_cast<int>(std::bit_width(static_cast<std::uint64_t>(domain - 1))));
        shift = (bits + 1) / 2;
        fine.assign(static_cast<std::size_t>(domain), 0);
        coarse.assign(static_cast<std::size_t>((domain >> shift) + 1), 0);
    }
    [[gnu::always_inline]] void add(std::uint32_t v) noexcept {
        ++fine[v];
        const auto c = v >> shift;
        ++coarse[c];
        below += static_cast<index_t>(c) < b;
    }
    [[gnu::always_inline]] void remove(std::uint32_t v) noexcept {
        --fine[v];
        const auto c = v >> shift;
        --coarse[c];
        below -= static_cast<index_t>(c) < b;
    }
    /// The value of 0-based rank t in the window.
    [[gnu::always_inline]] std::uint32_t select(index_t t) noexcept {
        const std::uint32_t* cs = coarse.data();
        while (below > t) below -= cs[--b];
        while (below + cs[b] <= t) below += cs[b++];
        index_t cnt = below;
        auto v = static_cast<std::uint32_t>(b << shift);
        const std::uint32_t* fs = fine.data();
        while (cnt + fs[v] <= t) cnt += fs[v++];
        return v;
    }
};

template <class R>
FASTCPP_KERNEL void huang(const Tile<R>& t, Histogram& h) noexcept {
    const index_t rank = t.rank;
    const Run* runs = t.runs;
    const index_t nruns = t.nruns;
    for (index_t i = 0; i < t.rows; ++i) {
        const R* top = t.pad + i * t.pad_stride;
        R* out = t.out + i * t.out_stride;
        h.b = 0;
        h.below = 0;
        for (index_t u = 0; u < nruns; ++u)
            for (index_t dj = 0; dj < runs[u].len; ++dj) h.add(top[runs[u].off + dj]);
        out[0] = static_cast<R>(h.select(rank));
        for (index_t j = 1; j < t.cols; ++j) {
            for (index_t u = 0; u < nruns; ++u) {
                const R* leave = top + j - 1 + runs[u].off;
                h.remove(leave[0]);
                h.add(leave[runs[u].len]);
            }
            out[j] = static_cast<R>(h.select(rank));
        }
        // Empty the histogram again (cheaper than clearing `domain` counts).
        const R* last = top + t.cols - 1;
        for (index_t u = 0; u < nruns; ++u)
            for (index_t dj = 0; dj < runs[u].len; ++dj) h.remove(last[runs[u].off + dj]);
    }
}

/// Huang's original one-level form for 8-bit values: the median m and the
/// count of window values below it are tracked; the median moves value by
/// value, a few steps per pixel on natural and noisy images alike.
FASTCPP_KERNEL void huang8(const Tile<std::uint8_t>& t) noexcept {
    const index_t rank = t.rank;
    const Run* runs = t.runs;
    const index_t nruns = t.nruns;
    index_t hist[256];
    for (index_t i = 0; i < t.rows; ++i) {
        const std::uint8_t* top = t.pad + i * t.pad_stride;
        std::uint8_t* out = t.out + i * t.out_stride;
        std::fill(hist, hist + 256, index_t{0});
        for (index_t u = 0; u < nruns; ++u)
            for (index_t dj = 0; dj < runs[u].len; ++dj) ++hist[top[runs[u].off + dj]];
        index_t m = 0, below = 0;
        for (;;) {
            if (below + hist[m] > rank) break;
            below += hist[m++];
        }
        out[0] = static_cast<std::uint8_t>(m);
        for (index_t j = 1; j < t.cols; ++j) {
            for (index_t u = 0; u < nruns; ++u) {
                const std::uint8_t* leave = top + j - 1 + runs[u].off;
                const std::uint8_t a = leave[0], b = leave[runs[u].len];
                --hist[a];
                ++hist[b];
                below += (b < m) - (a < m);
            }
            while (below > rank) below -= hist[--m];
            while (below + hist[m] <= rank) below += hist[m++];
            out[j] = static_cast<std::uint8_t>(m);
        }
    }
}

}  // namespace

template <class R>
void histogram_tile(const Tile<R>& t, index_t domain) {
    if constexpr (sizeof(R) == 1) {
        if (domain <= 256) return detail::dispatch([&] { huang8(t); });
    }
    thread_local std::vector<Histogram> cache;
    Histogram* h = nullptr;
    for (auto& c : cache)
        if (static_cast<index_t>(c.fine.size()) == domain) h = &c;
    if (!h) {
        if (cache.size() > 4) cache.clear();
        h = &cache.emplace_back(domain);
    }
    detail::dispatch([&] { huang(t, *h); });
}

template <class K>
void select_tile(const Tile<K>& t) {
    const index_t n = t.n;
    std::vector<K> win(static_cast<std::size_t>(n));
    for (index_t i = 0; i < t.rows; ++i) {
        for (index_t j = 0; j < t.cols; ++j) {
            const K* src = t.pad + i * t.pad_stride + j;
            index_t nan = 0;
            for (index_t w = 0; w < n; ++w) {
                win[static_cast<std::size_t>(w)] = src[t.off[w]];
                nan += t.omit && src[t.off[w]] == t.nan_key;
            }
            index_t r = t.rank;
            if (t.omit && nan > 0) {  // the rank among the valid keys (NaN keys sort last)
                const index_t valid = n - nan;
                r = t.rule == RankRule::median       ? valid / 2
                    : t.rule == RankRule::percentile ? percentile_rank(t.percentile, valid)
                    : t.raw_rank < 0                 ? valid + t.raw_rank
                                                     : t.raw_rank;
                if (valid == 0 || r < 0 || r >= valid) {
                    t.out[i * t.out_stride + j] = t.nan_key;
                    continue;
                }
            }
            auto mid = win.begin() + r;
            std::nth_element(win.begin(), mid, win.end());
            t.out[i * t.out_stride + j] = *mid;
        }
    }
}

template <class K>
index_t compress_ranks(const K* keys, index_t n, std::uint16_t* ranks, K* uniq,
                       std::vector<K>& scratch_keys, std::vector<std::uint32_t>& scratch_idx) {
    if (n == 0) return 0;
    const auto un = static_cast<std::size_t>(n);
    scratch_keys.resize(2 * un);
    scratch_idx.resize(2 * un);
    K* ka = scratch_keys.data();
    K* kb = ka + n;
    std::uint32_t* ia = scratch_idx.data();
    std::uint32_t* ib = ia + n;
    std::copy(keys, keys + n, ka);
    std::iota(ia, ia + n, std::uint32_t{0});
    constexpr int bytes = sizeof(K);
    std::vector<index_t> counts(static_cast<std::size_t>(256 * bytes), 0);
    for (index_t i = 0; i < n; ++i)
        for (int byte = 0; byte < bytes; ++byte)
            ++counts[static_cast<std::size_t>(256 * byte + ((ka[i] >> (8 * byte)) & 0xff))];
    for (int byte = 0; byte < bytes; ++byte) {
        index_t* c = counts.data() + 256 * byte;
        if (std::any_of(c, c + 256, [n](index_t x) { return x == n; })) continue;
        index_t sum = 0;
        for (int d = 0; d < 256; ++d) sum += std::exchange(c[d], sum);
        for (index_t i = 0; i < n; ++i) {
            const index_t dst = c[(ka[i] >> (8 * byte)) & 0xff]++;
            kb[dst] = ka[i];
            ib[dst] = ia[i];
        }
        std::swap(ka, kb);
        std::swap(ia, ib);
    }
    index_t u = 0;
    uniq[0] = ka[0];
    for (index_t i = 0; i < n; ++i) {
        if (ka[i] != uniq[u]) uniq[++u] = ka[i];
        ranks[ia[i]] = static_cast<std::uint16_t>(u);
    }
    return u + 1;
}

template void histogram_tile(const Tile<std::uint8_t>&, index_t);
template void histogram_tile(const Tile<std::uint16_t>&, index_t);
template void select_tile(const Tile<std::uint8_t>&);
template void select_tile(const Tile<std::uint16_t>&);
template void select_tile(const Tile<std::uint32_t>&);
template void select_tile(const Tile<std::uint64_t>&);
template index_t compress_ranks(const std::uint32_t*, index_t, std::uint16_t*, std::uint32_t*,
                                std::vector<std::uint32_t>&, std::vector<std::uint32_t>&);
template index_t compress_ranks(const std::uint64_t*, index_t, std::uint16_t*, std::uint64_t*,
                                std::vector<std::uint64_t>&, std::vector<std::uint32_t>&);

}  // namespace fastcpp::median_detail
