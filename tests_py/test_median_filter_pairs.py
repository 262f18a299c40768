"""median_filter's square boxes 4x4 ... 11x11 on the shared-row pair networks
(median_filter_pair.cpp, _11.cpp): every key type they serve (8-bit: uint8, int8,
bool; 32-bit: float32, int32, uint32 -- on 16-byte vectors as signed lanes),
run at every SIMD level the tests are run at. Specials in the key order
(-0.0 below +0.0, NaN above +inf) checked bit for bit against sorting every
window's keys; the rest against scipy."""

from __future__ import annotations

import numpy as np
import pytest

import fastcpp
from reference_median_filter import (
    _PAD,
    _from_keys,
    _keys,
    assert_same_floats,
    stable_rng,
)

ndi = pytest.importorskip("scipy.ndimage")

MODES = ["reflect", "nearest", "mirror", "constant", "wrap"]
SIZES = [4, 5, 6, 7, 8, 9, 10, 11]
DTYPES = [np.uint8, np.int8, bool, np.float32, np.int32, np.uint32]


def image(shape, dtype, rng):
    dt = np.dtype(dtype)
    if dt.kind == "b":
        return rng.random(shape) < 0.5
    if dt.kind == "f":
        a = (np.round(rng.standard_normal(shape) * 8) / 4).astype(dt)  # ties
        a[a == 0] = 0.0  # no -0.0: scipy's order leaves -0.0 and +0.0 unsorted
        return a
    info = np.iinfo(dt)
    # The extremes and the values around the sign bit's flip.
    a = rng.integers(info.min, info.max, shape, dtype=dt, endpoint=True)
    special = [info.min, info.max, 0, 1] + (
        [info.max // 2, info.max // 2 + 1] if dt.kind == "u" else [-1]
    )
    flat = a.reshape(-1)
    flat[::7] = rng.choice(np.array(special, dt), flat[::7].size)
    return a


def key_median(a, size, mode, cval):
    """Median of every window in the key order, from sorting the keys."""
    pads = (size // 2, size - 1 - size // 2)
    kw = {"constant_values": a.dtype.type(cval)} if mode == "constant" else {}
    p = _keys(np.pad(a, (pads, pads), _PAD[mode], **kw))
    win = np.lib.stride_tricks.sliding_window_view(p, (size, size))
    win = win.reshape(*a.shape, size * size)
    return _from_keys(np.sort(win, axis=-1)[..., size * size // 2], a.dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("size", SIZES)
def test_pairs_match_scipy(dtype, size):
    """Odd and even row counts, columns around 4, 16, 32 and 64 lanes, every
    mode, a cval inside the range, a view with strides, channels."""
    rng = stable_rng("pairs", np.dtype(dtype).name, size)
    for shape in [(1, 3), (2, 5), (7, 4), (6, 17), (9, 33), (12, 65), (70, 140)]:
        a = image(shape, dtype, rng)
        for mode in MODES if shape[0] < 50 else ["reflect", "constant"]:
            got = fastcpp.median_filter(a, size, mode=mode, cval=1)
            want = ndi.median_filter(a, size=size, mode=mode, cval=1)
            assert_same_floats(got, want, f"shape={shape} mode={mode}")
    a = image((50, 120), dtype, rng)
    view = a[1::2, ::3]  # strided rows and columns: padded from the view
    got = fastcpp.median_filter(view, size, mode="mirror")
    assert_same_floats(got, ndi.median_filter(view, size=size, mode="mirror"))
    out = np.zeros((25, 80), a.dtype)[:, ::2]  # strided output
    fastcpp.median_filter(view, size, mode="wrap", out=out)
    assert_same_floats(out, ndi.median_filter(view, size=size, mode="wrap"))
    rgb = image((21, 43, 3), dtype, rng)  # channels interleaved into the columns
    got = fastcpp.median_filter(rgb, (size, size, 1), mode="nearest")
    want = ndi.median_filter(rgb, size=(size, size, 1), mode="nearest")
    assert_same_floats(got, want)


@pytest.mark.parametrize("size", SIZES)
def test_pairs_float32_specials(size):
    """NaN (both signs), +-inf, -0.0 and +0.0 among few distinct values, in
    the rows, on the border columns and as the constant border: every bit as
    sorting the keys gives."""
    rng = stable_rng("pairs specials", size)
    a = (np.round(rng.standard_normal((45, 83)) * 2) / 2).astype(np.float32)
    special = rng.random(a.shape)
    a[special < 0.1] = -0.0
    a[(special >= 0.1) & (special < 0.2)] = 0.0
    a[(special >= 0.2) & (special < 0.25)] = np.inf
    a[(special >= 0.25) & (special < 0.3)] = -np.inf
    a[(special >= 0.3) & (special < 0.4)] = np.nan
    a[(special >= 0.4) & (special < 0.42)] = -np.nan
    a[:, 0] = -0.0
    a[:, -1] = np.nan
    a[10:20, 30:50] = np.nan  # windows of NaN only
    for v in [a, a[::-1, 1:], a[:, ::2]]:
        for mode in MODES:
            for cval in [0.0, -0.0, np.nan, -np.inf] if mode == "constant" else [0.0]:
                got = fastcpp.median_filter(v, size, mode=mode, cval=cval)
                want = key_median(v, size, mode, cval)
                assert_same_floats(
                    got, want, f"shape={v.shape} mode={mode} cval={cval}"
                )
