"""median_filter's small square boxes (sizes 3 ... 9, the sorting-network paths:
3x3 two rows per pass, 4x4 ... 9x9 shared-row pair networks) against scipy and
a sort reference: odd and even row counts, columns around the vector width,
images taller than one tile, strides, channels, NaN and +-inf."""

from __future__ import annotations

import numpy as np
import pytest

import fastcpp
from reference_median_filter import assert_same_floats, median_filter_ref, stable_rng

ndi = pytest.importorskip("scipy.ndimage")

MODES = ["reflect", "nearest", "mirror", "constant", "wrap"]
# Key widths 8 / 16 / 32 / 64 bits, on and off the pair networks.
DTYPES = [np.uint8, np.int8, np.uint16, np.float32, np.int32, np.float64]
SIZES = [3, 4, 5, 6, 7, 8, 9]


def image(shape, dtype, rng):
    dt = np.dtype(dtype)
    if dt.kind == "f":
        a = (rng.standard_normal(shape) * 50).astype(dt)
        a.flat[:: max(1, a.size // 7)] = 0.0  # ties
        return a
    info = np.iinfo(dt)
    return rng.integers(info.min, info.max, shape, dtype=dt, endpoint=True)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("size", SIZES)
def test_boxes_match_scipy(dtype, size):
    rng = stable_rng("small boxes", np.dtype(dtype).name, size)
    # Odd/even rows; columns below, at and past 16, 32 and 64 lanes; one
    # image taller than a tile (whose last tile has an odd row count).
    for shape in [(1, 1), (2, 3), (5, 17), (8, 33), (13, 64), (131, 70)]:
        a = image(shape, dtype, rng)
        for mode in MODES if shape[0] < 100 else ["nearest", "reflect"]:
            got = fastcpp.median_filter(a, size, mode=mode, cval=1)
            want = ndi.median_filter(a, size=size, mode=mode, cval=1)
            assert_same_floats(got, want, f"shape={shape} mode={mode}")


@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
@pytest.mark.parametrize("size", [3, 4, 6])
def test_strided_and_channels(dtype, size):
    rng = stable_rng("small strided", np.dtype(dtype).name, size)
    a = image((40, 90), dtype, rng)
    view = a[1::2, ::3]  # strided rows and columns
    got = fastcpp.median_filter(view, size, mode="mirror")
    assert_same_floats(got, ndi.median_filter(view, size=size, mode="mirror"))
    rgb = image((23, 45, 3), dtype, rng)  # channels interleaved into the columns
    got = fastcpp.median_filter(rgb, (size, size, 1), mode="nearest")
    want = ndi.median_filter(rgb, size=(size, size, 1), mode="nearest")
    assert_same_floats(got, want)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size", [3, 4, 5, 6])
def test_nan_and_inf(dtype, size):
    """NaN sorts above +inf (NumPy order), checked against np.sort of windows."""
    rng = stable_rng("small nan", np.dtype(dtype).name, size)
    a = image((37, 71), dtype, rng)
    a[rng.random(a.shape) < 0.25] = np.nan
    a[rng.random(a.shape) < 0.1] = np.inf
    a[rng.random(a.shape) < 0.1] = -np.inf
    a[5:12, 20:40] = np.nan
    for mode in ["nearest", "constant"]:
        got = fastcpp.median_filter(a, size, mode=mode, cval=np.nan)
        want = median_filter_ref(a, size, mode, np.nan)
        assert_same_floats(got, want, f"mode={mode}")


@pytest.mark.parametrize(
    "dtype",
    [np.uint8, np.int8, np.int16, np.float16, np.float32, np.int32, np.float64, bool],
    ids=lambda d: np.dtype(d).name,
)
def test_3x3_rows_read_in_place(dtype):
    """3x3 reads contiguous image rows in place (runs of >= 64 bytes): every
    mode and cval, the border columns, views whose rows are not adjacent, a
    reversed row axis, a batch axis, runs around 64 bytes, tiles."""
    rng = stable_rng("3x3 in place", np.dtype(dtype).name)
    lanes = 64 // np.dtype(dtype).itemsize

    def scipy_3x3(v, mode, cval):  # scipy has no float16: float32 selects the same
        if np.isnan(cval):  # scipy's order of NaN is its own: NumPy's here
            return median_filter_ref(v, 3, mode, cval)
        wide = v.astype(np.float32) if v.dtype == np.float16 else v
        return ndi.median_filter(wide, size=3, mode=mode, cval=cval).astype(v.dtype)

    if np.dtype(dtype) == bool:
        a = rng.random((37, 3 * lanes + 5)) < 0.5
    else:
        a = image((37, 3 * lanes + 5), dtype, rng)
    cvals = [0, 1 if a.dtype == bool else 7] + (
        [np.nan, -np.inf] if a.dtype.kind == "f" else []
    )
    views = [
        a,
        a[:, 3:],
        a[::-1],
        a[2:30:3, 1 : lanes + 3],
        a[:, : lanes + 1],
        a[:, :lanes],
    ]
    for v in views:
        for mode in MODES:
            for cval in cvals if mode == "constant" else [0]:
                got = fastcpp.median_filter(v, 3, mode=mode, cval=cval)
                want = scipy_3x3(v, mode, cval)
                assert_same_floats(
                    got, want, f"shape={v.shape} mode={mode} cval={cval}"
                )
    if a.dtype.kind == "f":  # NaN and +-inf in the rows and on their ends
        b = a.copy()
        b[rng.random(b.shape) < 0.2] = np.nan
        b[rng.random(b.shape) < 0.1] = np.inf
        b[rng.random(b.shape) < 0.1] = -np.inf
        b[:, 0] = np.nan
        b[:, -1] = -np.nan
        for mode in ["nearest", "wrap", "constant"]:
            got = fastcpp.median_filter(b, 3, mode=mode, cval=np.nan)
            assert_same_floats(
                got, median_filter_ref(b, 3, mode, np.nan), f"mode={mode}"
            )
    stack = np.stack([a, a[::-1]])  # a batch axis, and rows taller than a tile
    got = fastcpp.median_filter(stack, (1, 3, 3), mode="reflect")
    want = np.stack([scipy_3x3(s, "reflect", 0) for s in stack])
    assert_same_floats(got, want)
    tall = np.concatenate([a] * 12)
    got = fastcpp.median_filter(tall, 3, mode="mirror")
    assert_same_floats(got, scipy_3x3(tall, "mirror", 0))


def _key_median_3x3(a, mode, cval):
    """3x3 median in the key order (-0.0 below +0.0, NaN above +inf): pad,
    sort every window's keys, take the middle one."""
    from reference_median_filter import _from_keys, _keys

    pad = {"reflect": "symmetric", "nearest": "edge", "mirror": "reflect"}.get(
        mode, mode
    )
    kw = {"constant_values": np.float32(cval)} if mode == "constant" else {}
    p = _keys(np.pad(a, 1, pad, **kw))
    win = np.lib.stride_tricks.sliding_window_view(p, (3, 3)).reshape(*a.shape, 9)
    return _from_keys(np.sort(win, axis=-1)[..., 4], a.dtype)


def test_3x3_float32_rows_without_nan_or_negative_zero():
    """float32 3x3 runs rows without NaN and -0.0 on float min/max and the
    others on keys, per pair of output rows: rows with one NaN, one -NaN,
    one -0.0 (inside and on the border columns), +0.0 only, clean rows,
    a constant border of -0.0, +0.0 or NaN; every result bit as the keys'."""
    rng = stable_rng("3x3 float rows")
    a = (np.round(rng.standard_normal((41, 150)) * 4) / 4).astype(np.float32)
    a[a == 0] = 0.0  # np.round leaves -0.0: the specials below are the only ones
    a[5, 77] = -0.0
    a[11, 3] = np.nan
    a[12, 149] = -np.nan
    a[20, 0] = -0.0
    a[21, 149] = -0.0
    a[26:28, ::3] = 0.0
    a[33, 60:70] = np.inf
    a[34, 40] = -np.inf
    for v in [a, a[::-1], a[:, 1:], np.concatenate([a] * 5)]:
        for mode in MODES:
            for cval in [0.0, -0.0, np.nan, 2.5] if mode == "constant" else [0.0]:
                got = fastcpp.median_filter(v, 3, mode=mode, cval=cval)
                want = _key_median_3x3(v, mode, cval)
                assert_same_floats(
                    got, want, f"shape={v.shape} mode={mode} cval={cval}"
                )
    clean = a[22:26]  # no NaN, no -0.0: the float path throughout
    for mode in MODES:
        got = fastcpp.median_filter(clean, 3, mode=mode, cval=-1.5)
        assert_same_floats(got, ndi.median_filter(clean, size=3, mode=mode, cval=-1.5))
