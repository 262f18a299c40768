"""Moving-window kernels over dask arrays: left context of window − 1."""

from __future__ import annotations

import itertools
from functools import partial
from typing import Any, Callable

import dask.array as da
import numpy as np
from dask.array.core import Array
from dask.base import tokenize
from dask.highlevelgraph import HighLevelGraph

from fastcpp import _core

from ._graph import add_layer, bounds, select, with_left_context


#: Names of the move_* family, from the core's family table.
def _call_core(name: str, *args: Any, **kwargs: Any) -> Any:
    return getattr(_core, name)(*args, **kwargs)


def core_function(name: str) -> Callable[..., Any]:
    """``fastcpp._core.<name>`` as a picklable callable for task graphs.

    The compiled move_*/ema functions are bound to a capsule (their fast
    argument parser), which pickle cannot serialise; a distributed scheduler
    ships this by-name reference instead.
    """
    return partial(_call_core, name)


MOVE_NAMES: tuple[str, ...] = tuple(row[0] for row in _core._move_family)


def _axis_length(x: Array, axis: Any) -> int | None:
    """Length of x along axis, or None when the axis is invalid (0-d included)."""
    try:
        ax = int(axis)
    except TypeError:
        return None
    return x.shape[ax] if -x.ndim <= ax < x.ndim else None


def _probe(x: Array, window: Any, axis: Any) -> np.ndarray:
    """A zero-strided stand-in for x (no memory) to validate arguments on.

    Same dtype and ndim as x; along ``axis`` it is ``window`` long when the
    window fits x (so min_count and friends are checked as in memory), else as
    long as x (so the in-memory "window (=..) must be between .." message
    names the real length). An invalid axis keeps every length 1: the kernel
    then raises the same AxisError/ValueError as in memory.
    """
    n = _axis_length(x, axis)
    shape = [1] * x.ndim
    if n is not None:
        fits = isinstance(window, (int, np.integer)) and 1 <= window <= n
        shape[int(axis)] = int(window) if fits else n
    return np.broadcast_to(np.zeros((), dtype=x.dtype), tuple(shape))


def _move_segment(
    segment: np.ndarray,
    context: int,
    start: int,
    *,
    kernel: Callable[..., np.ndarray],
    window: int,
    min_count: int | None,
    axis: int,
    extra: dict[str, Any],
    dtype: np.dtype,
    pair: bool = False,
    lead: tuple[int, ...] = (),
) -> np.ndarray:
    """``lead``: the result's new leading axes (``(len(q),)`` for a q list)."""
    length = segment.shape[axis]
    if length >= window:
        out = kernel(segment, window, min_count=min_count, axis=axis, **extra)
    else:
        # Only at the start of the axis (else the context alone is window - 1
        # long): every window is clipped there, so window = length is the same
        # statistic; fewer values than min_count means NaN everywhere.
        need = window if min_count is None else min_count
        if need > length:
            shape = (*segment.shape[:-1], 1) if pair else segment.shape
            out = np.full((*lead, *shape), np.nan, dtype=dtype)
        else:
            out = kernel(segment, length, min_count=need, axis=axis, **extra)
    index = [slice(None)] * out.ndim
    index[len(lead) + axis] = slice(context, None)
    return out[tuple(index)]


def _leading_block(
    graph: HighLevelGraph, source: str, name: str, numblocks: tuple[int, ...]
) -> tuple[HighLevelGraph, str]:
    """Block idx of ``source`` (its result with a whole new leading axis) as
    block (0, *idx) of a new layer."""
    out = f"{name}-lead-{tokenize(source)}"
    dsk = {
        (out, 0, *idx): (source, *idx)
        for idx in itertools.product(*(range(n) for n in numblocks))
    }
    return add_layer(graph, out, dsk, source), out


def _call_pair(name: str, stacked: np.ndarray, *args: Any, **kwargs: Any) -> Any:
    """A two-input member on a and b stacked along a last axis of 2; the
    result keeps a last axis of 1 (blocks of the stack map to blocks)."""
    r = getattr(_core, name)(stacked[..., 0], stacked[..., 1], *args, **kwargs)
    return r[..., None]


