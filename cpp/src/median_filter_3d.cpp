// Median filter, cubic 3 x 3 x 3 and 5 x 5 x 5 boxes of 32-bit keys (float32,
// int32, uint32 volumes) on 32- and 64-byte vectors: a separable sorting
// network in three dimensions, after Adams ("Fast median filters using
// separable sorting networks", ACM TOG 40(4), 2021), with SIMD lanes across
// output columns. Each padded row is sorted along x once (shared by the k x k
// windows that contain that run of k), the x-ranks along y once per output
// row and plane (shared by the k windows along z); two output planes then
// share the k - 1 planes their windows have in common (the "core", merged
// once) and each adds its own plane (the "fin"). After the three sorts the
// element of ranks (a, b, c) has at least (a+1)(b+1)(c+1) - 1 values of the
// window below it and (k-a)(k-b)(k-c) - 1 above: elements that cannot reach
// the ranks still needed are dropped before the merges, and the merge
// networks (Batcher's, median_filter_network.hpp) are pruned backwards to the
// wires the median depends on. Its own translation unit: the 5 x 5 x 5 core
// is a large unrolled block, compiled once per vector width.
#include <algorithm>
#include <array>
#include <cstring>
#include <utility>
#include <vector>

#include "median_filter_impl.hpp"
#include "median_filter_network.hpp"

