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
#include "median_filter_large.hpp"
#include "median_filter_omit.hpp"

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

/// C's conversion of the integral double t to T as x86-64 compilers emit it
/// (cvttsd2si; scipy's binaries): types narrower than 32 bits go through
/// int32, uint32 through int64, uint64 through int64 or t - 2**63; a source
/// beyond the intermediate type gives its "integer indefinite", the lowest
/// value (which narrows to 0).
template <class T>
T x86_cast(double t) noexcept {
    constexpr double two31 = 2147483648.0, two63 = 9223372036854775808.0;
    auto to32 = [&](double v) {
        return v >= -two31 && v < two31 ? static_cast<std::int32_t>(v)
                                        : std::numeric_limits<std::int32_t>::min();
    };
    auto to64 = [&](double v) {
        return v >= -two63 && v < two63 ? static_cast<std::int64_t>(v)
                                        : std::numeric_limits<std::int64_t>::min();
    };
    if constexpr (std::is_same_v<T, bool>) {
        return static_cast<std::uint8_t>(to32(t)) != 0;  // npy_bool is a byte
    } else if constexpr (sizeof(T) < 4 || (sizeof(T) == 4 && std::is_signed_v<T>)) {
        return static_cast<T>(static_cast<std::make_unsigned_t<T>>(to32(t)));
    } else if constexpr (sizeof(T) == 4 || std::is_signed_v<T>) {
        return static_cast<T>(static_cast<std::uint64_t>(to64(t)));
    } else {
        if (t < two63) return static_cast<T>(to64(t));
        return static_cast<T>(static_cast<std::uint64_t>(to64(t - two63)) ^
                              (std::uint64_t{1} << 63));
    }
}

}  // namespace

template <MedianElement T>
BorderValue<T> border_value(double cval) {
    const T plain = median_filter_cval<T>(cval, 3);  // checks cval
    if constexpr (std::is_integral_v<T>) {
        const double t = std::trunc(cval);
        // max + 1 and lowest are powers of two (or 0, 2 for bool): exact doubles
        constexpr double above =
            std::is_same_v<T, bool>
                ? 2.0
                : 2.0 * static_cast<double>(std::numeric_limits<T>::max() / 2 + 1);
        constexpr double bottom =
            std::is_same_v<T, bool> ? 0.0 : static_cast<double>(std::numeric_limits<T>::lowest());
        BorderValue<T> b;
        b.beyond = t >= above ? 1 : t < bottom ? -1 : 0;
        b.winner = x86_cast<T>(t);
        // scipy's rank paths hold elements as doubles: the converted value
        // goes through one more conversion (only uint64 can change).
        b.value = x86_cast<T>(static_cast<double>(b.winner));
        if constexpr (std::is_same_v<T, std::uint64_t>)
            b.value_sorts_last = static_cast<double>(b.winner) >= 18446744073709551616.0;
        // scipy's 1-D path: int64, then NumPy's wrapping cast (bool: != 0).
        if constexpr (std::is_same_v<T, bool>)
            b.wrapped = t != 0.0;
        else
            b.wrapped = plain;
        return b;
    } else {
        return BorderValue<T>::of(plain);
    }
}

namespace {

using median_detail::Key;
using median_detail::map_index;
using median_detail::Run;
using median_detail::Tile;

enum class Algo { network, omit_network, radix, histogram, compressed, select, cube, large };

/// One axis of a normalised call: the window of output x covers image
/// positions x + lo ... x + lo + ext - 1 along it.
struct Axis {
    index_t n = 1;
    index_t in_stride = 0, out_stride = 0;
    index_t lo = 0, ext = 1;
    /// > 1: this column axis is pixels x `group` interleaved channels
    /// (positions p = x * group + c), the border mode acts on x.
    index_t group = 1;
};

/// A call in the order the tiles use: batch axes (not filtered) outermost,
/// then plane axes, then the row and column axes of the 2-D tiles. The
/// window is `count` elements, each with coordinates (planes..., row, col)
/// relative to the axes' `lo`.
struct Layout {
    std::vector<Axis> batch, planes;
    Axis row, col;
    std::vector<index_t> coords;  ///< count x (planes.size() + 2)
    index_t count = 0;
    bool box = true;
    index_t plane_count = 1;  ///< product of the planes' extents

