// Geometry kernels: distances, haversine, nearest_k (algorithms in geo.hpp).
// The vector loops use the inline sin/cos/central_angle of detail/vmath.hpp
// (within 2 ulp of libm), with FMA at x86-64-v3/v4 (and aarch64) and without
// below (dispatch_fused, detail::fuses_multiply_add: the flag F of every
// kernel here). Compiled with
// -fno-math-errno (sqrt vectorises) and -ffp-contract=off (a*b + c fuses only
// where a kernel says so, the same way in every lane and scalar copy).
#include "fastcpp/geo.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <numeric>
#include <type_traits>
#include <vector>

#include "elementwise_loops.hpp"
#include "fastcpp/config.hpp"
#include "fastcpp/detail/checks.hpp"
#include "fastcpp/detail/dispatch.hpp"
#include "fastcpp/detail/parallel.hpp"
#include "fastcpp/detail/vmath.hpp"
#include "geo_exact.hpp"

namespace fastcpp {

void check_radius(const char* func, double radius) {
    detail::require(std::isfinite(radius) && radius > 0, func, "radius (=", radius,
                    ") must be finite and > 0");
}

namespace {

using detail::kBlock;
using detail::kLanes;
using detail::pad_lanes;
namespace vmath = detail::vmath;

/// numpy.radians(x) is x * (pi / 180) with this constant.
constexpr double kDegToRad = std::numbers::pi / 180.0;
/// Above this h, arcsin amplifies errors of h by 1/(pi sqrt(1-h)) > 10: such
/// points are recomputed with the scalar libm sin/cos that NumPy uses.
constexpr double kNearAntipodal = 0.999;
constexpr double kInf = std::numeric_limits<double>::infinity();
/// Up to this k, nearest_k keeps a running top-k (heap) per range; above,
/// it computes every h and selects with nth_element.
constexpr index_t kSmallK = index_t{1} << 16;
/// Points per top-k range: each range keeps k candidates, merged at the end.
constexpr index_t kTopKGrain = index_t{1} << 14;
/// nearest_k selects k + kTieSlack candidates by the vector h, so near ties
/// at the k-th place can be re-ranked by NumPy's exact distance.
constexpr index_t kTieSlack = 16;
/// Keys closer than this (relative) may be ordered differently by vector and
/// scalar sin/cos (a few ulp apart): a near tie.
constexpr double kTieRel = 1e-13;

// ---------------------------------------------------------------- distances

/// Sum of squares of a long contiguous row in 8 independent lanes (vectorises).
template <class T>
FASTCPP_KERNEL double sum_squares_lanes(const T* x, index_t n) noexcept {
    constexpr int kAcc = 8;
    double acc[kAcc] = {};
    index_t i = 0;
    for (; i + kAcc <= n; i += kAcc)
        for (int l = 0; l < kAcc; ++l) {
            const auto v = static_cast<double>(x[i + l]);
            acc[l] += v * v;
        }
    double s = 0;
    for (; i < n; ++i) s += static_cast<double>(x[i]) * static_cast<double>(x[i]);
    for (double a : acc) s += a;
    return s;
}

/// sqrt(sum x**2) of one point; rescaled by max|x| when the plain sum
/// overflows or may have underflowed (then NumPy's result would be inf or 0).
template <class T>
double point_norm(Strided<const T> p) noexcept {
    double s = 0;
    if (p.stride == 1 && p.size >= 64) {
        s = detail::dispatch([&] { return sum_squares_lanes(p.data, p.size); });
    } else {
        for (index_t j = 0; j < p.size; ++j) {
            const auto v = static_cast<double>(p[j]);
            s += v * v;
        }
    }
    if (std::isnan(s) || (s < kInf && s >= 1e-280)) return std::sqrt(s);
    double m = 0;
    for (index_t j = 0; j < p.size; ++j) m = std::max(m, std::fabs(static_cast<double>(p[j])));
    if (m == 0 || m == kInf) return m;
    double t = 0;
    for (index_t j = 0; j < p.size; ++j) {
        const double v = static_cast<double>(p[j]) / m;
        t += v * v;
    }
    return m * std::sqrt(t);
}

// ---------------------------------------------------------------- haversine

/// h for one pair in radians with the scalar libm functions (NumPy's).
[[gnu::noinline]] double h_scalar(double la1, double lo1, double la2, double lo2) noexcept {
    const double s1 = std::sin((la2 - la1) / 2);
    const double s2 = std::sin((lo2 - lo1) / 2);
    return s1 * s1 + std::cos(la1) * std::cos(la2) * (s2 * s2);
}

/// dst[i] = radians(v[b + i]) for i < m, then zeros up to a whole number of
/// vectors (see kLanes); returns that padded count.
template <class T>
[[gnu::always_inline]] inline index_t load_radians(Strided<const T> v, index_t b, index_t m,
                                                   double* __restrict dst) noexcept {
    if (v.stride == 1) {
        const T* p = v.data + b;
        // omp simd: vectorised at -O2 too (GCC's cheap cost model would not).
#pragma omp simd
        for (index_t i = 0; i < m; ++i) dst[i] = static_cast<double>(p[i]) * kDegToRad;
    } else if (v.stride == 0) {  // broadcast
        const double r = static_cast<double>(v.data[0]) * kDegToRad;
#pragma omp simd
        for (index_t i = 0; i < m; ++i) dst[i] = r;
    } else {
        for (index_t i = 0; i < m; ++i) dst[i] = static_cast<double>(v[b + i]) * kDegToRad;
    }
    const index_t mp = pad_lanes(m);
    for (index_t i = m; i < mp; ++i) dst[i] = 0;
    return mp;
}

/// cos of one latitude, as the vector loops compute it (scalar libm outside
/// vmath's range), for a latitude that is the same for the whole block.
template <bool F>
[[gnu::always_inline]] inline double cos_const(double la) noexcept {
    return vmath::trig_in_range(la) ? vmath::cos<F>(la) : std::cos(la);
}

/// c[i] = cos(la[i]), or the broadcast latitude's cos; OR-s the range flags
/// of the arguments into far.
template <bool F>
[[gnu::always_inline]] inline void cos_block(const double* __restrict la, index_t m, bool la_const,
                                             double* __restrict c, std::uint64_t& far) noexcept {
    if (la_const) {
        const double v = cos_const<F>(la[0]);
#pragma omp simd
        for (index_t i = 0; i < m; ++i) c[i] = v;
        far |= vmath::trig_far_bits(la[0]);
        return;
    }
    std::uint64_t f = 0;
#pragma omp simd reduction(| : f)
    for (index_t i = 0; i < m; ++i) {
        c[i] = vmath::cos<F>(la[i]);
        f |= vmath::trig_far_bits(la[i]);
    }
    far |= f;
}

/// A latitude (or its cos) per point, or one for all (broadcast).
struct Each {
    const double* v;
    [[gnu::always_inline]] double operator()(index_t i) const noexcept { return v[i]; }
};
struct Same {
    double v;
    [[gnu::always_inline]] double operator()(index_t) const noexcept { return v; }
};
/// A contiguous coordinate in degrees, read as radians as load_radians()
/// converts it (the same bits), which it also stores in rad (for the general
/// path and the fix-ups): h_near's loop then does the conversion, without a
/// loop of its own. Read each i once.
template <class T>
struct Radians {
    const T* deg;
    double* rad;
    [[gnu::always_inline]] double operator()(index_t i) const noexcept {
        const double r = static_cast<double>(deg[i]) * kDegToRad;
        rad[i] = r;
        return r;
    }
};

/// For a broadcast first latitude a: a bound B such that |lat2| <= B gives
/// both conditions of h_near (|lat2| <= kCosNearMax, |dlat| <= kSinNearMax:
/// |lat2 - a| <= |lat2| + |a| <= 2 kSinNearMax, a double, and rounding is
/// monotone), so one test per lane does; -1 when no lat2 qualifies (|a| >=
/// 2 kSinNearMax, NaN). A pole, |a| = pi/2 (a double above kSinNearMax),
/// gets B = pi/2 - 3 ulp: every lat2 but the poles.
double near_lat_bound(double a) noexcept {
    if (!(std::fabs(a) < 2 * vmath::kSinNearMax)) return -1;
    // Rounded down: one ulp below the nearest double of the difference (> 0).
    const double b = std::nextafter(2 * vmath::kSinNearMax - std::fabs(a), 0.0);
    return std::min(vmath::kCosNearMax, b);
}

/// h_block's first try: h for latitudes within ±3 rad and half latitude
/// differences within ±pi/2 (every pair of valid latitudes but pole to
/// pole), where cos_near and sin_near give cos' and sin's bits without their
/// reductions. Returns
/// bits whose top bit flags a lane beyond (then the block is redone). A
/// broadcast lat1 (Same) tests each lat2 against near_lat_bound once.
template <bool F, class Lat1, class Cos1, class Lat2, class Lon2>
[[gnu::always_inline]] inline std::uint64_t h_near(Lat1 lat1, Cos1 cos1,
                                                   const double* __restrict lo1, Lat2 lat2,
                                                   Lon2 lon2, index_t m,
                                                   double* __restrict h) noexcept {
    constexpr bool kSame = std::is_same_v<Lat1, Same>;
    [[maybe_unused]] double bound = vmath::kCosNearMax;
    std::uint64_t off = 0;
    if constexpr (kSame) {
        bound = near_lat_bound(lat1(0));
        if (bound < 0) {  // no lat2 qualifies: the block is redone, but the
            off = std::uint64_t{1} << 63;  // loop still runs (Radians fill
            bound = 0;                     // the general path's buffers)
        }
    }
#pragma omp simd reduction(| : off)
    for (index_t i = 0; i < m; ++i) {
        const double la2 = lat2(i), lo2 = lon2(i);
        const double dlat = (la2 - lat1(i)) / 2, dlon = (lo2 - lo1[i]) / 2;
        const double s1 = vmath::sin_near<F>(dlat), s2 = vmath::sin_up_to_sign<F>(dlon);
        h[i] = vmath::mul_add<F>(s1, s1, cos1(i) * vmath::cos_near<F>(la2) * (s2 * s2));
        if constexpr (kSame)
            off |= vmath::beyond_bits(la2, bound) | vmath::trig_far_bits(dlon);
        else
            off |= vmath::beyond_bits<vmath::kCosNearMax>(la2) |
                   vmath::beyond_bits<vmath::kSinNearMax>(dlat) | vmath::trig_far_bits(dlon);
    }
    return off;
}

/// h[i] = sin(dlat/2)**2 + cos(lat1)*cos(lat2)*sin(dlon/2)**2 for a block in
/// radians, with the inline vector sin/cos of detail/vmath.hpp; the rare
/// point with an argument beyond vmath's range (or inf/NaN) is recomputed
/// with scalar libm. A constant latitude (broadcast) gets one cos. The
/// first try reads the second point through lat2 and lon2 (Radians: filling
/// la2 and lo2, which the general path reads after it).
template <bool F, class Lat2, class Lon2>
[[gnu::always_inline]] inline void h_block(const double* __restrict la1,
                                           const double* __restrict lo1, Lat2 lat2, Lon2 lon2,
                                           const double* la2, const double* lo2, index_t m,
                                           bool la1_const, bool la2_const,
                                           double* __restrict h) noexcept {
    alignas(64) double c1[kBlock], c2[kBlock];
    std::uint64_t far = 0;
    bool have_c1 = false;
    if (!la2_const) {
        // First try (h_near); a block with a lane beyond its range (or
        // beyond vmath's) is redone below. A broadcast lat1 is read as one
        // value and its cos taken once, without filling buffers.
        std::uint64_t off = 0;
        if (la1_const) {
            const double a = la1[0], c = cos_const<F>(a);
            off = h_near<F>(Same{a}, Same{c}, lo1, lat2, lon2, m, h) | vmath::trig_far_bits(a);
        } else {
            cos_block<F>(la1, m, false, c1, far);
            have_c1 = true;
            off = h_near<F>(Each{la1}, Each{c1}, lo1, lat2, lon2, m, h);
        }
        if (!vmath::any_far(far | off)) return;
    }
    if (!have_c1) cos_block<F>(la1, m, la1_const, c1, far);
    cos_block<F>(la2, m, la2_const, c2, far);
    std::uint64_t f = 0;
#pragma omp simd reduction(| : f)
    for (index_t i = 0; i < m; ++i) {
        const double dlat = (la2[i] - la1[i]) / 2, dlon = (lo2[i] - lo1[i]) / 2;
        const double s1 = vmath::sin_up_to_sign<F>(dlat), s2 = vmath::sin_up_to_sign<F>(dlon);
        h[i] = vmath::mul_add<F>(s1, s1, c1[i] * c2[i] * (s2 * s2));
        f |= vmath::trig_far_bits(dlat) | vmath::trig_far_bits(dlon);
    }
    if (!vmath::any_far(far | f)) return;
    for (index_t i = 0; i < m; ++i) {
        const double dlat = (la2[i] - la1[i]) / 2, dlon = (lo2[i] - lo1[i]) / 2;
        if (vmath::trig_in_range(dlat) && vmath::trig_in_range(dlon) &&
            vmath::trig_in_range(la1[i]) && vmath::trig_in_range(la2[i]))
            continue;
        h[i] = h_scalar(la1[i], lo1[i], la2[i], lo2[i]);
    }
}

/// h_block on the second point's radians in la2 and lo2.
template <bool F>
[[gnu::always_inline]] inline void h_block(const double* __restrict la1,
                                           const double* __restrict lo1, const double* la2,
                                           const double* lo2, index_t m, bool la1_const,
                                           bool la2_const, double* __restrict h) noexcept {
    h_block<F>(la1, lo1, Each{la2}, Each{lo2}, la2, lo2, m, la1_const, la2_const, h);
}

/// d[i] = radius * (2 * arcsin(sqrt(h[i]))) with vmath's central_angle, and the
/// near-antipodal fix-up (scalar libm, as NumPy).
template <bool F>
[[gnu::always_inline]] inline void d_block(const double* la1, const double* lo1, const double* la2,
                                           const double* lo2, const double* __restrict h, index_t m,
                                           double radius, double* __restrict d) noexcept {
    std::uint64_t near = 0;  // top bit set once some h > kNearAntipodal
#pragma omp simd reduction(| : near)
    for (index_t i = 0; i < m; ++i) {
        d[i] = radius * vmath::central_angle<F>(h[i]);
        near |= std::bit_cast<std::uint64_t>(kNearAntipodal - h[i]);  // its sign
    }
    if (!vmath::any_far(near)) return;
    // Whole vectors at a time (m is padded): a block holds a near-antipodal
    // point often enough (0.1% of a uniform cloud) for a scan per value to cost
    // (a scalar scan of the groups cost 5 instructions per point at v3).
    for (index_t g = 0; g < m; g += kLanes) {
        std::uint64_t any = 0;
#pragma omp simd reduction(| : any)
        for (index_t i = g; i < g + kLanes; ++i)
            any |= std::bit_cast<std::uint64_t>(kNearAntipodal - h[i]);
        if (!vmath::any_far(any)) continue;
        for (index_t i = g; i < g + kLanes; ++i)
            if (h[i] > kNearAntipodal)
                d[i] =
                    radius * (2 * std::asin(std::sqrt(h_scalar(la1[i], lo1[i], la2[i], lo2[i]))));
    }
}

template <bool F, class T>
FASTCPP_KERNEL void haversine_chunk(Strided<const T> lat1, Strided<const T> lon1,
                                    Strided<const T> lat2, Strided<const T> lon2, Strided<T> out,
                                    double radius) noexcept {
    alignas(64) double a1[kBlock], o1[kBlock], a2[kBlock], o2[kBlock], h[kBlock], d[kBlock];
    const index_t n = out.size;
    for (index_t b = 0; b < n; b += kBlock) {
        const index_t m = std::min(kBlock, n - b);
        // A broadcast coordinate's buffer holds kBlock copies from block 0 on.
        if (b == 0 || lat1.stride != 0) load_radians(lat1, b, m, a1);
        if (b == 0 || lon1.stride != 0) load_radians(lon1, b, m, o1);
        index_t mp = m;
        if (lat2.stride == 1 && lon2.stride == 1 && m == pad_lanes(m)) {
            // h_block's first try converts lat2 and lon2 (and fills a2, o2).
            h_block<F>(a1, o1, Radians<T>{lat2.data + b, a2}, Radians<T>{lon2.data + b, o2}, a2,
                       o2, m, lat1.stride == 0, false, h);
        } else {
            load_radians(lat2, b, m, a2);
            mp = load_radians(lon2, b, m, o2);
            h_block<F>(a1, o1, a2, o2, mp, lat1.stride == 0, lat2.stride == 0, h);
        }
        // A whole number of vectors of doubles goes straight to out (d_block
        // writes mp values); the rest through d.
        double* dst = d;
        if constexpr (std::is_same_v<T, double>)
            if (out.stride == 1 && mp == m) dst = out.data + b;
        d_block<F>(a1, o1, a2, o2, h, mp, radius, dst);
        if (dst != d) continue;
        if (out.stride == 1) {
            T* __restrict p = out.data + b;
#pragma omp simd
            for (index_t i = 0; i < m; ++i) p[i] = static_cast<T>(d[i]);
        } else {
            for (index_t i = 0; i < m; ++i) out[b + i] = static_cast<T>(d[i]);
        }
    }
}

// ---------------------------------------------------------------- nearest_k

using Candidate = detail::GeoCandidate;
double key_of(double h) noexcept { return std::isnan(h) ? kInf : h; }
/// a <= b are a near tie (NaN keys tie exactly and need no re-ranking;
/// h == 0 is exact in both, since sin(0) = 0, so zero keys tie exactly too).
bool near_tie(double a, double b) noexcept { return b > 0 && b < kInf && b - a <= kTieRel * b; }

/// The k smallest candidates seen so far: a max-heap on (key, index), so
/// chunks may arrive in any order (threads take them dynamically).
class TopK {
public:
    explicit TopK(index_t k) : k_(static_cast<std::size_t>(k)) { heap_.reserve(k_); }
    [[nodiscard]] bool full() const noexcept { return heap_.size() == k_; }
    /// The candidate a new one must precede to enter (valid once full).
    [[nodiscard]] const Candidate& worst() const noexcept { return heap_.front(); }
    void push(Candidate c) {
        if (heap_.size() < k_) {
            heap_.push_back(c);
            std::push_heap(heap_.begin(), heap_.end());
        } else if (c < heap_.front()) {
            std::pop_heap(heap_.begin(), heap_.end());
            heap_.back() = c;
            std::push_heap(heap_.begin(), heap_.end());
        }
    }
    [[nodiscard]] const std::vector<Candidate>& items() const noexcept { return heap_; }

private:
    std::size_t k_;
    std::vector<Candidate> heap_;
};

/// Query point (radians) replicated over a block, as h_block's first point.
/// Only the first `used` entries are filled: a caller that computes at most
/// `used` points per block (GeoIndex's few candidates) skips the rest.
struct Query {
    alignas(64) double lat[kBlock], lon[kBlock];
    Query(double lat_deg, double lon_deg, index_t used = kBlock) noexcept {
        const index_t m = std::min(kBlock, pad_lanes(used));
        std::fill(lat, lat + m, lat_deg * kDegToRad);
        std::fill(lon, lon + m, lon_deg * kDegToRad);
    }
};

/// Latitude pruning for nearest_k. With both latitudes in [-pi/2, pi/2],
/// cos(lat1) * cos(lat2) >= 0, so h >= sin(dlat/2)^2 (also as computed: the
/// vector cos of such an angle is > 0). A point whose |dlat/2| exceeds
/// asin(sqrt(thr)) cannot have h <= thr and never enters the top k: its h
/// is not computed at all. Only used while thr <= kPruneMaxH (angles <=
/// pi/6, where the relative margin kPruneMargin on the angle dwarfs every
/// rounding error of either side); else nothing is pruned.
constexpr double kHalfPi = std::numbers::pi / 2;
constexpr double kPruneMaxH = 0.25;
constexpr double kPruneMargin = 1e-9;

/// The half-latitude difference beyond which a point is pruned, or inf.
double prune_angle(double thr) noexcept {
    if (!(thr <= kPruneMaxH)) return kInf;
    return std::asin(std::sqrt(thr)) * (1 + kPruneMargin) + 1e-300;
}

/// Running top-k over points [begin, end): h per block by the vector path,
/// then one vectorised "anything below the threshold?" test per block. Once
/// the top is full, points are first pruned by latitude (see prune_angle)
/// and h is computed for the survivors only, by the same h_block on the same
/// radians: the keys, and so the result, are those of the full computation.
template <bool F, class T>
FASTCPP_KERNEL void nearest_chunk(const Query& q, Strided<const T> lats, Strided<const T> lons,
                                  index_t begin, index_t end, TopK& top) {
    alignas(64) double a2[kBlock], o2[kBlock], h[kBlock];
    alignas(64) index_t pick[kBlock];
    const double qlat = q.lat[0];
    const bool can_prune = std::fabs(qlat) <= kHalfPi;
    for (index_t b = begin; b < end; b += kBlock) {
        const index_t m = std::min(kBlock, end - b);
        load_radians(lats, b, m, a2);
        if (can_prune && top.full()) {
            const double theta = prune_angle(top.worst().key);
            if (theta < kInf) {
                // Keep unless provably pruned (NaN latitudes are kept).
                index_t cnt = 0;
                for (index_t i = 0; i < m; ++i) {
                    const bool out =
                        std::fabs((a2[i] - qlat) / 2) > theta && std::fabs(a2[i]) <= kHalfPi;
                    pick[cnt] = i;
                    cnt += out ? 0 : 1;
                }
                if (cnt == 0) continue;
                for (index_t j = 0; j < cnt; ++j) {
                    a2[j] = a2[pick[j]];
                    o2[j] = static_cast<double>(lons[b + pick[j]]) * kDegToRad;
                }
                h_block<F>(q.lat, q.lon, a2, o2, cnt, true, false, h);
                for (index_t j = 0; j < cnt; ++j) {
                    const Candidate c{key_of(h[j]), b + pick[j]};
                    if (c < top.worst()) top.push(c);
                }
                continue;
            }
        }
        const index_t mp = load_radians(lons, b, m, o2);
        h_block<F>(q.lat, q.lon, a2, o2, mp, true, lats.stride == 0, h);
        index_t i = 0;
        for (; i < m && !top.full(); ++i) top.push({key_of(h[i]), b + i});
        if (i == m) continue;
        // Vector pre-test; NaN passes it (a NaN of a smaller index than a
        // kept NaN must still get in), ties are settled by index below.
        const double thr = top.worst().key;
        int any = 0;
        for (index_t j = i; j < m; ++j) any |= h[j] > thr ? 0 : 1;
        if (!any) continue;
        for (index_t j = i; j < m; ++j) {
            const Candidate c{key_of(h[j]), b + j};
            if (c < top.worst()) top.push(c);
        }
    }
}

/// h of every point into hs (the large-k path).
template <bool F, class T>
FASTCPP_KERNEL void h_chunk(const Query& q, Strided<const T> lats, Strided<const T> lons,
                            index_t begin, index_t end, double* hs) noexcept {
    alignas(64) double a2[kBlock], o2[kBlock], h[kBlock];
    for (index_t b = begin; b < end; b += kBlock) {
        const index_t m = std::min(kBlock, end - b);
        load_radians(lats, b, m, a2);
        const index_t mp = load_radians(lons, b, m, o2);
        h_block<F>(q.lat, q.lon, a2, o2, mp, true, lats.stride == 0, h);
        std::copy(h, h + m, hs + b);
    }
}

/// The k best candidates of all n points, sorted by (key, index).
template <class T>
std::vector<Candidate> select_k(const Query& q, Strided<const T> lats, Strided<const T> lons,
                                index_t k) {
    const index_t n = lats.size;
    std::vector<Candidate> all;
    if (k <= kSmallK) {
        // A running top-k per range, merged after: (key, index) order makes
        // the result independent of how the ranges were cut.
        const auto tops =
            detail::map_ranges<std::vector<Candidate>>(n, kTopKGrain, [&](index_t b, index_t e) {
                TopK top(k);
                detail::dispatch_fused([&](auto fused) {
                    nearest_chunk<decltype(fused)::value>(q, lats, lons, b, e, top);
                });
                return top.items();
            });
        for (const auto& t : tops) all.insert(all.end(), t.begin(), t.end());
        std::sort(all.begin(), all.end());
        all.resize(static_cast<std::size_t>(k));
        return all;
    }
    std::vector<double> hs(static_cast<std::size_t>(n));
    detail::parallel_rows(1, n, detail::kGrainTrig, [&](index_t, index_t b, index_t e) {
        detail::dispatch_fused(
            [&](auto fused) { h_chunk<decltype(fused)::value>(q, lats, lons, b, e, hs.data()); });
    });
    all.resize(static_cast<std::size_t>(n));
    for (index_t i = 0; i < n; ++i)
        all[static_cast<std::size_t>(i)] = {key_of(hs[static_cast<std::size_t>(i)]), i};
    const auto kth = all.begin() + k;
    if (k < n) std::nth_element(all.begin(), kth, all.end());
    all.resize(static_cast<std::size_t>(k));
    std::sort(all.begin(), all.end());
    return all;
}

/// Distances of the winners (vector central_angle on their h, fix-up near antipodes).
template <bool F, class T>
FASTCPP_KERNEL void winner_distances(const Query& q, Strided<const T> lats, Strided<const T> lons,
                                     const index_t* idx, index_t k, double radius,
                                     double* d) noexcept {
    alignas(64) double a2[kBlock], o2[kBlock], h[kBlock], db[kBlock];
    for (index_t b = 0; b < k; b += kBlock) {
        const index_t m = std::min(kBlock, k - b), mp = pad_lanes(m);
        for (index_t i = 0; i < m; ++i) a2[i] = static_cast<double>(lats[idx[b + i]]) * kDegToRad;
        for (index_t i = 0; i < m; ++i) o2[i] = static_cast<double>(lons[idx[b + i]]) * kDegToRad;
        for (index_t i = m; i < mp; ++i) a2[i] = o2[i] = 0;
        h_block<F>(q.lat, q.lon, a2, o2, mp, true, false, h);
        d_block<F>(q.lat, q.lon, a2, o2, h, mp, radius, db);
        std::copy(db, db + m, d + b);
    }
}

/// Keys of gathered points c[i].index (degrees in lats/lons), as nearest_chunk
/// computes them: the same radians, the same h_block, bit for bit.
template <bool F>
FASTCPP_KERNEL void gathered_keys(const Query& q, const double* lats, const double* lons,
                                  Candidate* c, index_t m) noexcept {
    alignas(64) double a2[kBlock], o2[kBlock], h[kBlock];
    for (index_t b = 0; b < m; b += kBlock) {
        const index_t mb = std::min(kBlock, m - b), mp = pad_lanes(mb);
        for (index_t i = 0; i < mb; ++i) a2[i] = lats[c[b + i].index] * kDegToRad;
        for (index_t i = 0; i < mb; ++i) o2[i] = lons[c[b + i].index] * kDegToRad;
        for (index_t i = mb; i < mp; ++i) a2[i] = o2[i] = 0;
        h_block<F>(q.lat, q.lon, a2, o2, mp, true, false, h);
        for (index_t i = 0; i < mb; ++i) c[b + i].key = key_of(h[i]);
    }
}

template <class T>
void check_nearest_args(Strided<const T> lats, Strided<const T> lons, index_t k, double radius) {
    check_radius("nearest_k", radius);
    detail::require(lats.size == lons.size, "nearest_k",
                    "lats and lons must have the same length, got ", lats.size, " and ", lons.size);
    detail::require_between("nearest_k", "k", k, index_t{1}, lats.size);
}

}  // namespace

template <std::floating_point T>
void distances(Rows<const T> points, Strided<T> out) {
    detail::require(out.size == points.count(), "distances", "out has ", out.size,
                    " elements, expected one per point (", points.count(), ")");
    const index_t grain =
        std::max<index_t>(1, detail::kGrainArith / std::max<index_t>(points.length, 1));
    detail::parallel_for(points.count(), grain, [&](index_t lo, index_t hi) {
        for (index_t r = lo; r < hi; ++r) out[r] = static_cast<T>(point_norm(points.row(r)));
    });
}
template <std::floating_point T>
void distances(std::span<const T> points, index_t dim, std::span<T> out) {
    detail::require(dim >= 1, "distances", "dim (=", dim, ") must be >= 1");
    const auto size = static_cast<index_t>(points.size());
    detail::require(size % dim == 0, "distances", "points has ", size,
                    " values, not a multiple of dim (=", dim, ")");
    const index_t n = size / dim;
    std::vector<index_t> offsets(static_cast<std::size_t>(n));
    for (index_t r = 0; r < n; ++r) offsets[static_cast<std::size_t>(r)] = r * dim;
    distances(Rows<const T>{points.data(), dim, 1, offsets}, Strided<T>(out));
}

double haversine(double lat1, double lon1, double lat2, double lon2, double radius) {
    check_radius("haversine", radius);
    const double a1 = lat1 * kDegToRad, o1 = lon1 * kDegToRad;
    const double a2 = lat2 * kDegToRad, o2 = lon2 * kDegToRad;
    return radius * (2 * std::asin(std::sqrt(h_scalar(a1, o1, a2, o2))));
}

template <std::floating_point T>
void haversine(Rows<const T> lat1, Rows<const T> lon1, Rows<const T> lat2, Rows<const T> lon2,
               Rows<T> out, double radius) {
    check_radius("haversine", radius);
    detail::require_same_shape("haversine", "lat1", lat1, "lon1", lon1);
    detail::require_same_shape("haversine", "lat1", lat1, "lat2", lat2);
    detail::require_same_shape("haversine", "lat1", lat1, "lon2", lon2);
    detail::require_same_shape("haversine", "lat1", lat1, "out", out);
    detail::parallel_rows(
        out.count(), out.length, detail::kGrainTrig, [&](index_t r, index_t b, index_t e) {
            detail::dispatch_fused([&](auto fused) {
                haversine_chunk<decltype(fused)::value>(
                    lat1.row(r).sub(b, e), lon1.row(r).sub(b, e), lat2.row(r).sub(b, e),
                    lon2.row(r).sub(b, e), out.row(r).sub(b, e), radius);
            });
        });
}
template <std::floating_point T>
void haversine(std::span<const T> lat1, std::span<const T> lon1, std::span<const T> lat2,
               std::span<const T> lon2, std::span<T> out, double radius) {
    haversine(detail::one_row(lat1), detail::one_row(lon1), detail::one_row(lat2),
              detail::one_row(lon2), detail::one_row(out), radius);
}

namespace detail {

template <class T>
void nearest_from(double lat, double lon, Strided<const T> lats, Strided<const T> lons, index_t k,
                  const GeoSelect& select, index_t slack, std::span<index_t> indices,
                  std::span<T> dists, double radius) {
    const Query q(lat, lon, k);
    const index_t n = lats.size;
    // Select a few more than k by the vector h: enough to hold every candidate
    // of a near-tie run that reaches the k-th place (rarely, select more).
    index_t want = std::min(n, k + std::max<index_t>(slack, 1));
    std::vector<Candidate> win;
    for (;;) {
        win = select(want);
        auto j = static_cast<std::size_t>(k - 1);
        while (j + 1 < win.size() && near_tie(win[j].key, win[j + 1].key)) ++j;
        if (j + 1 < win.size() || want == n) break;
        want = std::min(n, 4 * want);
    }
    // Vector and scalar sin/cos may differ by an ulp, so points at (nearly) the
    // same distance could come out in another order than NumPy's stable
    // argsort gives. Re-rank each near-tie run (up to the k-th place) by the
    // distance from the h that NumPy computes (scalar libm), ties by index.
    // Runs are more than kTieRel apart, so keys stay ordered between runs.
    const auto kk = static_cast<std::size_t>(k);
    std::vector<char> exact(win.size(), 0);
    for (std::size_t s = 0; s < kk;) {
        std::size_t e = s + 1;
        while (e < win.size() && near_tie(win[e - 1].key, win[e].key)) ++e;
        if (e - s > 1) {
            for (std::size_t j = s; j < e; ++j) {
                const index_t i = win[j].index;
                const double h =
                    h_scalar(q.lat[0], q.lon[0], static_cast<double>(lats[i]) * kDegToRad,
                             static_cast<double>(lons[i]) * kDegToRad);
                win[j].key = key_of(radius * (2 * std::asin(std::sqrt(h))));
                exact[j] = 1;
            }
            std::sort(win.begin() + static_cast<std::ptrdiff_t>(s),
                      win.begin() + static_cast<std::ptrdiff_t>(e));
        }
        s = e;
    }
    win.resize(kk);
    std::vector<index_t> idx(kk);
    for (std::size_t i = 0; i < kk; ++i) idx[i] = win[i].index;
    std::vector<double> d(kk);
    detail::parallel_rows(1, k, detail::kGrainTrig, [&](index_t, index_t b, index_t e) {
        detail::dispatch_fused([&](auto fused) {
            winner_distances<decltype(fused)::value>(q, lats, lons, idx.data() + b, e - b, radius,
                                                     d.data() + b);
        });
    });
    for (std::size_t i = 0; i < kk; ++i)
        if (exact[i]) d[i] = win[i].key;
    // Final order by the distances themselves (NaN last, ties by index), as
    // NumPy's argsort of d: two different h can round to one distance.
    std::vector<std::size_t> order(kk);
    std::iota(order.begin(), order.end(), std::size_t{0});
    auto by_distance = [&](std::size_t a, std::size_t b) {
        return Candidate{key_of(d[a]), idx[a]} < Candidate{key_of(d[b]), idx[b]};
    };
    if (!std::is_sorted(order.begin(), order.end(), by_distance))
        std::sort(order.begin(), order.end(), by_distance);
    for (std::size_t i = 0; i < kk; ++i) {
        indices[i] = idx[order[i]];
        dists[i] = static_cast<T>(d[order[i]]);
    }
}

}  // namespace detail

void detail::geo_keys(double lat, double lon, const double* lats, const double* lons,
                      GeoCandidate* c, index_t m) {
    const Query q(lat, lon, m);
    detail::dispatch_fused(
        [&](auto fused) { gathered_keys<decltype(fused)::value>(q, lats, lons, c, m); });
}

void detail::geo_distances(double lat, double lon, const double* lats, const double* lons,
                           const index_t* idx, index_t m, double radius, double* d) {
    const Query q(lat, lon, m);
    // Sizes are not used by winner_distances (it reads idx[i] only).
    const Strided<const double> la(lats, 0), lo(lons, 0);
    detail::dispatch_fused([&](auto fused) {
        winner_distances<decltype(fused)::value>(q, la, lo, idx, m, radius, d);
    });
}

template <std::floating_point T>
void nearest_k(double lat, double lon, Strided<const T> lats, Strided<const T> lons, index_t k,
               std::span<index_t> indices, std::span<T> dists, double radius) {
    check_nearest_args(lats, lons, k, radius);
    detail::require(
        static_cast<index_t>(indices.size()) == k && static_cast<index_t>(dists.size()) == k,
        "nearest_k", "indices and dists must hold k (=", k, ") values, got ", indices.size(),
        " and ", dists.size());
    const Query q(lat, lon);
    detail::nearest_from<T>(
        lat, lon, lats, lons, k, [&](index_t want) { return select_k(q, lats, lons, want); },
        kTieSlack, indices, dists, radius);
}

template <std::floating_point T>
void nearest_k(std::span<const double> lat, std::span<const double> lon, Strided<const T> lats,
               Strided<const T> lons, index_t k, std::span<index_t> indices, std::span<T> dists,
               double radius) {
    check_nearest_args(lats, lons, k, radius);
    detail::require(lat.size() == lon.size(), "nearest_k",
                    "lat and lon must have the same length, got ", lat.size(), " and ", lon.size());
    const auto q = static_cast<index_t>(lat.size());
    detail::require(static_cast<index_t>(indices.size()) == q * k &&
                        static_cast<index_t>(dists.size()) == q * k,
                    "nearest_k", "indices and dists must hold ", q, " * k (=", k, ") values, got ",
                    indices.size(), " and ", dists.size());
    auto one = [&](index_t i) {
        const auto at = static_cast<std::size_t>(i * k), kk = static_cast<std::size_t>(k);
        nearest_k(lat[static_cast<std::size_t>(i)], lon[static_cast<std::size_t>(i)], lats, lons, k,
                  indices.subspan(at, kk), dists.subspan(at, kk), radius);
    };
    // Few queries: one after the other, each on all threads; many: queries
    // spread over the threads (each then runs single-threaded inside).
    if (q < 2 * num_threads()) {
        for (index_t i = 0; i < q; ++i) one(i);
        return;
    }
    const index_t grain =
        std::max<index_t>(1, detail::kGrainTrig / std::max<index_t>(lats.size, 1));
    detail::parallel_for(q, grain, [&](index_t b, index_t e) {
        for (index_t i = b; i < e; ++i) one(i);
    });
}

template <std::floating_point T>
Nearest<T> nearest_k(double lat, double lon, std::span<const T> lats, std::span<const T> lons,
                     index_t k, double radius) {
    Nearest<T> res;
    const index_t n = static_cast<index_t>(std::min(lats.size(), lons.size()));
    const auto m = static_cast<std::size_t>(std::clamp<index_t>(k, 0, n));
    res.indices.resize(m);
    res.distances.resize(m);
    nearest_k(lat, lon, Strided<const T>(lats), Strided<const T>(lons), k,
              std::span<index_t>(res.indices), std::span<T>(res.distances), radius);
    return res;
}

#define FASTCPP_INSTANTIATE(T)                                                                     \
    template void distances<T>(Rows<const T>, Strided<T>);                                         \
    template void distances<T>(std::span<const T>, index_t, std::span<T>);                         \
    template void haversine<T>(Rows<const T>, Rows<const T>, Rows<const T>, Rows<const T>,         \
                               Rows<T>, double);                                                   \
    template void haversine<T>(std::span<const T>, std::span<const T>, std::span<const T>,         \
                               std::span<const T>, std::span<T>, double);                          \
    template void nearest_k<T>(double, double, Strided<const T>, Strided<const T>, index_t,        \
                               std::span<index_t>, std::span<T>, double);                          \
    template Nearest<T> nearest_k<T>(double, double, std::span<const T>, std::span<const T>,       \
                                     index_t, double);                                             \
    template void nearest_k<T>(std::span<const double>, std::span<const double>, Strided<const T>, \
                               Strided<const T>, index_t, std::span<index_t>, std::span<T>,        \
                               double);                                                            \
    template void detail::nearest_from<T>(double, double, Strided<const T>, Strided<const T>,      \
                                          index_t, const detail::GeoSelect&, index_t,              \
                                          std::span<index_t>, std::span<T>, double);
FASTCPP_INSTANTIATE(double)
FASTCPP_INSTANTIATE(float)
#undef FASTCPP_INSTANTIATE

}  // namespace fastcpp
