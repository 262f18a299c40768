"""The ema family (ema, ema_var, ema_std, ema_cov, ema_corr) against pandas'
ewm and against plain-Python references of its recursions."""

from __future__ import annotations

import datetime
import itertools
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import fastcpp
from conftest import nasty_arrays
from reference_ema import ewm_cov_ref, ewm_mean_ref
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


# --- every pandas option -----------------------------------------------------
# alpha = 0.5 (and halflife = 1, com = 1, span = 3) is avoided against pandas:
# pandas 3.0-3.1.1 deviates there with adjust=False (test_documented_deviations).
DECAYS = [
    {"alpha": 0.3},
    {"alpha": 1.0},
    {"span": 7.5},
    {"span": 1.0},
    {"halflife": 2.5},
    {"com": 0.0},
    {"com": 4.0},
]


def _series_with_gaps(seed=0, n=60):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(n) * 3 + 10
    a[rng.random(n) < 0.25] = NAN
    a[:3] = NAN
    a[20:27] = NAN
    a[30:34] = 4.0  # constant run: pandas' exactness guard
    return a


@pytest.mark.parametrize("decay", DECAYS, ids=lambda d: "-".join(map(str, *d.items())))
def test_mean_every_option_against_pandas(decay):
    a = _series_with_gaps()
    for adjust, ignore_na, minp in itertools.product(
        (False, True), (False, True), (0, 1, 4)
    ):
        kw = dict(adjust=adjust, ignore_na=ignore_na, min_periods=minp)
        want = pd.Series(a).ewm(**decay, **kw).mean().to_numpy()
        got = fastcpp.ema(a, **decay, **kw)
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=0, err_msg=str(kw))


@pytest.mark.parametrize("stat", ["var", "std", "cov", "corr"])
@pytest.mark.parametrize("decay", DECAYS, ids=lambda d: "-".join(map(str, *d.items())))
def test_moments_every_option_against_pandas(stat, decay):
    a = _series_with_gaps(1)
    b = _series_with_gaps(2) * -0.5 + 0.3 * np.nan_to_num(a)
    for adjust, ignore_na, minp in itertools.product(
        (False, True), (False, True), (0, 1, 4)
    ):
        kw = dict(adjust=adjust, ignore_na=ignore_na, min_periods=minp)
        biases = [None] if stat == "corr" else [False, True]
        for bias in biases:
            extra = {} if bias is None else {"bias": bias}
            ewm = pd.Series(a).ewm(**decay, **kw)
            if stat in ("cov", "corr"):
                want = getattr(ewm, stat)(pd.Series(b), **extra).to_numpy()
                got = getattr(fastcpp, "ema_" + stat)(a, b, **decay, **kw, **extra)
            else:
                want = getattr(ewm, stat)(**extra).to_numpy()
                got = getattr(fastcpp, "ema_" + stat)(a, **decay, **kw, **extra)
            np.testing.assert_allclose(
                got, want, rtol=1e-9, atol=1e-12, err_msg=f"{kw} {extra}"
            )


@pytest.mark.parametrize("alpha", [0.3, 0.05])
def test_long_series_var_std_against_pandas(alpha):
    # Long runs reach the weights' fixed point (the kernel's steady loop);
    # NaN gaps, min_periods and ignore_na leave and re-enter it.
    rng = np.random.default_rng(11)
    a = rng.standard_normal(3000) + 5
    a[rng.random(a.size) < 0.01] = NAN
    a[1500:1520] = NAN
    a[2000:2100] = 2.0
    for adjust, ignore_na, minp, bias in itertools.product(
        (False, True), (False, True), (0, 700), (False, True)
    ):
        kw = dict(adjust=adjust, ignore_na=ignore_na, min_periods=minp)
        ewm = pd.Series(a).ewm(alpha=alpha, **kw)
        for stat in ("var", "std"):
            want = getattr(ewm, stat)(bias=bias).to_numpy()
            got = getattr(fastcpp, "ema_" + stat)(a, alpha, bias=bias, **kw)
            np.testing.assert_allclose(
                got, want, rtol=1e-9, atol=1e-13, err_msg=f"{stat} {kw} {bias}"
            )
    b = a[::-1].copy()
    b[100:103] = NAN  # a gap in b only: the pair is missing there
    for adjust, bias in itertools.product((False, True), (False, True)):
        want = (
            pd.Series(a)
            .ewm(alpha=alpha, adjust=adjust, min_periods=3)
            .cov(pd.Series(b), bias=bias)
            .to_numpy()
        )
        got = fastcpp.ema_cov(a, b, alpha, adjust=adjust, min_periods=3, bias=bias)
        np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-9)
    want = pd.Series(a).ewm(alpha=alpha).corr(pd.Series(b)).to_numpy()
    np.testing.assert_allclose(
        fastcpp.ema_corr(a, b, alpha, adjust=True), want, rtol=1e-9, atol=1e-8
    )


