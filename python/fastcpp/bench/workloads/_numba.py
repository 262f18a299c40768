"""numba versions of the seeds' loops, compiled lazily (numba is optional).

The bench calls each once on a tiny input of the same dtypes before timing and
reports that as the JIT compile time (``cache=False``: a cached compile from a
previous run would hide it).
"""

from __future__ import annotations

import math
from functools import cache
from types import SimpleNamespace
from typing import Any

import numpy as np


@cache
def kernels(numba: Any) -> SimpleNamespace:
    """The jitted functions, built on first use."""
    njit, prange = numba.njit, numba.prange

    @njit(cache=False)
    def sum_of_squares(n):  # pragma: no cover - compiled
        total = 0
        for i in range(n):
            total += i * i
        return total

    @njit(cache=False)
    def ema(a, alpha):  # pragma: no cover - compiled
        out = np.empty_like(a)
        y = a[0]
        for i in range(a.shape[0]):
            y = alpha * a[i] + (1.0 - alpha) * y
            out[i] = y
        return out

    @njit(parallel=True, cache=False)
    def haversine(lat, lon, lats, lons, radius):  # pragma: no cover - compiled
        out = np.empty(lats.shape[0])
        la0 = math.radians(lat)
        lo0 = math.radians(lon)
        for i in prange(lats.shape[0]):
            la = math.radians(lats[i])
            dlat = la - la0
            dlon = math.radians(lons[i]) - lo0
            h = (
                math.sin(dlat / 2) ** 2
                + math.cos(la0) * math.cos(la) * math.sin(dlon / 2) ** 2
            )
            out[i] = 2.0 * radius * math.asin(math.sqrt(min(1.0, h)))
        return out

    return SimpleNamespace(sum_of_squares=sum_of_squares, ema=ema, haversine=haversine)
