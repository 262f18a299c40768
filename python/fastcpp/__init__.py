"""fastcpp: fast numeric kernels and streaming statistics, one C++20 core.

Every function takes anything ``numpy.asarray`` accepts. float32 input gives
float32 output with float64 state inside; integer and bool input is computed
as float64; unsupported dtypes raise TypeError, bad arguments ValueError.
The GIL is released while a kernel runs and large inputs use all cores
(:func:`set_num_threads`).
"""

from __future__ import annotations

from pathlib import Path

from fastcpp import _core

# Every public kernel of the compiled module (its __all__: the functions of
# each area, the move_* family from the core's family table, Accumulator).
from fastcpp._core import *  # noqa: F403
from fastcpp._settings import warn_ignored_settings as _warn_ignored_settings

__version__: str = _core._build_info()["version"]

__all__ = sorted(
    [*_core.__all__, "__version__", "get_cmake_dir", "get_include"]  # type: ignore[attr-defined]
)


def __dir__() -> list[str]:
    """Public names only (PEP 562): not the imports this module happens to use."""
    return sorted(__all__)


def get_include() -> str:
    """Directory of the C++ headers (``#include <fastcpp/fastcpp.hpp>``)."""
    return str(Path(__file__).parent / "include")


def get_cmake_dir() -> str:
    """Directory for ``find_package(fastcpp CONFIG)`` via ``fastcpp_DIR``."""
    return str(Path(__file__).parent / "lib" / "cmake" / "fastcpp")


_warn_ignored_settings()
