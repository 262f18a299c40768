# Type stubs for the compiled module fastcpp._core (kept in step by hand,
# checked by mypy in the test command and, for the move_* family, against the
# core's table by tests_py/test_rolling.py). One section per area.
from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any, Literal, SupportsFloat, SupportsIndex

import numpy as np
from numpy.typing import ArrayLike, NDArray

_FloatArray = NDArray[np.float64] | NDArray[np.float32]

# --- config ---------------------------------------------------------------
def set_num_threads(n: int) -> None: ...
def get_num_threads() -> int: ...

class threads:
    def __init__(self, n: int) -> None: ...
    def __enter__(self) -> threads: ...
    def __exit__(self, *args: object) -> bool: ...

def simd_level() -> str: ...
def _settings_warnings() -> list[str]: ...
def _build_info() -> dict[str, Any]: ...

# --- accumulator ----------------------------------------------------------
class Accumulator:
    def __init__(self, initial: float = 0.0) -> None: ...
    def add(self, x: SupportsFloat, /) -> None: ...
    def add_many(self, values: ArrayLike) -> None: ...
    @property
    def count(self) -> int: ...
    @property
    def total(self) -> float: ...
    def mean(self) -> float: ...
    def variance(self, ddof: float = 0.0) -> float: ...
    def std(self, ddof: float = 0.0) -> float: ...
    @property
    def min(self) -> float: ...
    @property
    def max(self) -> float: ...
    def skewness(self) -> float: ...
    def kurtosis(self) -> float: ...
    def merge(self, other: Accumulator) -> None: ...
    def reset(self) -> None: ...
    def __iadd__(self, other: Accumulator) -> Accumulator: ...
    def __add__(self, other: Accumulator) -> Accumulator: ...
    def __eq__(self, other: object) -> bool: ...
    def __copy__(self) -> Accumulator: ...
    def __deepcopy__(self, memo: dict[int, Any]) -> Accumulator: ...
    def __getstate__(self) -> tuple[Any, ...]: ...
    def __setstate__(self, state: tuple[Any, ...]) -> None: ...

# --- reduce ---------------------------------------------------------------
def sum(a: ArrayLike) -> float | int: ...
def dot(a: ArrayLike, b: ArrayLike) -> float: ...
def norm(a: ArrayLike) -> float: ...
def sum_of_squares(n: SupportsIndex) -> int: ...

# --- elementwise ----------------------------------------------------------
def scale_and_shift(
    a: ArrayLike, scale: float, shift: float = 0.0, *, out: _FloatArray | None = None
) -> Any: ...
def circle_area(r: ArrayLike) -> Any: ...
def gaussian(a: ArrayLike, sigma: float, *, out: _FloatArray | None = None) -> Any: ...
def polar_to_cartesian(r: ArrayLike, theta: ArrayLike) -> tuple[Any, Any]: ...

# --- geo ------------------------------------------------------------------
def distances(points: ArrayLike) -> _FloatArray: ...
def haversine(
    lat1: ArrayLike,
    lon1: ArrayLike,
    lat2: ArrayLike,
    lon2: ArrayLike,
    *,
    radius: float = 6371.0,
) -> Any: ...
def nearest_k(
    lat: ArrayLike,
    lon: ArrayLike,
    lats: ArrayLike,
    lons: ArrayLike,
    k: int = 5,
    *,
    radius: float = 6371.0,
) -> tuple[NDArray[np.int64], _FloatArray]: ...

class GeoIndex:
    def __init__(
        self, lats: ArrayLike, lons: ArrayLike, *, radius: float = 6371.0
    ) -> None: ...
    def __len__(self) -> int: ...
    @property
    def radius(self) -> float: ...
    @property
    def lats(self) -> NDArray[np.float64]: ...
    @property
    def lons(self) -> NDArray[np.float64]: ...
    def query(
        self, lat: ArrayLike, lon: ArrayLike, k: int = 5
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]: ...
    def query_radius(
        self, lat: ArrayLike, lon: ArrayLike, r: float
    ) -> (
        tuple[NDArray[np.int64], NDArray[np.float64]]
        | tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int64]]
    ): ...
    def __getstate__(self) -> tuple[Any, ...]: ...
    def __setstate__(self, state: tuple[Any, ...]) -> None: ...

# --- rolling --------------------------------------------------------------
# One stub per row of the core's move_* family table (tests_py/test_rolling.py
# checks names and parameters against it); (name, inputs, extra parameters).
_move_family: tuple[tuple[str, int, tuple[tuple[str, str, str], ...]], ...]

