#pragma once
// Private interface of geo.cpp for geo_index.cpp (not installed): the exact
// (brute-force-equal) haversine keys, distances and the finishing step of
// nearest_k, so an index that only *finds candidates* returns bit for bit
// what the brute force returns.

#include <functional>
#include <span>
#include <vector>

#include "fastcpp/strided.hpp"

namespace fastcpp::detail {

/// A point by its selection key (the haversine term h, NaN as +inf) and index.
struct GeoCandidate {
    double key;
    index_t index;
};
inline bool operator<(const GeoCandidate& a, const GeoCandidate& b) noexcept {
    return a.key < b.key || (a.key == b.key && a.index < b.index);
}

/// c[i].key = nearest_k's selection key of point c[i].index seen from
/// (lat, lon) (degrees): the same vector h, bit for bit.
void geo_keys(double lat, double lon, const double* lats, const double* lons, GeoCandidate* c,
              index_t m);

/// d[i] = the haversine distance of point idx[i] from (lat, lon) as nearest_k
/// and haversine compute it (vector path, near-antipodal fix-up).
void geo_distances(double lat, double lon, const double* lats, const double* lons,
                   const index_t* idx, index_t m, double radius, double* d);

/// select(want) -> the `want` smallest candidates of all n points by
/// (key, index), sorted; want <= n.
using GeoSelect = std::function<std::vector<GeoCandidate>(index_t want)>;

/// nearest_k after its selection: asks `select` for k + slack candidates
/// (slack >= 1; more while a near tie reaches the last one), re-ranks near
/// ties by NumPy's scalar distance and writes the k winners, ascending, ties
/// by index. A cheap select takes a small slack. Arguments are not checked.
template <class T>
void nearest_from(double lat, double lon, Strided<const T> lats, Strided<const T> lons, index_t k,
                  const GeoSelect& select, index_t slack, std::span<index_t> indices,
                  std::span<T> dists, double radius);

}  // namespace fastcpp::detail
