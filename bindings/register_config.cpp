// Threads and build facts.
#include <pybind11/stl.h>

#include "args.hpp"
#include "fastcpp/config.hpp"
#include "register.hpp"

namespace fastcpp::bind {

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
          "get_num_threads() -> int\n\nThreads used for large inputs.");
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
