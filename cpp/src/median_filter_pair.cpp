// Median filter, square boxes 4 x 4 ... 11 x 11 (8- and 32-bit keys, at every
// vector width), two output rows per network: the
// column-sharing separable sorting networks of Adams ("Fast median filters
// using separable sorting networks", ACM TOG 40(4), 2021), built at compile
// time from Batcher's odd-even merges (median_filter_network.hpp) and pruned
// to the ranks that can still be the median. Its own translation unit: these
// are the largest unrolled networks, compiled per size, key type and level,
// in parallel with median_filter_network.cpp (and 11 x 11 in
// median_filter_pair_11.cpp). The kernel: median_filter_pair.hpp.
#include "median_filter_pair.hpp"

namespace fastcpp::median_detail::net {
namespace {

template <class K, int... k>
void pairs_of(const Tile<K>& t, index_t g, std::integer_sequence<int, k...>) {
    (void)((t.kr == kBoxPairsMin + k && (pairs_k<kBoxPairsMin + k>(t, g), true)) || ...);
}

}  // namespace

template <class K>
void box_pairs_tile(const Tile<K>& t, index_t g) {
    pairs_of(t, g, std::make_integer_sequence<int, kBoxPairsMax - kBoxPairsMin + 1>{});
}

template void box_pairs_tile(const Tile<std::uint8_t>&, index_t);
template void box_pairs_tile(const Tile<std::uint32_t>&, index_t);

}  // namespace fastcpp::median_detail::net
