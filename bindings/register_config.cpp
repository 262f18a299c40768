// Threads and build facts.
#include "fastcpp/config.hpp"
#include "register.hpp"

namespace fastcpp::bind {

void register_config(pybind11::module_& m) {
    namespace py = pybind11;
    m.def("set_num_threads", &fastcpp::set_num_threads, py::arg("n"), R"pbdoc(
set_num_threads(n) -> None

Use ``n`` threads (>= 1) for large inputs from now on. The default is the
number of CPUs this process may use, or ``FASTCPP_NUM_THREADS``.

Raises
------
ValueError
    If n < 1.
)pbdoc");
    m.def("get_num_threads", &fastcpp::num_threads,
          "get_num_threads() -> int\n\nThreads used for large inputs.");
    m.def(
        "_build_info",
        [] {
            py::dict d;
            d["version"] = fastcpp::version();
            d["compiler"] = fastcpp::compiler();
            d["simd_level"] = fastcpp::simd_level();
            d["num_threads"] = fastcpp::num_threads();
            return d;
        },
        "Version, compiler, SIMD level chosen at run time, threads.");
}

}  // namespace fastcpp::bind
