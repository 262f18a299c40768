// Median filter, small windows: Batcher's odd-even merge sorting network
// (Batcher 1968; the arbitrary-n form of Knuth TAOCP 5.3.4), pruned backwards
// to the comparators the median wire depends on, evaluated on 64-byte SIMD
// vectors (GCC vector extensions) of neighbouring output pixels. Common window
// counts are fully unrolled so the whole network lives in registers.
#include <algorithm>
#include <array>
#include <cstring>
#include <utility>
#include <vector>

#include "fastcpp/detail/dispatch.hpp"
#include "fastcpp/detail/simd.hpp"
#include "median_filter_impl.hpp"

// The 64-byte vectors never cross a non-inlined call, so the ABI note about
// passing them without AVX-512 does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace fastcpp::median_detail {
namespace {

/// One comparator of the network: wire a gets the min, wire b the max;
/// `keep` says which of the two outputs is still needed after pruning.
struct Op {
    std::uint8_t a = 0, b = 0;
    std::uint8_t keep = 0;  ///< 1: min only, 2: max only, 3: both
};

struct OpList {
    std::array<Op, 1024> ops{};  // Batcher(81) has 864 before pruning
    int count = 0;
};

/// Wire list of a sorted sequence (wire numbers in ascending order of value).
struct Wires {
    std::array<std::uint8_t, 128> w{};
    int n = 0;
    constexpr void push(int x) { w[static_cast<std::size_t>(n++)] = static_cast<std::uint8_t>(x); }
    [[nodiscard]] constexpr int operator[](int i) const { return w[static_cast<std::size_t>(i)]; }
};

constexpr void add_op(OpList& L, int a, int b) {
    L.ops[static_cast<std::size_t>(L.count++)] = {static_cast<std::uint8_t>(a),
                                                  static_cast<std::uint8_t>(b), 3};
}

/// Batcher's odd-even merge sort of the wires `w` (in that order), unpruned.
constexpr void batcher_ops(const Wires& w, OpList& L) {
    const int n = w.n;
    for (int p = 1; p < n; p <<= 1)
        for (int k = p; k >= 1; k >>= 1)
            for (int j = k % p; j + k < n; j += 2 * k)
                for (int i = 0; i < k && i < n - j - k; ++i)
                    if ((i + j) / (2 * p) == (i + j + k) / (2 * p))
                        add_op(L, w[i + j], w[i + j + k]);
}

/// Keeps the comparators of L that the wires marked in `live` depend on
/// (backward liveness), with `keep` set to the outputs still needed.
constexpr OpList prune(const OpList& L, std::array<bool, 128> live) {
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

/// Batcher's network sorting n wires, pruned to what wire r needs.
constexpr OpList median_ops(int n, int r) {
    Wires all;
    for (int i = 0; i < n; ++i) all.push(i);
    OpList full;
    batcher_ops(all, full);
    std::array<bool, 128> live{};
    live[static_cast<std::size_t>(r)] = true;
    return prune(full, live);
}

/// Batcher's odd-even merge of two sorted wire lists of any lengths (Knuth,
/// TAOCP 5.3.4, Algorithm M): merge the even- and the odd-indexed elements
/// recursively, then one rank of comparators. Returns the merged order.
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

/// Networks for the medians of two vertically adjacent k x k boxes (rows
/// i .. i + k - 1 and i + 1 .. i + k), sharing their k - 1 common rows, after
/// the column-sharing separable scheme of Adams ("Fast median filters using
/// separable sorting networks", ACM TOG 40(4), 2021). The common rows' k
/// columns arrive sorted (wire c * (k - 1) + r: rank r of column c; each
/// column sort is shared by k horizontally adjacent windows). `core` merges
/// them, pruned to the ranks t - k ... t (t = k * k / 2) that can still be
/// the median once k more values join (`need`, ascending: a core value of
/// lower rank has at most t - 1 values below it in the box, one of higher
/// rank at least t + 1). `fin` sorts one box's own row (wires k + 1 .. 2k)
/// and selects rank k of it merged with the k + 1 needed core values (wires
/// 0 .. k): that is the box's median, on wire `out`.
struct PairNet {
    OpList col;   ///< full sort of one column of k - 1 wires
    OpList core;  ///< on k * (k - 1) wires
    std::array<std::uint8_t, 16> need{};
    OpList fin;  ///< on 2k + 1 wires
    int out = 0;
};

constexpr PairNet pair_net(int k) {
    PairNet P;
    const int m = k - 1, t = k * k / 2;
    Wires col;
    for (int r = 0; r < m; ++r) col.push(r);
    batcher_ops(col, P.col);
    // Merge the k sorted columns pairwise, shortest lists first.
    std::array<Wires, 16> lists{};
    int nl = k;
    for (int c = 0; c < k; ++c)
        for (int r = 0; r < m; ++r) lists[static_cast<std::size_t>(c)].push(c * m + r);
    OpList core;
    while (nl > 1) {
        std::sort(lists.begin(), lists.begin() + nl,
                  [](const Wires& x, const Wires& y) { return x.n < y.n; });
        lists[0] = merge_ops(lists[0], lists[1], core);
        lists[1] = lists[static_cast<std::size_t>(nl - 1)];
        --nl;
    }
    std::array<bool, 128> live{};
    for (int x = 0; x <= k; ++x) {
        P.need[static_cast<std::size_t>(x)] = static_cast<std::uint8_t>(lists[0][t - k + x]);
        live[lists[0][t - k + x]] = true;
    }
    P.core = prune(core, live);
    Wires kept, row;
    for (int x = 0; x <= k; ++x) kept.push(x);
    for (int c = 0; c < k; ++c) row.push(k + 1 + c);
    OpList fin;
    batcher_ops(row, fin);  // wires k + 1 .. 2k are now sorted in that order
    const Wires merged = merge_ops(kept, row, fin);
    P.out = merged[k];
    std::array<bool, 128> want{};
    want[static_cast<std::size_t>(P.out)] = true;
    P.fin = prune(fin, want);
    return P;
}

template <int k>
struct PairNetOf {
    static constexpr PairNet value = pair_net(k);
};

static_assert(kMaxNetwork <= 81);  // Batcher(81) has 702 comparators after pruning

/// W bytes of keys K: 64 at x86-64-v4, 32 at v3, 16 at baseline (see
/// with_vector_width). GCC splits wider vectors than the target has into
/// halves, but lowers their comparisons lane by lane (scalar code), so the
/// width must follow the level.
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

/// from_key on a vector of keys, in registers.
template <KeyXform X, class V, class K = std::remove_cvref_t<decltype(V{}[0])>>
[[gnu::always_inline]] inline V convert(const V& r) noexcept {
    constexpr K sign = K(1) << (8 * sizeof(K) - 1);
    if constexpr (X == KeyXform::sign) {
        return r ^ sign;
    } else if constexpr (X == KeyXform::floating) {
        constexpr K qnan = sizeof(K) == 2   ? K(0x7E00u)
                           : sizeof(K) == 4 ? K(0x7FC00000u)
                                            : K(0x7FF8000000000000ull);
        const V back = (r & sign) != 0 ? (r ^ sign) : ~r;
        return r == static_cast<K>(~K(0)) ? V{} + qnan : back;
    } else {
        return r;
    }
}

/// Runs body(j, r), which writes R median vectors r[0 .. R) for output
/// columns j .. j + lanes of rows i .. i + R - 1, and stores them: as keys
/// into t.out (whose slack absorbs the last vector), or converted into
/// t.direct with each row's last partial vector cut to size. (An out-array,
/// not a returned std::array: vector attributes are dropped from template
/// arguments.)
template <class K, int W, int R, class Body>
[[gnu::always_inline]] inline void emit_rows(const Tile<K>& t, index_t i, Body&& body) noexcept {
    using V = Vec<K, W>;
    constexpr index_t lanes = W / sizeof(K);
    const index_t cols = t.cols;
    if (!t.direct) {
        K* out = t.out + i * t.out_stride;
        for (index_t j = 0; j < cols; j += lanes) {
            V r[R];
            body(j, r);
            for (int y = 0; y < R; ++y) std::memcpy(out + y * t.out_stride + j, &r[y], sizeof(V));
        }
        return;
    }
    K* dst = static_cast<K*>(t.direct) + i * t.direct_stride;
    auto run = [&]<KeyXform X>() __attribute__((always_inline)) {
        index_t j = 0;
        for (; j + lanes <= cols; j += lanes) {
            V r[R];
            body(j, r);
            for (int y = 0; y < R; ++y) {
                const V v = convert<X>(r[y]);
                std::memcpy(dst + y * t.direct_stride + j, &v, sizeof(V));
            }
        }
        if (j < cols) {
            V r[R];
            body(j, r);
            for (int y = 0; y < R; ++y) {
                const V v = convert<X>(r[y]);
                K tmp[lanes];
                std::memcpy(tmp, &v, sizeof(V));
                std::memcpy(dst + y * t.direct_stride + j, tmp,
                            static_cast<std::size_t>(cols - j) * sizeof(K));
            }
        }
    };
    if (t.xform == KeyXform::sign)
        run.template operator()<KeyXform::sign>();
    else if (t.xform == KeyXform::floating)
        run.template operator()<KeyXform::floating>();
    else
        run.template operator()<KeyXform::identity>();
}

/// emit_rows for one row, body(j) -> its median vector.
template <class K, int W, class Body>
[[gnu::always_inline]] inline void emit_row(const Tile<K>& t, index_t i, Body&& body) noexcept {
    using V = Vec<K, W>;
    emit_rows<K, W, 1>(t, i,
                       [&](index_t j, V* r) __attribute__((always_inline)) { r[0] = body(j); });
}

/// Network with a compile-time op list: fully unrolled.
template <int N, class V, std::size_t... I>
[[gnu::always_inline]] inline void run_fixed(V* r, std::index_sequence<I...>) noexcept {
    static constexpr OpList L = median_ops(N, N / 2);
    (apply(r, L.ops[I]), ...);
}

template <int N, class K, int W>
FASTCPP_MEDIAN_KERNEL void network_fixed(const Tile<K>& tile) noexcept {
    using V = Vec<K, W>;
    const Tile<K> t = tile;  // a local copy: stores through K* cannot alias it
    constexpr int count = median_ops(N, N / 2).count;
    index_t off[N];  // window element w at src + off[w]
    for (index_t w = 0; w < N; ++w) off[w] = t.off[w];
    for (index_t i = 0; i < t.rows; ++i) {
        const K* row = t.pad + i * t.pad_stride;
        emit_row<K, W>(t, i, [&](index_t j) __attribute__((always_inline)) {
            V r[N];
#pragma GCC unroll 64
            for (int w = 0; w < N; ++w) r[w] = load<V>(row + j + off[w]);
            run_fixed<N>(r, std::make_index_sequence<static_cast<std::size_t>(count)>{});
            return r[N / 2];
        });
    }
}

/// Network with a run-time op list (other counts up to kMaxNetwork).
template <class K, int W>
FASTCPP_MEDIAN_KERNEL void network_dynamic(const Tile<K>& tile, const OpList& L) noexcept {
    using V = Vec<K, W>;
    const Tile<K> t = tile;
    V r[kMaxNetwork];
    for (index_t i = 0; i < t.rows; ++i) {
        emit_row<K, W>(t, i, [&](index_t j) __attribute__((always_inline)) {
            const K* src = t.pad + i * t.pad_stride + j;
            for (index_t w = 0; w < t.n; ++w) r[w] = load<V>(src + t.off[w]);
            for (int o = 0; o < L.count; ++o) apply(r, L.ops[static_cast<std::size_t>(o)]);
            return r[t.rank];
        });
    }
}

template <class V>
[[gnu::always_inline]] inline V vmin(const V& a, const V& b) noexcept {
    return a < b ? a : b;
}
template <class V>
[[gnu::always_inline]] inline V vmax(const V& a, const V& b) noexcept {
    return a < b ? b : a;
}
template <class V>
[[gnu::always_inline]] inline V med3(const V& a, const V& b, const V& c) noexcept {
    return vmax(vmin(a, b), vmin(vmax(a, b), c));
}

/// 3x3 with shared column sorts (as in Paeth's / Devillard's 3x3 median): each
/// padded column's three values are sorted once per output row, then the
/// median is med3(max of lows, med3 of middles, min of highs).
template <class K, int W>
FASTCPP_MEDIAN_KERNEL void network_3x3(const Tile<K>& tile) {  // not noexcept: allocates
    using V = Vec<K, W>;
    constexpr index_t lanes = W / sizeof(K);
    const Tile<K> t = tile;
    const index_t pw = t.cols + 2;
    const index_t len = (pw + lanes - 1) / lanes * lanes + lanes;
    thread_local std::vector<K> buf;
    const auto need = static_cast<std::size_t>(3 * len);
    if (buf.size() < need) buf.resize(need);
    K* lo = buf.data();
    K* mid = lo + len;
    K* hi = mid + len;
    for (index_t i = 0; i < t.rows; ++i) {
        const K* r0 = t.pad + i * t.pad_stride;
        const K* r1 = r0 + t.pad_stride;
        const K* r2 = r1 + t.pad_stride;
        for (index_t q = 0; q < pw; q += lanes) {
            V a = load<V>(r0 + q), b = load<V>(r1 + q), c = load<V>(r2 + q);
            const V a1 = vmin(a, b), b1 = vmax(a, b);
            const V b2 = vmin(b1, c), c2 = vmax(b1, c);
            const V a3 = vmin(a1, b2), b3 = vmax(a1, b2);
            std::memcpy(lo + q, &a3, sizeof(V));
            std::memcpy(mid + q, &b3, sizeof(V));
            std::memcpy(hi + q, &c2, sizeof(V));
        }
        emit_row<K, W>(t, i, [&](index_t j) __attribute__((always_inline)) {
            const V l = vmax(vmax(load<V>(lo + j), load<V>(lo + j + 1)), load<V>(lo + j + 2));
            const V h = vmin(vmin(load<V>(hi + j), load<V>(hi + j + 1)), load<V>(hi + j + 2));
            const V m = med3(load<V>(mid + j), load<V>(mid + j + 1), load<V>(mid + j + 2));
            return med3(l, m, h);
        });
    }
}

/// Applies the ops of a compile-time list, fully unrolled.
template <const OpList& L, class V, std::size_t... I>
[[gnu::always_inline]] inline void run_list(V* r, std::index_sequence<I...>) noexcept {
    (apply(r, L.ops[I]), ...);
}

/// Median of k x k boxes, two output rows at a time (PairNet): per pair of
/// rows, each padded column's k - 1 shared values are sorted once into
/// `sorted` (rank r at sorted + r * len); each block of lanes then runs the
/// core network once and the final one per row. An odd last row runs the
/// same code for its upper box only (the lower one's row is not padded).
/// The box's columns are `g` keys apart (g > 1: interleaved channels).
template <int k, class K, int W>
FASTCPP_MEDIAN_KERNEL void network_box_pairs(const Tile<K>& tile, index_t g) {  // allocates
    using V = Vec<K, W>;
    using P = PairNetOf<k>;
    constexpr int m = k - 1;
    constexpr index_t lanes = W / sizeof(K);
    const Tile<K> t = tile;
    const index_t pw = t.cols + (k - 1) * g;
    const index_t len = (pw + lanes - 1) / lanes * lanes + lanes;
    thread_local std::vector<K> buf;
    const auto need = static_cast<std::size_t>(m * len);
    if (buf.size() < need) buf.resize(need);
    K* sorted = buf.data();
    for (index_t i = 0; i < t.rows; i += 2) {
        const K* top = t.pad + i * t.pad_stride;  // the upper box's first row
        for (index_t q = 0; q < pw; q += lanes) {
            V c[m];
#pragma GCC unroll 16
            for (int r = 0; r < m; ++r) c[r] = load<V>(top + (r + 1) * t.pad_stride + q);
            run_list<P::value.col>(
                c, std::make_index_sequence<static_cast<std::size_t>(P::value.col.count)>{});
#pragma GCC unroll 16
            for (int r = 0; r < m; ++r) std::memcpy(sorted + r * len + q, &c[r], sizeof(V));
        }
        auto core = [&](index_t j, V* f) __attribute__((always_inline)) {
            V r[k * m];
#pragma GCC unroll 128
            for (int w = 0; w < k * m; ++w)
                r[w] = load<V>(sorted + (w % m) * len + j + (w / m) * g);
            run_list<P::value.core>(
                r, std::make_index_sequence<static_cast<std::size_t>(P::value.core.count)>{});
#pragma GCC unroll 16
            for (int x = 0; x <= k; ++x) f[x] = r[P::value.need[static_cast<std::size_t>(x)]];
        };
        auto box = [&](const V* kept, const K* row) __attribute__((always_inline)) {
            V f[2 * k + 1];
#pragma GCC unroll 16
            for (int x = 0; x <= k; ++x) f[x] = kept[x];
#pragma GCC unroll 16
            for (int c = 0; c < k; ++c) f[k + 1 + c] = load<V>(row + c * g);
            run_list<P::value.fin>(
                f, std::make_index_sequence<static_cast<std::size_t>(P::value.fin.count)>{});
            return f[P::value.out];
        };
        const K* below = top + k * t.pad_stride;  // the lower box's last row
        if (i + 1 < t.rows) {
            emit_rows<K, W, 2>(t, i, [&](index_t j, V* r) __attribute__((always_inline)) {
                V kept[k + 1];
                core(j, kept);
                r[0] = box(kept, top + j);
                r[1] = box(kept, below + j);
            });
        } else {
            emit_rows<K, W, 1>(t, i, [&](index_t j, V* r) __attribute__((always_inline)) {
                V kept[k + 1];
                core(j, kept);
                r[0] = box(kept, top + j);
            });
        }
    }
}

template <class R, int W>
FASTCPP_MEDIAN_KERNEL void radix_kernel(const Tile<R>& tile, int bits) {
    using V = Vec<R, W>;
    const Tile<R> t = tile;
    const index_t n = t.n;
    const auto rank = static_cast<R>(t.rank);
    const index_t* o = t.off;
    const bool omit = t.omit;  // NanPolicy::omit, the median rule only
    const R nan_key = t.nan_key;
    for (index_t i = 0; i < t.rows; ++i) {
        const R* row = t.pad + i * t.pad_stride;
        emit_row<R, W>(t, i, [&](index_t j) __attribute__((always_inline)) {
            // The median is the largest v with #(x < v) <= rank: decide its
            // bits from the top, counting in lanes of R (n < 2**bits(R)).
            const R* src = row + j;
            V prefix{};
            V rankv = V{} + rank;
            if (omit) {  // per lane: n_valid / 2 (0 where all are NaN: NaN is the top key)
                V nan{};
                for (index_t w = 0; w < n; ++w)
                    nan -= reinterpret_cast<V>(load<V>(src + o[w]) == nan_key);
                rankv = (static_cast<R>(n) - nan) >> 1;
            }
            for (int b = bits - 1; b >= 0; --b) {
                V bit;  // every lane 1 << b (a vector operand: no scalar promotion)
                for (std::size_t l = 0; l < sizeof(V) / sizeof(R); ++l)
                    bit[l] = static_cast<R>(1u << b);
                const V cand = prefix | bit;
                V cnt{};
                for (index_t w = 0; w < n; ++w)
                    cnt -= reinterpret_cast<V>(load<V>(src + o[w]) < cand);
                prefix = cnt <= rankv ? cand : prefix;
            }
            return prefix;
        });
    }
}

// Under AddressSanitizer the unrolled networks (hundreds of compare-exchanges
// in one block, per size x key type x vector width) take GCC over ten minutes
// to instrument. The interpreted op list makes the same loads and the same
// compare-exchanges and returns the same values, so sanitized builds use it
// for every size; the unrolled copies are tested by the Release build.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kUnrolledNetworks = false;
#else
constexpr bool kUnrolledNetworks = true;
#endif

/// Largest side of the square boxes network_box_pairs serves at vector width
/// W, by key bytes: 8-bit and 32-bit keys (uint8, float32 images) up to 9 x 9,
/// where radix selection and rank compression take over. Not for 16- and
/// 64-bit keys, nor 32-bit keys on 16-byte vectors (no unsigned 32-bit
/// min/max there): compile time, as each size is unrolled per key type and
/// vector width.
constexpr int box_pairs_max(std::size_t key_bytes, int W) noexcept {
    if constexpr (!kUnrolledNetworks) return 0;
    return key_bytes == 1 || (key_bytes == 4 && W > 16) ? 9 : 0;
}

/// Column step g > 0 if the tile's window is a k x k box of padded rows
/// whose columns are g keys apart (g = 1: Tile::box2d; g > 1: channels
/// interleaved into the column axis), else 0.
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

template <class K, int W>
FASTCPP_MEDIAN_KERNEL void network_any(const Tile<K>& t) {
    const index_t n = t.n;
    if (t.rank != n / 2)
        return network_dynamic<K, W>(t, median_ops(static_cast<int>(n), static_cast<int>(t.rank)));
    if (t.box2d && t.kr == 3 && t.kc == 3) return network_3x3<K, W>(t);
    if constexpr (kUnrolledNetworks) {
        const index_t g = box_step(t);
        if (g > 0 && t.kr <= box_pairs_max(sizeof(K), W)) {
            if constexpr (box_pairs_max(sizeof(K), W) >= 9) {
                switch (t.kr) {
                    case 5:
                        return network_box_pairs<5, K, W>(t, g);
                    case 6:
                        return network_box_pairs<6, K, W>(t, g);
                    case 7:
                        return network_box_pairs<7, K, W>(t, g);
                    case 8:
                        return network_box_pairs<8, K, W>(t, g);
                    case 9:
                        return network_box_pairs<9, K, W>(t, g);
                    default:
                        break;
                }
            }
        }
        switch (n) {
            case 3:
                return network_fixed<3, K, W>(t);
            case 4:
                return network_fixed<4, K, W>(t);
            case 5:
                return network_fixed<5, K, W>(t);
            case 9:
                return network_fixed<9, K, W>(t);
            case 15:
                return network_fixed<15, K, W>(t);
            case 16:
                return network_fixed<16, K, W>(t);
            case 21:
                return network_fixed<21, K, W>(t);
            case 25:
                return network_fixed<25, K, W>(t);
            default:
                break;
        }
    }
    network_dynamic<K, W>(t, median_ops(static_cast<int>(n), static_cast<int>(n / 2)));
}

}  // namespace

template <class R>
void radix_tile(const Tile<R>& t, int bits) {
    with_vector_width([&]<int W>() { radix_kernel<R, W>(t, bits); });
}

template void radix_tile(const Tile<std::uint8_t>&, int);
template void radix_tile(const Tile<std::uint16_t>&, int);

int vector_bytes() noexcept {
#if FASTCPP_MEDIAN_LEVELS
    switch (detail::active_level()) {
        case detail::SimdLevel::x86_64_v4:
            return 64;
        case detail::SimdLevel::x86_64_v3:
            return 32;
        case detail::SimdLevel::x86_64_v2:  // the baseline copy (as dispatch())
        case detail::SimdLevel::baseline:
            return 16;
    }
    return 16;
#elif defined(__AVX512BW__)
    return 64;
#elif defined(__AVX2__)
    return 32;
#else
    return 16;
#endif
}

index_t network_box_max(std::size_t key_bytes) noexcept {
    return box_pairs_max(key_bytes, vector_bytes());
}

template <class K>
void network_tile(const Tile<K>& t) {
    with_vector_width([&]<int W>() { network_any<K, W>(t); });
}

template void network_tile(const Tile<std::uint8_t>&);
template void network_tile(const Tile<std::uint16_t>&);
template void network_tile(const Tile<std::uint32_t>&);
template void network_tile(const Tile<std::uint64_t>&);

}  // namespace fastcpp::median_detail