    [[nodiscard]] index_t dims() const noexcept { return static_cast<index_t>(planes.size()) + 2; }
    [[nodiscard]] bool huge() const noexcept {
        bool h = row.ext > 2 * row.n + 2 || col.ext > 2 * col.n + 2;
        for (const Axis& a : planes) h = h || a.ext > 2 * a.n + 2;
        return h;
    }
};

/// Checks the window against the image and normalises the call.
Layout make_layout(const char* func, std::span<const index_t> shape,
                   std::span<const index_t> in_strides, std::span<const index_t> out_shape,
                   std::span<const index_t> out_strides, const FilterWindow& w) {
    const auto nd = static_cast<index_t>(shape.size());
    detail::require(nd >= 1, func, "image must have at least one dimension");
    detail::require(static_cast<index_t>(in_strides.size()) == nd, func, "image has ", nd,
                    " dimensions but ", in_strides.size(), " strides");
    detail::require(out_shape.size() == shape.size() && out_strides.size() == shape.size() &&
                        std::equal(shape.begin(), shape.end(), out_shape.begin()),
                    func, "out must have the image's shape");
    detail::require(static_cast<index_t>(w.size.size()) == nd, func, "size has ", w.size.size(),
                    " entries, the image has ", nd, " dimensions");
    detail::require(w.origin.empty() || static_cast<index_t>(w.origin.size()) == nd, func,
                    "origin has ", w.origin.size(), " entries, the image has ", nd, " dimensions");
    index_t box_count = 1;
    for (index_t d = 0; d < nd; ++d) {
        const index_t s = w.size[static_cast<std::size_t>(d)];
        detail::require(shape[static_cast<std::size_t>(d)] >= 0, func,
                        "image shape must not be negative");
        detail::require(s >= 1, func, "size (=", s, ") must be >= 1 along axis ", d);
        detail::require(s <= (index_t{1} << 31) / box_count, func,
                        "size is too large, the window must have at most 2**31 elements");
        box_count *= s;
        const index_t o = w.origin.empty() ? 0 : w.origin[static_cast<std::size_t>(d)];
        detail::require(o >= -(s / 2) && o <= (s - 1) / 2, func, "origin (=", o,
                        ") must be in [-(size // 2), (size - 1) // 2] = [", -(s / 2), ", ",
                        (s - 1) / 2, "] along axis ", d);
    }
    const bool box = w.footprint.empty();
    detail::require(box || static_cast<index_t>(w.footprint.size()) == box_count, func,
                    "footprint has ", w.footprint.size(), " elements, its shape holds ", box_count);
    // Bounding box of the window's elements, per axis.
    std::vector<index_t> kmin(static_cast<std::size_t>(nd), 0), kmax(static_cast<std::size_t>(nd));
    for (index_t d = 0; d < nd; ++d)
        kmax[static_cast<std::size_t>(d)] = w.size[static_cast<std::size_t>(d)] - 1;
    index_t count = box_count;
    if (!box) {
        count = 0;
        std::fill(kmin.begin(), kmin.end(), std::numeric_limits<index_t>::max());
        std::fill(kmax.begin(), kmax.end(), -1);
        std::vector<index_t> k(static_cast<std::size_t>(nd), 0);
        for (index_t e = 0; e < box_count; ++e) {
            if (w.footprint[static_cast<std::size_t>(e)]) {
                ++count;
                for (std::size_t d = 0; d < k.size(); ++d) {
                    kmin[d] = std::min(kmin[d], k[d]);
                    kmax[d] = std::max(kmax[d], k[d]);
                }
            }
            for (index_t d = nd - 1; d >= 0; --d) {
                if (++k[static_cast<std::size_t>(d)] < w.size[static_cast<std::size_t>(d)]) break;
                k[static_cast<std::size_t>(d)] = 0;
            }
        }
        detail::require(count >= 1, func, "footprint must have at least one element set");
    }
    std::vector<Axis> axes(static_cast<std::size_t>(nd));
    for (index_t d = 0; d < nd; ++d) {
        const auto u = static_cast<std::size_t>(d);
        const index_t o = w.origin.empty() ? 0 : w.origin[u];
        axes[u] = {shape[u], in_strides[u], out_strides[u], -(w.size[u] / 2) - o + kmin[u],
                   kmax[u] - kmin[u] + 1};
    }
    // Column axis: the filtered one with the smallest input stride; row: the
    // next; the other filtered axes are planes. Without enough filtered axes,
    // unfiltered ones (window extent 1) serve, else virtual axes of length 1.
    std::vector<index_t> filtered, rest;
    for (index_t d = 0; d < nd; ++d) {
        const Axis& a = axes[static_cast<std::size_t>(d)];
        (a.ext > 1 || a.lo != 0 ? filtered : rest).push_back(d);
    }
    auto by_stride = [&](index_t a, index_t b) {
        return std::abs(axes[static_cast<std::size_t>(a)].in_stride) <
               std::abs(axes[static_cast<std::size_t>(b)].in_stride);
    };
    auto take = [&](std::vector<index_t>& from, bool longest) -> index_t {
        if (from.empty()) return -1;
        auto it = longest ? std::max_element(from.begin(), from.end(),
                                             [&](index_t a, index_t b) {
                                                 return axes[static_cast<std::size_t>(a)].n <
                                                        axes[static_cast<std::size_t>(b)].n;
                                             })
                          : std::min_element(from.begin(), from.end(), by_stride);
        const index_t d = *it;
        from.erase(it);
        return d;
    };
    index_t col = take(filtered, false);
    if (col < 0) col = take(rest, false);
    index_t row = take(filtered, false);
    if (row < 0) row = take(rest, true);
    Layout L;
    L.box = box;
    L.col = col >= 0 ? axes[static_cast<std::size_t>(col)] : Axis{};
    L.row = row >= 0 ? axes[static_cast<std::size_t>(row)] : Axis{};
    for (index_t d : filtered) L.planes.push_back(axes[static_cast<std::size_t>(d)]);
    for (index_t d : rest) L.batch.push_back(axes[static_cast<std::size_t>(d)]);
    for (const Axis& a : L.planes) L.plane_count *= a.ext;
    // Interleaved channels (an (H, W, C) image filtered over H and W): the
    // contiguous channel axis joins the column axis, so rows are read and
    // written with stride 1 and the channels share every vector.
    index_t group = 1;
    if (!L.huge() && L.col.ext > 1)
        for (auto it = L.batch.begin(); it != L.batch.end(); ++it)
            if (it->in_stride == 1 && it->out_stride == 1 && it->n > 1 && it->n <= 8 &&
                L.col.in_stride == it->n && L.col.out_stride == it->n &&
                (L.col.ext - 1) * it->n + 1 <= 2 * L.col.n * it->n + 2) {
                group = it->n;
                L.col = Axis{
                    L.col.n * group, 1, 1, L.col.lo * group, (L.col.ext - 1) * group + 1, group};
                L.box = false;  // the merged window has holes
                L.batch.erase(it);
                break;
            }
    // Window coordinates in (planes..., row, col) order.
    std::vector<index_t> order(filtered);
    order.push_back(row);
    order.push_back(col);
    L.count = count;
    // A box too wide for tiles goes to the weighted filters, which need no
    // element list (it would grow with the window).
    if (box && L.huge()) return L;
    L.coords.reserve(static_cast<std::size_t>(count * L.dims()));
    std::vector<index_t> k(static_cast<std::size_t>(nd), 0);
    for (index_t e = 0; e < box_count; ++e) {
        if (box || w.footprint[static_cast<std::size_t>(e)])
            for (index_t d : order)
                L.coords.push_back(
                    d < 0 ? 0
                          : (k[static_cast<std::size_t>(d)] - kmin[static_cast<std::size_t>(d)]) *
                                (d == col ? group : 1));
        for (index_t d = nd - 1; d >= 0; --d) {
            if (++k[static_cast<std::size_t>(d)] < w.size[static_cast<std::size_t>(d)]) break;
            k[static_cast<std::size_t>(d)] = 0;
        }
    }
    return L;
}

/// Whether the 3x3 median's tiles read the image's rows in place
/// (network_3x3 with Tile::image) instead of a padded copy of keys: a 2-D
/// 3x3 box on contiguous columns, rank 4 (the median). make_plan sizes the
/// tiles for it; run_tile also needs each tile's run of interior columns
/// to hold a vector of the widest level.
bool reads_image_rows(const Layout& L, Algo algo, index_t rank) {
    return algo == Algo::network && L.box && L.plane_count == 1 && L.row.ext == 3 &&
           L.col.ext == 3 && rank == 4 && L.col.in_stride == 1;
}

/// Geometry of the tiles of one call.
struct Plan {
    Algo algo = Algo::select;
    index_t tile_rows = 1, tile_cols = 1;
    index_t slack = 0;  ///< extra key columns per padded/output row
    /// Output planes per tile along the one plane axis (3-D windows on
    /// rank compression): the tile pads and compresses the planes they
    /// share once, instead of once per output plane.
    index_t plane_group = 1;
};

template <class T>
Plan make_plan(const Layout& L, bool omit, bool median, index_t rank) {
    using K = Key<T>;
    const index_t rows = L.row.n, cols = L.col.n;
    const index_t er = L.row.ext, sc = L.col.ext, P = L.plane_count;
    const index_t kr = P * er;  // padded rows one output row's window spans
    const index_t n = L.count;
    Plan p;
    // Rows per tile: what fits the cache budget, but no more than a quarter of
    // one thread's share of the rows, so ranges of whole tiles balance.
    const index_t share =
        std::max<index_t>(1, (rows + 4 * static_cast<index_t>(num_threads()) - 1) /
                                 (4 * static_cast<index_t>(num_threads())));
    auto rows_for = [&](index_t budget_elems, index_t pad_stride, index_t planes = 0) {
        const index_t r = budget_elems / (pad_stride * (planes > 0 ? planes : P)) - (er - 1);
        return std::clamp<index_t>(std::min(r, std::max(share, 2 * er)), 1, rows);
    };
    // The SIMD kernels on keys (networks, radix selection): rows of up to
    // 4096 columns, slack after each for whole-vector loads and stores, 64 KiB
    // of keys per tile.
    auto vector_tiles = [&](Algo algo) {
        p.algo = algo;
        p.slack = median_detail::kSlackBytes / static_cast<index_t>(sizeof(K));
        p.tile_cols = std::min<index_t>(cols, median_detail::kMaxVectorTileCols);
        const index_t stride = p.tile_cols + sc - 1 + p.slack;
        // The 3x3 median reads contiguous rows in place (run_tile): no padded
        // copy to keep in cache, so its tiles are as tall as 8-bit ones.
        const bool in_place = reads_image_rows(L, algo, rank);
        p.tile_rows =
            rows_for((index_t{1} << 16) / (in_place ? 1 : static_cast<index_t>(sizeof(K))), stride);
        // An even count: the 3x3 and pair networks make two output rows a
        // pass, and an odd tile's last pass costs about as much as two rows.
        if (p.tile_rows < rows && p.tile_rows > 2) p.tile_rows &= ~index_t{1};
        return p;
    };
    // nan_policy omit: per-pixel ranks. The median of small windows by
    // sorting networks with a rank per lane, of medium ones by radix
    // selection with a rank per lane (16-bit keys or ranks); other rules and
    // larger windows by selection on the keys.
    if (omit && median && median_detail::omit_network_serves(n, sizeof(K)))
        return vector_tiles(Algo::omit_network);
    const bool omit_radix = omit && median && n <= median_detail::kMaxRadix16;
    if (omit && !omit_radix) {
        p.tile_cols = std::min<index_t>(cols, 1024);
        p.tile_rows = rows_for(index_t{1} << 16, p.tile_cols + sc - 1);
        return p;
    }
    if (omit_radix && sizeof(K) == 2) return vector_tiles(Algo::radix);
    // Cubic 3 x 3 x 3 and 5 x 5 x 5 boxes (32-bit keys, 32- and 64-byte
    // vectors): the separable 3-D network, up to 16 output planes of 16 rows
    // per tile (pairs of planes share their common planes; the padding and
    // the x and y sorts of a padded plane serve every output plane of the
    // tile: 16 x 16 pads 1.7 keys per output, 8 x 8 2.4; the kernel's
    // buffers then take about 0.7 MiB).
    const index_t cube = median && !omit && L.box && L.planes.size() == 1 && L.col.group == 1 &&
                                 P == er && er == sc && (er == 3 || er == 5)
                             ? er
                             : 0;
    if (cube > 0 && cube <= median_detail::cube_max(sizeof(K))) {
        p.algo = Algo::cube;
        p.slack = median_detail::kSlackBytes / static_cast<index_t>(sizeof(K));
        p.tile_cols = std::min<index_t>(cols, 64);
        p.tile_rows = std::min<index_t>(rows, 16);
        p.plane_group = std::min<index_t>(L.planes[0].n, 16);
        return p;
    }
    // Below 512-bit vectors a 32-bit key has 8 (or 4) lanes: rank compression
    // plus 16 radix passes then loses to the unrolled 6x6 and 7x7 networks.
    const bool wide_vectors = median_detail::vector_bytes() >= 64;
    const index_t max_network = sizeof(K) == 4 && !wide_vectors ? median_detail::kMaxNetworkWide
                                : sizeof(K) >= 4                ? median_detail::kMaxNetwork64
                                                                : median_detail::kMaxNetworkWide;
    const bool box_pairs =
        median && L.box && P == 1 && er == sc && er <= median_detail::network_box_max(sizeof(K));
    if ((n <= max_network || box_pairs) && !omit_radix) return vector_tiles(Algo::network);
    // Larger square boxes of 8- and 32-bit keys: the interpreted separable
    // networks (median_filter_large.cpp). They stay within the padded width
    // (kLargeSlackBytes keeps a margin), and a pass shares k - R + 1 padded rows
    // between R output rows: tiles of at most 1024 columns and 256 KiB of
    // keys keep enough rows per tile.
    if (median && !omit && L.box && P == 1 && er == sc && rank == n / 2 &&
        er >= median_detail::kLargeBoxMin &&
        er <= median_detail::large_box_max(sizeof(K), median_detail::vector_bytes())) {
        p.algo = Algo::large;
        p.slack = median_detail::kLargeSlackBytes / static_cast<index_t>(sizeof(K));
        p.tile_cols = std::min<index_t>(cols, 1024);
        const index_t stride = p.tile_cols + sc - 1 + p.slack;
        p.tile_rows = rows_for((index_t{1} << 18) / static_cast<index_t>(sizeof(K)), stride);
        return p;
    }
    if (n <= (sizeof(K) == 1   ? median_detail::kMaxRadix8
              : sizeof(K) == 2 ? median_detail::kMaxRadix16
                               : 0))
        return vector_tiles(Algo::radix);
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
    while (tc > 1 && kr * (tc + sc - 1 + p.slack) > limit) tc = (tc + 1) / 2;
    // One plane axis: up to 8 output planes per tile where the 16-bit ranks
    // still hold two windows' rows per plane.
    if (L.planes.size() == 1 && kr * (tc + sc - 1 + p.slack) <= limit) {
        const index_t planes_n = L.planes[0].n;
        for (index_t g = std::min<index_t>(8, planes_n); g > 1; --g)
            if ((P + g - 1) * 2 * er * (tc + sc - 1 + p.slack) <= limit) {
                p.plane_group = g;
                break;
            }
    }
    if (kr * (tc + sc - 1 + p.slack) > limit) {
        p.slack = 0;
        p.algo = Algo::select;
        p.tile_cols = std::min<index_t>(cols, 64);
        p.tile_rows = 1;
        return p;
    }
    p.algo = Algo::compressed;
    p.tile_cols = tc;
    p.tile_rows = rows_for(limit, tc + sc - 1 + p.slack, P + p.plane_group - 1);
    return p;
}

/// Per-thread buffers, reused across the tiles of one range.
template <class K>
struct Scratch {
    std::vector<K> pad, out;
    std::vector<std::uint16_t> ranks, rank_out;
    std::vector<K> uniq, sort_keys;
    std::vector<std::uint32_t> sort_idx;
    std::vector<index_t> off;
    std::vector<Run> runs;
    std::vector<const void*> plane_base;
    std::vector<const void*> rows;  ///< the 3x3 kernel's image rows
    std::vector<K> border_row;      ///< a row of the constant border for it
};

/// Everything a tile needs besides its position.
template <class T>
struct Call {
    const Layout* L = nullptr;
    const T* in = nullptr;
    T* out = nullptr;
    Key<T> ckey{};
    std::vector<index_t> rowmap, colmap;
    std::vector<std::vector<index_t>> planemap;  ///< per plane axis, x + k -> image index
    Plan plan;
    index_t rank = 0;
    BorderMode mode = BorderMode::reflect;
    bool omit = false;
    median_detail::RankRule rule = median_detail::RankRule::median;
    index_t raw_rank = 0;
    double percentile = 0.0;
};

/// Filters one tile: output rows [r0, r0 + tile_rows) and columns
/// [c0, c0 + tile_cols) of the 2-D slice at input offset `in_off`, output
/// offset `out_off`, plane output coordinates `xp`; with one plane axis,
/// `group` output planes xp[0] ... xp[0] + group - 1 (Plan::plane_group:
/// rank compression only), else 1.
template <class T>
FASTCPP_KERNEL void run_tile(const Call<T>& C, index_t in_off, index_t out_off, const index_t* xp,
                             index_t group, index_t r0, index_t c0, Scratch<Key<T>>& s) {
    using K = Key<T>;
    const Layout& L = *C.L;
    const Plan& plan = C.plan;
    const index_t er = L.row.ext, sc = L.col.ext, P = L.plane_count;
    const index_t tr = std::min(plan.tile_rows, L.row.n - r0);
    const index_t tc = std::min(plan.tile_cols, L.col.n - c0);
    const index_t prows = tr + er - 1;  // padded rows per plane
    const index_t PP = P + group - 1;   // padded planes
    const index_t ph = PP * prows, pw = tc + sc - 1;
    // Rank compression sorts every key of the tile: no slack per row there
    // (a last vector reads into the next row, its extra lanes are dropped;
    // the buffer's end keeps the slack).
    const index_t pad_stride = pw + (plan.algo == Algo::compressed ? 0 : plan.slack);
    const index_t out_stride = tc + plan.slack;
    // Buffers only grow: a short last tile must not shrink them, or the next
    // call's first tile zero-fills them again (a tenth of a 3x3 call).
    auto grow = [](auto& v, index_t size) {
        if (v.size() < static_cast<std::size_t>(size)) v.resize(static_cast<std::size_t>(size));
    };
    grow(s.pad, ph * pad_stride + plan.slack);
    grow(s.out, tr * out_stride + plan.slack);
    // The window as offsets in this tile, sorted, and as runs along rows.
    const index_t nd = L.dims(), np = nd - 2;
    s.off.resize(static_cast<std::size_t>(L.count));
    for (index_t w = 0; w < L.count; ++w) {
        const index_t* k = L.coords.data() + w * nd;
        index_t q = 0;
        for (index_t d = 0; d < np; ++d) q = q * L.planes[static_cast<std::size_t>(d)].ext + k[d];
        s.off[static_cast<std::size_t>(w)] = (q * prows + k[np]) * pad_stride + k[np + 1];
    }
    std::sort(s.off.begin(), s.off.end());
    s.runs.clear();
    for (index_t o : s.off) {
        if (!s.runs.empty() && s.runs.back().off + s.runs.back().len == o &&
            o / pad_stride == s.runs.back().off / pad_stride)
            ++s.runs.back().len;
        else
            s.runs.push_back({o, 1});
    }
    // Base of every plane of the window (nullptr: the constant border).
    s.plane_base.assign(static_cast<std::size_t>(PP), nullptr);
    for (index_t q = 0; q < PP; ++q) {
        index_t rem = q, off = in_off;
        bool border = false;
        for (index_t d = np - 1; d >= 0; --d) {
            const Axis& a = L.planes[static_cast<std::size_t>(d)];
            const index_t k = d == 0 ? rem : rem % a.ext;  // outermost: past ext for groups
            rem /= a.ext;
            const index_t m =
                C.planemap[static_cast<std::size_t>(d)][static_cast<std::size_t>(xp[d] + k)];
            if (m < 0) border = true;
            off += m * a.in_stride;
        }
        if (!border) s.plane_base[static_cast<std::size_t>(q)] = C.in + off;
    }
    // Pad: rowmap/colmap give the image index of every padded position.
    const index_t* cm = C.colmap.data() + c0;
    const K ckey = C.ckey;
    // Interior run of columns that map to themselves.
    index_t q0 = 0, q1 = pw;
    auto interior = [&](index_t q) { return cm[q] >= 0 && cm[q] == c0 + q + L.col.lo; };
    while (q0 < pw && !interior(q0)) ++q0;
    while (q1 > q0 && !interior(q1 - 1)) --q1;
    const index_t cs = L.col.in_stride;
    // The 3x3 median reads contiguous image rows in place (a run of at least
    // one 64-byte vector), with the border columns and rows as ImageRows.
    const bool in_place =
        reads_image_rows(L, plan.algo, C.rank) && (q1 - q0) * static_cast<index_t>(sizeof(K)) >= 64;
    median_detail::ImageRows<K> image;
    if (in_place) {
        const T* base = static_cast<const T*>(s.plane_base[0]);
        s.rows.resize(static_cast<std::size_t>(prows));
        bool filled = false;
        for (index_t p = 0; p < prows; ++p) {
            const index_t r = C.rowmap[static_cast<std::size_t>(r0 + p)];
            if (r >= 0 && base) {
                s.rows[static_cast<std::size_t>(p)] = base + r * L.row.in_stride;
                continue;
            }
            if (!filled)  // the border value's bits, as an image row
                s.border_row.assign(static_cast<std::size_t>(L.col.n),
                                    std::bit_cast<K>(median_detail::from_key<T>(ckey)));
            filled = true;
            s.rows[static_cast<std::size_t>(p)] = s.border_row.data();
        }
        image = {s.rows.data(), c0 + L.col.lo, q0, q1, cm, median_detail::xform_of<T>, ckey};
    }
    // float32 tiles of +0 ... +inf only (no sign bit, no NaN: most images)
    // are their own sort keys for the networks: their bits order as their
    // keys do (a key is such bits with the top bit set) and equal values
    // have equal bits, so the pad is a plain copy and the medians need no
    // conversion back (the conversion pass was a tenth of a 4 x 4 median).
    // The first row that holds anything else converts the rows copied so
    // far, and the rest of the tile takes keys.
    bool raw = false;
    K raw_ckey = ckey;
    auto plain = [](std::uint64_t bits) { return bits <= 0x7F800000u; };  // float32 +0 ... +inf
    if constexpr (std::is_same_v<T, float>) {
        raw_ckey = std::bit_cast<K>(median_detail::from_key<T>(ckey));
        raw = plan.algo == Algo::network && !in_place && cs == 1 && plain(raw_ckey);
    }
    auto to_keys = [&](index_t last_row) {  // pad rows [0, last_row]: raw bits -> keys
        if constexpr (std::is_same_v<T, float>) {
            for (index_t row = 0; row <= last_row; ++row) {
                K* d = s.pad.data() + row * pad_stride;
                for (index_t c = 0; c < pw; ++c)
                    d[c] = median_detail::to_key(std::bit_cast<T>(d[c]));
            }
        }
    };
    for (index_t q = 0; q < PP && !in_place; ++q) {
        const T* base = static_cast<const T*>(s.plane_base[static_cast<std::size_t>(q)]);
        for (index_t p = 0; p < prows; ++p) {
            K* dst = s.pad.data() + (q * prows + p) * pad_stride;
            const index_t r = C.rowmap[static_cast<std::size_t>(r0 + p)];
            if (r < 0 || !base) {
                std::fill(dst, dst + pw, raw ? raw_ckey : ckey);
                continue;
            }
            const T* src = base + r * L.row.in_stride;
            if constexpr (std::is_same_v<T, float>) {
                if (raw) {
                    K seen = 0;  // the OR of the row's bits and the largest of them
                    std::int32_t top = 0;
                    auto take = [&](K b) {
                        seen |= b;
                        top = std::max(top, static_cast<std::int32_t>(b));
                        return b;
                    };
                    auto border = [&](index_t c) {
                        return cm[c] < 0 ? raw_ckey : take(std::bit_cast<K>(src[cm[c]]));
                    };
                    for (index_t c = 0; c < q0; ++c) dst[c] = border(c);
                    K* __restrict d = dst + q0;
                    const T* __restrict from = q0 < q1 ? src + c0 + q0 + L.col.lo : src;
                    for (index_t c = 0; c < q1 - q0; ++c) d[c] = take(std::bit_cast<K>(from[c]));
                    for (index_t c = q1; c < pw; ++c) dst[c] = border(c);
                    if (!plain(seen & ~K{0x7FFFFFFFu}) || !plain(static_cast<K>(top))) {
                        raw = false;
                        to_keys(q * prows + p);
                    }
                    continue;
                }
            }
            auto border = [&](index_t c) {
                return cm[c] < 0 ? ckey : median_detail::to_key(src[cm[c] * cs]);
            };
            for (index_t c = 0; c < q0; ++c) dst[c] = border(c);
            const T* run = q0 < q1 ? src + (c0 + q0 + L.col.lo) * cs : src;
            if (cs == 1) {
                if constexpr (std::is_same_v<K, T>) {
                    // Unsigned types are their own keys: a plain copy. (As a
                    // loop over char types GCC cannot rule out overlap and
                    // copied byte by byte: up to 40% of a uint8 5x5 call.)
                    std::copy_n(run, q1 - q0, dst + q0);
                } else {
                    K* __restrict d = dst + q0;
                    const T* __restrict from = run;
                    for (index_t c = 0; c < q1 - q0; ++c) d[c] = median_detail::to_key(from[c]);
                }
            } else {
                for (index_t c = q0; c < q1; ++c)
                    dst[c] = median_detail::to_key(run[(c - q0) * cs]);
            }
            for (index_t c = q1; c < pw; ++c) dst[c] = border(c);
        }
    }
    ImageView<T> out{C.out + out_off, L.row.n, L.col.n, L.row.out_stride, L.col.out_stride};
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
    auto shape_tile = [&](auto& t) {
        t.off = s.off.data();
        t.n = L.count;
        t.runs = s.runs.data();
        t.nruns = static_cast<index_t>(s.runs.size());
        t.box2d = L.box && P == 1;
        t.rank = C.rank;
    };
    if (plan.algo == Algo::cube) {
        if constexpr (sizeof(K) == 4) {
            const index_t plane_keys = tr * out_stride;
            grow(s.out, group * plane_keys + plan.slack);
            median_detail::cube_tile(median_detail::CubeTile<K>{s.pad.data(), pad_stride, tr, tc,
                                                                L.row.ext, group, s.out.data(),
                                                                out_stride, plane_keys});
            for (index_t g = 0; g < group; ++g) {  // output plane xp[0] + g
                out.data = C.out + out_off + g * L.planes[0].out_stride;
                write(s.out.data() + g * plane_keys,
                      [](K k) { return median_detail::from_key<T>(k); });
            }
        }
        return;
    }
    if (plan.algo == Algo::compressed) {
        if constexpr (sizeof(K) > 2) {
            const index_t count = ph * pad_stride;
            grow(s.ranks, count + plan.slack);
            grow(s.rank_out, tr * out_stride + plan.slack);
            grow(s.uniq, count);
            const index_t domain = median_detail::compress_ranks(
                s.pad.data(), count, s.ranks.data(), s.uniq.data(), s.sort_keys, s.sort_idx);
            for (index_t g = 0; g < group; ++g) {  // output plane xp[0] + g
                out.data = C.out + out_off + (g > 0 ? g * L.planes[0].out_stride : 0);
                Tile<std::uint16_t> t{s.ranks.data() + g * prows * pad_stride,
                                      pad_stride,
                                      tr,
                                      tc,
                                      P * er,
                                      sc,
                                      s.rank_out.data(),
                                      out_stride};
                shape_tile(t);
                t.omit = C.omit && s.uniq[static_cast<std::size_t>(domain - 1)] ==
                                       std::numeric_limits<K>::max();
                t.nan_key = static_cast<std::uint16_t>(domain - 1);
                if (L.count <= median_detail::kMaxRadix16)
                    median_detail::radix_tile(
                        t, std::max(1, static_cast<int>(std::bit_width(
                                           static_cast<std::uint64_t>(domain - 1)))));
                else
                    median_detail::histogram_tile(t, domain);
                const K* uniq = s.uniq.data();
                write(s.rank_out.data(),
                      [uniq](std::uint16_t r) { return median_detail::from_key<T>(uniq[r]); });
            }
        }
        return;
    }
    Tile<K> t{s.pad.data(), pad_stride, tr, tc, P * er, sc, s.out.data(), out_stride};
    shape_tile(t);
    if (in_place) t.image = &image;
    // The network and radix kernels convert keys in registers: with
    // contiguous output rows they write into `out` (no second pass).
    const auto go_direct = [&] {
        if (out.col_stride != 1) return false;
        t.direct = &out(r0, c0);
        t.direct_stride = out.row_stride;
        t.xform = raw ? median_detail::KeyXform::identity : median_detail::xform_of<T>;
        return true;
    };
    switch (plan.algo) {
        case Algo::network: {
            const bool direct = go_direct();
            median_detail::network_tile(t);
            if (direct) return;
            break;
        }
        case Algo::large:
            if constexpr (sizeof(K) == 1 || sizeof(K) == 4) median_detail::large_box_tile(t);
            break;
        case Algo::omit_network:
            if constexpr (sizeof(K) >= 2) {
                const bool direct = go_direct();
                median_detail::omit_network_tile(t);
                if (direct) return;
            }
            break;
        case Algo::radix:
            if constexpr (sizeof(K) <= 2) {
                t.omit = C.omit;
                t.nan_key = std::numeric_limits<K>::max();
                const bool direct = go_direct();
                median_detail::radix_tile(t, static_cast<int>(8 * sizeof(K)));
                if (direct) return;
            }
            break;
        case Algo::histogram:
            if constexpr (sizeof(K) <= 2)
                median_detail::histogram_tile(t, index_t{1} << (8 * sizeof(K)));
            break;
        default:
            t.omit = C.omit;
            t.nan_key = std::numeric_limits<K>::max();
            t.rule = C.rule;
            t.raw_rank = C.raw_rank;
            t.percentile = C.percentile;
            median_detail::select_tile(t);
            break;
    }
    write(s.out.data(), [raw](K k) {
        if constexpr (std::is_same_v<T, float>) {
            if (raw) return std::bit_cast<T>(k);
        }
        return median_detail::from_key<T>(k);
    });
}

/// Calls fn(in_offset, out_offset) for every index of the batch axes.
template <class Fn>
void each_batch(const std::vector<Axis>& batch, Fn&& fn) {
    index_t total = 1;
    for (const Axis& a : batch) total *= a.n;
    for (index_t b = 0; b < total; ++b) {
        index_t rem = b, io = 0, oo = 0;
        for (auto a = batch.rbegin(); a != batch.rend(); ++a) {
            const index_t x = rem % a->n;
            rem /= a->n;
            io += x * a->in_stride;
            oo += x * a->out_stride;
        }
        fn(io, oo);
    }
}

/// Windows wider than about twice the image along an axis, two filtered
/// axes or fewer, a box: the exact weighted-histogram filter on the image's
/// value ranks, slice by slice (memory and time grow with the image, not the
/// window).
template <class T>
void huge_filter_2d(const Layout& L, const T* in, T* out, BorderMode mode, Key<T> ckey,
                    std::int64_t rank) {
    using K = Key<T>;
    const index_t rows = L.row.n, cols = L.col.n, gs = cols + 1;
    each_batch(L.batch, [&](index_t io, index_t oo) {
        ImageView<const T> src{in + io, rows, cols, L.row.in_stride, L.col.in_stride};
        ImageView<T> dst{out + oo, rows, cols, L.row.out_stride, L.col.out_stride};
        std::vector<K> uniq;
        uniq.reserve(static_cast<std::size_t>(rows * cols + 1));
        for (index_t r = 0; r < rows; ++r)
            for (index_t c = 0; c < cols; ++c) uniq.push_back(median_detail::to_key(src(r, c)));
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
                    r < rows && c < cols ? rank_of(median_detail::to_key(src(r, c)))
                                         : rank_of(ckey);
        std::vector<std::uint32_t> res(static_cast<std::size_t>(rows * cols));
        median_detail::weighted_filter(grid.data(), rows, cols, static_cast<index_t>(uniq.size()),
                                       L.row.ext, L.col.ext, -L.row.lo, -L.col.lo, mode, rank,
                                       res.data());
        for (index_t r = 0; r < rows; ++r)
            for (index_t c = 0; c < cols; ++c)
                dst(r, c) =
                    median_detail::from_key<T>(uniq[res[static_cast<std::size_t>(r * cols + c)]]);
    });
}

/// Any other window wider than about twice the image: per output, the
/// multiplicity of every image element (box: products of per-axis
/// multiplicities; footprint: element by element) in a histogram of the
/// slice's value ranks. O(slice) per output: slow, exact, memory of the image.
/// The layout's axes, outermost first: the planes, then row and column.
inline std::vector<const Axis*> axes_of(const Layout& L) {
    std::vector<const Axis*> ax;
    for (const Axis& a : L.planes) ax.push_back(&a);
    ax.push_back(&L.row);
    ax.push_back(&L.col);
    return ax;
}

template <class T>
void huge_filter_any(const Call<T>& C) {
    using K = Key<T>;
    const Layout& L = *C.L;
    const std::vector<const Axis*> ax = axes_of(L);
    const auto nd = static_cast<index_t>(ax.size());
    index_t m = 1;
    for (const Axis* a : ax) m *= a->n;
    each_batch(L.batch, [&](index_t io, index_t oo) {
        // Keys of the slice in C order over (planes..., row, col), and their ranks.
        std::vector<K> keys(static_cast<std::size_t>(m));
        std::vector<index_t> x(static_cast<std::size_t>(nd), 0);
        auto offset = [&](const std::vector<index_t>& pos, bool input) {
            index_t o = input ? io : oo;
            for (index_t d = 0; d < nd; ++d)
                o += pos[static_cast<std::size_t>(d)] *
                     (input ? ax[static_cast<std::size_t>(d)]->in_stride
                            : ax[static_cast<std::size_t>(d)]->out_stride);
            return o;
        };
        auto next = [&](std::vector<index_t>& pos) {
            for (index_t d = nd - 1; d >= 0; --d) {
                if (++pos[static_cast<std::size_t>(d)] < ax[static_cast<std::size_t>(d)]->n) return;
                pos[static_cast<std::size_t>(d)] = 0;
            }
        };
        for (index_t e = 0; e < m; ++e, next(x))
            keys[static_cast<std::size_t>(e)] = median_detail::to_key(C.in[offset(x, true)]);
        std::vector<K> uniq(keys);
        uniq.push_back(C.ckey);
        std::sort(uniq.begin(), uniq.end());
        uniq.erase(std::unique(uniq.begin(), uniq.end()), uniq.end());
        auto rank_of = [&](K k) {
            return static_cast<index_t>(std::lower_bound(uniq.begin(), uniq.end(), k) -
                                        uniq.begin());
        };
        std::vector<index_t> ranks(static_cast<std::size_t>(m));
        for (index_t e = 0; e < m; ++e)
            ranks[static_cast<std::size_t>(e)] = rank_of(keys[static_cast<std::size_t>(e)]);
        const index_t border_rank = rank_of(C.ckey);
        const auto D = static_cast<index_t>(uniq.size());
        const bool nan_top = C.omit && uniq.back() == std::numeric_limits<K>::max();
        std::vector<std::int64_t> hist(static_cast<std::size_t>(D));
        std::vector<std::vector<std::int64_t>> w(static_cast<std::size_t>(nd));
        std::fill(x.begin(), x.end(), 0);
        std::vector<index_t> y(static_cast<std::size_t>(nd));
        for (index_t e = 0; e < m; ++e, next(x)) {
            std::fill(hist.begin(), hist.end(), 0);
            if (L.box) {
                for (index_t d = 0; d < nd; ++d)
                    median_detail::axis_weights(
                        x[static_cast<std::size_t>(d)] + ax[static_cast<std::size_t>(d)]->lo,
                        ax[static_cast<std::size_t>(d)]->ext, ax[static_cast<std::size_t>(d)]->n,
                        C.mode, w[static_cast<std::size_t>(d)]);
                std::int64_t inside = 0;
                std::fill(y.begin(), y.end(), 0);
                for (index_t f = 0; f < m; ++f, next(y)) {
                    std::int64_t wt = 1;
                    for (index_t d = 0; d < nd && wt != 0; ++d)
                        wt *= w[static_cast<std::size_t>(d)]
                               [static_cast<std::size_t>(y[static_cast<std::size_t>(d)])];
                    hist[static_cast<std::size_t>(ranks[static_cast<std::size_t>(f)])] += wt;
                    inside += wt;
                }
                hist[static_cast<std::size_t>(border_rank)] += L.count - inside;
            } else {
                for (index_t k = 0; k < L.count; ++k) {
                    index_t f = 0;
                    bool border = false;
                    for (index_t d = 0; d < nd; ++d) {
                        const Axis* a = ax[static_cast<std::size_t>(d)];
                        const index_t p =
                            map_index(x[static_cast<std::size_t>(d)] + a->lo +
                                          L.coords[static_cast<std::size_t>(k * nd + d)],
                                      a->n, C.mode);
                        border = border || p < 0;
                        f = f * a->n + std::max<index_t>(p, 0);
                    }
                    ++hist[static_cast<std::size_t>(border ? border_rank
                                                           : ranks[static_cast<std::size_t>(f)])];
                }
            }
            std::int64_t r = C.rank;
            bool nan_out = false;
            if (nan_top && hist[static_cast<std::size_t>(D - 1)] > 0) {
                const std::int64_t valid = L.count - hist[static_cast<std::size_t>(D - 1)];
                r = C.rule == median_detail::RankRule::median ? valid / 2
                    : C.rule == median_detail::RankRule::percentile
                        ? percentile_rank(C.percentile, valid)
                    : C.raw_rank < 0 ? valid + C.raw_rank
                                     : C.raw_rank;
                nan_out = valid == 0 || r < 0 || r >= valid;
            }
            index_t v = D - 1;
            if (!nan_out) {
                std::int64_t below = 0;
                for (v = 0; below + hist[static_cast<std::size_t>(v)] <= r; ++v)
                    below += hist[static_cast<std::size_t>(v)];
            }
            C.out[offset(x, false)] = median_detail::from_key<T>(
                nan_out ? std::numeric_limits<K>::max() : uniq[static_cast<std::size_t>(v)]);
        }
    });
}

/// Writes `value` to every output whose window holds b >= 1 elements of the
/// constant border with write(b) true (scipy's unconverted cval: see
/// BorderValue).
template <class T, class Write>
void fix_border(const Layout& L, T* out, T value, Write write) {
    const std::vector<const Axis*> ax = axes_of(L);
    const auto nd = static_cast<index_t>(ax.size());
    index_t m = 1;
    for (const Axis* a : ax) m *= a->n;
    std::vector<index_t> x(static_cast<std::size_t>(nd), 0);
    each_batch(L.batch, [&](index_t, index_t oo) {
        std::fill(x.begin(), x.end(), 0);
        for (index_t e = 0; e < m; ++e) {
            bool touch = false;  // the window's bounding box meets the border
            for (index_t d = 0; d < nd; ++d) {
                const Axis* a = ax[static_cast<std::size_t>(d)];
                const index_t s = x[static_cast<std::size_t>(d)] + a->lo;
                touch = touch || s < 0 || s + a->ext > a->n;
            }
            index_t b = 0;
            if (touch && L.box) {
                index_t inside = 1;
                for (index_t d = 0; d < nd; ++d) {
                    const Axis* a = ax[static_cast<std::size_t>(d)];
                    const index_t s = x[static_cast<std::size_t>(d)] + a->lo;
                    inside *=
                        std::max<index_t>(std::min(s + a->ext, a->n) - std::max<index_t>(s, 0), 0);
                }
                b = L.count - inside;
            } else if (touch) {
                for (index_t k = 0; k < L.count; ++k) {
                    bool outside = false;
                    for (index_t d = 0; d < nd; ++d) {
                        const Axis* a = ax[static_cast<std::size_t>(d)];
                        const index_t p = x[static_cast<std::size_t>(d)] + a->lo +
                                          L.coords[static_cast<std::size_t>(k * nd + d)];
                        outside = outside || p < 0 || p >= a->n;
                    }
                    b += outside ? 1 : 0;
                }
            }
            if (b > 0 && write(b)) {
                index_t o = oo;
                for (index_t d = 0; d < nd; ++d)
                    o += x[static_cast<std::size_t>(d)] *
                         ax[static_cast<std::size_t>(d)]->out_stride;
                out[o] = value;
            }
            for (index_t d = nd - 1; d >= 0; --d) {
                if (++x[static_cast<std::size_t>(d)] < ax[static_cast<std::size_t>(d)]->n) break;
                x[static_cast<std::size_t>(d)] = 0;
            }
        }
    });
}

/// Marks "the median" for filter().
constexpr index_t kMedianRank = std::numeric_limits<index_t>::min();
/// Marks "the percentile" for filter() (the rank follows from the count).
constexpr index_t kPercentileRank = std::numeric_limits<index_t>::min() + 1;

/// The rank filter behind every entry point (`func` names the caller in
/// messages); rank kMedianRank means n / 2, kPercentileRank
/// percentile_rank(percentile, n), a negative rank counts from the end.
template <MedianElement T>
void filter(const char* func, NdView<const T> in, NdView<T> out, const FilterWindow& window,
            index_t rank, double percentile, BorderMode mode, BorderValue<T> cval,
            NanPolicy nan_policy) {
    const Layout L = make_layout(func, in.shape, in.strides, out.shape, out.strides, window);
    const index_t count = L.count;
    Call<T> C;
    C.rule = rank == kMedianRank       ? median_detail::RankRule::median
             : rank == kPercentileRank ? median_detail::RankRule::percentile
                                       : median_detail::RankRule::rank;
    C.raw_rank = rank;
    C.percentile = percentile;
    if (rank == kMedianRank) rank = count / 2;
    if (rank == kPercentileRank) rank = percentile_rank(percentile, count);
    detail::require(rank >= -count && rank < count, func, "rank (=", rank,
                    ") must be in [-n, n) for a window of n = ", count, " elements");
    if (rank < 0) rank += count;
    for (index_t d : in.shape)
        if (d == 0) return;
    using K = Key<T>;
    C.L = &L;
    C.in = in.data;
    C.out = out.data;
    C.rank = rank;
    C.mode = mode;
    C.omit =
        nan_policy == NanPolicy::omit && (std::is_floating_point_v<T> || std::is_same_v<T, Half>);
    C.ckey = median_detail::to_key(cval.value);
    // scipy's paths for an integer cval beyond T's range (see BorderValue).
    enum class Beyond { ordinary, touching, sorted } beyond = Beyond::ordinary;
    int sorted_side = 0;  // Beyond::sorted: the border sorts below (-1) / above (+1) all
    T sorted_value{};     // and is written as this where selected
    if (mode == BorderMode::constant && cval.beyond != 0) {
        const bool full_box = std::all_of(window.footprint.begin(), window.footprint.end(),
                                          [](std::uint8_t f) { return f != 0; });
        index_t image_size = 1;
        for (index_t d : in.shape) image_size *= d;
        // scipy's 1-D rank path: size - ((box - 1) / 2 - origin) >= 0.
        const bool path_1d =
            in.shape.size() == 1 &&
            (image_size == 1 || in.shape[0] - ((window.size[0] - 1) / 2 -
                                               (window.origin.empty() ? 0 : window.origin[0])) >=
                                    0);
        if ((rank == 0 || rank == count - 1) && full_box) {
            // minimum first, as scipy: a window of one element is rank 0
            if (rank == 0 ? cval.beyond < 0 : cval.beyond > 0)
                beyond = Beyond::touching;
            else
                C.ckey = rank == 0 ? std::numeric_limits<K>::max() : K{0};  // never wins
        } else if (rank != 0 && rank != count - 1 && path_1d) {
            beyond = Beyond::sorted;
            sorted_side = cval.beyond;
            sorted_value = cval.wrapped;
        } else if (cval.value_sorts_last) {
            beyond = Beyond::sorted;
            sorted_side = 1;
            sorted_value = cval.value;
        }
    }
    if (beyond == Beyond::sorted) C.ckey = sorted_side < 0 ? K{0} : std::numeric_limits<K>::max();
    if (L.huge()) {
        if (L.box && L.planes.empty() && !C.omit)
            huge_filter_2d<T>(L, in.data, out.data, mode, C.ckey, rank);
        else
            huge_filter_any<T>(C);
    } else {
        auto maps = [&](const Axis& a) {
            std::vector<index_t> v(static_cast<std::size_t>(a.n + a.ext - 1));
            const index_t g = a.group;
            for (index_t p = 0; p < a.n + a.ext - 1; ++p) {
                const index_t q = p + a.lo;
                const index_t x = (q >= 0 ? q : q - g + 1) / g;  // floor
                const index_t m = map_index(x, a.n / g, mode);
                v[static_cast<std::size_t>(p)] = m < 0 ? -1 : m * g + (q - x * g);
            }
            return v;
        };
        C.rowmap = maps(L.row);
        C.colmap = maps(L.col);
        for (const Axis& a : L.planes) C.planemap.push_back(maps(a));
        C.plan = make_plan<T>(L, C.omit, C.rule == median_detail::RankRule::median, rank);
        const Plan& plan = C.plan;
        const index_t tiles_r = (L.row.n + plan.tile_rows - 1) / plan.tile_rows;
        const index_t tiles_c = (L.col.n + plan.tile_cols - 1) / plan.tile_cols;
        // Plane positions per slice: output planes come plan.plane_group at
        // a time along the one plane axis (then the only one).
        const index_t G = plan.plane_group;
        auto plane_steps = [&](const Axis& a) { return (a.n + G - 1) / G; };
        index_t slices = 1;
        for (const Axis& a : L.batch) slices *= a.n;
        for (const Axis& a : L.planes) slices *= plane_steps(a);
        // Grain: a helper must buy at least ~25 us of one thread's work,
        // so an image of less than ~50 us runs on the calling thread alone.
        // Helpers are pooled (parked between calls, their thread_local
        // scratch kept): on an AMD EPYC VM (512², median of 60) two threads
        // with this grain ran float32 3x3 in 77-95 us against 146 on one,
        // 5x5 in 160-200 against 300-400, uint8 5x5 in 41-51 against 77;
        // when threads started per call, two lost below ~400 us of work.
        // Rough per-pixel costs measured on x86-64-v4: networks ~0.02 ns per
        // window element and key byte, histograms ~3 ns per window run,
        // ranks ~4 ns per window row + 20 ns, nth_element ~5 ns per window
        // element.
        const double n = static_cast<double>(count);
        const double kr = static_cast<double>(L.plane_count * L.row.ext);
        double ns_per_pixel = 5.0 * n;
        if (plan.algo == Algo::network || plan.algo == Algo::cube || plan.algo == Algo::large)
            ns_per_pixel = 0.02 * n * static_cast<double>(sizeof(K));
        else if (plan.algo == Algo::omit_network)
            ns_per_pixel = 0.04 * n * static_cast<double>(sizeof(K));
        else if (plan.algo == Algo::radix)
            ns_per_pixel = 0.01 * n * static_cast<double>(8 * sizeof(K) * sizeof(K));
        else if (plan.algo == Algo::histogram)
            ns_per_pixel = 3.0 * kr;
        else if (plan.algo == Algo::compressed)
            ns_per_pixel =
                20.0 + (n <= static_cast<double>(median_detail::kMaxRadix16) ? 0.3 * n : 4.0 * kr);
        const double tile_ns =
            ns_per_pixel * static_cast<double>(G * plan.tile_rows * plan.tile_cols) + 1.0;
        constexpr double kGrainNs = 2.5e4;
        const auto grain = static_cast<index_t>(std::ceil(kGrainNs / tile_ns));
        const index_t np = static_cast<index_t>(L.planes.size());
        detail::parallel_for(slices * tiles_r * tiles_c, grain, [&](index_t lo, index_t hi) {
            thread_local Scratch<K> s;  // kept by the calling thread across calls
            std::vector<index_t> xp(static_cast<std::size_t>(np) + 1);
            for (index_t k = lo; k < hi; ++k) {
                const index_t tile = k % (tiles_r * tiles_c);
                index_t rem = k / (tiles_r * tiles_c), io = 0, oo = 0;
                for (index_t d = np - 1; d >= 0; --d) {
                    const Axis& a = L.planes[static_cast<std::size_t>(d)];
                    xp[static_cast<std::size_t>(d)] = rem % plane_steps(a) * G;
                    rem /= plane_steps(a);
                    oo += xp[static_cast<std::size_t>(d)] * a.out_stride;
                }
                const index_t group = np == 1 ? std::min(G, L.planes[0].n - xp[0]) : 1;
                for (auto a = L.batch.rbegin(); a != L.batch.rend(); ++a) {
                    const index_t x = rem % a->n;
                    rem /= a->n;
                    io += x * a->in_stride;
                    oo += x * a->out_stride;
                }
                detail::dispatch([&] {
                    run_tile<T>(C, io, oo, xp.data(), group, (tile / tiles_c) * plan.tile_rows,
                                (tile % tiles_c) * plan.tile_cols, s);
                });
            }
        });
    }
    if (beyond == Beyond::touching)
        fix_border<T>(L, out.data, cval.winner, [](index_t) { return true; });
    if (beyond == Beyond::sorted)  // the border's b elements sort first or last
        fix_border<T>(L, out.data, sorted_value,
                      [&](index_t b) { return sorted_side < 0 ? rank < b : rank >= count - b; });
}

/// The 2-D entry points as N-D calls.
template <MedianElement T>
void filter_2d(const char* func, ImageView<const T> in, ImageView<T> out, index_t size_rows,
               index_t size_cols, index_t rank, double percentile, BorderMode mode, T cval) {
    detail::require(in.rows == out.rows && in.cols == out.cols, func, "out has shape (", out.rows,
                    ", ", out.cols, "), the image has shape (", in.rows, ", ", in.cols, ")");
    const index_t shape[2] = {in.rows, in.cols};
    const index_t is[2] = {in.row_stride, in.col_stride};
    const index_t os[2] = {out.row_stride, out.col_stride};
    const index_t size[2] = {size_rows, size_cols};
    FilterWindow w{size, {}, {}};
    filter<T>(func, {in.data, shape, is}, {out.data, shape, os}, w, rank, percentile, mode,
              BorderValue<T>::of(cval), NanPolicy::sort);
}

}  // namespace

