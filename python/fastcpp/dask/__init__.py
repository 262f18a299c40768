"""fastcpp on Dask: the same kernels over chunked and distributed arrays.

Install with the ``dask`` extra (``pip install fastcpp[dask]``); importing
:mod:`fastcpp` itself never imports dask. Every function takes a
``dask.array.Array`` (or anything ``dask.array.asarray`` accepts) and returns
lazy dask arrays with the input's chunks — except :func:`describe`, which
computes (or returns a ``Delayed`` with ``compute=False``). They run on any
scheduler: threads (the default; the kernels release the GIL) or a
``distributed`` cluster (worker processes; Accumulators pickle exactly).

Arguments are validated when the graph is built, with the exceptions and
messages of the in-memory calls (window against the full axis length, not a
chunk's).

How chunk borders are handled
-----------------------------
- ``move_*``: each block is computed on itself preceded by the ``window - 1``
  elements before it, gathered from as many preceding blocks as needed (chunks
  smaller than the window are fine; nothing is rechunked; only the needed
  slices travel). Window-exact statistics (min, max, arg*, median, rank,
  counts and min_count) equal the in-memory call exactly; sums, means and
  variances to rounding (≤ 1e-12 relative: the kernels' running sums restart
  at other positions).
- ``rolling_sum_squares``, ``rolling_mean_std``: the 'valid' forms (last axis,
  length n - window + 1), likewise; blocks in which no full window ends give
  empty output chunks.
- ``ema``: a parallel pass per block, a small scan of the carried state over
  the blocks of each row, and a parallel finishing pass (see
  :mod:`fastcpp.dask._ema`). adjust=False reproduces the kernel's state, so the
  first block is bit-identical and later ones differ only by the rounding of
  the carried value (≤ 1e-12 relative); adjust=True combines carried and local
  weighted means, to a few ulp.
- ``median_filter``, ``rank_filter``, ``percentile_filter``: the image is
  padded with the numpy.pad mode that extends as the scipy mode does
  (reflect→symmetric, mirror→reflect, nearest→edge, wrap→wrap; constant is
  not padded, the kernel sees the image's own border), then filtered
  block-wise with an overlap of the window's reach and cropped: exact, output
  dtype = input dtype.

Benchmark hook
--------------
A workload for the benchmark tool (``python -m fastcpp bench``), to drop into
``fastcpp/bench/workloads/`` (its model: Case, Contender, Sizes, Workload)::

    import numpy as np
    import fastcpp
    from fastcpp.bench.checks import close
    from fastcpp.bench.model import Case, Contender, Sizes, Workload
    from fastcpp.bench.workloads._common import human, rng, with_peer

    N_DASK = Sizes(full=2 * 10**7, quick=2 * 10**6, tiny=10**4)

    def _stats(acc):
        return acc.count, acc.mean(), acc.variance(), acc.min, acc.max

    def build_dask_describe(mode):
        n = N_DASK.pick(mode)
        a = rng().normal(size=n) + 1e3
        ref = fastcpp.Accumulator()
        ref.add_many(a)
        def in_memory():
            acc = fastcpp.Accumulator()
            acc.add_many(a)
            return _stats(acc)

        cs = [Contender("fastcpp add_many (in memory)", in_memory, role="fastcpp")]
        notes = []

        def make(dask_array):
            import fastcpp.dask
            x = dask_array.from_array(a, chunks=max(n // 20, 1)).persist()
            return Contender("fastcpp.dask describe (threads, 20 chunks)",
                             lambda: _stats(fastcpp.dask.describe(
                                 x, scheduler="threads")))

        with_peer("dask", cs, notes, make, submodule="array")
        return Case(f"n={human(n)}", _stats(ref), cs, close(rtol=1e-9), notes)

    WORKLOADS = [Workload("dask_describe", "describe() of a chunked dask array",
                          ("Accumulator",), build_dask_describe)]

(``with_peer(..., submodule="array")`` assumes the bench's peers registry
knows "dask"; else import ``dask.array`` directly.)
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

try:
    from dask.array.core import Array
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "fastcpp.dask needs dask[array]: pip install 'fastcpp[dask]'"
    ) from exc

from fastcpp import _core

from . import _ema, _median, _rolling
from ._describe import describe, describe_graph
from ._geo import geo_query, nearest_k

#: The move_* family, one lazy function per row of the core's family table.
MOVE_NAMES: tuple[str, ...] = _rolling.MOVE_NAMES

__all__ = [
    "describe",
    "describe_graph",
    "ema",
    "geo_query",
    "median_filter",
    *MOVE_NAMES,
    "nearest_k",
    "percentile_filter",
    "rank_filter",
    "rolling_mean_std",
    "rolling_sum_squares",
]

_MOVE_DOC = """{name}{signature}

:func:`fastcpp.{name}` over a dask array, block by block.

Each block is computed together with the ``window - 1`` elements before it
along ``axis`` (taken from as many preceding blocks as needed), so the result
equals the in-memory call on the whole array; chunks may be smaller than the
window, uneven, or a single chunk.

