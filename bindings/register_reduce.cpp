// Reductions: sum, dot, norm, sum_of_squares.
#include <cstdint>
#include <limits>

#include "fastcpp/reduce.hpp"
#include "intake.hpp"
#include "pylist.hpp"
#include "register.hpp"

namespace fastcpp::bind {
namespace {

/// A 128-bit integer as an exact Python int.
py::int_ to_pyint(int128_t v) {
    const bool neg = v < 0;
    __extension__ using u128 = unsigned __int128;
    const u128 mag = neg ? u128(0) - static_cast<u128>(v) : static_cast<u128>(v);
    py::int_ hi(static_cast<std::uint64_t>(mag >> 64));
    py::int_ lo(static_cast<std::uint64_t>(mag));
    py::object r = (hi << py::int_(64)) | lo;
    return py::int_(neg ? -r : r);
}

py::object sum_py(const py::object& a) {
    // A list NumPy can only hold as objects (an int beyond int64): all ints
    // give the exact int, as sum(); otherwise the correctly rounded float of
    // the values converted as math.fsum converts them.
    py::array arr = as_array("sum", "a", a);
    if (py::object values = object_list_values(a, arr); !values.is_none()) {
        py::list objs = values;
        if (all_integers(objs)) return exact_int_sum(objs);
        py::array f = floats_of_objects("sum", "a", objs);
        auto view = flat_view<double>(f);
        double r;
        {
            py::gil_scoped_release nogil;
            r = fastcpp::sum(view);
        }
        return py::float_(r);
    }
    const Kind kind = classify("sum", "a", arr);
    if (kind == Kind::integer || kind == Kind::boolean) {
        // Exact integer result, as NumPy's integer sum but without overflow.
        const bool is_unsigned = arr.dtype().kind() == 'u' && arr.dtype().itemsize() == 8;
        int128_t r;
        if (is_unsigned) {
            py::array u = readable_as<std::uint64_t>(arr);
            auto view = flat_view<std::uint64_t>(u);
            py::gil_scoped_release nogil;
            r = sum_exact(view);
        } else {
            py::array s = readable_as<std::int64_t>(arr);
            auto view = flat_view<std::int64_t>(s);
            py::gil_scoped_release nogil;
            r = sum_exact(view);
        }
        return to_pyint(r);
    }
    RealArray in = as_real_array("sum", "a", arr);
    return py::float_(visit(in.real, [&](auto tag) {
        using T = decltype(tag);
        auto view = flat_view<T>(in.arr);
        py::gil_scoped_release nogil;
        return fastcpp::sum(view);
    }));
}

double dot_py(const py::object& a, const py::object& b) {
    RealArray x = as_real_array("dot", "a", a);
    RealArray y = as_real_array("dot", "b", b);
    const Real real = x.real == Real::f32 && y.real == Real::f32 ? Real::f32 : Real::f64;
    return visit(real, [&](auto tag) {
        using T = decltype(tag);
        py::array xa = readable_as<T>(x.arr), ya = readable_as<T>(y.arr);
        auto xv = flat_view<T>(xa);
        auto yv = flat_view<T>(ya);
        py::gil_scoped_release nogil;
        return fastcpp::dot(xv, yv);
    });
}

double norm_py(const py::object& a) {
    RealArray in = as_real_array("norm", "a", a);
    return visit(in.real, [&](auto tag) {
        using T = decltype(tag);
        auto view = flat_view<T>(in.arr);
        py::gil_scoped_release nogil;
        return fastcpp::norm(view);
    });
}

py::int_ sum_of_squares_py(const py::object& n_obj) {
    py::int_ n = py::reinterpret_steal<py::int_>(PyNumber_Index(n_obj.ptr()));
    if (!n) {
        PyErr_Clear();
        throw py::type_error("sum_of_squares: n must be an integer, got " +
                             py::str(py::type::of(n_obj).attr("__name__")).cast<std::string>());
    }
    int overflow = 0;
    const long long v = PyLong_AsLongLongAndOverflow(n.ptr(), &overflow);
    if (overflow < 0) (void)fastcpp::sum_of_squares(-1);  // throws the core's ValueError
    if (overflow == 0) {
        try {
            return to_pyint(fastcpp::sum_of_squares(v));
        } catch (const std::overflow_error&) {
            // beyond the core's 128-bit result: the same closed form below
        }
    }
    // (n - 1) n (2n - 1) / 6 in Python's unbounded ints: exact for every n,
    // in time and memory of the size of n's digits.
    const py::int_ one(1), two(2), six(6);
    const py::object product = (n - one) * n * (two * n - one);
    PyObject* result = PyNumber_FloorDivide(product.ptr(), six.ptr());
    if (result == nullptr) throw py::error_already_set();  // MemoryError
    return py::reinterpret_steal<py::int_>(result);
}

}  // namespace

void register_reduce(py::module_& m) {
    m.def("sum", &sum_py, py::arg("a"), R"pbdoc(
sum(a) -> float | int

Sum of all elements of an array-like (any shape, flattened).

Floating input gives the exact sum correctly rounded to float64 (float32
values are summed exactly as float64): equal to ``math.fsum``, also where
fsum raises OverflowError on an intermediate overflow
(``sum([1e308, 1e308, -1e308, -1e308, 1.0]) == 1.0``), at memory speed. A
sum beyond the float64 range is ±inf; NaN if any value is NaN or +inf meets
-inf, else ±inf if any value is infinite. An exact zero is 0.0 (as fsum).
The result does not depend on the thread count or the SIMD level. Integer
and bool input (including a Python list of ints, however large) give the
exact Python ``int``; a list mixing ints beyond int64 with floats is summed
as ``math.fsum`` converts each value.

Raises
------
TypeError
    For complex, object, string or datetime input.
)pbdoc");
    m.def("dot", &dot_py, py::arg("a"), py::arg("b"), R"pbdoc(
dot(a, b) -> float

Inner product of two equally long array-likes (flattened), all threads.
Blocked summation (each SIMD lane adds 16 products, then a compensated
total): ``|dot - exact| <= 2**-53 * |exact| + 18 * 2**-53 * sum(|a * b|)``
whatever the length, where a plain loop's error grows with it.

Raises
------
ValueError
    If the lengths differ.
TypeError
    For unsupported dtypes.
)pbdoc");
    m.def("norm", &norm_py, py::arg("a"), R"pbdoc(
norm(a) -> float

Euclidean (L2) norm of all elements, in one pass, without overflow or
underflow (Blue's scaled accumulators, as LAPACK's dnrm2):
``norm([1e200, 1e200])`` is 1.414e200, not inf; ``norm([3e-320, 4e-320])``
is 5e-320. NaN if any element is NaN, else inf if any is infinite.
)pbdoc");
    m.def(
        "_plain_sum",
        [](const py::array_t<double, py::array::c_style | py::array::forcecast>& a) {
            fastcpp::Strided<const double> view(a.data(), a.size(), 1);
            py::gil_scoped_release nogil;
            return fastcpp::detail::plain_sum(view);
        },
        py::arg("a"),
        "_plain_sum(a) -> float\n\nPrivate: a plain vectorised float64 sum (not\n"
        "compensated) on the same threads as sum: the benchmark's memory-bandwidth\n"
        "reference.");
    m.def("sum_of_squares", &sum_of_squares_py, py::arg("n"), R"pbdoc(
sum_of_squares(n) -> int

Exact ``sum(i*i for i in range(n))`` as a Python int (closed form, O(1)
for results below 2**127, Python's unbounded ints beyond).

Raises
------
ValueError
    If n is negative.
TypeError
    If n is not an integer.
)pbdoc");
}

}  // namespace fastcpp::bind
