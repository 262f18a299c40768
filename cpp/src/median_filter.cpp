// Median filter driver: argument checks, scipy's border modes and cval rule,
// tiling, padding into order-preserving keys, algorithm choice, threads.
#include <algorithm>
#include <bit>
#include <cmath>
#include <string>
#include <vector>

#include "fastcpp/detail/checks.hpp"
#include "fastcpp/detail/parallel.hpp"
#include "fastcpp/detail/simd.hpp"
#include "median_filter_impl.hpp"

namespace fastcpp {

BorderMode border_mode_from_name(std::string_view name) {
    if (name == "reflect" || name == "grid-mirror") return BorderMode::reflect;
    if (name == "mirror") return BorderMode::mirror;
    if (name == "nearest") return BorderMode::nearest;
    if (name == "wrap" || name == "grid-wrap") return BorderMode::wrap;
    if (name == "constant" || name == "grid-constant") return BorderMode::constant;
    throw std::invalid_argument(
        detail::message("median_filter: mode (='", name,
                        "') must be one of 'reflect', 'nearest', 'mirror', 'constant', 'wrap'"));
}

namespace {

/// binary16 bits of x rounded to nearest, ties to even (overflow: +-inf).
Half half_from_double(double x) noexcept {
    const auto sign = static_cast<std::uint16_t>(std::signbit(x) ? 0x8000u : 0u);
    if (std::isnan(x)) return Half{static_cast<std::uint16_t>(sign | 0x7E00u)};
    const double a = std::fabs(x);
    if (a >= 65520.0) return Half{static_cast<std::uint16_t>(sign | 0x7C00u)};  // rounds to inf
    if (a < 0x1p-14) {  // subnormal: multiples of 2**-24 (1024 carries into the first normal)
        const auto r = static_cast<std::uint16_t>(std::nearbyint(a * 0x1p24));
        return Half{static_cast<std::uint16_t>(sign | r)};
    }
    int e = 0;
    (void)std::frexp(a, &e);  // a = m * 2**e, m in [0.5, 1)
    // 11 significant bits: q in [1024, 2048]; 2048 carries into the exponent.
    const auto q = static_cast<std::uint32_t>(std::nearbyint(std::ldexp(a, 11 - e)));
    const auto bits = static_cast<std::uint32_t>((e - 1 + 15) << 10) + q - 1024u;
    return Half{static_cast<std::uint16_t>(sign | bits)};
}

}  // namespace

template <MedianElement T>
T median_filter_cval(double cval, index_t window_count) {
    if constexpr (std::is_same_v<T, Half>) {
        (void)window_count;
        return half_from_double(cval);
    } else if constexpr (std::is_floating_point_v<T>) {
        (void)window_count;
        return static_cast<T>(cval);
    } else {
        detail::require(std::isfinite(cval), "median_filter", "cval (=", cval,
                        ") must be finite for an integer or bool image");
        const double v = std::trunc(cval);
        constexpr double lowest =
            std::is_same_v<T, bool> ? 0.0 : static_cast<double>(std::numeric_limits<T>::lowest());
        if (window_count == 2 && v < lowest) return std::numeric_limits<T>::lowest();
        // v modulo 2**64, exactly.
        constexpr double two64 = 18446744073709551616.0, two63 = 9223372036854775808.0;
        std::uint64_t u;
        if (v >= 0) {
            u = static_cast<std::uint64_t>(std::fmod(v, two64));
        } else {
            double m = std::fmod(v, two64);  // in (-2**64, 0]
            if (m >= -two63)
                u = static_cast<std::uint64_t>(static_cast<std::int64_t>(m));
            else
                u = static_cast<std::uint64_t>(m + two64);
        }
        if constexpr (std::is_same_v<T, bool>) {
            return static_cast<std::uint8_t>(u) != 0;
        } else {
            using U = std::make_unsigned_t<T>;
            return static_cast<T>(static_cast<U>(u));
        }
    }
}

namespace {

using median_detail::Key;
using median_detail::map_index;
using median_detail::Tile;

enum class Algo { network, radix, histogram, compressed, select };

/// Geometry of the tiles of one call.
struct Plan {
    Algo algo = Algo::select;
    index_t tile_rows = 1, tile_cols = 1;
    index_t slack = 0;  ///< extra key columns per padded/output row
};

template <class T>
Plan make_plan(index_t rows, index_t cols, index_t sr, index_t sc) {
    using K = Key<T>;
    const index_t n = sr * sc;
    Plan p;
    // Rows per tile: what fits the cache budget, but no more than a quarter of
    // one thread's share of the rows, so ranges of whole tiles balance.
    const index_t share =
        std::max<index_t>(1, (rows + 4 * static_cast<index_t>(num_threads()) - 1) /
                                 (4 * static_cast<index_t>(num_threads())));
    auto rows_for = [&](index_t budget_elems, index_t pad_stride) {
        const index_t r = budget_elems / pad_stride - (sr - 1);
        return std::clamp<index_t>(std::min(r, std::max(share, 2 * sr)), 1, rows);
    };
    // Below 512-bit vectors a 32-bit key has 8 (or 4) lanes: rank compression
    // plus 16 radix passes then loses to the unrolled 6x6 and 7x7 networks.
    const bool wide_vectors = median_detail::vector_bytes() >= 64;
    const index_t max_network = sizeof(K) == 4 && !wide_vectors ? median_detail::kMaxNetworkWide
                                : sizeof(K) >= 4                ? median_detail::kMaxNetwork64
                                                                : median_detail::kMaxNetworkWide;
    if (n <= max_network) {
        p.algo = Algo::network;
        p.slack = median_detail::kSlackBytes / static_cast<index_t>(sizeof(K));
        p.tile_cols = std::min<index_t>(cols, 4096);
        const index_t stride = p.tile_cols + sc - 1 + p.slack;
        p.tile_rows = rows_for((index_t{1} << 16) / static_cast<index_t>(sizeof(K)), stride);
        return p;
    }
    if (n <= (sizeof(K) == 1   ? median_detail::kMaxRadix8
              : sizeof(K) == 2 ? median_detail::kMaxRadix16
                               : 0)) {
        p.algo = Algo::radix;
        p.slack = median_detail::kSlackBytes / static_cast<index_t>(sizeof(K));
        p.tile_cols = std::min<index_t>(cols, 4096);
        const index_t stride = p.tile_cols + sc - 1 + p.slack;
        p.tile_rows = rows_for((index_t{1} << 16) / static_cast<index_t>(sizeof(K)), stride);
        return p;
    }
    if (sizeof(K) <= 2) {
        p.algo = Algo::histogram;
        p.tile_cols = std::min<index_t>(cols, 2048);
        const index_t stride = p.tile_cols + sc - 1;
        p.tile_rows = rows_for(index_t{1} << 16, stride);
        return p;
    }
    // Wider keys: ranks within a tile must fit 16 bits (slack columns too:
    // the radix pass reads whole vectors).
    constexpr index_t limit = index_t{1} << 16;
    p.slack = median_detail::kSlackBytes / 2;
    index_t tc = std::min<index_t>(cols, std::max<index_t>(256, 4 * sc));
    while (tc > 1 && sr * (tc + sc - 1 + p.slack) > limit) tc = (tc + 1) / 2;
    if (sr * (tc + sc - 1 + p.slack) > limit) {
        p.slack = 0;
        p.algo = Algo::select;
        p.tile_cols = std::min<index_t>(cols, 64);
        p.tile_rows = 1;
        return p;
    }
    p.algo = Algo::compressed;
    p.tile_cols = tc;
    p.tile_rows = rows_for(limit, tc + sc - 1 + p.slack);
    return p;
}

/// Per-thread buffers, reused across the tiles of one range.
template <class K>
struct Scratch {
    std::vector<K> pad, out;
    std::vector<std::uint16_t> ranks, rank_out;
    std::vector<K> uniq, sort_keys;
    std::vector<std::uint32_t> sort_idx;
};

template <class T>
FASTCPP_KERNEL void run_tile(ImageView<const T> in, ImageView<T> out, index_t sr, index_t sc,
                             Key<T> ckey, const std::vector<index_t>& rowmap,
                             const std::vector<index_t>& colmap, const Plan& plan, index_t rank,
                             index_t r0, index_t c0, Scratch<Key<T>>& s) {
    using K = Key<T>;
    const index_t tr = std::min(plan.tile_rows, in.rows - r0);
    const index_t tc = std::min(plan.tile_cols, in.cols - c0);
    const index_t ph = tr + sr - 1, pw = tc + sc - 1;
    const index_t pad_stride = pw + plan.slack;
    const index_t out_stride = tc + plan.slack;
    s.pad.resize(static_cast<std::size_t>(ph * pad_stride + plan.slack));
    s.out.resize(static_cast<std::size_t>(tr * out_stride + plan.slack));
    // Pad: rowmap/colmap give the image index of every padded position.
    const index_t* cm = colmap.data() + c0;
    // Interior run of columns that map to themselves.
    index_t q0 = 0, q1 = pw;
    auto interior = [&](index_t q) { return cm[q] >= 0 && cm[q] == c0 + q - sc / 2; };
    while (q0 < pw && !interior(q0)) ++q0;
    while (q1 > q0 && !interior(q1 - 1)) --q1;
    for (index_t p = 0; p < ph; ++p) {
        K* dst = s.pad.data() + p * pad_stride;
        const index_t r = rowmap[static_cast<std::size_t>(r0 + p)];
        if (r < 0) {
            std::fill(dst, dst + pw, ckey);
            continue;
        }
        const T* src = in.data + r * in.row_stride;
        const index_t cs = in.col_stride;
        auto border = [&](index_t q) {
            return cm[q] < 0 ? ckey : median_detail::to_key(src[cm[q] * cs]);
        };
        for (index_t q = 0; q < q0; ++q) dst[q] = border(q);
        const T* run = q0 < q1 ? src + (c0 + q0 - sc / 2) * cs : src;
        if (cs == 1) {
            for (index_t q = q0; q < q1; ++q) dst[q] = median_detail::to_key(run[q - q0]);
        } else {
            for (index_t q = q0; q < q1; ++q) dst[q] = median_detail::to_key(run[(q - q0) * cs]);
        }
        for (index_t q = q1; q < pw; ++q) dst[q] = border(q);
    }
    // Keys (or ranks) of the tile -> T in `out`. Local pointers: a store
    // through T* (possibly a char type) must not force reloads of the source.
    auto write = [&](const auto* keys, auto&& value_of) {
        const index_t os = out.col_stride;
        for (index_t i = 0; i < tr; ++i) {
            T* __restrict o = &out(r0 + i, c0);
            const auto* __restrict k = keys + i * out_stride;
            if (os == 1) {
                for (index_t j = 0; j < tc; ++j) o[j] = value_of(k[j]);
            } else {
                for (index_t j = 0; j < tc; ++j) o[j * os] = value_of(k[j]);
            }
        }
    };
    if (plan.algo == Algo::compressed) {
        if constexpr (sizeof(K) > 2) {
            const index_t count = ph * pad_stride;
            s.ranks.resize(static_cast<std::size_t>(count + plan.slack));
            s.rank_out.resize(static_cast<std::size_t>(tr * out_stride + plan.slack));
            s.uniq.resize(static_cast<std::size_t>(count));
            const index_t domain = median_detail::compress_ranks(
                s.pad.data(), count, s.ranks.data(), s.uniq.data(), s.sort_keys, s.sort_idx);
            Tile<std::uint16_t> t{s.ranks.data(),    pad_stride, tr, tc, sr, sc,
                                  s.rank_out.data(), out_stride};
            t.rank = rank;
            if (sr * sc <= median_detail::kMaxRadix16)
                median_detail::radix_tile(
                    t, std::max(1, static_cast<int>(
                                       std::bit_width(static_cast<std::uint64_t>(domain - 1)))));
            else
                median_detail::histogram_tile(t, domain);
            const K* uniq = s.uniq.data();
            write(s.rank_out.data(),
                  [uniq](std::uint16_t r) { return median_detail::from_key<T>(uniq[r]); });
        }
        return;
    }
    Tile<K> t{s.pad.data(), pad_stride, tr, tc, sr, sc, s.out.data(), out_stride};
    t.rank = rank;
    switch (plan.algo) {
        case Algo::network:
            if (out.col_stride == 1) {  // convert in registers, no second pass
                t.direct = &out(r0, c0);
                t.direct_stride = out.row_stride;
                t.xform = median_detail::xform_of<T>;
                median_detail::network_tile(t);
                return;
            }
            median_detail::network_tile(t);
            break;
        case Algo::radix:
            if constexpr (sizeof(K) <= 2) {
                constexpr int bits = 8 * sizeof(K);
                if (out.col_stride == 1) {
                    t.direct = &out(r0, c0);
                    t.direct_stride = out.row_stride;
                    t.xform = median_detail::xform_of<T>;
                    median_detail::radix_tile(t, bits);
                    return;
                }
                median_detail::radix_tile(t, bits);
            }
            break;
        case Algo::histogram:
            if constexpr (sizeof(K) <= 2)
                median_detail::histogram_tile(t, index_t{1} << (8 * sizeof(K)));
            break;
        default:
            median_detail::select_tile(t);
            break;
    }
    write(s.out.data(), [](K k) { return median_detail::from_key<T>(k); });
}

/// Windows wider than about twice the image along an axis: the exact
/// weighted-histogram filter on the image's value ranks (memory and time grow
/// with the image, not the window).
template <class T>
void huge_filter(ImageView<const T> in, ImageView<T> out, index_t sr, index_t sc, BorderMode mode,
                 Key<T> ckey, std::int64_t rank) {
    using K = Key<T>;
    const index_t rows = in.rows, cols = in.cols, gs = cols + 1;
    std::vector<K> uniq;
    uniq.reserve(static_cast<std::size_t>(rows * cols + 1));
    for (index_t r = 0; r < rows; ++r)
        for (index_t c = 0; c < cols; ++c) uniq.push_back(median_detail::to_key(in(r, c)));
    uniq.push_back(ckey);
    std::sort(uniq.begin(), uniq.end());
    uniq.erase(std::unique(uniq.begin(), uniq.end()), uniq.end());
    auto rank_of = [&](K k) {
        return static_cast<std::uint32_t>(std::lower_bound(uniq.begin(), uniq.end(), k) -
                                          uniq.begin());
    };
    std::vector<std::uint32_t> grid(static_cast<std::size_t>((rows + 1) * gs));
    for (index_t r = 0; r <= rows; ++r)
        for (index_t c = 0; c <= cols; ++c)
            grid[static_cast<std::size_t>(r * gs + c)] =
                r < rows && c < cols ? rank_of(median_detail::to_key(in(r, c))) : rank_of(ckey);
    std::vector<std::uint32_t> res(static_cast<std::size_t>(rows * cols));
    median_detail::weighted_filter(grid.data(), rows, cols, static_cast<index_t>(uniq.size()), sr,
                                   sc, mode, rank, res.data());
    for (index_t r = 0; r < rows; ++r)
        for (index_t c = 0; c < cols; ++c)
            out(r, c) =
                median_detail::from_key<T>(uniq[res[static_cast<std::size_t>(r * cols + c)]]);
}

/// Marks "the median" for filter().
constexpr index_t kMedianRank = std::numeric_limits<index_t>::min();

/// The rank filter behind median_filter and rank_filter (`func` names the
/// caller in messages); rank kMedianRank means n / 2, a negative rank counts
/// from the end (n + rank) as scipy's.
template <MedianElement T>
void filter(const char* func, ImageView<const T> in, ImageView<T> out, index_t size_rows,
            index_t size_cols, index_t rank, BorderMode mode, T cval) {
    detail::require(size_rows >= 1, func, "size (=", size_rows, ") must be >= 1 along rows");
    detail::require(size_cols >= 1, func, "size (=", size_cols, ") must be >= 1 along columns");
    detail::require(size_rows <= (index_t{1} << 31) / size_cols, func, "size (=(", size_rows, ", ",
                    size_cols,
                    ")) is too large, the window "
                    "must have at most 2**31 elements");
    detail::require(in.rows == out.rows && in.cols == out.cols, func, "out has shape (", out.rows,
                    ", ", out.cols, "), the image has shape (", in.rows, ", ", in.cols, ")");
    detail::require(in.rows >= 0 && in.cols >= 0, func, "image shape must not be negative");
    const index_t count = size_rows * size_cols;
    if (rank == kMedianRank) rank = count / 2;
    detail::require(rank >= -count && rank < count, func, "rank (=", rank,
                    ") must be in [-n, n) for a window of n = ", count, " elements");
    if (rank < 0) rank += count;
    if (in.rows == 0 || in.cols == 0) return;
    using K = Key<T>;
    const K ckey = median_detail::to_key(cval);
    const index_t sr = size_rows, sc = size_cols;
    if (sr > 2 * in.rows + 2 || sc > 2 * in.cols + 2)
        return huge_filter<T>(in, out, sr, sc, mode, ckey, rank);
    std::vector<index_t> rowmap(static_cast<std::size_t>(in.rows + sr - 1));
    std::vector<index_t> colmap(static_cast<std::size_t>(in.cols + sc - 1));
    for (index_t p = 0; p < in.rows + sr - 1; ++p)
        rowmap[static_cast<std::size_t>(p)] = map_index(p - sr / 2, in.rows, mode);
    for (index_t q = 0; q < in.cols + sc - 1; ++q)
        colmap[static_cast<std::size_t>(q)] = map_index(q - sc / 2, in.cols, mode);
    const Plan plan = make_plan<T>(in.rows, in.cols, sr, sc);
    const index_t tiles_r = (in.rows + plan.tile_rows - 1) / plan.tile_rows;
    const index_t tiles_c = (in.cols + plan.tile_cols - 1) / plan.tile_cols;
    // Grain: a thread start (~20-50 us) must buy at least ~100 us of work.
    // Rough per-pixel costs measured on x86-64-v4: networks ~0.02 ns per
    // window element and key byte, histograms ~3 ns per window row, ranks
    // ~4 ns per window row + 20 ns, nth_element ~5 ns per window element.
    const double n = static_cast<double>(sr * sc);
    double ns_per_pixel = 5.0 * n;
    if (plan.algo == Algo::network)
        ns_per_pixel = 0.02 * n * static_cast<double>(sizeof(K));
    else if (plan.algo == Algo::radix)
        ns_per_pixel = 0.01 * n * static_cast<double>(8 * sizeof(K) * sizeof(K));
    else if (plan.algo == Algo::histogram)
        ns_per_pixel = 3.0 * static_cast<double>(sr);
    else if (plan.algo == Algo::compressed)
        ns_per_pixel = 20.0 + (n <= static_cast<double>(median_detail::kMaxRadix16)
                                   ? 0.3 * n
                                   : 4.0 * static_cast<double>(sr));
    const double tile_ns =
        ns_per_pixel * static_cast<double>(plan.tile_rows * plan.tile_cols) + 1.0;
    const auto grain = static_cast<index_t>(std::ceil(1e5 / tile_ns));
    detail::parallel_for(tiles_r * tiles_c, grain, [&](index_t lo, index_t hi) {
        thread_local Scratch<K> s;  // kept by the calling thread across calls
        for (index_t k = lo; k < hi; ++k)
            detail::dispatch([&] {
                run_tile<T>(in, out, sr, sc, ckey, rowmap, colmap, plan, rank,
                            (k / tiles_c) * plan.tile_rows, (k % tiles_c) * plan.tile_cols, s);
            });
    });
}

}  // namespace

template <MedianElement T>
void median_filter(ImageView<const T> in, ImageView<T> out, index_t size_rows, index_t size_cols,
                   BorderMode mode, T cval) {
    filter<T>("median_filter", in, out, size_rows, size_cols, kMedianRank, mode, cval);
}

template <MedianElement T>
void rank_filter(ImageView<const T> in, ImageView<T> out, index_t size_rows, index_t size_cols,
                 index_t rank, BorderMode mode, T cval) {
    detail::require(rank != kMedianRank, "rank_filter", "rank (=", rank, ") is out of range");
    filter<T>("rank_filter", in, out, size_rows, size_cols, rank, mode, cval);
}

template <MedianElement T>
void percentile_filter(ImageView<const T> in, ImageView<T> out, index_t size_rows,
                       index_t size_cols, double percentile, BorderMode mode, T cval) {
    // Bad sizes are reported by filter(); until then any count will do.
    const bool sizes_ok =
        size_rows >= 1 && size_cols >= 1 && size_rows <= (index_t{1} << 31) / size_cols;
    const index_t rank = percentile_rank(percentile, sizes_ok ? size_rows * size_cols : 1);
    filter<T>("percentile_filter", in, out, size_rows, size_cols, rank, mode, cval);
}

index_t percentile_rank(double percentile, index_t count) {
    detail::require(percentile >= -100.0 && percentile <= 100.0, "percentile_filter",
                    "percentile (=", percentile, ") must be in [-100, 100]");
    if (percentile < 0.0) percentile += 100.0;
    if (percentile == 100.0) return count - 1;
    return static_cast<index_t>(static_cast<double>(count) * percentile / 100.0);
}

template <MedianElement T>
void median_filter(std::span<const T> in, std::span<T> out, index_t rows, index_t cols,
                   index_t size_rows, index_t size_cols, BorderMode mode, T cval) {
    detail::require(rows >= 0 && cols >= 0, "median_filter", "shape (", rows, ", ", cols,
                    ") must not be negative");
    const auto n = static_cast<std::size_t>(rows * cols);
    detail::require(in.size() == n, "median_filter", "image has ", in.size(),
                    " elements, rows * cols is ", n);
    detail::require(out.size() == n, "median_filter", "out has ", out.size(),
                    " elements, rows * cols is ", n);
    median_filter(ImageView<const T>{in.data(), rows, cols, cols, 1},
                  ImageView<T>{out.data(), rows, cols, cols, 1}, size_rows, size_cols, mode, cval);
}

#define FASTCPP_MEDIAN_INSTANTIATE(T)                                                              \
    template T median_filter_cval<T>(double, index_t);                                             \
    template void median_filter<T>(ImageView<const T>, ImageView<T>, index_t, index_t, BorderMode, \
                                   T);                                                             \
    template void median_filter<T>(std::span<const T>, std::span<T>, index_t, index_t, index_t,    \
                                   index_t, BorderMode, T);                                        \
    template void rank_filter<T>(ImageView<const T>, ImageView<T>, index_t, index_t, index_t,      \
                                 BorderMode, T);                                                   \
    template void percentile_filter<T>(ImageView<const T>, ImageView<T>, index_t, index_t, double, \
                                       BorderMode, T);
FASTCPP_MEDIAN_INSTANTIATE(bool)
FASTCPP_MEDIAN_INSTANTIATE(Half)
FASTCPP_MEDIAN_INSTANTIATE(std::int8_t)
FASTCPP_MEDIAN_INSTANTIATE(std::uint8_t)
FASTCPP_MEDIAN_INSTANTIATE(std::int16_t)
FASTCPP_MEDIAN_INSTANTIATE(std::uint16_t)
FASTCPP_MEDIAN_INSTANTIATE(std::int32_t)
FASTCPP_MEDIAN_INSTANTIATE(std::uint32_t)
FASTCPP_MEDIAN_INSTANTIATE(std::int64_t)
FASTCPP_MEDIAN_INSTANTIATE(std::uint64_t)
FASTCPP_MEDIAN_INSTANTIATE(float)
FASTCPP_MEDIAN_INSTANTIATE(double)
#undef FASTCPP_MEDIAN_INSTANTIATE

}  // namespace fastcpp
