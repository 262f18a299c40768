#pragma once
// Private pieces of the median filter's sorting networks, shared by
// median_filter_network.cpp (one network per window),
// median_filter_pair.cpp (two windows per network, Adams 2021) and
// median_filter_omit.cpp (nan_policy="omit"): comparator
// lists built at compile time (Batcher's odd-even merge sort and merge,
// pruned backwards), GCC vector types of W bytes, and the loop that stores a
// row of median vectors.
#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <type_traits>
#include <utility>

#include "median_filter_impl.hpp"

namespace fastcpp::median_detail::net {

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

/// Batcher's network sorting n wires, pruned to what wires lo .. hi need
/// (they end holding ranks lo .. hi).
constexpr OpList rank_ops(int n, int lo, int hi) {
    Wires all;
    for (int i = 0; i < n; ++i) all.push(i);
    OpList full;
    batcher_ops(all, full);
    std::array<bool, 128> live{};
    for (int r = lo; r <= hi; ++r) live[static_cast<std::size_t>(r)] = true;
    return prune(full, live);
}

/// Batcher's network sorting n wires, pruned to what wire r needs.
constexpr OpList median_ops(int n, int r) { return rank_ops(n, r, r); }

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

/// Networks for ranks lo .. t (t = k * k / 2: scipy's median rank, odd and
/// even k) of two vertically adjacent k x k boxes (rows i .. i + k - 1 and
/// i + 1 .. i + k), sharing their k - 1 common rows, after the column-sharing
/// separable scheme of Adams ("Fast median filters using separable sorting
/// networks", ACM TOG 40(4), 2021).
/// `col` sorts one column of the common rows (k - 1 wires; each column sort
/// is shared by k horizontally adjacent windows). `core` merges the k sorted
/// columns (wire c * (k - 1) + r: rank r of column c), pruned to the core
/// ranks clo .. t that can still be box ranks lo .. t once the box's own k
/// values join (clo = max(0, lo - k): a core value of lower rank has at most
/// lo - 1 values below it in the box); core rank clo + x is on wire
/// `need[x]`. `fin` takes those on wires 0 .. t - clo and the box's own row
/// on the next k wires, sorts the row and merges, pruned to box ranks
/// lo .. t: box rank lo + x on wire `out[x]`. The plain median is lo = t
/// (median_filter_pair.cpp); nan_policy="omit" takes lo <= t and picks per
/// lane (median_filter_omit.cpp).
/// `paired`: the core starts from sorted pairs of adjacent columns instead,
/// which horizontally adjacent windows share (Adams's separable sorting
/// carried one level further): `pair` merges column c (wires 0 .. m - 1)
/// with column c + 1 (wires m .. 2m - 1), rank r of the pair on wire
/// `pair_out[r]`, once per padded column (empty unless paired); the core's pair p (columns 2p and
/// 2p + 1 of the box) has rank r on wire 2p * m + r, and an odd k's last
/// column rank r on wire (k - 1) * m + r. 10-20% fewer compare-exchanges a
/// window for k = 4 ... 11.
struct BoxPairNet {
    OpList col, pair, core, fin;
    int clo = 0;
    std::array<std::uint8_t, 64> need{}, out{};
    std::array<std::uint8_t, 32> pair_out{};
};

constexpr BoxPairNet box_pair_net(int k, int lo, bool paired = false) {
    BoxPairNet P;
    const int m = k - 1, t = k * k / 2;
    P.clo = std::max(0, lo - k);
    Wires col;
    for (int r = 0; r < m; ++r) col.push(r);
    batcher_ops(col, P.col);
    if (paired) {
        Wires left, right;
        for (int r = 0; r < m; ++r) {
            left.push(r);
            right.push(m + r);
        }
        const Wires pair_order = merge_ops(left, right, P.pair);
        for (int r = 0; r < 2 * m; ++r)
            P.pair_out[static_cast<std::size_t>(r)] = static_cast<std::uint8_t>(pair_order[r]);
    }
    // Merge the k sorted columns (or pairs of them) pairwise, shortest
    // lists first.
    std::array<Wires, 16> lists{};
    int nl = 0;
    for (int c = 0; c < k; ++c) {
        if (paired && c % 2 == 1) continue;  // in the pair of column c - 1
        const int rows = paired && c + 1 < k ? 2 * m : m;
        for (int r = 0; r < rows; ++r) lists[static_cast<std::size_t>(nl)].push(c * m + r);
        ++nl;
    }
    OpList core;
    while (nl > 1) {
        std::sort(lists.begin(), lists.begin() + nl,
                  [](const Wires& x, const Wires& y) { return x.n < y.n; });
        lists[0] = merge_ops(lists[0], lists[1], core);
        lists[1] = lists[static_cast<std::size_t>(nl - 1)];
        --nl;
    }
    const int kept_n = t - P.clo + 1;
    std::array<bool, 128> live{};
    for (int x = 0; x < kept_n; ++x) {
        const int w = lists[0][P.clo + x];
        P.need[static_cast<std::size_t>(x)] = static_cast<std::uint8_t>(w);
        live[static_cast<std::size_t>(w)] = true;
    }
    P.core = prune(core, live);
    Wires kept, row;
    for (int x = 0; x < kept_n; ++x) kept.push(x);
    for (int c = 0; c < k; ++c) row.push(kept_n + c);
    OpList fin;
    batcher_ops(row, fin);  // the row's wires are now sorted in that order
    const Wires merged = merge_ops(kept, row, fin);
    std::array<bool, 128> want{};
    for (int x = lo; x <= t; ++x) {
        const int w = merged[x - P.clo];
        P.out[static_cast<std::size_t>(x - lo)] = static_cast<std::uint8_t>(w);
        want[static_cast<std::size_t>(w)] = true;
    }
    P.fin = prune(fin, want);
    return P;
}

template <int k, int lo, bool paired = false>
struct BoxPairNetOf {
    static constexpr BoxPairNet value = box_pair_net(k, lo, paired);
};

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

/// Whether 16-byte vectors compare 32-bit lanes as signed only and have no
/// 32-bit min/max (x86 below SSE4.1: the dispatch build's baseline copy).
#if (defined(__x86_64__) || defined(__i386__)) && !defined(__SSE4_1__)
inline constexpr bool kSignedOnly32 = true;
#else
inline constexpr bool kSignedOnly32 = false;
#endif

/// Vectors whose min and max are a compare and blends (kSignedOnly32's
/// signed 32-bit lanes, see NetLanes): a compare-exchange keeping both is
/// cheaper as xors.
template <class V, class L = std::remove_cvref_t<decltype(V{}[0])>>
inline constexpr bool kXorExchange =
    kSignedOnly32 && sizeof(V) == 16 && std::is_same_v<L, std::int32_t>;

template <class V>
[[gnu::always_inline]] inline void apply(V* r, const Op& op) noexcept {
    const V x = r[op.a], y = r[op.b];
    if constexpr (kXorExchange<V>) {
        if (op.keep == 3) {  // 5 operations instead of 7
            V d = (x ^ y) & (y < x);
            // Opaque to GCC, which would fold x ^ d back into blends.
            asm("" : "+x"(d));
            r[op.a] = x ^ d;
            r[op.b] = y ^ d;
            return;
        }
    }
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

/// to_key on a vector of image elements of kind X (their bits), in registers.
template <KeyXform X, class V, class K = std::remove_cvref_t<decltype(V{}[0])>>
[[gnu::always_inline]] inline V keys_of(const V& b) noexcept {
    constexpr K sign = K(1) << (8 * sizeof(K) - 1);
    if constexpr (X == KeyXform::sign) {
        return b ^ sign;
    } else if constexpr (X == KeyXform::floating) {
        constexpr K inf = sizeof(K) == 2   ? K(0x7C00u)
                          : sizeof(K) == 4 ? K(0x7F800000u)
                                           : K(0x7FF0000000000000ull);
        const V key = (b & sign) != 0 ? ~b : (b | sign);  // negative: ~bits
        return (b & static_cast<K>(~sign)) > inf ? V{} + static_cast<K>(~K(0)) : key;  // NaN
    } else {
        return b;
    }
}

/// Applies the ops of a compile-time list, fully unrolled.
template <const OpList& L, class V, std::size_t... I>
[[gnu::always_inline]] inline void run_list(V* r, std::index_sequence<I...>) noexcept {
    (apply(r, L.ops[I]), ...);
}

/// Keys of 16 bits and more can be floats (emit_rows' floating conversion).
template <class K>
inline constexpr bool kFloatKeys = sizeof(K) >= 2;

/// Runs body(j, r), which writes R median vectors r[0 .. R) for output
/// columns j .. j + lanes of rows i .. i + R - 1, and stores the first
/// `nrows` (<= R) of them: converted into t.direct, or as keys into t.out.
/// The last vector of a row is the one ending at the row's last column (it
/// recomputes, bit for bit, some columns the previous one wrote), so every
/// store is a whole vector; rows narrower than a vector go through t.out
/// (its slack absorbs the vector) and are converted from there. (An
/// out-array, not a returned std::array: vector attributes are dropped from
/// template arguments.)
///
/// How many copies of the body GCC compiles is the bulk of the median
/// filter's compile time (`Copies`). `lean` (large networks, where a few
/// instructions per vector are lost in the noise): one copy per conversion,
/// `floating` and one xor that serves identity and sign keys alike, the last
/// vector taken by clamping the column. `one` (keys of float images only:
/// the tile's xform is `floating`, or there is no t.direct): a single copy
/// that converts under a mask. `per_xform` (small kernels, cheap to compile
/// and as fast as their loop): one copy per KeyXform, plus one for the last
/// vector so that the main loop's columns stay affine.
enum class Copies { per_xform, lean, one };

template <class K, int W, int R, Copies C, class Body>
[[gnu::always_inline]] inline void emit_rows(const Tile<K>& t, index_t i, int nrows,
                                             Body&& body) noexcept {
    using V = Vec<K, W>;
    constexpr index_t lanes = W / sizeof(K);
    constexpr K sign = K(1) << (8 * sizeof(K) - 1);
    const index_t cols = t.cols;
    const bool narrow = cols < lanes;
    const bool direct = t.direct != nullptr && !narrow;
    K* const dst =
        direct ? static_cast<K*>(t.direct) + i * t.direct_stride : t.out + i * t.out_stride;
    const index_t stride = direct ? t.direct_stride : t.out_stride;
    const KeyXform xform = direct ? t.xform : KeyXform::identity;
    const index_t last = narrow ? 0 : cols - lanes;
    constexpr bool Lean = C != Copies::per_xform;
    // flip: the xor of `lean`'s identity/sign copy; all ones where `one`
    // stores keys.
    auto run = [&]<KeyXform X>(const V flip) __attribute__((always_inline)) {
        auto step = [&](index_t at) __attribute__((always_inline)) {
            V r[R];
            body(at, r);
#pragma GCC unroll 4
            for (int y = 0; y < R; ++y) {
                if (y >= nrows) break;
                V v;
                if constexpr (C == Copies::one)
                    v = (convert<KeyXform::floating>(r[y]) & ~flip) | (r[y] & flip);
                else if constexpr (X == KeyXform::floating || !Lean)
                    v = convert<X>(r[y]);
                else
                    v = r[y] ^ flip;
                std::memcpy(dst + y * stride + at, &v, sizeof(V));
            }
        };
        if constexpr (Lean) {
            for (index_t j = 0; j < cols; j += lanes) step(std::min(j, last));
        } else {
            for (index_t j = 0; j < last; j += lanes) step(j);
            step(last);
        }
    };
    if constexpr (C == Copies::one) {
        static_assert(kFloatKeys<K>);
        run.template operator()<KeyXform::floating>(xform == KeyXform::floating ? V{} : ~V{});
    } else if (kFloatKeys<K> && xform == KeyXform::floating) {
        if constexpr (kFloatKeys<K>) run.template operator()<KeyXform::floating>(V{});
    } else if constexpr (Lean) {
        const K f = xform == KeyXform::sign ? sign : K(0);
        run.template operator()<KeyXform::identity>(V{} + f);
    } else if (xform == KeyXform::sign) {
        run.template operator()<KeyXform::sign>(V{});
    } else {
        run.template operator()<KeyXform::identity>(V{});
    }
    if (t.direct == nullptr || !narrow) return;
    // A row narrower than a vector: convert from t.out, store what fits.
    for (int y = 0; y < nrows; ++y) {
        V v = load<V>(t.out + (i + y) * t.out_stride);
        if (kFloatKeys<K> && t.xform == KeyXform::floating) {
            if constexpr (kFloatKeys<K>) v = convert<KeyXform::floating>(v);
        } else if (t.xform == KeyXform::sign) {
            v = convert<KeyXform::sign>(v);
        }
        K tmp[lanes];
        std::memcpy(tmp, &v, sizeof(V));
        std::memcpy(static_cast<K*>(t.direct) + (i + y) * t.direct_stride, tmp,
                    static_cast<std::size_t>(cols) * sizeof(K));
    }
}

/// emit_rows for one row, body(j) -> its median vector.
template <class K, int W, Copies C, class Body>
[[gnu::always_inline]] inline void emit_row(const Tile<K>& t, index_t i, Body&& body) noexcept {
    using V = Vec<K, W>;
    emit_rows<K, W, 1, C>(t, i, 1,
                          [&](index_t j, V* r) __attribute__((always_inline)) { r[0] = body(j); });
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

// Under AddressSanitizer the unrolled networks (hundreds of compare-exchanges
// in one block, per size x key type x vector width) take GCC over ten minutes
// to instrument. The interpreted op list makes the same loads and the same
// compare-exchanges and returns the same values, so sanitized builds use it
// for every size; the unrolled copies are tested by the Release build.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kUnrolledNetworks = false;
#else
inline constexpr bool kUnrolledNetworks = true;
#endif

/// Largest side of the square boxes the pair networks (median_filter_pair.cpp)
/// serve at vector width W, by key bytes: 8-bit and 32-bit keys (uint8,
/// float32 images) up to 11 x 11, where the interpreted networks of
/// median_filter_large.cpp take over. Up to 9 x 9 only, the step from 9 to
/// 10 cost 1.9-2.3x (512², x86-64-v3 and v4: the interpreted 10 x 10 ran at
/// about half the unrolled speed); with 10 and 11 unrolled the sizes 9 ... 12
/// step by 1.2-1.6x at two threads and 10 x 10 and 11 x 11 run 1.3-1.7x
/// faster. 11 x 11 compiles in a file of its own (median_filter_pair_11.cpp). Not for 16- and
/// 64-bit keys: compile time, as each size is unrolled per key type and vector width. The planner
/// reads this table too (network_box_max), and only these kernels are compiled.
inline constexpr int kBoxPairsMin = 4;  ///< 3 x 3 has its own kernel
inline constexpr int kBoxPairsMax = 11;
constexpr int box_pairs_max(std::size_t key_bytes, [[maybe_unused]] int W) noexcept {
    if (!kUnrolledNetworks) return 0;
    return key_bytes == 1 || key_bytes == 4 ? kBoxPairsMax : 0;
}

/// The lanes the pair networks compare keys K in at W bytes: the keys, or,
/// for 32-bit keys on 16-byte vectors where kSignedOnly32 (GCC would flip
/// both operands of every unsigned comparison), signed lanes holding the
/// keys with their top bit flipped, which keeps their order. Loads xor
/// `flip` in, results out.
template <class K, int W, bool Signed = kSignedOnly32 && sizeof(K) == 4 && W == 16>
struct NetLanes {
    using type = K;
    static constexpr K flip = 0;
};
template <class K, int W>
struct NetLanes<K, W, true> {
    using type = std::int32_t;
    static constexpr std::int32_t flip = std::numeric_limits<std::int32_t>::min();
};

/// Medians of the k x k boxes of `t` (kBoxPairsMin <= k <= box_pairs_max)
/// whose columns are g keys apart, by the pair networks; defined in
/// median_filter_pair.cpp for the key types that have them.
template <class K>
void box_pairs_tile(const Tile<K>& t, index_t g);

}  // namespace fastcpp::median_detail::net