def test_moments_against_reference_on_nasty_arrays():
    for case, a in nasty_arrays(np.float64):
        if a.ndim != 1:
            continue
        b = np.roll(a, 3)
        # the recursion on values relative to the first one: the variance
        # does not depend on a shift, its rounding does (1e9 offset)
        obs = np.flatnonzero(~np.isnan(a) & ~np.isnan(b))
        sa = a - a[obs[0]] if obs.size and np.isfinite(a[obs[0]]) else a
        sb = b - b[obs[0]] if obs.size and np.isfinite(b[obs[0]]) else b
        for alpha, adjust in itertools.product((0.1, 0.5, 1.0), (False, True)):
            first = np.flatnonzero(~np.isnan(a))
            want = ewm_cov_ref(
                *(
                    2
                    * [
                        a - a[first[0]]
                        if first.size and np.isfinite(a[first[0]])
                        else a
                    ]
                ),
                alpha,
                adjust,
            )
            with np.errstate(invalid="ignore"):
                np.testing.assert_allclose(
                    fastcpp.ema_var(a, alpha, adjust=adjust),
                    want,
                    rtol=1e-9,
                    atol=1e-12,
                    err_msg=case,
                )
                want_cov = ewm_cov_ref(sa, sb, alpha, adjust, bias=True)
                np.testing.assert_allclose(
                    fastcpp.ema_cov(a, b, alpha, adjust=adjust, bias=True),
                    want_cov,
                    rtol=1e-9,
                    atol=1e-12,
                    err_msg=case,
                )


def test_std_is_sqrt_var_and_corr_bounded():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((4, 300))
    b = a + rng.standard_normal((4, 300))
    np.testing.assert_array_equal(
        fastcpp.ema_std(a, span=10), np.sqrt(fastcpp.ema_var(a, span=10))
    )
    c = fastcpp.ema_corr(a, b, span=10)
    assert np.all(np.abs(c[:, 1:]) <= 1 + 1e-12)
    assert np.isnan(c[:, 0]).all()
    # corr of a series with itself is 1 (up to rounding) once it varies
    np.testing.assert_allclose(fastcpp.ema_corr(a, a, span=10)[:, 1:], 1, rtol=1e-12)


def _irregular_times(n, seed=0):
    rng = np.random.default_rng(seed)
    steps = rng.integers(0, 5, n)  # zero steps included (equal times)
    steps[0] = 0
    return np.datetime64("2024-01-01", "ns") + np.cumsum(steps) * np.timedelta64(7, "h")


@pytest.mark.parametrize("ignore_na", [False, True])
@pytest.mark.parametrize(
    "halflife",
    [np.timedelta64(1, "D"), datetime.timedelta(hours=30), np.timedelta64(90, "m")],
    ids=str,
)
def test_times_against_pandas(halflife, ignore_na):
    a = _series_with_gaps(4)
    t = _irregular_times(a.size)
    for minp in (0, 3):
        kw = dict(adjust=True, ignore_na=ignore_na, min_periods=minp)
        want = pd.Series(a).ewm(halflife=halflife, times=t, **kw).mean().to_numpy()
        got = fastcpp.ema(a, halflife=halflife, times=t, **kw)
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=0, err_msg=str(kw))