def move_sum(
    a: ArrayLike,
    window: int,
    min_count: int | None = None,
    axis: int = -1,
    *,
    center: bool = False,
    out: NDArray[Any] | None = None,
    lengths: ArrayLike | None = None,
) -> _FloatArray: ...
def move_mean(
    a: ArrayLike,
    window: int,
    min_count: int | None = None,
    axis: int = -1,
    *,
    center: bool = False,
    out: NDArray[Any] | None = None,
    lengths: ArrayLike | None = None,
) -> _FloatArray: ...
def move_var(
    a: ArrayLike,
    window: int,
    min_count: int | None = None,
    axis: int = -1,
    ddof: int = 0,
    *,
    center: bool = False,
    out: NDArray[Any] | None = None,
    lengths: ArrayLike | None = None,
) -> _FloatArray: ...
def move_std(
    a: ArrayLike,
    window: int,
    min_count: int | None = None,
    axis: int = -1,
    ddof: int = 0,
    *,
    center: bool = False,
    out: NDArray[Any] | None = None,
    lengths: ArrayLike | None = None,
) -> _FloatArray: ...
def move_min(
    a: ArrayLike,
    window: int,
    min_count: int | None = None,
    axis: int = -1,
    *,
    center: bool = False,
    out: NDArray[Any] | None = None,
    lengths: ArrayLike | None = None,
) -> _FloatArray: ...
def move_max(
    a: ArrayLike,
    window: int,
    min_count: int | None = None,
    axis: int = -1,
    *,
    center: bool = False,
    out: NDArray[Any] | None = None,
    lengths: ArrayLike | None = None,
) -> _FloatArray: ...
def move_argmin(
    a: ArrayLike,
    window: int,
    min_count: int | None = None,
    axis: int = -1,
    *,
    center: bool = False,
    out: NDArray[Any] | None = None,
    lengths: ArrayLike | None = None,
) -> _FloatArray: ...
def move_argmax(
    a: ArrayLike,
    window: int,
    min_count: int | None = None,
    axis: int = -1,
    *,
    center: bool = False,
    out: NDArray[Any] | None = None,
    lengths: ArrayLike | None = None,
) -> _FloatArray: ...
def move_median(
    a: ArrayLike,
    window: int,
    min_count: int | None = None,
    axis: int = -1,
    *,
    center: bool = False,
    out: NDArray[Any] | None = None,
    lengths: ArrayLike | None = None,
) -> _FloatArray: ...
def move_rank(
    a: ArrayLike,
    window: int,
    min_count: int | None = None,
    axis: int = -1,
    *,
    center: bool = False,
    out: NDArray[Any] | None = None,
    lengths: ArrayLike | None = None,
) -> _FloatArray: ...
def move_skew(
    a: ArrayLike,
    window: int,
    min_count: int | None = None,
    axis: int = -1,
    *,
    bias: bool = True,
    center: bool = False,
    out: NDArray[Any] | None = None,
    lengths: ArrayLike | None = None,
) -> _FloatArray: ...
def move_kurt(
    a: ArrayLike,
    window: int,
    min_count: int | None = None,
    axis: int = -1,
    *,
    bias: bool = True,
    center: bool = False,
    out: NDArray[Any] | None = None,
    lengths: ArrayLike | None = None,
) -> _FloatArray: ...
def move_quantile(
    a: ArrayLike,
    window: int,
    q: float | Sequence[float] | NDArray[Any],
    min_count: int | None = None,
    axis: int = -1,
    *,
    method: Literal["linear", "lower", "higher", "nearest", "midpoint"] = "linear",
    center: bool = False,
    out: NDArray[Any] | None = None,
    lengths: ArrayLike | None = None,
) -> _FloatArray: ...
def move_cov(
    a: ArrayLike,
    b: ArrayLike,
    window: int,
    min_count: int | None = None,
    axis: int = -1,
    *,
    ddof: int = 0,
    center: bool = False,
    out: NDArray[Any] | None = None,
    lengths: ArrayLike | None = None,
) -> _FloatArray: ...
def move_corr(
    a: ArrayLike,
    b: ArrayLike,
    window: int,
    min_count: int | None = None,
    axis: int = -1,
    *,
    ddof: int = 0,
    center: bool = False,
    out: NDArray[Any] | None = None,
    lengths: ArrayLike | None = None,
) -> _FloatArray: ...
def rolling_sum_squares(a: ArrayLike, window: int) -> _FloatArray: ...
def rolling_mean_std(a: ArrayLike, window: int) -> tuple[_FloatArray, _FloatArray]: ...

