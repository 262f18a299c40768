"""Graph plumbing shared by the chunked kernels: block bounds and left context.

Every function here builds a plain dask ``HighLevelGraph`` (classic tuple
tasks, understood by every scheduler, ``distributed`` included); nothing is
computed at graph-construction time.
"""

from __future__ import annotations

import bisect
import functools
import itertools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from dask.array.core import Array
from dask.base import tokenize
from dask.highlevelgraph import HighLevelGraph

from fastcpp import _core


def one_thread_call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)`` with fastcpp's kernels single-threaded on this
    thread: dask already runs tasks in parallel, and a kernel's helper threads
    on top of them would only oversubscribe the cores."""
    with _core.threads(1):
        return fn(*args, **kwargs)


def in_one_thread(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator for task functions: runs them through :func:`one_thread_call`
    (looked up at call time). The result keeps ``fn``'s name, so a task graph
    holding it pickles by reference (distributed)."""

    @functools.wraps(fn)
    def task(*args: Any, **kwargs: Any) -> Any:
        return one_thread_call(fn, *args, **kwargs)

    return task


def bounds(chunks: Sequence[int]) -> list[int]:
    """Offsets of the block starts plus the total: ``[0, c0, c0+c1, ...]``."""
    return [0, *itertools.accumulate(chunks)]


def _take(block: np.ndarray, axis: int, start: int, stop: int) -> np.ndarray:
    index: list[slice] = [slice(None)] * block.ndim
    index[axis] = slice(start, stop)
    return block[tuple(index)]


def _run_segment(
    pieces: list[np.ndarray],
    block: np.ndarray,
    axis: int,
    context: int,
    start: int,
    fn: Callable[[np.ndarray, int, int], Any],
) -> Any:
    segment = np.concatenate([*pieces, block], axis=axis) if pieces else block
    return one_thread_call(fn, segment, context, start)


def with_left_context(
    x: Array,
    axis: int,
    depth: int,
    fn: Callable[[np.ndarray, int, int], Any],
    name: str,
    token: Any,
) -> tuple[HighLevelGraph, str]:
    """Graph whose block ``idx`` is ``fn(segment, context, start)``.

    ``segment`` is block ``idx`` of ``x`` preceded, along ``axis``, by the
    ``depth`` elements before it (fewer at the start of the axis), gathered
    from as many preceding blocks as needed: blocks shorter than ``depth``
    are handled without rechunking. ``context`` is the number of prepended
    elements and ``start`` the global offset of the segment along ``axis``.
    Only the needed slices of the neighbours travel between workers.
    """
    out = f"{name}-{tokenize(x, axis, depth, token)}"
    ctx = f"{name}-context-{tokenize(x, axis, depth, token)}"
    b = bounds(x.chunks[axis])
    dsk: dict[Any, Any] = {}
    for idx in itertools.product(*(range(n) for n in x.numblocks)):
        k = idx[axis]
        s = b[k]
        cs = max(0, s - depth)
        pieces = []
        first = bisect.bisect_right(b, cs) - 1
        for j in range(first, k):
            lo, hi = max(cs, b[j]) - b[j], b[j + 1] - b[j]
            if lo >= hi:
                continue
            src = (x.name, *idx[:axis], j, *idx[axis + 1 :])
            if lo == 0:
                pieces.append(src)
            else:
                key = (ctx, *idx, j)
                dsk[key] = (_take, src, axis, lo, hi)
                pieces.append(key)
        dsk[(out, *idx)] = (_run_segment, pieces, (x.name, *idx), axis, s - cs, cs, fn)
    graph = HighLevelGraph.from_collections(out, dsk, dependencies=[x])  # type: ignore[list-item]
    return graph, out


def select(
    graph: HighLevelGraph, source: str, item: int, name: str, numblocks: Sequence[int]
) -> tuple[HighLevelGraph, str]:
    """Add a layer taking ``result[item]`` of every block of a tuple-valued layer."""
    out = f"{name}-{item}-{tokenize(source, item)}"
    dsk = {
        (out, *idx): (_getitem, (source, *idx), item)
        for idx in itertools.product(*(range(n) for n in numblocks))
    }
    return add_layer(graph, out, dsk, source), out


def add_layer(
    graph: HighLevelGraph, name: str, dsk: dict[Any, Any], source: str
) -> HighLevelGraph:
    """``graph`` with one more layer ``name`` (tasks ``dsk``) that reads ``source``."""
    layers: dict[str, Any] = dict(graph.layers)
    deps = {k: set(v) for k, v in graph.dependencies.items()}
    layers[name] = dsk
    deps[name] = {source}
    return HighLevelGraph(layers, deps)


def _getitem(value: Any, item: int) -> Any:
    return value[item]
