"""move_* family, rolling_sum_squares and rolling_mean_std against slow
references (reference_rolling.py) and bottleneck where it is the contract."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import bottleneck as bn
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fastcpp
from api_spec import MOVE_NAMES
from conftest import nasty_arrays
from reference_rolling import (
    move_ref,
    result_dtype,
    rolling_mean_std_ref,
    rolling_sum_squares_ref,
)

# The family's members, from the core's table ("move_sum" -> "sum").
# One-input members (the generic tests); move_cov/move_corr have their own.
NAMES = [
    row[0].removeprefix("move_") for row in fastcpp._core._move_family if row[1] == 1
]
INF, NAN = np.inf, np.nan


def test_family_table_is_the_one_list():
    """The core's move_* table = fastcpp.__all__'s move members = the stub
    (names and parameters) = fastcpp.dask's exports = the test registry, and
    every member has a reference function."""
    table = [row[0] for row in fastcpp._core._move_family]
    assert len(set(table)) == len(table) >= 10
    assert sorted(table) == sorted(n for n in fastcpp.__all__ if n.startswith("move_"))
    stub = ast.parse((Path(fastcpp.__file__).parent / "_core.pyi").read_text())
    stubbed = {
        f.name: [a.arg for a in (*f.args.args, *f.args.kwonlyargs)]
        for f in stub.body
        if isinstance(f, ast.FunctionDef) and f.name.startswith("move_")
    }
    assert sorted(stubbed) == sorted(table)
    for name in table:
        params = list(inspect.signature(getattr(fastcpp, name)).parameters)
        assert stubbed[name] == params, name
    assert list(MOVE_NAMES) == table
    x = np.arange(6.0)
    for name in table:
        if name in ("move_cov", "move_corr"):
            _pair_ref(name.removeprefix("move_"), x, x, 3, None)
        else:
            move_ref(name.removeprefix("move_"), x, 3, q=Q)  # ValueError if missing
    dask = pytest.importorskip("fastcpp.dask")
    assert sorted(n for n in dask.__all__ if n.startswith("move_")) == sorted(table)
    for name in table:
        assert inspect.signature(getattr(dask, name)) == inspect.signature(
            getattr(fastcpp, name)
        )


Q = 0.3  # the generic tests' move_quantile q


def call(name, a, window, min_count=None, axis=-1, ddof=0):
    f = getattr(fastcpp, "move_" + name)
    if name in ("var", "std"):
        return f(a, window, min_count, axis=axis, ddof=ddof)
    if name == "quantile":
        return f(a, window, Q, min_count, axis=axis)
    return f(a, window, min_count, axis=axis)


def assert_matches(got, want, data, window, name):
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape
    x = np.asarray(data, dtype=np.float64)
    finite = x[np.isfinite(x)]
    scale = float(np.max(np.abs(finite))) if finite.size else 1.0
    if want.dtype == np.float32:
        rtol, atol = 2e-6, 1e-6 * max(scale, 1.0) * (scale if name == "var" else 1.0)
    else:
        rtol, atol = (
            1e-9,
            1e-12 * max(scale, 1.0) * window * (scale if name == "var" else 1),
        )
    if name.split()[0] in ("skew", "kurt"):  # dimensionless: 0 carries rounding
        rtol, atol = (1e-4, 1e-4) if want.dtype == np.float32 else (1e-8, 1e-9)
    np.testing.assert_allclose(
        got, want, rtol=rtol, atol=atol, equal_nan=True, err_msg=name
    )


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.bool_])
def test_against_reference_nasty(name, dtype):
    for case, a in nasty_arrays(dtype):
        if a.ndim != 1 or a.size == 0:
            continue
        n = a.size
        for window in sorted({1, 2, 3, 7, n}):
            if window > n:
                continue
            counts = range(1, window + 1) if window <= 7 else [1, window // 2, window]
            for mc in [None, *counts]:
                got = call(name, a, window, mc)
                want = move_ref(name, a, window, mc)
                assert_matches(
                    got, want, a, window, f"{name} {case} w={window} mc={mc}"
                )


@pytest.mark.parametrize("name", NAMES)
def test_nd_axes(name):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((4, 5, 9))
    a[rng.random(a.shape) < 0.15] = NAN
    a[0, 1, 2] = INF
    for axis in (0, 1, 2, -1, -2):
        for window in (1, 2, a.shape[axis]):
            got = call(name, a, window, 1, axis=axis)
            want = move_ref(name, a, window, 1, axis=axis)
            assert_matches(got, want, a, window, f"{name} axis={axis} w={window}")
    for case, m in nasty_arrays(np.float32):
        if m.ndim == 2:
            for axis in (0, 1):
                got = call(name, m, 3, 2, axis=axis)
                want = move_ref(name, m, 3, 2, axis=axis)
                assert got.dtype == np.float32
                assert_matches(got, want, m, 3, f"{name} {case} axis={axis}")


@pytest.mark.parametrize("name", NAMES)
def test_matches_bottleneck_on_finite_data(name):
    if not hasattr(bn, "move_" + name):
        pytest.skip("not in bottleneck: see its own oracle tests")
    rng = np.random.default_rng(2)
    a = np.round(rng.standard_normal(300) * 4)  # ties
    a[rng.random(300) < 0.2] = NAN
    for window in (1, 4, 30, 300):
        for mc in (None, 1, window):
            got = call(name, a, window, mc)
            want = getattr(bn, "move_" + name)(a, window, mc)
            if name in ("var", "std"):
                # bottleneck: count - ddof <= 0 is not NaN there; and w=1 junk
                np.testing.assert_allclose(got, want, atol=1e-6, equal_nan=True)
            else:
                np.testing.assert_allclose(
                    got, want, rtol=1e-12, atol=1e-12, equal_nan=True
                )


@pytest.mark.parametrize("name", NAMES)
def test_int_and_bool_give_float64(name):
    a = np.array([3, 1, 4, 1, 5, 9, 2, 6])
    got = call(name, a, 3)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, call(name, a.astype(float), 3), equal_nan=True)
    assert call(name, a.astype(bool), 3).dtype == np.float64
    assert call(name, a.astype(np.float32), 3).dtype == np.float32
    assert call(name, list(a), 3).dtype == np.float64


def test_inf_leaves_no_trace():
    a = [1, INF, 2, 3, 4, 5]
    np.testing.assert_array_equal(fastcpp.move_sum(a, 2), [NAN, INF, INF, 5, 7, 9])
    np.testing.assert_array_equal(
        fastcpp.move_mean(a, 2), [NAN, INF, INF, 2.5, 3.5, 4.5]
    )
    np.testing.assert_array_equal(
        fastcpp.move_var(a, 2), [NAN, NAN, NAN, 0.25, 0.25, 0.25]
    )
    np.testing.assert_array_equal(
        fastcpp.move_sum([1, INF, -INF, 3, 4], 2), [NAN, INF, NAN, -INF, 7]
    )
    np.testing.assert_array_equal(fastcpp.move_max(a, 2), [NAN, INF, INF, 3, 4, 5])
    np.testing.assert_array_equal(fastcpp.move_argmax(a, 2), [NAN, 0, 1, 0, 0, 0])
    np.testing.assert_array_equal(
        fastcpp.move_min([1, -INF, 2, 3], 2), [NAN, -INF, -INF, 2]
    )
    np.testing.assert_array_equal(
        fastcpp.move_median([1, INF, 2, 3], 3), [NAN, NAN, 2, 3]
    )
    np.testing.assert_array_equal(fastcpp.move_rank([1, INF, 2, 3], 2), [NAN, 1, -1, 1])
    # Bit-for-bit as if the inf had been a 0 once it has left the window.
    rng = np.random.default_rng(3)
    x = rng.standard_normal(5000)
    y = x.copy()
    x[100], y[100] = INF, 0.0
    x[2000], y[2000] = -INF, 0.0
    for name in ("sum", "mean", "var", "std"):
        fx, fy = call(name, x, 10), call(name, y, 10)
        clean = np.ones(x.size, bool)
        for p in (100, 2000):
            clean[p : p + 10] = False
        if name in ("sum", "mean"):
            np.testing.assert_array_equal(fx[clean], fy[clean], err_msg=name)
        else:  # the 0 stand-in moved the shift of the running sums: rounding only
            np.testing.assert_allclose(fx[clean], fy[clean], rtol=1e-12, err_msg=name)
        assert not np.isfinite(fx[~clean]).any()


def test_float32_keeps_float64_state():
    rng = np.random.default_rng(4)
    a = (1e6 + rng.random(100_000)).astype(np.float32)
    for name in ("var", "std", "mean", "sum"):
        got = call(name, a, 10)
        want = call(name, a.astype(np.float64), 10).astype(np.float32)
        assert got.dtype == np.float32
        np.testing.assert_allclose(got[9:], want[9:], rtol=1e-6, err_msg=name)
    v = fastcpp.move_var(a, 10)[9:]
    assert abs(float(v.mean()) - 1 / 12) < 0.01  # bottleneck's float32 gives ~3


def test_no_running_sum_drift():
    rng = np.random.default_rng(5)
    big = rng.standard_normal(2_000_000) * 1e6
    a = np.concatenate([big, np.zeros(200), big[:1000], np.zeros(100)])
    for name in ("sum", "mean", "var", "std"):
        r = call(name, a, 50)
        for lo, hi in ((2_000_050, 2_000_200), (2_001_250, 2_001_300)):
            tol = 1e-12 * (1e12 if name == "var" else 1e6)
            np.testing.assert_allclose(r[lo:hi], 0.0, atol=tol, err_msg=name)
    # Alternating +-v windows of even length cancel exactly.
    v = rng.random(1_000_000) * 1e3
    alt = np.repeat(v, 2) * np.tile([1.0, -1.0], v.size)
    assert np.abs(fastcpp.move_sum(alt, 2)[1::2]).max() <= 1e-12 * 1e3


def test_ddof():
    a = np.array([1.0, 2, 4, NAN, 7, 11])
    for ddof in (0, 1, 2, 3, 5, -1):
        got = fastcpp.move_var(a, 3, 1, ddof=ddof)
        want = move_ref("var", a, 3, 1, ddof=ddof)
        np.testing.assert_allclose(got, want, rtol=1e-12, equal_nan=True)
        np.testing.assert_allclose(
            fastcpp.move_std(a, 3, 1, ddof=ddof),
            np.sqrt(want),
            rtol=1e-12,
            equal_nan=True,
        )
    # count - ddof <= 0 is NaN (bottleneck gives inf / -0 there)
    assert np.isnan(fastcpp.move_var(np.arange(5.0), 3, ddof=3)).all()


def test_rank_and_argminmax_ties():
    np.testing.assert_array_equal(
        fastcpp.move_argmin([1.0, 1, 1, 0, 0], 3), [NAN, NAN, 0, 0, 0]
    )
    np.testing.assert_array_equal(
        fastcpp.move_argmax([1.0, 1, 1, 0, 0], 3), [NAN, NAN, 0, 1, 2]
    )
    np.testing.assert_array_equal(fastcpp.move_rank([2.0, 2, 2], 3), [NAN, NAN, 0])
    np.testing.assert_array_equal(
        fastcpp.move_rank([1.0, 2, 2, NAN, 3], 3, min_count=1), [0, 1, 0.5, NAN, 1]
    )
    np.testing.assert_array_equal(fastcpp.move_rank([1.0, NAN, 3], 1), [0, NAN, 0])


@pytest.mark.parametrize("window", [1, 64, 129, 700, 2500])
def test_order_statistics_large_windows(window):
    rng = np.random.default_rng(window)
    a = np.round(rng.standard_normal(6000) * 20)
    a[rng.random(a.size) < 0.05] = NAN
    a[rng.integers(0, a.size, 5)] = INF
    for name in ("median", "rank", "min", "argmax"):
        for mc in (1, window):
            got = call(name, a, window, mc)
            want = move_ref(name, a, window, mc) if window <= 700 else None
            if (
                want is None
            ):  # reference too big: compare with bottleneck on finite data
                b = np.where(np.isinf(a), 1e300, a)
                got = call(name, b, window, mc)
                want = getattr(bn, "move_" + name)(b, window, mc)
            np.testing.assert_allclose(
                got, want, rtol=1e-12, equal_nan=True, err_msg=name
            )


def _all(a, window, mc):
    return [call(n, a, window, mc) for n in NAMES]


@settings(max_examples=8, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    window=st.integers(1, 6000),
    nan_frac=st.sampled_from([0.0, 0.1, 0.9]),
    mc_frac=st.floats(0.0, 1.0),
)
def test_thread_count_independent(seed, window, nan_frac, mc_frac):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(70_000) * 10
    a[rng.random(a.size) < nan_frac] = NAN
    a[rng.integers(0, a.size, 3)] = INF
    mc = max(1, int(mc_frac * window))
    old = fastcpp.get_num_threads()
    try:
        fastcpp.set_num_threads(1)
        one = _all(a, window, mc)
        many = []
        for threads in (2, 3):
            fastcpp.set_num_threads(threads)
            many.append(_all(a, window, mc))
    finally:
        fastcpp.set_num_threads(old)
    for other in many:
        for n, x, y in zip(NAMES, one, other, strict=True):
            np.testing.assert_array_equal(x, y, err_msg=n)
    # strided and float32 rows take other paths: same results whatever the split
    b = np.repeat(a, 2)[::2].astype(np.float32)
    try:
        fastcpp.set_num_threads(1)
        one = fastcpp.move_std(b, window, mc)
        fastcpp.set_num_threads(3)
        np.testing.assert_array_equal(fastcpp.move_std(b, window, mc), one)
    finally:
        fastcpp.set_num_threads(old)


@pytest.mark.parametrize("name", NAMES)
def test_bad_arguments(name):
    a = np.arange(5.0)
    with pytest.raises(ValueError, match=r"window \(=0\)"):
        call(name, a, 0)
    with pytest.raises(ValueError, match=r"window \(=6\)"):
        call(name, a, 6)
    with pytest.raises(ValueError, match=r"window \(=-2\)"):
        call(name, a, -2)
    with pytest.raises(ValueError, match=r"min_count \(=0\)"):
        call(name, a, 3, 0)
    with pytest.raises(ValueError, match=r"min_count \(=4\)"):
        call(name, a, 3, 4)
    with pytest.raises(ValueError, match="0-d"):
        call(name, np.float64(1.0), 1)
    with pytest.raises(ValueError, match=r"window \(=1\)"):
        call(name, np.array([]), 1)
    with pytest.raises(np.exceptions.AxisError):
        call(name, a, 1, axis=1)
    with pytest.raises(TypeError, match="move_" + name):
        call(name, np.arange(5, dtype=complex), 1)
    assert call(name, np.zeros((0, 4)), 2).shape == (0, 4)


def test_seed_forms():
    for dtype in (np.float64, np.float32, np.int32):
        for case, a in nasty_arrays(dtype):
            if a.ndim != 1 or a.size < 3:
                continue
            for window in (1, 3, a.size):
                got = fastcpp.rolling_sum_squares(a, window)
                want = rolling_sum_squares_ref(a, window)
                assert got.dtype == want.dtype
                assert_matches(got, want, np.asarray(a, float) ** 2, window, case)
                m, s = fastcpp.rolling_mean_std(a, window)
                wm, ws = rolling_mean_std_ref(a, window)
                assert m.dtype == wm.dtype
                assert s.dtype == ws.dtype
                assert_matches(m, wm, a, window, case)
                assert_matches(s, ws, a, window, case)
    a = np.random.default_rng(6).standard_normal((3, 4, 20))
    np.testing.assert_allclose(
        fastcpp.rolling_sum_squares(a, 5), rolling_sum_squares_ref(a, 5), rtol=1e-12
    )
    m, s = fastcpp.rolling_mean_std(a, 20)
    assert m.shape == s.shape == (3, 4, 1)
    np.testing.assert_allclose(s, a.std(-1, keepdims=True), rtol=1e-12)
    # 'valid' forms are the move_* forms cut at window - 1
    b = a[0, 0]
    np.testing.assert_allclose(
        fastcpp.rolling_sum_squares(b, 4), fastcpp.move_sum(b * b, 4)[3:]
    )
    for name in ("rolling_sum_squares", "rolling_mean_std"):
        f = getattr(fastcpp, name)
        for w in (0, 21, -1):
            with pytest.raises(ValueError, match=rf"{name}: window \(={w}\)"):
                f(b, w)
        with pytest.raises(ValueError, match="0-d"):
            f(3.0, 1)
        with pytest.raises(TypeError, match=name):
            f(b.astype(complex), 1)


def test_huge_value_leaves_no_trace():
    # bottleneck keeps an error of ~5 in the sums after a 1e20 has passed
    rng = np.random.default_rng(7)
    x = rng.standard_normal(20_000)
    x[500] = 1e20
    x[rng.random(x.size) < 0.05] = NAN
    y = x.copy()
    y[500] = NAN
    for name in ("sum", "mean", "var", "std"):
        got = call(name, x, 20, 1)[600:]
        want = move_ref(name, y, 20, 1)[600:]
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12, err_msg=name)


def test_strided_rows_staged():
    rng = np.random.default_rng(8)
    a = rng.standard_normal((300, 40))
    a[rng.random(a.shape) < 0.1] = NAN
    for name in NAMES:
        got = call(name, a, 7, 2, axis=0)
        want = move_ref(name, a, 7, 2, axis=0)
        assert_matches(got, want, a, 7, name)
        rows = call(name, np.ascontiguousarray(a.T), 7, 2)
        np.testing.assert_array_equal(got, rows.T)


# --- skew / kurt ---------------------------------------------------------------


def _fraction_moments(vals, kurt: bool, bias: bool) -> float:
    """Exact g1/g2 (or G1/G2) of a window of exact binary values, rounded once."""
    from fractions import Fraction

    xs = [Fraction(v) for v in vals]
    n = len(xs)
    mu = sum(xs) / n
    m2 = sum((x - mu) ** 2 for x in xs) / n
    if kurt:
        m4 = sum((x - mu) ** 4 for x in xs) / n
        g = float(m4 / (m2 * m2)) - 3.0
        if not bias:
            g = (n - 1) * ((n + 1) * g + 6) / ((n - 2) * (n - 3))
        return g
    m3 = sum((x - mu) ** 3 for x in xs) / n
    g = float(m3 / m2) / float(m2) ** 0.5
    if not bias:
        g *= (n * (n - 1)) ** 0.5 / (n - 2)
    return g


@pytest.mark.parametrize("name", ["skew", "kurt"])
@pytest.mark.parametrize("bias", [True, False])
def test_skew_kurt_stable_on_1e9_plus_small_integers(name, bias):
    """pandas loses every digit here (its raw power sums); exact reference by
    Fractions."""
    rng = np.random.default_rng(11)
    x = 1e9 + rng.integers(0, 10, 400).astype(np.float64)
    f = getattr(fastcpp, "move_" + name)
    for window in (4, 5, 17, 60):
        got = f(x, window, bias=bias)
        for i in range(window - 1, x.size, 7):
            want = _fraction_moments(x[i - window + 1 : i + 1], name == "kurt", bias)
            assert abs(got[i] - want) <= 1e-8 * max(abs(want), 1.0), (window, i)


@pytest.mark.parametrize("name", ["skew", "kurt"])
def test_skew_kurt_against_scipy_and_pandas(name):
    pd = pytest.importorskip("pandas")
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(12)
    x = rng.standard_normal(500) * 3 + 1
    f = getattr(fastcpp, "move_" + name)
    sp = stats.skew if name == "skew" else stats.kurtosis
    for window in (2, 3, 4, 9, 50):
        win = np.lib.stride_tricks.sliding_window_view(x, window)
        want = sp(win, axis=-1, bias=True)
        got = f(x, window)
        np.testing.assert_allclose(got[window - 1 :], want, rtol=1e-8, atol=1e-9)
        assert np.isnan(got[: window - 1]).all()
    y = x.copy()
    y[rng.random(y.size) < 0.2] = NAN
    s = pd.Series(y)
    for window in (4, 9, 50):
        for mc in (None, 4, window):
            r = s.rolling(window, min_periods=mc)
            want = (r.skew() if name == "skew" else r.kurt()).to_numpy()
            got = f(y, window, mc, bias=False)
            np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-9, equal_nan=True)
    # float32 stays float32; float16 float16; ints/bool float64
    assert f(x.astype(np.float32), 5).dtype == np.float32
    assert f(x.astype(np.float16), 5).dtype == np.float16
    assert f(np.arange(9), 5).dtype == np.float64


@pytest.mark.parametrize("name", ["skew", "kurt"])
@pytest.mark.parametrize("bias", [True, False])
def test_skew_kurt_reference_rules(name, bias):
    """Counts below 2 (bias) / 3 or 4 (adjusted), zero spread, +-inf: NaN;
    once the inf has left, the values are those without it."""
    f = getattr(fastcpp, "move_" + name)
    a = np.array([1.0, NAN, 2, 7, 7, 7, 7, INF, 1, 2, 4, 8, -3, NAN, 5])
    for window in (1, 2, 3, 4, 5, a.size):
        for mc in sorted({1, 2, window}):
            if mc > window:
                continue
            got = f(a, window, mc, bias=bias)
            want = move_ref(name, a, window, mc, bias=bias)
            np.testing.assert_allclose(
                got, want, rtol=1e-9, atol=1e-12, equal_nan=True, err_msg=(window, mc)
            )
    with pytest.raises(TypeError, match="bias"):
        f(a, 3, bias="yes")
    with pytest.raises(TypeError):
        f(a, 3, None, -1, True)  # keyword-only


# --- quantile ------------------------------------------------------------------

METHODS = ("linear", "lower", "higher", "nearest", "midpoint")


def _nanquantile_windows(a, window, q, method, mc):
    """np.nanquantile on every window (clipped at the start), NaN below mc."""
    out = np.full((np.size(q), a.size), np.nan)
    for i in range(a.size):
        w = a[max(0, i - window + 1) : i + 1]
        if np.count_nonzero(~np.isnan(w)) >= mc:
            out[:, i] = np.nanquantile(w, q, method=method)
    return out if np.ndim(q) else out[0]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("window", [1, 2, 5, 40, 301, 700])
def test_quantile_equals_nanquantile(method, window):
    rng = np.random.default_rng(window)
    a = np.round(rng.standard_normal(900) * 8) / 4  # ties
    a[rng.random(a.size) < 0.15] = NAN
    qs = [0.0, 0.1, 0.25, 0.5, 0.7, 0.9999, 1.0]
    for mc in sorted({1, max(1, window // 2), window}):
        got = fastcpp.move_quantile(a, window, qs, mc, method=method)
        want = _nanquantile_windows(a, window, qs, method, mc)
        # selections are exact; interpolations to the ulp (numpy's lerp,
        # whose rounding of the weight differs by its code path)
        tol = 0 if method in ("lower", "higher", "nearest") else 4e-16
        kw = dict(rtol=tol, atol=tol * 16, equal_nan=True)
        np.testing.assert_allclose(
            got, want, err_msg=f"{method} w={window} mc={mc}", **kw
        )
        one = fastcpp.move_quantile(a, window, 0.37, mc, method=method)
        np.testing.assert_allclose(
            one, _nanquantile_windows(a, window, 0.37, method, mc), **kw
        )


def test_quantile_shapes_dtypes_and_median():
    rng = np.random.default_rng(21)
    a = rng.standard_normal((3, 50))
    r = fastcpp.move_quantile(a, 7, [0.1, 0.9], axis=-1)
    assert r.shape == (2, 3, 50)
    np.testing.assert_array_equal(r[1], fastcpp.move_quantile(a, 7, 0.9))
    r0 = fastcpp.move_quantile(a, 7, np.array([0.2, 0.5]), axis=0 if False else 1)
    assert r0.shape == (2, 3, 50)
    ra = fastcpp.move_quantile(a.T, 7, [0.2, 0.5], axis=0)
    assert ra.shape == (2, 50, 3)
    np.testing.assert_array_equal(ra, np.swapaxes(r0, 1, 2))
    np.testing.assert_allclose(
        fastcpp.move_quantile(a, 7, 0.5), fastcpp.move_median(a, 7), rtol=1e-15
    )
    for dt, want in (
        (np.float32, np.float32),
        (np.float16, np.float16),
        (np.int32, np.float64),
        (np.bool_, np.float64),
    ):
        assert fastcpp.move_quantile(a.astype(dt), 3, 0.5).dtype == want
        assert fastcpp.move_quantile(a.astype(dt), 3, [0.5]).dtype == want
    x32 = a.astype(np.float32)
    np.testing.assert_array_equal(
        fastcpp.move_quantile(x32, 5, 0.25, method="lower"),
        fastcpp.move_quantile(x32.astype(np.float64), 5, 0.25, method="lower").astype(
            np.float32
        ),
    )


def test_quantile_infinities_are_ordinary_values():
    a = np.array([1.0, INF, 2.0, -INF, 3.0, NAN, 4.0])
    for method in METHODS:
        for q in (0.0, 0.2, 0.5, 0.8, 1.0):
            got = fastcpp.move_quantile(a, 3, q, 1, method=method)
            want = move_ref("quantile", a, 3, 1, q=q, method=method)
            np.testing.assert_allclose(
                got, want, rtol=4e-16, equal_nan=True, err_msg=f"{method} {q}"
            )
    # median of [1, 2, inf] is 2 (numpy's lerp gives NaN here)
    assert fastcpp.move_quantile([1.0, 2.0, INF], 3, 0.5)[-1] == 2.0
    assert fastcpp.move_quantile([1.0, INF], 2, 0.9)[-1] == INF
    assert np.isnan(fastcpp.move_quantile([-INF, INF], 2, 0.5)[-1])


def test_quantile_bad_arguments():
    a = np.arange(10.0)
    f = fastcpp.move_quantile
    for q in (1.5, -0.1, NAN, [0.5, 2.0]):
        with pytest.raises(ValueError, match=r"move_quantile: q \(="):
            f(a, 3, q)
    with pytest.raises(ValueError, match="q must"):
        f(a, 3, [])
    with pytest.raises(ValueError, match="1-D"):
        f(a, 3, [[0.5]])
    for q in ("0.5", None, object()):
        with pytest.raises(TypeError, match="move_quantile: q"):
            f(a, 3, q)
    with pytest.raises(ValueError, match=r"method \(='cubic'\)"):
        f(a, 3, 0.5, method="cubic")
    with pytest.raises(TypeError, match="method"):
        f(a, 3, 0.5, method=1)
    with pytest.raises(TypeError, match="missing"):
        f(a, 3)
    with pytest.raises(ValueError, match=r"window \(=11\)"):
        f(a, 11, [0.5, 0.6])


def test_dask_new_members():
    fd = pytest.importorskip("fastcpp.dask")
    da = pytest.importorskip("dask.array")
    rng = np.random.default_rng(31)
    a = rng.standard_normal((3, 200))
    a[rng.random(a.shape) < 0.1] = NAN
    x = da.from_array(a, chunks=(2, 37))
    cases = [
        ("move_skew", (9,), {}),
        ("move_kurt", (9, 5), {"bias": False}),
        ("move_quantile", (12, 0.3), {"method": "midpoint"}),
        ("move_quantile", (12, [0.1, 0.9]), {"min_count": 4}),
    ]
    for name, args, kw in cases:
        got = getattr(fd, name)(x, *args, **kw).compute()
        want = getattr(fastcpp, name)(a, *args, **kw)
        assert got.shape == want.shape, name
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12, equal_nan=True)


# --- center=, out=, lengths= (every member) --------------------------------

PANDAS_CENTERED = {  # member -> pandas Rolling method and arguments
    "sum": ("sum", {}),
    "mean": ("mean", {}),
    "var": ("var", {"ddof": 0}),
    "std": ("std", {"ddof": 0}),
    "min": ("min", {}),
    "max": ("max", {}),
    "median": ("median", {}),
    "skew": ("skew", {}),
    "kurt": ("kurt", {}),
    "quantile": ("quantile", {"q": Q}),
}


def _kw(name):
    """Arguments that make each member comparable with pandas."""
    return {"bias": False} if name in ("skew", "kurt") else {}


def call_kw(name, a, window, min_count=None, **kw):
    f = getattr(fastcpp, "move_" + name)
    if name == "quantile":
        return f(a, window, Q, min_count, **kw)
    return f(a, window, min_count, **kw)


def centered_ref(name, a, window, min_count=None, axis=-1, **kw):
    """The documented rule: the trailing result at i + (window-1)//2 of a
    followed by (window-1)//2 NaNs."""
    shift = (window - 1) // 2
    x = np.moveaxis(np.asarray(a, dtype=np.float64), axis, -1)
    pad = np.concatenate([x, np.full((*x.shape[:-1], shift), NAN)], axis=-1)
    r = move_ref(name, pad, window, min_count, **kw)[..., shift:]
    return np.moveaxis(r, -1, axis).astype(result_dtype(a))


