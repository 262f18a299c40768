"""Exponential moving average over dask arrays: parallel passes + carried state.

The recursion is sequential, but its dependence on the state carried into a
chunk is simple, so three graph layers suffice:

1. *summary* (parallel, one task per block): run the kernel on the block from
   an empty state and keep, per row, what the carried state needs — the last
   value, how strongly the first observation's value reaches the end, the
   positions of the first and last observation (adjust=False), or the last
   value and the total weight (adjust=True);
2. *scan* (one small task per row of blocks): fold the summaries left to right
   into the state entering every block — O(rows × blocks) scalars;
3. *finish* (parallel): every block once more, started from its state.

adjust=False: the state entering a block is (y, k), the last value and the
number of NaN steps since the last observation. The finishing pass runs the
in-memory kernel on ``[y, nan × k] + block``, which puts the kernel in exactly
that state, so it performs the in-memory sequence of floating-point operations
from there on: the first block is bit-identical, and later blocks differ only
through the rounding of the carried y (the scan combines affine maps), which
then decays geometrically. The seed is k + 1 long (NaN runs across chunk
borders cost their length once more).

adjust=True: y is a weighted mean with weights (1 − α)^age; with W the total
weight, the block result is the weighted combination
``(a_i·y_in + W_i·y_i) / (a_i + W_i)`` of the carried value (weight
``a_i = (1 − α)^(i+1)·W_in``) and the block's own result from an empty state
(weight W_i, the kernel's running weight, recovered from one more kernel pass
over the observation indicator). Equal to the in-memory call to a few ulp of
the values.

method="sequential" runs the blocks one after the other instead, each from
the state the previous one left, and equals the in-memory call bit for bit.
adjust=True: the core continues a row from its carried mean and total weight
(``_core._ema_adjusted_from``, the C++ ``ema_adjusted_from``) with the
in-memory steps. (The parallel method cannot be bit-exact: its blocks start
from an empty state and are combined afterwards.) adjust=False: the in-memory
kernel works in blocks of _KBLOCK points at fixed positions along the row
(ema.cpp), so the state is taken at the last block boundary, with the points
after it, and the seed is padded to a multiple of _KBLOCK.

All passes run in float64 (the kernel's state type); float32 input is rounded
once at the end, as the in-memory call does.

min_periods masks the carried result (observation count along the axis).
The other options (times, ignore_na) and the other members
of the family (ema_var, ema_std, ema_cov, ema_corr) have no carried-state
combination yet: they rechunk ``axis`` into one chunk and make one in-memory
call per block (exact, but each block then holds whole rows).
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import dask.array as da
import numpy as np
from dask.array.core import Array
from dask.base import tokenize
from dask.highlevelgraph import HighLevelGraph

from fastcpp import _core

from ._graph import in_one_thread
from ._rolling import _probe, core_function

#: The block length of the core's adjust=False kernel (kBlock in ema.cpp):
#: its blocks start at multiples of it along each row.
_KBLOCK = 8


def _rows(block: np.ndarray, axis: int) -> np.ndarray:
    """The block as float64 rows along ``axis``: shape (rows, length)."""
    moved = np.moveaxis(np.asarray(block), axis, -1)
    rows = math.prod(moved.shape[:-1])
    return moved.reshape(rows, moved.shape[-1]).astype(np.float64, copy=False)


def _running_weight(obs: np.ndarray, alpha: float) -> np.ndarray:
    """Σ_{j ≤ i, observed} (1 − α)^(i − j) per row: the kernel's adjust=True weight."""
    n = obs.shape[-1]
    ind = obs.astype(np.float64)
    # ema(adjust=True) of the 0/1 indicator is (that sum) / Σ_{j ≤ i} (1 − α)^(i − j).
    frac = _core.ema(ind, alpha, axis=-1, adjust=True)
    steps = np.arange(1, n + 1, dtype=np.float64)
    total = -np.expm1(steps * math.log1p(-alpha)) / alpha if alpha < 1 else np.ones(n)
    return frac * total


