#pragma once
/// @file fastcpp.hpp
/// Umbrella header: everything public in fastcpp. One header per area sits
/// beside this one for code that needs only part of it.

#if !defined(__cplusplus) || \
    (__cplusplus < 202002L && !(defined(_MSVC_LANG) && _MSVC_LANG >= 202002L))
#error \
    "fastcpp needs C++20 (spans, concepts): compile with -std=c++20, or link fastcpp::fastcpp from CMake, which requires cxx_std_20"
#endif

#include "fastcpp/accumulator.hpp"
#include "fastcpp/config.hpp"
#include "fastcpp/elementwise.hpp"
#include "fastcpp/ema.hpp"
#include "fastcpp/geo.hpp"
#include "fastcpp/geo_index.hpp"
#include "fastcpp/median_filter.hpp"
#include "fastcpp/reduce.hpp"
#include "fastcpp/rolling.hpp"
#include "fastcpp/strided.hpp"
