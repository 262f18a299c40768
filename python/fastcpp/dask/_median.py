"""median_filter() over 2-D dask arrays: explicit border padding + overlap."""

from __future__ import annotations

from functools import partial
from typing import Any

import dask.array as da
import numpy as np
from dask.array.core import Array

from fastcpp import _core as _core_module

_core: Any = _core_module  # median_filter is typed in _core.pyi by its own branch

# scipy.ndimage border mode -> the numpy.pad mode that extends the same way.
_PAD_MODE = {
    "reflect": "symmetric",  # d c b a | a b c d
    "grid-mirror": "symmetric",
    "mirror": "reflect",  # d c b | a b c d
    "nearest": "edge",  # a a | a b
    "wrap": "wrap",  # c d | a b
    "grid-wrap": "wrap",
    "constant": "constant",  # k k | a b
    "grid-constant": "constant",
}


def _np_pad(
    block: np.ndarray, widths: Any, mode: Any, kwargs: dict[str, Any]
) -> np.ndarray:
    return np.pad(block, widths, mode=mode, **kwargs)


def _pad_axis(
    x: Array, axis: int, left: int, right: int, mode: str, kwargs: dict[str, Any]
) -> Array:
    if left == 0 and right == 0:
        return x
    widths = [(0, 0)] * x.ndim
    widths[axis] = (left, right)
    if max(left, right) < x.shape[axis]:
        return da.pad(x, widths, mode=mode, **kwargs)
    # Border wider than the image (dask's pad is not numpy's then): do it in
    # one block along this axis, where numpy.pad is exact.
    x = x.rechunk({axis: -1})
    chunks = list(x.chunks)
    chunks[axis] = (x.shape[axis] + left + right,)
    return da.map_blocks(
        _np_pad, x, tuple(widths), mode, kwargs, chunks=tuple(chunks), dtype=x.dtype
    )


def _filter_block(block: np.ndarray, size: tuple[int, ...]) -> np.ndarray:
    # The padding supplies every border value: mode does not matter here.
    return _core.median_filter(block, size, mode="nearest")


def median_filter(
    image: Any, size: Any, *, mode: str = "reflect", cval: Any = 0
) -> Array:
    x = da.asarray(image)
    # Validate as the in-memory call does (dtype, ndim, size, mode, cval).
    probe = np.zeros((1,) * x.ndim, dtype=x.dtype)
    _core.median_filter(probe, size, mode=mode, cval=cval)
    sizes = (int(size),) * 2 if np.ndim(size) == 0 else tuple(int(s) for s in size)
    if x.size == 0:
        return x.map_blocks(
            _core.median_filter, sizes, mode=mode, cval=cval, dtype=x.dtype
        )
    pad_mode = _PAD_MODE[mode]
    kwargs: dict[str, Any] = {}
    if pad_mode == "constant":
        # cval converted to the image dtype exactly as the kernel does: the
        # median of eight border values and one zero is the border value.
        value = _core.median_filter(probe.reshape(1, 1), 3, mode="constant", cval=cval)
        kwargs["constant_values"] = value[0, 0]
    # Window of output r: rows r - size//2 ... r - size//2 + size - 1.
    lefts = [s // 2 for s in sizes]
    rights = [s - 1 - s // 2 for s in sizes]
    padded = x
    for axis in range(2):
        padded = _pad_axis(padded, axis, lefts[axis], rights[axis], pad_mode, kwargs)
    filtered = padded.map_overlap(
        partial(_filter_block, size=sizes),
        depth={0: lefts[0], 1: lefts[1]},
        boundary="none",
        trim=True,
        dtype=x.dtype,
    )
    return filtered[lefts[0] : lefts[0] + x.shape[0], lefts[1] : lefts[1] + x.shape[1]]
