"""median_filter(nan_policy="omit") on the sorting-network paths, bit for bit
against the sort-every-window reference: the k x k pair kernels' two
networks (ranks t - 3 .. t when every lane of a block has at most 7 NaN,
else ranks 0 .. t) with blocks that mix both, outputs converted in registers
(contiguous rows) or stored as keys and converted after (strided `out=`),
rows narrower than a vector, odd row counts, interleaved channels."""

from __future__ import annotations

import numpy as np
import pytest

import fastcpp
from reference_median_filter import (
    assert_same_floats,
    nan_image,
    nan_omit_median_ref,
    stable_rng,
)

DTYPES = [np.float32, np.float64, np.float16]


@pytest.mark.parametrize("dtype", DTYPES)
def test_blocks_mixing_few_and_many_nan(dtype):
    """~30% NaN: 5 x 5 windows hold 7 or 8 NaN side by side, so blocks of
    lanes switch between the two networks; bands of 0% and 100% NaN too."""
    rng = stable_rng("mix", np.dtype(dtype).name)
    a = nan_image((43, 77), dtype, 0.3, rng)
    a[5:9] = np.nan  # whole rows of NaN: windows with 10 .. 25 NaN
    a[20:26, 30:] = nan_image((6, 47), dtype, 0.0, rng)
    for size in [3, 5, (5, 3), 4]:
        for mode in ["reflect", "constant", "wrap"]:
            got = fastcpp.median_filter(
                a, size, mode=mode, cval=-0.0, nan_policy="omit"
            )
            want = nan_omit_median_ref(a, size, mode, cval=-0.0)
            assert_same_floats(got, want, f"size={size} mode={mode}")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fraction", [0.1, 0.28, 0.6])
def test_nan_count_per_window_at_every_value(dtype, fraction):
    """Every NaN count 0 .. 25 of a 5 x 5 window somewhere in the image."""
    rng = stable_rng("counts", np.dtype(dtype).name, fraction)
    a = nan_image((64, 70), dtype, 0.0, rng)
    # Column bands whose NaN density rises left to right.
    p = np.linspace(0.0, 1.0, a.shape[1])[None, :] * fraction / 0.3
    a[rng.random(a.shape) < p] = np.nan
    got = fastcpp.median_filter(a, 5, nan_policy="omit")
    assert_same_floats(got, nan_omit_median_ref(a, 5))


@pytest.mark.parametrize("dtype", DTYPES)
def test_layouts(dtype):
    """Strided out= (keys stored, converted after), rows narrower than a
    vector, a single row, odd row counts, a transposed input, channels."""
    rng = stable_rng("layouts", np.dtype(dtype).name)
    a = nan_image((31, 40), dtype, 0.25, rng)
    want = nan_omit_median_ref(a, 5, "nearest")
    buf = np.full((31, 80), 7, dtype)
    out = buf[:, ::2]
    got = fastcpp.median_filter(a, 5, mode="nearest", nan_policy="omit", out=out)
    assert got is out or np.shares_memory(got, buf)
    assert_same_floats(out, want)
    assert np.all(buf[:, 1::2] == 7)  # nothing written between the columns
    for shape in [(9, 3), (1, 30), (2, 5), (7, 17), (33, 1)]:
        b = nan_image(shape, dtype, 0.3, rng)
        for size in [3, 5]:
            got = fastcpp.median_filter(b, size, mode="mirror", nan_policy="omit")
            want = nan_omit_median_ref(b, size, "mirror")
            assert_same_floats(got, want, f"{shape} {size}")
    t = nan_image((40, 29), dtype, 0.25, rng).T
    assert_same_floats(
        fastcpp.median_filter(t, 5, nan_policy="omit"), nan_omit_median_ref(t, 5)
    )
    rgb = nan_image((19, 37, 3), dtype, 0.3, rng)
    got = fastcpp.median_filter(rgb, 5, axes=(0, 1), nan_policy="omit")
    want = np.stack([nan_omit_median_ref(rgb[..., c], 5) for c in range(3)], axis=-1)
    assert_same_floats(got, want)


def test_threads_agree():
    rng = stable_rng("threads")
    a = nan_image((300, 257), np.float32, 0.12, rng)
    want = nan_omit_median_ref(a, 5)
    for n in [1, 2, 3]:
        with fastcpp.threads(n):
            assert_same_floats(fastcpp.median_filter(a, 5, nan_policy="omit"), want)
