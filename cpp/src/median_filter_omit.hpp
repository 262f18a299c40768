#pragma once
// nan_policy="omit" medians of small windows by sorting networks
// (median_filter_omit.cpp), for the median filter's driver.

#include "median_filter_impl.hpp"

namespace fastcpp::median_detail {

/// Largest window count whose nan_policy="omit" median can run on sorting
/// networks (the op tables' size).
inline constexpr index_t kMaxOmitNetwork = 49;

/// Whether omit_network_tile beats rank compression plus radix selection for
/// windows of n elements with keys of `key_bytes` at the active level
/// (measured, 512^2 float16/32/64, 10% NaN): up to 25 elements except 64-bit
/// keys on 16-byte vectors (SSE2 has no 64-bit compare); up to 49 on 64-byte
/// vectors for 32- and 64-bit keys.
[[nodiscard]] bool omit_network_serves(index_t n, std::size_t key_bytes) noexcept;

/// NanPolicy::omit medians of a tile (t.n <= kMaxOmitNetwork; keys with NaN
/// as the largest key): each window's element n_valid / 2 of its keys
/// sorted, into t.out (a NaN key where the whole window is NaN).
template <class K>
void omit_network_tile(const Tile<K>& t);

}  // namespace fastcpp::median_detail
