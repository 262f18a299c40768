// The 11 x 11 pair networks (median_filter_pair.hpp), 8- and 32-bit keys at
// every level: a translation unit of their own because they take as long to
// compile as the sizes 4 ... 10 together (median_filter_pair.cpp).
#include "median_filter_pair.hpp"

namespace fastcpp::median_detail::net {

static_assert(kBoxPairsMax == 11, "the largest pair network is compiled here");

template void pairs_k<11, std::uint8_t>(const Tile<std::uint8_t>&, index_t);
template void pairs_k<11, std::uint32_t>(const Tile<std::uint32_t>&, index_t);

}  // namespace fastcpp::median_detail::net
