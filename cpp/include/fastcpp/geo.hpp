#pragma once
/// @file geo.hpp
/// Geometry kernels: Euclidean norms of points (`distances`), great-circle
/// distance (`haversine`) and the k nearest points on a sphere (`nearest_k`).
///
/// Haversine formula (R. W. Sinnott, "Virtues of the Haversine", Sky and
/// Telescope 68(2), 1984), evaluated exactly as NumPy's
///   h = sin(dlat/2)**2 + cos(lat1) * cos(lat2) * sin(dlon/2)**2,
///   d = radius * (2 * arcsin(sqrt(h)))      (angles in radians(deg) = deg*(pi/180))
/// with fastcpp's inline vector sin/cos and 2 asin(sqrt(h)) (detail/vmath.hpp; a few ulp),
/// which fuse multiply-adds (FMA) at x86-64-v3/v4 and round each operation apart below (the
/// paths differ by a few ulp; v3 and v4 give the same bits). Where h > 0.999 (nearly
/// antipodal points, where arcsin amplifies the error of h) the point is recomputed with the scalar
/// libm functions NumPy uses, so results agree with NumPy float64 to ~1e-14 relative everywhere.
/// Blocks are padded to whole vectors, so at one SIMD level equal inputs give bit-equal distances
/// wherever they sit and whatever the thread count.
///
/// nearest_k fuses the distance pass with a running top-k (a heap per thread,
/// chunks taken dynamically) on h, which is monotone in d, so arcsin/sqrt are
/// applied to the winners only; the per-thread winners are merged. Candidates
/// whose h lie within 1e-13 (relative) of each other at the k-th place are
/// re-ranked by the distance from the scalar-libm h, i.e. NumPy's value, so
/// the order equals np.argsort(d, kind="stable") also for near ties.

#include <concepts>
#include <span>
#include <vector>

#include "fastcpp/strided.hpp"

namespace fastcpp {

/// Default sphere radius of haversine/nearest_k: the mean Earth radius in km.
inline constexpr double kEarthRadiusKm = 6371.0;

/// The argument check of haversine, nearest_k and GeoIndex, for callers
/// (the Python bindings) that check before converting any array.
/// @throws std::invalid_argument naming `func` unless radius is finite and > 0
void check_radius(const char* func, double radius);

/// Euclidean norm of each point: out[r] = sqrt(sum_j points.row(r)[j]**2).
/// A row whose plain sum of squares over- or underflows is rescaled by its
/// largest magnitude, so 1e200-sized coordinates give finite norms.
/// @param points one row per point, `length` = dimension D (any strides)
/// @param out    one value per point (`out.size == points.count()`)
/// @throws std::invalid_argument if out has the wrong size
template <std::floating_point T>
void distances(Rows<const T> points, Strided<T> out);
/// Norms of the rows of a row-major (N, dim) array.
/// @param points N*dim coordinates, point after point
/// @param dim    coordinates per point, >= 1
/// @param out    N values
/// @throws std::invalid_argument if dim < 1, points.size() is not a multiple of
///         dim, or out.size() != points.size() / dim
template <std::floating_point T>
void distances(std::span<const T> points, index_t dim, std::span<T> out);

/// Great-circle distance between two points given in degrees.
/// @param lat1, lon1 first point, degrees
/// @param lat2, lon2 second point, degrees
/// @param radius     sphere radius (result unit), finite and > 0
/// @return distance in the unit of radius
/// @throws std::invalid_argument if radius is not finite and > 0
[[nodiscard]] double haversine(double lat1, double lon1, double lat2, double lon2,
                               double radius = kEarthRadiusKm);
/// Elementwise great-circle distances over broadcast rows (stride 0 where a
/// coordinate is shared, e.g. one point against many).
/// @param lat1, lon1, lat2, lon2 coordinates in degrees, same shape
/// @param out    distances, same shape
/// @param radius sphere radius, finite and > 0
/// @throws std::invalid_argument if radius is not finite and > 0, or the shapes differ
template <std::floating_point T>
void haversine(Rows<const T> lat1, Rows<const T> lon1, Rows<const T> lat2, Rows<const T> lon2,
               Rows<T> out, double radius = kEarthRadiusKm);
/// @copydoc haversine(Rows<const T>, Rows<const T>, Rows<const T>, Rows<const T>, Rows<T>, double)
template <std::floating_point T>
void haversine(std::span<const T> lat1, std::span<const T> lon1, std::span<const T> lat2,
               std::span<const T> lon2, std::span<T> out, double radius = kEarthRadiusKm);

/// The k points of (lats, lons) nearest to (lat, lon) on a sphere, ascending
/// by distance, ties by index; points with a NaN distance rank after every
/// real one (they are selected only when fewer than k real ones exist).
/// @param lat, lon   query point, degrees
/// @param lats, lons the points, degrees, equally long (n)
/// @param k          how many, 1 <= k <= n
/// @param indices    k outputs: indices into lats/lons
/// @param dists      k outputs: their distances, in the unit of radius
/// @param radius     sphere radius, finite and > 0
/// @throws std::invalid_argument if k is outside [1, n], the lengths of lats and
///         lons differ, indices/dists do not hold k values, or radius is invalid
template <std::floating_point T>
void nearest_k(double lat, double lon, Strided<const T> lats, Strided<const T> lons, index_t k,
               std::span<index_t> indices, std::span<T> dists, double radius = kEarthRadiusKm);

/// nearest_k for Q query points at once: row q of the (Q, k) row-major
/// outputs is nearest_k(lat[q], lon[q], ...). Many queries are spread over
/// the threads, a few run one after the other on all threads.
/// @param lat, lon   Q query points, degrees
/// @param indices    Q*k outputs
/// @param dists      Q*k outputs
/// @throws std::invalid_argument as the one-query nearest_k, or if lat and lon
///         differ in length or the outputs do not hold Q*k values
template <std::floating_point T>
void nearest_k(std::span<const double> lat, std::span<const double> lon, Strided<const T> lats,
               Strided<const T> lons, index_t k, std::span<index_t> indices, std::span<T> dists,
               double radius = kEarthRadiusKm);

/// Result of the allocating nearest_k overload.
template <std::floating_point T>
struct Nearest {
    std::vector<index_t> indices;  ///< ascending by distance, ties by index
    std::vector<T> distances;      ///< the matching distances
};
/// @copydoc nearest_k(double, double, Strided<const T>, Strided<const T>, index_t,
/// std::span<index_t>, std::span<T>, double)
template <std::floating_point T>
[[nodiscard]] Nearest<T> nearest_k(double lat, double lon, std::span<const T> lats,
                                   std::span<const T> lons, index_t k,
                                   double radius = kEarthRadiusKm);

}  // namespace fastcpp
