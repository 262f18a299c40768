// GeoIndex: k nearest neighbours and radius search over a point set built once.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "args.hpp"
#include "dunders.hpp"
#include "fastcpp/geo_index.hpp"
#include "geo_queries.hpp"
#include "intake.hpp"
#include "register.hpp"

namespace fastcpp::bind {
namespace {

/// lats or lons as a 1-D contiguous float64 array (dtype policy of intake).
py::array coordinates(const char* arg, py::handle obj) {
    RealArray in = as_real_array("GeoIndex", arg, obj);
    if (in.arr.ndim() != 1)
        throw py::value_error(std::string("GeoIndex: ") + arg + " must be 1-D, got shape " +
                              py::str(in.arr.attr("shape")).cast<std::string>());
    return py::module_::import("numpy").attr("ascontiguousarray")(in.arr, "float64");
}

std::span<const double> as_span(const py::array& a) {
    return {static_cast<const double*>(a.data()), static_cast<std::size_t>(a.size())};
}

std::unique_ptr<GeoIndex> make_index(py::handle lats_obj, py::handle lons_obj, double radius) {
    py::array lats = coordinates("lats", lats_obj), lons = coordinates("lons", lons_obj);
    py::gil_scoped_release nogil;
    return std::make_unique<GeoIndex>(as_span(lats), as_span(lons), radius);
}

/// A copy of the index's coordinates as a new read-only float64 array.
py::array copy_out(std::span<const double> v) {
    py::array_t<double> a(static_cast<py::ssize_t>(v.size()));
    std::copy(v.begin(), v.end(), a.mutable_data());
    return a;
}

py::tuple query_py(const GeoIndex& ix, py::handle lat, py::handle lon, py::handle k_obj) {
    const index_t k = int_arg("GeoIndex.query", "k", k_obj);  // TypeError / OverflowError
    const GeoQueries q = as_geo_queries("GeoIndex.query", lat, lon);
    // Sized for a valid k; the core rejects an invalid one before writing.
    const auto m = std::clamp<index_t>(k, 0, ix.size());
    const auto nq = static_cast<index_t>(q.lat.size());
    py::array_t<std::int64_t> idx(q.with(m));
    py::array_t<double> dist(q.with(m));
    {
        py::gil_scoped_release nogil;
        ix.query(q.lat_span(), q.lon_span(), k,
                 std::span<index_t>(idx.mutable_data(), static_cast<std::size_t>(nq * m)),
                 std::span<double>(dist.mutable_data(), static_cast<std::size_t>(nq * m)));
    }
    return py::make_tuple(idx, dist);
}

template <class T>
py::array vector_to_array(const std::vector<T>& v) {
    py::array_t<T> a(static_cast<py::ssize_t>(v.size()));
    std::copy(v.begin(), v.end(), a.mutable_data());
    return a;
}

py::tuple query_radius_py(const GeoIndex& ix, py::handle lat, py::handle lon, double r) {
    const GeoQueries q = as_geo_queries("GeoIndex.query_radius", lat, lon);
    RadiusResult res;
    {
        py::gil_scoped_release nogil;
        res = ix.query_radius(q.lat_span(), q.lon_span(), r);
    }
    py::array idx = vector_to_array(res.indices), dist = vector_to_array(res.distances);
    if (q.scalar) return py::make_tuple(idx, dist);
    py::array offsets = vector_to_array(res.offsets);
    return py::make_tuple(idx, dist, offsets.attr("reshape")(-1));
}

}  // namespace

void register_geo_index(py::module_& m) {
    // Free-threaded CPython (the module is GIL-free): no lock needed. A
    // GeoIndex is immutable once constructed: every method here and in
    // geo_index.hpp takes it const, it has no mutable members, and
    // __setstate__ only constructs a new one, so any number of threads may
    // query one index at once.
    py::class_<GeoIndex> cls(m, "GeoIndex", R"pbdoc(
GeoIndex(lats, lons, *, radius=6371.0)

Nearest neighbours and radius search on a sphere over points given in
degrees, built once and queried many times. A k-d tree over the points' unit
vectors (the chord is monotone in the great-circle distance) finds
candidates; they are ranked by the exact haversine distance of
:func:`nearest_k`, so ``query`` returns bit for bit what the brute-force
``nearest_k`` returns, ties by index. Build and queries release the GIL and
use all cores (many queries are spread over the threads).

Unlike scikit-learn's ``BallTree(metric="haversine")``: degrees in
``(lat, lon)`` order, distances in the unit of ``radius``, ties broken by
index, queries on all cores.

Parameters
----------
lats, lons : array_like
    1-D, same length n; latitudes in [-90, 90], longitudes finite (any range).
    Kept as float64 (float32 input is widened exactly).
radius : float
    Sphere radius, finite and > 0; distances are in its unit (default: mean
    Earth radius in km).

Raises
------
ValueError
    For NaN or out-of-range coordinates (naming the first), lats/lons not
    1-D of one length, or a bad radius.
TypeError
    For unsupported dtypes.

Notes
-----
``len(index)`` is n. Copies and pickles (every protocol) hold the points and
radius; unpickling rebuilds the same tree, so results are identical.
)pbdoc");
    cls.def(py::init(&make_index), py::arg("lats"), py::arg("lons"), py::kw_only(),
            py::arg("radius") = kEarthRadiusKm);
    cls.def("__len__", [](const GeoIndex& ix) { return ix.size(); });
    cls.def_property_readonly("radius", &GeoIndex::radius, "Sphere radius (distance unit).");
    cls.def_property_readonly(
        "lats", [](const GeoIndex& ix) { return copy_out(ix.lats()); },
        "The points' latitudes (a float64 copy).");
    cls.def_property_readonly(
        "lons", [](const GeoIndex& ix) { return copy_out(ix.lons()); },
        "The points' longitudes (a float64 copy).");
    cls.def("__repr__", [](const GeoIndex& ix) {
        return "GeoIndex(<" + std::to_string(ix.size()) +
               " points>, radius=" + py::repr(py::float_(ix.radius())).cast<std::string>() + ")";
    });
    // Pickle (every protocol, 0-5) and copy as the points and radius; the
    // build is deterministic, so the copy answers identically.
    add_pickle(
        cls,
        [](const GeoIndex& ix) {
            return py::make_tuple(copy_out(ix.lats()), copy_out(ix.lons()), ix.radius());
        },
        [](const py::tuple& t) {
            if (t.size() != 3) throw py::value_error("GeoIndex: malformed pickle state");
            py::array lats = coordinates("lats", t[0]), lons = coordinates("lons", t[1]);
            const auto radius = t[2].cast<double>();
            py::gil_scoped_release nogil;
            return GeoIndex(as_span(lats), as_span(lons), radius);
        });
    cls.def("query", &query_py, py::arg("lat"), py::arg("lon"), py::arg("k") = 5, R"pbdoc(
query(lat, lon, k=5) -> tuple[ndarray, ndarray]

The k nearest points of each query, equal to ``nearest_k(lat, lon, lats,
lons, k, radius=radius)`` bit for bit.

Parameters
----------
lat, lon : float or array_like
    Query point(s) in degrees, broadcast together (shape S).
k : int
    How many, 1 <= k <= len(index).

Returns
-------
indices : ndarray of int64
    Shape (k,) for one query, S + (k,) for arrays; ascending by distance,
    ties by index.
distances : ndarray of float64
    Their haversine distances, in the unit of radius.

Raises
------
ValueError
    If k is outside [1, n], a query latitude is NaN or outside [-90, 90], a
    longitude is not finite, or lat and lon do not broadcast.
)pbdoc");
    cls.def("query_radius", &query_radius_py, py::arg("lat"), py::arg("lon"), py::arg("r"),
            R"pbdoc(
query_radius(lat, lon, r) -> tuple[ndarray, ndarray] | tuple[ndarray, ndarray, ndarray]

Every point within distance r (inclusive) of each query, ascending by
distance, ties by index.

Parameters
----------
lat, lon : float or array_like
    Query point(s) in degrees, broadcast together (Q points).
r : float
    Distance in the unit of radius, >= 0 (inf: every point).

Returns
-------
(indices, distances) for one query (scalars): int64 and float64 arrays.
(indices, distances, offsets) for arrays of queries, in CSR form: the
results of query q (in C order of the broadcast shape) are
``indices[offsets[q]:offsets[q + 1]]`` (likewise distances); offsets has
Q + 1 values (int64), ``np.split(indices, offsets[1:-1])`` gives one array
per query.

Raises
------
ValueError
    If r is NaN or negative, or for bad query coordinates (as ``query``).
)pbdoc");
}

}  // namespace fastcpp::bind
