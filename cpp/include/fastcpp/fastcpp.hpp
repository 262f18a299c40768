#pragma once
/// @file fastcpp.hpp
/// Umbrella header: everything public in fastcpp. One header per area sits
/// beside this one for code that needs only part of it.

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
