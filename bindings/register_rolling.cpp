// Moving windows: the move_* family (bottleneck 1.6 semantics, with its
// defects fixed) and the seed's 'valid' forms rolling_sum_squares and
// rolling_mean_std.
#include <pybind11/stl.h>

#include <optional>
#include <string>

#include "fastcpp/rolling.hpp"
#include "intake.hpp"
#include "register.hpp"

namespace fastcpp::bind {
namespace {

py::object move_py(MoveStat stat, const py::object& a, index_t window,
                   std::optional<index_t> min_count, int axis, index_t ddof) {
    return map_rows(move_stat_name(stat), a, axis, py::none(), [&](auto in, auto out) {
        fastcpp::move_stat(stat, in, out, window, min_count, ddof);
    });
}

/// Input rows along the last axis and the shape of a 'valid' result.
struct ValidCall {
    RealArray in;
    std::vector<py::ssize_t> shape;
    ValidCall(const char* func, const py::object& a, index_t window)
        : in(as_real_array(func, "a", a)) {
        if (in.arr.ndim() == 0)
            throw py::value_error(std::string(func) +
                                  ": a must be at least 1-D, got a 0-d array");
        shape.assign(in.arr.shape(), in.arr.shape() + in.arr.ndim());
        const index_t n = static_cast<index_t>(shape.back());
        // A bad window is reported by the core; allocate a harmless shape meanwhile.
        shape.back() = static_cast<py::ssize_t>(
            window >= 1 && window <= n ? n - window + 1 : 0);
    }
};

py::object rolling_sum_squares_py(const py::object& a, index_t window) {
    const char* func = "rolling_sum_squares";
    ValidCall call(func, a, window);
    const int axis = static_cast<int>(call.in.arr.ndim()) - 1;
    return visit(call.in.real, [&](auto tag) -> py::object {
        using T = decltype(tag);
        py::array res(dtype_of<T>(), call.shape);
        RowsOf<const T> src(call.in.arr, axis);
        RowsOf<T> dst(res, axis);
        {
            py::gil_scoped_release nogil;
            fastcpp::rolling_sum_squares(src.rows, dst.rows, window);
        }
        return res;
    });
}

py::object rolling_mean_std_py(const py::object& a, index_t window) {
    const char* func = "rolling_mean_std";
    ValidCall call(func, a, window);
    const int axis = static_cast<int>(call.in.arr.ndim()) - 1;
    return visit(call.in.real, [&](auto tag) -> py::object {
        using T = decltype(tag);
        py::array means(dtype_of<T>(), call.shape), stds(dtype_of<T>(), call.shape);
        RowsOf<const T> src(call.in.arr, axis);
        RowsOf<T> m(means, axis), s(stds, axis);
        {
            py::gil_scoped_release nogil;
            fastcpp::rolling_mean_std(src.rows, m.rows, s.rows, window);
        }
        return py::make_tuple(means, stds);
    });
}

constexpr const char* kCommon = R"pbdoc(
Parameters
----------
a : array_like
    Input, at least 1-D. float32 gives float32 output (float64 state inside);
    integer and bool input is computed as float64.
window : int
    Window length, 1 <= window <= a.shape[axis]. The window ending at i is
    a[i-window+1 .. i], clipped at the start of the axis.
min_count : int or None
    Minimum number of non-NaN values in a window for a non-NaN result,
    1 <= min_count <= window; None (default) means window.
axis : int
    Axis along which to move (default -1).
)pbdoc";

constexpr const char* kRaises = R"pbdoc(
Returns
-------
ndarray
    Same shape as a; float32 for float32 input, else float64.

Raises
------
ValueError
    If window or min_count is out of range (the message names the argument
    and its value), or a is 0-d. numpy AxisError for a bad axis.
TypeError
    For complex, object, string, datetime or float16 input.
)pbdoc";

void def_move(py::module_& m, MoveStat stat, const std::string& head) {
    const std::string doc = head + kCommon + kRaises;
    m.def(
        move_stat_name(stat),
        [stat](const py::object& a, index_t window, std::optional<index_t> min_count,
               int axis) { return move_py(stat, a, window, min_count, axis, 0); },
        py::arg("a"), py::arg("window"), py::arg("min_count") = py::none(),
        py::arg("axis") = -1, doc.c_str());
}

void def_move_ddof(py::module_& m, MoveStat stat, const std::string& head) {
    const std::string doc = head + kCommon + R"pbdoc(ddof : int
    Delta degrees of freedom: the divisor is count - ddof. A window with
    count - ddof <= 0 gives NaN (bottleneck gives inf or -0 there).
)pbdoc" + kRaises;
    m.def(
        move_stat_name(stat),
        [stat](const py::object& a, index_t window, std::optional<index_t> min_count,
               int axis, index_t ddof) {
            return move_py(stat, a, window, min_count, axis, ddof);
        },
        py::arg("a"), py::arg("window"), py::arg("min_count") = py::none(),
        py::arg("axis") = -1, py::arg("ddof") = 0, doc.c_str());
}