template <MedianElement T>
void median_filter(ImageView<const T> in, ImageView<T> out, index_t size_rows, index_t size_cols,
                   BorderMode mode, T cval) {
    filter_2d<T>("median_filter", in, out, size_rows, size_cols, kMedianRank, 0.0, mode, cval);
}

template <MedianElement T>
void rank_filter(ImageView<const T> in, ImageView<T> out, index_t size_rows, index_t size_cols,
                 index_t rank, BorderMode mode, T cval) {
    detail::require(rank > kPercentileRank, "rank_filter", "rank (=", rank, ") is out of range");
    filter_2d<T>("rank_filter", in, out, size_rows, size_cols, rank, 0.0, mode, cval);
}

template <MedianElement T>
void percentile_filter(ImageView<const T> in, ImageView<T> out, index_t size_rows,
                       index_t size_cols, double percentile, BorderMode mode, T cval) {
    (void)percentile_rank(percentile, 1);  // a bad percentile first, as scipy
    filter_2d<T>("percentile_filter", in, out, size_rows, size_cols, kPercentileRank, percentile,
                 mode, cval);
}

template <MedianElement T>
void rank_filter(NdView<const T> in, NdView<T> out, const FilterWindow& window, index_t rank,
                 BorderMode mode, BorderValue<T> cval, NanPolicy nan_policy) {
    detail::require(rank > kPercentileRank, "rank_filter", "rank (=", rank, ") is out of range");
    filter<T>("rank_filter", in, out, window, rank, 0.0, mode, cval, nan_policy);
}

