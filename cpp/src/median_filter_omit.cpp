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
// The constexpr network builders mirror median_filter_network.cpp's.
#include "median_filter_omit.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#include "fastcpp/detail/simd.hpp"

// The 64-byte vectors never cross a non-inlined call.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace fastcpp::median_detail {
namespace {

/// One comparator: wire a gets the min, wire b the max; `keep` says which
/// outputs are still needed after pruning (1: min, 2: max, 3: both).
struct Op {
    std::uint8_t a = 0, b = 0, keep = 3;
};

struct OpList {
    std::array<Op, 512> ops{};  // Batcher(49) has 367 before pruning
    int count = 0;
};

/// Wires of a sorted sequence, in ascending order of value.
struct Wires {
    std::array<std::uint8_t, 64> w{};
    int n = 0;
    constexpr void push(int x) { w[static_cast<std::size_t>(n++)] = static_cast<std::uint8_t>(x); }
    [[nodiscard]] constexpr int operator[](int i) const { return w[static_cast<std::size_t>(i)]; }
};

constexpr void add_op(OpList& L, int a, int b) {
    L.ops[static_cast<std::size_t>(L.count++)] = {static_cast<std::uint8_t>(a),
                                                  static_cast<std::uint8_t>(b), 3};
}

/// Batcher's odd-even merge sort of the wires `w` (in that order).
constexpr void batcher_ops(const Wires& w, OpList& L) {
    const int n = w.n;
    for (int p = 1; p < n; p <<= 1)
        for (int k = p; k >= 1; k >>= 1)
            for (int j = k % p; j + k < n; j += 2 * k)
                for (int i = 0; i < k && i < n - j - k; ++i)
                    if ((i + j) / (2 * p) == (i + j + k) / (2 * p))
                        add_op(L, w[i + j], w[i + j + k]);
}

/// Batcher's odd-even merge of two sorted wire lists; returns the merged order.
constexpr Wires merge_ops(const Wires& a, const Wires& b, OpList& L) {
    if (a.n == 0) return b;
    if (b.n == 0) return a;
    Wires out;
    if (a.n == 1 && b.n == 1) {
        add_op(L, a[0], b[0]);
        out.push(a[0]);
        out.push(b[0]);
        return out;
    }
    Wires ae, ao, be, bo;
    for (int i = 0; i < a.n; ++i) (i % 2 ? ao : ae).push(a[i]);
    for (int i = 0; i < b.n; ++i) (i % 2 ? bo : be).push(b[i]);
    const Wires v = merge_ops(ae, be, L);
    const Wires w = merge_ops(ao, bo, L);
    out.push(v[0]);
    int k = 0;
    for (; k < w.n && k + 1 < v.n; ++k) {
        add_op(L, w[k], v[k + 1]);
        out.push(w[k]);
        out.push(v[k + 1]);
    }
    for (int i = k; i < w.n; ++i) out.push(w[i]);
    for (int i = k + 1; i < v.n; ++i) out.push(v[i]);
    return out;
}

/// Keeps the comparators the wires marked in `live` depend on.
constexpr OpList prune(const OpList& L, std::array<bool, 64> live) {
    OpList rev;
    for (int o = L.count - 1; o >= 0; --o) {
        Op op = L.ops[static_cast<std::size_t>(o)];
        const bool la = live[op.a], lb = live[op.b];
        if (!la && !lb) continue;
        op.keep = static_cast<std::uint8_t>((la ? 1 : 0) | (lb ? 2 : 0));
        live[op.a] = live[op.b] = true;
        rev.ops[static_cast<std::size_t>(rev.count++)] = op;
    }
    OpList out;
    for (int o = rev.count - 1; o >= 0; --o)
        out.ops[static_cast<std::size_t>(out.count++)] = rev.ops[static_cast<std::size_t>(o)];
    return out;
}

/// Batcher's sort of n wires pruned to wires 0 .. n / 2 (they end sorted).
constexpr OpList lower_half_ops(int n) {
    Wires all;
    for (int i = 0; i < n; ++i) all.push(i);
    OpList full;
    batcher_ops(all, full);
    std::array<bool, 64> live{};
    for (int r = 0; r <= n / 2; ++r) live[static_cast<std::size_t>(r)] = true;
    return prune(full, live);
}

/// Ranks 0 .. t (t = k * k / 2) of two vertically adjacent k x k boxes (see
/// the file comment). `col` sorts one column of the k - 1 shared rows;
/// `core` merges the k sorted columns (wire c * (k - 1) + r: rank r of
/// column c) pruned to ranks 0 .. t, which are wires `need[0 .. t]`; `fin`
/// takes those on wires 0 .. t and the box's own row on t + 1 .. t + k and
/// leaves rank x of the box on wire `out[x]`.
struct OmitPairNet {
    OpList col, core, fin;
    std::array<std::uint8_t, 16> need{}, out{};
};

constexpr OmitPairNet omit_pair_net(int k) {
    OmitPairNet P;
    const int m = k - 1, t = k * k / 2;
    Wires col;
    for (int r = 0; r < m; ++r) col.push(r);
    batcher_ops(col, P.col);
    std::array<Wires, 8> lists{};
    int nl = k;
    for (int c = 0; c < k; ++c)
        for (int r = 0; r < m; ++r) lists[static_cast<std::size_t>(c)].push(c * m + r);
    OpList core;
    while (nl > 1) {  // merge the shortest lists first
        std::sort(lists.begin(), lists.begin() + nl,
                  [](const Wires& x, const Wires& y) { return x.n < y.n; });
        lists[0] = merge_ops(lists[0], lists[1], core);
        lists[1] = lists[static_cast<std::size_t>(nl - 1)];
        --nl;
    }
    std::array<bool, 64> live{};
    for (int x = 0; x <= t; ++x) {
        P.need[static_cast<std::size_t>(x)] = static_cast<std::uint8_t>(lists[0][x]);
        live[static_cast<std::size_t>(lists[0][x])] = true;
    }
    P.core = prune(core, live);
    Wires kept, row;
    for (int x = 0; x <= t; ++x) kept.push(x);
    for (int c = 0; c < k; ++c) row.push(t + 1 + c);
    OpList fin;
    batcher_ops(row, fin);
    const Wires merged = merge_ops(kept, row, fin);
    std::array<bool, 64> want{};
    for (int x = 0; x <= t; ++x) {
        P.out[static_cast<std::size_t>(x)] = static_cast<std::uint8_t>(merged[x]);
        want[static_cast<std::size_t>(merged[x])] = true;
    }
    P.fin = prune(fin, want);
    return P;
}

template <int k>
struct OmitPairNetOf {
    static constexpr OmitPairNet value = omit_pair_net(k);
};

template <class K, int W>
using Vec [[gnu::vector_size(W)]] = K;

template <class V>
[[gnu::always_inline]] inline V load(const void* p) noexcept {
    V v;
    std::memcpy(&v, p, sizeof(V));
    return v;
}

template <class V>
[[gnu::always_inline]] inline void apply(V* r, const Op& op) noexcept {
    const V x = r[op.a], y = r[op.b];
    if (op.keep & 1) r[op.a] = x < y ? x : y;
    if (op.keep & 2) r[op.b] = x < y ? y : x;
}

template <const OpList& L, class V, std::size_t... I>
[[gnu::always_inline]] inline void run_list(V* r, std::index_sequence<I...>) noexcept {
    (apply(r, L.ops[I]), ...);
}

/// All ones in the lanes holding a NaN key (the largest key).
template <class V, class K = std::remove_cvref_t<decltype(V{}[0])>>
[[gnu::always_inline]] inline V nan_mask(const V& v) noexcept {
    return reinterpret_cast<V>(v == std::numeric_limits<K>::max());
}

/// Per lane, sorted[idx] for sorted[x] = r[wire[x]], x = 0 .. t.
template <class V, class K = std::remove_cvref_t<decltype(V{}[0])>>
[[gnu::always_inline]] inline V pick(const V* r, const std::uint8_t* wire, int t,
                                     const V& idx) noexcept {
    V res = r[wire[0]];
    for (int x = 1; x <= t; ++x) res = idx == (V{} + static_cast<K>(x)) ? r[wire[x]] : res;
    return res;
}

/// Any window of n <= kMaxOmitNetwork elements (offsets t.off) with the
/// run-time pruned op list, on U vectors of output pixels at once: the
/// wires live in memory, so each comparator waits for the previous store of
/// its wires; U independent vectors per comparator hide that latency.
template <int U, class K, int W>
[[gnu::always_inline]] inline void omit_any_block(const Tile<K>& t, const OpList& L, const K* src,
                                                  K* out, Vec<K, W> (*r)[U],
                                                  const std::uint8_t* wire) noexcept {
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
        V col[kMaxOmitNetwork / 2 + 1];
        for (index_t x = 0; x <= n / 2; ++x) col[x] = r[x][u];
        const V idx = (static_cast<K>(n) - nan[u]) >> 1;
        const V res = pick(col, wire, static_cast<int>(n / 2), idx);
        std::memcpy(out + u * lanes, &res, sizeof(V));
    }
}

