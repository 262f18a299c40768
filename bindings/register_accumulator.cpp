// fastcpp.Accumulator: streaming statistics.
#include <array>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>

#include "dunders.hpp"
#include "fastcpp/accumulator.hpp"
#include "intake.hpp"
#include "pylist.hpp"
#include "register.hpp"

namespace fastcpp::bind {
namespace {

#ifdef Py_GIL_DISABLED
/// A lock for critical sections of a few nanoseconds (every one below: an
/// add, a merge of two states, a copy): lock is one atomic exchange and
/// unlock one release store, where an uncontended std::mutex pair costs two
/// atomic read-modify-writes and two calls (~10 ns of the ~60 ns an add()
/// from Python takes). A waiter spins on a plain load and yields the CPU.
class SpinLock {
public:
    void lock() noexcept {
        while (flag_.exchange(true, std::memory_order_acquire))
            while (flag_.load(std::memory_order_relaxed)) std::this_thread::yield();
    }
    void unlock() noexcept { flag_.store(false, std::memory_order_release); }

private:
    std::atomic<bool> flag_{false};
};

using StateLock = SpinLock;
#else
/// With a GIL, every method touches the state holding it (add_many summarises
/// without the GIL but merges after taking it back), so the GIL already
/// serialises them: no lock, and no atomic exchange on each add(), which was
/// ~20 cycles of a ~40 ns call.
struct StateLock {
    void lock() noexcept {}
    void unlock() noexcept {}
};
#endif

/// The Python Accumulator: the C++ Accumulator (not synchronised), the
/// values add() has taken but not yet folded in, and the lock that guards
/// both. add() only stores its value; every kPending values (and before any
/// read, merge, add_many or copy) they are summarised as one block and
/// merged (Accumulator::add_many: the exact pairwise formulas, as for any
/// batch), which costs a fraction of a one-value Welford update per value:
/// a Python loop of add() then runs at the speed of a plain builtin call.
/// The module is GIL-free (free-threaded CPython runs several threads in one
/// object at once), so there the lock, not the GIL, makes add, add_many,
/// merge, +=, reset and every read atomic. Rule: never touch Python while
/// holding the lock (a Python call may wait for the GIL, held by a thread
/// waiting for this lock); two-object operations copy the other one's state
/// first, so no thread ever holds two locks.
class SharedAccumulator {
public:
    explicit SharedAccumulator(const Accumulator& a) : acc_(a) {}
    SharedAccumulator(const SharedAccumulator& o) : acc_(o.snapshot()) {}
    SharedAccumulator(SharedAccumulator&& o) : acc_(o.snapshot()) {}  // the lock cannot move
    SharedAccumulator& operator=(const SharedAccumulator&) = delete;

    /// A consistent copy of the state (pending values folded in), taken
    /// under the lock.
    Accumulator snapshot() const {
        std::lock_guard lock(mu_);
        fold();
        return acc_;
    }
    void add(double x) noexcept {
        std::lock_guard lock(mu_);
        pending_[static_cast<std::size_t>(count_++)] = x;
        if (count_ == kPending) fold();
    }
    void merge(const Accumulator& part) {
        std::lock_guard lock(mu_);
        fold();
        acc_.merge(part);
    }
    void merge(const SharedAccumulator& other) { merge(other.snapshot()); }  // a += a works too
    void reset() {
        std::lock_guard lock(mu_);
        count_ = 0;
        acc_.reset();
    }
    bool operator==(const SharedAccumulator& o) const { return snapshot() == o.snapshot(); }

private:
    /// Values held back by add(): one block of the batch summary (small
    /// enough to stay in L1, large enough that the summary's fixed cost is
    /// a few instructions per value).
    static constexpr index_t kPending = 64;

    /// Folds the pending values into acc_ (caller holds the lock).
    void fold() const noexcept {
        if (count_ == 0) return;
        acc_.add_many(std::span<const double>(pending_.data(), static_cast<std::size_t>(count_)));
        count_ = 0;
    }