constexpr const char* kInf = R"pbdoc(
Differences from bottleneck 1.6: +-inf inside a window gives the IEEE answer
and leaves no trace once it has left the window (bottleneck returns NaN for
the rest of the row); float32 input keeps float64 state (no drift). There are
no running sums: each window is the sum of a suffix and a prefix sum over
fixed tiles of `window` elements, so nothing drifts, a huge value leaves no
trace once outside the window, and windows that cancel exactly give 0 even
after millions of steps. Results do not depend on the thread count.
)pbdoc";

}  // namespace

void register_rolling(py::module_& m) {
    def_move(m, MoveStat::sum, std::string(R"pbdoc(move_sum(a, window, min_count=None, axis=-1)

Moving-window sum, NaN skipped. +inf/-inf in the window give +inf/-inf,
both give NaN.
)pbdoc") + kInf);
    def_move(m, MoveStat::mean, std::string(R"pbdoc(move_mean(a, window, min_count=None, axis=-1)

Moving-window mean of the non-NaN values. +inf/-inf in the window give
+inf/-inf, both give NaN.
)pbdoc") + kInf);
    def_move_ddof(m, MoveStat::var, std::string(R"pbdoc(move_var(a, window, min_count=None, axis=-1, ddof=0)

Moving-window variance of the non-NaN values (sums around a shift taken from
the neighbouring data, float64 state). Any +-inf in the window gives NaN.
)pbdoc") + kInf);
    def_move_ddof(m, MoveStat::std, std::string(R"pbdoc(move_std(a, window, min_count=None, axis=-1, ddof=0)

Moving-window standard deviation of the non-NaN values (float64 state). Any
+-inf in the window gives NaN.
)pbdoc") + kInf);
    def_move(m, MoveStat::min, R"pbdoc(move_min(a, window, min_count=None, axis=-1)

Moving-window minimum of the non-NaN values (monotonic deque, O(n)); +-inf
are ordinary values.
)pbdoc");
    def_move(m, MoveStat::max, R"pbdoc(move_max(a, window, min_count=None, axis=-1)

Moving-window maximum of the non-NaN values (monotonic deque, O(n)); +-inf
are ordinary values.
)pbdoc");
    def_move(m, MoveStat::argmin, R"pbdoc(move_argmin(a, window, min_count=None, axis=-1)

Position of the moving-window minimum counted back from the newest element
(0 = the newest); among equal minima the newest wins. Returned as float
(NaN where min_count is not met), as bottleneck. Where a window's only
non-NaN values are +inf, it points at an inf; bottleneck points at a NaN.
)pbdoc");
    def_move(m, MoveStat::argmax, R"pbdoc(move_argmax(a, window, min_count=None, axis=-1)

Position of the moving-window maximum counted back from the newest element
(0 = the newest); among equal maxima the newest wins. Returned as float.
Where a window's only non-NaN values are -inf, it points at an inf;
bottleneck points at a NaN.
)pbdoc");
    def_move(m, MoveStat::median, R"pbdoc(move_median(a, window, min_count=None, axis=-1)

Moving-window median of the non-NaN values (mean of the two middle values
for an even count), O(n log window); +-inf are ordinary values.
)pbdoc");
    def_move(m, MoveStat::rank, R"pbdoc(move_rank(a, window, min_count=None, axis=-1)

Rank of the newest element within its window, normalised to [-1, 1]
(-1: smallest, 1: largest, ties share the average rank), as bottleneck:
2 * ((below + (equal - 1) / 2) / (count - 1)) - 1 over the non-NaN values;
0 when the window holds one value; NaN when the newest value is NaN.
O(n log window) with a Fenwick tree (bottleneck's is O(n * window)).
)pbdoc");

    m.def("rolling_sum_squares", &rolling_sum_squares_py, py::arg("a"), py::arg("window"),
          R"pbdoc(rolling_sum_squares(a, window)

Sum of squares of every full window along the last axis ('valid' mode):
out[..., j] = sum(a[..., j:j+window]**2), length n - window + 1. A NaN in a
window gives NaN. Each window is the sum of a suffix and a prefix sum of
squares over fixed tiles (van Herk / Gil-Werman): no subtraction, so no
running-sum drift and no trace of a huge value once it has left the window;
relative error at most window * 2**-53.

Parameters
----------
a : array_like
    At least 1-D; float32 stays float32, ints/bool become float64.
window : int
    1 <= window <= a.shape[-1].

Returns
-------
ndarray
    Shape a.shape[:-1] + (n - window + 1,).

Raises
------
ValueError
    If window is out of range or a is 0-d.
TypeError
    For unsupported dtypes.
)pbdoc");
    m.def("rolling_mean_std", &rolling_mean_std_py, py::arg("a"), py::arg("window"),
          R"pbdoc(rolling_mean_std(a, window)

Mean and population standard deviation (ddof=0) of every full window along
the last axis ('valid' mode), length n - window + 1. A NaN in a window gives
NaN.

Parameters
----------
a : array_like
    At least 1-D; float32 stays float32, ints/bool become float64.
window : int
    1 <= window <= a.shape[-1].

Returns
-------
(means, stds) : tuple of ndarray
    Each of shape a.shape[:-1] + (n - window + 1,).

Raises
------
ValueError
    If window is out of range or a is 0-d.
TypeError
    For unsupported dtypes.
)pbdoc");
}

}  // namespace fastcpp::bind
