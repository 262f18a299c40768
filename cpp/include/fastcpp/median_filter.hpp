#pragma once
/// @file median_filter.hpp
/// 2-D median filter equal to scipy.ndimage.median_filter(image, size, mode, cval)
/// for every integer type, bool, float and double, selecting exactly (no
/// rounding through double, unlike scipy for 64-bit integers above 2**53).
///
/// Algorithms (all on an order-preserving map of the values to unsigned
/// integer keys, in tiles of output rows padded once by the border mode):
///  - small windows (up to 49 elements for 8/16-bit types, 25 for wider):
///    a median-pruned Batcher odd-even merge sorting network (Batcher 1968;
///    Knuth TAOCP 5.3.4) evaluated with SIMD across 64 bytes of neighbouring
///    output pixels, fully unrolled in registers for common counts (3, 4, 5,
///    9, 15, 16, 21, 25), 3x3 with column sorts shared between neighbours
///    (Paeth 1990; the approach of OpenCV's medianBlur sorting-network path);
///  - medium windows (up to 255 elements for 8-bit, 160 for wider types):
///    radix selection across SIMD lanes, one counting pass per bit of the
///    median (branch-free, data-independent); wider than 16-bit types run on
///    16-bit ranks after coordinate compression (LSD radix sort) of each
///    padded tile, with as many passes as the tile has distinct-value bits;
///  - larger windows: Huang's sliding histogram (Huang, Yang, Tang 1979):
///    one level with a tracked median for 8-bit values, a three-level
///    histogram (after Perreault & Hebert 2007's coarse/fine bins) for 16-bit
///    values and ranks;
///  - windows too large for 16-bit ranks (> 65536 padded elements per row
///    band): std::nth_element per pixel;
///  - NanPolicy::omit medians of windows up to 25 elements (49 on 64-byte
///    vectors): Batcher networks pruned to the lower half's ranks, each SIMD
///    lane picking its own rank (n - #NaN) / 2 (k x k boxes with sorted
///    columns shared between windows, after Adams 2021);
///  - cubic 3 x 3 x 3 and 5 x 5 x 5 medians of 32-bit keys on 32- and
///    64-byte vectors: a separable 3-D sorting network (after Adams 2021):
///    runs sorted along x, those ranks along y, and pairs of output planes
///    merging their shared planes once, pruned by rank bounds
///    (median_filter_3d.cpp);
///  - other 3-D windows on rank compression: up to 8 output planes per
///    tile, so the planes their windows share are compressed once.
/// Floating point: NaN sorts above +inf (NumPy's sort order) and -0.0 below
/// +0.0, so every result is one of the window's values and deterministic.

#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>

#include "fastcpp/strided.hpp"

namespace fastcpp {

/// Border extension of median_filter, with scipy.ndimage's definitions
/// (input `a b c d`):
///  - reflect  (half-sample symmetric): `d c b a | a b c d | d c b a`
///  - mirror   (whole-sample symmetric): `d c b | a b c d | c b a`
///  - nearest  (replicate): `a a a | a b c d | d d d`
///  - wrap     (periodic): `b c d | a b c d | a b c`
///  - constant (cval): `k k k | a b c d | k k k`
enum class BorderMode { reflect, mirror, nearest, wrap, constant };

/// Parses a scipy mode name ("reflect", "mirror", "nearest", "wrap",
/// "constant"; scipy's aliases "grid-mirror", "grid-wrap" and "grid-constant"
/// are accepted too).
/// @param name the mode name
/// @return the BorderMode
/// @throws std::invalid_argument "median_filter: mode (='x') must be one of ..."
[[nodiscard]] BorderMode border_mode_from_name(std::string_view name);

/// An IEEE 754 binary16 value (numpy.float16) held as its 16 bits: the
/// element type of median_filter for half-precision images. The filter
/// selects on the bits (order-preserving keys), so no arithmetic is needed.
struct Half {
    std::uint16_t bits = 0;
    friend bool operator==(Half, Half) = default;
};

/// Element types median_filter accepts.
template <class T>
concept MedianElement = std::is_same_v<T, bool> || std::is_same_v<T, Half> ||
                        std::is_same_v<T, float> || std::is_same_v<T, double> ||
                        std::is_same_v<T, std::int8_t> || std::is_same_v<T, std::uint8_t> ||
                        std::is_same_v<T, std::int16_t> || std::is_same_v<T, std::uint16_t> ||
                        std::is_same_v<T, std::int32_t> || std::is_same_v<T, std::uint32_t> ||
                        std::is_same_v<T, std::int64_t> || std::is_same_v<T, std::uint64_t>;

/// A 2-D strided view: element (r, c) is `data[r * row_stride + c * col_stride]`
/// (strides in elements, any sign), so transposed and sliced images need no copy.
template <class T>
struct ImageView {
    T* data = nullptr;
    index_t rows = 0;
    index_t cols = 0;
    index_t row_stride = 0;  ///< elements between (r, c) and (r + 1, c)
    index_t col_stride = 1;  ///< elements between (r, c) and (r, c + 1)

