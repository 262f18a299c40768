// Geometry: distances, haversine, nearest_k.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "args.hpp"
#include "fastcpp/geo.hpp"
#include "geo_queries.hpp"
#include "intake.hpp"
#include "register.hpp"

namespace fastcpp::bind {
namespace {

std::string shape_str(const py::array& a) { return py::str(a.attr("shape")).cast<std::string>(); }

py::object distances_py(py::handle points) {
    RealArray in = as_real_array("distances", "points", points);
    py::array a = in.arr;
    if (a.ndim() == 0)
        throw py::value_error(
            "distances: points must be an (N, D) array or a flat [x0, y0, x1, y1, ...] "
            "array, got a 0-d array");
    if (a.ndim() == 1) {
        if (a.size() % 2 != 0)
            throw py::value_error(
                "distances: a flat points array is read as (x, y) pairs "
                "and must have even length, got length " +
                std::to_string(a.size()));
        a = a.attr("reshape")(-1, 2);
    }
    const int axis = static_cast<int>(a.ndim()) - 1;
    std::vector<py::ssize_t> shape(a.shape(), a.shape() + axis);
    return visit(in.real, [&](auto tag) -> py::object {
        using T = decltype(tag);
        Output<T> res("distances", py::none(), shape, {a}, false, in.real);
        RowsOf<const T> src(a, axis);
        Strided<T> dst(static_cast<T*>(res.target.mutable_data()), src.rows.count(), 1);
        {
            py::gil_scoped_release nogil;
            fastcpp::distances(src.rows, dst);
        }
        return res.finish();
    });
}

py::object haversine_py(py::handle lat1, py::handle lon1, py::handle lat2, py::handle lon2,
                        double radius) {
    fastcpp::check_radius("haversine", radius);  // ValueError for a bad radius first
    return map_elementwise<4, 1>(
        "haversine", {lat1, lon1, lat2, lon2}, {"lat1", "lon1", "lat2", "lon2"}, {py::none()},
        [&](auto in, auto res) { fastcpp::haversine(in[0], in[1], in[2], in[3], res[0], radius); });
}

py::tuple nearest_k_py(py::handle lat_obj, py::handle lon_obj, py::handle lats_obj,
                       py::handle lons_obj, py::handle k_obj, double radius) {
    const index_t k = int_arg("nearest_k", "k", k_obj);  // TypeError / OverflowError
    const GeoQueries q = as_geo_queries("nearest_k", lat_obj, lon_obj);
    py::array lats = as_array("nearest_k", "lats", lats_obj);
    py::array lons = as_array("nearest_k", "lons", lons_obj);
    // Classify both (each may raise its own TypeError) before combining.
    const Kind lat_kind = classify("nearest_k", "lats", lats);
    const Kind lon_kind = classify("nearest_k", "lons", lons);
    const bool f32 = lat_kind == Kind::f32 && lon_kind == Kind::f32;
    if (lats.ndim() != 1 || lons.ndim() != 1)
        throw py::value_error("nearest_k: lats and lons must be 1-D, got shapes " +
                              shape_str(lats) + " and " + shape_str(lons));
    return visit(f32 ? Real::f32 : Real::f64, [&](auto tag) -> py::tuple {
        using T = decltype(tag);
        py::array la = readable_as<T>(lats), lo = readable_as<T>(lons);
        Strided<const T> sla(static_cast<const T*>(la.data()), la.size(), element_stride(la, 0));
        Strided<const T> slo(static_cast<const T*>(lo.data()), lo.size(), element_stride(lo, 0));
        // Sized for a valid k; the core rejects an invalid one before writing.
        const auto m = std::clamp<index_t>(k, 0, std::min(sla.size, slo.size));
        const auto nq = static_cast<index_t>(q.lat.size());
        py::array_t<std::int64_t> idx(q.with(m));
        py::array dist(dtype_of<T>(), q.with(m));
        std::span<index_t> idx_span(idx.mutable_data(), static_cast<std::size_t>(nq * m));
        std::span<T> dist_span(static_cast<T*>(dist.mutable_data()),
                               static_cast<std::size_t>(nq * m));
        {
            py::gil_scoped_release nogil;
            fastcpp::nearest_k(q.lat_span(), q.lon_span(), sla, slo, k, idx_span, dist_span,
                               radius);
        }
        const bool f16 = lat_kind == Kind::f16 && lon_kind == Kind::f16;
        return py::make_tuple(idx, stored(dist, f16 ? Real::f16 : Real::f64));
    });
}

}  // namespace

void register_geo(py::module_& m) {
    m.def("distances", &distances_py, py::arg("points"), R"pbdoc(
distances(points) -> ndarray

Euclidean distance of each point from the origin (the seed's
``compute_distances``): ``sqrt(sum(points**2, axis=-1))``.

Parameters
----------
points : array_like
    An (N, D) array, one point per row (any strides); more leading axes are
    allowed and kept. A flat ``[x0, y0, x1, y1, ...]`` array of even length is
    read as (N, 2).

Returns
-------
ndarray
    Shape ``points.shape[:-1]`` ((N,) for a flat array); float32 for float32
    input, else float64. Unlike ``np.linalg.norm`` there is no overflow or
    underflow: a point of 1e200-sized coordinates gets a finite norm.

Raises
------
ValueError
    For a flat array of odd length or 0-d input.
TypeError
    For unsupported dtypes.
)pbdoc");
    m.def("haversine", &haversine_py, py::arg("lat1"), py::arg("lon1"), py::arg("lat2"),
          py::arg("lon2"), py::kw_only(), py::arg("radius") = kEarthRadiusKm, R"pbdoc(
haversine(lat1, lon1, lat2, lon2, *, radius=6371.0) -> ndarray | float

Great-circle distance between points given in degrees, with NumPy
broadcasting (e.g. one point against arrays of points), computed as NumPy's
``radius * 2 * arcsin(sqrt(sin(dlat/2)**2 + cos(lat1)*cos(lat2)*sin(dlon/2)**2))``
with vector sin/cos/arcsin on all threads; agrees with NumPy float64 to
~1e-15 relative (nearly antipodal points are recomputed with scalar libm).

Parameters
----------
lat1, lon1, lat2, lon2 : array_like
    Coordinates in degrees; broadcast together.
radius : float
    Sphere radius, finite and > 0; the result is in its unit (default: mean
    Earth radius in km).

Returns
-------
ndarray or float
    A Python float when every input is a scalar; float32 when every array
    input is float32, else float64.

Raises
------
ValueError
    If the shapes cannot be broadcast together or radius is not finite and > 0.
TypeError
    For unsupported dtypes.
)pbdoc");
    m.def("nearest_k", &nearest_k_py, py::arg("lat"), py::arg("lon"), py::arg("lats"),
          py::arg("lons"), py::arg("k") = 5, py::kw_only(), py::arg("radius") = kEarthRadiusKm,
          R"pbdoc(
nearest_k(lat, lon, lats, lons, k=5, *, radius=6371.0) -> tuple[ndarray, ndarray]

The k points of (lats, lons) nearest to (lat, lon) on a sphere, by haversine
distance: one fused pass with a running top-k on the haversine term, on all
threads; arcsin/sqrt only for the winners. For many queries against one
point set, :class:`GeoIndex` answers the same (bit for bit) far faster.

Parameters
----------
lat, lon : float or array_like
    Query point(s) in degrees. Arrays (broadcast together, shape S) ask Q
    queries at once, spread over the threads.
lats, lons : array_like
    1-D arrays of the same length n, degrees.
k : int
    How many, 1 <= k <= n.
radius : float
    Sphere radius, finite and > 0.

Returns
-------
indices : ndarray of int64
    Shape (k,) for one query, S + (k,) (e.g. (Q, k)) for arrays of queries;
    ascending by distance, ties by index (as ``np.argsort(d, kind="stable")[:k]``).
    Points with NaN coordinates come after every real one.
distances : ndarray
    Their distances; float32 when lats and lons are float32, else float64.

Raises
------
ValueError
    If k < 1 or k > n, lats/lons are not 1-D of one length, lat and lon do
    not broadcast, or radius is not finite and > 0.
TypeError
    For unsupported dtypes.
)pbdoc");
}

}  // namespace fastcpp::bind
