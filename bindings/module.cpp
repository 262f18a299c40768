// fastcpp._core: the private extension module. Each area registers itself.
#include "register.hpp"

PYBIND11_MODULE(_core, m, pybind11::mod_gil_not_used()) {
    m.doc() = "fastcpp._core: compiled kernels of fastcpp (use the fastcpp package).";
    // Every docstring starts with its own NumPy-style signature line
    // (`move_mean(a, window, min_count=None, axis=-1)`); pybind11's generated
    // one (`a: object -> object`) would only add noise in front of it.
    pybind11::options options;
    options.disable_function_signatures();
    fastcpp::bind::register_config(m);
    fastcpp::bind::register_accumulator(m);
    fastcpp::bind::register_reduce(m);
    fastcpp::bind::register_elementwise(m);
    fastcpp::bind::register_geo(m);
    fastcpp::bind::register_geo_index(m);
    fastcpp::bind::register_rolling(m);
    fastcpp::bind::register_ema(m);
    fastcpp::bind::register_median_filter(m);
}