Parameters
----------
a : dask.array.Array or array_like
    At least 1-D. float32 gives float32, float16 float16, ints/bool float64.
window : int
    1 <= window <= a.shape[axis] (the whole axis, not one chunk).
min_count : int or None
    1 <= min_count <= window; None means window.
axis : int
    Axis along which to move (default -1); may be chunked any way.
Other parameters are those of :func:`fastcpp.{name}`. ``center=True`` works
(the series followed by ``(window - 1) // 2`` NaNs, shifted back: context on
both sides); ``lengths=`` and ``out=`` raise NotImplementedError.

Returns
-------
dask.array.Array
    Lazy, same shape and chunks as ``a``.

Raises
------
ValueError, TypeError, numpy.exceptions.AxisError
    As :func:`fastcpp.{name}`, when the graph is built.
"""


def _move_function(name: str) -> Callable[..., Array]:
    """The dask face of ``fastcpp.<name>``: same signature (the in-memory
    function's), every argument but the array passed on to each block."""
    signature = inspect.signature(getattr(_core, name))

    def move(*args: Any, **kwargs: Any) -> Array:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        arguments = dict(bound.arguments)
        a = arguments.pop("a")
        window = arguments.pop("window")
        min_count = arguments.pop("min_count")
        axis = arguments.pop("axis")
        return _rolling.move(name, a, window, min_count, axis, **arguments)

    move.__name__ = move.__qualname__ = name
    move.__module__ = __name__
    move.__doc__ = _MOVE_DOC.format(name=name, signature=signature)
    move.__signature__ = signature  # type: ignore[attr-defined]
    return move


for _name in MOVE_NAMES:
    globals()[_name] = _move_function(_name)
del _name


def rolling_sum_squares(a: Any, window: int) -> Array:
    """rolling_sum_squares(a, window)

    :func:`fastcpp.rolling_sum_squares` over a dask array: the sum of squares
    of every full window along the last axis ('valid', length n - window + 1).

    Parameters
    ----------
    a : dask.array.Array or array_like
        At least 1-D; the last axis may be chunked any way.
    window : int
        1 <= window <= a.shape[-1].

    Returns
    -------
    dask.array.Array
        Shape ``a.shape[:-1] + (n - window + 1,)``; the output chunk of a
        block holds the windows ending in it (empty if none does).

    Raises
    ------
    ValueError, TypeError
        As :func:`fastcpp.rolling_sum_squares`, when the graph is built.
    """
    (out,) = _rolling.valid("rolling_sum_squares", a, window)
    return out


def rolling_mean_std(a: Any, window: int) -> tuple[Array, Array]:
    """rolling_mean_std(a, window)

    :func:`fastcpp.rolling_mean_std` over a dask array: mean and population
    standard deviation of every full window along the last axis ('valid').

    Parameters
    ----------
    a : dask.array.Array or array_like
        At least 1-D; the last axis may be chunked any way.
    window : int
        1 <= window <= a.shape[-1].

    Returns
    -------
    (means, stds) : tuple of dask.array.Array
        Each of shape ``a.shape[:-1] + (n - window + 1,)``, computed by the
        same tasks.

    Raises
    ------
    ValueError, TypeError
        As :func:`fastcpp.rolling_mean_std`, when the graph is built.
    """
    means, stds = _rolling.valid("rolling_mean_std", a, window)
    return means, stds


def ema(
    a: Any,
    alpha: float | None = None,
    *,
    span: float | None = None,
    halflife: Any = None,
    com: float | None = None,
    times: Any = None,
    adjust: bool = False,
    ignore_na: bool = False,
    min_periods: int | None = 0,
    axis: int = -1,
    method: str = "parallel",
) -> Array:
    """ema(a, alpha=None, *, span=None, halflife=None, com=None, times=None,
    adjust=False, ignore_na=False, min_periods=0, axis=-1, method="parallel")

    :func:`fastcpp.ema` over a dask array, chunked any way along ``axis``.

    With times or ignore_na=True the axis is rechunked into one chunk and
    each block is one in-memory call (no carried state for those options
    yet); ``method`` applies to the other calls (min_periods masks their
    result by the running count of observations).

    method="parallel" (default): three layers of tasks — every block from an
    empty state (parallel), a small scan per row of blocks that carries the
    state across chunk borders, and every block once more from its carried
    state (parallel). About three kernel passes of work, spread over all
    workers. With adjust=False (the default; pandas' default is adjust=True)
    the finishing pass puts the kernel in exactly the carried state, so the
    first block is bit-identical to the in-memory call and the rest agree to
    ≤ 1e-12 relative (the carried value is rounded once by the scan); with
    adjust=True carried and local weighted means are combined, to a few ulp.

    method="sequential": a chain of tasks along ``axis``, each block started
    from the exact state the previous one ended in (one kernel pass of work,
    but no parallelism along ``axis``; rows in other chunks still run in
    parallel). Bit-identical to the in-memory call, adjust=False and True
    alike (adjust=True: each row resumes from its carried mean and total
    weight with the in-memory steps). Faster on few workers.

    A single chunk along ``axis`` is one in-memory call per block.

    Parameters
    ----------
    a : dask.array.Array or array_like
        At least 1-D; float32 gives float32 (float64 state), ints/bool float64.
    alpha : float
        Smoothing factor, 0 < alpha <= 1.
    axis : int
        Axis along which to average (default -1).
    adjust : bool
        pandas' adjust (default False: y = alpha*x + (1-alpha)*y).
    method : {"parallel", "sequential"}
        How the state crosses chunk borders (see above); an extra keyword of
        the dask face only.

    Returns
    -------
    dask.array.Array
        Lazy, same shape and chunks as ``a``.

    Raises
    ------
    ValueError, TypeError, numpy.exceptions.AxisError
        As :func:`fastcpp.ema`, when the graph is built; ValueError for an
        unknown method.
    """
    return _ema.ema(
        a,
        alpha,
        axis=axis,
        adjust=adjust,
        method=method,
        span=span,
        halflife=halflife,
        com=com,
        times=times,
        ignore_na=ignore_na,
        min_periods=min_periods,
    )


_EMA_DOC = """{name}(a{b}, alpha=None, *, span=None, halflife=None, com=None,
adjust=False, ignore_na=False, min_periods=0{bias}, axis=-1)

:func:`fastcpp.{name}` over dask arrays: ``axis`` is rechunked into one
chunk and each block is one in-memory call (exact; no carried state across
chunks for this statistic yet). Arguments are validated when the graph is
built, with the in-memory messages.

Returns
-------
dask.array.Array
    Lazy, the shape of ``a``.
"""


def _ema_member(name: str, inputs: int, takes_bias: bool) -> Any:
    def member(*arrays_and_alpha: Any, axis: int = -1, **options: Any) -> Array:
        arrays = list(arrays_and_alpha[:inputs])
        if len(arrays_and_alpha) > inputs:
            options["alpha"] = arrays_and_alpha[inputs]
        return _ema.whole_axis(name, arrays, axis, options)

    member.__name__ = member.__qualname__ = name
    member.__doc__ = _EMA_DOC.format(
        name=name,
        b=", b" if inputs == 2 else "",
        bias=", bias=False" if takes_bias else "",
    )
    return member


for _name, _inputs, _times, _bias in _ema.EMA_FAMILY:
    if _name != "ema":
        globals()[_name] = _ema_member(_name, _inputs, _bias)
        __all__.append(_name)


#: The rank-filter family: each member's selection argument after the image
#: (None: the median). Signatures come from the in-memory functions.
FILTER_SELECTION: dict[str, str | None] = {
    "median_filter": None,
    "rank_filter": "rank",
    "percentile_filter": "percentile",
}

_FILTER_DOC = """{name}{signature}

:func:`fastcpp.{name}` over an N-D dask array, equal to the in-memory call
(and to ``scipy.ndimage.{name}``) element for element.

The image is first padded along every filtered axis by the window's reach
(``size // 2 + origin`` before, ``size - 1 - size // 2 - origin`` after)
with the numpy.pad mode that extends as the scipy mode does — reflect →
"symmetric", mirror → "reflect", nearest → "edge", wrap → "wrap" — then
every block is filtered with that overlap and the padding is cropped.
mode="constant" is not padded: the blocks overlap each other only and the
kernel sees the image's own border, where scipy's rule for an integer cval
beyond the dtype (converted on some paths, compared unconverted on others)
applies as in memory.

Parameters
----------
image : dask.array.Array or array_like, any ndim >= 1
    Any integer dtype, bool, float16, float32 or float64.
Other parameters are those of :func:`fastcpp.{name}` (``out=`` excepted).

Returns
-------
dask.array.Array
    Same shape and dtype as ``image``.

Raises
------
ValueError, TypeError
    As :func:`fastcpp.{name}`, when the graph is built.
"""


def _filter_function(name: str, selection: str | None) -> Callable[..., Array]:
    """The dask face of ``fastcpp.<name>``: the in-memory signature without
    ``out``, every argument passed on to each block."""
    full = inspect.signature(getattr(_core, name))
    signature = full.replace(
        parameters=[p for p in full.parameters.values() if p.name != "out"]
    )

    def filter_(*args: Any, **kwargs: Any) -> Array:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        arguments = dict(bound.arguments)
        image = arguments.pop("image")
        select = () if selection is None else (arguments.pop(selection),)
        size = arguments.pop("size")
        return _median.filter_nd(name, image, select, size, **arguments)

    filter_.__name__ = filter_.__qualname__ = name
    filter_.__module__ = __name__
    filter_.__doc__ = _FILTER_DOC.format(name=name, signature=signature)
    filter_.__signature__ = signature  # type: ignore[attr-defined]
    return filter_


median_filter = _filter_function("median_filter", FILTER_SELECTION["median_filter"])
rank_filter = _filter_function("rank_filter", FILTER_SELECTION["rank_filter"])
percentile_filter = _filter_function(
    "percentile_filter", FILTER_SELECTION["percentile_filter"]
)
