"""k nearest points on a sphere for a dask array of queries.

The point set (``lats``/``lons``, or a :class:`fastcpp.GeoIndex`) is one key
of the graph, shared by every block's task: it is sent to each worker once,
not once per task. Each block of queries is one in-memory call, so results
equal the in-memory ones bit for bit. The outputs are two dask arrays
computed by the same tasks: indices (int64) and distances, of shape
``lat.shape + (k,)`` with the queries' chunks and the k values in one chunk.
"""

from __future__ import annotations

import itertools
import operator
from typing import Any, Callable

import dask.array as da
import numpy as np
from dask.array.core import Array
from dask.base import tokenize
from dask.highlevelgraph import HighLevelGraph

from fastcpp import _core

from ._graph import in_one_thread


def _queries(lat: Any, lon: Any) -> tuple[Array, Array]:
    """lat, lon as dask arrays broadcast together, with the same chunks."""
    lat, lon = da.broadcast_arrays(da.asarray(lat), da.asarray(lon))
    return lat, lon.rechunk(lat.chunks)


def _by_blocks(
    name: str,
    lat: Array,
    lon: Array,
    k: int,
    shared: dict[str, Any],
    task: Callable[..., tuple[np.ndarray, np.ndarray]],
    args: tuple[Any, ...],
    dtypes: tuple[np.dtype, np.dtype],
) -> tuple[Array, Array]:
    """Two arrays (indices, distances) from task(lat_block, lon_block, *args)
    per block; ``shared`` holds the graph keys every task refers to."""
    token = tokenize(name, lat, lon, k, *shared, *args)
    pair = f"{name}-pair-{token}"
    layer: dict[Any, Any] = dict(shared)
    for ix in itertools.product(*(range(n) for n in lat.numblocks)):
        layer[(pair, *ix)] = (task, (lat.name, *ix), (lon.name, *ix), *args)
    deps: list[Any] = [lat, lon]
    chunks = (*lat.chunks, (k,))
    outs = []
    for which, dtype in enumerate(dtypes):
        out = f"{name}-{('indices', 'distances')[which]}-{token}"
        pick: dict[Any, Any] = {
            (out, *ix, 0): (operator.getitem, (pair, *ix), which)
            for ix in itertools.product(*(range(n) for n in lat.numblocks))
        }
        graph = HighLevelGraph.from_collections(
            out, {**layer, **pick}, dependencies=deps
        )
        outs.append(Array(graph, out, chunks, dtype=dtype))
    return outs[0], outs[1]


@in_one_thread
def _nearest_block(lat, lon, lats, lons, k, radius):
    return _core.nearest_k(lat, lon, lats, lons, k, radius=radius)


@in_one_thread
def _query_block(lat, lon, index, k):
    return index.query(lat, lon, k)


def nearest_k(
    lat: Any, lon: Any, lats: Any, lons: Any, k: int = 5, *, radius: float = 6371.0
) -> tuple[Array, Array]:
    """nearest_k(lat, lon, lats, lons, k=5, *, radius=6371.0)

    :func:`fastcpp.nearest_k` for a dask array of queries: each block of
    queries is one in-memory call (brute force over all points); the points
    are one graph key shared by every task.

    Parameters
    ----------
    lat, lon : dask.array.Array or array_like
        Query points in degrees, broadcast together (any shape S, chunked any
        way).
    lats, lons : array_like
        The points (1-D, in memory), as for :func:`fastcpp.nearest_k`.
    k : int
        1 <= k <= len(lats).
    radius : float
        Sphere radius, finite and > 0.

    Returns
    -------
    (indices, distances) : tuple of dask.array.Array
        Shape S + (k,), the queries' chunks; int64 and float64 (float32 when
        lats and lons are float32). Equal to the in-memory call bit for bit.

    Raises
    ------
    ValueError, TypeError
        As :func:`fastcpp.nearest_k`, when the graph is built.
    """
    lat, lon = _queries(lat, lon)
    lats, lons = np.asarray(lats), np.asarray(lons)
    # Validates k, radius, dtypes and shapes as the in-memory call, and gives
    # the result dtypes (no query, no work).
    none = np.empty(0)
    probe = _core.nearest_k(none, none, lats, lons, k, radius=radius)
    token = tokenize(lats, lons)
    lats_key, lons_key = f"geo-lats-{token}", f"geo-lons-{token}"
    return _by_blocks(
        "nearest_k",
        lat,
        lon,
        k,
        {lats_key: lats, lons_key: lons},
        _nearest_block,
        (lats_key, lons_key, k, radius),
        (probe[0].dtype, probe[1].dtype),
    )


def geo_query(index: Any, lat: Any, lon: Any, k: int = 5) -> tuple[Array, Array]:
    """geo_query(index, lat, lon, k=5)

    :meth:`fastcpp.GeoIndex.query` for a dask array of queries: the index is
    one graph key, sent to each worker once (it pickles as its points and
    is rebuilt there); each block of queries is one in-memory query.

    Parameters
    ----------
    index : fastcpp.GeoIndex
        The index, built once.
    lat, lon : dask.array.Array or array_like
        Query points in degrees, broadcast together (any shape S).
    k : int
        1 <= k <= len(index).

    Returns
    -------
    (indices, distances) : tuple of dask.array.Array
        int64 and float64, shape S + (k,), the queries' chunks; equal to
        ``index.query(lat, lon, k)`` bit for bit.

    Raises
    ------
    TypeError
        If index is not a GeoIndex.
    ValueError
        As :meth:`fastcpp.GeoIndex.query` for k, when the graph is built
        (bad query coordinates raise when computed).
    """
    if not isinstance(index, _core.GeoIndex):
        raise TypeError(
            f"geo_query: index must be a fastcpp.GeoIndex, got {type(index).__name__}"
        )
    lat, lon = _queries(lat, lon)
    none = np.empty(0)
    index.query(none, none, k)  # validates k as the in-memory call
    key = f"geo-index-{tokenize(index.lats, index.lons, index.radius)}"
    return _by_blocks(
        "geo_query",
        lat,
        lon,
        k,
        {key: index},
        _query_block,
        (key, k),
        (np.dtype(np.int64), np.dtype(np.float64)),
    )
