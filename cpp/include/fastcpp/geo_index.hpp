#pragma once
/// @file geo_index.hpp
/// GeoIndex: k nearest neighbours and radius search on a sphere over a point
/// set built once, with the exact results of the brute-force `nearest_k`.
///
/// Structure: a bounding-volume hierarchy over the points' unit vectors in
/// Morton (z-order) code order, split where the codes' highest differing bit
/// changes (the "linear BVH" of T. Karras, "Maximizing parallelism in the
/// construction of BVHs, octrees, and k-d trees", HPG 2012), with leaves of
/// at most 16 points: a radix sort and one linear pass build it, and its
/// nodes are octree cells, tight for nearest-neighbour pruning (a depth-
/// first search, nearer box first). The chord between unit vectors is
/// 2*sin(theta/2), monotone in the great-circle angle theta,
/// and chord**2 / 4 equals the haversine term h = sin(theta/2)**2, so the
/// Euclidean search bounds the great-circle one. The tree only *finds
/// candidates*: every point whose chord lies within a safety margin (1e-9,
/// a million times the rounding error of either formula) of the current
/// bound is kept, then ranked by the very haversine term and distance that
/// `nearest_k` computes (same vector math, same tie rules), so results are
/// bit-identical to the brute force, ties by index included.
///
/// Queries are independent and spread over the threads (detail::parallel_for).

#include <span>
#include <vector>

#include "fastcpp/geo.hpp"
#include "fastcpp/strided.hpp"

namespace fastcpp {

/// Result of GeoIndex::query_radius for Q queries, in CSR form: the results
/// of query q are indices/distances[offsets[q] : offsets[q + 1]], ascending
/// by distance, ties by index.
struct RadiusResult {
    std::vector<index_t> indices;
    std::vector<double> distances;
    std::vector<index_t> offsets;  ///< Q + 1 values, offsets[0] = 0
};

class GeoIndex {
public:
    /// Builds the index (on all threads).
    /// @param lats, lons the points in degrees, equally long; every latitude
    ///        in [-90, 90], every longitude finite
    /// @param radius sphere radius (result unit), finite and > 0
    /// @throws std::invalid_argument naming the first bad value
    GeoIndex(std::span<const double> lats, std::span<const double> lons,
             double radius = kEarthRadiusKm);

    /// Number of points.
    [[nodiscard]] index_t size() const noexcept { return static_cast<index_t>(lats_.size()); }
    [[nodiscard]] double radius() const noexcept { return radius_; }
    /// The points as given (what a copy or a pickle needs).
    [[nodiscard]] std::span<const double> lats() const noexcept { return lats_; }
    [[nodiscard]] std::span<const double> lons() const noexcept { return lons_; }

    /// The k nearest points of each of Q queries: row q of the (Q, k)
    /// row-major outputs equals nearest_k(lat[q], lon[q], lats, lons, k).
    /// @throws std::invalid_argument for k outside [1, size()], a bad query
    ///         coordinate, lat/lon of different lengths or outputs not Q*k long
    void query(std::span<const double> lat, std::span<const double> lon, index_t k,
               std::span<index_t> indices, std::span<double> dists) const;
    /// One query.
    [[nodiscard]] Nearest<double> query(double lat, double lon, index_t k) const;

    /// Every point within distance r (inclusive, in the unit of radius) of
    /// each query, ascending by distance, ties by index.
    /// @throws std::invalid_argument if r is NaN or negative, or for a bad query
    [[nodiscard]] RadiusResult query_radius(std::span<const double> lat,
                                            std::span<const double> lon, double r) const;

private:
    struct Search;
    /// A node of the tree: its bounding box and its slots [begin, end);
    /// inner nodes have children `left` and `left + 1`, leaves left = -1.
    struct Node {
        double lo[3], hi[3];
        index_t begin, end, left;
    };
    std::vector<double> lats_, lons_;  ///< as given, original order
    double radius_;
    std::vector<Node> nodes_;     ///< root first; children after parents
    std::vector<double> xyz_;     ///< unit vectors in tree order, per leaf x.. y.. z..
    std::vector<index_t> order_;  ///< original index of each tree slot
};

}  // namespace fastcpp
