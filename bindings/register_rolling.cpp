// Moving windows: one Python function per row of the core's move_* family
// table (move_family()), and the seed's 'valid' forms rolling_sum_squares
// and rolling_mean_std. Everything about a member (name, extra parameters,
// docstring) comes from its table row.
#include <algorithm>
#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "args.hpp"
#include "fastcall.hpp"
#include "fastcpp/rolling.hpp"
#include "intake.hpp"
#include "register.hpp"

namespace fastcpp::bind {
namespace {

/// A member's Python parameter list and where each argument lands.
struct MoveBinding {
    const MoveMember* member;
    Signature sig;
    std::size_t window = 0, min_count = 0, axis = 0, center = 0, out = 0, lengths = 0;
    std::vector<std::pair<std::size_t, const MoveParam*>> extra;  ///< slot, parameter
};

/// `name(a, window, <after_window>, min_count=None, axis=-1, <after_axis>,
/// *, <keyword_only>)` from the table row.
MoveBinding binding_of(const MoveMember& m) {
    MoveBinding b{&m, Signature{m.name, {}, {}, 0}, 0, 0, 0, 0, 0, 0, {}};
    auto add = [&](const char* name, const char* def, bool kw_only = false) {
        b.sig.param(name, def, kw_only);
        return b.sig.names.size() - 1;
    };
    auto extras = [&](ParamPlace place) {
        for (const MoveParam& p : m.extra)
            if (p.place == place)
                b.extra.emplace_back(
                    add(p.name, p.default_value, place == ParamPlace::keyword_only), &p);
    };
    add("a", "");
    if (m.inputs == 2) add("b", "");
    b.window = add("window", "");
    extras(ParamPlace::after_window);
    b.min_count = add("min_count", "None");
    b.axis = add("axis", "-1");
    extras(ParamPlace::after_axis);
    extras(ParamPlace::keyword_only);
    b.center = add("center", "False", true);
    b.out = add("out", "None", true);
    b.lengths = add("lengths", "None", true);
    return b;
}

/// One extra parameter into the options, by its name (a field of
/// MoveOptions). A new parameter name is one line here.
void set_option(MoveOptions& o, const char* func, const MoveParam& p, py::handle v) {
    const std::string_view name = p.name;
    if (name == "ddof") {
        o.ddof = int_arg(func, p.name, v);
        return;
    }
    if (name == "bias") {
        o.bias = bool_arg(func, p.name, v);
        return;
    }
    if (name == "method") {
        o.method = quantile_method(func, str_arg(func, p.name, v));
        return;
    }
    if (name == "q") return;  // read by quantile_args (it owns the values)
    throw std::logic_error(std::string(func) + ": no binding for parameter " + p.name);
}

/// move_quantile's q: a real number (→ one value, scalar=true) or a 1-D
/// sequence of them.
std::vector<double> quantile_args(const char* func, py::handle q, bool& scalar) {
    // A float (np.float64 too): the common call, without NumPy's ~4 us of
    // asarray/ravel/item (move_quantile on 10 values cost 4.5 us, its
    // siblings 0.5). Anything else takes NumPy's reading of it.
    if (PyFloat_Check(q.ptr())) {
        scalar = true;
        return {PyFloat_AS_DOUBLE(q.ptr())};
    }
    auto np = py::module_::import("numpy");
    py::array arr;
    try {
        arr = np.attr("asarray")(q, py::arg("dtype") = "float64");
    } catch (py::error_already_set&) {
        raise_type(func, "q", "a float or a 1-D sequence of floats", q);
    }
    if (py::isinstance<py::str>(q) || py::isinstance<py::bytes>(q) || q.is_none())
        raise_type(func, "q", "a float or a 1-D sequence of floats", q);
    scalar = arr.ndim() == 0;
    if (arr.ndim() > 1)
        throw py::value_error(std::string(func) + ": q must be a float or a 1-D sequence, got " +
                              std::to_string(arr.ndim()) + "-D");
    arr = np.attr("ravel")(arr);
    std::vector<double> v(static_cast<std::size_t>(arr.size()));
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = arr.attr("item")(py::int_(i)).cast<double>();
    return v;
}

/// lengths=: a 1-D array of integers (any integer dtype, or Python ints), as
/// int64; an empty 1-D array of any dtype (`[]` is float64 to NumPy).
std::vector<index_t> lengths_arg(const char* func, py::handle obj) {
    // NumPy reads [5, True] as [5, 1]; a bool is not a length (as for every
    // other int argument), so a list or tuple is looked at first.
    if (PyList_Check(obj.ptr()) || PyTuple_Check(obj.ptr())) {
        const auto items = py::reinterpret_borrow<py::sequence>(obj);
        for (std::size_t i = 0; i < items.size(); ++i) {
            const py::object e = items[i];
            if (is_bool(e)) {
                const std::string name = "lengths[" + std::to_string(i) + "]";
                raise_type(func, name.c_str(), "an int", e);
            }
        }
    }
    const py::array arr = as_array(func, "lengths", obj);
    const char kind = arr.dtype().kind();
    if (arr.ndim() == 1 && arr.size() == 0) return {};
    if (kind == 'O' && arr.ndim() == 1) {  // Python ints, maybe beyond 64 bits
        std::vector<index_t> v(static_cast<std::size_t>(arr.size()));
        for (py::ssize_t i = 0; i < arr.size(); ++i) {
            const py::object e = arr.attr("item")(i);
            const std::string name = "lengths[" + std::to_string(i) + "]";
            if (is_bool(e)) raise_type(func, name.c_str(), "an int", e);
            v[static_cast<std::size_t>(i)] = int_arg(func, name.c_str(), e);
        }
        return v;
    }
    if (kind != 'i' && kind != 'u') raise_type(func, "lengths", "a 1-D array of integers", obj);
    if (arr.ndim() != 1)
        throw py::value_error(std::string(func) + ": lengths must be 1-D, got " +
                              std::to_string(arr.ndim()) + "-D");
    if (kind == 'u' && arr.itemsize() == 8 && arr.size() > 0 &&
        arr.attr("max")().cast<std::uint64_t>() > std::uint64_t{INT64_MAX})
        throw py::value_error(std::string(func) +
                              ": lengths (max=" + py::str(arr.attr("max")()).cast<std::string>() +
                              ") must fit in a 64-bit integer");
    const auto as64 =
        py::array(py::module_::import("numpy").attr("ascontiguousarray")(arr, "int64"));
    const auto* p = static_cast<const std::int64_t*>(as64.data());
    std::vector<index_t> v(p, p + as64.size());
    return v;
}

/// move_quantile with a sequence of q: the result gets a new leading axis,
/// one batch of rows per q (q-major, as the core expects).
py::object quantile_many(const MoveBinding& b, py::handle a_obj, index_t axis_arg, index_t window,
                         const MoveOptions& options, py::object out) {
    const char* func = b.member->name;
    RealArray in = as_real_array(func, "a", a_obj);
    if (in.arr.ndim() == 0)
        throw py::value_error(std::string(func) + ": a must be at least 1-D, got a 0-d array");
    const int axis = normalize_axis(axis_arg, in.arr.ndim());
    check_move(b.member->stat, static_cast<index_t>(in.arr.shape(axis)), window, options);
    std::vector<py::ssize_t> shape{static_cast<py::ssize_t>(options.q.size())};
    shape.insert(shape.end(), in.arr.shape(), in.arr.shape() + in.arr.ndim());
    return visit(in.real, [&](auto tag) -> py::object {
        using T = decltype(tag);
        Output<T> res(func, std::move(out), shape, {in.arr}, false, in.real);
        RowsOf<const T> src(in.arr, axis);
        RowsOf<T> dst(res.target, axis + 1);
        {
            py::gil_scoped_release nogil;
            fastcpp::move_stat_prechecked(b.member->stat, src.rows, dst.rows, window, options);
        }
        return res.finish();
    });
}

/// A two-input member (cov, corr): a and b broadcast together, result dtype
/// by the elementwise rule (float32 when both are float32 or float16,
/// float16 when both are float16).
py::object pair_call(const MoveBinding& b, py::handle a_obj, py::handle b_obj, index_t axis_arg,
                     index_t window, const MoveOptions& options, py::object out) {
    const char* func = b.member->name;
    py::array ra = as_array(func, "a", a_obj), rb = as_array(func, "b", b_obj);
    const Real real = result_real(func, {ra, rb}, {"a", "b"}, {false, false});
    if (ra.ndim() == 0 || rb.ndim() == 0)
        throw py::value_error(std::string(func) + ": " + (ra.ndim() == 0 ? "a" : "b") +
                              " must be at least 1-D, got a 0-d array");
    const bool same_shape =
        ra.ndim() == rb.ndim() && std::equal(ra.shape(), ra.shape() + ra.ndim(), rb.shape());
    // np.broadcast_arrays is Python code: ~2 us, most of a small call's time
    if (!same_shape) {
        try {
            py::tuple both = py::module_::import("numpy").attr("broadcast_arrays")(ra, rb);
            ra = both[0];
            rb = both[1];
        } catch (py::error_already_set&) {
            throw py::value_error(std::string(func) + ": shapes of a " +
                                  py::str(ra.attr("shape")).cast<std::string>() + ", b " +
                                  py::str(rb.attr("shape")).cast<std::string>() +
                                  " cannot be broadcast together");
        }
    }
    const int axis = normalize_axis(axis_arg, ra.ndim());
    check_move(b.member->stat, static_cast<index_t>(ra.shape(axis)), window, options);
    return map_row_pairs(func, real, ra, rb, axis, std::move(out), [&](auto xa, auto xb, auto dst) {
        fastcpp::move_pair_stat(b.member->stat, xa, xb, dst, window, options);
    });
}

py::object move_call(const void* data, const py::handle* args) {
    const auto& b = *static_cast<const MoveBinding*>(data);
    const MoveStat stat = b.member->stat;
    const char* func = b.member->name;
    const index_t window = int_arg(func, "window", args[b.window]);
    MoveOptions options;
    if (args[b.min_count])
        options.min_count = optional_int_arg(func, "min_count", args[b.min_count]);
    const index_t axis = args[b.axis] ? axis_arg(func, args[b.axis]) : -1;
    for (const auto& [slot, p] : b.extra)
        if (args[slot]) set_option(options, func, *p, args[slot]);
    if (args[b.center]) options.center = bool_arg(func, "center", args[b.center]);
    std::vector<index_t> lengths;
    if (args[b.lengths] && !args[b.lengths].is_none()) {
        lengths = lengths_arg(func, args[b.lengths]);
        options.lengths = lengths;
    }
    py::object out = args[b.out] ? py::reinterpret_borrow<py::object>(args[b.out]) : py::none();
    if (b.member->inputs == 2)
        return pair_call(b, args[0], args[1], axis, window, options, std::move(out));
    std::vector<double> qs;
    if (stat == MoveStat::quantile) {
        bool scalar = true;
        qs = quantile_args(func, args[b.extra.front().first], scalar);
        options.q = qs;
        if (!scalar) return quantile_many(b, args[0], axis, window, options, std::move(out));
    }
    return map_rows<1>(
        func, args[0], axis, std::move(out),
        [&](index_t length) {
            check_move(stat, length, window, options);
            return length;
        },
        // Checked above, before the output was made.
        [&](auto in, auto outs) {
            fastcpp::move_stat_prechecked(stat, in, outs[0], window, options);
        });
}

constexpr const char* kCommon = R"pbdoc(
Parameters
----------
a : array_like
    Input, at least 1-D. float32 gives float32 output and float16 gives
    float16 (float64 state inside); integer and bool input is computed as
    float64.
window : int
    Window length, 1 <= window <= a.shape[axis]. The window ending at i is
    a[i-window+1 .. i], clipped at the start of the axis.
min_count : int or None
    Minimum number of non-NaN values in a window for a non-NaN result,
    1 <= min_count <= window; None (default) means window.
axis : int
    Axis along which to move (default -1).
)pbdoc";

/// The options every member takes, after its own.
constexpr const char* kOptions = R"pbdoc(center : bool
    Label each window at its centre instead of its end, as pandas
    ``rolling(window, center=True)`` (even windows too): out[i] covers
    a[i - window//2 .. i + (window-1)//2], clipped at both ends (min_count
    decides there as everywhere). Equivalently: the trailing result at
    i + (window-1)//2 of a followed by (window-1)//2 NaNs, which also says
    what the arg-extrema (argmin, argmax) count back from (the window's end, which may
    lie past the array) and why move_rank is NaN in the last (window-1)//2
    places (the newest value of those windows is missing).
out : ndarray, optional
    Where to write the result: exactly the result's shape and dtype,
    writeable; written only when the call succeeds. It may overlap a (the
    result is then computed aside and copied in).
lengths : 1-D array of int, optional
    Segment lengths summing to a.shape[axis]: the axis is a concatenation of
    independent series (say 5000 stocks, each its own length). No window
    crosses a boundary; the result equals calling the function on each
    segment separately, and segments run in parallel. A window longer than a
    segment never fills there (min_count decides).
)pbdoc";

