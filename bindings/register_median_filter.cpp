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

/// One size entry as an integer (TypeError for floats and other non-integers).
index_t size_entry(py::handle v, py::handle whole) {
    py::object idx = py::reinterpret_steal<py::object>(PyNumber_Index(v.ptr()));
    if (!idx) {
        PyErr_Clear();
        throw py::type_error(std::string("median_filter: size must be an int or a (rows, cols) "
                                         "pair of ints, got ") +
                             Py_TYPE(whole.ptr())->tp_name + " " + repr_of(whole));
    }
    int overflow = 0;
    const long long x = PyLong_AsLongLongAndOverflow(idx.ptr(), &overflow);
    if (overflow != 0)
        throw py::value_error("median_filter: size (=" + repr_of(whole) + ") is too large");
    return static_cast<index_t>(x);
}

std::pair<index_t, index_t> parse_size(const py::object& size) {
    if (py::isinstance<py::str>(size) || py::isinstance<py::bytes>(size))
        throw py::type_error(std::string("median_filter: size must be an int or a (rows, cols) "
                                         "pair of ints, got ") +
                             Py_TYPE(size.ptr())->tp_name + " " + repr_of(size));
    if (py::isinstance<py::sequence>(size) || py::isinstance<py::array>(size)) {
        py::tuple t = py::tuple(py::module_::import("builtins").attr("tuple")(size));
        if (t.size() != 2)
            throw py::value_error("median_filter: size (=" + repr_of(size) +
                                  ") must be an int or a (rows, cols) pair, got " +
                                  std::to_string(t.size()) + " entries for a 2-D image");
        return {size_entry(t[0], size), size_entry(t[1], size)};
    }
    const index_t s = size_entry(size, size);
    return {s, s};
}

