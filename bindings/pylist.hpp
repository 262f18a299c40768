#pragma once
/// @file pylist.hpp
/// Python sequences of numbers that NumPy can only hold as an object array
/// (an int beyond int64, alone or mixed with floats or NumPy scalars):
/// `sum([2**70, 0.5])`, `Accumulator().add_many([2**70, 1])`.
///
/// The rules, as `sum()` and `math.fsum` have them: all integers → the exact
/// integer sum; otherwise each value is converted as math.fsum converts it
/// (PyFloat_AsDouble: ints correctly rounded -- NumPy's own conversion of a
/// big int is not -- OverflowError beyond float range) and summed as floats.

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <stdexcept>
#include <string>

namespace fastcpp::bind {

/// The values of `arr` (what as_array made of `obj`) as a flat Python list
/// when `obj` is a list or tuple that NumPy could only type as objects; None
/// otherwise (ndarrays of dtype object stay a TypeError of the dtype policy).
inline pybind11::object object_list_values(pybind11::handle obj, const pybind11::array& arr) {
    namespace py = pybind11;
    if (arr.dtype().kind() != 'O' || (!PyList_Check(obj.ptr()) && !PyTuple_Check(obj.ptr())))
        return py::none();
    return arr.attr("ravel")().attr("tolist")();
}

/// True when every element is an integer: a Python int (bool included) or
/// anything with __index__ that is not a float (NumPy integer scalars).
inline bool all_integers(const pybind11::list& objs) {
    for (auto v : objs) {
        PyObject* p = v.ptr();
        if (!PyLong_Check(p) && !(PyIndex_Check(p) && !PyFloat_Check(p))) return false;
    }
    return true;
}

/// Exact sum of integer objects, as a Python int.
inline pybind11::object exact_int_sum(const pybind11::list& objs) {
    namespace py = pybind11;
    py::object total = py::int_(0);
    for (auto v : objs) {
        py::object i = py::reinterpret_steal<py::object>(PyNumber_Index(v.ptr()));
        if (!i) throw py::error_already_set();
        total = total + i;
    }
    return total;
}

/// float64 array of the elements converted as math.fsum converts them.
/// OverflowError / TypeError name `func` and `arg`.
inline pybind11::array floats_of_objects(const char* func, const char* arg,
                                         const pybind11::list& objs) {
    namespace py = pybind11;
    py::array_t<double> out(objs.size());
    double* o = out.mutable_data();
    py::ssize_t i = 0;
    for (auto v : objs) {
        const double x = PyFloat_AsDouble(v.ptr());
        if (x == -1.0 && PyErr_Occurred()) {
            const bool overflow = PyErr_ExceptionMatches(PyExc_OverflowError);
            PyErr_Clear();
            const std::string where = std::string(func) + ": " + arg;
            if (overflow)
                throw std::overflow_error(where + " has an int too large to convert to float");
            throw py::type_error(where + " has an element that is not a real number: " +
                                 std::string(Py_TYPE(v.ptr())->tp_name));
        }
        o[i++] = x;
    }
    return out;
}

}  // namespace fastcpp::bind
