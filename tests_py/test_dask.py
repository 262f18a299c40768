"""fastcpp.dask against the in-memory fastcpp calls on the same data."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")

from dask.delayed import Delayed  # noqa: E402

import fastcpp  # noqa: E402
import fastcpp.dask as fd  # noqa: E402

_median = fastcpp.median_filter

#: Every member of the core's move_* family table.
MOVE = list(fd.MOVE_NAMES)


def _move(mod, name, a, window, min_count=None, **kw):
    """mod.<name>(a, window, min_count, ...) with q=0.3 for move_quantile and
    b = cos(a) for the two-input members."""
    f = getattr(mod, name)
    if name in ("move_cov", "move_corr"):
        return f(
            a,
            np.cos(a) if isinstance(a, np.ndarray) else da.cos(a),
            window,
            min_count,
            **kw,
        )
    if name == "move_quantile":
        return f(a, window, 0.3, min_count, **kw)
    return f(a, window, min_count, **kw)


# Chunkings of a length-40 axis: smaller than the window, uneven, single chunk.
CHUNKS_40 = {
    "tiny": 3,
    "uneven": (1, 9, 2, 13, 15),
    "single": 40,
    "ones_then_big": (1, 1, 1, 37),
}


@pytest.fixture(autouse=True)
def _threads():
    with dask.config.set(scheduler="threads"):
        yield


def _data(shape, dtype=np.float64, seed=0, nan=True):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape) * 10 + 3
    if nan:
        a.flat[rng.choice(a.size, a.size // 6, replace=False)] = np.nan
        a[..., 5:12] = np.nan  # a NaN run across chunk borders
    return a.astype(dtype)


def _close(got, want, rtol=1e-12):
    want = np.asarray(want)
    assert got.dtype == want.dtype
    assert got.shape == want.shape
    finite = np.abs(want[np.isfinite(want)])
    scale = max(1.0, float(finite.max())) if finite.size else 1.0
    tol = rtol if want.dtype == np.float64 else 1e-6
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * scale, equal_nan=True)


def test_import_fastcpp_does_not_import_dask():
    code = "import sys, fastcpp; assert 'dask' not in sys.modules, 'dask imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("name", MOVE)
@pytest.mark.parametrize("chunks", CHUNKS_40.values(), ids=CHUNKS_40.keys())
@pytest.mark.parametrize(
    ("window", "min_count"), [(1, None), (4, None), (7, 2), (40, 1)]
)
def test_move_1d(name, chunks, window, min_count):
    a = _data(40)
    x = da.from_array(a, chunks=chunks)
    got = _move(fd, name, x, window, min_count)
    assert got.chunks == x.chunks
    _close(got.compute(), _move(fastcpp, name, a, window, min_count))


@pytest.mark.parametrize("name", MOVE)
@pytest.mark.parametrize("axis", [0, -1, 1])
def test_move_nd_axis_float32(name, axis):
    a = _data((13, 11, 6), np.float32, seed=1)
    x = da.from_array(a, chunks=(4, 3, (2, 4)))
    got = _move(fd, name, x, 5, 3, axis=axis).compute()
    want = _move(fastcpp, name, a, 5, 3, axis=axis)
    assert got.dtype == np.float32
    _close(got, want)


@pytest.mark.parametrize("name", MOVE)
@pytest.mark.parametrize("chunks", CHUNKS_40.values(), ids=CHUNKS_40.keys())
@pytest.mark.parametrize("window", [2, 5, 8, 40])
def test_move_center(name, chunks, window):
    """center=: overlap on both sides (the trailing result of the series
    followed by NaNs), equal to the in-memory call."""
    a = _data(40)
    x = da.from_array(a, chunks=chunks)
    got = _move(fd, name, x, window, 2, center=True)
    assert got.chunks == x.chunks
    _close(got.compute(), _move(fastcpp, name, a, window, 2, center=True), rtol=1e-9)


def test_move_center_nd_int_and_quantile_sequence():
    a = (_data((6, 30), nan=False) * 3).astype(np.int32)
    x = da.from_array(a, chunks=(4, 7))
    for axis in (0, 1):
        got = fd.move_median(x, 4, 1, axis=axis, center=True).compute()
        _close(got, fastcpp.move_median(a, 4, 1, axis=axis, center=True))
    b = _data((2, 30))
    y = da.from_array(b, chunks=(1, 6))
    got = fd.move_quantile(y, 7, [0.2, 0.8], 3, center=True).compute()
    _close(got, fastcpp.move_quantile(b, 7, [0.2, 0.8], 3, center=True))


def test_move_quantile_sequence_one_pass():
    """A q list: one block per block of a (the whole q axis in it), equal to
    the in-memory result; blocks shorter than the window and than min_count."""
    b = _data((3, 45))
    qs = [0.1, 0.25, 0.5, 0.75, 0.9]
    for chunks in ((2, 4), (3, (1, 2, 20, 22))):
        y = da.from_array(b, chunks=chunks)
        for axis, mc in ((1, 3), (1, None), (0, 1)):
            got = fd.move_quantile(y, 6 if axis else 3, qs, mc, axis=axis)
            assert got.shape == (5, 3, 45)
            assert got.chunks[1:] == y.chunks
            want = fastcpp.move_quantile(b, 6 if axis else 3, qs, mc, axis=axis)
            _close(got.compute(), want)


def test_move_lengths_and_out_not_implemented():
    x = da.from_array(_data(40), chunks=8)
    with pytest.raises(NotImplementedError, match="lengths"):
        fd.move_mean(x, 3, lengths=[20, 20])
    with pytest.raises(NotImplementedError, match="out="):
        fd.move_mean(x, 3, out=np.empty(40))
    with pytest.raises(TypeError, match="center"):
        fd.move_mean(x, 3, center="yes")
    for name in ("move_cov", "move_corr"):
        f = getattr(fd, name)
        with pytest.raises(NotImplementedError, match="lengths"):
            f(x, x, 3, lengths=[20, 20])
        with pytest.raises(NotImplementedError, match="out="):
            f(x, x, 3, out=np.empty(40))


def test_move_pair_dtype_and_broadcast_as_in_memory():
    a = (np.arange(30) % 7).astype(np.int8)
    b = np.cos(np.arange(30.0)).astype(np.float32)
    for x, y in ((a, b), (b, a), (a.astype(bool), b), (b, b)):
        want = fastcpp.move_cov(x, y, 5)
        got = fd.move_cov(da.from_array(x, chunks=7), da.from_array(y, chunks=7), 5)
        assert got.dtype == want.dtype
        assert got.compute().dtype == want.dtype
        np.testing.assert_allclose(got.compute(), want, rtol=1e-6, equal_nan=True)
    with pytest.raises(ValueError, match=r"move_cov: shapes of a \(30,\), b \(29,\)"):
        fd.move_cov(da.from_array(b, chunks=7), da.from_array(b[:29], chunks=7), 5)


@pytest.mark.parametrize("name", ["move_var", "move_std"])
def test_move_ddof(name):
    a = _data(40)
    x = da.from_array(a, chunks=6)
    got = getattr(fd, name)(x, 9, 3, ddof=1).compute()
    _close(got, getattr(fastcpp, name)(a, 9, 3, ddof=1))


def test_move_int_input_gives_float64():
    a = np.arange(30, dtype=np.int32) % 7
    x = da.from_array(a, chunks=4)
    got = fd.move_median(x, 6).compute()
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, fastcpp.move_median(a, 6))


def test_move_exact_for_order_statistics():
    a = np.round(_data(200, seed=3))
    x = da.from_array(a, chunks=(7, 50, 3, 140))
    for name in ["move_min", "move_max", "move_argmin", "move_argmax", "move_median"]:
        np.testing.assert_array_equal(
            getattr(fd, name)(x, 25, 4).compute(), getattr(fastcpp, name)(a, 25, 4)
        )


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda x: fd.move_mean(x, 41), ValueError, "window"),
        (lambda x: fd.move_mean(x, 0), ValueError, "window"),
        (lambda x: fd.move_mean(x, 4, 5), ValueError, "min_count"),
        (lambda x: fd.move_mean(x, 4, axis=1), np.exceptions.AxisError, "axis"),
        (lambda x: fd.move_mean(x.astype(complex), 4), TypeError, "complex"),
        (lambda x: fd.ema(x, 0.0), ValueError, "alpha"),
        (lambda x: fd.ema(x, 0.5, axis=2), np.exceptions.AxisError, "axis"),
        (lambda x: fd.ema(x, 0.5, method="magic"), ValueError, "method"),
        (lambda x: fd.rolling_sum_squares(x, 41), ValueError, "window"),
        (lambda x: fd.median_filter(x, 3, origin=2), ValueError, "origin"),
    ],
)
def test_errors_like_in_memory(call, exc, match):
    x = da.from_array(_data(40), chunks=3)  # window 41 > 40 though chunks are 3
    with pytest.raises(exc, match=match):
        call(x)


def test_window_error_message_is_the_in_memory_one():
    a = _data(40)
    with pytest.raises(ValueError, match="window") as want:
        fastcpp.move_sum(a, 50)
    with pytest.raises(ValueError, match="window") as got:
        fd.move_sum(da.from_array(a, chunks=4), 50)
    assert str(got.value) == str(want.value)


def test_zero_d_rejected():
    with pytest.raises(ValueError, match=r"0-d|dimension"):
        fd.move_sum(da.from_array(np.float64(1.0)), 1)


@pytest.mark.parametrize("window", [1, 4, 13, 40])
@pytest.mark.parametrize("chunks", [3, (1, 9, 2, 13, 15), 40])
def test_rolling_valid_forms(window, chunks):
    a = _data((3, 40), nan=False)
    x = da.from_array(a, chunks=(2, chunks))
    got = fd.rolling_sum_squares(x, window)
    assert got.shape == (3, 40 - window + 1)
    _close(got.compute(), fastcpp.rolling_sum_squares(a, window))
    means, stds = fd.rolling_mean_std(x, window)
    want_m, want_s = fastcpp.rolling_mean_std(a, window)
    m, s = dask.compute(means, stds)
    _close(m, want_m)
    _close(s, want_s)


def test_rolling_valid_float32_and_nan():
    a = _data((2, 30), np.float32, nan=True)
    x = da.from_array(a, chunks=(1, 4))
    got = fd.rolling_sum_squares(x, 5).compute()
    assert got.dtype == np.float32
    _close(got, fastcpp.rolling_sum_squares(a, 5))


METHODS = ["parallel", "sequential"]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("adjust", [False, True])
@pytest.mark.parametrize("alpha", [0.3, 0.5, 1.0, 0.01])
@pytest.mark.parametrize("chunks", CHUNKS_40.values(), ids=CHUNKS_40.keys())
def test_ema_1d(adjust, alpha, chunks, method):
    a = _data(40)
    x = da.from_array(a, chunks=chunks)
    got = fd.ema(x, alpha, adjust=adjust, method=method)
    assert got.chunks == x.chunks
    want = fastcpp.ema(a, alpha, adjust=adjust)
    if method == "sequential":
        np.testing.assert_array_equal(got.compute(), want)  # bit for bit
    else:
        _close(got.compute(), want)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("adjust", [False, True])
def test_ema_nan_patterns(adjust, method):
    rng = np.random.default_rng(5)
    a = rng.standard_normal((6, 300))
    a[0, :150] = np.nan  # leading NaNs over several chunks
    a[1, 40:260] = np.nan  # a long gap spanning chunks
    a[2] = np.nan  # all NaN
    a[3, ::2] = np.nan
    a[4, 299] = np.nan
    a[5, 1:] = np.nan  # one observation, then decay only
    x = da.from_array(a, chunks=(4, 23))
    check = np.testing.assert_array_equal if method == "sequential" else _close
    for alpha in [0.05, 0.5, 0.9, 1.0]:
        check(
            fd.ema(x, alpha, adjust=adjust, method=method).compute(),
            fastcpp.ema(a, alpha, adjust=adjust),
        )


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("adjust", [False, True])
@pytest.mark.parametrize("axis", [0, -1])
def test_ema_nd_axis_float32(adjust, axis, method):
    a = _data((50, 7), np.float32, seed=2)
    x = da.from_array(a, chunks=(6, 3))
    got = fd.ema(x, 0.2, axis=axis, adjust=adjust, method=method).compute()
    want = fastcpp.ema(a, 0.2, axis=axis, adjust=adjust)
    assert got.dtype == np.float32
    # float32 results are the float64 state rounded once: equal but for the
    # rare value sitting on a rounding boundary.
    np.testing.assert_allclose(got, want, rtol=1e-6, equal_nan=True)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("adjust", [False, True])
@pytest.mark.parametrize("alpha", [0.5, 0.9, 0.001])
def test_ema_long_chunks(adjust, alpha, method):
    # Chunks longer than the reach of the carried weight, NaN gaps at borders.
    rng = np.random.default_rng(8)
    a = rng.standard_normal((2, 9000)) + 5
    a[0, 2990:3400] = np.nan
    a[1, rng.choice(9000, 3000, replace=False)] = np.nan
    x = da.from_array(a, chunks=(1, 3000))
    _close(
        fd.ema(x, alpha, adjust=adjust).compute(), fastcpp.ema(a, alpha, adjust=adjust)
    )


def test_ema_adjust_false_first_chunk_bit_identical():
    a = _data(400, seed=9)
    got = fd.ema(da.from_array(a, chunks=100), 0.1).compute()
    want = fastcpp.ema(a, 0.1)
    np.testing.assert_array_equal(got[:100], want[:100])
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-13 * np.nanmax(abs(want)))


@pytest.mark.parametrize("adjust", [False, True])
@pytest.mark.parametrize("alpha", [0.05, 0.5])
def test_ema_sequential_bit_identical_any_chunking(alpha, adjust):
    # The in-memory adjust=False kernel runs in blocks of 8 at fixed positions
    # (x86-64-v3 and above); the sequential chain carries the state at the
    # last block boundary plus the points after it; adjust=True carries the
    # mean and total weight into the core's own steps: the same bits
    # whatever the chunks, across NaN runs, constant runs and rows that
    # start late, with min_periods, in float32 too.
    rng = np.random.default_rng(12)
    a = rng.standard_normal((3, 203)) * 3 + 10
    a[0, rng.random(203) < 0.1] = np.nan
    a[1, 50:90] = 4.25
    a[1, 120:133] = np.nan
    a[2, :21] = np.nan
    for dtype, min_periods in ((np.float64, 0), (np.float32, 4)):
        b = a.astype(dtype)
        want = fastcpp.ema(b, alpha, adjust=adjust, min_periods=min_periods)
        for chunks in [(3, 5), (2, 8), (3, (1, 2, 13, 7, 100, 80)), (1, 64)]:
            got = fd.ema(
                da.from_array(b, chunks=chunks),
                alpha,
                adjust=adjust,
                min_periods=min_periods,
                method="sequential",
            ).compute()
            assert got.dtype == want.dtype
            np.testing.assert_array_equal(got, want, err_msg=str(chunks))


def test_ema_inf_follows_kernel():
    a = np.arange(30.0)
    a[10] = np.inf
    x = da.from_array(a, chunks=4)
    np.testing.assert_array_equal(fd.ema(x, 0.3).compute(), fastcpp.ema(a, 0.3))
    _close(fd.ema(x, 0.3, adjust=True).compute(), fastcpp.ema(a, 0.3, adjust=True))
    a[20] = -np.inf  # inf - inf: NaN from there on
    x = da.from_array(a, chunks=4)
    np.testing.assert_array_equal(
        fd.ema(x, 0.3, method="sequential").compute(), fastcpp.ema(a, 0.3)
    )
    for adjust in (False, True):
        _close(
            fd.ema(x, 0.3, adjust=adjust).compute(), fastcpp.ema(a, 0.3, adjust=adjust)
        )


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
@pytest.mark.parametrize("chunks", [7, (3, 50, 147), 200])
def test_describe(dtype, chunks):
    rng = np.random.default_rng(4)
    a = (rng.standard_normal(200) * 100 + 1e6).astype(dtype)
    acc = fd.describe(da.from_array(a, chunks=chunks))
    ref = fastcpp.Accumulator()
    ref.add_many(a)
    assert isinstance(acc, fastcpp.Accumulator)
    assert acc.count == ref.count
    assert acc.min == ref.min
    assert acc.max == ref.max
    assert acc.total == pytest.approx(ref.total, rel=1e-15)
    assert acc.mean() == pytest.approx(ref.mean(), rel=1e-15)
    assert acc.variance() == pytest.approx(ref.variance(), rel=1e-12)
    assert acc.skewness() == pytest.approx(ref.skewness(), rel=1e-9, abs=1e-12)
    assert acc.kurtosis() == pytest.approx(ref.kurtosis(), rel=1e-9, abs=1e-12)


def test_describe_nd_nan_and_delayed():
    a = _data((20, 30))
    x = da.from_array(a, chunks=(7, 4))
    lazy = fd.describe(x, compute=False, split_every=2)
    assert isinstance(lazy, Delayed)
    acc = lazy.compute()
    assert acc.count == a.size
    assert np.isnan(acc.total)
    clean = fd.describe(da.from_array(np.nan_to_num(a), chunks=(7, 4)))
    ref = fastcpp.Accumulator()
    ref.add_many(np.nan_to_num(a))
    assert clean.variance() == pytest.approx(ref.variance(), rel=1e-13)


def test_describe_empty_and_bad_split():
    acc = fd.describe(da.zeros((0, 5), chunks=2))
    assert acc.count == 0
    with pytest.raises(ValueError, match="split_every"):
        fd.describe(da.zeros(3), split_every=1)


MEDIAN_MODES = ["reflect", "mirror", "nearest", "wrap", "constant", "grid-wrap"]


@pytest.mark.parametrize("mode", MEDIAN_MODES)
@pytest.mark.parametrize("size", [3, (4, 2), (1, 6), (5, 5), (30, 3)])
def test_median_filter_modes_sizes(mode, size):
    rng = np.random.default_rng(6)
    img = rng.integers(0, 255, (23, 29)).astype(np.uint8)
    x = da.from_array(img, chunks=(6, (5, 10, 14)))
    got = fd.median_filter(x, size, mode=mode, cval=300).compute()
    want = _median(img, size, mode=mode, cval=300)
    assert got.dtype == np.uint8
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int16, np.bool_])
def test_median_filter_dtypes_single_and_tiny_chunks(dtype):
    rng = np.random.default_rng(7)
    img = (rng.standard_normal((17, 12)) * 50).astype(dtype)
    if dtype == np.float64:
        img[3, 4] = np.nan
    for chunks, size in [((17, 12), (3, 4)), (2, (3, 4)), (3, (7, 9))]:
        got = fd.median_filter(da.from_array(img, chunks=chunks), size).compute()
        want = _median(img, size)
        assert got.dtype == img.dtype
        np.testing.assert_array_equal(got, want)


def test_median_filter_errors():
    x = da.zeros((5, 5), chunks=2)
    with pytest.raises(ValueError, match="mode"):
        fd.median_filter(x, 3, mode="bogus")
    with pytest.raises(ValueError, match="size"):
        fd.median_filter(x, 0)
    with pytest.raises(TypeError, match="complex"):
        fd.median_filter(x.astype(complex), 3)


def test_zero_length_chunks_and_empty_arrays():
    a = np.arange(10.0)
    a[4] = np.nan
    x = da.from_array(a, chunks=((3, 0, 7),))
    _close(fd.move_mean(x, 4, 2).compute(), fastcpp.move_mean(a, 4, 2))
    _close(fd.rolling_sum_squares(x, 3).compute(), fastcpp.rolling_sum_squares(a, 3))
    for method in METHODS:
        for adjust in (False, True):
            got = fd.ema(x, 0.3, adjust=adjust, method=method).compute()
            _close(got, fastcpp.ema(a, 0.3, adjust=adjust))
    empty = np.zeros((0, 5))
    e = da.from_array(empty, chunks=2)
    assert fd.move_mean(e, 2).compute().shape == fastcpp.move_mean(empty, 2).shape
    assert fd.ema(e, 0.5, axis=0).compute().shape == (0, 5)
    assert fd.median_filter(e, 3).compute().shape == (0, 5)
