// Median filter, small windows: Batcher's odd-even merge sorting network
// (Batcher 1968; the arbitrary-n form of Knuth TAOCP 5.3.4), pruned backwards
// to the comparators the median wire depends on, evaluated on 64-byte SIMD
// vectors (GCC vector extensions) of neighbouring output pixels. Common window
// counts are fully unrolled so the whole network lives in registers. Square
// boxes 4 x 4 ... 11 x 11 of some key types go to the pair networks
// (median_filter_pair.cpp); each kernel is compiled per level in its own
// function (with_vector_width), which keeps GCC's per-function work small.
#include "median_filter_network.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>
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

using namespace net;

static_assert(kMaxNetwork <= 81);  // Batcher(81) has 702 comparators after pruning

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
    // 15 wires and more: one copy per conversion (see emit_rows).
    constexpr Copies copies = N >= 15 ? Copies::lean : Copies::per_xform;
    for (index_t i = 0; i < t.rows; ++i) {
        const K* row = t.pad + i * t.pad_stride;
        emit_row<K, W, copies>(t, i, [&](index_t j) __attribute__((always_inline)) {
            const K* src = row + j;  // one address per vector, each load an offset from it
            V r[N];
#pragma GCC unroll 64
            for (int w = 0; w < N; ++w) r[w] = load<V>(src + off[w]);
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
        emit_row<K, W, Copies::lean>(t, i, [&](index_t j) __attribute__((always_inline)) {
            const K* src = t.pad + i * t.pad_stride + j;
            for (index_t w = 0; w < t.n; ++w) r[w] = load<V>(src + t.off[w]);
            for (int o = 0; o < L.count; ++o) apply(r, L.ops[static_cast<std::size_t>(o)]);
            return r[t.rank];
        });
    }
}

// min and max by two different comparisons: from one shared a < b GCC
// makes a compare and two blends (vblendvps, two uops each) where each
// alone is one vminps / vmaxps (these are their exact operand rules).
template <class V>
[[gnu::always_inline]] inline V vmin(const V& a, const V& b) noexcept {
    return a < b ? a : b;
}
template <class V>
[[gnu::always_inline]] inline V vmax(const V& a, const V& b) noexcept {
    return b < a ? a : b;
}
template <class V>
[[gnu::always_inline]] inline V med3(const V& a, const V& b, const V& c) noexcept {
    return vmax(vmin(a, b), vmin(vmax(a, b), c));
}

/// to_key of one image element of kind X, given as its bits.
template <KeyXform X, class K>
K key_of(K bits) noexcept {
    if constexpr (X == KeyXform::sign) {
        return to_key(std::bit_cast<std::make_signed_t<K>>(bits));
    } else if constexpr (X == KeyXform::floating && sizeof(K) >= 2) {
        using F = std::conditional_t<sizeof(K) == 2, Half,
                                     std::conditional_t<sizeof(K) == 4, float, double>>;
        return to_key(std::bit_cast<F>(bits));
    } else {
        return bits;
    }
}

/// Whether float bits (vectors of them) hold a value on which float min/max
/// and the key order can disagree: NaN (unordered), -0.0 (== +0.0), or a
/// subnormal (taken as zero when the caller's MXCSR has DAZ set, as code
/// built with -ffast-math leaves it). The bits' absolute value as a signed
/// integer, less one, is below 0x007FFFFF (unsigned) for a positive subnormal
/// or a negative NaN and at least 0x7F800000 (signed) for a positive NaN, -0.0
/// (INT_MIN) or a negative subnormal; for +0.0 it is -1, for other values
/// in between (checked on all 2**32 patterns).
template <int W>
struct FloatTrouble {
    using VI = Vec<std::int32_t, W>;
    using VU = Vec<std::uint32_t, W>;  // unsigned: negation and - 1 wrap
    VU low = VU{} + std::numeric_limits<std::uint32_t>::max();
    VI high = VI{} + std::numeric_limits<std::int32_t>::min();
    [[gnu::always_inline]] void add(const VU b) noexcept {
        const VU neg = 0u - b;
        const VU a = neg < b ? neg : b;  // |bits| as a signed integer (INT_MIN stays)
        const VU a1 = a - 1u;
        low = a1 < low ? a1 : low;
        high = reinterpret_cast<VI>(a1) > high ? reinterpret_cast<VI>(a1) : high;
    }
    [[nodiscard]] bool found() const noexcept {
        bool any = false;
        for (std::size_t l = 0; l < sizeof(VI) / 4; ++l)
            any |= low[l] < 0x007FFFFFu || high[l] >= 0x7F800000;
        return any;
    }
    /// The same test on one value's bits (the few border columns).
    [[nodiscard]] static bool trouble(std::uint32_t v) noexcept {
        const std::uint32_t a = v & 0x7FFFFFFFu;
        return v == 0x80000000u || a > 0x7F800000u || a - 1u < 0x007FFFFFu;
    }
};

/// 3x3, two output rows per pass: the column-sharing scheme of Paeth's /
/// Devillard's 3x3 median (each padded column sorted once, the median is
/// med3(max of the lows, med3 of the middles, min of the highs)) with the
/// vertical sharing of Adams 2021 (see BoxPairNet): rows i + 1 and i + 2 are
/// in the boxes of output rows i and i + 1, so each padded column's pair of
/// them is sorted once (one compare-exchange) and completed by either box's
/// own row into its sorted column of three (four min/max). An odd last row
/// completes the pair with its own row only.
/// The rows come from the padded tile, or (Tile::image) straight from the
/// image: its elements become keys in registers, as OpenCV's medianBlur
/// reads its rows (a padded copy cost about a fifth of the time), and only
/// the border columns outside the image's run are gathered one by one.
/// float32 image rows without NaN, -0.0 and subnormals (FloatTrouble) skip
/// the keys: float min/max (vminps/vmaxps) order them as the keys do, and
/// equal values have equal bits there, so the medians are the same bits; a
/// pair of output rows whose four rows hold any runs on keys. The pass that
/// sorts the columns checks its two new rows as it reads them (the pair's
/// first two rows were the previous pair's last two, or are checked alone).
template <class K, int W>
FASTCPP_MEDIAN_KERNEL void network_3x3(const Tile<K>& tile) {  // not noexcept: allocates
    using V = Vec<K, W>;
    constexpr index_t lanes = W / sizeof(K);
    const Tile<K> t = tile;
    const index_t pw = t.cols + 2;
    // Sorted columns of the upper box (lo, mid, hi) and of the lower one
    // (keys, or float bits on the float path), kStride keys apart: a
    // compile-time stride, so that one index addresses all six. A row holds
    // pw <= kMaxVectorTileCols + 2 columns and a vector of slack; the last
    // 64 bytes keep the six rows apart modulo 4 KiB (store/load aliasing).
    // The buffer starts on a cache line: whole-vector stores that straddle
    // two lines cost about a tenth of the float path's time.
    constexpr index_t kLine = 64 / static_cast<index_t>(sizeof(K));
    constexpr index_t kStride = kMaxVectorTileCols + 2 * lanes + kLine;
    assert(t.cols <= kMaxVectorTileCols);  // make_plan's limit
    thread_local std::vector<K> buf;
    if (buf.size() < static_cast<std::size_t>(6 * kStride + kLine))
        buf.resize(static_cast<std::size_t>(6 * kStride + kLine));
    const auto misaligned = static_cast<index_t>(reinterpret_cast<std::uintptr_t>(buf.data()) % 64);
    K* const col = buf.data() + (misaligned == 0 ? 0 : kLine - misaligned / index_t{sizeof(K)});
    auto column = [&](index_t box, int rank) { return col + (3 * box + rank) * kStride; };
    ImageRows<K> src;  // the padded tile: one run of columns, no border
    src.q1 = pw;
    if (t.image != nullptr) src = *t.image;
    auto row = [&](index_t p) {
        return t.image != nullptr ? static_cast<const K*>(src.rows[p]) : t.pad + p * t.pad_stride;
    };
    // A run narrower than a vector: only in the padded tile, whose slack
    // takes the last vector's loads.
    const index_t last = src.q1 - src.q0 >= lanes ? src.q1 - lanes : src.q1;
    // Sorts padded columns of rows r0 ... r3 into `column`, showing rows r2
    // and r3 to watch(c, a1) as it reads them (vectors, or the border
    // columns' single values). X: the kind of the rows' elements; U: K
    // (keys) or float (the float path).
    auto columns = [&]<KeyXform X, class U>(const K* r0, const K* r1, const K* r2, const K* r3,
                                            auto&& watch) __attribute__((always_inline)) {
        using VU = Vec<U, W>;
        auto in = [&](const K* r, index_t x) __attribute__((always_inline)) {
            if constexpr (std::is_same_v<U, K>)
                return keys_of<X>(load<V>(r + x));
            else
                return load<VU>(r + x);
        };
        for (index_t q = src.q0; q < src.q1; q += lanes) {
            const index_t at = std::min(q, last), x = src.col0 + at;
            const VU b = in(r1, x), c = in(r2, x), a0 = in(r0, x), a1 = in(r3, x);
            watch(c, a1);
            const VU s0 = vmin(b, c), s1 = vmax(b, c);
            auto complete = [&](index_t box, const VU a) __attribute__((always_inline)) {
                const VU lo = vmin(a, s0), hi = vmax(a, s1), mid = vmax(s0, vmin(a, s1));
                std::memcpy(column(box, 0) + at, &lo, sizeof(VU));
                std::memcpy(column(box, 1) + at, &mid, sizeof(VU));
                std::memcpy(column(box, 2) + at, &hi, sizeof(VU));
            };
            complete(0, a0);
            complete(1, a1);
        }
        // Border columns (image rows only): element colmap[q] of each row.
        auto border = [&](index_t q) {
            const index_t m = src.colmap[q];
            auto key = [&](const K* r) {  // memcpy: r holds X's bytes, not K objects
                U v;
                if (m < 0) {
                    if constexpr (std::is_same_v<U, K>)
                        return src.ckey;
                    else
                        return from_key<float>(src.ckey);
                }
                std::memcpy(&v, r + m, sizeof v);
                if constexpr (std::is_same_v<U, K>) v = key_of<X>(v);
                return v;
            };
            const U a0 = key(r0), b = key(r1), c = key(r2), a1 = key(r3);
            watch(c, a1);
            const U s0 = vmin(b, c), s1 = vmax(b, c);
            auto complete = [&](index_t box, const U a) {
                const U v[3] = {vmin(a, s0), vmax(s0, vmin(a, s1)), vmax(a, s1)};
                for (int rank = 0; rank < 3; ++rank)
                    std::memcpy(column(box, rank) + q, &v[rank], sizeof(U));
            };
            complete(0, a0);
            complete(1, a1);
        };
        for (index_t q = 0; q < src.q0; ++q) border(q);
        for (index_t q = src.q1; q < pw; ++q) border(q);
    };
    auto median = [&]<class U>(index_t box, index_t j) __attribute__((always_inline)) {
        using VU = Vec<U, W>;
        auto at = [&](int rank, index_t d) __attribute__((always_inline)) {
            return load<VU>(column(box, rank) + j + d);
        };
        const VU l = vmax(vmax(at(0, 0), at(0, 1)), at(0, 2));
        const VU h = vmin(vmin(at(2, 0), at(2, 1)), at(2, 2));
        const VU m = med3(at(1, 0), at(1, 1), at(1, 2));
        return med3(l, m, h);
    };
    // The float path: float32 image rows read in place, medians stored
    // straight into whole vectors of output rows.
    constexpr bool kFloats = sizeof(K) == 4;
    const bool floats = kFloats && t.image != nullptr && src.kind == KeyXform::floating &&
                        t.direct != nullptr && t.cols >= lanes;
    using Trouble = FloatTrouble<W>;
    using VT = typename Trouble::VU;
    // Per padded row: 1 plain (no trouble), 0 not, -1 not checked yet.
    thread_local std::vector<signed char> plain;
    auto plain_row = [&](index_t p) {  // checks row p alone if need be
        if constexpr (kFloats) {
            signed char& s = plain[static_cast<std::size_t>(p)];
            if (s < 0) {
                const K* r = row(p);
                Trouble ft;
                const K* const run = r + src.col0;
                index_t c = src.q0;
                for (; c + lanes <= src.q1; c += lanes) ft.add(load<VT>(run + c));
                if (c < src.q1) ft.add(load<VT>(run + last));
                bool bad = ft.found();
                auto border = [&](index_t q) {
                    const index_t m = src.colmap[q];
                    K v = std::bit_cast<K>(from_key<float>(src.ckey));
                    if (m >= 0) std::memcpy(&v, r + m, sizeof v);
                    bad |= Trouble::trouble(v);
                };
                for (index_t q = 0; q < src.q0; ++q) border(q);
                for (index_t q = src.q1; q < pw; ++q) border(q);
                s = bad ? 0 : 1;
            }
            return s == 1;
        }
        (void)p;
        return false;
    };
    if (floats) plain.assign(static_cast<std::size_t>(t.rows + 2), -1);
    auto no_watch = [](const auto&, const auto&) __attribute__((always_inline)) {};
    for (index_t i = 0; i < t.rows; i += 2) {
        const bool two = i + 1 < t.rows;
        const K *r0 = row(i), *r1 = row(i + 1), *r2 = row(i + 2);
        const K* r3 = two ? row(i + 3) : r0;  // the lower box's own row
        if constexpr (kFloats) {
            if (floats && plain_row(i) && plain_row(i + 1)) {
                using VF = Vec<float, W>;
                Trouble ft;
                bool border_bad = false;
                auto watch = [&](const auto& c, const auto& a1) __attribute__((always_inline)) {
                    if constexpr (std::is_same_v<std::remove_cvref_t<decltype(c)>, float>) {
                        border_bad |= Trouble::trouble(std::bit_cast<std::uint32_t>(c)) ||
                                      Trouble::trouble(std::bit_cast<std::uint32_t>(a1));
                    } else {
                        ft.add(std::bit_cast<VT>(c));
                        ft.add(std::bit_cast<VT>(a1));
                    }
                };
                columns.template operator()<KeyXform::floating, float>(r0, r1, r2, r3, watch);
                if (!border_bad && !ft.found()) {
                    plain[static_cast<std::size_t>(i + 2)] = 1;
                    if (two) plain[static_cast<std::size_t>(i + 3)] = 1;
                    K* const dst = static_cast<K*>(t.direct) + i * t.direct_stride;
                    auto store = [&](index_t j) __attribute__((always_inline)) {
                        const VF a = median.template operator()<float>(0, j);
                        const VF b = median.template operator()<float>(1, j);
                        std::memcpy(dst + j, &a, sizeof(VF));
                        if (two) std::memcpy(dst + t.direct_stride + j, &b, sizeof(VF));
                    };
                    const index_t end = t.cols - lanes;
                    for (index_t j = 0; j < end; j += lanes) store(j);
                    store(end);
                    continue;
                }
                // Rows i + 2 and i + 3 stay unchecked: the next pair checks
                // them one by one.
            }
        }
        if (src.kind == KeyXform::sign)
            columns.template operator()<KeyXform::sign, K>(r0, r1, r2, r3, no_watch);
        else if (kFloatKeys<K> && src.kind == KeyXform::floating)
            columns.template operator()<KeyXform::floating, K>(r0, r1, r2, r3, no_watch);
        else
            columns.template operator()<KeyXform::identity, K>(r0, r1, r2, r3, no_watch);
        emit_rows<K, W, 2, Copies::per_xform>(t, i, two ? 2 : 1,
                                              [&](index_t j, V* r) __attribute__((always_inline)) {
                                                  r[0] = median.template operator()<K>(0, j);
                                                  r[1] = median.template operator()<K>(1, j);
                                              });
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
        emit_row<R, W, Copies::per_xform>(t, i, [&](index_t j) __attribute__((always_inline)) {
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

/// Window counts with a fully unrolled network (network_fixed); other counts
/// up to kMaxNetwork run the same comparators from a run-time list.
constexpr std::array<int, 8> kUnrolledSizes{3, 4, 5, 9, 15, 16, 21, 25};

template <int N, class K>
void fixed_tile(const Tile<K>& t) {
    with_vector_width([&]<int W>() { network_fixed<N, K, W>(t); });
}

/// network_fixed for t.n if kUnrolledSizes holds it; false if not.
template <class K, std::size_t... I>
bool unrolled_tile(const Tile<K>& t, std::index_sequence<I...>) {
    return ((t.n == kUnrolledSizes[I] && (fixed_tile<kUnrolledSizes[I]>(t), true)) || ...);
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
#else
    return kTargetVectorBytes;
#endif
}
index_t network_box_max(std::size_t key_bytes) noexcept {
    return box_pairs_max(key_bytes, vector_bytes());
}

template <class K>
void network_tile(const Tile<K>& t) {
    const index_t n = t.n;
    if (t.rank == n / 2) {
        if (t.box2d && t.kr == 3 && t.kc == 3)
            return with_vector_width([&]<int W>() { network_3x3<K, W>(t); });
        if constexpr (box_pairs_max(sizeof(K), 64) > 0) {  // pair networks at some width
            if (t.kr >= kBoxPairsMin && t.kr <= network_box_max(sizeof(K))) {
                const index_t g = box_step(t);
                if (g > 0) return box_pairs_tile(t, g);
            }
        }
        if constexpr (kUnrolledNetworks) {
            if (unrolled_tile(t, std::make_index_sequence<kUnrolledSizes.size()>{})) return;
        }
    }
    const OpList L = median_ops(static_cast<int>(n), static_cast<int>(t.rank));
    with_vector_width([&]<int W>() { network_dynamic<K, W>(t, L); });
}

template void network_tile(const Tile<std::uint8_t>&);
template void network_tile(const Tile<std::uint16_t>&);
template void network_tile(const Tile<std::uint32_t>&);
template void network_tile(const Tile<std::uint64_t>&);

}  // namespace fastcpp::median_detail
