// Elementwise: scale_and_shift, circle_area, gaussian, polar_to_cartesian.
#include <cmath>
#include <initializer_list>

#include "args.hpp"
#include "fastcpp/elementwise.hpp"
#include "intake.hpp"
#include "register.hpp"

namespace fastcpp::bind {
namespace {

/// NumPy casts a Python float argument to a float32 array's dtype and warns
/// "overflow encountered in cast" (RuntimeWarning) when it becomes inf there.
/// The kernels compute in double, so the cast is not made; the warning is
/// given for the same arguments, before anything is computed (an "error"
/// warnings filter then leaves out= untouched). float16 results warn by
/// themselves (the rounding to float16 is a NumPy cast).
void warn_if_cast_overflows(const char* func, py::handle a, std::initializer_list<double> values) {
    bool to_inf = false;
    for (const double v : values)
        to_inf = to_inf || (std::isfinite(v) && std::isinf(static_cast<float>(v)));
    if (!to_inf) return;  // the common case: a's dtype is not even looked at
    if (classify(func, "a", as_array(func, "a", a)) != Kind::f32) return;
    if (PyErr_WarnEx(PyExc_RuntimeWarning, "overflow encountered in cast", 1) < 0)
        throw py::error_already_set();
}

py::object scale_and_shift_py(py::handle a, py::handle scale_obj, py::handle shift_obj,
                              py::object out) {
    const double scale = real_arg("scale_and_shift", "scale", scale_obj);
    const double shift = real_arg("scale_and_shift", "shift", shift_obj);
    warn_if_cast_overflows("scale_and_shift", a, {scale, shift});
    return map_elementwise<1, 1>(
        "scale_and_shift", {a}, {"a"}, {std::move(out)},
        [&](auto in, auto res) { fastcpp::scale_and_shift(in[0], scale, shift, res[0]); });
}

py::object circle_area_py(py::handle r) {
    return map_elementwise<1, 1>("circle_area", {r}, {"r"}, {py::none()},
                                 [&](auto in, auto res) { fastcpp::circle_area(in[0], res[0]); });
}

py::object gaussian_py(py::handle a, py::handle sigma_obj, py::object out) {
    const double sigma = real_arg("gaussian", "sigma", sigma_obj);
    fastcpp::check_sigma(sigma);  // ValueError for a bad sigma before anything else
    return map_elementwise<1, 1>("gaussian", {a}, {"a"}, {std::move(out)}, [&](auto in, auto res) {
        fastcpp::gaussian(in[0], sigma, res[0]);
    });
}

py::object polar_to_cartesian_py(py::handle r, py::handle theta) {
    return map_elementwise<2, 2>(
        "polar_to_cartesian", {r, theta}, {"r", "theta"}, {py::none(), py::none()},
        [&](auto in, auto res) { fastcpp::polar_to_cartesian(in[0], in[1], res[0], res[1]); });
}

}  // namespace

void register_elementwise(py::module_& m) {
    m.def("scale_and_shift", &scale_and_shift_py, py::arg("a"), py::arg("scale"),
          py::arg("shift") = 0.0, py::kw_only(), py::arg("out") = py::none(), R"pbdoc(
scale_and_shift(a, scale, shift=0.0, *, out=None) -> ndarray | float

``a * scale + shift`` elementwise, in one pass over all threads.

Parameters
----------
a : array_like
    Input of any shape and strides. float32 stays float32 (computed in
    float64 and rounded once); integers and bool are computed as float64.
scale, shift : float
    Multiplier and addend.
out : ndarray, optional
    Where to write the result: exact shape and dtype (float32 for float32
    input, else float64), writable. ``out=a`` works in place, also for strided
    views, like the seed's ``scale_array``.

Returns
-------
ndarray or float
    The result (``out`` when given); a Python float for scalar input.

Raises
------
TypeError
    For unsupported dtypes (complex, object, str, datetime) or an
    ``out`` of the wrong dtype (e.g. an integer array passed as ``out=a``:
    never a silent copy that would lose the in-place write).
ValueError
    If ``out`` has the wrong shape or is read-only; ``out`` is then untouched.
)pbdoc");
    m.def("circle_area", &circle_area_py, py::arg("r"), R"pbdoc(
circle_area(r) -> ndarray | float

Area of circles, ``pi * r**2``, elementwise.

Parameters
----------
r : array_like or float
    Radii, any shape. float32 stays float32.

Returns
-------
ndarray or float
    A Python float for scalar input, else an array of r's shape.

Raises
------
TypeError
    For unsupported dtypes.
)pbdoc");
    m.def("gaussian", &gaussian_py, py::arg("a"), py::arg("sigma"), py::kw_only(),
          py::arg("out") = py::none(), R"pbdoc(
gaussian(a, sigma, *, out=None) -> ndarray | float

Unnormalised Gaussian ``exp(-a**2 / (2 * sigma**2))`` elementwise, with
glibc's vector exp (a few ulp from NumPy) on all threads.

Parameters
----------
a : array_like
    Input, any shape and strides. float32 stays float32 (computed in float64).
sigma : float
    Width, finite and > 0.
out : ndarray, optional
    Exact shape and dtype, writable; ``out=a`` works in place.

Returns
-------
ndarray or float
    The result (``out`` when given); a Python float for scalar input.

Raises
------
ValueError
    If sigma is not finite and > 0 (the message names sigma and its value),
    or ``out`` has the wrong shape or is read-only.
TypeError
    For unsupported dtypes or an ``out`` of the wrong dtype.
)pbdoc");
    m.def("polar_to_cartesian", &polar_to_cartesian_py, py::arg("r"), py::arg("theta"),
          R"pbdoc(
polar_to_cartesian(r, theta) -> tuple[ndarray, ndarray] | tuple[float, float]

Polar to Cartesian coordinates: ``x = r * cos(theta)``, ``y = r * sin(theta)``,
with NumPy broadcasting, vector sin/cos (a few ulp from NumPy's) on all
threads.

Parameters
----------
r : array_like
    Radii.
theta : array_like
    Angles in radians; broadcast against r.

Returns
-------
(x, y) : tuple of ndarray, or of float for scalar input
    float32 when every array input is float32, else float64.

Raises
------
ValueError
    If the shapes cannot be broadcast together.
TypeError
    For unsupported dtypes.
)pbdoc");
}

}  // namespace fastcpp::bind
