#pragma once
/// @file fastcall.hpp
/// Functions called as CPython calls its own builtins (METH_FASTCALL |
/// METH_KEYWORDS: arguments as a C array, keywords as a tuple of names), for
/// the functions whose fixed cost per call matters (the move_* family at
/// n = 10 is mostly fixed cost). pybind11's generic dispatcher builds an
/// argument tuple and dict, looks keywords up by C string and tries
/// overloads: ~0.3 µs that bottleneck does not pay. Here one Signature binds
/// the arguments with Python's own error messages, and gives the text
/// signature of the docstring (inspect.signature), so a parameter list is
/// written once. Exceptions become Python exceptions through pybind11's
/// translators, so the behaviour is that of an m.def function.

#include <pybind11/pybind11.h>

#include <string>
#include <vector>

namespace fastcpp::bind {

namespace py = pybind11;

/// A Python parameter list: names in order, the first `positional` of them
/// may be given by position (the rest are keyword-only), `defaults[i]` the
/// Python literal of parameter i's default ("" when required).
struct Signature {
    std::string func;
    std::vector<std::string> names;
    std::vector<std::string> defaults;
    std::size_t positional = 0;
    /// Indices of the parameters without a default (checked on every call).
    std::vector<std::size_t> required = {};

    /// Appends a parameter; positional ones must come before keyword-only ones.
    Signature& param(std::string name, std::string default_literal = "", bool keyword_only = false);
    /// "(a, window, min_count=None, axis=-1, *, center=False)"
    [[nodiscard]] std::string text() const;
};

/// Most parameters a fast function takes.
inline constexpr std::size_t kMaxParams = 12;

/// The implementation of a fast function: `args[i]` is parameter i (borrowed)
/// or a null handle when not given (the default applies). Returns a new
/// reference; may throw anything pybind11 translates.
using FastImpl = py::object (*)(const void* data, const py::handle* args);

/// Defines `sig.func` in `m`: docstring = the call line (from `sig`) + `doc`.
/// `data` is passed to `impl` on every call and must outlive the module.
void def_fast(py::module_& m, Signature sig, const std::string& doc, FastImpl impl,
              const void* data = nullptr);

/// True if `f` is a function def_fast defined (it has its own signature and
/// messages).
bool is_fast(py::handle f);

}  // namespace fastcpp::bind
