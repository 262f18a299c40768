"""Slow references for the rolling-window area: nan-aware NumPy over
``sliding_window_view`` for the move_* family, and a plain-Python loop of the
pandas ewm recursion for ema."""

from __future__ import annotations

import math
import warnings

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def result_dtype(a) -> np.dtype:
    kind = np.asarray(a).dtype
    is32 = kind.kind == "f" and kind.itemsize == 4
    return np.dtype(np.float32) if is32 else np.dtype(np.float64)


def _windows(x: np.ndarray, window: int) -> np.ndarray:
    """(..., n, window) windows ending at each element, NaN-padded in front."""
    pad = np.full((*x.shape[:-1], window - 1), np.nan)
    return sliding_window_view(np.concatenate([pad, x], axis=-1), window, axis=-1)


def _arg(win: np.ndarray, count: np.ndarray, fill: float, pick) -> np.ndarray:
    """Position counted back from the newest element, ties -> newest."""
    rev = win[..., ::-1]  # rev[..., 0] is the newest element
    rev = np.where(np.isnan(rev), fill, rev)
    r = pick(rev, axis=-1).astype(np.float64)
    # A real value equal to `fill` may lose against a NaN placeholder: fix up
    # by taking the first non-NaN position holding the extreme value.
    best = np.where(
        count > 0, np.take_along_axis(rev, r.astype(int)[..., None], -1)[..., 0], 0
    )
    hit = (rev == best[..., None]) & ~np.isnan(win[..., ::-1])
    first = np.argmax(hit, axis=-1).astype(np.float64)
    return np.where(count > 0, first, np.nan)


def _rank(win: np.ndarray, count: np.ndarray) -> np.ndarray:
    newest = win[..., -1]
    below = (win < newest[..., None]).sum(-1)
    equal = (win == newest[..., None]).sum(-1)
    r = 0.5 * (2 * below + equal - 1)
    with np.errstate(all="ignore"):
        r = 2 * (r / (count - 1) - 0.5)
    r = np.where(count == 1, 0.0, r)
    return np.where(np.isnan(newest), np.nan, r)


def _higher(win: np.ndarray, count: np.ndarray, kurt: bool, bias: bool) -> np.ndarray:
    """Skewness / excess kurtosis of the non-NaN values of each window by
    two passes (mean, then central moments): scipy's g1/g2 (bias=True) or
    pandas' G1/G2 (bias=False; NaN below 3/4 values). NaN for a window with
    ±inf or without spread (all its values equal)."""
    n = count.astype(np.float64)
    # Around the window's smallest finite value first (exact differences for
    # windows like 1e9 + small values), then around the mean.
    finite = np.where(np.isfinite(win), win, np.inf)
    shift = np.where(np.isfinite(finite.min(-1)), finite.min(-1), 0.0)
    win = win - shift[..., None]
    mean = np.nansum(win, -1) / n
    d = win - mean[..., None]
    m2 = np.nansum(d**2, -1) / n
    m3 = np.nansum(d**3, -1) / n
    m4 = np.nansum(d**4, -1) / n
    if kurt:
        r = m4 / (m2 * m2) - 3.0
        if not bias:
            r = (n - 1) * ((n + 1) * r + 6) / ((n - 2) * (n - 3))
            r = np.where(n < 4, np.nan, r)
    else:
        r = m3 / m2**1.5
        if not bias:
            r = r * np.sqrt(n * (n - 1)) / (n - 2)
            r = np.where(n < 3, np.nan, r)
    flat = np.nanmax(win, -1) == np.nanmin(win, -1)
    return np.where(flat | np.isinf(win).any(-1) | (n < 2), np.nan, r)


