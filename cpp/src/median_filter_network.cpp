// Median filter, small windows: Batcher's odd-even merge sorting network
// (Batcher 1968; the arbitrary-n form of Knuth TAOCP 5.3.4), pruned backwards
// to the comparators the median wire depends on, evaluated on 64-byte SIMD
// vectors (GCC vector extensions) of neighbouring output pixels. Common window
// counts are fully unrolled so the whole network lives in registers.
#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

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

/// Batcher's network sorting n wires, pruned to what wire r needs.
constexpr OpList median_ops(int n, int r) {
    OpList full;
    for (int p = 1; p < n; p <<= 1)
        for (int k = p; k >= 1; k >>= 1)
            for (int j = k % p; j + k < n; j += 2 * k)
                for (int i = 0; i < k && i < n - j - k; ++i)
                    if ((i + j) / (2 * p) == (i + j + k) / (2 * p))
                        full.ops[static_cast<std::size_t>(full.count++)] = {
                            static_cast<std::uint8_t>(i + j), static_cast<std::uint8_t>(i + j + k),
                            3};
    // Backward liveness from the median wire.
    std::array<bool, 128> live{};
    live[static_cast<std::size_t>(r)] = true;
    OpList rev;
    for (int o = full.count - 1; o >= 0; --o) {
        Op op = full.ops[static_cast<std::size_t>(o)];
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

/// Runs body(j) -> median vector for output columns j .. j + lanes of row i
/// and stores it: as keys into t.out (whose slack absorbs the last vector), or
/// converted into t.direct with the row's last partial vector cut to size.
template <class K, int W, class Body>
[[gnu::always_inline]] inline void emit_row(const Tile<K>& t, index_t i, Body&& body) noexcept {
    using V = Vec<K, W>;
    constexpr index_t lanes = W / sizeof(K);
    const index_t cols = t.cols;
    if (!t.direct) {
        K* out = t.out + i * t.out_stride;
        for (index_t j = 0; j < cols; j += lanes) {
            const V r = body(j);
            std::memcpy(out + j, &r, sizeof(V));
        }
        return;
    }
    K* dst = static_cast<K*>(t.direct) + i * t.direct_stride;
    auto run = [&]<KeyXform X>() __attribute__((always_inline)) {
        index_t j = 0;
        for (; j + lanes <= cols; j += lanes) {
            const V r = convert<X>(body(j));
            std::memcpy(dst + j, &r, sizeof(V));
        }
        if (j < cols) {
            const V r = convert<X>(body(j));
            K tmp[lanes];
            std::memcpy(tmp, &r, sizeof(V));
            std::memcpy(dst + j, tmp, static_cast<std::size_t>(cols - j) * sizeof(K));
        }
    };
    if (t.xform == KeyXform::sign)
        run.template operator()<KeyXform::sign>();
    else if (t.xform == KeyXform::floating)
        run.template operator()<KeyXform::floating>();
    else
        run.template operator()<KeyXform::identity>();
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

template <class K, int W>
FASTCPP_MEDIAN_KERNEL void network_any(const Tile<K>& t) {
    const index_t n = t.n;
    if (t.rank != n / 2)
        return network_dynamic<K, W>(t, median_ops(static_cast<int>(n), static_cast<int>(t.rank)));
    if (t.box2d && t.kr == 3 && t.kc == 3) return network_3x3<K, W>(t);
    if constexpr (kUnrolledNetworks) {
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
        // 6 x 6 and 7 x 7 unrolled too where they are used (8-bit images, and
        // 32-bit keys below 512-bit vectors); an interpreted op list costs ~2.5x.
        if constexpr (sizeof(K) == 1 || (sizeof(K) == 4 && W < 64)) {
            if (n == 36) return network_fixed<36, K, W>(t);
            if (n == 49) return network_fixed<49, K, W>(t);
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
    // The CPU's level, capped by FASTCPP_SIMD (until detail::dispatch lands
    // and owns that variable, read here the same way).
    static const int bytes = [] {
        int cpu = __builtin_cpu_supports("x86-64-v4")   ? 64
                  : __builtin_cpu_supports("x86-64-v3") ? 32
                                                        : 16;
        if (const char* env = std::getenv("FASTCPP_SIMD")) {
            const std::string_view v(env);
            if (v == "baseline" || v == "x86-64-v2") cpu = 16;
            if (v == "x86-64-v3") cpu = std::min(cpu, 32);
        }
        return cpu;
    }();
    return bytes;
#elif defined(__AVX512BW__)
    return 64;
#elif defined(__AVX2__)
    return 32;
#else
    return 16;
#endif
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
