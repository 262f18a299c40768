"""fastcpp: fast numeric kernels and streaming statistics, one C++20 core.

Every function takes anything ``numpy.asarray`` accepts. float32 input gives
float32 output with float64 state inside; integer and bool input is computed
as float64; unsupported dtypes raise TypeError, bad arguments ValueError.
The GIL is released while a kernel runs and large inputs use all cores
(:func:`set_num_threads`).
"""

from __future__ import annotations

from pathlib import Path

from fastcpp._core import (
    Accumulator,
    GeoIndex,
    circle_area,
    distances,
    dot,
    ema,
    gaussian,
    get_num_threads,
    haversine,
    median_filter,
    move_argmax,
    move_argmin,
    move_max,
    move_mean,
    move_median,
    move_min,
    move_rank,
    move_std,
    move_sum,
    move_var,
    nearest_k,
    norm,
    percentile_filter,
    polar_to_cartesian,
    rank_filter,
    rolling_mean_std,
    rolling_sum_squares,
    scale_and_shift,
    set_num_threads,
    simd_level,
    sum,
    sum_of_squares,
)
from fastcpp._settings import warn_ignored_settings as _warn_ignored_settings

__version__: str = __import__("fastcpp._core", fromlist=["_build_info"])._build_info()[
    "version"
]

__all__ = [
    "Accumulator",
    "GeoIndex",
    "__version__",
    "circle_area",
    "distances",
    "dot",
    "ema",
    "gaussian",
    "get_cmake_dir",
    "get_include",
    "get_num_threads",
    "haversine",
    "median_filter",
    "move_argmax",
    "move_argmin",
    "move_max",
    "move_mean",
    "move_median",
    "move_min",
    "move_rank",
    "move_std",
    "move_sum",
    "move_var",
    "nearest_k",
    "norm",
    "percentile_filter",
    "polar_to_cartesian",
    "rank_filter",
    "rolling_mean_std",
    "rolling_sum_squares",
    "scale_and_shift",
    "set_num_threads",
    "simd_level",
    "sum",
    "sum_of_squares",
]


def get_include() -> str:
    """Directory of the C++ headers (``#include <fastcpp/fastcpp.hpp>``)."""
    return str(Path(__file__).parent / "include")


def get_cmake_dir() -> str:
    """Directory for ``find_package(fastcpp CONFIG)`` via ``fastcpp_DIR``."""
    return str(Path(__file__).parent / "lib" / "cmake" / "fastcpp")


_warn_ignored_settings()
