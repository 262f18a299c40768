#pragma once
/// @file intake.hpp
/// The one array-intake layer of fastcpp._core. Every binding goes through it:
///  - dtype policy: float64 and float32 computed as themselves (float32 output,
///    float64 state inside the core); float16 computed as float64 (exact
///    conversion in) and stored as float16 (one rounding out), as NumPy and
///    bottleneck accept it; integers and bool computed as float64; complex,
///    object, str, bytes, datetime, timedelta → TypeError naming the function
///    and the dtype;
///  - layout: any strides and memory order are passed to the core as
///    (pointer, length, stride) views without copies; only byte-swapped,
///    misaligned or non-element-strided input is copied;
///  - axis: an N-D array becomes a batch of 1-D rows along `axis` (Rows<T>);
///  - out=: exact shape, exact dtype, writable, else TypeError/ValueError;
///    written only after every check passed; when it overlaps the input or is
///    misaligned the result is computed aside and copied in at the end;
///  - the GIL is released around the core call.
/// Bindings add a function with a few lines: pick the helper that matches the
/// kernel's shape (map_rows, map_elementwise, flat_view), call the core.

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "fastcpp/strided.hpp"

namespace fastcpp::bind {

namespace py = pybind11;

/// The floating type a call computes in and stores. f16 computes in double
/// and stores float16: the core has no half kernels, and float64 state is
/// what the policy asks for anyway.
enum class Real { f64, f32, f16 };

/// numpy dtype a result of `real` is stored as.
py::dtype storage_dtype(Real real);

/// numpy dtype of T (double, float or any integer type).
template <class T>
py::dtype dtype_of() {
    return py::dtype::of<T>();
}

/// NumPy's C API as pybind11 looked it up, cached: npy_api::get() takes a
/// call_once on every use, which shows in the cost of a call on 10 elements.
inline const py::detail::npy_api& npy() {
    static const py::detail::npy_api& api = py::detail::npy_api::get();
    return api;
}

/// NumPy type number of T (double or float).
template <class T>
constexpr int typenum_of() {
    static_assert(std::is_same_v<T, double> || std::is_same_v<T, float>);
    return std::is_same_v<T, double> ? py::detail::npy_api::NPY_DOUBLE_
                                     : py::detail::npy_api::NPY_FLOAT_;
}

/// A new C-ordered array of `typenum` and shape dims[0..nd): straight through
/// NumPy's C API (py::array(dtype, shape) builds shape and stride vectors).
py::array new_array(int typenum, int nd, const py::ssize_t* dims);

/// N null array handles (a default py::array allocates an empty array).
template <std::size_t N>
std::array<py::array, N> null_arrays() {
    return []<std::size_t... I>(std::index_sequence<I...>) {
        return std::array<py::array, N>{
            ((void)I, py::reinterpret_steal<py::array>(py::handle()))...};
    }(std::make_index_sequence<N>{});
}

/// Below this many elements the work takes about as long as handing the GIL
/// over and back (and NumPy keeps it too, below 500): calls this small keep
/// the GIL.
inline constexpr py::ssize_t kReleaseGilFrom = 1024;

/// Runs fn() without the GIL for calls of kReleaseGilFrom elements or more.
template <class Fn>
void run_released_from(py::ssize_t elements, Fn&& fn) {
    if (elements >= kReleaseGilFrom) {
        py::gil_scoped_release nogil;
        fn();
    } else {
        fn();
    }
}

/// A call's K results: result(0) alone, or the tuple of result(0) ... result(K - 1).
template <std::size_t K, class Result>
py::object one_or_tuple(Result&& result) {
    if constexpr (K == 1) {
        return result(0);
    } else {
        py::tuple t(K);
        for (std::size_t k = 0; k < K; ++k) t[k] = result(k);
        return t;  // implicitly moved (C++20)
    }
}

/// Calls fn(double{}) or fn(float{}) (the computing type of `r`) so one
/// generic lambda serves every Real.
template <class Fn>
decltype(auto) visit(Real r, Fn&& fn) {
    if (r == Real::f32) return fn(float{});
    return fn(double{});
}

/// What the dtype policy says about one input.
enum class Kind { f64, f32, f16, integer, boolean };

/// Classifies the dtype of `arr`; TypeError for unsupported dtypes:
/// "<func>: <arg> has unsupported dtype complex128".
Kind classify(const char* func, const char* arg, const py::array& arr);

/// np.asarray(obj) with a clear TypeError if NumPy cannot make a numeric
/// array of it (ragged lists, arbitrary objects).
py::array as_array(const char* func, const char* arg, py::handle obj);

/// An array whose elements the core can read as T through element strides:
/// native byte order, aligned, strides a multiple of sizeof(T). Copies only
/// when `arr` is not like that already (or has another dtype).
py::array readable_as(const py::array& arr, const py::dtype& dt);
template <class T>
py::array readable_as(const py::array& arr) {
    return readable_as(arr, dtype_of<T>());
}

/// Input converted by the dtype policy: float64/float32 kept, float16, int
/// and bool → float64 (`real` says f16 for float16, to store the result so).
struct RealArray {
    py::array arr;  ///< readable as the computing type
    Real real;
};
RealArray as_real_array(const char* func, const char* arg, py::handle obj);

/// Input of a function that keeps the input dtype (median_filter): float64,
/// float32, every integer width and bool, readable as its own dtype (native
/// byte order, aligned, element strides; copied only when not so already).
/// Other dtypes: TypeError from classify().
py::array as_kept_array(const char* func, const char* arg, py::handle obj);

/// Calls fn(T{}) with T the C++ type of an as_kept_array dtype: double,
/// float, std::int8_t ... std::uint64_t or bool, so one generic lambda serves
/// every kept dtype.
template <class Fn>
decltype(auto) visit_kept(const py::dtype& dt, Fn&& fn) {
    const char kind = dt.kind();
    const auto size = dt.itemsize();
    if (kind == 'f') {
        if (size == 8) return fn(double{});
        return fn(float{});
    }
    if (kind == 'b') return fn(bool{});
    if (kind == 'i') {
        if (size == 1) return fn(std::int8_t{});
        if (size == 2) return fn(std::int16_t{});
        if (size == 4) return fn(std::int32_t{});
        return fn(std::int64_t{});
    }
    if (size == 1) return fn(std::uint8_t{});
    if (size == 2) return fn(std::uint16_t{});
    if (size == 4) return fn(std::uint32_t{});
    return fn(std::uint64_t{});
}

/// Most dimensions a NumPy array has (NPY_MAXDIMS of NumPy 2).
inline constexpr std::size_t kMaxDims = 64;

/// Element offsets of every row of `a` along `axis` (already normalised);
/// rows in C order of the remaining axes.
std::vector<index_t> row_offsets(const py::array& a, int axis);

/// Element stride of `a` along `axis` (byte strides are checked multiples).
index_t element_stride(const py::array& a, int axis);

/// Batch of rows of `a` along `axis`, owning its offsets. A 1-D (or 0-d)
/// array is one row at offset 0, held inline: no allocation per call.
/// `a` holds elements of type T (readable_as<T>, or made as T).
template <class T>
struct RowsOf {
    index_t zero = 0;
    std::vector<index_t> offsets;
    Rows<T> rows;
    RowsOf(const py::array& a, int axis)
        : offsets(a.ndim() > 1 ? row_offsets(a, axis) : std::vector<index_t>{}),
          rows(view(a, axis)) {}
    RowsOf(const RowsOf&) = delete;
    RowsOf& operator=(const RowsOf&) = delete;

private:
    /// Read from the array struct directly: pybind11's shape()/strides()
    /// check the axis on every call (the axis is normalised already).
    Rows<T> view(const py::array& a, int axis) const {
        const auto* p = py::detail::array_proxy(a.ptr());
        auto* data = static_cast<T*>(static_cast<void*>(p->data));
        if (p->nd == 0) return {data, 1, 1, std::span<const index_t>(&zero, 1)};
        const auto d = static_cast<std::size_t>(axis);
        return {data, static_cast<index_t>(p->dimensions[d]),
                static_cast<index_t>(p->strides[d] / static_cast<py::ssize_t>(sizeof(T))),
                p->nd > 1 ? std::span<const index_t>(offsets) : std::span<const index_t>(&zero, 1)};
    }
};

/// The whole of `a` as one 1-D view when its memory allows (1-D with any
/// stride, or C/F-contiguous N-D); otherwise a contiguous copy is made and
/// kept in `keep`. For reductions, where element order does not matter.
template <class T>
Strided<const T> flat_view(py::array& a) {
    if (a.ndim() > 1 && !(a.flags() & (py::array::c_style | py::array::f_style)))
        a = py::array(py::module_::import("numpy").attr("ascontiguousarray")(a));
    const auto n = static_cast<index_t>(a.size());
    const index_t stride = a.ndim() == 1 ? element_stride(a, 0) : 1;
    return {static_cast<const T*>(a.data()), n, stride};
}

/// A shape as a Python tuple (no pybind11/stl.h needed).
py::tuple shape_tuple(const std::vector<py::ssize_t>& shape);

/// numpy.exceptions.AxisError(axis, ndim) (a ValueError and IndexError).
[[noreturn]] void throw_axis_error(index_t axis, py::ssize_t ndim);

/// Normalises `axis` for an array of `ndim` dimensions, numpy.exceptions.AxisError
/// (a ValueError and IndexError) when out of range.
inline int normalize_axis(index_t axis, py::ssize_t ndim) {
    if (axis < -ndim || axis >= ndim) throw_axis_error(axis, ndim);
    return static_cast<int>(axis < 0 ? axis + ndim : axis);
}

/// Validates a user `out=`: ndarray (TypeError), dtype exactly `dt`
/// (TypeError), shape exactly `shape` (ValueError), writeable (ValueError).
void check_out(const char* func, const py::object& out, const py::dtype& dt,
               const std::vector<py::ssize_t>& shape);

/// True when the core may write into `out` directly: aligned, element
/// strides, and no memory shared with any input. With `allow_exact_alias`
/// (elementwise kernels, where element i of the result depends only on
/// element i of each input) an input that is exactly `out` (same address,
/// shape and strides: `f(a, out=a)`) is allowed too, so in-place calls
/// write in place instead of computing aside and copying.
bool can_write_directly(const py::array& out, const std::vector<py::array>& inputs,
                        std::size_t itemsize, bool allow_exact_alias = false);

/// `res` (the float64 computation of a float16 call) rounded once to float16.
py::object stored_half(py::array res);

/// A result array stored as `real` says (float16 for Real::f16; `res` is
/// then the float64 computation, rounded once here).
inline py::object stored(py::array res, Real real) {
    if (real != Real::f16) return res;
    return stored_half(std::move(res));
}

/// Where a result of `shape` and T goes: the user's `out` when it can be
/// written directly, else a fresh array (copied into `out` by finish()).
/// With `half` the result is stored as float16: computed in a T array aside
/// and rounded once by finish().
template <class T>
struct Output {
    py::object user_out;  ///< None, or the validated out=
    /// What the core writes (null until the constructor sets it: a default
    /// py::array would allocate an empty array).
    py::array target = py::reinterpret_steal<py::array>(py::handle());
    bool half = false;

