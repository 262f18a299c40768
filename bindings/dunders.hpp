#pragma once
/// @file dunders.hpp
/// Python protocols shared by fastcpp's classes, written once.
///
///  - add_pickle(cls, get_state, set_state): pickle with every protocol 0-5,
///    copy.copy and copy.deepcopy, all through the class's exact state.
///    Use it for every picklable class (Accumulator, GeoIndex, ...):
///
///        py::class_<GeoIndex> cls(m, "GeoIndex");
///        add_pickle(cls,
///            [](const GeoIndex& g) { return py::make_tuple(...); },  // state
///            [](const py::tuple& t) { return GeoIndex(...); });     // rebuild
///
///    get_state returns any picklable Python object (a tuple of numbers,
///    bytes, arrays); set_state takes that object back and returns a T by
///    value, throwing py::value_error for a malformed state (a tampered pickle
///    must give ValueError, never a half-built object).
///
///  - add_value_dunders(cls, get_state, set_state): add_pickle plus the value
///    protocol of accumulator-like types: ==, unhashable, fast __copy__ /
///    __deepcopy__, merge via + and +=. Requires T::operator== and
///    T::merge(const T&).
///
/// Why not pybind11's py::pickle alone: it defines __getstate__/__setstate__
/// only. Protocols 2-5 then rebuild with copyreg.__newobj__ (cls.__new__ +
/// __setstate__) and work, but protocols 0 and 1 go through
/// copyreg._reduce_ex, which creates the instance with object.__new__ and
/// makes pybind11 throw from a place that cannot throw: std::terminate, the
/// interpreter aborts. add_pickle defines __reduce_ex__ so every protocol
/// takes the protocol-2 route (copyreg.__newobj__ is an ordinary function,
/// picklable by reference at protocol 0 too).

#include <pybind11/pybind11.h>

#include <utility>

namespace fastcpp::bind {

template <class T, class GetState, class SetState>
void add_pickle(pybind11::class_<T>& cls, GetState get_state, SetState set_state) {
    namespace py = pybind11;
    cls.def(py::pickle(std::move(get_state), std::move(set_state)));
    // (copyreg.__newobj__, (type(self),), state) for every protocol: the
    // unpickler calls type(self).__new__(type(self)) (pybind11's allocation,
    // uninitialised) and then __setstate__(state), which constructs T.
    cls.def(
        "__reduce_ex__",
        [](const py::object& self, int /*protocol*/) {
            py::object newobj = py::module_::import("copyreg").attr("__newobj__");
            return py::make_tuple(newobj, py::make_tuple(py::type::of(self)),
                                  self.attr("__getstate__")());
        },
        py::arg("protocol"));
    cls.def("__reduce__", [](const py::object& self) { return self.attr("__reduce_ex__")(2); });
}

template <class T, class GetState, class SetState>
void add_value_dunders(pybind11::class_<T>& cls, GetState get_state, SetState set_state) {
    namespace py = pybind11;
    cls.def("__eq__", [](const T& a, const py::object& b) -> py::object {
        if (!py::isinstance<T>(b)) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
        return py::bool_(a == b.cast<const T&>());
    });
    cls.attr("__hash__") = py::none();  // mutable: unhashable, like list
    cls.def("__copy__", [](const T& a) { return T(a); });
    cls.def("__deepcopy__", [](const T& a, const py::dict&) { return T(a); }, py::arg("memo"));
    add_pickle(cls, std::move(get_state), std::move(set_state));
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