def _quantile(win: np.ndarray, q, method: str) -> np.ndarray:
    """np.nanquantile of every window, ±inf as ordinary values: numpy's lerp
    gives NaN where it weighs an inf by 0 (inf * 0). Here the infs stand in
    as ±1e300; a result that changes when +inf (or -inf) stands in as ±1e290
    instead is weighted by it: +inf (-inf), NaN if weighted by both."""

    def stand_in(w: np.ndarray, pos: float, neg: float) -> np.ndarray:
        big = np.where(w == np.inf, pos, np.where(w == -np.inf, neg, w))
        return np.nanquantile(big, q, axis=-1, method=method)

    r = stand_in(win, 1e300, -1e300)
    rows = np.isinf(win).any(axis=-1)  # the others need no second look
    if rows.any():
        some, base = win[rows], r[..., rows]
        up = stand_in(some, 1e290, -1e300) != base
        down = stand_in(some, 1e300, -1e290) != base
        base = np.where(up, np.inf, np.where(down, -np.inf, base))
        r[..., rows] = np.where(up & down, np.nan, base)
    return r


def move_ref(
    name: str,
    a,
    window: int,
    min_count=None,
    axis: int = -1,
    ddof: int = 0,
    bias: bool = True,
    q=0.3,
    method: str = "linear",
):
    """bottleneck-1.6-style moving statistic, with IEEE inf handling and NaN
    where count - ddof <= 0."""
    a = np.asarray(a)
    dt = result_dtype(a)
    x = np.moveaxis(a.astype(np.float64), axis, -1)
    win = _windows(x, window)
    count = (~np.isnan(win)).sum(-1)
    mc = window if min_count is None else min_count
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if name == "sum":
            r = np.nansum(win, -1)
        elif name == "mean":
            r = np.nanmean(win, -1)
        elif name in ("var", "std"):
            r = np.nanvar(win, -1, ddof=0)
            r = r * count / np.where(count - ddof > 0, count - ddof, 1)
            r = np.where(np.isinf(win).any(-1) | (count - ddof <= 0), np.nan, r)
            if name == "std":
                r = np.sqrt(r)
        elif name == "min":
            r = np.nanmin(win, -1)
        elif name == "max":
            r = np.nanmax(win, -1)
        elif name == "argmin":
            r = _arg(win, count, np.inf, np.argmin)
        elif name == "argmax":
            r = _arg(win, count, -np.inf, np.argmax)
        elif name == "median":
            r = np.nanmedian(win, -1)
        elif name == "rank":
            r = _rank(win, count)
        elif name in ("skew", "kurt"):
            r = _higher(win, count, name == "kurt", bias)
        elif name == "quantile":
            r = _quantile(win, q, method)
        else:
            raise ValueError(name)
    r = np.where(count < mc, np.nan, r)
    if r.ndim > x.ndim:  # a sequence of q: leading axis
        return np.moveaxis(r, -1, axis + 1 if axis >= 0 else axis).astype(dt)
    return np.moveaxis(r, -1, axis).astype(dt)


def rolling_sum_squares_ref(a, window: int):
    a = np.asarray(a)
    x = a.astype(np.float64)
    r = (sliding_window_view(x, window, axis=-1) ** 2).sum(-1)
    return r.astype(result_dtype(a))


def rolling_mean_std_ref(a, window: int):
    a = np.asarray(a)
    w = sliding_window_view(a.astype(np.float64), window, axis=-1)
    with np.errstate(all="ignore"):
        m, s = w.mean(-1), w.std(-1)
    s = np.where(np.isinf(w).any(-1), np.nan, s)
    dt = result_dtype(a)
    return m.astype(dt), s.astype(dt)


def ema_ref(x, alpha: float, adjust: bool = False) -> np.ndarray:
    """The pandas ewm(alpha, adjust, ignore_na=False, min_periods=0).mean()
    recursion (pandas/_libs/window/aggregations.pyx), 1-D, IEEE inf; once the
    state is NaN it stays NaN."""
    x = [float(v) for v in np.asarray(x, dtype=np.float64)]
    out = []
    new_w = 1.0 if adjust else alpha
    y = math.nan
    started = False
    old_w = 1.0
    for v in x:
        obs = v == v
        if not started:
            if obs:
                y, started, old_w = v, True, 1.0
            out.append(y)
            continue
        old_w *= 1.0 - alpha
        if obs:
            if y != v:
                y = (old_w * y + new_w * v) / (old_w + new_w)
            old_w = old_w + new_w if adjust else 1.0
        out.append(y)
    return np.array(out)