def _reach(alpha: float, weight: float) -> int:
    """Steps after which ``weight · (1 − α)^steps`` is exactly 0 in float64.

    Past that many steps a carried adjust=True weight no longer changes any
    result, so only that prefix of a block needs the combination.
    """
    if alpha >= 1.0:
        return 1
    # 2**-1075 rounds to 0; a little margin for the rounding of the powers.
    need = math.log(max(weight, 1.0)) + 1080 * math.log(2.0)
    return math.ceil(need / -math.log1p(-alpha)) + 2


@in_one_thread
def _summary(
    block: np.ndarray, axis: int, alpha: float, adjust: bool
) -> dict[str, Any]:
    x = _rows(block, axis)
    n = x.shape[1]
    if n == 0:
        return {"n": 0}
    y = _core.ema(x, alpha, axis=-1, adjust=adjust)
    obs = ~np.isnan(x)
    if adjust:
        # The last weight only depends on the last _reach(alpha, 1) steps.
        tail = obs[:, -min(n, _reach(alpha, 1.0)) :]
        return {
            "n": n,
            "y": y[:, -1],
            "w": _running_weight(tail, alpha)[:, -1],
            "has": obs.any(axis=1),
        }
    has = obs.any(axis=1)
    first = np.argmax(obs, axis=1)
    trailing = np.argmax(obs[:, ::-1], axis=1)
    rows = np.arange(x.shape[0])
    # reach = d y_end / d (value after the first observation): the kernel's
    # response to an impulse there. Without NaN after the first observation
    # it is (1 - alpha)^steps; else run the kernel on the impulse.
    gaps = has & (obs.sum(axis=1) < n - first)
    reach = np.zeros(x.shape[0])
    plain = has & ~gaps
    with np.errstate(under="ignore"):
        reach[plain] = (1.0 - alpha) ** (n - 1 - first[plain]).astype(np.float64)
    if gaps.any():
        sub = obs[gaps]
        impulse = np.where(sub, 0.0, np.nan)
        impulse[np.arange(sub.shape[0]), first[gaps]] = 1.0
        reach[gaps] = _core.ema(impulse, alpha, axis=-1)[:, -1]
    return {
        "n": n,
        "has": has,
        "first": first,
        "x_first": x[rows, first],
        "y": y[:, -1],
        "reach": reach,
        "trailing": trailing,
    }


def _combine(
    y_in: np.ndarray,
    a: np.ndarray,
    y_loc: np.ndarray,
    w_loc: np.ndarray,
    seen: np.ndarray,
) -> np.ndarray:
    """Weighted mean of the carried value (weight a) and the local one (w_loc).

    ``seen`` marks where the block has had an observation (before that the
    carried value stands); a weight of exactly 0 (alpha = 1, or underflow)
    means the other value alone, as in the kernel.
    """
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        ratio = a / (a + w_loc)
        finite = np.isfinite(y_in) & np.isfinite(y_loc)
        mixed = np.where(
            finite,
            y_loc + (y_in - y_loc) * ratio,
            (a * y_in + w_loc * y_loc) / (a + w_loc),
        )
        mixed = np.where(y_in == y_loc, y_loc, mixed)
        mixed = np.where(a == 0, y_loc, mixed)
        mixed = np.where(w_loc == 0, y_in, mixed)
        return np.where(seen, np.where(a == 0, y_loc, mixed), y_in)


