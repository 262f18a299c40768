// GeoIndex: a Morton-ordered bounding-volume tree over unit vectors finds
// candidates; geo.cpp's exact haversine ranks them (algorithm and sources in
// geo_index.hpp).
#include "fastcpp/geo_index.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <utility>
#include <vector>

#include "elementwise_loops.hpp"
#include "fastcpp/config.hpp"
#include "fastcpp/detail/checks.hpp"
#include "fastcpp/detail/parallel.hpp"
#include "fastcpp/detail/simd.hpp"
#include "geo_exact.hpp"

namespace fastcpp {
namespace {

constexpr double kDegToRad = std::numbers::pi / 180.0;
constexpr double kInf = std::numeric_limits<double>::infinity();
/// Points per leaf, at most.
constexpr index_t kLeaf = 16;
/// Margin on the chord (unit sphere) when pruning and keeping candidates:
/// far above the ~1e-15 rounding of the unit vectors and of the haversine
/// term, so no point that the exact ranking could place among the winners
/// is ever pruned; small enough (6 µm on Earth) to cost nothing.
constexpr double kChordSlack = 1e-9;
/// Candidates beyond k asked of the tree: one is enough to see whether a
/// near tie crosses the k-th place (then nearest_from asks for more).
constexpr index_t kSlack = 1;
/// Queries worth one helper (a query is a few microseconds).
constexpr index_t kQueryGrain = 8;

/// A point's Morton code (tree order), original index and unit vector.
struct Keyed {
    std::uint64_t key;
    index_t index;
    double xyz[3];  ///< unit vector (carried along: no gathers after the sort)
};

/// Bits per axis of the Morton code: cells of 2/65536 (200 m on Earth) are
/// fine enough for leaves of kLeaf points; 48-bit codes sort in 6 byte passes.
constexpr int kMortonBits = 16;

/// The low 21 bits of v spread to every third bit (3-D Morton interleave).
constexpr std::uint64_t spread3(std::uint64_t v) noexcept {
    v &= 0x1f'ffffULL;
    v = (v | v << 32) & 0x1f'0000'0000'ffffULL;
    v = (v | v << 16) & 0x1f'0000'ff00'00ffULL;
    v = (v | v << 8) & 0x100f'00f0'0f00'f00fULL;
    v = (v | v << 4) & 0x10c3'0c30'c30c'30c3ULL;
    v = (v | v << 2) & 0x1249'2492'4924'9249ULL;
    return v;
}

/// Morton code of a unit vector: each coordinate in [-1, 1] quantised to
/// kMortonBits bits, bits interleaved (z-order curve: near codes, near points).
inline std::uint64_t morton(double x, double y, double z) noexcept {
    constexpr double kScale = ((1 << kMortonBits) - 1) / 2.0;
    auto q = [](double v) {
        return static_cast<std::uint64_t>(std::clamp((v + 1) * kScale + 0.5, 0.0, 2 * kScale));
    };
    return spread3(q(x)) | spread3(q(y)) << 1 | spread3(q(z)) << 2;
}

/// Top bits of the Morton code that the first (parallel) pass buckets by.
constexpr int kBucketBits = 12;

/// Sorts by (key, index): one parallel counting pass on the top kBucketBits
/// bits of the keys (per-range histograms, so the scatter is parallel and
/// stable), then each bucket, small enough for the cache, by std::sort on all
/// threads. Deterministic: (key, index) pairs are distinct.
void sort_keyed(std::vector<Keyed>& a) {
    constexpr int kShift = 3 * kMortonBits - kBucketBits;
    constexpr std::size_t kBuckets = std::size_t{1} << kBucketBits;
    const auto n = static_cast<index_t>(a.size());
    using Histogram = std::vector<index_t>;
    const auto hist = detail::map_ranges<Histogram>(n, index_t{1} << 15, [&](index_t b, index_t e) {
        Histogram h(kBuckets, 0);
        for (index_t i = b; i < e; ++i) ++h[a[static_cast<std::size_t>(i)].key >> kShift];
        return h;
    });
    const auto ranges = static_cast<index_t>(hist.size());
    // start[r][k]: where range r writes its first key of bucket k.
    std::vector<Histogram> start(hist.size(), Histogram(kBuckets));
    std::vector<index_t> bucket_begin(kBuckets + 1, 0);
    index_t at = 0;
    for (std::size_t k = 0; k < kBuckets; ++k) {
        bucket_begin[k] = at;
        for (std::size_t r = 0; r < hist.size(); ++r) {
            start[r][k] = at;
            at += hist[r][k];
        }
    }
    bucket_begin[kBuckets] = at;
    std::vector<Keyed> out(a.size());
    detail::parallel_for(ranges, 1, [&](index_t lo, index_t hi) {
        for (index_t r = lo; r < hi; ++r) {
            Histogram& pos = start[static_cast<std::size_t>(r)];
            for (index_t i = n * r / ranges; i < n * (r + 1) / ranges; ++i) {
                const Keyed& k = a[static_cast<std::size_t>(i)];
                out[static_cast<std::size_t>(pos[k.key >> kShift]++)] = k;
            }
        }
    });
    detail::parallel_for(static_cast<index_t>(kBuckets), 16, [&](index_t lo, index_t hi) {
        for (index_t k = lo; k < hi; ++k)
            std::sort(out.begin() + bucket_begin[static_cast<std::size_t>(k)],
                      out.begin() + bucket_begin[static_cast<std::size_t>(k) + 1],
                      [](const Keyed& u, const Keyed& v) {
                          return u.key < v.key || (u.key == v.key && u.index < v.index);
                      });
    });
    a.swap(out);
}

/// The pruning bound (squared chord) that keeps every point within the slack
/// of a squared chord c2.
double widen(double c2) noexcept {
    const double c = std::sqrt(c2) + kChordSlack;
    return c * c;
}

void check_point(const char* func, const char* lat_name, const char* lon_name, index_t i,
                 double lat, double lon) {
    detail::require(lat >= -90 && lat <= 90, func, lat_name, "[", i, "] (=", lat,
                    ") must be between -90 and 90");
    detail::require(std::isfinite(lon), func, lon_name, "[", i, "] (=", lon, ") must be finite");
}

void check_queries(const char* func, std::span<const double> lat, std::span<const double> lon) {
    detail::require(lat.size() == lon.size(), func, "lat and lon must have the same length, got ",
                    lat.size(), " and ", lon.size());
    for (std::size_t i = 0; i < lat.size(); ++i)
        check_point(func, "lat", "lon", static_cast<index_t>(i), lat[i], lon[i]);
}

/// Unit vector of one point (degrees).
void unit_vector(double lat, double lon, double* v) noexcept {
    const double la = lat * kDegToRad, lo = lon * kDegToRad;
    const double c = std::cos(la);
    v[0] = c * std::cos(lo);
    v[1] = c * std::sin(lo);
    v[2] = std::sin(la);
}

/// Points per unit_vectors() call.
constexpr index_t kUnitBlock = 256;

/// Unit vectors of m <= kUnitBlock points into x, y, z (kUnitBlock long each).
/// The loops run over whole vectors (padded, as geo.cpp's), one libmvec
/// function per loop, so they vectorise at -O2 too.
FASTCPP_KERNEL void unit_vectors(const double* lats, const double* lons, index_t m, double* x,
                                 double* y, double* z) noexcept {
    alignas(64) double la[kUnitBlock], lo[kUnitBlock], cl[kUnitBlock], co[kUnitBlock],
        so[kUnitBlock];
    const index_t mp = detail::pad_lanes(m);
    for (index_t i = 0; i < m; ++i) la[i] = lats[i] * kDegToRad;
    for (index_t i = 0; i < m; ++i) lo[i] = lons[i] * kDegToRad;
    for (index_t i = m; i < mp; ++i) la[i] = lo[i] = 0;
    for (index_t i = 0; i < mp; ++i) cl[i] = std::cos(la[i]);
    for (index_t i = 0; i < mp; ++i) z[i] = std::sin(la[i]);
    for (index_t i = 0; i < mp; ++i) co[i] = std::cos(lo[i]);
    for (index_t i = 0; i < mp; ++i) so[i] = std::sin(lo[i]);
    for (index_t i = 0; i < mp; ++i) x[i] = cl[i] * co[i];
    for (index_t i = 0; i < mp; ++i) y[i] = cl[i] * so[i];
}

}  // namespace

/// Per-thread search state and the tree walks (reused across queries).
struct GeoIndex::Search {
    /// A tree slot and its squared chord to the query.
    struct Hit {
        double c2;
        index_t slot;
        bool operator<(const Hit& o) const noexcept { return c2 < o.c2; }
    };
    struct Pending {
        index_t node;
        double bound;
    };

