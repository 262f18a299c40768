#pragma once
/// @file geo_queries.hpp
/// Query points of nearest_k and GeoIndex: scalars, or arrays broadcast
/// together (lat and lon), as contiguous float64.

#include <span>
#include <string>
#include <vector>

#include "intake.hpp"

namespace fastcpp::bind {

struct GeoQueries {
    py::array lat, lon;              ///< float64, C-contiguous, flat (Q values)
    std::vector<py::ssize_t> shape;  ///< broadcast shape of the queries (empty: scalars)
    bool scalar = false;             ///< both were scalars (Python or 0-d)

    [[nodiscard]] std::span<const double> lat_span() const {
        return {static_cast<const double*>(lat.data()), static_cast<std::size_t>(lat.size())};
    }
    [[nodiscard]] std::span<const double> lon_span() const {
        return {static_cast<const double*>(lon.data()), static_cast<std::size_t>(lon.size())};
    }
    /// The shape of a per-query result with `k` values per query.
    [[nodiscard]] std::vector<py::ssize_t> with(py::ssize_t k) const {
        auto s = shape;
        s.push_back(k);
        return s;
    }
};

/// A 1-element float64 array holding v (made through NumPy's C API).
inline py::array one_double(double v) {
    const py::ssize_t one = 1;
    py::array a = new_array(typenum_of<double>(), 1, &one);
    *static_cast<double*>(a.mutable_data()) = v;
    return a;
}

/// lat, lon → GeoQueries; TypeError for unsupported dtypes, ValueError when
/// the shapes do not broadcast.
inline GeoQueries as_geo_queries(const char* func, py::handle lat_obj, py::handle lon_obj) {
    // One query point as two Python floats, the common call: no NumPy call
    // (np.broadcast_arrays alone costs more than a 10-point search).
    if (PyFloat_CheckExact(lat_obj.ptr()) && PyFloat_CheckExact(lon_obj.ptr()))
        return {one_double(PyFloat_AS_DOUBLE(lat_obj.ptr())),
                one_double(PyFloat_AS_DOUBLE(lon_obj.ptr())),
                {},
                true};
    py::array lat = as_array(func, "lat", lat_obj), lon = as_array(func, "lon", lon_obj);
    (void)classify(func, "lat", lat);
    (void)classify(func, "lon", lon);
    auto np = py::module_::import("numpy");
    GeoQueries q;
    q.scalar = lat.ndim() == 0 && lon.ndim() == 0;
    py::tuple both;
    try {
        both = np.attr("broadcast_arrays")(lat, lon);
    } catch (py::error_already_set&) {
        throw py::value_error(std::string(func) + ": shapes of lat " +
                              py::str(lat.attr("shape")).cast<std::string>() + " and lon " +
                              py::str(lon.attr("shape")).cast<std::string>() +
                              " cannot be broadcast together");
    }
    py::array b0 = both[0];
    for (py::ssize_t i = 0; i < b0.ndim(); ++i) q.shape.push_back(b0.shape(i));
    auto flat = [&](py::handle a) -> py::array {
        return np.attr("ascontiguousarray")(a, "float64").attr("reshape")(-1);
    };
    q.lat = flat(both[0]);
    q.lon = flat(both[1]);
    return q;
}

}  // namespace fastcpp::bind
