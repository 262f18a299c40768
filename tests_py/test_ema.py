"""ema against the pandas ewm recursion (own loop reference) and pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import fastcpp
from conftest import nasty_arrays
from reference_rolling import ema_ref

NAN, INF = np.nan, np.inf


def test_api_example():
    got = fastcpp.ema([NAN, 2, NAN, NAN, 8, 4], 0.3)
    np.testing.assert_allclose(got, [NAN, 2, 2, 2, 4.799378, 4.559565], rtol=1e-6)


@pytest.mark.parametrize("adjust", [False, True])
@pytest.mark.parametrize("alpha", [0.05, 0.3, 0.5, 0.9, 1.0])
def test_against_recursion(alpha, adjust):
    for dtype in (np.float64, np.float32, np.int16, np.bool_):
        for case, a in nasty_arrays(dtype):
            if a.ndim != 1:
                continue
            got = fastcpp.ema(a, alpha, adjust=adjust)
            want = ema_ref(a, alpha, adjust).astype(
                np.float32
                if a.dtype.kind == "f" and a.dtype.itemsize == 4
                else np.float64
            )
            assert got.dtype == want.dtype, case
            rtol = 1e-5 if got.dtype == np.float32 else 1e-12
            np.testing.assert_allclose(
                got, want, rtol=rtol, atol=0, equal_nan=True, err_msg=case
            )


@pytest.mark.parametrize("adjust", [False, True])
@pytest.mark.parametrize("alpha", [0.1, 0.3, 0.77])
def test_against_pandas(alpha, adjust):
    rng = np.random.default_rng(0)
    a = rng.standard_normal(2000) * 5 + 100
    a[rng.random(a.size) < 0.2] = NAN
    a[:7] = NAN
    want = (
        pd.Series(a)
        .ewm(alpha=alpha, adjust=adjust, ignore_na=False, min_periods=0)
        .mean()
    )
    np.testing.assert_allclose(fastcpp.ema(a, alpha, adjust=adjust), want, rtol=1e-12)


def test_inf_and_axis():
    np.testing.assert_array_equal(fastcpp.ema([1.0, INF, 2.0], 0.5), [1, INF, INF])
    np.testing.assert_array_equal(
        fastcpp.ema([1.0, INF, -INF, 2.0], 0.5), [1, INF, NAN, NAN]
    )
    rng = np.random.default_rng(1)
    a = rng.standard_normal((3, 4, 50))
    a[rng.random(a.shape) < 0.1] = NAN
    for axis in (0, 1, 2, -1):
        got = fastcpp.ema(a, 0.2, axis=axis)
        want = np.apply_along_axis(ema_ref, axis, a, 0.2)
        np.testing.assert_allclose(got, want, rtol=1e-12, equal_nan=True)
    a32 = a.astype(np.float32)
    assert fastcpp.ema(a32, 0.2, axis=0).dtype == np.float32
    # many rows, all threads: equal to one thread
    big = rng.standard_normal((64, 5000))
    old = fastcpp.get_num_threads()
    try:
        fastcpp.set_num_threads(1)
        one = fastcpp.ema(big, 0.1)
        fastcpp.set_num_threads(4)
        np.testing.assert_array_equal(fastcpp.ema(big, 0.1), one)
    finally:
        fastcpp.set_num_threads(old)


@pytest.mark.parametrize("alpha", [0.0, -0.1, 1.5, NAN, INF, -INF])
def test_bad_alpha(alpha):
    with pytest.raises(ValueError, match=r"alpha \(="):
        fastcpp.ema([1.0, 2.0], alpha)


def test_bad_input():
    with pytest.raises(ValueError, match="0-d"):
        fastcpp.ema(1.0, 0.5)
    with pytest.raises(TypeError, match="ema"):
        fastcpp.ema(np.ones(3, complex), 0.5)
    with pytest.raises(np.exceptions.AxisError):
        fastcpp.ema(np.ones(3), 0.5, axis=2)
    with pytest.raises(TypeError):
        fastcpp.ema(np.ones(3), 0.5, -1)  # axis is keyword-only
    assert fastcpp.ema(np.array([]), 0.5).shape == (0,)
    assert fastcpp.ema(np.zeros((0, 3)), 0.5).shape == (0, 3)