    const GeoIndex& ix;
    std::vector<Hit> heap, kept;
    std::vector<Pending> stack;
    double q[3] = {};

    explicit Search(const GeoIndex& index) : ix(index) {}

    /// Squared distance from q to a node's box (0 inside).
    [[nodiscard]] double bound_of(const Node& nd) const noexcept {
        double s = 0;
        for (int a = 0; a < 3; ++a) {
            const double t = std::max({nd.lo[a] - q[a], q[a] - nd.hi[a], 0.0});
            s += t * t;
        }
        return s;
    }

    /// Depth-first walk, nearer child first; calls leaf(begin, end) on every
    /// leaf whose box lies within bound() (which may shrink as it goes).
    template <class Bound, class Leaf>
    void walk(Bound&& bound, Leaf&& leaf) {
        if (ix.nodes_.empty()) return;
        stack.clear();
        stack.push_back({0, 0.0});
        while (!stack.empty()) {
            const Pending p = stack.back();
            stack.pop_back();
            if (p.bound > bound()) continue;
            const Node& nd = ix.nodes_[static_cast<std::size_t>(p.node)];
            if (nd.left < 0) {
                leaf(nd.begin, nd.end);
                continue;
            }
            const index_t a = nd.left, b = a + 1;
            const double da = bound_of(ix.nodes_[static_cast<std::size_t>(a)]);
            const double db = bound_of(ix.nodes_[static_cast<std::size_t>(b)]);
            if (da <= db) {
                stack.push_back({b, db});
                stack.push_back({a, da});
            } else {
                stack.push_back({a, da});
                stack.push_back({b, db});
            }
        }
    }

