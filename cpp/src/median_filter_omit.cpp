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
// plain median's n / 2 - k .. n / 2), then each box merges in its own row;
// 5 x 5 blocks whose lanes all hold at most 7 NaN (the common case) need
// ranks n / 2 - 3 .. n / 2 only and run networks pruned to those. The
// medians are converted to the element type in registers (emit_rows).
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

/// Per lane, candidate idx of at(0) .. at(n - 1) (idx < n): a tree of
/// blends on the bits of idx, lowest first (after the level of bit b, c[x]
/// holds candidate x * 2^(b+1) + (idx mod 2^(b+1)) where that exists):
/// n - 1 blends and one mask per bit, instead of a compare and a blend per
/// candidate.
template <int Max, class V, class At>
[[gnu::always_inline]] inline V pick(At&& at, int n, const V& idx) noexcept {
    V c[(Max + 1) / 2];
    const auto odd0 = (idx & 1) != 0;
    c[0] = n > 1 ? (odd0 ? at(1) : at(0)) : at(0);  // written whatever n
    for (int x = 1; 2 * x + 1 < n; ++x) c[x] = odd0 ? at(2 * x + 1) : at(2 * x);
    if (n % 2 != 0 && n > 1) c[n / 2] = at(n - 1);
    n = (n + 1) / 2;
    for (int b = 1; n > 1; ++b) {
        const auto odd = ((idx >> b) & 1) != 0;
        for (int x = 0; 2 * x + 1 < n; ++x) c[x] = odd ? c[2 * x + 1] : c[2 * x];
        if (n % 2 != 0) c[n / 2] = c[n - 1];
        n = (n + 1) / 2;
    }
    return c[0];
}

/// Whether any lane of v is nonzero.
template <class V>
[[gnu::always_inline]] inline bool any(const V& v) noexcept {
    std::uint64_t w[sizeof(V) / 8];
    std::memcpy(w, &v, sizeof(V));
    std::uint64_t o = 0;
    for (const std::uint64_t x : w) o |= x;
    return o != 0;
}

/// Any window of n <= kMaxOmitNetwork elements (offsets t.off) with the
/// run-time pruned op list, U output rows at once: the wires live in
/// memory, so each comparator waits for the previous store of its wires; U
/// independent vectors per comparator hide that latency. Rows past the
/// tile's last repeat it (computed, not stored).
template <class K, int W>
FASTCPP_MEDIAN_KERNEL void omit_any(const Tile<K>& tile, const OpList& L) noexcept {
    using V = Vec<K, W>;
    constexpr int U = 4;
    const Tile<K> t = tile;  // a local copy: stores through K* cannot alias it
    const index_t n = t.n;
    V r[kMaxOmitNetwork][U];
    for (index_t i = 0; i < t.rows; i += U) {
        const K* src[U];
        for (int u = 0; u < U; ++u) src[u] = t.pad + std::min(i + u, t.rows - 1) * t.pad_stride;
        const int nrows = static_cast<int>(std::min<index_t>(U, t.rows - i));
        emit_rows<K, W, U, Copies::one>(
            t, i, nrows, [&](index_t j, V* res) __attribute__((always_inline)) {
                V nan[U] = {};
                for (index_t w = 0; w < n; ++w)
#pragma GCC unroll 4
                    for (int u = 0; u < U; ++u) {
                        r[w][u] = load<V>(src[u] + j + t.off[w]);
                        nan[u] -= nan_mask(r[w][u]);
                    }
                // Both outputs of every comparator: no branch on Op::keep
                // (a dead wire's value is never read).
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
                    res[u] = pick<kMaxOmitNetwork / 2 + 1>([&](int x) { return r[x][u]; },
                                                           static_cast<int>(n / 2 + 1), idx);
                }
            });
    }
}