    T& operator()(index_t r, index_t c) const noexcept {
        return data[r * row_stride + c * col_stride];
    }
    /// A view of non-const elements converts to a view of const ones.
    operator ImageView<const T>() const noexcept  // NOLINT(google-explicit-constructor)
        requires(!std::is_const_v<T>)
    {
        return {data, rows, cols, row_stride, col_stride};
    }
};

/// scipy's conversion of the float `cval` to the image type T, for a window
/// of `window_count` elements: truncation toward zero, then (integer types)
/// wrapping modulo 2**bits as C's conversion on x86-64 does in scipy's rank
/// filter (uint8: -1 -> 255, 300 -> 44); bool is that 8-bit value != 0. With
/// exactly two elements scipy takes the maximum against the unconverted cval,
/// so a cval below the type's range then acts as the type's minimum.
/// float/double/Half: the value rounded to nearest (ties to even).
/// @param cval the border value of BorderMode::constant
/// @param window_count number of elements of the window (rows * cols)
/// @return the border value in T
/// @throws std::invalid_argument for a NaN or infinite cval with an integer or bool T
template <MedianElement T>
[[nodiscard]] T median_filter_cval(double cval, index_t window_count);

/// Median filter of a 2-D image, scipy.ndimage.median_filter's semantics:
/// out(r, c) is the element of rank (size_rows * size_cols) / 2 (0-based; for
/// even counts the upper median, not an average) of the window of rows
/// [r - size_rows/2, r - size_rows/2 + size_rows) and the same for columns,
/// extended past the border by `mode`. Uses every thread (detail::parallel_for).
/// @param in the image
/// @param out the result, same shape as `in` (must not overlap `in`)
/// @param size_rows window height, >= 1 (may exceed the image)
/// @param size_cols window width, >= 1
/// @param mode border extension
/// @param cval border value of BorderMode::constant (see median_filter_cval)
/// @throws std::invalid_argument if a size is < 1 or the shapes differ
template <MedianElement T>
void median_filter(ImageView<const T> in, ImageView<T> out, index_t size_rows, index_t size_cols,
                   BorderMode mode = BorderMode::reflect, T cval = T{});

/// Rank filter, scipy.ndimage.rank_filter's semantics: as median_filter
/// with the element of 0-based position `rank` of each sorted window instead
/// of n / 2 (n = size_rows * size_cols); a negative rank counts from the end
/// (n + rank). Same algorithms (networks pruned to that rank, radix selection,
/// histograms), same NaN order.
/// @throws std::invalid_argument if rank is outside [-n, n), or as median_filter
template <MedianElement T>
void rank_filter(ImageView<const T> in, ImageView<T> out, index_t size_rows, index_t size_cols,
                 index_t rank, BorderMode mode = BorderMode::reflect, T cval = T{});

/// Percentile filter, scipy.ndimage.percentile_filter's semantics:
/// rank_filter with rank percentile_rank(percentile, size_rows * size_cols).
/// @throws std::invalid_argument as percentile_rank and rank_filter
template <MedianElement T>
void percentile_filter(ImageView<const T> in, ImageView<T> out, index_t size_rows,
                       index_t size_cols, double percentile, BorderMode mode = BorderMode::reflect,
                       T cval = T{});

/// scipy.ndimage.percentile_filter's rank for a window of `count` elements:
/// percentile < 0 counts from 100; 100 is the last element, otherwise
/// int(count * percentile / 100).
/// @throws std::invalid_argument if percentile is outside [-100, 100] or NaN
[[nodiscard]] index_t percentile_rank(double percentile, index_t count);

/// An N-D strided view for the N-D filters: element (i0, i1, ...) is
/// `data[i0 * strides[0] + i1 * strides[1] + ...]` (strides in elements, any
/// sign). The spans are borrowed: they must outlive the call.
template <class T>
struct NdView {
    T* data = nullptr;
    std::span<const index_t> shape;
    std::span<const index_t> strides;
};

/// The window of the N-D filters, scipy.ndimage's: `size` has one extent per
/// axis of the image (1 on axes that are not filtered); `footprint`, if not
/// empty, holds prod(size) flags in C order saying which elements of that box
/// belong to the window (at least one must be set); `origin`, if not empty,
/// has one shift per axis with -(size / 2) <= origin <= (size - 1) / 2. The
/// window of output x covers input x - size / 2 - origin + k, 0 <= k < size,
/// along every axis.
struct FilterWindow {
    std::span<const index_t> size;
    std::span<const std::uint8_t> footprint;
    std::span<const index_t> origin;
};

/// What the N-D filters do with NaN in a window (floating types only; for
/// other types both are the same).
///  - sort: NaN sorts above every number (NumPy's sort order);
///  - omit: the window's non-NaN values only: median at index n_valid / 2,
///    rank r (negative: n_valid + r), percentile p at
///    percentile_rank(p, n_valid); NaN where that rank is not in [0, n_valid).
enum class NanPolicy { sort, omit };

/// The border value of BorderMode::constant for the N-D filters, with what
/// scipy (x86-64 builds) makes of an integer image's cval beyond T's range
/// (`beyond` = +1 above, -1 below, 0 inside or a floating T). scipy reaches a
/// window's element in one of three ways, so there are three values:
///  - `value`: most paths (every N-D rank between the extremes, a minimum or
///    maximum over a footprint with holes) C-convert cval to T and compare it
///    as an ordinary element (x86-64's cvttsd2si: 8/16-bit types wrap within
///    the int32 range and are 0 beyond it, int32/int64 become their lowest
///    value, uint32 wraps within int64; uint64 goes through a double);
///  - `winner`: a minimum (rank 0) or maximum (rank n - 1) over a full box
///    runs 1-D passes on the unconverted value, so one beyond on the winning
///    side wins wherever the window meets the border (written as the
///    C-converted `winner`) and one beyond on the other side never wins;
///  - `wrapped`: a 1-D image's ranks between the extremes (scipy's int64
///    path, taken when size - ((box - 1) / 2 - origin) >= 0 or the image has
///    one element) compare the unconverted value too: it sorts below or above
///    every element and, where selected, is written modulo 2**bits (bool:
///    != 0).
/// scipy holds those elements as doubles: a uint64 `value` within 1024 of
/// 2**64 (cval -1, -2...) becomes 2**64 there, sorts above every element and
/// is written as 0 (`value_sorts_last`).
template <class T>
struct BorderValue {
    T value{};
    int beyond = 0;
    T winner{};
    T wrapped{};
    bool value_sorts_last = false;
    /// One value for every path (a cval inside T's range).
    static constexpr BorderValue of(T v) noexcept { return {v, 0, v, v, false}; }
};

/// scipy's conversion of a float cval for the N-D filters (see BorderValue).
/// @throws std::invalid_argument for a NaN or infinite cval with an integer or bool T
template <MedianElement T>
[[nodiscard]] BorderValue<T> border_value(double cval);

/// N-D rank filter, scipy.ndimage.rank_filter(in, rank, size/footprint,
/// mode=mode, cval=cval, origin=origin) for any ndim >= 1: the element of
/// 0-based position `rank` (negative: from the end) of each sorted window of
/// n elements. 2-D windows (and N-D ones whose filtered axes are two) use the
/// 2-D machinery; N-D windows are stacked into it plane by plane (the padded
/// tile holds every plane the window spans, the window is a list of offsets),
/// so memory grows with the image, never with the window. `out` must not
/// overlap `in`; nothing is written if an argument is bad.
/// @throws std::invalid_argument on bad sizes, footprint, origin, rank or shapes
template <MedianElement T>
void rank_filter(NdView<const T> in, NdView<T> out, const FilterWindow& window, index_t rank,
                 BorderMode mode = BorderMode::reflect, BorderValue<T> cval = {},
                 NanPolicy nan_policy = NanPolicy::sort);

/// N-D median filter: rank_filter at n / 2 (nan_policy omit: n_valid / 2).
template <MedianElement T>
void median_filter(NdView<const T> in, NdView<T> out, const FilterWindow& window,
                   BorderMode mode = BorderMode::reflect, BorderValue<T> cval = {},
                   NanPolicy nan_policy = NanPolicy::sort);

/// N-D percentile filter: rank_filter at percentile_rank(percentile, n).
template <MedianElement T>
void percentile_filter(NdView<const T> in, NdView<T> out, const FilterWindow& window,
                       double percentile, BorderMode mode = BorderMode::reflect,
                       BorderValue<T> cval = {}, NanPolicy nan_policy = NanPolicy::sort);

/// median_filter on C-contiguous row-major buffers of `rows` x `cols`.
/// @throws std::invalid_argument if a buffer's length is not rows * cols, or as above
template <MedianElement T>
void median_filter(std::span<const T> in, std::span<T> out, index_t rows, index_t cols,
                   index_t size_rows, index_t size_cols, BorderMode mode = BorderMode::reflect,
                   T cval = T{});

}  // namespace fastcpp
