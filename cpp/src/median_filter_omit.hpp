#pragma once
// nan_policy="omit" medians of small windows by sorting networks
// (median_filter_omit.cpp), for the median filter's driver.

#include "median_filter_impl.hpp"

namespace fastcpp::median_detail {

/// Largest window count whose nan_policy="omit" median runs on sorting
/// networks: beyond it rank compression plus radix selection is as fast.
inline constexpr index_t kMaxOmitNetwork = 49;

/// NanPolicy::omit medians of a tile (t.n <= kMaxOmitNetwork; keys with NaN
/// as the largest key): each window's element n_valid / 2 of its keys
/// sorted, into t.out (a NaN key where the whole window is NaN).
template <class K>
void omit_network_tile(const Tile<K>& t);

}  // namespace fastcpp::median_detail