constexpr const char* kReturns = R"pbdoc(
Returns
-------
ndarray
    Same shape as a; float32 for float32 input, float16 for float16, else
    float64.

Raises
------
ValueError
    If window or min_count is out of range (the message names the argument
    and its value), or a is 0-d. numpy AxisError for a bad axis.
TypeError
    For complex, object, string or datetime input, or an argument of the
    wrong type (naming it).
)pbdoc";

/// The docstring after the call line: the row's text, then the parameters.
std::string doc_of(const MoveMember& m) {
    std::string doc = std::string(m.doc) + kCommon;
    for (const MoveParam& p : m.extra) doc += p.doc;
    return doc + kOptions + kReturns;
}

/// The 'valid' forms: K outputs of length n − window + 1 along the last axis.
template <std::size_t K, class Kernel>
py::object valid_call(const char* func, py::handle a, py::handle window_obj, Kernel&& kernel) {
    const index_t window = int_arg(func, "window", window_obj);
    return map_rows<K>(
        func, a, -1, py::none(),
        [&](index_t length) { return rolling_valid_length(func, length, window); },
        [&](auto in, auto outs) { kernel(in, outs, window); });
}

py::object rolling_sum_squares_py(py::handle a, py::handle window) {
    return valid_call<1>("rolling_sum_squares", a, window, [](auto in, auto outs, index_t w) {
        fastcpp::rolling_sum_squares(in, outs[0], w);
    });
}

