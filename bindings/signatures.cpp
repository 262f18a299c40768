#include "signatures.hpp"

#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "fastcall.hpp"

namespace fastcpp::bind {
namespace py = pybind11;
namespace {

/// `params` without annotations ("x: float, /" -> "x, /"): CPython's text
/// signatures take names and defaults only.
std::string strip_annotations(const std::string& params) {
    std::string out;
    int depth = 0;
    bool skipping = false;
    for (char c : params) {
        if (c == '(' || c == '[' || c == '{') ++depth;
        if (c == ')' || c == ']' || c == '}') --depth;
        if (depth == 0 && c == ':') skipping = true;
        if (depth == 0 && (c == ',' || c == '=')) {
            if (skipping && c == '=') out += ' ';
            skipping = false;
        }
        if (!skipping) out += c;
    }
    // "x = 1" from "x: int = 1": back to "x=1".
    std::string tidy;
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (out[i] == ' ' && i + 1 < out.size() && out[i + 1] == '=') continue;
        if (out[i] == ' ' && i > 0 && out[i - 1] == '=') continue;
        tidy += out[i];
    }
    return tidy;
}

/// The docstring with CPython's signature header, or "" when `doc` does not
/// start with `name(`. `self_param`: "" for functions, "self" for pybind11
/// methods (their __self__ is pybind11's record, so CPython must not strip a
/// `$self`), "$self" for plain method descriptors.
std::string with_header(std::string_view doc, std::string_view name, const char* self_param) {
    std::size_t i = 0;
    while (i < doc.size() && (doc[i] == '\n' || doc[i] == ' ')) ++i;
    doc.remove_prefix(i);
    if (doc.substr(0, name.size()) != name || doc.size() <= name.size() || doc[name.size()] != '(')
        return {};
    if (doc.find("\n--\n\n") != std::string_view::npos) return {};  // already has one
    // The parameter list: up to the matching ')', which may wrap lines.
    std::size_t pos = name.size(), depth = 0;
    for (; pos < doc.size(); ++pos) {
        if (doc[pos] == '(' || doc[pos] == '[' || doc[pos] == '{') ++depth;
        if (doc[pos] == ')' || doc[pos] == ']' || doc[pos] == '}') {
            if (--depth == 0) break;
        }
    }
    if (pos == doc.size()) return {};
    std::string params =
        strip_annotations(std::string(doc.substr(name.size() + 1, pos - name.size() - 1)));
    // The rest of that line (a ` -> type` annotation) is dropped.
    const std::size_t eol = doc.find('\n', pos);
    std::string_view rest = eol == std::string_view::npos ? "" : doc.substr(eol + 1);
    while (!rest.empty() && rest.front() == '\n') rest.remove_prefix(1);
    std::string head(name);
    head += '(';
    if (*self_param != '\0') {
        const bool has_self = params.rfind("self", 0) == 0 || params.rfind("$self", 0) == 0;
        if (has_self) params.erase(0, params.find_first_not_of("$self"));
        if (!params.empty() && params[0] == ',') params.erase(0, 1);
        while (!params.empty() && params[0] == ' ') params.erase(0, 1);
        head += self_param;
        if (!params.empty()) head += ", ";
    }
    return head + params + ")\n--\n\n" + std::string(rest);
}

/// Sets a PyMethodDef's doc. The old string is not freed: pybind11 owns it
/// (and frees the new one, which std::free can, at teardown) or it is static.
void set_doc(PyMethodDef* def, const std::string& doc) {
    if (!doc.empty()) def->ml_doc = strdup(doc.c_str());
}

void fix_function(PyObject* f, std::string_view name, const char* self_param) {
    auto* def = reinterpret_cast<PyCFunctionObject*>(f)->m_ml;
    if (def->ml_doc != nullptr) set_doc(def, with_header(def->ml_doc, name, self_param));
}

/// The overload pybind11 reaches when no typed one accepted the call.
auto wrong_call(const std::string& qualname, py::handle owner) {
    return [qualname, owner](const py::args& args, const py::kwargs& kwargs) -> py::object {
        // inspect.Signature of each function, parsed once (parsing per call
        // would churn the heap). Never freed: it lives as long as the module.
        static auto* cache = new py::dict();
        const py::str key(qualname);
        if (!cache->contains(key)) {
            auto fn = py::reinterpret_borrow<py::object>(owner);
            const auto dot = qualname.rfind('.');
            fn = fn.attr(qualname.substr(dot == std::string::npos ? 0 : dot + 1).c_str());
            (*cache)[key] = py::module_::import("inspect").attr("signature")(fn);
        }
        py::object bound;
        try {
            bound = (*cache)[key].attr("bind")(*args, **kwargs);
        } catch (py::error_already_set& e) {
            if (!e.matches(PyExc_TypeError)) throw;
            throw py::type_error(qualname + "(): " + py::str(e.value()).cast<std::string>());
        }
        // Every argument bound: one of them has a type no overload takes.
        std::string got;
        for (auto kv : py::dict(bound.attr("arguments"))) {
            const auto arg = py::str(kv.first).cast<std::string>();
            if (arg == "self") continue;
            got += (got.empty() ? "" : ", ") + arg + ": " + Py_TYPE(kv.second.ptr())->tp_name;
        }
        throw py::type_error(qualname + "(): unsupported argument types (" + got + ")");
    };
}

bool is_public(std::string_view n) { return n == "__init__" || n.empty() || n[0] != '_'; }

}  // namespace

