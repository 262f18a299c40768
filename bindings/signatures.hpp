#pragma once
/// @file signatures.hpp
/// Python-grade call metadata for everything the module defines, installed
/// once after every register_<area>() has run (module.cpp):
///  - text signatures: a docstring whose first line is the call as Python
///    writes it, `move_mean(a, window, min_count=None, axis=-1)` (optionally
///    followed by ` -> type`), gets the `name(params)\n--\n\n` header CPython
///    reads into `__text_signature__`, so inspect.signature(), help() and
///    IDEs work on builtins (methods get their self parameter);
///  - wrong calls: every function and public method gets a last overload
///    that pybind11 reaches only when no typed overload accepted the call;
///    it reports, as Python would, a missing or unexpected argument, else the
///    arguments' types, naming the function, never dumping an input array.
/// A register_ file therefore only starts each docstring with its call line.

#include <pybind11/pybind11.h>

namespace fastcpp::bind {

void install_signatures(pybind11::module_& m);

}  // namespace fastcpp::bind
