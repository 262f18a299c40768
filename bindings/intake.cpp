#include "intake.hpp"

#include <bit>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>

namespace fastcpp::bind {
namespace {

std::string dtype_name(const py::array& a) { return py::str(a.dtype()).cast<std::string>(); }

}  // namespace

py::array as_array(const char* func, const char* arg, py::handle obj) {
    if (npy().PyArray_Check_(obj.ptr())) return py::reinterpret_borrow<py::array>(obj);
    try {
        return py::module_::import("numpy").attr("asarray")(obj);
    } catch (py::error_already_set& e) {
        throw py::type_error(std::string(func) + ": " + arg +
                             " must be array-like of numbers, got " +
                             py::str(py::type::of(obj).attr("__name__")).cast<std::string>() +
                             " (" + e.what() + ")");
    }
}

Kind classify(const char* func, const char* arg, const py::array& arr) {
    const py::dtype dt = arr.dtype();
    const char kind = dt.kind();
    const auto size = dt.itemsize();
    if (kind == 'f' && size == 8) return Kind::f64;
    if (kind == 'f' && size == 4) return Kind::f32;
    if (kind == 'f' && size == 2) return Kind::f16;
    if (kind == 'i' || kind == 'u') return Kind::integer;
    if (kind == 'b') return Kind::boolean;
    throw py::type_error(std::string(func) + ": " + arg + " has unsupported dtype " +
                         dtype_name(arr) +
                         " (expected float64, float32, float16, integer or bool)");
}

namespace {
/// Native byte order ('=' native, '|' not applicable, or the machine's own).
bool is_native(const py::dtype& dt) {
    const char order = dt.byteorder();
    constexpr char machine = std::endian::native == std::endian::little ? '<' : '>';
    return order == '=' || order == '|' || order == machine;
}
}  // namespace

py::array readable_as(const py::array& arr, const py::dtype& dt) {
    const py::dtype have = arr.dtype();
    const bool same = have.equal(dt) && is_native(have);
    bool ok = same && (arr.flags() & py::detail::npy_api::NPY_ARRAY_ALIGNED_);
    const auto item = static_cast<py::ssize_t>(dt.itemsize());
    for (py::ssize_t d = 0; ok && d < arr.ndim(); ++d) ok = arr.strides(d) % item == 0;
    if (ok) return arr;
    // A native, aligned copy (C order) in the requested dtype. Not
    // ascontiguousarray: it returns a misaligned C-contiguous input as is.
    return py::module_::import("numpy").attr("array")(arr, dt, py::arg("copy") = true,
                                                      py::arg("order") = "C");
}

namespace {
/// The common case read straight from the array struct: a float64 or float32
/// ndarray, native, aligned, element strides: used as it is.
bool usable_as_is(PyObject* obj, Real& real) {
    using api = py::detail::npy_api;
    if (!npy().PyArray_Check_(obj)) return false;
    const auto* a = py::detail::array_proxy(obj);
    const auto* d = py::detail::array_descriptor_proxy(a->descr);
    if (d->type_num != api::NPY_DOUBLE_ && d->type_num != api::NPY_FLOAT_) return false;
    constexpr char machine = std::endian::native == std::endian::little ? '<' : '>';
    if (!(d->byteorder == '=' || d->byteorder == machine)) return false;
    if (!(a->flags & api::NPY_ARRAY_ALIGNED_)) return false;
    const py::ssize_t item = d->type_num == api::NPY_DOUBLE_ ? 8 : 4;
    for (int i = 0; i < a->nd; ++i)
        if (a->strides[i] % item != 0) return false;
    real = d->type_num == api::NPY_DOUBLE_ ? Real::f64 : Real::f32;
    return true;
}
}  // namespace

RealArray as_real_array(const char* func, const char* arg, py::handle obj) {
    if (Real real{}; usable_as_is(obj.ptr(), real))
        return {py::reinterpret_borrow<py::array>(obj), real};
    py::array arr = as_array(func, arg, obj);
    switch (classify(func, arg, arr)) {
        case Kind::f32:
            return {readable_as<float>(arr), Real::f32};
        case Kind::f16:
            return {readable_as<double>(arr), Real::f16};
        case Kind::f64:
        case Kind::integer:
        case Kind::boolean:
            break;
    }
    return {readable_as<double>(arr), Real::f64};
}

py::array new_array(int typenum, int nd, const py::ssize_t* dims) {
    const auto& api = npy();
    // NewFromDescr steals the descriptor reference DescrFromType returns.
    PyObject* a = api.PyArray_NewFromDescr_(api.PyArray_Type_, api.PyArray_DescrFromType_(typenum),
                                            nd, dims, nullptr, nullptr, 0, nullptr);
    if (a == nullptr) throw py::error_already_set();
    return py::reinterpret_steal<py::array>(a);
}

py::dtype storage_dtype(Real real) {
    switch (real) {
        case Real::f64:
            return py::dtype::of<double>();
        case Real::f32:
            return py::dtype::of<float>();
        case Real::f16:
            return py::dtype("float16");
    }
    throw std::logic_error("storage_dtype: unknown Real");
}

py::object stored_half(py::array res) { return res.attr("astype")(storage_dtype(Real::f16)); }

py::tuple shape_tuple(const std::vector<py::ssize_t>& shape) {
    py::tuple t(shape.size());
    for (std::size_t i = 0; i < shape.size(); ++i) t[i] = py::int_(shape[i]);
    return t;
}

py::array as_kept_array(const char* func, const char* arg, py::handle obj) {
    py::array arr = as_array(func, arg, obj);
    (void)classify(func, arg, arr);
    auto native = py::reinterpret_borrow<py::dtype>(arr.dtype().attr("newbyteorder")("="));
    return readable_as(arr, native);
}

void throw_axis_error(index_t axis, py::ssize_t ndim) {
    auto exc = py::module_::import("numpy").attr("exceptions").attr("AxisError");
    PyErr_SetObject(exc.ptr(), exc(axis, ndim).ptr());
    throw py::error_already_set();
}

index_t element_stride(const py::array& a, int axis) {
    return static_cast<index_t>(a.strides(axis) / a.itemsize());
}

std::vector<index_t> row_offsets(const py::array& a, int axis) {
    const py::ssize_t nd = a.ndim();
    if (nd == 0) return {0};
    std::vector<py::ssize_t> dims, steps;  // the axes other than `axis`
    index_t rows = 1;
    for (py::ssize_t d = 0; d < nd; ++d) {
        if (d == axis) continue;
        dims.push_back(a.shape(d));
        steps.push_back(a.strides(d) / a.itemsize());
        rows *= static_cast<index_t>(a.shape(d));
    }
    std::vector<index_t> offsets(static_cast<std::size_t>(rows));
    std::vector<py::ssize_t> idx(dims.size(), 0);
    index_t off = 0;
    for (index_t r = 0; r < rows; ++r) {
        offsets[static_cast<std::size_t>(r)] = off;
        // Odometer increment over the remaining axes, last fastest.
        for (auto d = static_cast<py::ssize_t>(dims.size()) - 1; d >= 0; --d) {
            const auto ud = static_cast<std::size_t>(d);
            if (++idx[ud] < dims[ud]) {
                off += steps[ud];
                break;
            }
            off -= steps[ud] * (dims[ud] - 1);
            idx[ud] = 0;
        }
    }
    return offsets;
}

void check_out(const char* func, const py::object& out, const py::dtype& dt,
               const std::vector<py::ssize_t>& shape) {
    if (!py::isinstance<py::array>(out))
        throw py::type_error(std::string(func) + ": out must be a numpy.ndarray, got " +
                             py::str(py::type::of(out).attr("__name__")).cast<std::string>());
    auto o = py::reinterpret_borrow<py::array>(out);
    if (!o.dtype().equal(dt) || !is_native(o.dtype()))
        throw py::type_error(std::string(func) + ": out must have dtype " +
                             py::str(dt).cast<std::string>() + ", got " + dtype_name(o));
    std::vector<py::ssize_t> have(o.shape(), o.shape() + o.ndim());
    if (have != shape)
        throw py::value_error(
            std::string(func) + ": out has shape " + py::str(o.attr("shape")).cast<std::string>() +
            ", the result has shape " + py::str(shape_tuple(shape)).cast<std::string>());
    if (!o.writeable()) throw py::value_error(std::string(func) + ": out is read-only");
}

namespace {
/// Same first element, shape and strides (strides of length-1 axes ignored).
bool same_view(const py::array& a, const py::array& b) {
    if (a.data() != b.data() || a.ndim() != b.ndim() || !a.dtype().equal(b.dtype())) return false;
    for (py::ssize_t d = 0; d < a.ndim(); ++d)
        if (a.shape(d) != b.shape(d) || (a.shape(d) > 1 && a.strides(d) != b.strides(d)))
            return false;
    return true;
}

/// The bytes [lo, hi) an array's elements span (empty for no elements).
std::pair<std::uintptr_t, std::uintptr_t> extent(const py::array& a) {
    const auto base = reinterpret_cast<std::uintptr_t>(a.data());
    if (a.size() == 0) return {base, base};
    py::ssize_t lo = 0, hi = a.itemsize();
    for (py::ssize_t d = 0; d < a.ndim(); ++d) {
        const py::ssize_t span = (a.shape(d) - 1) * a.strides(d);
        (span < 0 ? lo : hi) += span;
    }
    return {base + static_cast<std::uintptr_t>(lo), base + static_cast<std::uintptr_t>(hi)};
}

/// numpy.may_share_memory's test (the default, MAY_SHARE_BOUNDS): whether
/// the byte ranges the two arrays span intersect. In C++: the Python call
/// cost ~0.8 us, most of a small call with out=.
bool extents_overlap(const py::array& a, const py::array& b) {
    const auto [alo, ahi] = extent(a);
    const auto [blo, bhi] = extent(b);
    return alo < ahi && blo < bhi && alo < bhi && blo < ahi;
}

}  // namespace

bool can_write_directly(const py::array& out, const std::vector<py::array>& inputs,
                        std::size_t itemsize, bool allow_exact_alias) {
    if (!(out.flags() & py::detail::npy_api::NPY_ARRAY_ALIGNED_)) return false;
    for (py::ssize_t d = 0; d < out.ndim(); ++d)
        if (out.strides(d) % static_cast<py::ssize_t>(itemsize) != 0) return false;
    for (const auto& in : inputs) {
        if (allow_exact_alias && same_view(out, in)) continue;
        if (extents_overlap(out, in)) return false;
    }
    return true;
}

Real result_real(const char* func, const std::vector<py::array>& arrays,
                 const std::vector<const char*>& names, const std::vector<bool>& is_python_scalar) {
    ResultReal rule;
    for (std::size_t i = 0; i < arrays.size(); ++i)
        rule.add(classify(func, names[i], arrays[i]), is_python_scalar[i]);
    return rule.real();
}

void throw_not_broadcastable(const char* func, const py::array* arrays, const char* const* names,
                             std::size_t n) {
    std::string msg = std::string(func) + ": shapes of ";
    for (std::size_t i = 0; i < n; ++i)
        msg += std::string(i ? ", " : "") + names[i] + " " +
               (arrays[i] ? py::str(arrays[i].attr("shape")).cast<std::string>() : "()");
    throw py::value_error(msg + " cannot be broadcast together");
}

void throw_broadcast_too_large(const char* func, const BroadcastShape& b) {
    std::string shape = "(";
    for (int d = 0; d < b.nd; ++d) {
        // Appended piece by piece: `(d ? ", " : "") + std::to_string(...)`
        // made GCC 12 warn (a -Wrestrict/-Wstringop false positive in the
        // inlined operator+(const char*, string&&)).
        if (d) shape += ", ";
        shape += std::to_string(b.dims[static_cast<std::size_t>(d)]);
    }
    throw py::value_error(std::string(func) + ": broadcast shape " + shape +
                          (b.nd == 1 ? ",)" : ")") + " has more elements than an index can count");
}

}  // namespace fastcpp::bind
