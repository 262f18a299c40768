#pragma once
/// @file register.hpp
/// One register_<area>() per binding file, called from module.cpp.

#include <pybind11/pybind11.h>

namespace fastcpp::bind {

void register_config(pybind11::module_& m);
void register_accumulator(pybind11::module_& m);
void register_reduce(pybind11::module_& m);
void register_elementwise(pybind11::module_& m);
void register_geo(pybind11::module_& m);
void register_geo_index(pybind11::module_& m);
void register_rolling(pybind11::module_& m);
void register_ema(pybind11::module_& m);
void register_median_filter(pybind11::module_& m);

}  // namespace fastcpp::bind
