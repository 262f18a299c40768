"""move_var/std/skew/kurt on data where one shift per tile pair loses digits:
an outlier followed by small values (the outlier must leave no trace in the
windows without it), and 1e9 + small integers. Exact reference: Fractions of
the (exact binary) input values, rounded once."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

import fastcpp


def _exact(name, vals, ddof, bias):
    """The statistic of one window's non-NaN values, exactly, or NaN."""
    xs = [Fraction(float(v)) for v in vals if not math.isnan(v)]
    n = len(xs)
    if n == 0:
        return math.nan
    mu = sum(xs) / n
    m2 = sum((x - mu) ** 2 for x in xs)
    if name in ("var", "std"):
        if n - ddof <= 0:
            return math.nan
        var = m2 / (n - ddof)
        return float(var) if name == "var" else math.sqrt(var)
    m2 /= n
    if m2 == 0:
        return math.nan
    if name == "skew":
        m3 = sum((x - mu) ** 3 for x in xs) / n
        g = float(m3 / m2) / math.sqrt(m2)
        if not bias:
            g = g * math.sqrt(n * (n - 1)) / (n - 2) if n >= 3 else math.nan
        return g
    m4 = sum((x - mu) ** 4 for x in xs) / n
    g = float(m4 / (m2 * m2)) - 3.0
    if not bias:
        g = (n - 1) * ((n + 1) * g + 6) / ((n - 2) * (n - 3)) if n >= 4 else math.nan
    return g


def _check(name, a, window, *, ddof=0, bias=True, rtol=1e-10):
    if window > a.size:
        return
    f = getattr(fastcpp, "move_" + name)
    kw = {"bias": bias} if name in ("skew", "kurt") else {"ddof": ddof}
    got = f(a, window, min_count=1, **kw)
    assert got.dtype == a.dtype
    for i in range(a.size):
        want = _exact(name, a[max(0, i - window + 1) : i + 1], ddof, bias)
        if math.isnan(want):
            assert np.isnan(got[i]), (name, window, ddof, i, got[i])
        else:
            atol = rtol * 1e-3 if name in ("skew", "kurt") else 0.0
            assert abs(got[i] - want) <= rtol * abs(want) + atol, (
                name,
                window,
                ddof,
                i,
                got[i],
                want,
            )


def _outlier_rows():
    """Outliers (first, last or inside a tile) followed by small values."""
    yield np.r_[1e20, np.arange(1.0, 10.0)]
    yield np.r_[1e20, np.nan, np.arange(1.0, 9.0)]
    yield np.r_[-3e15, np.nan, np.nan, np.arange(1.0, 9.0), 7.5, 1e-3]
    rng = np.random.default_rng(14)
    x = rng.integers(0, 10, 150).astype(np.float64)
    x[[0, 17, 18, 60, 101]] = [1e18, -5e17, 2e16, 1e19, -1e20]
    x[[3, 40, 41, 99]] = np.nan
    yield x


@pytest.mark.parametrize("name", ["var", "std"])
@pytest.mark.parametrize("ddof", [0, 1, 2])
def test_var_std_outlier_leaves_no_trace(name, ddof):
    for a in _outlier_rows():
        for window in (2, 3, 4, 5, 8, 13, 40):
            _check(name, a, window, ddof=ddof)


@pytest.mark.parametrize("name", ["skew", "kurt"])
@pytest.mark.parametrize("bias", [True, False])
def test_skew_kurt_outlier_leaves_no_trace(name, bias):
    for a in _outlier_rows():
        for window in (3, 4, 5, 9, 40):
            _check(name, a, window, bias=bias, rtol=1e-8)


@pytest.mark.parametrize("name", ["var", "std", "skew", "kurt"])
def test_1e9_plus_small_integers_with_nans(name):
    rng = np.random.default_rng(15)
    a = 1e9 + rng.integers(0, 10, 130).astype(np.float64)
    a[rng.random(a.size) < 0.1] = np.nan
    for window in (3, 7, 33):
        for ddof in (0, 1) if name in ("var", "std") else (0,):
            _check(name, a, window, ddof=ddof, bias=ddof == 0, rtol=1e-8)


