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
static_assert(sizeof(Half) == 2);

/// Order-preserving map T -> Key<T>: a < b (NumPy sort order: NaN last,
/// -0.0 before +0.0) iff key(a) < key(b). Every NaN maps to the largest key.
template <class T>
inline Key<T> to_key(T x) noexcept {
    using K = Key<T>;
    if constexpr (std::is_same_v<T, bool>) {
        return static_cast<K>(x ? 1 : 0);
    } else if constexpr (std::is_floating_point_v<T> || std::is_same_v<T, Half>) {
        // Integer operations only, no branch: the padding loops vectorise.
        using S = std::make_signed_t<K>;
        constexpr int top = 8 * sizeof(K) - 1;
        constexpr K sign = K(1) << top;
        constexpr K inf = std::is_same_v<T, Half> ? K(0x7C00u)
                          : sizeof(K) == 4        ? K(0x7F800000u)
                                                  : K(0x7FF0000000000000ull);
        const K bits = std::bit_cast<K>(x);
        const auto flip = static_cast<K>(static_cast<K>(static_cast<S>(bits) >> top) | sign);
        const auto key = static_cast<K>(bits ^ flip);  // negative: ~bits; else bits | sign
        // NaN: all ones. A signed comparison (|bits| fits) and an or: AVX2
        // has no unsigned one (GCC made it a min, a compare and a blend).
        const auto nan =
            static_cast<K>(0 - static_cast<K>(static_cast<S>(bits & ~sign) > static_cast<S>(inf)));
        return static_cast<K>(key | nan);
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
    } else if constexpr (std::is_same_v<T, Half>) {
        if (k == std::numeric_limits<K>::max()) return Half{0x7E00};
        return Half{(k & 0x8000u) ? static_cast<K>(k ^ 0x8000u) : static_cast<K>(~k)};
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

/// Image index of padded position i (may be outside [0, n)) under `mode`,
/// scipy.ndimage's definitions; -1 for the constant border.
inline index_t map_index(index_t i, index_t n, BorderMode mode) noexcept {
    if (i >= 0 && i < n) return i;
    auto mod = [](index_t a, index_t p) {
        const index_t r = a % p;
        return r < 0 ? r + p : r;
    };
    switch (mode) {
        case BorderMode::constant:
            return -1;
        case BorderMode::nearest:
            return i < 0 ? 0 : n - 1;
        case BorderMode::wrap:
            return n <= 1 ? 0 : mod(i, n);
        case BorderMode::reflect: {
            if (n <= 1) return 0;
            const index_t j = mod(i, 2 * n);
            return j < n ? j : 2 * n - 1 - j;
        }
        case BorderMode::mirror: {
            if (n <= 1) return 0;
            const index_t j = mod(i, 2 * n - 2);
            return j < n ? j : 2 * n - 2 - j;
        }
    }
    return 0;
}

// The SIMD kernels (sorting networks, radix selection) are written once on
// GCC vector types of W bytes and compiled per level: with_vector_width()
// calls f.template operator()<W>() inside a wrapper compiled for the CPU's
// level (flatten: the kernel, marked FASTCPP_MEDIAN_KERNEL, is inlined into
// it), with W that level's register width.
#define FASTCPP_MEDIAN_KERNEL [[gnu::always_inline]] inline

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__SANITIZE_ADDRESS__) && !defined(FASTCPP_NO_CLONES)
#define FASTCPP_MEDIAN_LEVELS 1
#else
#define FASTCPP_MEDIAN_LEVELS 0
#endif

/// Vector bytes of the level the kernels run at: 64 (x86-64-v4), 32
/// (x86-64-v3) or 16 (baseline: SSE2, or NEON on aarch64). Without per-level
/// builds: the width the compiler targets.
[[nodiscard]] int vector_bytes() noexcept;

#if FASTCPP_MEDIAN_LEVELS
template <class F>
[[gnu::noinline, gnu::flatten]] void at_width16(F& f) {
    f.template operator()<16>();
}
template <class F>
[[gnu::noinline, gnu::flatten]] __attribute__((target("arch=x86-64-v3"))) void at_width32(F& f) {
    f.template operator()<32>();
}
template <class F>
[[gnu::noinline, gnu::flatten]] __attribute__((target("arch=x86-64-v4"))) void at_width64(F& f) {
    f.template operator()<64>();
}

template <class F>
void with_vector_width(F&& f) {
    switch (vector_bytes()) {
        case 64:
            return at_width64(f);
        case 32:
            return at_width32(f);
        default:
            return at_width16(f);
    }
}
#else
/// Without per-level builds (sanitizers, other compilers and CPUs): the one
/// width the compiler targets, the only one instantiated. Wider vectors would
/// be compiled lane by lane and never run: in sanitizer builds those were
/// most of median_filter_large.cpp's compile time.
#if defined(__AVX512BW__)
inline constexpr int kTargetVectorBytes = 64;
#elif defined(__AVX2__)
inline constexpr int kTargetVectorBytes = 32;
#else
inline constexpr int kTargetVectorBytes = 16;
#endif

template <class F>
void with_vector_width(F&& f) {
    f.template operator()<kTargetVectorBytes>();
}
#endif

/// Widest tile of the SIMD kernels on keys (networks, radix selection), in
/// output columns: make_plan's limit, which network_3x3's buffers rely on.
inline constexpr index_t kMaxVectorTileCols = 4096;

/// Extra key columns allocated after each padded row and output row so that
/// 64-byte vector loads/stores at the end of a row stay inside the buffer.
inline constexpr index_t kSlackBytes = 128;

/// How a key becomes the element type (the inverse of to_key by kind).
enum class KeyXform { identity, sign, floating };

template <class T>
inline constexpr KeyXform xform_of =
    (std::is_floating_point_v<T> || std::is_same_v<T, Half>) ? KeyXform::floating
    : (std::is_signed_v<T> && !std::is_same_v<T, bool>)      ? KeyXform::sign
                                                             : KeyXform::identity;

/// A run of a window along one padded row: elements off ... off + len - 1
/// (offsets from the window's origin in the tile).
struct Run {
    index_t off = 0, len = 0;
};

/// Which rank a window with NaN omitted selects (NanPolicy::omit).
enum class RankRule { median, rank, percentile };

/// Where the 3x3 kernel reads a tile's padded rows when they come straight
/// from the image (no padded copy): padded row p, column q is element
/// col0 + q of rows[p] for q0 <= q < q1 (at least one vector of the widest
/// level: loads stay inside the row), and element colmap[q] (< 0: the
/// constant border, ckey) for the few border columns outside. Elements
/// have the key's width; `kind` says how they become keys (to_key in
/// registers). A row of the constant border is a row of that value.
template <class K>
struct ImageRows {
    const void* const* rows = nullptr;  ///< tile rows + 2 padded rows
    index_t col0 = 0, q0 = 0, q1 = 0;
    const index_t* colmap = nullptr;
    KeyXform kind = KeyXform::identity;
    K ckey = 0;
};

/// A padded tile of keys and where its medians go.
/// Output pixel (i, j) of the tile (0 <= i < rows, 0 <= j < cols) has the
/// window pad[i * pad_stride + j + off[w]], 0 <= w < n. The same window as
/// runs along padded rows (the histograms slide them); `box2d`: the window
/// is the kr x kc box of consecutive padded rows (the 3x3 shortcut).
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
    index_t rank = 0;  ///< 0-based position selected in each sorted window
    const index_t* off = nullptr;
    index_t n = 0;
    const Run* runs = nullptr;
    index_t nruns = 0;
    bool box2d = false;
    /// Optional (network_tile, 3x3 boxes): the padded rows are read from
    /// the image, `pad` is unused.
    const ImageRows<K>* image = nullptr;
    /// NanPolicy::omit (select_tile only): keys equal to nan_key are NaN;
    /// each window's rank follows `rule` over its n_valid other keys.
    bool omit = false;
    K nan_key = 0;
    RankRule rule = RankRule::median;
    index_t raw_rank = 0;  ///< rank_filter's rank as given (negative: from the end)
    double percentile = 0.0;
};

