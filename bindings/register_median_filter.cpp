// Image: median_filter (keeps the input dtype; dispatch over every kept dtype).
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include "args.hpp"
#include "fastcpp/median_filter.hpp"
#include "intake.hpp"
#include "register.hpp"

namespace fastcpp::bind {
namespace {

std::string repr_of(py::handle h) { return py::repr(h).cast<std::string>(); }

/// An int argument (TypeError for floats and other non-integers naming `what`).
index_t int_entry(const char* func, const char* what, py::handle v, py::handle whole) {
    py::object idx = py::reinterpret_steal<py::object>(PyNumber_Index(v.ptr()));
    if (!idx) {
        PyErr_Clear();
        throw py::type_error(std::string(func) + ": " + what +
                             " must be an int or a sequence of "
                             "ints, got " +
                             Py_TYPE(whole.ptr())->tp_name + " " + repr_of(whole));
    }
    int overflow = 0;
    const long long x = PyLong_AsLongLongAndOverflow(idx.ptr(), &overflow);
    if (overflow != 0)
        throw py::value_error(std::string(func) + ": " + what + " (=" + repr_of(whole) +
                              ") is too large");
    return static_cast<index_t>(x);
}

/// An int or one int per filtered axis (`count` of them).
std::vector<index_t> per_axis(const char* func, const char* what, const py::object& v,
                              std::size_t count) {
    if (py::isinstance<py::str>(v) || py::isinstance<py::bytes>(v))
        throw py::type_error(std::string(func) + ": " + what +
                             " must be an int or a sequence of ints, got " +
                             Py_TYPE(v.ptr())->tp_name + " " + repr_of(v));
    if (py::isinstance<py::sequence>(v) || py::isinstance<py::array>(v)) {
        py::tuple t = py::tuple(py::module_::import("builtins").attr("tuple")(v));
        if (t.size() != count)
            throw py::value_error(std::string(func) + ": " + what + " (=" + repr_of(v) +
                                  ") must be an int or have one entry per filtered axis (" +
                                  std::to_string(count) + "), got " + std::to_string(t.size()));
        std::vector<index_t> r;
        for (auto e : t) r.push_back(int_entry(func, what, e, v));
        return r;
    }
    return std::vector<index_t>(count, int_entry(func, what, v, v));
}

/// The filtered axes: every axis for None, else normalised and distinct.
std::vector<int> parse_axes(const char* func, const py::object& axes, int ndim) {
    std::vector<int> r;
    if (axes.is_none()) {
        for (int d = 0; d < ndim; ++d) r.push_back(d);
        return r;
    }
    std::vector<index_t> raw;
    if (py::isinstance<py::sequence>(axes) && !py::isinstance<py::str>(axes)) {
        for (auto e : axes) raw.push_back(int_entry(func, "axes", e, axes));
    } else {
        raw.push_back(int_entry(func, "axes", axes, axes));
    }
    for (index_t a : raw) {
        if (a < -ndim || a >= ndim)
            throw py::value_error(std::string(func) + ": axes (=" + repr_of(axes) +
                                  ") has an axis out of range for a " + std::to_string(ndim) +
                                  "-D image");
        const int d = static_cast<int>(a < 0 ? a + ndim : a);
        if (std::find(r.begin(), r.end(), d) != r.end())
            throw py::value_error(std::string(func) + ": axes (=" + repr_of(axes) +
                                  ") must not repeat an axis");
        r.push_back(d);
    }
    if (r.empty()) throw py::value_error(std::string(func) + ": axes must name at least one axis");
    return r;
}

/// cval in the image type: integers exactly when they fit T, else scipy's
/// rule on the float value (border_value).
template <class T>
BorderValue<T> parse_cval(const char* func, const py::object& cval) {
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
        if (!PyFloat_Check(cval.ptr())) {
            py::object idx = py::reinterpret_steal<py::object>(PyNumber_Index(cval.ptr()));
            if (idx) {
                int overflow = 0;
                if constexpr (std::is_signed_v<T>) {
                    const long long v = PyLong_AsLongLongAndOverflow(idx.ptr(), &overflow);
                    if (!overflow && v >= std::numeric_limits<T>::lowest() &&
                        v <= std::numeric_limits<T>::max())
                        return BorderValue<T>::of(static_cast<T>(v));
                } else {
                    if (py::int_(idx) >= py::int_(0)) {
                        const unsigned long long v = PyLong_AsUnsignedLongLong(idx.ptr());
                        if (PyErr_Occurred())
                            PyErr_Clear();
                        else if (v <= std::numeric_limits<T>::max())
                            return BorderValue<T>::of(static_cast<T>(v));
                    }
                }
            } else {
                PyErr_Clear();
            }
        }
    }
    double d;
    try {
        d = cval.cast<double>();
    } catch (py::cast_error&) {
        throw py::type_error(std::string(func) + ": cval must be a real number, got " +
                             repr_of(cval));
    }
    return border_value<T>(d);
}

/// Calls fn(T{}) for the element type of a kept array (float16: Half).
template <class Fn>
decltype(auto) visit_median(const py::dtype& dt, Fn&& fn) {
    if (dt.kind() == 'f' && dt.itemsize() == 2) return fn(Half{});
    return visit_kept(dt, std::forward<Fn>(fn));
}

/// What the filter selects: median, a rank, or a percentile.
struct Selection {
    enum class Which { median, rank, percentile };
    Which which = Which::median;
    index_t rank = 0;
    double percentile = 0.0;
};

py::object filter_py(const char* func, const Selection& sel, const py::object& image,
                     const py::object& size, const py::object& footprint, py::handle mode_obj,
                     const py::object& cval, const py::object& origin, const py::object& axes_obj,
                     py::handle nan_obj, const py::object& out_obj) {
    const std::string mode_name = str_arg(func, "mode", mode_obj);
    const std::string nan_name = str_arg(func, "nan_policy", nan_obj);
    py::array arr = as_kept_array(func, "image", image);
    const int ndim = static_cast<int>(arr.ndim());
    if (ndim < 1)
        throw py::value_error(std::string(func) +
                              ": image must have at least one dimension, got a 0-d array");
    const BorderMode mode = border_mode_from_name(mode_name);
    if (nan_name != "sort" && nan_name != "omit")
        throw py::value_error(std::string(func) + ": nan_policy (='" + nan_name +
                              "') must be 'sort' or 'omit'");
    const NanPolicy nan_policy = nan_name == "omit" ? NanPolicy::omit : NanPolicy::sort;
    const std::vector<int> axes = parse_axes(func, axes_obj, ndim);
    const std::size_t na = axes.size();
    // Size and footprint over the filtered axes (in `axes` order), then
    // over every axis in axis order (extent 1 elsewhere).
    std::vector<index_t> fsize;
    py::array_t<std::uint8_t> fp;
    if (!footprint.is_none()) {
        if (!size.is_none() &&
            PyErr_WarnEx(PyExc_UserWarning, "ignoring size because footprint is set", 1) < 0)
            throw py::error_already_set();
        auto np = py::module_::import("numpy");
        py::array f = np.attr("asarray")(footprint, "bool");
        if (static_cast<std::size_t>(f.ndim()) != na)
            throw py::value_error(std::string(func) +
                                  ": footprint must have one dimension per "
                                  "filtered axis (" +
                                  std::to_string(na) + "), got " + std::to_string(f.ndim()));
        std::vector<int> order(na);
        for (std::size_t i = 0; i < na; ++i) order[i] = static_cast<int>(i);
        std::sort(order.begin(), order.end(), [&](int a, int b) { return axes[a] < axes[b]; });
        py::tuple perm(na);
        for (std::size_t i = 0; i < na; ++i) perm[i] = order[i];
        f = f.attr("transpose")(perm);
        fp = np.attr("ascontiguousarray")(f, "uint8");
        for (std::size_t i = 0; i < na; ++i) {
            const auto e = static_cast<index_t>(f.shape(static_cast<py::ssize_t>(i)));
            if (e < 1)
                throw py::value_error(std::string(func) +
                                      ": footprint must have at least one element along every "
                                      "axis");
        }
        fsize.assign(na, 1);
        for (std::size_t i = 0; i < na; ++i)
            fsize[static_cast<std::size_t>(order[i])] =
                static_cast<index_t>(f.shape(static_cast<py::ssize_t>(i)));
    } else {
        if (size.is_none()) throw py::value_error(std::string(func) + ": give size or footprint");
        fsize = per_axis(func, "size", size, na);
    }
    const std::vector<index_t> forigin = per_axis(func, "origin", origin, na);
    std::vector<index_t> shape(static_cast<std::size_t>(ndim)), wsize(shape.size(), 1),
        worigin(shape.size(), 0);
    for (int d = 0; d < ndim; ++d) shape[static_cast<std::size_t>(d)] = arr.shape(d);
    for (std::size_t i = 0; i < na; ++i) {
        wsize[static_cast<std::size_t>(axes[i])] = fsize[i];
        worigin[static_cast<std::size_t>(axes[i])] = forigin[i];
    }
    // Output: a new C-ordered array, or `out` (written only after every check).
    py::array result;
    bool copy_back = false;
    if (out_obj.is_none()) {
        result = py::array(arr.dtype(), shape);
    } else {
        if (!py::isinstance<py::array>(out_obj))
            throw py::type_error(std::string(func) + ": out must be a numpy.ndarray, got " +
                                 Py_TYPE(out_obj.ptr())->tp_name);
        py::array o = py::reinterpret_borrow<py::array>(out_obj);
        if (!o.dtype().equal(arr.dtype()))
            throw py::type_error(std::string(func) + ": out has dtype " +
                                 py::str(o.dtype()).cast<std::string>() + ", the result has " +
                                 py::str(arr.dtype()).cast<std::string>());
        if (o.ndim() != ndim || !std::equal(shape.begin(), shape.end(), o.shape()))
            throw py::value_error(std::string(func) + ": out has shape " +
                                  py::str(o.attr("shape")).cast<std::string>() +
                                  ", the image has " +
                                  py::str(arr.attr("shape")).cast<std::string>());
        if (!o.writeable()) throw py::value_error(std::string(func) + ": out is read-only");
        // Misaligned (also by its data pointer), not element-strided or
        // sharing memory with the image: computed aside, then copied in.
        copy_back = !can_write_directly(o, {arr}, static_cast<std::size_t>(o.itemsize()));
        result = copy_back ? py::array(arr.dtype(), shape) : o;
    }
    std::vector<index_t> is(shape.size()), os(shape.size());
    for (int d = 0; d < ndim; ++d) {
        is[static_cast<std::size_t>(d)] = arr.strides(d) / arr.itemsize();
        os[static_cast<std::size_t>(d)] = result.strides(d) / result.itemsize();
    }
    visit_median(arr.dtype(), [&](auto tag) {
        using T = decltype(tag);
        const BorderValue<T> c = parse_cval<T>(func, cval);
        NdView<const T> in{static_cast<const T*>(arr.data()), shape, is};
        NdView<T> o{static_cast<T*>(result.mutable_data()), shape, os};
        FilterWindow w{
            wsize,
            fp ? std::span<const std::uint8_t>(fp.data(), static_cast<std::size_t>(fp.size()))
               : std::span<const std::uint8_t>{},
            worigin};
        py::gil_scoped_release nogil;
        if (sel.which == Selection::Which::median)
            fastcpp::median_filter<T>(in, o, w, mode, c, nan_policy);
        else if (sel.which == Selection::Which::rank)
            fastcpp::rank_filter<T>(in, o, w, sel.rank, mode, c, nan_policy);
        else
            fastcpp::percentile_filter<T>(in, o, w, sel.percentile, mode, c, nan_policy);
    });
    if (copy_back) {
        py::array o = py::reinterpret_borrow<py::array>(out_obj);
        o[py::ellipsis()] = result;
        return o;
    }
    return result;
}

index_t rank_arg(const py::object& rank) {
    py::object idx = py::reinterpret_steal<py::object>(PyNumber_Index(rank.ptr()));
    if (!idx) {
        PyErr_Clear();
        throw py::type_error("rank_filter: rank must be an int, got " + repr_of(rank));
    }
    int overflow = 0;
    const long long r = PyLong_AsLongLongAndOverflow(idx.ptr(), &overflow);
    if (overflow != 0)
        throw py::value_error("rank_filter: rank (=" + repr_of(rank) + ") is out of range");
    return static_cast<index_t>(r);
}

}  // namespace