def move(
    name: str,
    a: Any,
    window: int,
    min_count: int | None = None,
    axis: int = -1,
    *,
    _pair: bool = False,
    **extra: Any,
) -> Array:
    """Apply the in-memory ``fastcpp.<name>`` chunk by chunk with left context.

    ``center=True`` is the trailing result of ``a`` followed by
    ``(window - 1) // 2`` NaNs, shifted back by as many places (the in-memory
    definition), so the same left-context graph serves it. ``lengths=`` and
    ``out=`` raise NotImplementedError. A two-input member (``b`` given)
    runs on a and b broadcast and stacked along a new last axis of 2
    (``_pair``: ``a`` is that stack already).
    """
    if extra.pop("lengths", None) is not None:
        raise NotImplementedError(
            f"fastcpp.dask.{name}: lengths= is not supported on dask arrays; "
            f"call fastcpp.{name} on each block (map_blocks) or in memory"
        )
    if extra.pop("out", None) is not None:
        raise NotImplementedError(
            f"fastcpp.dask.{name}: out= is not supported (the result is lazy; "
            "use dask.array.store to write it into an array)"
        )
    if "b" in extra:
        xa, xb = da.asarray(a), da.asarray(extra.pop("b"))
        core = getattr(_core, name)
        try:
            xa, xb = da.broadcast_arrays(xa, xb)
        except ValueError:
            if not np.isnan([*xa.shape, *xb.shape]).any():
                # zero-strided stand-ins: the in-memory call raises its own
                # message before touching any data
                core(
                    *(
                        np.broadcast_to(np.zeros((), x.dtype), x.shape)
                        for x in (xa, xb)
                    ),
                    window,
                    min_count=min_count,
                    axis=axis,
                    **extra,
                )
            raise
        pa, pb = _probe(xa, window, axis), _probe(xb, window, axis)
        # Stacking would promote as NumPy does (int8 with float32 -> float32);
        # both take the in-memory result dtype instead (int/bool -> float64).
        dtype = core(pa, pb, window, min_count=min_count, axis=axis, **extra).dtype
        stacked = da.stack([xa.astype(dtype), xb.astype(dtype)], axis=-1)
        stacked = stacked.rechunk({xa.ndim: 2})
        return move(
            name, stacked, window, min_count, axis % xa.ndim, _pair=True, **extra
        )
    kernel = partial(_call_pair, name) if _pair else core_function(name)
    x = da.asarray(a)
    # Validate exactly as the in-memory call would (same exceptions, messages).
    probe = _probe(x, window, axis)
    if _pair:
        probe = np.broadcast_to(probe, (*probe.shape[:-1], 2))
    meta = kernel(probe, window, min_count=min_count, axis=axis, **extra)
    # move_quantile with a sequence of q: a new leading axis (as the in-memory
    # result), every q from one pass over each block.
    lead = tuple(meta.shape[: meta.ndim - probe.ndim])
    ax = axis % x.ndim
    shift = (int(window) - 1) // 2 if extra.pop("center", False) else 0
    if shift:
        if x.dtype.kind in "biu":  # computed as float64 anyway; NaN needs a float
            x = x.astype(np.float64)
        pad = list(x.shape)
        pad[ax] = shift
        padded = da.concatenate([x, da.full(pad, np.nan, dtype=x.dtype)], axis=ax)
        trailing = move(name, padded, window, min_count, axis, _pair=_pair, **extra)
        index: list[slice] = [slice(None)] * trailing.ndim
        index[len(lead) + ax] = slice(shift, None)
        chunks = x.chunks[: trailing.ndim - len(lead)]
        return trailing[tuple(index)].rechunk(trailing.chunks[: len(lead)] + chunks)
    fn = partial(
        _move_segment,
        kernel=kernel,
        window=int(window),
        min_count=None if min_count is None else int(min_count),
        axis=ax,
        extra=extra,
        dtype=meta.dtype,
        pair=_pair,
        lead=lead,
    )
    graph, out = with_left_context(
        x, ax, int(window) - 1, fn, name.replace("_", "-"), (window, min_count, extra)
    )
    if lead:  # block idx holds the whole leading axis: block (0, *idx)
        graph, out = _leading_block(graph, out, name.replace("_", "-"), x.numblocks)
        return Array(graph, out, ((lead[0],), *x.chunks), dtype=meta.dtype)
    if _pair:  # the stack's last axis (one chunk of 2) became one of 1
        return Array(graph, out, (*x.chunks[:-1], (1,)), dtype=meta.dtype)[..., 0]
    return Array(graph, out, x.chunks, dtype=meta.dtype)


def _valid_segment(
    segment: np.ndarray,
    context: int,
    start: int,
    *,
    kernel: Callable[..., Any],
    window: int,
    dtypes: tuple[np.dtype, ...],
) -> Any:
    if segment.shape[-1] >= window:
        return kernel(segment, window)
    # No full window ends in this block: an empty piece of the output.
    empty = [np.empty((*segment.shape[:-1], 0), dtype=d) for d in dtypes]
    return tuple(empty) if len(empty) > 1 else empty[0]


def valid(name: str, a: Any, window: int) -> tuple[Array, ...]:
    """Shared body of the 'valid' forms (last axis); one dask array per output."""
    kernel = core_function(name)
    x = da.asarray(a)
    meta = kernel(_probe(x, window, -1), window)
    metas = meta if isinstance(meta, tuple) else (meta,)
    ax = x.ndim - 1
    w = int(window)
    b = bounds(x.chunks[ax])
    out_chunks = tuple(
        max(0, b[k + 1] - max(b[k], w - 1)) for k in range(len(x.chunks[ax]))
    )
    chunks = (*x.chunks[:-1], out_chunks)
    fn = partial(
        _valid_segment, kernel=kernel, window=w, dtypes=tuple(m.dtype for m in metas)
    )
    graph, out = with_left_context(x, ax, w - 1, fn, name.replace("_", "-"), w)
    if not isinstance(meta, tuple):
        return (Array(graph, out, chunks, dtype=meta.dtype),)
    results = []
    for item, m in enumerate(metas):
        g, o = select(graph, out, item, name.replace("_", "-"), x.numblocks)
        results.append(Array(g, o, chunks, dtype=m.dtype))
    return tuple(results)