    /// `elementwise`: the kernel may write in place over an input that is
    /// exactly `out` (see can_write_directly).
    Output(const char* func, py::object out, const std::vector<py::ssize_t>& shape,
           const std::vector<py::array>& inputs, bool elementwise = false,
           Real store = std::is_same_v<T, float> ? Real::f32 : Real::f64)
        : user_out(std::move(out)), half(store == Real::f16) {
        if (!user_out.is_none()) {
            check_out(func, user_out, half ? storage_dtype(store) : dtype_of<T>(), shape);
            auto o = py::reinterpret_borrow<py::array>(user_out);
            if (!half && can_write_directly(o, inputs, sizeof(T), elementwise)) {
                target = o;
                return;
            }
        }
        target = new_array(typenum_of<T>(), static_cast<int>(shape.size()), shape.data());
    }
    /// The array to return: `out` itself when given (after copying the
    /// result into it if it was computed aside).
    py::object finish() {
        if (user_out.is_none()) return stored(std::move(target), half ? Real::f16 : Real::f64);
        if (!target.is(user_out))
            py::module_::import("numpy").attr("copyto")(user_out, target,
                                                        py::arg("casting") = "unsafe");
        return user_out;
    }
};

/// Two inputs of one shape along `axis`, one output of that shape (ema_cov,
/// move_cov, ...): reads both as T (the type `real` names), allocates or
/// takes `out`, runs kernel(a_rows, b_rows, out_rows) without the GIL and
/// stores the result. Callers check shapes and arguments first.
template <class Kernel>
py::object map_row_pairs(const char* func, Real real, const py::array& ra, const py::array& rb,
                         int axis, py::object out, Kernel&& kernel) {
    const std::vector<py::ssize_t> shape(ra.shape(), ra.shape() + ra.ndim());
    return visit(real, [&](auto tag) -> py::object {
        using T = decltype(tag);
        const py::array xa = readable_as<T>(ra), xb = readable_as<T>(rb);
        Output<T> res(func, std::move(out), shape, {xa, xb}, false, real);
        RowsOf<const T> sa(xa, axis), sb(xb, axis);
        RowsOf<T> dst(res.target, axis);
        {
            py::gil_scoped_release nogil;
            kernel(sa.rows, sb.rows, dst.rows);
        }
        return res.finish();
    });
}

/// map_rows for its most common call, a 1-D array and no out= (a call on
/// 10 elements is mostly fixed cost): the same steps without the N-D shape,
/// the row offsets or the out= machinery. `in` is 1-D.
template <std::size_t K, class OutLength, class Kernel>
py::object map_row(const RealArray& in, OutLength&& out_length, Kernel&& kernel) {
    const auto* p = py::detail::array_proxy(in.arr.ptr());
    const auto n = static_cast<index_t>(p->dimensions[0]);
    const auto m = static_cast<py::ssize_t>(out_length(n));
    return visit(in.real, [&](auto tag) -> py::object {
        using T = decltype(tag);
        static constexpr index_t kZero = 0;
        const std::span<const index_t> one_row(&kZero, 1);
        const Rows<const T> src{
            static_cast<const T*>(static_cast<void*>(p->data)), n,
            static_cast<index_t>(p->strides[0] / static_cast<py::ssize_t>(sizeof(T))), one_row};
        std::array<py::array, K> target = null_arrays<K>();
        std::array<Rows<T>, K> outs;
        for (std::size_t k = 0; k < K; ++k) {
            target[k] = new_array(typenum_of<T>(), 1, &m);
            outs[k] = {
                static_cast<T*>(static_cast<void*>(py::detail::array_proxy(target[k].ptr())->data)),
                static_cast<index_t>(m), 1, one_row};
        }
        run_released_from(n, [&] { kernel(src, outs); });
        return one_or_tuple<K>(
            [&](std::size_t k) -> py::object { return stored(std::move(target[k]), in.real); });
    });
}

/// The rows-map call shape: a kernel of 1-D rows along `axis`, K outputs.
/// Owns the whole call, in this order:
///  1. dtype promotion of `a` (as_real_array; 0-d: ValueError);
///  2. `out_length(length)`: the core's checks and output length along the
///     axis (the input's for "same", length − window + 1 for "valid");
///     it throws before anything is allocated;
///  3. allocation (or the checked `out=`, K == 1 only);
///  4. kernel(Rows<const T> in, std::array<Rows<T>, K> outs), without the GIL
///     from kReleaseGilFrom elements;
///  5. the result: one array, or a tuple of K (float16 rounded once).
template <std::size_t K, class OutLength, class Kernel>
py::object map_rows(const char* func, py::handle a_obj, index_t axis_arg, py::object out,
                    OutLength&& out_length, Kernel&& kernel) {
    RealArray in = as_real_array(func, "a", a_obj);
    const auto nd = static_cast<int>(in.arr.ndim());
    if (nd == 0)
        throw py::value_error(std::string(func) + ": a must be at least 1-D, got a 0-d array");
    const int axis = normalize_axis(axis_arg, nd);
    if (nd == 1 && out.is_none()) return map_row<K>(in, out_length, kernel);
    // The fixed path allocates nothing but the result (a call on 10 elements
    // is mostly fixed cost): shape on the stack, outputs made through the C
    // API, the Output machinery only for a user's out=.
    std::array<py::ssize_t, kMaxDims> shape;  // the first nd set below
    py::ssize_t elements = 1;
    for (int d = 0; d < nd; ++d) {
        shape[static_cast<std::size_t>(d)] = in.arr.shape(d);
        elements *= in.arr.shape(d);
    }
    shape[static_cast<std::size_t>(axis)] = static_cast<py::ssize_t>(
        out_length(static_cast<index_t>(shape[static_cast<std::size_t>(axis)])));
    return visit(in.real, [&](auto tag) -> py::object {
        using T = decltype(tag);
        std::optional<Output<T>> user;  // K == 1 with out= only
        std::array<py::array, K> target = null_arrays<K>();
        for (std::size_t k = 0; k < K; ++k) {
            if (k == 0 && !out.is_none()) {
                user.emplace(func, out, std::vector<py::ssize_t>(shape.begin(), shape.begin() + nd),
                             std::vector<py::array>{in.arr}, false, in.real);
                target[k] = user->target;
            } else {
                target[k] = new_array(typenum_of<T>(), nd, shape.data());
            }
        }
        RowsOf<const T> src(in.arr, axis);
        std::array<std::optional<RowsOf<T>>, K> dst;
        std::array<Rows<T>, K> outs;
        for (std::size_t k = 0; k < K; ++k) outs[k] = dst[k].emplace(target[k], axis).rows;
        run_released_from(elements, [&] { kernel(src.rows, outs); });
        return one_or_tuple<K>([&](std::size_t k) -> py::object {
            if (k == 0 && user) return user->finish();
            return stored(py::reinterpret_steal<py::array>(target[k].release()), in.real);
        });
    });
}

/// Output length of a rows map that keeps the axis length.
inline index_t same_length(index_t length) { return length; }

/// The elementwise dtype rule, fed one input at a time: float16 when every
/// array input is float16, float32 when every one is float32 or float16
/// (Python scalars do not promote, as NEP 50), else float64.
class ResultReal {
public:
    void add(Kind kind, bool python_scalar) noexcept {
        if (python_scalar) return;
        any_array_ = true;
        any_f32_ = any_f32_ || kind == Kind::f32;
        all_small_ = all_small_ && (kind == Kind::f32 || kind == Kind::f16);
    }
    [[nodiscard]] Real real() const noexcept {
        if (!any_array_ || !all_small_) return Real::f64;
        return any_f32_ ? Real::f32 : Real::f16;
    }

private:
    bool any_array_ = false, any_f32_ = false, all_small_ = true;
};

/// ResultReal over whole lists (classify() raises TypeError for bad dtypes).
Real result_real(const char* func, const std::vector<py::array>& arrays,
                 const std::vector<const char*>& names, const std::vector<bool>& is_python_scalar);

/// A broadcast shape: numpy's rules over up to kMaxDims axes.
struct BroadcastShape {
    int nd = 0;
    std::array<py::ssize_t, kMaxDims> dims{};
    [[nodiscard]] py::ssize_t elements() const noexcept {
        py::ssize_t e = 1;
        for (int d = 0; d < nd; ++d) e *= dims[static_cast<std::size_t>(d)];
        return e;
    }
    [[nodiscard]] std::vector<py::ssize_t> vector() const {
        return {dims.begin(), dims.begin() + nd};
    }
};

/// The broadcast shape of `arrays` (null handles are Python floats: shape
/// ()); ValueError "<func>: shapes of a (2,), b (3,) cannot be broadcast
/// together" otherwise.
template <std::size_t N>
BroadcastShape broadcast_shape(const char* func, const std::array<py::array, N>& arrays,
                               const std::array<const char*, N>& names);
[[noreturn]] void throw_not_broadcastable(const char* func, const py::array* arrays,
                                          const char* const* names, std::size_t n);
/// ValueError "<func>: broadcast shape (2**40, 2**40) has more elements than
/// an index can count" (the element count would overflow a signed size).
[[noreturn]] void throw_broadcast_too_large(const char* func, const BroadcastShape& b);

template <std::size_t N>
BroadcastShape broadcast_shape(const char* func, const std::array<py::array, N>& arrays,
                               const std::array<const char*, N>& names) {
    BroadcastShape b;
    for (const auto& a : arrays)
        if (a) b.nd = std::max(b.nd, static_cast<int>(a.ndim()));
    b.dims.fill(1);
    for (const auto& a : arrays) {
        if (!a) continue;
        const auto shift = b.nd - static_cast<int>(a.ndim());
        for (int d = 0; d < static_cast<int>(a.ndim()); ++d) {
            auto& have = b.dims[static_cast<std::size_t>(shift + d)];
            const py::ssize_t dim = a.shape(d);
            if (have == 1)
                have = dim;
            else if (dim != 1 && dim != have)
                throw_not_broadcastable(func, arrays.data(), names.data(), N);
        }
    }
    py::ssize_t total = 1;  // elements() must not overflow (broadcast_to views are free)
    for (int d = 0; d < b.nd; ++d)
        if (__builtin_mul_overflow(total, b.dims[static_cast<std::size_t>(d)], &total))
            throw_broadcast_too_large(func, b);
    return b;
}

/// One operand of an elementwise call as (data, element strides over the
/// broadcast shape): 0 along broadcast axes, all 0 for a scalar.
template <class T>
struct Operand {
    T* data = nullptr;
    std::array<index_t, kMaxDims> stride{};

