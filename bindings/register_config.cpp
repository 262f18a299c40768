// Threads and build facts.
#include <pybind11/stl.h>

#include <vector>

#include "args.hpp"
#include "fastcpp/config.hpp"
#include "register.hpp"

namespace fastcpp::bind {
namespace {

/// `with fastcpp.threads(n):` -- the calling thread's own count while the
/// block runs (set_local_num_threads), the previous one restored after. A
/// stack, so one object may be entered again inside itself.
struct ThreadsScope {
    long long n;
    std::vector<int> previous;
};

}  // namespace

void register_config(pybind11::module_& m) {
    namespace py = pybind11;
    m.def(
        "set_num_threads",
        [](py::handle n) { fastcpp::set_num_threads(int_arg("set_num_threads", "n", n)); },
        py::arg("n"), R"pbdoc(
set_num_threads(n) -> None

Use ``n`` threads (1 to 4096) for large inputs from now on. The default is the
number of CPUs this process may use, or ``FASTCPP_NUM_THREADS``.

Raises
------
ValueError
    If n < 1.
)pbdoc");
    m.def("get_num_threads", &fastcpp::num_threads,
          "get_num_threads() -> int\n\nThreads used for large inputs by calls from this thread "
          "(inside ``with threads(n):``, n).");
    py::class_<ThreadsScope>(m, "threads", R"pbdoc(
threads(n)

Context manager: calls made from the current thread inside the ``with``
block use ``n`` threads (1 to 4096) for large inputs; other threads keep
their own setting (``set_num_threads`` sets the process-wide one). Nested
blocks apply the innermost ``n`` and restore the outer one on exit.

However many Python threads call fastcpp at once, the helper threads running
in the process never exceed the CPUs this process may use minus one; a call
that finds them all busy runs on its own thread. Inputs taking less than
about 50 microseconds never start a thread. ``fastcpp.dask`` runs its
kernels single-threaded inside each task (dask already runs tasks in
parallel).

Raises
------
ValueError
    If n < 1 or n > 4096.
TypeError
    If n is not an int.

Examples
--------
>>> with fastcpp.threads(1):
...     fastcpp.get_num_threads()
1
)pbdoc")
        .def(py::init([](py::handle n) {
                 const long long v = int_arg("threads", "n", n);
                 fastcpp::check_num_threads("threads", v);
                 return ThreadsScope{v, {}};
             }),
             py::arg("n"))
        .def(
            "__enter__",
            [](ThreadsScope& s) -> ThreadsScope& {
                s.previous.push_back(fastcpp::set_local_num_threads(s.n));
                return s;
            },
            py::return_value_policy::reference_internal)
        .def("__exit__", [](ThreadsScope& s, const py::args&) {
            if (s.previous.empty()) return false;
            fastcpp::set_local_num_threads(s.previous.back());
            s.previous.pop_back();
            return false;
        });
    m.def("simd_level", &fastcpp::simd_level, R"pbdoc(
simd_level() -> str

Instruction-set level the kernels run at: ``"x86-64-v4"`` (AVX-512),
``"x86-64-v3"`` (AVX2+FMA) or ``"baseline"`` (SSE2; NEON on aarch64). The
highest level this CPU supports, capped by the environment variable
``FASTCPP_SIMD`` (``baseline``, ``x86-64-v2``, ``x86-64-v3``, ``x86-64-v4``;
``x86-64-v2`` runs the baseline kernels), read at import.
)pbdoc");
    m.def("_settings_warnings", &fastcpp::settings_warnings,
          "_settings_warnings() -> list[str]\n\nFASTCPP_* environment values that were ignored.");
    m.def(
        "_build_info",
        [] {
            py::dict d;
            d["version"] = fastcpp::version();
            d["compiler"] = fastcpp::compiler();
            d["simd_level"] = fastcpp::simd_level();
            d["cpu_simd_level"] = fastcpp::cpu_simd_level();
            d["num_threads"] = fastcpp::num_threads();
            return d;
        },
        "Version, compiler, SIMD level in use and the CPU's highest, threads.");
}

}  // namespace fastcpp::bind
