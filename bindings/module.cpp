// fastcpp._core: the private extension module. Each area registers itself.
#include <string>

#include "register.hpp"
#include "signatures.hpp"

PYBIND11_MODULE(_core, m, pybind11::mod_gil_not_used()) {
    m.doc() = "fastcpp._core: compiled kernels of fastcpp (use the fastcpp package).";
    // Every docstring starts with its own call line
    // (`move_mean(a, window, min_count=None, axis=-1)`), which
    // install_signatures() turns into CPython's text signature; pybind11's
    // generated one (`a: object -> object`) would hide it.
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
    fastcpp::bind::install_signatures(m);  // last: sees every function and method
    // __all__: every public name defined above (fastcpp imports them all).
    pybind11::list names;
    for (auto name : pybind11::list(m.attr("__dict__").attr("keys")()))
        if (name.cast<std::string>()[0] != '_') names.append(name);
    names.attr("sort")();
    m.attr("__all__") = names;
}