def _scan(summaries: list[dict[str, Any]], alpha: float, adjust: bool) -> list[Any]:
    """States entering each block of one row of blocks (left to right)."""
    beta = 1.0 - alpha
    rows = next((len(s["y"]) for s in summaries if s["n"]), 0)
    y = np.full(rows, np.nan)
    states: list[Any] = []
    if adjust:
        w = np.zeros(rows)
        for s in summaries:
            states.append((y.copy(), w.copy()))
            if not s["n"]:
                continue
            a = w * beta ** s["n"]
            y = _combine(y, a, s["y"], s["w"], s["has"])
            w = a + s["w"]
        return states
    seen = np.zeros(rows, dtype=bool)
    k = np.zeros(rows, dtype=np.int64)
    for s in summaries:
        states.append((y.copy(), np.where(seen, k, -1)))
        if not s["n"]:
            continue
        has = s["has"]
        with np.errstate(invalid="ignore", over="ignore", under="ignore"):
            decay = beta ** (k + s["first"] + 1).astype(np.float64)
            x0 = s["x_first"]
            y0 = np.where(y == x0, x0, (decay * y + alpha * x0) / (decay + alpha))
            shifted = np.where(
                (s["reach"] == 0) | (y0 == x0), s["y"], s["y"] + s["reach"] * (y0 - x0)
            )
        # Once the state is NaN (inf - inf) it stays NaN, as in the kernel.
        shifted = np.where(np.isnan(y), np.nan, shifted)
        carried = np.where(seen, shifted, s["y"])
        y = np.where(has, carried, y)
        k = np.where(has, s["trailing"], np.where(seen, k + s["n"], k))
        seen |= has
    return states