    /// Squared chords of the slots [b, e) of one leaf into c2 (vectorises):
    /// the leaf's coordinates are stored x.. y.. z.. from 3 * b.
    void chords(index_t b, index_t e, double* c2) const noexcept {
        const index_t m = e - b;
        const double* x = ix.xyz_.data() + 3 * b;
        const double *y = x + m, *z = x + 2 * m;
        for (index_t i = 0; i < m; ++i) {
            const double dx = x[i] - q[0], dy = y[i] - q[1], dz = z[i] - q[2];
            c2[i] = dx * dx + dy * dy + dz * dz;
        }
    }

    /// Every point that may be among the `want` nearest by exact haversine
    /// (a superset), as candidates with their exact keys, sorted, cut to want.
    std::vector<detail::GeoCandidate> nearest(double lat, double lon, index_t want) {
        heap.clear();
        kept.clear();
        const auto w = static_cast<std::size_t>(want);
        double limit = kInf;
        walk([&] { return limit; },
             [&](index_t b, index_t e) {
                 double c2[kLeaf];
                 chords(b, e, c2);
                 for (index_t s = b; s < e; ++s) {
                     const Hit h{c2[s - b], s};
                     if (h.c2 > limit) continue;
                     kept.push_back(h);
                     if (heap.size() < w) {
                         heap.push_back(h);
                         std::push_heap(heap.begin(), heap.end());
                     } else if (h < heap.front()) {
                         std::pop_heap(heap.begin(), heap.end());
                         heap.back() = h;
                         std::push_heap(heap.begin(), heap.end());
                     } else {
                         continue;
                     }
                     if (heap.size() == w) limit = widen(heap.front().c2);
                 }
             });
        std::vector<detail::GeoCandidate> c;
        c.reserve(kept.size());
        for (const Hit& h : kept)
            if (h.c2 <= limit) c.push_back({0.0, ix.order_[static_cast<std::size_t>(h.slot)]});
        detail::geo_keys(lat, lon, ix.lats_.data(), ix.lons_.data(), c.data(),
                         static_cast<index_t>(c.size()));
        const auto cut = std::min(c.size(), w);
        std::partial_sort(c.begin(), c.begin() + static_cast<std::ptrdiff_t>(cut), c.end());
        c.resize(cut);
        return c;
    }