@pytest.mark.parametrize("name", ["var", "std"])
def test_float32_outlier_leaves_no_trace(name):
    a = np.r_[np.float32(1e18), np.arange(1.0, 80.0, dtype=np.float32)].astype(
        np.float32
    )
    a[[30, 31]] = [np.float32(-7e17), np.nan]
    for window in (3, 6, 16):
        for ddof in (0, 1):
            _check(name, a, window, ddof=ddof, rtol=1e-6)


def test_outlier_with_center_and_lengths():
    a = np.r_[1e20, np.arange(1.0, 10.0), -1e20, np.arange(5.0, 30.0)]
    got = fastcpp.move_var(a, 3, center=True)
    # centred: out[i] is the trailing window ending at i + 1
    want = np.r_[fastcpp.move_var(a, 3)[1:], np.nan]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert got[3] == pytest.approx(2 / 3, rel=1e-12)
    lengths = [4, 20, a.size - 24]
    got = fastcpp.move_std(a, 3, lengths=lengths)
    parts = np.split(a, np.cumsum(lengths)[:-1])
    want = np.concatenate([fastcpp.move_std(p, 3) for p in parts])
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert got[3] == pytest.approx(np.std([1.0, 2.0, 3.0]), rel=1e-12)
    assert got[13] == pytest.approx(np.std([5.0, 6.0, 7.0]), rel=1e-12)