@in_one_thread
def _advance(x: np.ndarray, state: Any, alpha: float, adjust: bool) -> np.ndarray:
    """The kernel's result (float64 rows) for rows ``x`` entered in ``state``."""
    y_in, carry = state
    out: np.ndarray
    if x.shape[1] == 0 or x.shape[0] == 0:
        out = np.empty(x.shape)
    elif adjust:
        y_loc = _core.ema(x, alpha, axis=-1, adjust=True)
        if np.any((carry > 0) | ~np.isnan(y_in)):  # some row carries a state
            obs = ~np.isnan(x)
            seen = np.logical_or.accumulate(obs, axis=1)
            # Before the block's first observation the carried value stands;
            # after it, the carried weight matters only while it is nonzero.
            out = np.where(seen, y_loc, y_in[:, None])
            m = min(x.shape[1], _reach(alpha, float(carry.max())))
            w_loc = _running_weight(obs[:, :m], alpha)
            steps = np.arange(1, m + 1, dtype=np.float64)
            with np.errstate(under="ignore"):
                a = carry[:, None] * np.power(1.0 - alpha, steps)[None, :]
            out[:, :m] = _combine(y_in[:, None], a, y_loc[:, :m], w_loc, seen[:, :m])
        else:
            out = y_loc
    else:
        # Seed row r with [nan × (K - 1 - k_r), y_r, nan × k_r]: the kernel
        # then enters the block in exactly the carried state. K is a multiple
        # of the core's block (_KBLOCK), so x starts on a block boundary.
        seeds = carry >= 0
        width = -(-(int(carry.max()) + 1) // _KBLOCK) * _KBLOCK if seeds.any() else 0
        if width:
            seed = np.full((x.shape[0], width), np.nan)
            r = np.flatnonzero(seeds)
            seed[r, width - 1 - carry[r]] = y_in[r]
            out = _core.ema(np.concatenate([seed, x], axis=1), alpha, axis=-1)
            out = out[:, width:]
        else:
            out = _core.ema(x, alpha, axis=-1)
        # A seed cannot carry a NaN state (inf - inf): it stays NaN.
        out[seeds & np.isnan(y_in)] = np.nan
    return out


def _state_after(x: np.ndarray, out: np.ndarray, state: Any) -> Any:
    """The adjust=False state (last value, NaN steps since the last
    observation) leaving rows ``x`` (results ``out``) entered in ``state``."""
    carry = state[1]
    n = x.shape[1]
    if n == 0:
        return state
    if not np.isnan(x[:, -1]).any():  # common case: every row ends observed
        return out[:, -1].copy(), np.zeros(x.shape[0], dtype=np.int64)
    obs = ~np.isnan(x)
    has = obs.any(axis=1)
    trailing = np.argmax(obs[:, ::-1], axis=1)
    k = np.where(has, trailing, np.where(carry >= 0, carry + n, -1))
    return out[:, -1].copy(), k


@in_one_thread
def _finish(
    block: np.ndarray,
    states: list[Any],
    index: int,
    axis: int,
    alpha: float,
    adjust: bool,
    dtype: np.dtype,
) -> np.ndarray:
    shape = np.moveaxis(np.asarray(block), axis, -1).shape
    out = _advance(_rows(block, axis), states[index], alpha, adjust)
    return np.moveaxis(out.astype(dtype, copy=False).reshape(shape), -1, axis)


@in_one_thread
def _chain_step(
    block: np.ndarray,
    previous: Any,
    axis: int,
    alpha: float,
    adjust: bool,
    dtype: np.dtype,
) -> tuple[np.ndarray, Any]:
    """One link of the sequential chain: (this block's result, state after it)."""
    shape = np.moveaxis(np.asarray(block), axis, -1).shape
    x = _rows(block, axis)
    if previous is None:  # first block: empty state
        rows = x.shape[0]
        state: Any = (
            (np.full(rows, np.nan), np.full(rows, np.nan))  # mean, weight: none yet
            if adjust
            else (np.full(rows, np.nan), np.full(rows, -1, dtype=np.int64))
        )
    else:
        state = previous[1]
    if adjust:
        # The core continues each row from its carried mean and total
        # weight with the in-memory call's own steps: bit for bit.
        out, mean, weight = _core._ema_adjusted_from(x, alpha, *state)
        after = (mean, weight)
    else:
        # The state is taken at the last block boundary of the core
        # (_KBLOCK), with the points after it (`tail`): every block then runs
        # from the state and points the in-memory call has there, so the
        # result is the in-memory one bit for bit.
        y_in, carry, tail = state if len(state) == 3 else (*state, x[:, :0])
        both = np.concatenate([tail, x], axis=1)
        out = _advance(both, (y_in, carry), alpha, adjust)
        full = both.shape[1] // _KBLOCK * _KBLOCK
        at = _state_after(both[:, :full], out[:, :full], (y_in, carry))
        after = (*at, both[:, full:].copy())  # not a view: frees the chunk
        out = out[:, tail.shape[1] :]
    result = np.moveaxis(out.astype(dtype, copy=False).reshape(shape), -1, axis)
    return result, after


#: The ema family from the core's table: (name, inputs, takes times, takes bias).
EMA_FAMILY: tuple[tuple[str, int, bool, bool], ...] = tuple(_core._ema_family)


def _alpha_of(options: dict[str, Any]) -> float:
    """alpha from one of alpha/span/halflife/com (no times), the core's
    conversions (pandas'), once the core has validated them."""
    if options.get("alpha") is not None:
        return float(options["alpha"])
    if options.get("span") is not None:
        return 1.0 / (1.0 + (float(options["span"]) - 1.0) / 2.0)
    if options.get("halflife") is not None:
        com = 1.0 / (1.0 - math.exp(math.log(0.5) / float(options["halflife"]))) - 1.0
        return 1.0 / (1.0 + com)
    return 1.0 / (1.0 + float(options["com"]))


def whole_axis(
    name: str, arrays: list[Any], axis: int, options: dict[str, Any]
) -> Array:
    """``fastcpp.<name>`` over dask arrays with ``axis`` in one chunk: every
    option and member, one in-memory call per block. Arguments are validated
    when the graph is built (against the full axis length when times are
    given)."""
    xs = [da.asarray(a) for a in arrays]
    x = xs[0]
    n = 1 if options.get("times") is None else (_axis_length_or_1(x, axis))
    probes = [_probe(y, n, axis) for y in xs]
    meta = getattr(_core, name)(*probes, **options, axis=axis)
    ax = int(axis) % x.ndim
    xs = [y.rechunk({ax: -1}) for y in xs]
    if len(xs) == 2:
        if xs[1].shape != x.shape:  # the in-memory message
            getattr(_core, name)(
                np.broadcast_to(0.0, x.shape), np.broadcast_to(0.0, xs[1].shape), 0.5
            )
        xs[1] = xs[1].rechunk(xs[0].chunks)
    token = tokenize(name, *xs, ax, sorted(options.items(), key=lambda kv: kv[0]))
    return da.map_blocks(
        core_function(name),
        *xs,
        **options,
        axis=ax,
        dtype=meta.dtype,
        name=f"{name}-{token}",
    )


def _axis_length_or_1(x: Array, axis: Any) -> int:
    try:
        return int(x.shape[int(axis)])
    except (TypeError, ValueError, IndexError):
        return 1


def ema(
    a: Any,
    alpha: float | None = None,
    *,
    axis: int = -1,
    adjust: bool = False,
    method: str = "parallel",
    **options: Any,
) -> Array:
    x = da.asarray(a)
    if method not in ("parallel", "sequential"):
        raise ValueError(f"method (={method!r}) must be 'parallel' or 'sequential'")
    options = {"alpha": alpha, "adjust": adjust, **options}
    if options.get("times") is not None or options.get("ignore_na", False):
        return whole_axis("ema", [x], axis, options)
    meta = _core.ema(_probe(x, 1, axis), **options, axis=axis)  # validates
    ax = int(axis) % x.ndim
    y = _carried(x, ax, _alpha_of(options), bool(adjust), method, meta.dtype)
    min_periods = int(options.get("min_periods") or 0)
    if min_periods > 1:
        # min_periods only masks the results with too few observations so far
        seen = da.cumsum((~da.isnan(x)).astype(np.int64), axis=ax)
        y = da.where(seen >= min_periods, y, np.nan)
    return y


def _carried(
    x: Any, ax: int, alpha: float, adjust: bool, method: str, dtype: np.dtype
) -> Array:
    """ema(alpha, adjust) with the state carried across the chunks of ``ax``."""
    token = tokenize(x, alpha, ax, adjust, method)
    if x.numblocks[ax] == 1:
        return x.map_blocks(
            core_function("ema"),
            alpha,
            axis=ax,
            adjust=adjust,
            dtype=dtype,
            name=f"ema-{token}",
        )
    blocks = list(itertools.product(*(range(n) for n in x.numblocks)))
    dsk: dict[Any, Any] = {}
    out = f"ema-{token}"
    if method == "sequential":
        chain = f"ema-chain-{token}"
        for idx in blocks:
            k = idx[ax]
            prev = (chain, *idx[:ax], k - 1, *idx[ax + 1 :]) if k else None
            dsk[(chain, *idx)] = (
                _chain_step,
                (x.name, *idx),
                prev,
                ax,
                alpha,
                adjust,
                dtype,
            )
            dsk[(out, *idx)] = (_first, (chain, *idx))
        graph = HighLevelGraph.from_collections(out, dsk, dependencies=[x])
        return Array(graph, out, x.chunks, dtype=dtype)
    summary, scan = f"ema-summary-{token}", f"ema-scan-{token}"
    for idx in blocks:
        dsk[(summary, *idx)] = (_summary, (x.name, *idx), ax, alpha, adjust)
    others = [range(n) for i, n in enumerate(x.numblocks) if i != ax]
    for rest in itertools.product(*others):
        keys = [(summary, *rest[:ax], k, *rest[ax:]) for k in range(x.numblocks[ax])]
        dsk[(scan, *rest)] = (_scan, keys, alpha, adjust)
    for idx in blocks:
        rest = idx[:ax] + idx[ax + 1 :]
        dsk[(out, *idx)] = (
            _finish,
            (x.name, *idx),
            (scan, *rest),
            idx[ax],
            ax,
            alpha,
            adjust,
            dtype,
        )
    graph = HighLevelGraph.from_collections(out, dsk, dependencies=[x])
    return Array(graph, out, x.chunks, dtype=dtype)


def _first(pair: tuple[Any, Any]) -> Any:
    return pair[0]
