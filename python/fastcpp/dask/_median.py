"""median_filter / rank_filter / percentile_filter over N-D dask arrays:
explicit border padding per filtered axis, then an overlap of the window's
reach on each side, filtered block by block and cropped."""

from __future__ import annotations

from functools import partial
from typing import Any

import dask.array as da
import numpy as np
from dask.array.core import Array
from dask.array.overlap import ensure_minimum_chunksize

from fastcpp import _core as _core_module

from ._graph import in_one_thread

_core: Any = _core_module

# scipy.ndimage border mode -> the numpy.pad mode that extends the same way.
_PAD_MODE = {
    "reflect": "symmetric",  # d c b a | a b c d
    "grid-mirror": "symmetric",
    "mirror": "reflect",  # d c b | a b c d
    "nearest": "edge",  # a a | a b
    "wrap": "wrap",  # c d | a b
    "grid-wrap": "wrap",
    "constant": "constant",  # no padding: see _filter_constant
    "grid-constant": "constant",
}


def _np_pad(
    block: np.ndarray, widths: Any, mode: Any, kwargs: dict[str, Any]
) -> np.ndarray:
    if mode == "reflect" and any(
        block.shape[ax] == 1 for ax, w in enumerate(widths) if w != (0, 0)
    ):
        # np.pad cannot "reflect" (scipy's mirror) a length-1 axis; scipy repeats it.
        mode = "edge"
    return np.pad(block, widths, mode=mode, **kwargs)


def _pad_axis(
    x: Array, axis: int, left: int, right: int, mode: str, kwargs: dict[str, Any]
) -> Array:
    if left == 0 and right == 0:
        return x
    widths = [(0, 0)] * x.ndim
    widths[axis] = (left, right)
    if max(left, right) < x.shape[axis] and not (
        mode == "reflect" and x.shape[axis] == 1
    ):
        return da.pad(x, widths, mode=mode, **kwargs)
    # Border wider than the image (dask's pad is not numpy's then): do it in
    # one block along this axis, where numpy.pad is exact.
    x = x.rechunk({axis: -1})
    chunks = list(x.chunks)
    chunks[axis] = (x.shape[axis] + left + right,)
    return da.map_blocks(
        _np_pad, x, tuple(widths), mode, kwargs, chunks=tuple(chunks), dtype=x.dtype
    )


@in_one_thread
def _filter_block(block: np.ndarray, call: Any) -> np.ndarray:
    # The padding supplies every border value: mode does not matter here.
    return call(block, mode="nearest")


def _window(ndim: int, size: Any, footprint: Any, origin: Any, axes: Any):
    """Per-axis (before, after) reach of the window, scipy's geometry."""
    if axes is None:
        axes_t = tuple(range(ndim))
    else:
        axes_t = tuple(int(a) % ndim for a in np.atleast_1d(axes))
    na = len(axes_t)
    if footprint is not None:
        ext = np.asarray(footprint).shape
    else:
        ext = (int(size),) * na if np.ndim(size) == 0 else tuple(int(s) for s in size)
    orig = (
        (int(origin),) * na if np.ndim(origin) == 0 else tuple(int(o) for o in origin)
    )
    before = [0] * ndim
    after = [0] * ndim
    for ax, s, o in zip(axes_t, ext, orig):
        before[ax] = s // 2 + o
        after[ax] = s - 1 - s // 2 - o
    return before, after


def filter_nd(
    func: str,
    image: Any,
    args: tuple[Any, ...],
    size: Any,
    footprint: Any,
    mode: str,
    cval: Any,
    origin: Any,
    axes: Any,
    nan_policy: str,
) -> Array:
    """fastcpp.<func>(image, *args, size, ...) over a dask array (the
    wrappers in fastcpp.dask pass every argument by name)."""
    x = da.asarray(image)
    kernel = getattr(_core, func)
    opts = {
        "size": size,
        "footprint": footprint,
        "origin": origin,
        "axes": axes,
        "nan_policy": nan_policy,
    }
    # Validate as the in-memory call does (dtype, ndim, size, mode, cval...).
    probe = np.zeros((1,) * max(x.ndim, 0), dtype=x.dtype)
    kernel(probe, *args, mode=mode, cval=cval, **opts)
    if footprint is not None:
        opts["size"] = None
    call = partial(_apply, kernel, args, opts)
    if x.size == 0:
        return x.map_blocks(call, mode=mode, cval=cval, dtype=x.dtype)
    pad_mode = _PAD_MODE[mode]
    kwargs: dict[str, Any] = {}
    before, after = _window(x.ndim, size, footprint, origin, axes)
    if pad_mode == "constant":
        return _filter_constant(x, call, mode, cval, before, after)
    padded = x
    for axis in range(x.ndim):
        padded = _pad_axis(padded, axis, before[axis], after[axis], pad_mode, kwargs)
    depth = {ax: (before[ax], after[ax]) for ax in range(x.ndim)}
    if all(b == a for b, a in depth.values()):
        depth = {ax: b for ax, (b, _) in depth.items()}  # symmetric: any boundary
    filtered = padded.map_overlap(
        partial(_filter_block, call=call),
        depth=depth,
        boundary="none",
        trim=True,
        dtype=x.dtype,
    )
    crop = tuple(slice(before[ax], before[ax] + x.shape[ax]) for ax in range(x.ndim))
    return filtered[crop]


@in_one_thread
def _filter_block_constant(
    block: np.ndarray, call: Any, mode: str, cval: Any
) -> np.ndarray:
    return call(block, mode=mode, cval=cval)


def _filter_constant(
    x: Array, call: Any, mode: str, cval: Any, before: list[int], after: list[int]
) -> Array:
    """mode="constant" without padding: blocks overlap each other only, so the
    kernel sees the image's own border and applies scipy's cval rule itself
    (an integer cval beyond the dtype is converted on some rank paths and
    compared unconverted on others: not a value that padding could hold)."""
    chunks = list(x.chunks)
    depth: dict[int, tuple[int, int]] = {}
    for ax in range(x.ndim):
        # scipy's 1-D rank path depends on the length: blocks a window long.
        need = before[ax] + after[ax] + 1 if x.ndim == 1 else max(before[ax], after[ax])
        if need >= x.shape[ax]:
            chunks[ax] = (x.shape[ax],)
            depth[ax] = (0, 0)
        else:
            chunks[ax] = ensure_minimum_chunksize(need, chunks[ax])
            depth[ax] = (before[ax], after[ax])
    x = x.rechunk(tuple(chunks))
    return x.map_overlap(
        partial(_filter_block_constant, call=call, mode=mode, cval=cval),
        depth=depth,
        boundary="none",
        trim=True,
        dtype=x.dtype,
    )


def _apply(
    kernel: Any,
    args: tuple[Any, ...],
    opts: dict[str, Any],
    block: np.ndarray,
    mode: str,
    cval: Any = 0,
) -> np.ndarray:
    return kernel(block, *args, mode=mode, cval=cval, **opts)
