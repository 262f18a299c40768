#pragma once
// Median of large square boxes by interpreted separable sorting networks
// (median_filter_large.cpp).
#include "median_filter_impl.hpp"

namespace fastcpp::median_detail {

/// Square boxes (Tile::box2d, kr == kc, the median rank) of sides
/// kLargeBoxMin ... kLargeBoxMax on 8- and 32-bit keys (uint8, float32 and
/// other 4-byte images): Adams' separable networks with R output rows per
/// pass, interpreted on blocks of vectors. The kernel reads only the padded
/// columns and writes only the output columns; the tile keeps
/// kLargeSlackBytes past them as a margin.
inline constexpr index_t kLargeBoxMin = 10;
inline constexpr index_t kLargeBoxMax = 25;
inline constexpr index_t kLargeSlackBytes = kSlackBytes + 10 * 64;

/// Largest side served at vector width W, where these networks stop beating
/// radix selection (8-bit keys; histograms from 16 x 16) and rank compression
/// plus radix selection (32-bit keys), measured at 512 x 512 with the 2-D
/// sharing: interpreted, their cost grows about as k**2.5 per pixel, the
/// others' about as k. (32-bit keys at 23 ... 25 x 25 with AVX2 cost about
/// the same either way; the networks keep the steps between sizes small.)
constexpr index_t large_box_max(std::size_t key_bytes, int W) noexcept {
    if (key_bytes == 1) return W >= 32 ? 25 : 15;
    if (key_bytes == 4) return W >= 32 ? 25 : 15;
    return 0;
}

template <class K>
void large_box_tile(const Tile<K>& t);

}  // namespace fastcpp::median_detail