    mutable StateLock mu_;
    mutable Accumulator acc_;
    mutable std::array<double, kPending> pending_{};
    mutable index_t count_ = 0;
};

/// A const Accumulator method as a method of the Python object, run on the
/// state under its lock (nothing Python inside).
template <class R, class... A>
auto locked(R (Accumulator::*f)(A...) const noexcept) {
    return [f](const SharedAccumulator& s, A... a) { return (s.snapshot().*f)(a...); };
}

/// Accumulator.add as a raw METH_O method: pybind11's generic dispatcher
/// costs ~50 ns per call, a METH_O descriptor ~10 ns, which is what a
/// Python loop calling add() a million times feels. Conversion only (the
/// value is stored; SharedAccumulator folds values in by blocks).
PyObject* add_fast(PyObject* self, PyObject* arg) {
    double x;
    if (PyFloat_CheckExact(arg)) {
        x = PyFloat_AS_DOUBLE(arg);
    } else {
        x = PyFloat_AsDouble(arg);
        if (x == -1.0 && PyErr_Occurred()) {
            if (PyErr_ExceptionMatches(PyExc_OverflowError)) {
                PyErr_Format(PyExc_OverflowError,
                             "Accumulator.add: x (an %s) is too large to convert to float",
                             Py_TYPE(arg)->tp_name);
            } else {
                PyErr_Format(PyExc_TypeError, "Accumulator.add: x must be a real number, got %s",
                             Py_TYPE(arg)->tp_name);
            }
            return nullptr;
        }
    }
    // The method descriptor has checked that self is an Accumulator (or a
    // subclass); with one C++ base its value pointer sits in the instance
    // itself (get_value_and_holder() would look the type up in a map).
    auto* inst = reinterpret_cast<py::detail::instance*>(self);
    auto* acc = static_cast<SharedAccumulator*>(inst->simple_layout
                                                    ? inst->simple_value_holder[0]
                                                    : inst->get_value_and_holder().value_ptr());
    if (acc == nullptr) {
        PyErr_SetString(PyExc_TypeError, "Accumulator.add: object is not initialised");
        return nullptr;
    }
    acc->add(x);
    Py_RETURN_NONE;
}

PyMethodDef add_def = {"add", add_fast, METH_O, "add(self, x: float, /) -> None\n\nAdd one value."};

py::tuple to_tuple(const SharedAccumulator& shared) {
    const Accumulator a = shared.snapshot();  // then build Python objects unlocked
    const auto& s = a.state();
    return py::make_tuple(s.count, s.initial, s.sum, s.sum_comp, s.mean, s.m2, s.m3, s.m4, s.min,
                          s.max, s.shift);
}

/// The state of a pickle; ValueError for anything that is not the 11 numbers
/// to_tuple writes with a count >= 0 (a tampered or foreign pickle must not
/// become an Accumulator with a negative count, nor a RuntimeError). The 10
/// numbers of earlier versions (no shift: moments about 0) load too.
SharedAccumulator from_tuple(const py::tuple& t) {
    const auto invalid = [] { return py::value_error("Accumulator: invalid pickle state"); };
    if (t.size() != 10 && t.size() != 11) throw invalid();
    Accumulator::State s;
    try {
        if (!PyLong_Check(t[0].ptr())) throw invalid();
        s.count = t[0].cast<std::int64_t>();
        s.initial = t[1].cast<double>();
        s.sum = t[2].cast<double>();
        s.sum_comp = t[3].cast<double>();
        s.mean = t[4].cast<double>();
        s.m2 = t[5].cast<double>();
        s.m3 = t[6].cast<double>();
        s.m4 = t[7].cast<double>();
        s.min = t[8].cast<double>();
        s.max = t[9].cast<double>();
        if (t.size() == 11) s.shift = t[10].cast<double>();
    } catch (const py::cast_error&) {
        throw invalid();
    }
    if (s.count < 0) throw invalid();
    return SharedAccumulator(Accumulator::from_state(s));
}

std::string repr(const SharedAccumulator& shared) {
    const Accumulator a = shared.snapshot();
    char buf[96];
    std::snprintf(buf, sizeof buf, "<Accumulator count=%lld total=%f>",
                  static_cast<long long>(a.count()), a.total());
    return buf;
}

}  // namespace

void register_accumulator(py::module_& m) {
    py::class_<SharedAccumulator> cls(m, "Accumulator", R"pbdoc(
Accumulator(initial=0.0)

Streaming statistics in one pass: count, total, mean, variance, std,
skewness, kurtosis, min and max. Mergeable (``merge``, ``+``, ``+=``),
copyable and picklable with its exact state, so partial results from
chunks, threads or processes combine into the statistics of the whole.

Parameters
----------
initial : float, default 0.0
    Starting total: it adds to ``total`` (and so to ``mean()``) but is not
    counted as a value.

Notes
-----
The total is a Neumaier compensated sum (``total`` of ``[1e16, 1.0, -1e16]``
is 1.0). Moments are kept for the data minus a reference value (its first
value), so values far from zero lose no digits: batches (``add_many``, and
the values of ``add`` 64 at a time) are summarised block by block in one
fused pass and merged with the exact pairwise formulas (Chan, Golub &
LeVeque 1979; Pébay 2008). Variance of ``1e9 + [4, 7, 13, 16]`` is
exactly 22.5; for ``1e12 + N(0, 1)`` samples it is within 1e-10 of the exact
value; variance and std are never negative (nor -0.0). A NaN makes total, mean,
variance, min and max NaN; inf follows IEEE arithmetic. Several threads may
share one Accumulator: no value is lost.

Examples
--------
>>> acc = Accumulator()
>>> acc.add_many([1.0, 2.0, 3.0])
>>> acc
<Accumulator count=3 total=6.000000>
)pbdoc");
    cls.def(py::init([](const py::handle& initial) {
                const double v = PyFloat_AsDouble(initial.ptr());
                if (v == -1.0 && PyErr_Occurred()) {
                    const bool overflow = PyErr_ExceptionMatches(PyExc_OverflowError);
                    PyErr_Clear();
                    const std::string type = Py_TYPE(initial.ptr())->tp_name;
                    if (overflow)
                        throw std::overflow_error("Accumulator: initial (an " + type +
                                                  ") is too large to convert to float");
                    throw py::type_error("Accumulator: initial must be a real number, got " + type);
                }
                return SharedAccumulator(Accumulator(v));
            }),
            py::arg("initial") = 0.0,
            "__init__(self, initial=0.0)\n\nStart empty; initial is a starting total, "
            "not a value.");

    // The hot single-value method, as a plain METH_O descriptor on the type.
    py::handle type = cls;
    py::object descr = py::reinterpret_steal<py::object>(
        PyDescr_NewMethod(reinterpret_cast<PyTypeObject*>(type.ptr()), &add_def));
    if (!descr) throw py::error_already_set();
    cls.attr("add") = descr;

    cls.def(
        "add_many",
        [](SharedAccumulator& self, const py::object& values) {
            // A list NumPy can only type as objects ([2**70, 1]): each value
            // converted as math.fsum converts it.
            py::array arr = as_array("Accumulator.add_many", "values", values);
            py::object objs = object_list_values(values, arr);
            RealArray in =
                objs.is_none()
                    ? as_real_array("Accumulator.add_many", "values", arr)
                    : RealArray{floats_of_objects("Accumulator.add_many", "values", objs),
                                Real::f64};
            // Summarise without the GIL or the lock, merge under the lock: the
            // object's state changes in one step, so concurrent add_many, add
            // and merge calls lose nothing, with or without a GIL.
            Accumulator part = visit(in.real, [&](auto tag) {
                using T = decltype(tag);
                auto view = flat_view<T>(in.arr);
                py::gil_scoped_release nogil;
                return Accumulator::of(view);
            });
            self.merge(part);
        },
        py::arg("values"), R"pbdoc(
add_many(self, values) -> None

Add every value of an array-like of any shape (flattened). Integer and bool
input are read as float64; float32 is read exactly; a list of Python numbers
NumPy cannot type (``[2**70, 1]``) is converted value by value as
``math.fsum`` converts it. The GIL is released and
large batches use all threads (see ``fastcpp.set_num_threads``).

Raises
------
TypeError
    If ``values`` has a complex, object, string or datetime dtype.
OverflowError
    If a list holds an int beyond the float range.
)pbdoc");
    cls.def_property_readonly("count", locked(&Accumulator::count),
                              "Number of values added (int).");
    cls.def_property_readonly("total", locked(&Accumulator::total),
                              "initial + sum of the values, compensated (float).");
    cls.def("mean", locked(&Accumulator::mean),
            "mean(self) -> float\n\ntotal / count; 0.0 when empty (as RunStats).");
    cls.def("variance", locked(&Accumulator::variance), py::arg("ddof") = 0.0,
            "variance(self, ddof=0) -> float\n\nVariance of the values; nan when "
            "count <= ddof.");
    cls.def("std", locked(&Accumulator::std), py::arg("ddof") = 0.0,
            "std(self, ddof=0) -> float\n\nsqrt(variance(ddof)).");
    cls.def_property_readonly("min", locked(&Accumulator::min),
                              "Smallest value; nan when empty or after a NaN.");
    cls.def_property_readonly("max", locked(&Accumulator::max),
                              "Largest value; nan when empty or after a NaN.");
    cls.def("skewness", locked(&Accumulator::skewness),
            "skewness(self) -> float\n\nBiased g1 = sqrt(n) M3 / M2**1.5, as "
            "scipy.stats.skew(x); nan when count < 2 or all values equal.");
    cls.def("kurtosis", locked(&Accumulator::kurtosis),
            "kurtosis(self) -> float\n\nBiased excess g2 = n M4 / M2**2 - 3, as "
            "scipy.stats.kurtosis(x); nan when count < 2 or all values equal.");
    cls.def(
        "merge", [](SharedAccumulator& self, const SharedAccumulator& other) { self.merge(other); },
        py::arg("other"),
        "merge(self, other: Accumulator) -> None\n\nCombine another Accumulator "
        "into this one (in place; also ``+=`` and ``+``). ``total`` becomes "
        "self.total + other.total (each initial counted once); every other "
        "statistic is as if all values had gone into one Accumulator. The "
        "result does not depend on the order: a + b equals b + a.");
    cls.def("reset", &SharedAccumulator::reset,
            "reset(self) -> None\n\nForget all values (initial is kept).");
    cls.def("__repr__", &repr);
    add_value_dunders(cls, &to_tuple, &from_tuple);
}

}  // namespace fastcpp::bind