    /// Original indices of every point within squared chord `limit`.
    void within(double limit, std::vector<index_t>& out) {
        walk([&] { return limit; },
             [&](index_t b, index_t e) {
                 double c2[kLeaf];
                 chords(b, e, c2);
                 for (index_t s = b; s < e; ++s)
                     if (c2[s - b] <= limit) out.push_back(ix.order_[static_cast<std::size_t>(s)]);
             });
    }
};

GeoIndex::GeoIndex(std::span<const double> lats, std::span<const double> lons, double radius)
    : lats_(lats.begin(), lats.end()), lons_(lons.begin(), lons.end()), radius_(radius) {
    constexpr const char* kFunc = "GeoIndex";
    detail::require(std::isfinite(radius) && radius > 0, kFunc, "radius (=", radius,
                    ") must be finite and > 0");
    detail::require(lats.size() == lons.size(), kFunc,
                    "lats and lons must have the same length, got ", lats.size(), " and ",
                    lons.size());
    const index_t n = size();
    for (index_t i = 0; i < n; ++i)
        check_point(kFunc, "lats", "lons", i, lats_[static_cast<std::size_t>(i)],
                    lons_[static_cast<std::size_t>(i)]);
    if (n == 0) return;

    // Unit vectors and their Morton codes, sorted: the tree order.
    std::vector<Keyed> keyed(static_cast<std::size_t>(n));
    detail::parallel_for(n, index_t{1} << 14, [&](index_t b, index_t e) {
        alignas(64) double x[kUnitBlock], y[kUnitBlock], z[kUnitBlock];
        for (index_t s = b; s < e; s += kUnitBlock) {
            const index_t m = std::min(kUnitBlock, e - s);
            detail::dispatch([&] { unit_vectors(lats_.data() + s, lons_.data() + s, m, x, y, z); });
            for (index_t i = 0; i < m; ++i)
                keyed[static_cast<std::size_t>(s + i)] = {
                    morton(x[i], y[i], z[i]), s + i, {x[i], y[i], z[i]}};
        }
    });
    sort_keyed(keyed);
    order_.resize(keyed.size());
    for (std::size_t s = 0; s < keyed.size(); ++s) order_[s] = keyed[s].index;

    // Nodes: split a range where its codes' highest differing bit turns on
    // (an octree cell's halves); equal codes (points within one cell) at the
    // middle. Children are appended after their parent.
    nodes_.reserve(static_cast<std::size_t>(2 * (n / (kLeaf / 2) + 1)));
    nodes_.push_back({{}, {}, 0, n, -1});
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
        const index_t b = nodes_[i].begin, e = nodes_[i].end;
        if (e - b <= kLeaf) continue;
        const std::uint64_t first = keyed[static_cast<std::size_t>(b)].key;
        const std::uint64_t diff = first ^ keyed[static_cast<std::size_t>(e - 1)].key;
        index_t mid = b + (e - b) / 2;
        if (diff != 0) {
            const std::uint64_t bit = std::uint64_t{1} << (63 - std::countl_zero(diff));
            mid = std::partition_point(keyed.begin() + b, keyed.begin() + e,
                                       [&](const Keyed& k) { return (k.key & bit) == 0; }) -
                  keyed.begin();
        }
        nodes_[i].left = static_cast<index_t>(nodes_.size());
        nodes_.push_back({{}, {}, b, mid, -1});
        nodes_.push_back({{}, {}, mid, e, -1});
    }

    // Coordinates leaf by leaf (x.. y.. z..), leaf boxes from them, then inner
    // boxes as the union of their children (children come after parents).
    xyz_.resize(3 * keyed.size());
    detail::parallel_for(
        static_cast<index_t>(nodes_.size()), index_t{1} << 12, [&](index_t lo, index_t hi) {
            for (index_t i = lo; i < hi; ++i) {
                Node& nd = nodes_[static_cast<std::size_t>(i)];
                if (nd.left >= 0) continue;
                const index_t m = nd.end - nd.begin;
                double* out = xyz_.data() + 3 * nd.begin;
                for (int a = 0; a < 3; ++a) {
                    nd.lo[a] = kInf;
                    nd.hi[a] = -kInf;
                    for (index_t s = 0; s < m; ++s) {
                        const double v = keyed[static_cast<std::size_t>(nd.begin + s)].xyz[a];
                        out[a * m + s] = v;
                        nd.lo[a] = std::min(nd.lo[a], v);
                        nd.hi[a] = std::max(nd.hi[a], v);
                    }
                }
            }
        });
    for (std::size_t i = nodes_.size(); i-- > 0;) {
        Node& nd = nodes_[i];
        if (nd.left < 0) continue;
        const Node &l = nodes_[static_cast<std::size_t>(nd.left)],
                   &r = nodes_[static_cast<std::size_t>(nd.left + 1)];
        for (int a = 0; a < 3; ++a) {
            nd.lo[a] = std::min(l.lo[a], r.lo[a]);
            nd.hi[a] = std::max(l.hi[a], r.hi[a]);
        }
    }
}

