"""describe(): one Accumulator over a dask array by a tree of exact merges."""

from __future__ import annotations

import itertools
from typing import Any

import dask
import dask.array as da
import numpy as np
from dask.base import tokenize
from dask.delayed import Delayed
from dask.highlevelgraph import HighLevelGraph

from fastcpp import Accumulator

from ._graph import in_one_thread


@in_one_thread
def _chunk(block: np.ndarray) -> Accumulator:
    acc = Accumulator()
    acc.add_many(block)
    return acc


@in_one_thread
def _merge(parts: list[Accumulator]) -> Accumulator:
    out = Accumulator()
    for part in parts:
        out.merge(part)
    return out


def describe_graph(x: Any, split_every: int = 8) -> Delayed:
    """The describe() reduction as a dask Delayed (nothing computed)."""
    if int(split_every) < 2:
        raise ValueError(f"split_every (={split_every}) must be >= 2")
    x = da.asarray(x)
    token = tokenize(x, split_every)
    name = f"describe-chunk-{token}"
    dsk: dict[Any, Any] = {}
    level = []
    for i, idx in enumerate(itertools.product(*(range(n) for n in x.numblocks))):
        dsk[(name, i)] = (_chunk, (x.name, *idx))
        level.append((name, i))
    depth = 0
    while len(level) > 1:
        depth += 1
        tree = f"describe-merge-{depth}-{token}"
        nxt = []
        for i in range(0, len(level), split_every):
            dsk[(tree, i // split_every)] = (_merge, level[i : i + split_every])
            nxt.append((tree, i // split_every))
        level = nxt
    final = f"describe-{token}"
    # An empty array has one zero-size block; a 0-d array one 0-d block.
    dsk[final] = (_merge, level)
    graph = HighLevelGraph.from_collections(final, dsk, dependencies=[x])
    return Delayed(final, graph)


def describe(
    x: Any, *, split_every: int = 8, compute: bool = True, **compute_kwargs: Any
) -> Accumulator | Delayed:
    """Summary statistics of a dask array as one :class:`fastcpp.Accumulator`.

    Every chunk is added to its own Accumulator (``add_many``, GIL released,
    in the worker that holds the chunk); the per-chunk Accumulators are then
    merged in a tree, ``split_every`` at a time. Merging is exact (Chan et al.
    / Pébay pairwise combination of count, compensated total, centred moments,
    min and max), and Accumulators pickle exactly, so the result equals
    ``Accumulator().add_many(x.compute())`` up to rounding of the merge order:
    ``count``, ``min`` and ``max`` exactly, ``total``/``mean``/``variance``/
    higher moments to a few ulp.

    Parameters
    ----------
    x : dask.array.Array or array_like
        Any shape; flattened. Anything ``Accumulator.add_many`` accepts per chunk.
    split_every : int, optional
        Fan-in of the merge tree (default 8), >= 2.
    compute : bool, optional
        True (default): compute with the current scheduler (threaded, or the
        active ``distributed.Client``) and return the Accumulator. False:
        return a ``dask.delayed.Delayed`` whose result is the Accumulator, to
        compute later or together with other collections (``dask.compute``).
    **compute_kwargs
        Passed to ``dask.compute`` (e.g. ``scheduler="threads"``).

    Returns
    -------
    fastcpp.Accumulator or dask.delayed.Delayed

    Raises
    ------
    ValueError
        If split_every < 2.
    TypeError
        For chunk dtypes Accumulator.add_many rejects (raised when computed).

    Examples
    --------
    >>> import dask.array as da, fastcpp.dask
    >>> acc = fastcpp.dask.describe(da.arange(10, chunks=3))
    >>> acc.count, acc.mean()
    (10, 4.5)
    """
    delayed = describe_graph(x, split_every)
    if not compute:
        return delayed
    (result,) = dask.compute(delayed, **compute_kwargs)
    return result