template <MedianElement T>
void median_filter(NdView<const T> in, NdView<T> out, const FilterWindow& window, BorderMode mode,
                   BorderValue<T> cval, NanPolicy nan_policy) {
    filter<T>("median_filter", in, out, window, kMedianRank, 0.0, mode, cval, nan_policy);
}

template <MedianElement T>
void percentile_filter(NdView<const T> in, NdView<T> out, const FilterWindow& window,
                       double percentile, BorderMode mode, BorderValue<T> cval,
                       NanPolicy nan_policy) {
    (void)percentile_rank(percentile, 1);
    filter<T>("percentile_filter", in, out, window, kPercentileRank, percentile, mode, cval,
              nan_policy);
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
                                       BorderMode, T);                                             \
    template BorderValue<T> border_value<T>(double);                                               \
    template void rank_filter<T>(NdView<const T>, NdView<T>, const FilterWindow&, index_t,         \
                                 BorderMode, BorderValue<T>, NanPolicy);                           \
    template void median_filter<T>(NdView<const T>, NdView<T>, const FilterWindow&, BorderMode,    \
                                   BorderValue<T>, NanPolicy);                                     \
    template void percentile_filter<T>(NdView<const T>, NdView<T>, const FilterWindow&, double,    \
                                       BorderMode, BorderValue<T>, NanPolicy);
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
