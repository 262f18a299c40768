#pragma once
/// @file dunders.hpp
/// The common Python protocol of accumulator-like value types, written once:
/// ==, copy/deepcopy, pickle (exact state), merge via + and +=.
/// Requirements on T: operator==, merge(const T&), and a state codec given
/// as two callables (to_tuple, from_tuple).

#include <pybind11/pybind11.h>

namespace fastcpp::bind {

template <class T, class ToTuple, class FromTuple>
void add_value_dunders(pybind11::class_<T>& cls, ToTuple to_tuple, FromTuple from_tuple) {
    namespace py = pybind11;
    cls.def("__eq__", [](const T& a, const py::object& b) -> py::object {
        if (!py::isinstance<T>(b)) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
        return py::bool_(a == b.cast<const T&>());
    });
    cls.attr("__hash__") = py::none();  // mutable: unhashable, like list
    cls.def("__copy__", [](const T& a) { return T(a); });
    cls.def("__deepcopy__", [](const T& a, const py::dict&) { return T(a); }, py::arg("memo"));
    cls.def(py::pickle([to_tuple](const T& a) { return to_tuple(a); },
                       [from_tuple](const py::tuple& t) { return from_tuple(t); }));
    cls.def(
        "__iadd__",
        [](py::object self, const T& b) {
            self.cast<T&>().merge(b);
            return self;
        },
        py::is_operator());
    cls.def(
        "__add__",
        [](const T& a, const T& b) {
            T r(a);
            r.merge(b);
            return r;
        },
        py::is_operator());
}

}  // namespace fastcpp::bind