/// cval in the image type: integers exactly when they fit T, else scipy's
/// rule on the float value (median_filter_cval).
template <class T>
T parse_cval(const py::object& cval, index_t window_count) {
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
        if (!PyFloat_Check(cval.ptr())) {
            py::object idx = py::reinterpret_steal<py::object>(PyNumber_Index(cval.ptr()));
            if (idx) {
                int overflow = 0;
                if constexpr (std::is_signed_v<T>) {
                    const long long v = PyLong_AsLongLongAndOverflow(idx.ptr(), &overflow);
                    if (!overflow && v >= std::numeric_limits<T>::lowest() &&
                        v <= std::numeric_limits<T>::max())
                        return static_cast<T>(v);
                } else {
                    if (py::int_(idx) >= py::int_(0)) {
                        const unsigned long long v = PyLong_AsUnsignedLongLong(idx.ptr());
                        if (PyErr_Occurred())
                            PyErr_Clear();
                        else if (v <= std::numeric_limits<T>::max())
                            return static_cast<T>(v);
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
        throw py::type_error("median_filter: cval must be a real number, got " + repr_of(cval));
    }
    return median_filter_cval<T>(d, window_count);
}

/// True when cval (as scipy's float) truncates above T's largest value.
template <class T>
bool above_range(const py::object& cval) {
    double d;
    try {
        d = cval.cast<double>();
    } catch (py::cast_error&) {
        return false;
    }
    const double top =
        std::is_same_v<T, bool> ? 1.0 : static_cast<double>(std::numeric_limits<T>::max());
    return std::trunc(d) > top;
}

py::object median_filter_py(const py::object& image, const py::object& size, py::handle mode_obj,
                            const py::object& cval) {
    const std::string mode_name = str_arg("median_filter", "mode", mode_obj);
    constexpr const char* func = "median_filter";
    py::array arr = as_kept_array(func, "image", image);
    if (arr.ndim() != 2)
        throw py::value_error("median_filter: image must be 2-D, got a " +
                              std::to_string(arr.ndim()) +
                              "-D array (ndim=" + std::to_string(arr.ndim()) + ") of shape " +
                              py::str(arr.attr("shape")).cast<std::string>());
    const auto [sr, sc] = parse_size(size);
    const BorderMode mode = border_mode_from_name(mode_name);
    if (arr.dtype().kind() == 'f' && arr.itemsize() == 2) {
        // float16 through the float32 kernel: float16 -> float32 is exact and
        // the filter selects an input value (or cval, rounded to float16
        // first as scipy converts it to the image dtype), so rounding the
        // float32 result back to float16 is exact too.
        auto f16 = storage_dtype(Real::f16);
        double c = real_arg(func, "cval", cval);
        c = py::float_(f16.attr("type")(c)).cast<double>();
        py::object res =
            median_filter_py(arr.attr("astype")("float32"), size, mode_obj, py::float_(c));
        return res.attr("astype")(f16);
    }
    return visit_kept(arr.dtype(), [&](auto tag) -> py::object {
        using T = decltype(tag);
        const T c = parse_cval<T>(cval, sr > 0 && sc > 0 ? sr * sc : 1);
        py::array_t<T> out({arr.shape(0), arr.shape(1)});
        ImageView<const T> in{static_cast<const T*>(arr.data()), static_cast<index_t>(arr.shape(0)),
                              static_cast<index_t>(arr.shape(1)),
                              static_cast<index_t>(arr.strides(0) / arr.itemsize()),
                              static_cast<index_t>(arr.strides(1) / arr.itemsize())};
        ImageView<T> o{out.mutable_data(), in.rows, in.cols, in.cols, 1};
        {
            py::gil_scoped_release nogil;
            fastcpp::median_filter<T>(in, o, sr, sc, mode, c);
        }
        if constexpr (std::is_integral_v<T>) {
            // scipy takes a two-element window's maximum against the float
            // cval itself: a cval above T's range wins wherever the window
            // meets the border (the first row or column), converted as usual.
            if (mode == BorderMode::constant && sr * sc == 2 && in.rows > 0 && in.cols > 0 &&
                above_range<T>(cval)) {
                if (sr == 2)
                    for (index_t j = 0; j < in.cols; ++j) o(0, j) = c;
                else
                    for (index_t i = 0; i < in.rows; ++i) o(i, 0) = c;
            }
        }
        return out;
    });
}

/// rank_filter / percentile_filter: the median_filter intake with a rank.
/// `rank_of(count)` gives the (possibly negative) rank for the window size.
/// `percentile`: percentile_filter (the core derives the rank), else rank_filter.
template <class RankOf>
py::object rank_filter_py(const char* func, const py::object& image, RankOf&& rank_of,
                          const py::object& size, const std::string& mode_name,
                          const py::object& cval, std::optional<double> percentile = {}) {
    py::array arr = as_kept_array(func, "image", image);
    if (arr.ndim() != 2)
        throw py::value_error(std::string(func) + ": image must be 2-D, got a " +
                              std::to_string(arr.ndim()) + "-D array of shape " +
                              py::str(arr.attr("shape")).cast<std::string>());
    const auto [sr, sc] = parse_size(size);
    const BorderMode mode = border_mode_from_name(mode_name);
    const index_t count = sr > 0 && sc > 0 && sr <= (index_t{1} << 31) / sc ? sr * sc : 1;
    index_t rank = rank_of(count);
    if (arr.dtype().kind() == 'f' && arr.itemsize() == 2) {
        // float16 through the float32 kernel, exactly (see median_filter_py).
        auto f16 = storage_dtype(Real::f16);
        const double c = py::float_(f16.attr("type")(real_arg(func, "cval", cval))).cast<double>();
        py::object res = rank_filter_py(func, arr.attr("astype")("float32"), rank_of, size,
                                        mode_name, py::float_(c), percentile);
        return res.attr("astype")(f16);
    }
    return visit_kept(arr.dtype(), [&](auto tag) -> py::object {
        using T = decltype(tag);
        // A maximum (rank n - 1) compares with scipy's unconverted cval: one
        // below T's range never wins (median_filter_cval's two-element rule).
        const T c = parse_cval<T>(cval, rank == count - 1 || rank == -1 ? 2 : 3);
        py::array_t<T> out({arr.shape(0), arr.shape(1)});
        ImageView<const T> in{static_cast<const T*>(arr.data()), static_cast<index_t>(arr.shape(0)),
                              static_cast<index_t>(arr.shape(1)),
                              static_cast<index_t>(arr.strides(0) / arr.itemsize()),
                              static_cast<index_t>(arr.strides(1) / arr.itemsize())};
        ImageView<T> o{out.mutable_data(), in.rows, in.cols, in.cols, 1};
        {
            py::gil_scoped_release nogil;
            if (percentile)
                fastcpp::percentile_filter<T>(in, o, sr, sc, *percentile, mode, c);
            else
                fastcpp::rank_filter<T>(in, o, sr, sc, rank, mode, c);
        }
        return out;
    });
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

void register_median_filter(py::module_& m) {
    m.def("median_filter", &median_filter_py, py::arg("image"), py::arg("size"), py::kw_only(),
          py::arg("mode") = "reflect", py::arg("cval") = 0, R"pbdoc(
median_filter(image, size, *, mode="reflect", cval=0) -> numpy.ndarray

2-D median filter, equal to ``scipy.ndimage.median_filter(image, size=size,
mode=mode, cval=cval)`` and much faster: sorting networks in SIMD registers
for small windows, SIMD radix selection (on ranks for 32/64-bit types) for
medium ones, Huang sliding histograms beyond; all cores, GIL released.

Parameters
----------
image : array_like, 2-D
    Any integer dtype, bool, float32 or float64; any strides or byte order.
size : int or (int, int)
    Window height and width, each >= 1 (may exceed the image). For an even
    element count the element of 0-based rank ``rows * cols // 2`` of the
    sorted window is taken (the upper median, scipy's convention, not an
    average); the window of output ``(r, c)`` spans rows
    ``r - rows // 2 ... r - rows // 2 + rows - 1`` (scipy's origin 0).
mode : {"reflect", "nearest", "mirror", "constant", "wrap"}
    Border extension, as scipy.ndimage: reflect ``d c b a | a b c d``,
    mirror ``d c b | a b c d``, nearest ``a a | a b``, wrap ``c d | a b``,
    constant ``k k | a b`` (scipy's "grid-" aliases are accepted too).
cval : int or float
    Border value for ``mode="constant"``, converted to the image dtype as
    scipy does: truncated toward zero and, for integer images, wrapped modulo
    2**bits (uint8: -1 -> 255); bool images take that 8-bit value != 0.
    Integer cval is used exactly (no rounding through float64).

Returns
-------
numpy.ndarray
    Same shape and dtype as ``image``; every element is one of its window's
    values, selected exactly.

Notes
-----
NaN sorts above every number (NumPy's sort order; -0.0 sorts below +0.0),
so results with NaN in the window are deterministic: the median is NaN
exactly when more than ``rows * cols - 1 - rows * cols // 2`` window
elements are NaN. scipy's result is undefined there. scipy also rounds
64-bit integers above 2**53 through float64; fastcpp does not.

Raises
------
TypeError
    For float16, complex, object, string or datetime images, a non-integer
    size or a non-numeric cval.
ValueError
    If the image is not 2-D, a size is < 1, size has other than 2 entries,
    mode is unknown, or cval is NaN/inf for an integer or bool image.
)pbdoc");
    register_rank_filters(m);
}

void register_rank_filters(py::module_& m) {
    m.def(
        "rank_filter",
        [](const py::object& image, const py::object& rank, const py::object& size,
           const std::string& mode, const py::object& cval) {
            const index_t r = rank_arg(rank);
            return rank_filter_py(
                "rank_filter", image, [r](index_t) { return r; }, size, mode, cval);
        },
        py::arg("image"), py::arg("rank"), py::arg("size"), py::kw_only(),
        py::arg("mode") = "reflect", py::arg("cval") = 0, R"pbdoc(
rank_filter(image, rank, size, *, mode="reflect", cval=0) -> numpy.ndarray

2-D rank filter, equal to ``scipy.ndimage.rank_filter(image, rank, size=size,
mode=mode, cval=cval)``: each output is the element of 0-based position
``rank`` of its sorted window (negative ranks count from the end). The same
machinery as median_filter (networks pruned to the rank, radix selection,
histograms), dtype kept, NaN sorting above every number.

Raises
------
ValueError
    If rank is outside [-n, n) for a window of n elements, or as median_filter.
)pbdoc");
    m.def(
        "percentile_filter",
        [](const py::object& image, double percentile, const py::object& size,
           const std::string& mode, const py::object& cval) {
            return rank_filter_py(
                "percentile_filter", image,
                [percentile](index_t count) { return percentile_rank(percentile, count); }, size,
                mode, cval, percentile);
        },
        py::arg("image"), py::arg("percentile"), py::arg("size"), py::kw_only(),
        py::arg("mode") = "reflect", py::arg("cval") = 0, R"pbdoc(
percentile_filter(image, percentile, size, *, mode="reflect", cval=0) -> numpy.ndarray

2-D percentile filter, equal to ``scipy.ndimage.percentile_filter(image,
percentile, size=size, mode=mode, cval=cval)``: the element of rank
``int(n * percentile / 100)`` of each sorted window of n elements (percentile
100: the last; negative percentiles count from 100).

Raises
------
ValueError
    If percentile is outside [-100, 100], or as rank_filter.
)pbdoc");
}

}  // namespace fastcpp::bind