    Operand() = default;
    Operand(T* p, const py::array* a, const BroadcastShape& b) : data(p) {
        if (a == nullptr) return;  // a scalar: every stride 0
        const auto shift = b.nd - static_cast<int>(a->ndim());
        for (int d = 0; d < static_cast<int>(a->ndim()); ++d)
            if (a->shape(d) != 1)
                stride[static_cast<std::size_t>(shift + d)] =
                    static_cast<index_t>(a->strides(d) / static_cast<py::ssize_t>(sizeof(T)));
    }
    /// Strides of one C-ordered pass over the whole shape: 1 (C-contiguous)
    /// or 0 (constant), else -1.
    [[nodiscard]] index_t flat_stride(const BroadcastShape& b) const noexcept {
        bool zero = true, c_order = true;
        index_t expect = 1;
        for (int d = b.nd - 1; d >= 0; --d) {
            const auto i = static_cast<std::size_t>(d);
            if (b.dims[i] == 1) continue;
            zero = zero && stride[i] == 0;
            c_order = c_order && stride[i] == expect;
            expect *= static_cast<index_t>(b.dims[i]);
        }
        return zero ? 0 : c_order ? 1 : -1;
    }
};

/// Rows of an Operand: one flat row when every operand allows it, else rows
/// along the last axis with their element offsets.
template <class T>
struct OperandRows {
    index_t zero = 0;
    std::vector<index_t> offsets;
    Rows<T> rows;
    OperandRows(const Operand<T>& op, const BroadcastShape& b, bool flat) {
        const int nd = b.nd;
        if (flat || nd == 0) {
            const index_t s = op.flat_stride(b);
            rows = {op.data, static_cast<index_t>(b.elements()), s < 0 ? 1 : s,
                    std::span<const index_t>(&zero, 1)};
            return;
        }
        const auto last = static_cast<std::size_t>(nd - 1);
        index_t count = 1;
        for (std::size_t d = 0; d < last; ++d) count *= static_cast<index_t>(b.dims[d]);
        offsets.assign(static_cast<std::size_t>(count), 0);
        // C-order walk over the leading axes (an odometer over their indices).
        std::array<index_t, kMaxDims> idx{};
        index_t off = 0;
        for (index_t r = 0; r < count; ++r) {
            offsets[static_cast<std::size_t>(r)] = off;
            for (auto d = static_cast<std::ptrdiff_t>(last) - 1; d >= 0; --d) {
                const auto u = static_cast<std::size_t>(d);
                off += op.stride[u];
                if (++idx[u] < static_cast<index_t>(b.dims[u])) break;
                off -= op.stride[u] * idx[u];
                idx[u] = 0;
            }
        }
        rows = {op.data, static_cast<index_t>(b.dims[last]), op.stride[last],
                std::span<const index_t>(offsets)};
    }
    OperandRows(const OperandRows&) = delete;
    OperandRows& operator=(const OperandRows&) = delete;
};

/// Elementwise kernel over N broadcast inputs and K outputs.
/// kernel(std::array<Rows<const T>, N> in, std::array<Rows<T>, K> out) runs
/// over rows along the last axis (strides may be 0 where broadcast; when
/// every operand is C-contiguous or constant, the whole call is one long
/// row), without the GIL from kReleaseGilFrom elements. When every input is
/// a Python or 0-d scalar and no out= is given the result is a Python float
/// (or a tuple). `outs`: K objects, None or user arrays.
/// The fixed path makes no Python call: a Python float is read as a double
/// (no array), the broadcast shape and strides are worked out here, and
/// results are made through NumPy's C API.
template <std::size_t N, std::size_t K, class Kernel>
py::object map_elementwise(const char* func, const std::array<py::handle, N>& objs,
                           const std::array<const char*, N>& names, std::array<py::object, K> outs,
                           Kernel&& kernel) {
    std::array<py::array, N> raw = null_arrays<N>();  // null for an exact Python float
    std::array<double, N> value{};                    // the Python floats
    ResultReal rule;
    bool all_scalar = true;
    for (std::size_t i = 0; i < N; ++i) {
        PyObject* o = objs[i].ptr();
        if (PyFloat_CheckExact(o)) {
            value[i] = PyFloat_AS_DOUBLE(o);
            continue;
        }
        py::array a = as_array(func, names[i], objs[i]);
        rule.add(classify(func, names[i], a), PyFloat_Check(o) || PyLong_Check(o));
        all_scalar = all_scalar && a.ndim() == 0;
        raw[i] = std::move(a);
    }
    const Real real = rule.real();
    const BroadcastShape shape = broadcast_shape(func, raw, names);
    const py::ssize_t elements = shape.elements();
    return visit(real, [&](auto tag) -> py::object {
        using T = decltype(tag);
        std::array<T, N> scalar{};
        std::array<py::object, N> ins;  // readable as T; null for Python floats
        std::array<Operand<const T>, N> in_ops;
        std::vector<py::array> in_arrays;  // for out= alias checks only
        bool any_out = false;
        for (const auto& o : outs) any_out = any_out || !o.is_none();
        for (std::size_t i = 0; i < N; ++i) {
            if (!raw[i]) {
                scalar[i] = static_cast<T>(value[i]);
                in_ops[i] = Operand<const T>(&scalar[i], nullptr, shape);
                continue;
            }
            py::array a = readable_as<T>(raw[i]);
            in_ops[i] = Operand<const T>(static_cast<const T*>(a.data()), &a, shape);
            if (any_out) in_arrays.push_back(a);
            ins[i] = std::move(a);
        }
        std::array<std::optional<Output<T>>, K> user;  // only for a given out=
        std::array<py::array, K> target = null_arrays<K>();
        std::array<Operand<T>, K> out_ops;
        for (std::size_t k = 0; k < K; ++k) {
            if (!outs[k].is_none()) {
                user[k].emplace(func, std::move(outs[k]), shape.vector(), in_arrays, true, real);
                target[k] = user[k]->target;
            } else {
                target[k] = new_array(typenum_of<T>(), shape.nd, shape.dims.data());
            }
            auto& t = target[k];
            out_ops[k] = Operand<T>(static_cast<T*>(t.mutable_data()), &t, shape);
        }
        bool flat = true;
        for (const auto& op : in_ops) flat = flat && op.flat_stride(shape) >= 0;
        for (const auto& op : out_ops) flat = flat && op.flat_stride(shape) == 1;
        std::array<std::optional<OperandRows<const T>>, N> in_rows;
        std::array<std::optional<OperandRows<T>>, K> out_rows;
        std::array<Rows<const T>, N> in_arr;
        std::array<Rows<T>, K> out_arr;
        for (std::size_t i = 0; i < N; ++i)
            in_arr[i] = in_rows[i].emplace(in_ops[i], shape, flat).rows;
        for (std::size_t k = 0; k < K; ++k)
            out_arr[k] = out_rows[k].emplace(out_ops[k], shape, flat).rows;
        run_released_from(elements, [&] { kernel(in_arr, out_arr); });
        const bool scalar_out = all_scalar && [&] {
            for (const auto& u : user)
                if (u) return false;
            return true;
        }();
        auto one = [&](std::size_t k) -> py::object {
            if (user[k]) return user[k]->finish();
            auto res = py::reinterpret_steal<py::array>(target[k].release());
            if (scalar_out && real != Real::f16)
                return py::float_(static_cast<double>(*static_cast<const T*>(res.data())));
            if (scalar_out) return py::float_(stored(std::move(res), real).attr("item")());
            return stored(std::move(res), real);
        };
        return one_or_tuple<K>(one);
    });
}

}  // namespace fastcpp::bind