void register_rank_filters(py::module_& m);  // below: rank_filter, percentile_filter

#define FASTCPP_FILTER_ARGS                                                         \
    py::arg("size") = py::none(), py::kw_only(), py::arg("footprint") = py::none(), \
    py::arg("mode") = "reflect", py::arg("cval") = 0, py::arg("origin") = 0,        \
    py::arg("axes") = py::none(), py::arg("nan_policy") = "sort", py::arg("out") = py::none()

void register_median_filter(py::module_& m) {
    m.def(
        "median_filter",
        [](const py::object& image, const py::object& size, const py::object& footprint,
           py::handle mode, const py::object& cval, const py::object& origin,
           const py::object& axes, py::handle nan_policy, const py::object& out) {
            return filter_py("median_filter", Selection{}, image, size, footprint, mode, cval,
                             origin, axes, nan_policy, out);
        },
        py::arg("image"), FASTCPP_FILTER_ARGS, R"pbdoc(
median_filter(image, size=None, *, footprint=None, mode="reflect", cval=0, origin=0, axes=None, nan_policy="sort", out=None) -> numpy.ndarray

N-D median filter, equal to ``scipy.ndimage.median_filter`` with the same
arguments and much faster: sorting networks in SIMD registers for small
windows, SIMD radix selection (on ranks for 32/64-bit types) for medium
ones, Huang sliding histograms beyond; all cores, GIL released. N-D windows
and footprints run on the same machinery (the window is a list of offsets
into padded tiles that hold every plane it spans).

Parameters
----------
image : array_like, any ndim >= 1
    Any integer dtype, bool, float16, float32 or float64; any strides or
    byte order.
size : int or sequence of int
    Window extent, one per filtered axis or one for all, each >= 1 (may
    exceed the image). For an even element count n the element of 0-based
    rank ``n // 2`` of the sorted window is taken (the upper median, scipy's
    convention, not an average).
footprint : array_like of bool, optional
    Instead of size: which elements of a box (one dimension per filtered
    axis) belong to the window; at least one must be set.
mode : {"reflect", "nearest", "mirror", "constant", "wrap"}
    Border extension, as scipy.ndimage: reflect ``d c b a | a b c d``,
    mirror ``d c b | a b c d``, nearest ``a a | a b``, wrap ``c d | a b``,
    constant ``k k | a b`` (scipy's "grid-" aliases are accepted too).
cval : int or float
    Border value for ``mode="constant"``, converted to the image dtype as
    scipy does: truncated toward zero and, for integer images, wrapped modulo
    2**bits (uint8: -1 -> 255); bool images take that 8-bit value != 0.
    Integer cval is used exactly (no rounding through float64).
origin : int or sequence of int
    Shifts the window as scipy: along an axis of extent s the window of
    output x covers ``x - s // 2 - origin ... x - s // 2 - origin + s - 1``;
    ``-(s // 2) <= origin <= (s - 1) // 2``.
axes : int or sequence of int, optional
    The axes filtered (default: all), e.g. ``(0, 1)`` for an (H, W, 3)
    colour image; size, footprint and origin follow this order.
nan_policy : {"sort", "omit"}
    "sort": NaN sorts above every number (NumPy's sort order; -0.0 below
    +0.0), so results are deterministic where scipy's are undefined.
    "omit": the median of the window's non-NaN values (index
    ``n_valid // 2`` of them sorted); NaN only where the whole window is NaN.
out : numpy.ndarray, optional
    Written with the result: the image's shape and dtype, writable; may be
    the image itself. Left untouched on any error.

Returns
-------
numpy.ndarray
    Same shape and dtype as ``image``; every element is one of its window's
    values (or cval), selected exactly. scipy rounds 64-bit integers above
    2**53 through float64; fastcpp does not.

Raises
------
TypeError
    For complex, object, string or datetime images, a non-integer size,
    origin or axis, a non-numeric cval or an out of another dtype.
ValueError
    If neither size nor footprint is given, a size is < 1, size or origin
    has other than one entry per filtered axis, an origin is out of range,
    the footprint is empty, mode or nan_policy is unknown, cval is NaN/inf
    for an integer or bool image, or out has another shape or is read-only.
)pbdoc");
    register_rank_filters(m);
}

void register_rank_filters(py::module_& m) {
    m.def(
        "rank_filter",
        [](const py::object& image, const py::object& rank, const py::object& size,
           const py::object& footprint, py::handle mode, const py::object& cval,
           const py::object& origin, const py::object& axes, py::handle nan_policy,
           const py::object& out) {
            Selection sel;
            sel.which = Selection::Which::rank;
            sel.rank = rank_arg(rank);
            return filter_py("rank_filter", sel, image, size, footprint, mode, cval, origin, axes,
                             nan_policy, out);
        },
        py::arg("image"), py::arg("rank"), FASTCPP_FILTER_ARGS, R"pbdoc(
rank_filter(image, rank, size=None, *, footprint=None, mode="reflect", cval=0, origin=0, axes=None, nan_policy="sort", out=None) -> numpy.ndarray

N-D rank filter, equal to ``scipy.ndimage.rank_filter`` with the same
arguments: each output is the element of 0-based position ``rank`` of its
sorted window (negative ranks count from the end). The same machinery and
options as median_filter; nan_policy="omit" takes the rank among the
window's non-NaN values (NaN where it falls outside them).

Raises
------
ValueError
    If rank is outside [-n, n) for a window of n elements, or as median_filter.
)pbdoc");
    m.def(
        "percentile_filter",
        [](const py::object& image, double percentile, const py::object& size,
           const py::object& footprint, py::handle mode, const py::object& cval,
           const py::object& origin, const py::object& axes, py::handle nan_policy,
           const py::object& out) {
            Selection sel;
            sel.which = Selection::Which::percentile;
            sel.percentile = percentile;
            return filter_py("percentile_filter", sel, image, size, footprint, mode, cval, origin,
                             axes, nan_policy, out);
        },
        py::arg("image"), py::arg("percentile"), FASTCPP_FILTER_ARGS, R"pbdoc(
percentile_filter(image, percentile, size=None, *, footprint=None, mode="reflect", cval=0, origin=0, axes=None, nan_policy="sort", out=None) -> numpy.ndarray

N-D percentile filter, equal to ``scipy.ndimage.percentile_filter`` with
the same arguments: the element of rank ``int(n * percentile / 100)`` of
each sorted window of n elements (percentile 100: the last; negative
percentiles count from 100). Same options as median_filter (nan_policy
"omit": n counts the window's non-NaN values).

Raises
------
ValueError
    If percentile is outside [-100, 100], or as rank_filter.
)pbdoc");
}

#undef FASTCPP_FILTER_ARGS

}  // namespace fastcpp::bind