/// k x k boxes whose columns are g keys apart, two output rows at a time
/// (BoxPairNet): per pair of rows, each padded column's k - 1 shared values
/// are sorted once into `sorted` (rank r at sorted + r * len) and their NaN
/// counted into `nans`. A box with c NaN takes rank t2 - c / 2 (t2 =
/// k * k / 2). Each block of lanes runs the core network once and the final
/// one per box, pruned to ranks t2 - kFew .. t2 when no lane of either box
/// has more than 2 * kFew + 1 NaN (with 10% NaN, over 98% of the 5 x 5
/// blocks of 8 lanes), else to ranks 0 .. t2. An odd last row stores the
/// upper box only.
template <int k, class K, int W>
FASTCPP_MEDIAN_KERNEL void omit_box_pairs(const Tile<K>& tile, index_t g) {  // allocates
    using V = Vec<K, W>;
    constexpr int m = k - 1, t2 = k * k / 2;
    constexpr int kFew = k >= 5 ? 3 : t2;  // 3 x 3: one network (ranks 0 .. 4)
    using Col = BoxPairNetOf<k, 0>;        // the column sort is the same for any lo
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
            run_list<Col::value.col>(
                c, std::make_index_sequence<static_cast<std::size_t>(Col::value.col.count)>{});
#pragma GCC unroll 16
            for (int r = 0; r < m; ++r) std::memcpy(sorted + r * len + q, &c[r], sizeof(V));
            std::memcpy(nans + q, &cnt, sizeof(V));
        }
        const bool two = i + 1 < t.rows;
        const K* below = two ? top + k * t.pad_stride : top;  // the lower box's last row
        // Both boxes' ranks lo .. t2 (network P = BoxPairNetOf<k, lo>), the
        // rank t2 - f[b] - lo of each picked into res[b].
        auto boxes = [&]<int lo>(index_t j, const V(*own)[k], const V* f,
                                 V* res) __attribute__((always_inline)) {
            using P = BoxPairNetOf<k, lo>;
            constexpr int kept = t2 - P::value.clo + 1;
            V r[k * m];
#pragma GCC unroll 128
            for (int w = 0; w < k * m; ++w)
                r[w] = load<V>(sorted + (w % m) * len + j + (w / m) * g);
            run_list<P::value.core>(
                r, std::make_index_sequence<static_cast<std::size_t>(P::value.core.count)>{});
#pragma GCC unroll 2
            for (int b = 0; b < 2; ++b) {
                V x[kept + k];
#pragma GCC unroll 64
                for (int w = 0; w < kept; ++w) x[w] = r[P::value.need[static_cast<std::size_t>(w)]];
#pragma GCC unroll 16
                for (int c = 0; c < k; ++c) x[kept + c] = own[b][c];
                run_list<P::value.fin>(
                    x, std::make_index_sequence<static_cast<std::size_t>(P::value.fin.count)>{});
                const V idx = (static_cast<K>(t2 - lo)) - f[b];
                res[b] = pick<t2 - lo + 1>(
                    [&](int y) { return x[P::value.out[static_cast<std::size_t>(y)]]; },
                    t2 - lo + 1, idx);
            }
        };
        emit_rows<K, W, 2, Copies::one>(
            t, i, two ? 2 : 1, [&](index_t j, V* res) __attribute__((always_inline)) {
                V core_nan{};
#pragma GCC unroll 16
                for (int c = 0; c < k; ++c) core_nan += load<V>(nans + j + c * g);
                V own[2][k];
                V f[2];
#pragma GCC unroll 2
                for (int b = 0; b < 2; ++b) {
                    V nan = core_nan;
#pragma GCC unroll 16
                    for (int c = 0; c < k; ++c) {
                        own[b][c] = load<V>((b == 0 ? top : below) + j + c * g);
                        nan -= nan_mask(own[b][c]);
                    }
                    f[b] = nan >> 1;
                }
                if constexpr (kFew < t2) {
                    const V few = V{} + static_cast<K>(kFew);
                    if (!any((f[0] > few) | (f[1] > few)))
                        return boxes.template operator()<t2 - kFew>(j, own, f, res);
                }
                boxes.template operator()<0>(j, own, f, res);
            });
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
