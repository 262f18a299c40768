#include "fastcall.hpp"

#include <pybind11/detail/exception_translation.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace fastcpp::bind {

Signature& Signature::param(std::string name, std::string default_literal, bool keyword_only) {
    if (!keyword_only && positional != names.size())
        throw std::logic_error(func + ": positional parameter after a keyword-only one");
    if (names.size() == kMaxParams) throw std::logic_error(func + ": too many parameters");
    if (default_literal.empty()) required.push_back(names.size());
    names.push_back(std::move(name));
    defaults.push_back(std::move(default_literal));
    if (!keyword_only) ++positional;
    return *this;
}

std::string Signature::text() const {
    std::string s = "(";
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i) s += ", ";
        if (i == positional) s += "*, ";
        s += names[i];
        if (!defaults[i].empty()) s += "=" + defaults[i];
    }
    return s + ")";
}

namespace {

struct FastFunction {
    Signature sig;
    FastImpl impl;
    const void* data;
    PyMethodDef def;
    std::string doc;
};

/// Most fast functions a module defines (one C entry point each, below).
constexpr std::size_t kMaxFast = 64;

/// The functions, in definition order; they live as long as the process
/// (an extension module is never unloaded).
std::array<FastFunction*, kMaxFast> g_fast{};
std::size_t g_fast_count = 0;

[[noreturn]] void raise(const std::string& msg) { throw py::type_error(msg); }

/// Python's binding rules with Python's messages (as for a def function).
void bind(const Signature& sig, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames,
          py::handle* slots) {
    const auto n = static_cast<std::size_t>(nargs);
    if (n > sig.positional) {
        std::size_t required = 0;
        while (required < sig.positional && sig.defaults[required].empty()) ++required;
        const std::string takes =
            required == sig.positional
                ? std::to_string(required)
                : "from " + std::to_string(required) + " to " + std::to_string(sig.positional);
        raise(sig.func + "() takes " + takes + " positional arguments but " + std::to_string(n) +
              (n == 1 ? " was" : " were") + " given");
    }
    for (std::size_t i = 0; i < n; ++i) slots[i] = args[i];
    if (kwnames != nullptr) {
        const Py_ssize_t nk = PyTuple_GET_SIZE(kwnames);
        for (Py_ssize_t k = 0; k < nk; ++k) {
            PyObject* key = PyTuple_GET_ITEM(kwnames, k);
            Py_ssize_t len = 0;
            const char* kname = PyUnicode_AsUTF8AndSize(key, &len);
            if (kname == nullptr) throw py::error_already_set();
            std::size_t i = 0;
            for (; i < sig.names.size(); ++i)
                if (sig.names[i].size() == static_cast<std::size_t>(len) &&
                    std::memcmp(sig.names[i].data(), kname, sig.names[i].size()) == 0)
                    break;
            if (i == sig.names.size())
                raise(sig.func + "() got an unexpected keyword argument '" + kname + "'");
            if (slots[i]) raise(sig.func + "() got multiple values for argument '" + kname + "'");
            slots[i] = args[nargs + k];
        }
    }
    for (const std::size_t i : sig.required)
        if (!slots[i])
            raise(sig.func + "() missing 1 required " +
                  (i < sig.positional ? "positional" : "keyword-only") + " argument: '" +
                  sig.names[i] + "'");
}

PyObject* call(const FastFunction& fn, PyObject* const* args, Py_ssize_t nargsf,
               PyObject* kwnames) {
    // Only the function's own slots are cleared (a memset of all
    // kMaxParams showed in the cost of a call on 10 elements).
    union Slots {
        Slots() {}  // leaves h uninitialised
        py::handle h[kMaxParams];
    } storage;
    py::handle* const slots = storage.h;
    std::fill_n(slots, fn.sig.names.size(), py::handle());
    try {
        bind(fn.sig, args, PyVectorcall_NARGS(nargsf), kwnames, slots);
        return fn.impl(fn.data, slots).release().ptr();
    } catch (py::error_already_set& e) {
        e.restore();
    } catch (...) {
        py::detail::try_translate_exceptions();
    }
    return nullptr;
}

/// One C entry point per function, each knowing its index: CPython passes a
/// METH_FASTCALL function only `self` (here the module, as for any builtin),
/// and reading the function out of a capsule cost more than the rest of the
/// dispatch.
template <std::size_t I>
PyObject* trampoline(PyObject*, PyObject* const* args, Py_ssize_t nargsf, PyObject* kwnames) {
    return call(*g_fast[I], args, nargsf, kwnames);
}

using Entry = PyObject* (*)(PyObject*, PyObject* const*, Py_ssize_t, PyObject*);

template <std::size_t... I>
constexpr std::array<Entry, sizeof...(I)> entries(std::index_sequence<I...>) {
    return {&trampoline<I>...};
}
constexpr auto kEntries = entries(std::make_index_sequence<kMaxFast>{});

}  // namespace

void def_fast(py::module_& m, Signature sig, const std::string& doc, FastImpl impl,
              const void* data) {
    if (g_fast_count == kMaxFast) throw std::logic_error("def_fast: raise kMaxFast");
    auto* fn = new FastFunction;  // lives as long as the process
    fn->doc = sig.func + sig.text() + "\n--\n\n" + doc;
    fn->sig = std::move(sig);
    fn->impl = impl;
    fn->data = data;
    fn->def = {fn->sig.func.c_str(),
               reinterpret_cast<PyCFunction>(reinterpret_cast<void*>(kEntries[g_fast_count])),
               METH_FASTCALL | METH_KEYWORDS, fn->doc.c_str()};
    g_fast[g_fast_count++] = fn;
    py::object name = m.attr("__name__");
    PyObject* f = PyCFunction_NewEx(&fn->def, m.ptr(), name.ptr());
    if (f == nullptr) throw py::error_already_set();
    m.add_object(fn->sig.func.c_str(), py::reinterpret_steal<py::object>(f));
}

bool is_fast(py::handle f) {
    if (!PyCFunction_Check(f.ptr())) return false;
    const PyMethodDef* def = reinterpret_cast<PyCFunctionObject*>(f.ptr())->m_ml;
    for (std::size_t i = 0; i < g_fast_count; ++i)
        if (def == &g_fast[i]->def) return true;
    return false;
}

}  // namespace fastcpp::bind
