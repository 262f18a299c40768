"""Shared fixtures: the nasty-array generator every kernel is tested over."""

from __future__ import annotations

import numpy as np
import pytest


def nasty_arrays(dtype=np.float64, n: int = 37, seed: int = 0):
    """Yield (name, array) pairs that break naive kernels (bottleneck's idea):
    NaN/inf placements, all-NaN, zero-size, strided, transposed, byte-swapped,
    ties and a 1e9 offset. 1-D and 2-D, in `dtype` where it can hold them."""
    rng = np.random.default_rng(seed)
    is_float = np.issubdtype(np.dtype(dtype), np.floating)
    base = rng.standard_normal(n) * 10
    cases = {
        "random": base,
        "ties": np.round(base / 5),
        "constant": np.full(n, 3.0),
        "increasing": np.arange(n, dtype=float),
        "offset1e9": 1e9 + rng.random(n),
        "empty": np.array([]),
        "one": np.array([2.5]),
    }
    if is_float:
        with_nan = base.copy()
        with_nan[[1, 5, 6, 20]] = np.nan
        with_inf = base.copy()
        with_inf[[3, 17]] = [np.inf, -np.inf]
        cases |= {
            "nan": with_nan,
            "allnan": np.full(n, np.nan),
            "inf": with_inf,
            "leading_nan": np.r_[np.full(5, np.nan), base[5:]],
        }
    for name, arr in cases.items():
        a = np.asarray(arr).astype(dtype) if is_float else np.round(arr).astype(dtype)
        yield name, a
        if a.size > 2:
            yield name + "_strided", np.repeat(a, 2)[::2]
            yield name + "_byteswapped", a.astype(a.dtype.newbyteorder())
    m = (rng.standard_normal((6, 9)) * 10).astype(dtype)
    yield "2d", m
    yield "2d_transposed", m.T
    yield "2d_fortran", np.asfortranarray(m)


@pytest.fixture(params=[np.float64, np.float32], ids=["float64", "float32"])
def float_dtype(request):
    return request.param
