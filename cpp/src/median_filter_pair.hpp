#pragma once
// The pair networks' kernel (median_filter_pair.cpp): medians of k x k
// boxes, two output rows per network, at every vector width. A header so
// that the largest sizes compile in translation units of their own, in
// parallel (median_filter_pair_11.cpp).
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "fastcpp/detail/dispatch.hpp"
#include "median_filter_impl.hpp"
#include "median_filter_network.hpp"

// The 64-byte vectors never cross a non-inlined call, so the ABI note about
// passing them without AVX-512 does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace fastcpp::median_detail::net {

/// Median of k x k boxes, two output rows at a time (BoxPairNet, lo = t,
/// paired): per pair of rows, each padded column's k - 1 shared values are
/// sorted once into `sorted` (rank r at sorted + r * len), and each padded
/// column's sorted values are merged once with the next column's into
/// `pairs` (rank r at pairs + r * len); each block of lanes then runs the
/// core network once on the box's pairs and the final one per row. An odd
/// last row runs the same code with its upper box standing in for the lower
/// one (whose last row is not padded) and stores the upper box's medians
/// only.
/// The box's columns are `g` keys apart (g > 1: interleaved channels).
/// The networks compare NetLanes (keys, or flipped keys in signed lanes).
template <int k, class K, int W>
FASTCPP_MEDIAN_KERNEL void network_box_pairs(const Tile<K>& tile, index_t g) {  // allocates
    using Lanes = NetLanes<K, W>;
    using V = Vec<typename Lanes::type, W>;      // `sorted` holds these lanes
    using P = BoxPairNetOf<k, k * k / 2, true>;  // core ranks t - k .. t
    constexpr int m = k - 1;
    constexpr index_t lanes = W / sizeof(K);
    const Tile<K> t = tile;
    const index_t pw = t.cols + (k - 1) * g;
    const index_t len = (pw + lanes - 1) / lanes * lanes + lanes;
    thread_local std::vector<K> buf;
    const auto need = static_cast<std::size_t>(3 * m * len);
    if (buf.size() < need) buf.resize(need);
    K* const sorted = buf.data();
    K* const pairs = sorted + m * len;
    auto key = [](const K* p) __attribute__((always_inline)) { return load<V>(p) ^ Lanes::flip; };
    for (index_t i = 0; i < t.rows; i += 2) {
        const K* top = t.pad + i * t.pad_stride;  // the upper box's first row
        for (index_t q = 0; q < pw; q += lanes) {
            V c[m];
#pragma GCC unroll 16
            for (int r = 0; r < m; ++r) c[r] = key(top + (r + 1) * t.pad_stride + q);
            run_list<P::value.col>(
                c, std::make_index_sequence<static_cast<std::size_t>(P::value.col.count)>{});
#pragma GCC unroll 16
            for (int r = 0; r < m; ++r) std::memcpy(sorted + r * len + q, &c[r], sizeof(V));
        }
        // Columns q and q + g merged; the last pair a window reads starts
        // at padded column pw - 1 - g.
        for (index_t q = 0; q < pw - g; q += lanes) {
            V c[2 * m];
#pragma GCC unroll 32
            for (int w = 0; w < 2 * m; ++w)
                c[w] = load<V>(sorted + (w % m) * len + q + (w / m) * g);
            run_list<P::value.pair>(
                c, std::make_index_sequence<static_cast<std::size_t>(P::value.pair.count)>{});
#pragma GCC unroll 32
            for (int r = 0; r < 2 * m; ++r)
                std::memcpy(pairs + r * len + q, &c[P::value.pair_out[static_cast<std::size_t>(r)]],
                            sizeof(V));
        }
        auto core = [&](index_t j, V* f) __attribute__((always_inline)) {
            V r[k * m];
            // Wire w: column c = w / m of the box, rank w % m; an even
            // column's wires hold its pair's 2m ranks (BoxPairNet, paired).
#pragma GCC unroll 128
            for (int w = 0; w < k * m; ++w) {
                const int c = w / m / 2 * 2;  // the pair's (or the odd last column's) first column
                const bool single = c + 1 >= k;
                r[w] = single ? load<V>(sorted + (w % m) * len + j + c * g)
                              : load<V>(pairs + (w - c * m) * len + j + c * g);
            }
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
            for (int c = 0; c < k; ++c) f[k + 1 + c] = key(row + c * g);
            run_list<P::value.fin>(
                f, std::make_index_sequence<static_cast<std::size_t>(P::value.fin.count)>{});
            return f[P::value.out[0]];
        };
        const bool two = i + 1 < t.rows;
        const K* below = two ? top + k * t.pad_stride : top;  // the lower box's last row
        using VK = Vec<K, W>;
        emit_rows<K, W, 2, Copies::lean>(
            t, i, two ? 2 : 1, [&](index_t j, VK* r) __attribute__((always_inline)) {
                V kept[k + 1];
                core(j, kept);
                r[0] = reinterpret_cast<VK>(box(kept, top + j) ^ Lanes::flip);
                r[1] = reinterpret_cast<VK>(box(kept, below + j) ^ Lanes::flip);
            });
    }
}

/// network_box_pairs<k> at the level's width, compiled only where the
/// box_pairs_max table has it.
template <int k, class K>
void pairs_k(const Tile<K>& t, index_t g) {
    with_vector_width([&]<int W>() {
        if constexpr (k <= box_pairs_max(sizeof(K), W)) network_box_pairs<k, K, W>(t, g);
    });
}

/// The 11 x 11 kernels take as long to compile as all smaller sizes
/// together: median_filter_pair_11.cpp instantiates them.
extern template void pairs_k<11, std::uint8_t>(const Tile<std::uint8_t>&, index_t);
extern template void pairs_k<11, std::uint32_t>(const Tile<std::uint32_t>&, index_t);

}  // namespace fastcpp::median_detail::net