/// Largest window count the sorting networks can serve (their op tables hold
/// Batcher(81)); kMaxNetworkWide is where they stay faster than histograms.
inline constexpr index_t kMaxNetwork = 81;
inline constexpr index_t kMaxNetworkWide = 49;

/// Ranks of a tile by a pruned sorting network; needs kr * kc <= kMaxNetwork.
template <class K>
void network_tile(const Tile<K>& t);

/// Largest side k of a square 2-D box (Tile::box2d, kr == kc, the median
/// rank) whose median network_tile computes with the shared-row networks,
/// faster than radix selection or rank compression there; 0 where those
/// are not compiled (sanitizer builds).
[[nodiscard]] index_t network_box_max(std::size_t key_bytes) noexcept;

/// Largest window count served by radix selection: counts must fit the
/// lanes (8-bit: 255); with 16 passes (16-bit values, ranks) histograms
/// catch up at about 200 elements.
inline constexpr index_t kMaxRadix8 = 255;
inline constexpr index_t kMaxRadix16 = 160;

/// Largest window count for which sorting networks beat rank compression
/// plus radix selection on 32- and 64-bit keys (16 or 8 lanes per vector).
inline constexpr index_t kMaxNetwork64 = 25;

/// Medians of a tile of values below 2**bits by radix selection across SIMD
/// lanes: one pass per bit counts the window below a per-pixel candidate and
/// decides that bit of the median. Needs kr * kc < 2**(8 * sizeof(R)).
template <class R>
void radix_tile(const Tile<R>& t, int bits);