@pytest.mark.parametrize("adjust", [False, True])
def test_times_float_and_datetime_agree_with_reference(adjust):
    a = _series_with_gaps(5)
    t = _irregular_times(a.size, 1)
    hours = (t - t[0]) / np.timedelta64(1, "h")
    for ignore_na in (False, True):
        kw = dict(adjust=adjust, ignore_na=ignore_na)
        got = fastcpp.ema(a, halflife=np.timedelta64(20, "h"), times=t, **kw)
        want = ewm_mean_ref(a, None, times=t, halflife=np.timedelta64(20, "h"), **kw)
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=0)
        np.testing.assert_allclose(
            fastcpp.ema(a, halflife=20.0, times=hours, **kw), want, rtol=1e-12
        )
    # evenly spaced times with halflife h are the halflife=h ema
    even = np.arange(a.size, dtype=np.float64) * 2
    np.testing.assert_allclose(
        fastcpp.ema(a, halflife=5.0, times=even, adjust=adjust),
        ewm_mean_ref(a, None, adjust, times=even, halflife=5.0),
        rtol=1e-13,
    )
    # times apply to every row along the axis
    rows = np.stack([a, a[::-1]], axis=1)
    got = fastcpp.ema(rows, halflife=20.0, times=hours, adjust=adjust, axis=0)
    np.testing.assert_allclose(
        got[:, 1],
        ewm_mean_ref(a[::-1], None, adjust, times=hours, halflife=20.0),
        rtol=1e-12,
    )


STATS = ["ema", "ema_var", "ema_std", "ema_cov", "ema_corr"]


def _call(name, a, *args, **kw):
    f = getattr(fastcpp, name)
    if name in ("ema_cov", "ema_corr"):
        b = np.sin(np.asarray(a, dtype=np.float64) * 3.0).astype(a.dtype)
        return f(a, b, *args, **kw)
    return f(a, *args, **kw)


@pytest.mark.parametrize("name", STATS)
def test_dtypes(name):
    rng = np.random.default_rng(6)
    base = rng.standard_normal(40) * 4
    base[[2, 9, 10]] = NAN
    for dtype, want_dtype in [
        (np.float64, np.float64),
        (np.float32, np.float32),
        (np.float16, np.float16),
        (np.int32, np.float64),
        (np.uint8, np.float64),
        (np.bool_, np.float64),
    ]:
        a = (
            base.astype(dtype)
            if dtype in (np.float64, np.float32, np.float16)
            else (np.nan_to_num(np.abs(base)).astype(dtype))
        )
        got = _call(name, a, span=5, adjust=True)
        assert got.dtype == want_dtype, (name, dtype)
        f = getattr(fastcpp, name)
        args = [a.astype(np.float64)]
        if name in ("ema_cov", "ema_corr"):  # b as _call makes it, in a's dtype
            args.append(np.sin(args[0] * 3.0).astype(a.dtype).astype(np.float64))
        want = f(*args, span=5, adjust=True).astype(want_dtype)
        rtol = {np.float64: 1e-15, np.float32: 1e-6, np.float16: 1e-3}[want_dtype]
        np.testing.assert_allclose(got, want, rtol=rtol, atol=0, equal_nan=True)


@pytest.mark.parametrize("name", STATS)
def test_axis_and_out(name):
    rng = np.random.default_rng(7)
    a = rng.standard_normal((3, 5, 30))
    a[rng.random(a.shape) < 0.1] = NAN
    for axis in (0, 1, -1):
        got = _call(name, a, 0.2, axis=axis, min_periods=2)
        moved = np.moveaxis(a, axis, -1)
        want = _call(name, moved, 0.2, min_periods=2)
        np.testing.assert_array_equal(got, np.moveaxis(want, -1, axis))
        out = np.full(a.shape, 7.0)
        res = _call(name, a, 0.2, axis=axis, min_periods=2, out=out)
        assert res is out
        np.testing.assert_array_equal(out, got)
    with pytest.raises(TypeError, match="out"):
        _call(name, a, 0.2, out=np.zeros(a.shape, np.float32))
    with pytest.raises(ValueError, match="out"):
        _call(name, a, 0.2, out=np.zeros((3, 5, 29)))
    # a rejected call leaves out untouched
    out = np.full(a.shape, 7.0)
    with pytest.raises(ValueError, match="alpha"):
        _call(name, a, 1.5, out=out)
    assert (out == 7.0).all()
    # in place
    b = a.copy()
    want = _call(name, a, 0.2)
    if name in ("ema_cov", "ema_corr"):
        np.testing.assert_array_equal(fastcpp.ema_cov(b, a, 0.2, out=b) is b, True)
    else:
        np.testing.assert_array_equal(_call(name, b, 0.2, out=b), want)


