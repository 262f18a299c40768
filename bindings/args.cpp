#include "args.hpp"

#include <cstdint>
#include <cstring>

namespace fastcpp::bind {

void raise_type(const char* func, const char* arg, const char* expected, py::handle got) {
    const char* type = got.is_none() ? "None" : Py_TYPE(got.ptr())->tp_name;
    throw py::type_error(std::string(func) + ": " + arg + " must be " + expected + ", got " + type);
}

namespace {

[[noreturn]] void raise_overflow(const char* func, const char* arg, py::handle value,
                                 const char* what) {
    std::string v = py::repr(value).cast<std::string>();
    if (v.size() > 40) v = v.substr(0, 20) + "..." + v.substr(v.size() - 8);
    PyErr_SetString(PyExc_OverflowError,
                    (std::string(func) + ": " + arg + " (=" + v + ") " + what).c_str());
    throw py::error_already_set();
}

}  // namespace

index_t int_arg(const char* func, const char* arg, py::handle h) {
    PyObject* o = h.ptr();
    int overflow = 0;
    if (PyLong_Check(o)) {
        const long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
        if (overflow == 0) return static_cast<index_t>(v);
        raise_overflow(func, arg, h, "does not fit in a 64-bit integer");
    }
    if (PyFloat_Check(o) || !PyIndex_Check(o)) raise_type(func, arg, "an int", h);
    py::object idx = py::reinterpret_steal<py::object>(PyNumber_Index(o));
    if (!idx) {
        PyErr_Clear();
        raise_type(func, arg, "an int", h);
    }
    return int_arg(func, arg, idx);
}

index_t axis_arg(const char* func, py::handle h) {
    if (PyLong_Check(h.ptr())) {
        int overflow = 0;
        const long long v = PyLong_AsLongLongAndOverflow(h.ptr(), &overflow);
        if (overflow != 0) return overflow > 0 ? INT64_MAX : INT64_MIN;
        return static_cast<index_t>(v);
    }
    return int_arg(func, "axis", h);
}

std::optional<index_t> optional_int_arg(const char* func, const char* arg, py::handle h) {
    if (h.is_none()) return std::nullopt;
    if (PyFloat_Check(h.ptr()) || !PyIndex_Check(h.ptr()))
        raise_type(func, arg, "an int or None", h);
    return int_arg(func, arg, h);
}

double real_arg(const char* func, const char* arg, py::handle h) {
    PyObject* o = h.ptr();
    if (PyFloat_Check(o)) return PyFloat_AS_DOUBLE(o);
    if (PyLong_Check(o)) {
        const double d = PyLong_AsDouble(o);
        if (d == -1.0 && PyErr_Occurred()) {
            PyErr_Clear();
            raise_overflow(func, arg, h, "is too large for a float");
        }
        return d;
    }
    const PyNumberMethods* nb = Py_TYPE(o)->tp_as_number;
    const bool number = nb != nullptr && (nb->nb_float != nullptr || nb->nb_index != nullptr) &&
                        !PyComplex_Check(o);
    if (!number) raise_type(func, arg, "a real number", h);
    const double d = PyFloat_AsDouble(o);
    if (d == -1.0 && PyErr_Occurred()) {
        const bool over = PyErr_ExceptionMatches(PyExc_OverflowError);
        PyErr_Clear();
        if (over) raise_overflow(func, arg, h, "is too large for a float");
        raise_type(func, arg, "a real number", h);
    }
    return d;
}

bool is_bool(py::handle h) {
    if (PyBool_Check(h.ptr())) return true;
    const char* tn = Py_TYPE(h.ptr())->tp_name;
    return std::strcmp(tn, "numpy.bool") == 0 || std::strcmp(tn, "numpy.bool_") == 0;
}

bool bool_arg(const char* func, const char* arg, py::handle h) {
    if (h.ptr() == Py_True) return true;
    if (h.ptr() == Py_False) return false;
    if (is_bool(h)) return PyObject_IsTrue(h.ptr()) == 1;
    raise_type(func, arg, "a bool", h);
}

std::string str_arg(const char* func, const char* arg, py::handle h) {
    if (!PyUnicode_Check(h.ptr())) raise_type(func, arg, "a str", h);
    Py_ssize_t n = 0;
    const char* s = PyUnicode_AsUTF8AndSize(h.ptr(), &n);
    if (s == nullptr) throw py::error_already_set();
    return {s, static_cast<std::size_t>(n)};
}

}  // namespace fastcpp::bind
