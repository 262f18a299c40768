// Median filter with nan_policy="omit", windows of up to kMaxOmitNetwork
// elements: the median of a window's non-NaN values is element
// n_valid / 2 of the window sorted with NaN last (NaN keys are the largest),
// so a sorting network pruned to the lower half's ranks 0 .. n / 2 yields
// every candidate and each SIMD lane then takes its own rank
// (n - #NaN) / 2 (a window of NaN only takes rank 0: a NaN key).
// Networks: Batcher's odd-even merge sort and merge (Batcher 1968; Knuth,
// TAOCP 5.3.4, Algorithm M), pruned backwards to the wanted ranks. k x k
// boxes (k = 3, 5) share work between windows as in the separable scheme of
// Adams ("Fast median filters using separable sorting networks", ACM TOG
// 40(4), 2021): two vertically adjacent boxes share k - 1 rows whose columns
// are sorted once and merged once (pruned to ranks 0 .. n / 2 instead of the
// plain median's n / 2 - k .. n / 2), then each box merges in its own row.
// The network builders, vector types and loads are median_filter_network.hpp's.
#include "median_filter_omit.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#include "fastcpp/detail/simd.hpp"
#include "median_filter_network.hpp"

// The 64-byte vectors never cross a non-inlined call.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace fastcpp::median_detail {
namespace {

using namespace net;

/// Batcher's sort of n wires pruned to wires 0 .. n / 2 (they end sorted).
constexpr OpList lower_half_ops(int n) { return rank_ops(n, 0, n / 2); }

/// All ones in the lanes holding a NaN key (the largest key).
template <class V, class K = std::remove_cvref_t<decltype(V{}[0])>>
[[gnu::always_inline]] inline V nan_mask(const V& v) noexcept {
    return reinterpret_cast<V>(v == std::numeric_limits<K>::max());
}

/// Per lane, candidate idx of at(0) .. at(t).
template <class V, class At, class K = std::remove_cvref_t<decltype(V{}[0])>>
[[gnu::always_inline]] inline V pick(At&& at, int t, const V& idx) noexcept {
    V res = at(0);
    for (int x = 1; x <= t; ++x) res = idx == (V{} + static_cast<K>(x)) ? at(x) : res;
    return res;
}

/// Any window of n <= kMaxOmitNetwork elements (offsets t.off) with the
/// run-time pruned op list, on U vectors of output pixels at once: the
/// wires live in memory, so each comparator waits for the previous store of
/// its wires; U independent vectors per comparator hide that latency.
template <int U, class K, int W>
[[gnu::always_inline]] inline void omit_any_block(const Tile<K>& t, const OpList& L, const K* src,
                                                  K* out, Vec<K, W> (*r)[U]) noexcept {
    using V = Vec<K, W>;
    constexpr index_t lanes = W / sizeof(K);
    const index_t n = t.n;
    V nan[U] = {};
    for (index_t w = 0; w < n; ++w)
#pragma GCC unroll 4
        for (int u = 0; u < U; ++u) {
            r[w][u] = load<V>(src + u * lanes + t.off[w]);
            nan[u] -= nan_mask(r[w][u]);
        }
    // Both outputs of every comparator: no branch on Op::keep (a dead
    // wire's value is never read).
    for (int o = 0; o < L.count; ++o) {
        const Op op = L.ops[static_cast<std::size_t>(o)];
#pragma GCC unroll 4
        for (int u = 0; u < U; ++u) {
            const V x = r[op.a][u], y = r[op.b][u];
            r[op.a][u] = x < y ? x : y;
            r[op.b][u] = x < y ? y : x;
        }
    }
#pragma GCC unroll 4
    for (int u = 0; u < U; ++u) {
        const V idx = (static_cast<K>(n) - nan[u]) >> 1;
        const V res = pick([&](int x) { return r[x][u]; }, static_cast<int>(n / 2), idx);
        std::memcpy(out + u * lanes, &res, sizeof(V));
    }
}

template <class K, int W>
FASTCPP_MEDIAN_KERNEL void omit_any(const Tile<K>& tile, const OpList& L) noexcept {
    constexpr index_t lanes = W / sizeof(K);
    constexpr int U = 4;
    const Tile<K> t = tile;  // a local copy: stores through K* cannot alias it
    Vec<K, W> r[kMaxOmitNetwork][U], r1[kMaxOmitNetwork][1];
    for (index_t i = 0; i < t.rows; ++i) {
        const K* row = t.pad + i * t.pad_stride;
        K* out = t.out + i * t.out_stride;
        index_t j = 0;
        for (; j + U * lanes <= t.cols; j += U * lanes)
            omit_any_block<U, K, W>(t, L, row + j, out + j, r);
        for (; j < t.cols; j += lanes)  // the slack columns absorb the last vector
            omit_any_block<1, K, W>(t, L, row + j, out + j, r1);
    }
}

/// k x k boxes whose columns are g keys apart, two output rows at a time
/// (BoxPairNet, lo = 0): per pair of rows, each padded column's k - 1 shared values
/// are sorted once into `sorted` (rank r at sorted + r * len) and their NaN
/// counted into `nans`; each block of lanes then runs the core network once
/// and the final one per box. An odd last row runs the upper box only.
template <int k, class K, int W>
FASTCPP_MEDIAN_KERNEL void omit_box_pairs(const Tile<K>& tile, index_t g) {  // allocates
    using V = Vec<K, W>;
    using P = BoxPairNetOf<k, 0>;
    constexpr int m = k - 1, t2 = k * k / 2;
    constexpr index_t lanes = W / sizeof(K);
    const Tile<K> t = tile;
    const index_t pw = t.cols + (k - 1) * g;
    const index_t len = (pw + lanes - 1) / lanes * lanes + lanes;
    thread_local std::vector<K> buf;
    const auto need = static_cast<std::size_t>((m + 1) * len);
    if (buf.size() < need) buf.resize(need);
    K* sorted = buf.data();
    K* nans = sorted + m * len;
    for (index_t i = 0; i < t.rows; i += 2) {
        const K* top = t.pad + i * t.pad_stride;  // the upper box's first row
        for (index_t q = 0; q < pw; q += lanes) {
            V c[m];
            V cnt{};
#pragma GCC unroll 16
            for (int r = 0; r < m; ++r) {
                c[r] = load<V>(top + (r + 1) * t.pad_stride + q);
                cnt -= nan_mask(c[r]);
            }
            run_list<P::value.col>(
                c, std::make_index_sequence<static_cast<std::size_t>(P::value.col.count)>{});
#pragma GCC unroll 16
            for (int r = 0; r < m; ++r) std::memcpy(sorted + r * len + q, &c[r], sizeof(V));
            std::memcpy(nans + q, &cnt, sizeof(V));
        }
        // The core's ranks 0 .. t2 into kept[], its NaN count into core_nan.
        auto core = [&](index_t j, V* kept, V& core_nan) __attribute__((always_inline)) {
            V r[k * m];
#pragma GCC unroll 128
            for (int w = 0; w < k * m; ++w)
                r[w] = load<V>(sorted + (w % m) * len + j + (w / m) * g);
            run_list<P::value.core>(
                r, std::make_index_sequence<static_cast<std::size_t>(P::value.core.count)>{});
#pragma GCC unroll 32
            for (int x = 0; x <= t2; ++x) kept[x] = r[P::value.need[static_cast<std::size_t>(x)]];
            V s{};
#pragma GCC unroll 16
            for (int c = 0; c < k; ++c) s += load<V>(nans + j + c * g);
            core_nan = s;
        };
        auto box = [&](const V* kept, const V& core_nan,
                       const K* row) __attribute__((always_inline)) {
            V f[t2 + 1 + k];
            V nan = core_nan;
#pragma GCC unroll 32
            for (int x = 0; x <= t2; ++x) f[x] = kept[x];
#pragma GCC unroll 16
            for (int c = 0; c < k; ++c) {
                f[t2 + 1 + c] = load<V>(row + c * g);
                nan -= nan_mask(f[t2 + 1 + c]);
            }
            run_list<P::value.fin>(
                f, std::make_index_sequence<static_cast<std::size_t>(P::value.fin.count)>{});
            const V idx = (static_cast<K>(k * k) - nan) >> 1;
            return pick([&](int x) { return f[P::value.out[static_cast<std::size_t>(x)]]; }, t2,
                        idx);
        };
        const K* below = top + k * t.pad_stride;  // the lower box's last row
        K* out = t.out + i * t.out_stride;
        const bool two = i + 1 < t.rows;
        for (index_t j = 0; j < t.cols; j += lanes) {
            V kept[t2 + 1];
            V core_nan;
            core(j, kept, core_nan);
            const V a = box(kept, core_nan, top + j);
            std::memcpy(out + j, &a, sizeof(V));
            if (two) {
                const V b = box(kept, core_nan, below + j);
                std::memcpy(out + t.out_stride + j, &b, sizeof(V));
            }
        }
    }
}

template <class K, int W>
FASTCPP_MEDIAN_KERNEL void omit_dispatch(const Tile<K>& t) {
    if constexpr (kUnrolledNetworks && sizeof(K) == 4 && W > 16) {
        // 32-bit keys (float32) at v3/v4 only: compile time (each k is
        // unrolled per key type and width); 16-byte vectors lack unsigned
        // 32-bit min/max.
        if (const index_t g = box_step(t); g > 0) {
            if (t.kr == 3) return omit_box_pairs<3, K, W>(t, g);
            if (t.kr == 5) return omit_box_pairs<5, K, W>(t, g);
        }
    }
    omit_any<K, W>(t, lower_half_ops(static_cast<int>(t.n)));
}

}  // namespace

bool omit_network_serves(index_t n, std::size_t key_bytes) noexcept {
    const int vb = vector_bytes();
    if (n <= 25) return key_bytes < 8 || vb >= 32;
    return n <= kMaxOmitNetwork && key_bytes >= 4 && vb >= 64;
}

template <class K>
void omit_network_tile(const Tile<K>& t) {
    with_vector_width([&]<int W>() { omit_dispatch<K, W>(t); });
}

template void omit_network_tile(const Tile<std::uint16_t>&);
template void omit_network_tile(const Tile<std::uint32_t>&);
template void omit_network_tile(const Tile<std::uint64_t>&);

}  // namespace fastcpp::median_detail