@pytest.mark.parametrize("name", STATS)
@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({}, "one of alpha, span, halflife or com is required"),
        ({"alpha": 0.5, "span": 3}, "mutually exclusive"),
        ({"alpha": 0.0}, r"alpha \(=0\) must be in \(0, 1\]"),
        ({"alpha": NAN}, r"alpha \(=nan\)"),
        ({"span": 0.5}, r"span \(=0.5\) must be >= 1"),
        ({"span": INF}, r"span \(=inf\)"),
        ({"halflife": 0.0}, r"halflife \(=0\) must be > 0"),
        ({"halflife": -1.0}, r"halflife \(=-1\)"),
        ({"com": -0.5}, r"com \(=-0.5\) must be >= 0"),
        ({"com": NAN}, r"com \(=nan\)"),
        ({"alpha": 0.5, "min_periods": -1}, r"min_periods \(=-1\) must be >= 0"),
    ],
)
def test_bad_parameters(name, kw, match):
    with pytest.raises(ValueError, match=match):
        _call(name, np.ones(4), **kw)


def test_bad_times():
    a = np.ones(4)
    t = np.array(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-05"], "M8[ns]")
    d = np.timedelta64(1, "D")
    with pytest.raises(ValueError, match="times requires halflife"):
        fastcpp.ema(a, 0.5, times=t)
    with pytest.raises(ValueError, match="mutually exclusive"):
        fastcpp.ema(a, 0.5, halflife=d, times=t)
    with pytest.raises(ValueError, match="times has length 3"):
        fastcpp.ema(a, halflife=d, times=t[:3])
    with pytest.raises(ValueError, match="non-decreasing"):
        fastcpp.ema(a, halflife=d, times=t[::-1])
    with pytest.raises(ValueError, match="NaT"):
        fastcpp.ema(
            a, halflife=d, times=np.where([1, 0, 1, 1], t, np.datetime64("NaT"))
        )
    with pytest.raises(ValueError, match="finite"):
        fastcpp.ema(a, halflife=1.0, times=[0.0, 1.0, NAN, 3.0])
    with pytest.raises(ValueError, match="1-D"):
        fastcpp.ema(a, halflife=d, times=t.reshape(2, 2))
    with pytest.raises(TypeError, match="halflife must be a timedelta"):
        fastcpp.ema(a, halflife=1.0, times=t)
    with pytest.raises(TypeError, match="halflife must be a real number"):
        fastcpp.ema(a, halflife=d, times=[0.0, 1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="only together with times"):
        fastcpp.ema(a, halflife=d)
    with pytest.raises(ValueError, match=r"halflife \(=0\)"):
        fastcpp.ema(a, halflife=np.timedelta64(0, "D"), times=t)
    with pytest.raises(TypeError, match="times must be datetime64 or real numbers"):
        fastcpp.ema(a, halflife=d, times=np.array(["a", "b", "c", "d"]))
    with pytest.raises(TypeError):
        fastcpp.ema_var(a, halflife=1.0, times=[0.0, 1.0, 2.0, 3.0])  # mean only


def test_bad_pairs_and_types():
    with pytest.raises(ValueError, match="same shape"):
        fastcpp.ema_cov(np.ones(4), np.ones(5), 0.5)
    with pytest.raises(TypeError, match="ema_corr: b has unsupported dtype"):
        fastcpp.ema_corr(np.ones(3), np.ones(3, complex), 0.5)
    with pytest.raises(TypeError, match="adjust"):
        fastcpp.ema(np.ones(3), 0.5, adjust="yes")
    with pytest.raises(TypeError, match="ignore_na"):
        fastcpp.ema_std(np.ones(3), 0.5, ignore_na=1.5)
    with pytest.raises(TypeError, match="min_periods"):
        fastcpp.ema_var(np.ones(3), 0.5, min_periods=1.5)
    with pytest.raises(TypeError, match="span"):
        fastcpp.ema(np.ones(3), span="3")
    assert fastcpp.ema_corr(np.array([]), np.array([]), 0.5).shape == (0,)
    assert fastcpp.ema_std(np.zeros((0, 3)), 0.5).shape == (0, 3)


def test_float32_pair_result_dtype():
    a32 = np.arange(10, dtype=np.float32)
    assert fastcpp.ema_cov(a32, a32, 0.3).dtype == np.float32
    assert fastcpp.ema_cov(a32, a32.astype(np.float64), 0.3).dtype == np.float64


# --- fastcpp.dask ---------------------------------------------------------------
@pytest.mark.parametrize("name", STATS)
def test_dask_every_member_and_option(name):
    da = pytest.importorskip("dask.array")
    fd = pytest.importorskip("fastcpp.dask")
    rng = np.random.default_rng(8)
    a = rng.standard_normal((3, 90))
    a[rng.random(a.shape) < 0.2] = NAN
    x = da.from_array(a, chunks=(2, 25))
    for kw in (
        {"span": 4.0},
        {"com": 2.0, "adjust": True, "ignore_na": True},
        {"alpha": 0.3, "min_periods": 5},
    ):
        got = _call_dask(fd, name, x, **kw).compute()
        want = _call(name, a, **kw)
        np.testing.assert_allclose(
            got, want, rtol=1e-12, equal_nan=True, err_msg=str(kw)
        )
    with pytest.raises(ValueError, match="span"):
        _call_dask(fd, name, x, span=0.5)


def _call_dask(fd, name, x, **kw):
    f = getattr(fd, name)
    if name in ("ema_cov", "ema_corr"):
        import dask.array as da

        return f(x, da.sin(x * 3.0), **kw)
    return f(x, **kw)


def test_dask_times():
    da = pytest.importorskip("dask.array")
    fd = pytest.importorskip("fastcpp.dask")
    a = _series_with_gaps(9)
    t = _irregular_times(a.size, 2)
    x = da.from_array(a, chunks=13)
    h = np.timedelta64(20, "h")
    got = fd.ema(x, halflife=h, times=t, adjust=True).compute()
    np.testing.assert_array_equal(got, fastcpp.ema(a, halflife=h, times=t, adjust=True))
    with pytest.raises(ValueError, match="times has length"):
        fd.ema(x, halflife=h, times=t[:-1])


@pytest.mark.parametrize("alpha", [0.1, 0.5, 0.9, 1 / 3])
def test_adjust_false_short_series_match_pandas(alpha):
    """adjust=False on every short length, NaN and inf at every offset,
    constant runs (pandas keeps them exact)."""
    rng = np.random.default_rng(7)
    for n in range(1, 23):
        for pattern in range(6):
            a = rng.standard_normal(n) * 3 + 10
            if pattern == 1:
                a[rng.random(n) < 0.3] = NAN
            elif pattern == 2:
                a[n // 2 :] = a[n // 2]  # a constant run inside a block
            elif pattern == 3 and n > 2:
                a[n // 3] = INF
            elif pattern == 4:
                a[::3] = NAN
            elif pattern == 5:
                a[:] = 4.25  # constant: pandas keeps it exact
            got = fastcpp.ema(a, alpha, adjust=False)
            want = ema_ref(a, alpha)
            np.testing.assert_allclose(got, want, rtol=1e-13, err_msg=f"{n} {pattern}")
            # pandas reads inf as NaN, and its α = 0.5 quirk after a NaN:
            # both documented deviations
            if pattern != 3 and alpha != 0.5:
                pd_want = pd.Series(a).ewm(alpha=alpha, adjust=False).mean().to_numpy()
                np.testing.assert_allclose(
                    got, pd_want, rtol=1e-13, err_msg=f"{n} {pattern}"
                )
                want = pd_want
            if pattern == 5:
                np.testing.assert_array_equal(got, want)
    tail = np.r_[1.0, np.full(40, 2.0)]
    got = fastcpp.ema(tail, alpha, adjust=False)
    want = pd.Series(tail).ewm(alpha=alpha, adjust=False).mean().to_numpy()
    np.testing.assert_allclose(got, want, rtol=1e-15)


def _blocked_cases(n=2000, seed=11):
    """Rows that cross the adjust=False kernel's blocks of 8 (ema.cpp) in
    every way: plain, NaN runs, constant runs, inf, huge values."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(n) * 3 + 10
    yield "plain", a.copy()
    b = a.copy()
    b[rng.random(n) < 0.05] = NAN
    b[n // 20 : n // 20 + 17] = NAN
    b[n // 7 : n // 7 + 40] = 4.25
    b[n // 4 + 1 : n // 4 + 9] = b[n // 4]
    yield "nan-const", b
    c = a.copy()
    c[n // 3] = INF
    yield "inf", c
    d = a.copy()
    d[40:50] = 1e305
    d[59] = -1e305
    yield "huge", d


def _exact_mean(a, alpha):
    """adjust=False in extended precision (np.longdouble), NaN repeats y."""
    alpha_l = np.longdouble(alpha)
    beta_l = np.longdouble(1.0 - alpha)
    out = np.empty(len(a), dtype=np.longdouble)
    y = np.longdouble(a[0])
    for i, v in enumerate(a):
        y = beta_l * y + alpha_l * np.longdouble(v)
        out[i] = y
    return out


@pytest.mark.parametrize("alpha", [0.001, 0.1, 1 / 3, 0.5, 0.999, 1.0])
def test_adjust_false_blocked_accuracy(alpha):
    # The blocked form (x86-64-v3 and up) reorders the rounding: within a few
    # ulp of the exact recursion (no NaN: the extended-precision one above).
    # Baseline runs the point-by-point multiply-then-add loop, whose rounding
    # errors pile up over ~1/alpha points: 3.1e-15 at alpha = 0.001 here.
    a = next(_blocked_cases(4000))[1]
    got = fastcpp.ema(a, alpha)
    want = _exact_mean(a, alpha)
    err = np.max(np.abs((got - want) / want)).astype(np.float64)
    blocked = fastcpp.simd_level() in ("x86-64-v3", "x86-64-v4")
    assert err < (1.5e-15 if blocked else 5e-15), err


@pytest.mark.parametrize("alpha", [0.05, 0.5, 1.0])
def test_adjust_false_blocked_bits_do_not_depend_on_layout(alpha):
    # The same bits in place, strided, for every prefix of the row (what
    # fastcpp.dask's sequential method relies on), and float32 = the float64
    # result rounded.
    for case, a in _blocked_cases(300):
        want = fastcpp.ema(a, alpha)
        np.testing.assert_allclose(want, ema_ref(a, alpha), rtol=1e-13, err_msg=case)
        inplace = a.copy()
        fastcpp.ema(inplace, alpha, out=inplace)
        np.testing.assert_array_equal(inplace, want, err_msg=case)
        cols = np.stack([a, a[::-1]], axis=1)
        np.testing.assert_array_equal(fastcpp.ema(cols, alpha, axis=0)[:, 0], want)
        for m in (1, 7, 8, 9, 16, 101, 299):
            np.testing.assert_array_equal(fastcpp.ema(a[:m], alpha), want[:m])
        if case == "huge":  # beyond float32
            continue
        got32 = fastcpp.ema(a.astype(np.float32), alpha)
        want32 = fastcpp.ema(a.astype(np.float32).astype(np.float64), alpha)
        np.testing.assert_array_equal(got32, want32.astype(np.float32), err_msg=case)


def _hex_floats_at_levels(code, levels):
    """Runs `code` (printing float64 bytes as hex) in a child per FASTCPP_SIMD level."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FASTCPP_")}
    outs = {}
    for level in levels:
        r = subprocess.run(
            [sys.executable, "-c", code],
            env={**env, "FASTCPP_SIMD": level},
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        outs[level] = np.frombuffer(bytes.fromhex(r.stdout.strip()))
    return outs


def test_adjust_false_same_bits_at_v3_and_v4():
    # FMA levels run the same blocked operations (ema.cpp); baseline
    # multiplies then adds: equal to rounding.
    code = (
        "import numpy as np, fastcpp;"
        "a = np.random.default_rng(3).standard_normal(1000);"
        "a[::37] = np.nan;"
        "print(fastcpp.ema(a, 0.1).tobytes().hex())"
    )
    levels = ["x86-64-v3", "x86-64-v4", "baseline"]
    outs = _hex_floats_at_levels(code, levels)
    if fastcpp._core._build_info()["cpu_simd_level"] == "x86-64-v4":
        np.testing.assert_array_equal(outs["x86-64-v3"], outs["x86-64-v4"])
    np.testing.assert_allclose(
        outs["baseline"], outs["x86-64-v3"], rtol=1e-13, atol=1e-15, equal_nan=True
    )


def test_point_by_point_members_same_bits_at_every_level():
    # Outside the blocked adjust=False runs every step is a separate multiply
    # and add (ema.cpp is compiled with -ffp-contract=off): adjust=True, NaN
    # gaps, times, ignore_na and the var/cov/corr recursions before their
    # weights settle (150 points at alpha 0.1) give baseline's bits at v3/v4.
    code = (
        "import numpy as np, fastcpp;"
        "r = np.random.default_rng(5);"
        "a = r.standard_normal(150); b = r.standard_normal(150);"
        "a[::13] = np.nan; b[5::17] = np.nan;"
        "t = np.cumsum(r.integers(1, 4, 150)).astype('datetime64[s]');"
        "outs = [fastcpp.ema(a, 0.1, adjust=True),"
        " fastcpp.ema(a, 0.1, adjust=True, ignore_na=True),"
        " fastcpp.ema(a, halflife=np.timedelta64(3, 's'), times=t),"
        " fastcpp.ema_var(a, 0.1), fastcpp.ema_std(a, 0.1, bias=True),"
        " fastcpp.ema_cov(a, b, 0.1), fastcpp.ema_corr(a, b, 0.1)];"
        "print(np.concatenate(outs).tobytes().hex())"
    )
    outs = _hex_floats_at_levels(code, ["baseline", "x86-64-v3", "x86-64-v4"])
    np.testing.assert_array_equal(outs["x86-64-v3"], outs["baseline"])
    np.testing.assert_array_equal(outs["x86-64-v4"], outs["baseline"])


@pytest.mark.parametrize("alpha", [0.001, 0.1, 0.5, 0.999])
def test_var_std_blocked_steady_runs(alpha):
    # Long runs at the steady weights take blocks of 8 at x86-64-v3+
    # (steady_blocks in ema.cpp); NaN, constant runs (variance exactly 0
    # where pandas keeps the mean) and huge values run point by point.
    for case, a in _blocked_cases(1500):
        want = np.asarray(ewm_cov_ref(a, a, alpha))
        got = fastcpp.ema_var(a, alpha)
        scale = np.nanmax(np.abs(want[np.isfinite(want)]))
        np.testing.assert_allclose(
            got, want, rtol=1e-9, atol=1e-14 * scale, equal_nan=True, err_msg=case
        )
        std = fastcpp.ema_std(a, alpha)
        np.testing.assert_allclose(std, np.sqrt(got), rtol=1e-15, equal_nan=True)
        cols = np.stack([a, a], axis=1)
        np.testing.assert_array_equal(fastcpp.ema_std(cols, alpha, axis=0)[:, 1], std)
    const = np.full(200, 3.5)
    assert (fastcpp.ema_var(const, alpha)[1:] == 0).all()


def test_adjusted_carry_pieces_equal_the_whole_call():
    # The private entry fastcpp.dask's sequential chain uses: rows resumed
    # from (mean, weight) give the one call's bits; bad shapes are errors.
    from fastcpp import _core

    rng = np.random.default_rng(31)
    a = rng.standard_normal((3, 400))
    a[0, :90] = np.nan
    a[1, 100:300] = np.nan
    a[2, 17] = np.inf
    for alpha in (0.02, 0.5, 1.0):
        mean = weight = np.full(3, np.nan)
        parts = []
        for lo, hi in ((0, 1), (1, 1), (1, 95), (95, 400)):
            y, mean, weight = _core._ema_adjusted_from(a[:, lo:hi], alpha, mean, weight)
            parts.append(y)
        np.testing.assert_array_equal(
            np.concatenate(parts, axis=1), fastcpp.ema(a, alpha, adjust=True)
        )
    with pytest.raises(ValueError, match="x must be 2-D"):
        _core._ema_adjusted_from(a[0], 0.5, mean, weight)
    with pytest.raises(ValueError, match="weight must be 1-D of length 3"):
        _core._ema_adjusted_from(a, 0.5, mean, weight[:2])
    with pytest.raises(ValueError, match=r"alpha \(=0\) must be in \(0, 1\]"):
        _core._ema_adjusted_from(a, 0.0, mean, weight)
    with pytest.raises(ValueError, match=r"carry\.weight"):
        _core._ema_adjusted_from(a, 0.5, mean, -weight)
