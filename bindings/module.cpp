// fastcpp._core: the private extension module. Each area registers itself.
#include "register.hpp"

PYBIND11_MODULE(_core, m) {
    m.doc() = "fastcpp._core: compiled kernels of fastcpp (use the fastcpp package).";
    fastcpp::bind::register_config(m);
    fastcpp::bind::register_accumulator(m);
    fastcpp::bind::register_reduce(m);
    fastcpp::bind::register_rolling(m);
    fastcpp::bind::register_ema(m);
    fastcpp::bind::register_median_filter(m);
}
