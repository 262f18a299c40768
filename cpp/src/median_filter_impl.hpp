#pragma once
// Private pieces of the median filter shared by its source files:
// order-preserving keys, padded tiles, and the per-tile selection kernels.

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "fastcpp/median_filter.hpp"

namespace fastcpp::median_detail {

/// Unsigned integer of `bytes` bytes.
template <std::size_t bytes>
struct UnsignedOf;
template <>
struct UnsignedOf<1> {
    using type = std::uint8_t;
};
template <>
struct UnsignedOf<2> {
    using type = std::uint16_t;
};
template <>
struct UnsignedOf<4> {
    using type = std::uint32_t;
};
template <>
struct UnsignedOf<8> {
    using type = std::uint64_t;
};

/// The key type of T: an unsigned integer of the same width (bool: uint8).
template <class T>
using Key = typename UnsignedOf<sizeof(T)>::type;

/// Order-preserving map T -> Key<T>: a < b (NumPy sort order: NaN last,
/// -0.0 before +0.0) iff key(a) < key(b). Every NaN maps to the largest key.
template <class T>
inline Key<T> to_key(T x) noexcept {
    using K = Key<T>;
    if constexpr (std::is_same_v<T, bool>) {
        return static_cast<K>(x ? 1 : 0);
    } else if constexpr (std::is_floating_point_v<T>) {
        constexpr K sign = K(1) << (8 * sizeof(K) - 1);
        const K bits = std::bit_cast<K>(x);
        if (x != x) return std::numeric_limits<K>::max();
        return (bits & sign) ? static_cast<K>(~bits) : static_cast<K>(bits | sign);
    } else if constexpr (std::is_signed_v<T>) {
        constexpr K sign = K(1) << (8 * sizeof(K) - 1);
        return static_cast<K>(static_cast<K>(x) ^ sign);
    } else {
        return x;
    }
}

/// Inverse of to_key (the largest key of a float type gives the quiet NaN).
template <class T>
inline T from_key(Key<T> k) noexcept {
    using K = Key<T>;
    if constexpr (std::is_same_v<T, bool>) {
        return k != 0;
    } else if constexpr (std::is_floating_point_v<T>) {
        constexpr K sign = K(1) << (8 * sizeof(K) - 1);
        if (k == std::numeric_limits<K>::max()) return std::numeric_limits<T>::quiet_NaN();
        return std::bit_cast<T>((k & sign) ? static_cast<K>(k ^ sign) : static_cast<K>(~k));
    } else if constexpr (std::is_signed_v<T>) {
        constexpr K sign = K(1) << (8 * sizeof(K) - 1);
        return static_cast<T>(static_cast<K>(k ^ sign));
    } else {
        return k;
    }
}

/// Extra key columns allocated after each padded row and output row so that
/// 64-byte vector loads/stores at the end of a row stay inside the buffer.
inline constexpr index_t kSlackBytes = 128;

/// How a key becomes the element type (the inverse of to_key by kind).
enum class KeyXform { identity, sign, floating };

template <class T>
inline constexpr KeyXform xform_of =
    std::is_floating_point_v<T> ? KeyXform::floating
    : (std::is_signed_v<T> && !std::is_same_v<T, bool>) ? KeyXform::sign
                                                        : KeyXform::identity;

/// A padded tile of keys and where its medians go.
/// Output pixel (i, j) of the tile (0 <= i < rows, 0 <= j < cols) has the
/// window pad[(i + di) * pad_stride + j + dj], 0 <= di < kr, 0 <= dj < kc.
template <class K>
struct Tile {
    const K* pad = nullptr;
    index_t pad_stride = 0;  ///< >= cols + kc - 1 + slack
    index_t rows = 0, cols = 0;
    index_t kr = 1, kc = 1;
    K* out = nullptr;        ///< medians, row i at out + i * out_stride
    index_t out_stride = 0;  ///< >= cols + slack
    /// Optional (networks only): write the medians converted to the element
    /// type straight to `direct` + i * direct_stride (elements of sizeof(K),
    /// contiguous within a row) instead of `out`.
    void* direct = nullptr;
    index_t direct_stride = 0;
    KeyXform xform = KeyXform::identity;
};

/// Largest window count the sorting networks can serve (their op tables hold
/// Batcher(81)); kMaxNetworkWide is where they stay faster than histograms.
inline constexpr index_t kMaxNetwork = 81;
inline constexpr index_t kMaxNetworkWide = 49;

/// Medians of a tile by a pruned sorting network; needs kr * kc <= kMaxNetwork.
template <class K>
void network_tile(const Tile<K>& t);

/// Medians of a tile whose values are < `domain` (<= 65536) by Huang's
/// sliding two-level histogram.
template <class R>
void histogram_tile(const Tile<R>& t, index_t domain);

/// Medians of a tile by std::nth_element per pixel (any window size).
template <class K>
void select_tile(const Tile<K>& t);

/// Replaces the `n` keys of `keys` by their ranks among the distinct keys
/// (written to `ranks`), the distinct keys ascending into `uniq`; returns
/// their count. `scratch_*` are work buffers. n must be <= 65536.
template <class K>
index_t compress_ranks(const K* keys, index_t n, std::uint16_t* ranks, K* uniq,
                       std::vector<K>& scratch_keys, std::vector<std::uint32_t>& scratch_idx);

}  // namespace fastcpp::median_detail