# --- ema ------------------------------------------------------------------
_TimeDelta = np.timedelta64 | datetime.timedelta
#: (name, inputs, takes times, takes bias) per member of the ema family.
_ema_family: tuple[tuple[str, int, bool, bool], ...]

#: fastcpp.dask's sequential adjust=True chain: rows resumed from the carried
#: (mean, total weight) per row; returns (y, mean, weight) after them.
def _ema_adjusted_from(
    x: ArrayLike, alpha: float, mean: ArrayLike, weight: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]: ...
def ema(
    a: ArrayLike,
    alpha: float | None = None,
    *,
    span: float | None = None,
    halflife: float | _TimeDelta | None = None,
    com: float | None = None,
    times: ArrayLike | None = None,
    adjust: bool = False,
    ignore_na: bool = False,
    min_periods: int | None = 0,
    axis: int = -1,
    out: NDArray[Any] | None = None,
) -> _FloatArray: ...
def ema_var(
    a: ArrayLike,
    alpha: float | None = None,
    *,
    span: float | None = None,
    halflife: float | None = None,
    com: float | None = None,
    adjust: bool = False,
    ignore_na: bool = False,
    min_periods: int | None = 0,
    bias: bool = False,
    axis: int = -1,
    out: NDArray[Any] | None = None,
) -> _FloatArray: ...
def ema_std(
    a: ArrayLike,
    alpha: float | None = None,
    *,
    span: float | None = None,
    halflife: float | None = None,
    com: float | None = None,
    adjust: bool = False,
    ignore_na: bool = False,
    min_periods: int | None = 0,
    bias: bool = False,
    axis: int = -1,
    out: NDArray[Any] | None = None,
) -> _FloatArray: ...
def ema_cov(
    a: ArrayLike,
    b: ArrayLike,
    alpha: float | None = None,
    *,
    span: float | None = None,
    halflife: float | None = None,
    com: float | None = None,
    adjust: bool = False,
    ignore_na: bool = False,
    min_periods: int | None = 0,
    bias: bool = False,
    axis: int = -1,
    out: NDArray[Any] | None = None,
) -> _FloatArray: ...
def ema_corr(
    a: ArrayLike,
    b: ArrayLike,
    alpha: float | None = None,
    *,
    span: float | None = None,
    halflife: float | None = None,
    com: float | None = None,
    adjust: bool = False,
    ignore_na: bool = False,
    min_periods: int | None = 0,
    axis: int = -1,
    out: NDArray[Any] | None = None,
) -> _FloatArray: ...

# --- median_filter ----------------------------------------------------------
def median_filter(
    image: ArrayLike,
    size: SupportsIndex | Sequence[SupportsIndex] | None = None,
    *,
    footprint: ArrayLike | None = None,
    mode: str = "reflect",
    cval: float = 0,
    origin: SupportsIndex | Sequence[SupportsIndex] = 0,
    axes: SupportsIndex | Sequence[SupportsIndex] | None = None,
    nan_policy: str = "sort",
    out: NDArray[Any] | None = None,
) -> NDArray[Any]: ...
def rank_filter(
    image: ArrayLike,
    rank: SupportsIndex,
    size: SupportsIndex | Sequence[SupportsIndex] | None = None,
    *,
    footprint: ArrayLike | None = None,
    mode: str = "reflect",
    cval: float = 0,
    origin: SupportsIndex | Sequence[SupportsIndex] = 0,
    axes: SupportsIndex | Sequence[SupportsIndex] | None = None,
    nan_policy: str = "sort",
    out: NDArray[Any] | None = None,
) -> NDArray[Any]: ...
def percentile_filter(
    image: ArrayLike,
    percentile: float,
    size: SupportsIndex | Sequence[SupportsIndex] | None = None,
    *,
    footprint: ArrayLike | None = None,
    mode: str = "reflect",
    cval: float = 0,
    origin: SupportsIndex | Sequence[SupportsIndex] = 0,
    axes: SupportsIndex | Sequence[SupportsIndex] | None = None,
    nan_policy: str = "sort",
    out: NDArray[Any] | None = None,
) -> NDArray[Any]: ...