def _wide_range_values(rng, n):
    """Values over many exponents, with zeros, tiny and subnormal values and
    ±inf."""
    x = rng.standard_normal(n) * np.exp2(rng.integers(-60, 60, n))
    x[rng.integers(0, n, n // 50)] = 0.0
    x[rng.integers(0, n, n // 100)] = 5e-324
    x[rng.integers(0, n, n // 100)] = 1e-300
    x[rng.integers(0, n, 3)] = np.inf
    x[rng.integers(0, n, 3)] = -np.inf
    return x


@pytest.mark.parametrize("n", [10, 100, 1000, 20_000])
@pytest.mark.parametrize("w", [1, 3, 7, 10, 50])
def test_mean_of_full_windows_is_sum_divided_by_window(n, w):
    """A full window's mean is its sum divided by w, bit for bit (the same
    tile sums; ±inf, 0 and tiny sums included), on one row and on the batch
    path."""
    if w > n:
        pytest.skip("window longer than the row")
    rng = np.random.default_rng(n + w)
    for x in (rng.random(n) * 100, _wide_range_values(rng, n), np.zeros(n)):
        got = fastcpp.move_mean(x, w)[w - 1 :]
        want = fastcpp.move_sum(x, w)[w - 1 :] / w
        np.testing.assert_array_equal(got, want)
        # The batch path (four rows side by side) too.
        rows = fastcpp.move_mean(np.stack([x] * 4), w, axis=-1)[:, w - 1 :]
        np.testing.assert_array_equal(rows, np.stack([want] * 4))


TILE_KINDS = ["sum", "mean", "var", "std", "min", "max", "argmin", "argmax"]


@pytest.mark.parametrize("name", TILE_KINDS)
@pytest.mark.parametrize(
    ("n", "w"), [(10, 5), (32, 32), (100, 50), (128, 64), (129, 65)]
)
def test_short_rows_same_bits_with_and_without_nan(name, n, w):
    """Short rows (argmin/argmax: up to two tiles of up to 128 values) skip
    counting when they hold no NaN: the same bits as counting or as the
    lane engine (a NaN appended after the last window; a batch of four
    rows)."""
    rng = np.random.default_rng(n)
    f = getattr(fastcpp, f"move_{name}")
    for x in (rng.standard_normal(n) + 1e3, _wide_range_values(rng, n)):
        clean = f(x, w, min_count=1)
        with_nan = f(np.append(x, np.nan), w, min_count=1)[:n]
        np.testing.assert_array_equal(clean, with_nan)
        rows = f(np.stack([x] * 4), w, min_count=1, axis=-1)
        np.testing.assert_array_equal(rows, np.stack([clean] * 4))


@pytest.mark.parametrize("name", ["argmin", "argmax"])
@pytest.mark.parametrize(("n", "w"), [(40, 20), (100, 50), (129, 65)])
def test_short_rows_with_nan_inside_match_the_engine(name, n, w):
    """A NaN inside a short row's tiles makes it count: the same bits as the
    lane engine (a batch of four rows) and as a strided row."""
    rng = np.random.default_rng(n + w)
    f = getattr(fastcpp, f"move_{name}")
    for pos in (0, w - 1, w, n - 1):
        x = rng.standard_normal(n)
        x[pos] = np.nan
        one = f(x, w, min_count=1)
        rows = f(np.stack([x] * 4), w, min_count=1, axis=-1)
        np.testing.assert_array_equal(
            rows, np.stack([one] * 4), err_msg=f"NaN at {pos}"
        )
        strided = f(np.stack([x, x], axis=1), w, min_count=1, axis=0)[:, 0]
        np.testing.assert_array_equal(strided, one, err_msg=f"strided, NaN at {pos}")


@pytest.mark.parametrize(
    "call",
    [
        *[
            lambda x, w, f=f: getattr(fastcpp, f"move_{f}")(x, w, min_count=1)
            for f in TILE_KINDS
        ],
        lambda x, w: fastcpp.move_var(x, w, min_count=1, ddof=1),
        lambda x, w: fastcpp.move_skew(x, w, min_count=1),
        lambda x, w: fastcpp.move_kurt(x, w, min_count=1, bias=False),
        lambda x, w: np.stack(fastcpp.rolling_mean_std(x, w)),
        lambda x, w: fastcpp.rolling_sum_squares(x, w),
    ],
    ids=[
        *TILE_KINDS,
        "var_ddof1",
        "skew",
        "kurt",
        "rolling_mean_std",
        "rolling_sum_squares",
    ],
)
@pytest.mark.parametrize("w", [17, 50, 64, 101])
def test_row_start_known_counts_same_bits_as_counting(call, w):
    """A NaN-free row's first tiles (its first windows clipped at 0) take
    the lane engine's step with known counts; a NaN in the last value of
    two tiles makes that step count. The windows without the NaN (all but
    the last) keep their bits, at every lane count (n = 2w: one step)."""
    rng = np.random.default_rng(w)
    n = 2 * w
    for x in (rng.standard_normal(n) + 1e3, _wide_range_values(rng, n)):
        clean = call(x, w)
        y = x.copy()
        y[-1] = np.nan
        counted = call(y, w)
        np.testing.assert_array_equal(clean[..., :-1], counted[..., :-1])


@pytest.mark.parametrize("name", TILE_KINDS)
@pytest.mark.parametrize(
    ("n", "w"), [(34, 17), (100, 50), (150, 150), (260, 130), (300, 150), (301, 150)]
)
def test_rows_of_one_or_two_tiles_same_bits_as_the_batch(name, n, w):
    """A row of one or two tiles (the 2-lane engine at x86-64-v3/v4, the
    short-row path for argmin/argmax up to w = 128) equals the batch of four
    rows (the 4-lane engine there) bit for bit, without NaN and with one."""
    rng = np.random.default_rng(n + w)
    f = getattr(fastcpp, f"move_{name}")
    for x in (rng.standard_normal(n) + 1e3, _wide_range_values(rng, n)):
        for pos in (None, 0, w // 2, n - 1):
            y = x.copy()
            if pos is not None:
                y[pos] = np.nan
            one = f(y, w, min_count=1)
            rows = f(np.stack([y] * 4), w, min_count=1, axis=-1)
            np.testing.assert_array_equal(
                rows, np.stack([one] * 4), err_msg=f"NaN at {pos}"
            )