/// Medians of a tile whose values are < `domain` (<= 65536) by Huang's
/// sliding two-level histogram.
template <class R>
void histogram_tile(const Tile<R>& t, index_t domain);

/// Medians of a tile by std::nth_element per pixel (any window size).
template <class K>
void select_tile(const Tile<K>& t);

/// A tile of the cubic k x k x k median (median_filter_3d.cpp): `group`
/// output planes of rows x cols, padded as k + group - 1 planes of
/// rows + k - 1 rows (plane q, row p at pad + (q * (rows + k - 1) + p) *
/// pad_stride; each row readable for cols + k - 1 + 15 keys); the median
/// keys of output plane g, row i at out + g * out_plane_stride + i *
/// out_stride (each row writable for cols + 15 keys).
template <class K>
struct CubeTile {
    const K* pad = nullptr;
    index_t pad_stride = 0;
    index_t rows = 0, cols = 0, k = 0, group = 1;
    K* out = nullptr;
    index_t out_stride = 0, out_plane_stride = 0;
};

/// Cube sides cube_tile serves: 3 and 5 up to cube_max(key bytes), which is
/// 0 where the kernels are not compiled (other key widths, 16-byte vectors,
/// sanitizer builds).
inline constexpr index_t kCubeMax = 5;
[[nodiscard]] index_t cube_max(std::size_t key_bytes) noexcept;

/// Medians of a cubic tile by the separable 3-D sorting network.
template <class K>
void cube_tile(const CubeTile<K>& t);

/// Replaces the `n` keys of `keys` by their ranks among the distinct keys
/// (written to `ranks`), the distinct keys ascending into `uniq`; returns
/// their count. `scratch_*` are work buffers. n must be <= 65536.
template <class K>
index_t compress_ranks(const K* keys, index_t n, std::uint16_t* ranks, K* uniq,
                       std::vector<K>& scratch_keys, std::vector<std::uint32_t>& scratch_idx);

/// Multiplicity of every image index in the window [start, start + s) of an
/// axis of n pixels padded by `mode`: w[k] for image index k < n, w[n] for
/// the constant border. O(n) time and memory for any s.
void axis_weights(index_t start, index_t s, index_t n, BorderMode mode,
                  std::vector<std::int64_t>& w);

/// Rank filter of a rows x cols grid of value ranks (< domain) for windows of
/// any size: out[i * cols + j] is the element of 0-based position `rank` of
/// the sorted sr x sc window of rows i - cr ..., columns j - cc ... under
/// `mode`. `grid` has (rows + 1) x
/// (cols + 1) entries: row `rows` and column `cols` hold the constant border's
/// rank. Memory and time grow with the image only (weighted histogram).
void weighted_filter(const std::uint32_t* grid, index_t rows, index_t cols, index_t domain,
                     index_t sr, index_t sc, index_t cr, index_t cc, BorderMode mode,
                     std::int64_t rank, std::uint32_t* out);

}  // namespace fastcpp::median_detail