// The 64-byte vectors never cross a non-inlined call, so the ABI note about
// passing them without AVX-512 does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace fastcpp::median_detail {
namespace {

using namespace net;

/// The networks of the k x k x k median, two output planes at a time.
/// Planes are "tableaux" after the x and y sorts: wire a * k + b holds the
/// value of x-rank a and y-rank b. `core` works on the k - 1 shared planes
/// (wire (a * k + b) * (k - 1) + c: plane c of the shared ones), sorts each
/// (a, b) along z and merges what can still matter into the sorted list of
/// which only ranks t - k*k ... t (t = k*k*k / 2) are needed (`need`,
/// ascending: with the k*k values of a window's own plane added, a lower
/// core rank has at most t - 1 values below it in the window, a higher one
/// at least t + 1). `fin` merges those k*k + 1 values (wires 0 ... k*k) with
/// one plane's tableau (wires k*k + 1 + a * k + b) and selects rank k*k of
/// the union: the window's median, on wire `out`.
struct CubeNet {
    OpList line;  ///< full sort of k wires (the x and y sorts)
    OpList core;
    std::array<std::uint8_t, 32> need{};
    OpList fin;
    int out = 0;
};

/// Merges sorted wire lists pairwise, shortest first (as pair_net).
constexpr Wires merge_lists(std::array<Wires, 32>& lists, int nl, OpList& L) {
    while (nl > 1) {
        std::sort(lists.begin(), lists.begin() + nl,
                  [](const Wires& x, const Wires& y) { return x.n < y.n; });
        lists[0] = merge_ops(lists[0], lists[1], L);
        lists[1] = lists[static_cast<std::size_t>(nl - 1)];
        --nl;
    }
    return lists[0];
}

constexpr CubeNet cube_net(int k) {
    CubeNet N;
    const int m = k - 1, kk = k * k, t = kk * k / 2;
    const int core_n = kk * m, need_lo = t - kk;
    Wires line;
    for (int i = 0; i < k; ++i) line.push(i);
    batcher_ops(line, N.line);
    // Core: sort each (a, b) along z, keep what can rank in need_lo ... t.
    OpList core;
    std::array<Wires, 32> lists{};
    int nl = 0, below_dropped = 0;
    for (int a = 0; a < k; ++a)
        for (int b = 0; b < k; ++b) {
            Wires z;
            for (int c = 0; c < m; ++c) z.push((a * k + b) * m + c);
            batcher_ops(z, core);
            Wires kept;
            for (int c = 0; c < m; ++c) {
                const int below = (a + 1) * (b + 1) * (c + 1) - 1;
                const int above = (k - a) * (k - b) * (m - c) - 1;
                if (below > t) continue;  // core rank above t
                if (above >= core_n - need_lo) {
                    ++below_dropped;  // core rank below need_lo
                    continue;
                }
                kept.push((a * k + b) * m + c);
            }
            if (kept.n > 0) lists[static_cast<std::size_t>(nl++)] = kept;
        }
    const Wires merged = merge_lists(lists, nl, core);
    std::array<bool, 128> live{};
    for (int x = 0; x <= kk; ++x) {
        const int w = merged[need_lo + x - below_dropped];
        N.need[static_cast<std::size_t>(x)] = static_cast<std::uint8_t>(w);
        live[static_cast<std::size_t>(w)] = true;
    }
    N.core = prune(core, live);
    // Fin: the needed core values (sorted) and the tableau's rows along y.
    OpList fin;
    std::array<Wires, 32> fl{};
    for (int x = 0; x <= kk; ++x) fl[0].push(x);
    for (int a = 0; a < k; ++a)
        for (int b = 0; b < k; ++b) fl[static_cast<std::size_t>(a + 1)].push(kk + 1 + a * k + b);
    const Wires all = merge_lists(fl, k + 1, fin);
    N.out = all[kk];
    std::array<bool, 128> want{};
    want[static_cast<std::size_t>(N.out)] = true;
    N.fin = prune(fin, want);
    return N;
}

template <int k>
struct CubeNetOf {
    static constexpr CubeNet value = cube_net(k);
};

template <const OpList& L, class V>
[[gnu::always_inline]] inline void run_all(V* r) noexcept {
    run_list<L>(r, std::make_index_sequence<static_cast<std::size_t>(L.count)>{});
}

/// The k x k x k medians of one tile (see CubeTile), keys into t.out.
template <int k, class K, int W>
FASTCPP_MEDIAN_KERNEL void cube_median(const CubeTile<K>& tile) {  // allocates
    using V = Vec<K, W>;
    using N = CubeNetOf<k>;
    constexpr index_t lanes = W / sizeof(K);
    constexpr int m = k - 1, kk = k * k;
    const CubeTile<K> t = tile;  // a local copy: stores through K* cannot alias it
    const index_t tcv = (t.cols + lanes - 1) / lanes * lanes;
    const index_t planes = k + t.group - 1, prows = t.rows + k - 1;
    // sx: every padded row sorted along x, rank a of the run at column j at
    // sx[((q * prows + p) * k + a) * tcv + j]; sy: for one output row, every
    // plane's tableau, value (a, b) of column j at sy[(q * kk + a * k + b) * tcv + j].
    const auto sx_size = static_cast<std::size_t>(planes * prows * k * tcv);
    const auto sy_size = static_cast<std::size_t>(planes * kk * tcv);
    thread_local std::vector<K> buf;
    if (buf.size() < sx_size + sy_size) buf.resize(sx_size + sy_size);
    K* const sx = buf.data();
    K* const sy = sx + sx_size;
    for (index_t q = 0; q < planes; ++q)
        for (index_t p = 0; p < prows; ++p) {
            const K* row = t.pad + (q * prows + p) * t.pad_stride;
            K* dst = sx + (q * prows + p) * k * tcv;
            for (index_t j = 0; j < tcv; j += lanes) {
                V v[k];
#pragma GCC unroll 8
                for (int c = 0; c < k; ++c) v[c] = load<V>(row + j + c);
                run_all<N::value.line>(v);
#pragma GCC unroll 8
                for (int a = 0; a < k; ++a) std::memcpy(dst + a * tcv + j, &v[a], sizeof(V));
            }
        }
    for (index_t i = 0; i < t.rows; ++i) {
        for (index_t q = 0; q < planes; ++q)
            for (int a = 0; a < k; ++a) {
                const K* src = sx + ((q * prows + i) * k + a) * tcv;
                K* dst = sy + (q * kk + a * k) * tcv;
                for (index_t j = 0; j < tcv; j += lanes) {
                    V v[k];
#pragma GCC unroll 8
                    for (int b = 0; b < k; ++b) v[b] = load<V>(src + b * k * tcv + j);
                    run_all<N::value.line>(v);
#pragma GCC unroll 8
                    for (int b = 0; b < k; ++b) std::memcpy(dst + b * tcv + j, &v[b], sizeof(V));
                }
            }
        auto fin = [&](const V* kept, const K* plane) __attribute__((always_inline)) {
            V f[2 * kk + 1];
#pragma GCC unroll 32
            for (int x = 0; x <= kk; ++x) f[x] = kept[x];
#pragma GCC unroll 32
            for (int w = 0; w < kk; ++w) f[kk + 1 + w] = load<V>(plane + w * tcv);
            run_all<N::value.fin>(f);
            return f[N::value.out];
        };
        for (index_t g = 0; g < t.group; g += 2) {
            const bool two = g + 1 < t.group;
            K* out0 = t.out + g * t.out_plane_stride + i * t.out_stride;
            for (index_t j = 0; j < tcv; j += lanes) {
                V r[kk * m];
#pragma GCC unroll 128
                for (int w = 0; w < kk * m; ++w)
                    r[w] = load<V>(sy + ((g + 1 + w % m) * kk + w / m) * tcv + j);
                run_all<N::value.core>(r);
                V kept[kk + 1];
#pragma GCC unroll 32
                for (int x = 0; x <= kk; ++x)
                    kept[x] = r[N::value.need[static_cast<std::size_t>(x)]];
                const V lo = fin(kept, sy + g * kk * tcv + j);
                std::memcpy(out0 + j, &lo, sizeof(V));
                if (two) {
                    const V hi = fin(kept, sy + (g + k) * kk * tcv + j);
                    std::memcpy(out0 + t.out_plane_stride + j, &hi, sizeof(V));
                }
            }
        }
    }
}

/// Smallest vector width the kernels are compiled for: 32-bit keys have no
/// unsigned min/max on 16-byte vectors (SSE2).
constexpr int kCubeMinWidth = 32;

}  // namespace

index_t cube_max(std::size_t key_bytes) noexcept {
    if (!kUnrolledNetworks || key_bytes != 4 || vector_bytes() < kCubeMinWidth) return 0;
    return kCubeMax;
}

template <class K>
void cube_tile(const CubeTile<K>& t) {
    with_vector_width([&]<int W>() {
        if constexpr (W >= kCubeMinWidth) {
            if (t.k == 3) cube_median<3, K, W>(t);
            if (t.k == 5) cube_median<5, K, W>(t);
        }
    });
}

template void cube_tile(const CubeTile<std::uint32_t>&);

}  // namespace fastcpp::median_detail
