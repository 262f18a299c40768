#pragma once
/// @file args.hpp
/// Scalar arguments read from Python objects by hand, written once for every
/// binding. A wrong type raises TypeError naming the function, the argument
/// and the type received ("move_mean: window must be an int, got float"),
/// never pybind11's "incompatible function arguments" that dumps the input;
/// an int too large for the C type raises OverflowError naming the argument.
/// The common case (an exact int, float or bool) is one type check and one C
/// conversion, cheaper than pybind11's generic casters.

#include <pybind11/pybind11.h>

#include <optional>
#include <string>

#include "fastcpp/strided.hpp"

namespace fastcpp::bind {

namespace py = pybind11;

/// TypeError "<func>: <arg> must be <expected>, got <type of got>".
[[noreturn]] void raise_type(const char* func, const char* arg, const char* expected,
                             py::handle got);

/// An integer (int, numpy integer, anything with __index__; bool is an int as
/// in Python). Floats and strings: TypeError; beyond int64: OverflowError.
index_t int_arg(const char* func, const char* arg, py::handle h);

/// An axis: int_arg, except that an int beyond int64 is simply out of range
/// (numpy's AxisError from normalize_axis, as for any other bad axis).
index_t axis_arg(const char* func, py::handle h);

/// int_arg, or std::nullopt for None.
std::optional<index_t> optional_int_arg(const char* func, const char* arg, py::handle h);

/// A real number: float, int, numpy float/integer (anything with __float__
/// or __index__); str, complex, None: TypeError; an int beyond float range:
/// OverflowError.
double real_arg(const char* func, const char* arg, py::handle h);

/// True or False (or numpy.bool_); anything else TypeError, so adjust="yes"
/// is not silently true.
bool bool_arg(const char* func, const char* arg, py::handle h);

/// True for a Python bool or a numpy.bool_.
bool is_bool(py::handle h);

/// A str; anything else TypeError.
std::string str_arg(const char* func, const char* arg, py::handle h);

}  // namespace fastcpp::bind