@pytest.mark.parametrize("name", NAMES)
def test_center_matches_pandas(name):
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(5)
    x = rng.standard_normal(40)
    x[rng.random(40) < 0.2] = NAN
    x[7] = INF
    for window in (1, 2, 3, 4, 7, 8, 40):
        for mc in sorted({1, max(1, window // 2), window}):
            got = call_kw(name, x, window, mc, center=True, **_kw(name))
            want = centered_ref(name, x, window, mc, **_kw(name))
            assert_matches(got, want, x, window, f"{name} w={window} mc={mc}")
            if name in PANDAS_CENTERED:
                meth, args = PANDAS_CENTERED[name]
                finite = np.where(np.isinf(x), NAN, x)  # pandas: inf as missing
                got = call_kw(name, finite, window, mc, center=True, **_kw(name))
                roll = pd.Series(finite).rolling(window, min_periods=mc, center=True)
                want = getattr(roll, meth)(**args).to_numpy()
                if name in ("skew", "kurt"):  # pandas: 0 for a flat window
                    want = np.where(np.isnan(got) & (want == 0), NAN, want)
                np.testing.assert_allclose(
                    got,
                    want,
                    rtol=1e-8,
                    atol=1e-10,
                    equal_nan=True,
                    err_msg=f"{name} w={window} mc={mc}",
                )


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.int32, np.bool_])
def test_center_dtypes_and_axes(name, dtype):
    rng = np.random.default_rng(6)
    a = (rng.standard_normal((3, 4, 11)) * 3).astype(dtype)
    for axis in (0, 1, -1):
        for window in (2, 3, a.shape[axis]):
            got = call_kw(name, a, window, 1, axis=axis, center=True)
            trailing = call_kw(name, a, window, 1, axis=axis)
            assert got.dtype == trailing.dtype
            assert got.shape == a.shape
            want = centered_ref(name, a, window, 1, axis=axis).astype(got.dtype)
            np.testing.assert_allclose(
                got.astype(np.float64),
                want.astype(np.float64),
                rtol=1e-3 if dtype == np.float16 else 2e-6,
                atol=1e-5,
                equal_nan=True,
                err_msg=f"{name} axis={axis} w={window}",
            )


@pytest.mark.parametrize("name", NAMES)
def test_center_long_rows_threads(name):
    """Long rows are cut across threads; the centred tail comes out equal."""
    rng = np.random.default_rng(8)
    a = rng.standard_normal(70_001)
    a[rng.random(a.size) < 0.05] = NAN
    for window in (6, 51):
        got = call_kw(name, a, window, 3, center=True)
        want = call_kw(name, np.r_[a, np.full((window - 1) // 2, NAN)], window, 3)
        # The tail's tiles start elsewhere: sums may differ in the last bit.
        np.testing.assert_allclose(
            got,
            want[(window - 1) // 2 :],
            rtol=1e-13,
            atol=1e-13,
            equal_nan=True,
            err_msg=name,
        )


@pytest.mark.parametrize("name", NAMES)
def test_out(name):
    rng = np.random.default_rng(9)
    a = rng.standard_normal((3, 20))
    a[0, 3] = NAN
    for center in (False, True):
        want = call_kw(name, a, 5, 2, center=center)
        out = np.full_like(want, 7.0)
        res = call_kw(name, a, 5, 2, center=center, out=out)
        assert res is out
        np.testing.assert_array_equal(out, want)
        # out may be the input itself: computed aside, then copied in.
        inplace = a.copy()
        assert call_kw(name, inplace, 5, 2, center=center, out=inplace) is inplace
        np.testing.assert_array_equal(inplace, want)
    a32 = a.astype(np.float32)
    out32 = np.zeros(a.shape, np.float32)
    call_kw(name, a32, 4, out=out32)
    np.testing.assert_array_equal(out32, call_kw(name, a32, 4))
    # Bad out=: TypeError/ValueError, and nothing written.
    for bad, exc in [
        (np.zeros(a.shape, np.float32), TypeError),
        (np.zeros((3, 19)), ValueError),
        ([0.0] * 60, TypeError),
    ]:
        keep = np.array(bad, copy=True)
        with pytest.raises(exc, match="move_" + name):
            call_kw(name, a, 5, out=bad)
        np.testing.assert_array_equal(np.asarray(bad), keep)
    ro = np.zeros(a.shape)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="move_" + name):
        call_kw(name, a, 5, out=ro)
    out = np.full(a.shape, 7.0)
    with pytest.raises(ValueError, match="window"):
        call_kw(name, a, 99, out=out)
    assert (out == 7.0).all()


def test_quantile_sequence_out_and_center():
    a = np.random.default_rng(2).standard_normal((2, 30))
    qs = [0.1, 0.5, 0.9]
    want = fastcpp.move_quantile(a, 6, qs, 2, center=True)
    assert want.shape == (3, 2, 30)
    for k, q in enumerate(qs):
        np.testing.assert_array_equal(
            want[k], fastcpp.move_quantile(a, 6, q, 2, center=True)
        )
    out = np.empty_like(want)
    assert fastcpp.move_quantile(a, 6, qs, 2, center=True, out=out) is out
    np.testing.assert_array_equal(out, want)
    with pytest.raises(ValueError, match="move_quantile: out"):
        fastcpp.move_quantile(a, 6, qs, out=np.empty((2, 30)))


@pytest.mark.parametrize("window", [5, 400])
def test_quantile_sequence_is_each_q(window):
    """A q list is one pass writing every q (groups of 8 q per pass): equal,
    bit for bit, to one call per q on every path: contiguous, staged strided
    rows (axis=0), centred tails, lengths=, a strided out=, float32."""
    rng = np.random.default_rng(window)
    a = np.round(rng.standard_normal((3, 1500)) * 6) / 2
    a[rng.random(a.shape) < 0.1] = NAN
    a[0, 300:900] = NAN  # the window empties (and refills) on the tile path
    a[1, rng.integers(0, a.shape[1], 6)] = INF
    a[2] = np.sort(a[2])  # trending: far jumps between the window's ranks
    qs = [0.0, 0.05, 0.1, 0.25, 0.3, 0.5, 0.6, 0.75, 0.9, 0.99, 1.0]  # > 8
    lengths = np.array([700, 0, 450, 350])
    for method in ("linear", "nearest"):
        for kw in ({}, {"center": True}, {"lengths": lengths}):
            for mc in (1, window // 2):
                got = fastcpp.move_quantile(a, window, qs, mc, method=method, **kw)
                for k, q in enumerate(qs):
                    one = fastcpp.move_quantile(a, window, q, mc, method=method, **kw)
                    np.testing.assert_array_equal(got[k], one, err_msg=f"{q} {kw}")
                t = fastcpp.move_quantile(
                    a.T, window, qs, mc, axis=0, method=method, **kw
                )
                np.testing.assert_array_equal(t, got.transpose(0, 2, 1))
    got = fastcpp.move_quantile(a, window, qs, 1)
    for r in (0, 2):  # against numpy where the window empties, and trends
        np.testing.assert_allclose(
            got[:, r],
            _nanquantile_windows(a[r], window, qs, "linear", 1),
            rtol=4e-16,
            atol=1e-15,
            equal_nan=True,
        )
    big = np.zeros((len(qs), 3, 2 * a.shape[1]))
    out = big[:, :, ::2]
    assert fastcpp.move_quantile(a, window, qs, 1, out=out) is out
    np.testing.assert_array_equal(out, fastcpp.move_quantile(a, window, qs, 1))
    f = a.astype(np.float32)
    got = fastcpp.move_quantile(f, window, qs[:3], 2)
    for k, q in enumerate(qs[:3]):
        np.testing.assert_array_equal(got[k], fastcpp.move_quantile(f, window, q, 2))


def test_quantile_sequence_short_segments_all_nan():
    """A segment shorter than min_count is NaN in every q's row (contiguous
    rows and staged axis=0 rows; the output starts as uninitialised memory)."""
    a = np.arange(30.0).reshape(3, 10)
    for trial in range(3):  # leave garbage in the staging buffers first
        fastcpp.move_quantile(np.full((10, 3), 7.0 + trial), 3, [0.1, 0.9], axis=0)
        got = fastcpp.move_quantile(a, 3, [0.25, 0.75], lengths=[2, 8])
        t = fastcpp.move_quantile(a.T.copy(), 3, [0.25, 0.75], axis=0, lengths=[2, 8])
        for k, q in enumerate((0.25, 0.75)):
            one = fastcpp.move_quantile(a, 3, q, lengths=[2, 8])
            assert np.isnan(one[:, :2]).all()
            np.testing.assert_array_equal(got[k], one)
            np.testing.assert_array_equal(t[k], one.T)


def _by_segment(name, a, window, mc, lengths, **kw):
    """One call per segment; a segment shorter than the window is called
    with NaNs in front (which count for nothing, wherever the window is
    labelled), so the window never fills there."""
    parts, start = [], 0
    for n in map(int, lengths):
        seg = a[..., start : start + n].astype(np.float64)
        start += n
        if n == 0:
            parts.append(seg)
            continue
        pad = max(window - n, 0)
        seg = np.concatenate([np.full((*seg.shape[:-1], pad), NAN), seg], axis=-1)
        parts.append(call_kw(name, seg, window, mc, **kw)[..., pad:])
    return np.concatenate(parts, axis=-1)


@pytest.mark.parametrize("name", NAMES)
def test_lengths_equal_per_segment_calls(name):
    rng = np.random.default_rng(10)
    lengths = np.array([5, 0, 1, 12, 3, 30, 9])
    a = rng.standard_normal((2, lengths.sum()))
    a[rng.random(a.shape) < 0.15] = NAN
    a[1, 20] = INF
    for window, mc in [(1, None), (3, None), (4, 2), (10, 1), (25, 3)]:
        for center in (False, True):
            got = call_kw(name, a, window, mc, lengths=lengths, center=center)
            want = _by_segment(name, a, window, mc, lengths, center=center)
            # (tiles start elsewhere in a padded segment: last-bit differences)
            np.testing.assert_allclose(
                got,
                want,
                rtol=1e-13,
                atol=1e-13,
                equal_nan=True,
                err_msg=f"{name} w={window}",
            )
            if center is False and window <= 5:  # and the independent reference
                ref = np.concatenate(
                    [
                        move_ref(
                            name,
                            s,
                            min(window, max(s.shape[-1], 1)),
                            mc and min(mc, window),
                        )
                        if s.shape[-1] >= (window if mc is None else mc)
                        else np.full(s.shape, NAN)
                        for s in np.split(a, np.cumsum(lengths)[:-1], axis=-1)
                    ],
                    axis=-1,
                )
                assert_matches(got, ref, a, window, f"{name} w={window}")
    # axis=0, other integer dtypes, many segments run in parallel
    b = rng.standard_normal((4000, 3))
    seg = np.full(400, 10, dtype=np.uint16)
    got = call_kw(name, b, 4, 2, axis=0, lengths=seg)
    want = _by_segment(name, b.T, 4, 2, seg).T
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-13, equal_nan=True)


def test_lengths_bad():
    a = np.arange(10.0)
    f = fastcpp.move_mean
    with pytest.raises(
        ValueError, match=r"move_mean: lengths\[1\] \(=-1\) must be >= 0"
    ):
        f(a, 3, lengths=[9, -1, 2])
    with pytest.raises(
        ValueError, match=r"lengths sum to 9, expected the length along axis \(=10\)"
    ):
        f(a, 3, lengths=[4, 5])
    with pytest.raises(ValueError, match="lengths sum to more"):
        f(a, 3, lengths=[4, 7])
    with pytest.raises(ValueError, match="lengths must be 1-D, got 2-D"):
        f(a, 3, lengths=[[5, 5]])
    with pytest.raises(ValueError, match="lengths must be 1-D, got 0-D"):
        f(a, 3, lengths=10)
    for bad in ([5.0, 5.0], ["5", "5"], [True, False]):
        with pytest.raises(TypeError, match="move_mean: lengths"):
            f(a, 3, lengths=bad)
    with pytest.raises(ValueError, match="64-bit"):
        f(a, 3, lengths=np.array([2**64 - 1], np.uint64))
    # an empty list is no segments (sum 0), not "unsegmented"; any dtype
    for empty in (np.array([], np.int64), [], np.array([], object)):
        with pytest.raises(ValueError, match=r"lengths sum to 0, expected .*\(=10\)"):
            f(a, 3, lengths=empty)
    # Python ints: each checked, the first too big named
    with pytest.raises(
        OverflowError, match=r"lengths\[1\] \(=1180591620717411303424\)"
    ):
        f(a, 3, lengths=[1, 2**70])
    np.testing.assert_array_equal(
        f(a, 3, lengths=np.array([5, 5], object)), f(a, 3, lengths=[5, 5])
    )
    with pytest.raises(TypeError, match=r"lengths\[1\] must be an int, got None"):
        f(a, 3, lengths=[5, None])
    with pytest.raises(TypeError, match="move_mean: center"):
        f(a, 3, center="yes")


# --- move_cov, move_corr ---------------------------------------------------


def _pair_ref(name, a, b, window, mc, ddof=0):
    """Brute force over each window's pairwise non-NaN positions."""
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    out = np.full(a.shape, NAN)
    for i in range(a.size):
        x, y = a[max(0, i - window + 1) : i + 1], b[max(0, i - window + 1) : i + 1]
        keep = ~np.isnan(x) & ~np.isnan(y)
        x, y, n = x[keep], y[keep], int(keep.sum())
        if (
            n < (window if mc is None else mc)
            or not np.isfinite(x).all()
            or not np.isfinite(y).all()
        ):
            continue
        dx, dy = x - x.mean(), y - y.mean()
        if name == "cov":
            if n - ddof > 0:
                out[i] = (dx * dy).sum() / (n - ddof)
        else:
            sxx, syy = (dx * dx).sum(), (dy * dy).sum()
            if sxx > 0 and syy > 0:
                out[i] = (dx * dy).sum() / np.sqrt(sxx * syy)
    return out


@pytest.mark.parametrize("name", ["cov", "corr"])
def test_pair_members_against_brute_force_and_pandas(name):
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(12)
    a = rng.standard_normal(60) * 3 + 100
    b = 0.5 * a + rng.standard_normal(60)
    a[rng.random(60) < 0.15] = NAN
    b[rng.random(60) < 0.15] = NAN
    f = getattr(fastcpp, "move_" + name)
    for window in (1, 2, 3, 7, 16, 60):
        for mc in sorted({1, max(1, window // 2), window}):
            for ddof in (0, 1):
                got = f(a, b, window, mc, ddof=ddof)
                want = _pair_ref(name, a, b, window, mc, ddof)
                np.testing.assert_allclose(
                    got, want, rtol=1e-9, atol=1e-11, equal_nan=True
                )
            for center in (False, True):
                roll = pd.Series(a).rolling(window, min_periods=mc, center=center)
                want = getattr(roll, name)(
                    pd.Series(b), **({"ddof": 1} if name == "cov" else {})
                )
                got = f(a, b, window, mc, ddof=1, center=center)
                want = want.to_numpy()
                if name == "corr":  # pandas: values for flat windows from rounding
                    # count before masking (after it the counts are equal)
                    assert np.isnan(got).sum() - np.isnan(want).sum() <= 2 * (
                        window == 2
                    )
                    want = np.where(np.isnan(got), NAN, want)
                np.testing.assert_allclose(
                    got,
                    want,
                    rtol=1e-8,
                    atol=1e-10,
                    equal_nan=True,
                    err_msg=f"{name} w={window} mc={mc} center={center}",
                )


def test_pair_members_shapes_dtypes_options():
    rng = np.random.default_rng(13)
    a = rng.standard_normal((3, 40)).astype(np.float32)
    b = rng.standard_normal(40).astype(np.float32)  # broadcast against a
    for name in ("move_cov", "move_corr"):
        f = getattr(fastcpp, name)
        got = f(a, b, 5, 2)
        assert got.dtype == np.float32
        assert got.shape == a.shape
        for r in range(3):
            np.testing.assert_allclose(got[r], f(a[r], b, 5, 2), rtol=1e-6, atol=1e-7)
        assert f(a, b.astype(np.float64), 5).dtype == np.float64
        assert f(np.arange(10), np.arange(10) % 3, 4).dtype == np.float64
        # axis, lengths, out
        np.testing.assert_allclose(
            f(a.T, b[:, None], 5, 2, axis=0), got.T, rtol=1e-6, atol=1e-7
        )
        lengths = [10, 25, 5]
        seg = f(a, b, 4, 2, lengths=lengths)
        want = np.concatenate(
            [f(a[:, s:e], b[s:e], 4, 2) for s, e in [(0, 10), (10, 35), (35, 40)]],
            axis=-1,
        )
        np.testing.assert_allclose(seg, want, rtol=1e-6, atol=1e-7, equal_nan=True)
        out = np.empty(a.shape, np.float32)
        assert f(a, b, 5, 2, out=out) is out
        np.testing.assert_array_equal(out, got)
        with pytest.raises(ValueError, match="broadcast"):
            f(a, b[:7], 5)
        with pytest.raises(ValueError, match=r"window \(=41\)"):
            f(a, b, 41)
        with pytest.raises(TypeError, match="b has unsupported dtype"):
            f(a, b.astype(complex), 3)


def test_pair_members_inf_and_drift():
    x = np.array([1.0, 2.0, np.inf, 4.0, 5.0, 6.0, 7.0, 8.0])
    y = np.array([2.0, 1.0, 3.0, 5.0, 4.0, 7.0, 6.0, 9.0])
    got = fastcpp.move_cov(x, y, 3)
    assert np.isnan(got[2:5]).all()  # the inf's windows
    np.testing.assert_allclose(got[5:], _pair_ref("cov", x, y, 3, None)[5:], rtol=1e-12)
    # 1e9 + small values: shifted sums keep the digits
    big = 1e9 + np.arange(1000.0) % 7
    other = np.arange(1000.0) % 5
    np.testing.assert_allclose(
        fastcpp.move_corr(big, other, 20),
        _pair_ref("corr", big, other, 20, None),
        rtol=1e-7,
        atol=1e-9,
        equal_nan=True,
    )
    # an outlier leaves no trace in windows that do not hold it (it must not
    # be the shift of the windows ending in its tile), also with NaNs between
    for a in (
        np.r_[1e20, np.arange(1.0, 10.0)],
        np.r_[1e20, np.nan, np.arange(1.0, 9.0)],
    ):
        for w in (3, 4):
            for stat, b in (("cov", a), ("cov", -2 * a), ("corr", a), ("corr", -a)):
                got = getattr(fastcpp, f"move_{stat}")(a, b, w)
                want = _pair_ref(stat, a, b, w, None)
                np.testing.assert_allclose(got[w + 1 :], want[w + 1 :], rtol=1e-12)


@pytest.mark.parametrize("name", ["cov", "corr"])
def test_pair_members_many_tiles_nan_inf(name):
    # Many tiles (suffix + prefix scans, the merge in vector lanes and its
    # tail), NaN in one input or both, ±inf, float32 and strided out=.
    rng = np.random.default_rng(21)
    a = rng.standard_normal(700) * 5 + 50
    b = 0.3 * a + rng.standard_normal(700)
    a[rng.random(a.size) < 0.08] = NAN
    b[rng.random(b.size) < 0.08] = NAN
    a[[100, 401]] = [INF, -INF]
    b[555] = INF
    f = getattr(fastcpp, "move_" + name)
    for window in (1, 3, 8, 13, 50, 64):
        for mc in sorted({1, max(1, window // 2), window}):
            want = _pair_ref(name, a, b, window, mc, 1)
            got = f(a, b, window, mc, ddof=1)
            np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-11, equal_nan=True)
            out = np.full((a.size, 2), 7.0)
            f(a, b, window, mc, ddof=1, out=out[:, 1])
            np.testing.assert_array_equal(out[:, 1], got)
            assert (out[:, 0] == 7.0).all()
            got32 = f(a.astype(np.float32), b.astype(np.float32), window, mc, ddof=1)
            np.testing.assert_allclose(
                got32, want, rtol=2e-3, atol=2e-3, equal_nan=True
            )


@pytest.mark.parametrize("name", ["cov", "corr"])
def test_pair_members_same_bits_however_computed(name):
    # Tiles go N at a time in vector lanes (4 or 2), the first tile and the
    # ends of a thread's range through checked loads: every output is the
    # same arithmetic, so a prefix of the row, any thread count and a short
    # call give the same bits as the whole row.
    rng = np.random.default_rng(22)
    a = rng.standard_normal(1 << 18) * 3 + 1e3
    b = a * 0.5 + rng.standard_normal(a.size)
    a[rng.random(a.size) < 0.02] = NAN
    b[rng.integers(0, a.size, 50)] = INF
    f = getattr(fastcpp, "move_" + name)
    for window in (1, 3, 50, 77, 1000):
        with fastcpp.threads(1):
            whole = f(a, b, window, 1)
        for threads in (2, 3):
            with fastcpp.threads(threads):
                np.testing.assert_array_equal(f(a, b, window, 1), whole)
        for n in (window, 2 * window, 2 * window + 1, 5 * window + 3):
            np.testing.assert_array_equal(f(a[:n], b[:n], window, 1), whole[:n])


def test_var_after_an_outlier_leaves_no_trace():
    a = np.r_[1e20, np.arange(1.0, 10.0)]
    got = fastcpp.move_var(a, 3)
    want = np.array([np.var(a[max(0, i - 2) : i + 1]) for i in range(a.size)])
    np.testing.assert_allclose(got[3:], want[3:], rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_rank_small_and_tile_windows_agree(dtype):
    # Windows up to 64 count each window directly, longer ones use the
    # Fenwick tiles: both against the reference, ties, NaN and inf included,
    # contiguous and strided rows.
    rng = np.random.default_rng(7)
    a = np.round(rng.standard_normal(400) * 3).astype(dtype)
    a[rng.random(a.size) < 0.1] = NAN
    a[rng.integers(0, a.size, 4)] = INF
    a[rng.integers(0, a.size, 4)] = -INF
    for window in (2, 5, 31, 63, 64, 65, 90):
        for mc in (1, window // 2 + 1, window):
            want = move_ref("rank", a, window, mc)
            assert_matches(call("rank", a, window, mc), want, a, window, f"w={window}")
            m = np.stack([a, a[::-1]], axis=1)  # axis=0: strided rows
            got = call("rank", m, window, mc, axis=0)
            assert_matches(got[:, 0], want, a, window, f"strided w={window}")


@pytest.mark.parametrize("window", [31, 32, 33, 64, 65, 127, 128, 129])
def test_ranked_window_full_windows_numpy_bits(window):
    # NaN-free rows: every window is full, so real values hold every rank up
    # to window - 1 (the int8 ranks' top at w = 128), and each quantile is
    # numpy's own interpolation, bit for bit (no FMA contraction in
    # rolling_order.cpp: the CI runs this file at every SIMD level).
    rng = np.random.default_rng(window)
    a = np.round(rng.standard_normal(600) * 3) + rng.integers(0, 2, 600) * 0.25
    qs = [0.0, 0.1, 0.37, 0.5, 0.99, 1.0]
    views = np.lib.stride_tricks.sliding_window_view(a, window)
    for method in ("linear", "lower", "higher", "nearest", "midpoint"):
        got = fastcpp.move_quantile(a, window, qs, method=method)
        want = np.quantile(views, qs, axis=-1, method=method)
        assert np.isnan(got[:, : window - 1]).all()
        np.testing.assert_array_equal(got[:, window - 1 :], want, err_msg=method)
    np.testing.assert_array_equal(
        fastcpp.move_median(a, window), bn.move_median(a, window)
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_ranked_window_every_shape(dtype):
    # Windows up to 128 keep a rank per slot (one int8 vector of 16 or 32
    # slots per step), longer ones use the tiles: sizes around the vector
    # edges and the switch, ties, ±0, ±inf, a NaN run longer than the window
    # (the window empties and refills), contiguous and strided rows, nine q
    # (two passes of up to 8) and the median against bottleneck.
    rng = np.random.default_rng(13)
    a = np.round(rng.standard_normal(300) * 3).astype(dtype)
    a[rng.random(a.size) < 0.1] = NAN
    a[100:240] = NAN
    a[rng.integers(0, a.size, 4)] = INF
    a[rng.integers(0, a.size, 4)] = -INF
    a[rng.integers(0, a.size, 9)] = -0.0
    qs = [0.0, 0.05, 0.25, 0.37, 0.5, 0.75, 0.9, 0.99, 1.0]
    finite = np.where(np.isinf(a), np.copysign(1e30, a), a).astype(np.float64)
    m = np.stack([a, a[::-1]], axis=1)  # axis=0: strided rows
    for window in (1, 2, 16, 17, 33, 64, 65, 128, 129):
        for mc, method in ((1, "linear"), (window, "midpoint")):
            got = fastcpp.move_quantile(a, window, qs, mc, method=method)
            want = move_ref("quantile", a, window, mc, q=qs, method=method)
            assert_matches(got, want, a, window, f"{method} w={window} mc={mc}")
            got = fastcpp.move_quantile(m, window, 0.37, mc, axis=0, method=method)
            assert_matches(got[:, 0], want[3], a, window, f"strided w={window}")
            np.testing.assert_array_equal(
                fastcpp.move_median(finite, window, mc),
                bn.move_median(finite, window, mc),
                err_msg=f"median w={window} mc={mc}",
            )