void GeoIndex::query(std::span<const double> lat, std::span<const double> lon, index_t k,
                     std::span<index_t> indices, std::span<double> dists) const {
    constexpr const char* kFunc = "GeoIndex.query";
    detail::require_between(kFunc, "k", k, index_t{1}, size());
    check_queries(kFunc, lat, lon);
    const auto nq = static_cast<index_t>(lat.size());
    detail::require(static_cast<index_t>(indices.size()) == nq * k &&
                        static_cast<index_t>(dists.size()) == nq * k,
                    kFunc, "indices and dists must hold ", nq, " * k (=", k, ") values, got ",
                    indices.size(), " and ", dists.size());
    const Strided<const double> la{lats_.data(), size()}, lo{lons_.data(), size()};
    detail::parallel_for(nq, kQueryGrain, [&](index_t b, index_t e) {
        Search search(*this);
        for (index_t i = b; i < e; ++i) {
            const double qa = lat[static_cast<std::size_t>(i)],
                         qo = lon[static_cast<std::size_t>(i)];
            unit_vector(qa, qo, search.q);
            const auto at = static_cast<std::size_t>(i * k), kk = static_cast<std::size_t>(k);
            detail::nearest_from<double>(
                qa, qo, la, lo, k, [&](index_t want) { return search.nearest(qa, qo, want); },
                kSlack, indices.subspan(at, kk), dists.subspan(at, kk), radius_);
        }
    });
}

Nearest<double> GeoIndex::query(double lat, double lon, index_t k) const {
    detail::require_between("GeoIndex.query", "k", k, index_t{1}, size());
    Nearest<double> res;
    res.indices.resize(static_cast<std::size_t>(k));
    res.distances.resize(static_cast<std::size_t>(k));
    query(std::span<const double>(&lat, 1), std::span<const double>(&lon, 1), k,
          std::span<index_t>(res.indices), std::span<double>(res.distances));
    return res;
}

RadiusResult GeoIndex::query_radius(std::span<const double> lat, std::span<const double> lon,
                                    double r) const {
    constexpr const char* kFunc = "GeoIndex.query_radius";
    detail::require(r >= 0, kFunc, "r (=", r, ") must be >= 0");
    check_queries(kFunc, lat, lon);
    const auto nq = static_cast<index_t>(lat.size());
    // Chord of the angle r / radius; beyond half the circumference, everything.
    const double angle = r / radius_;
    const double limit =
        angle >= std::numbers::pi ? kInf : widen(std::pow(2 * std::sin(angle / 2), 2));
    struct One {
        std::vector<index_t> indices;
        std::vector<double> distances;
    };
    std::vector<One> per(static_cast<std::size_t>(nq));
    detail::parallel_for(nq, kQueryGrain, [&](index_t b, index_t e) {
        Search search(*this);
        std::vector<index_t> cand;
        std::vector<double> d;
        std::vector<std::size_t> order;
        for (index_t i = b; i < e; ++i) {
            const double qa = lat[static_cast<std::size_t>(i)],
                         qo = lon[static_cast<std::size_t>(i)];
            unit_vector(qa, qo, search.q);
            cand.clear();
            search.within(limit, cand);
            d.resize(cand.size());
            detail::geo_distances(qa, qo, lats_.data(), lons_.data(), cand.data(),
                                  static_cast<index_t>(cand.size()), radius_, d.data());
            order.clear();
            for (std::size_t c = 0; c < cand.size(); ++c)
                if (d[c] <= r) order.push_back(c);
            std::sort(order.begin(), order.end(), [&](std::size_t u, std::size_t v) {
                return d[u] < d[v] || (d[u] == d[v] && cand[u] < cand[v]);
            });
            One& o = per[static_cast<std::size_t>(i)];
            o.indices.reserve(order.size());
            o.distances.reserve(order.size());
            for (std::size_t c : order) {
                o.indices.push_back(cand[c]);
                o.distances.push_back(d[c]);
            }
        }
    });
    RadiusResult res;
    res.offsets.reserve(static_cast<std::size_t>(nq) + 1);
    res.offsets.push_back(0);
    for (const One& o : per)
        res.offsets.push_back(res.offsets.back() + static_cast<index_t>(o.indices.size()));
    res.indices.reserve(static_cast<std::size_t>(res.offsets.back()));
    res.distances.reserve(static_cast<std::size_t>(res.offsets.back()));
    for (One& o : per) {
        res.indices.insert(res.indices.end(), o.indices.begin(), o.indices.end());
        res.distances.insert(res.distances.end(), o.distances.begin(), o.distances.end());
        o = One{};
    }
    return res;
}

}  // namespace fastcpp