py::object rolling_mean_std_py(py::handle a, py::handle window) {
    return valid_call<2>("rolling_mean_std", a, window, [](auto in, auto outs, index_t w) {
        fastcpp::rolling_mean_std(in, outs[0], outs[1], w);
    });
}

}  // namespace

void register_rolling(py::module_& m) {
    // The bindings live as long as the process (the module keeps pointers).
    static std::deque<MoveBinding> bindings;
    for (const MoveMember& member : move_family()) {
        const MoveBinding& b = bindings.emplace_back(binding_of(member));
        def_fast(m, b.sig, doc_of(member), &move_call, &b);
    }
    // The family as data for the Python side (fastcpp.dask, the stub test):
    // (name, inputs, ((param, default, place), ...)) per member.
    py::list family;
    for (const MoveMember& member : move_family()) {
        py::list extra;
        for (const MoveParam& p : member.extra)
            extra.append(
                py::make_tuple(p.name, p.default_value,
                               p.place == ParamPlace::keyword_only ? "keyword" : "positional"));
        family.append(py::make_tuple(member.name, member.inputs, py::tuple(extra)));
    }
    m.attr("_move_family") = py::tuple(family);

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
    At least 1-D; float32 stays float32, float16 float16, ints/bool become
    float64.
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
    At least 1-D; float32 stays float32, float16 float16, ints/bool become
    float64.
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
