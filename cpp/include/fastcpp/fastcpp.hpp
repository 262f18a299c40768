#pragma once
/// @file fastcpp.hpp
/// Umbrella header: everything public in fastcpp. One header per area sits
/// beside this one for code that needs only part of it.

// Say so plainly, and only that, instead of a wall of errors about concepts
// and std::span (MSVC reports the standard in _MSVC_LANG unless
// /Zc:__cplusplus is given).
#if !(__cplusplus >= 202002L || (defined(_MSVC_LANG) && _MSVC_LANG >= 202002L))
#error "fastcpp requires C++20 or later: compile with -std=c++20 (CMake: cxx_std_20)"
#else

#include "fastcpp/accumulator.hpp"
#include "fastcpp/config.hpp"
#include "fastcpp/elementwise.hpp"
#include "fastcpp/geo.hpp"
#include "fastcpp/geo_index.hpp"
#include "fastcpp/reduce.hpp"
#include "fastcpp/rolling.hpp"
#include "fastcpp/ema.hpp"
#include "fastcpp/median_filter.hpp"
#include "fastcpp/strided.hpp"
#endif