void install_signatures(py::module_& m) {
    const std::string modname = m.attr("__name__").cast<std::string>();
    py::dict names = m.attr("__dict__");
    for (auto item : py::list(names.attr("items")())) {
        const std::string name = item[py::int_(0)].cast<std::string>();
        py::object obj = item[py::int_(1)];
        if (is_fast(obj)) continue;  // a def_fast function: its own signature and messages
        if (PyCFunction_Check(obj.ptr()) && is_public(name)) {
            m.def(name.c_str(), wrong_call(name, m));  // appended to its overloads
            fix_function(m.attr(name.c_str()).ptr(), name, "");
            continue;
        }
        if (!PyType_Check(obj.ptr()) || !py::hasattr(obj, "__module__") ||
            obj.attr("__module__").cast<std::string>() != modname)
            continue;
        auto* type = reinterpret_cast<PyTypeObject*>(obj.ptr());
        // The class's own signature (inspect.signature(cls)) from tp_doc; an
        // __init__ without a call line of its own gets the class's.
        std::string init_header;
        if (type->tp_doc != nullptr) {
            const std::string doc = with_header(type->tp_doc, name, "");
            if (!doc.empty())
                init_header = with_header(doc.substr(0, doc.find("\n--\n\n")), name, "self");
            if (!init_header.empty())
                init_header =
                    "__init__" +
                    init_header.substr(name.size(), init_header.find("\n--\n\n") - name.size() + 5);
            if (!doc.empty()) {
                auto* copy = static_cast<char*>(PyObject_Malloc(doc.size() + 1));
                if (copy == nullptr) throw std::bad_alloc();
                std::memcpy(copy, doc.c_str(), doc.size() + 1);
                PyObject_Free(const_cast<char*>(type->tp_doc));
                type->tp_doc = copy;
            }
        }
        py::dict members = obj.attr("__dict__");
        for (auto member : py::list(members.attr("items")())) {
            const std::string mname = member[py::int_(0)].cast<std::string>();
            PyObject* attr = py::object(member[py::int_(1)]).ptr();
            if (!is_public(mname)) continue;
            if (PyInstanceMethod_Check(attr)) {
                py::object fn =
                    py::reinterpret_borrow<py::object>(PyInstanceMethod_GET_FUNCTION(attr));
                py::cpp_function cf(wrong_call(name + "." + mname, obj), py::name(mname.c_str()),
                                    py::is_method(obj), py::sibling(fn));
                obj.attr(mname.c_str()) = cf;
                PyObject* f =
                    PyInstanceMethod_GET_FUNCTION(obj.attr("__dict__")[mname.c_str()].ptr());
                auto* def = reinterpret_cast<PyCFunctionObject*>(f)->m_ml;
                const std::string old = def->ml_doc != nullptr ? def->ml_doc : "";
                if (mname == "__init__" && !init_header.empty() &&
                    with_header(old, mname, "self").empty() &&
                    old.find("\n--\n\n") == std::string::npos)
                    set_doc(def, init_header + old);
                else
                    fix_function(f, mname, "self");
            } else if (Py_IS_TYPE(attr, &PyMethodDescr_Type)) {
                auto* def = reinterpret_cast<PyMethodDescrObject*>(attr)->d_method;
                if (def->ml_doc != nullptr) set_doc(def, with_header(def->ml_doc, mname, "$self"));
            }
        }
    }
}

}  // namespace fastcpp::bind