template <class K, int W>
FASTCPP_MEDIAN_KERNEL void omit_any(const Tile<K>& tile, const OpList& L) noexcept {
    constexpr index_t lanes = W / sizeof(K);
    constexpr int U = 4;
    const Tile<K> t = tile;  // a local copy: stores through K* cannot alias it
    std::array<std::uint8_t, kMaxOmitNetwork> wire{};
    for (int x = 0; x < kMaxOmitNetwork; ++x)
        wire[static_cast<std::size_t>(x)] = static_cast<std::uint8_t>(x);
    Vec<K, W> r[kMaxOmitNetwork][U], r1[kMaxOmitNetwork][1];
    for (index_t i = 0; i < t.rows; ++i) {
        const K* row = t.pad + i * t.pad_stride;
        K* out = t.out + i * t.out_stride;
        index_t j = 0;
        for (; j + U * lanes <= t.cols; j += U * lanes)
            omit_any_block<U, K, W>(t, L, row + j, out + j, r, wire.data());
        for (; j < t.cols; j += lanes)  // the slack columns absorb the last vector
            omit_any_block<1, K, W>(t, L, row + j, out + j, r1, wire.data());
    }
}

/// k x k boxes whose columns are g keys apart, two output rows at a time
/// (OmitPairNet): per pair of rows, each padded column's k - 1 shared values
/// are sorted once into `sorted` (rank r at sorted + r * len) and their NaN
/// counted into `nans`; each block of lanes then runs the core network once
/// and the final one per box. An odd last row runs the upper box only.
template <int k, class K, int W>
FASTCPP_MEDIAN_KERNEL void omit_box_pairs(const Tile<K>& tile, index_t g) {  // allocates
    using V = Vec<K, W>;
    using P = OmitPairNetOf<k>;
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
            return pick(f, P::value.out.data(), t2, idx);
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

/// Column step g > 0 if the tile's window is a k x k box of padded rows
/// whose columns are g keys apart (g > 1: interleaved channels), else 0.
template <class K>
index_t box_step(const Tile<K>& t) noexcept {
    const index_t k = t.kr;
    if (k < 2 || t.n != k * k) return 0;
    if (t.box2d) return t.kc == k ? 1 : 0;
    if ((t.kc - 1) % (k - 1) != 0) return 0;
    const index_t g = (t.kc - 1) / (k - 1);
    for (index_t r = 0; r < k; ++r)
        for (index_t c = 0; c < k; ++c)
            if (t.off[r * k + c] != r * t.pad_stride + c * g) return 0;
    return g;
}

// Sanitizer builds: the unrolled pair kernels take GCC too long to
// instrument; the run-time op list computes the same values.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kUnrolledOmit = false;
#else
constexpr bool kUnrolledOmit = true;
#endif

template <class K, int W>
FASTCPP_MEDIAN_KERNEL void omit_dispatch(const Tile<K>& t) {
    if constexpr (kUnrolledOmit && sizeof(K) == 4 && W > 16) {
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
