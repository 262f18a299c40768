"""Rolling windows and the exponential moving average."""

from __future__ import annotations

import bisect
import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from fastcpp.bench import peers
from fastcpp.bench.checks import close
from fastcpp.bench.model import Case, Contender, Sizes, Workload
from fastcpp.bench.workloads import _numba, moving
from fastcpp.bench.workloads._common import (
    fastcpp,
    human,
    join_notes,
    pure_python,
    python_n,
    rng,
    with_peer,
)

#: rolling_sum_squares: (n, window, repetitions) — the seed times many calls on
#: a short array, so per-call overhead matters as much as the loop.
RSS = Sizes(full=(10_000, 100, 1000), quick=(10_000, 100, 100), tiny=(1000, 10, 3))
ROLL = Sizes(full=(10**6, 50), quick=(10**5, 50), tiny=(2000, 10))
RANK = Sizes(full=(200_000, 1000), quick=(20_000, 1000), tiny=(2000, 50))
EMA = Sizes(full=10**6, quick=10**5, tiny=2000)
ALPHA = 0.1
CHUNK = 2**16  # windows per chunk in the O(n·w) NumPy references (bounded memory)


def _windows_apply(a: np.ndarray, w: int, fn) -> np.ndarray:
    """fn(window_block) -> one value per window, over sliding windows, chunked."""
    view = sliding_window_view(a, w)
    return np.concatenate([fn(view[i : i + CHUNK]) for i in range(0, len(view), CHUNK)])


def _polars(pl, a: np.ndarray, method: str, w: int) -> Contender:
    """``pl.Series(a).<method>(w)``: the Series is built once (a polars user
    holds one), the result converted to NumPy untimed."""
    f = getattr(pl.Series(a), method)
    return Contender(
        "polars",
        lambda: f(w),
        convert=lambda got: got.to_numpy(),
        note=f"Series.{method}",
    )


def _nan_head(valid: np.ndarray, w: int) -> np.ndarray:
    """bottleneck layout: w-1 leading NaN then the 'valid' values."""
    return np.concatenate([np.full(w - 1, np.nan), valid])


# --- rolling_sum_squares ---------------------------------------------------
def _py_rolling_sum_squares(xs: list[float], w: int) -> list[float]:
    s = 0.0
    for x in xs[:w]:
        s += x * x
    out = [s]
    for i in range(w, len(xs)):
        s += xs[i] * xs[i] - xs[i - w] * xs[i - w]
        out.append(s)
    return out


def _np_cumsum_sum_squares(a: np.ndarray, w: int) -> np.ndarray:
    c = np.cumsum(a * a)
    out = c[w - 1 :].copy()
    out[1:] -= c[:-w]
    return out


def build_rolling_sum_squares(mode: str) -> Case:
    n, w, reps = RSS.pick(mode)
    reps_py = max(1, reps // 100)
    a = rng().random(n)
    xs = a.tolist()
    ref = _windows_apply(a * a, w, lambda v: v.sum(axis=1))

    def repeat(fn, k):
        def run():
            out = None
            for _ in range(k):
                out = fn()
            return out

        return run

    notes: list[str] = []
    cs = [
        pure_python(
            repeat(lambda: _py_rolling_sum_squares(xs, w), reps_py),
            ref,
            reps_py,
            reps,
            what="repetitions",
        ),
        Contender(
            "numpy",
            repeat(lambda: _np_cumsum_sum_squares(a, w), reps),
            role="numpy",
            note="cumsum difference",
        ),
        Contender(
            "fastcpp",
            repeat(lambda: fastcpp.rolling_sum_squares(a, w), reps),
            role="fastcpp",
        ),
    ]
    with_peer(
        "bottleneck",
        cs,
        notes,
        lambda bn: Contender(
            "bottleneck",
            repeat(lambda: bn.move_sum(a * a, w)[w - 1 :], reps),
            note="move_sum(a*a)",
        ),
    )
    return Case(
        f"n={human(n)}, w={w}, ×{reps} calls",
        ref,
        cs,
        close(rtol=1e-9, atol=1e-9),
        notes,
    )


# --- rolling_mean_std ------------------------------------------------------
def _py_rolling_mean_std(xs: list[float], w: int) -> tuple[list[float], list[float]]:
    s = q = 0.0
    means, stds = [], []
    for i, x in enumerate(xs):
        s += x
        q += x * x
        if i >= w:
            old = xs[i - w]
            s -= old
            q -= old * old
        if i >= w - 1:
            mean = s / w
            means.append(mean)
            stds.append(math.sqrt(max(q / w - mean * mean, 0.0)))
    return means, stds


def _np_rolling_mean_std(a: np.ndarray, w: int) -> tuple[np.ndarray, np.ndarray]:
    c1 = np.cumsum(a)
    c2 = np.cumsum(a * a)
    s1 = c1[w - 1 :].copy()
    s1[1:] -= c1[:-w]
    s2 = c2[w - 1 :].copy()
    s2[1:] -= c2[:-w]
    mean = s1 / w
    return mean, np.sqrt(np.maximum(s2 / w - mean * mean, 0.0))


def _reference_mean_std(a: np.ndarray, w: int) -> tuple[np.ndarray, np.ndarray]:
    return (
        _windows_apply(a, w, lambda v: v.mean(axis=1)),
        _windows_apply(a, w, lambda v: v.std(axis=1)),
    )


def build_rolling_mean_std(mode: str) -> Case:
    n, w = ROLL.pick(mode)
    m = python_n(n, mode)
    a = rng().random(n)
    xs = a[:m].tolist()
    ref = _reference_mean_std(a, w)
    notes: list[str] = []
    cs = [
        pure_python(
            lambda: _py_rolling_mean_std(xs, w), _reference_mean_std(a[:m], w), m, n
        ),
        Contender(
            "numpy",
            lambda: _np_rolling_mean_std(a, w),
            role="numpy",
            note="cumsum differences",
        ),
        Contender("fastcpp", lambda: fastcpp.rolling_mean_std(a, w), role="fastcpp"),
    ]
    with_peer(
        "bottleneck",
        cs,
        notes,
        lambda bn: Contender(
            "bottleneck",
            lambda: (bn.move_mean(a, w)[w - 1 :], bn.move_std(a, w)[w - 1 :]),
        ),
    )

    def pandas_contender(pd):
        s = pd.Series(a)

        def run():
            r = s.rolling(w)
            return r.mean().to_numpy()[w - 1 :], r.std(ddof=0).to_numpy()[w - 1 :]

        return Contender("pandas", run)

    with_peer("pandas", cs, notes, pandas_contender)

    def polars_contender(pl):
        s = pl.Series(a)

        return Contender(
            "polars",
            lambda: (s.rolling_mean(w), s.rolling_std(w, ddof=0)),
            convert=lambda got: tuple(g.to_numpy()[w - 1 :] for g in got),
            note="rolling_mean + rolling_std(ddof=0)",
        )

    with_peer("polars", cs, notes, polars_contender)
    fix = math.sqrt((w - 1) / w)
    with_peer(
        "numbagg",
        cs,
        notes,
        lambda nb: Contender(
            "numbagg",
            lambda: (
                nb.move_mean(a, window=w)[w - 1 :],
                nb.move_std(a, window=w)[w - 1 :] * fix,
            ),
            compile=lambda: (
                nb.move_mean(a[: 2 * w], window=w),
                nb.move_std(a[: 2 * w], window=w),
            ),
            note="move_std is ddof=1: rescaled",
        ),
    )
    return Case(
        f"n={human(n)}, w={w}", ref, cs, close(rtol=1e-7, atol=1e-9), notes, n=n
    )


# --- move_median -----------------------------------------------------------
def _py_move_median(xs: list[float], w: int) -> list[float]:
    window: list[float] = []
    out = [math.nan] * (w - 1)
    for i, x in enumerate(xs):
        bisect.insort(window, x)
        if i >= w:
            del window[bisect.bisect_left(window, xs[i - w])]
        if i >= w - 1:
            mid = w // 2
            out.append(window[mid] if w % 2 else 0.5 * (window[mid - 1] + window[mid]))
    return out


def _reference_move_median(a: np.ndarray, w: int) -> np.ndarray:
    return _nan_head(_windows_apply(a, w, lambda v: np.median(v, axis=1)), w)


def build_move_median(mode: str) -> Case:
    n, w = ROLL.pick(mode)
    m = python_n(n, mode)
    a = rng().random(n)
    xs = a[:m].tolist()
    ref = _reference_move_median(a, w)
    notes: list[str] = []
    cs = [
        pure_python(
            lambda: _py_move_median(xs, w), _reference_move_median(a[:m], w), m, n
        ),
        Contender(
            "numpy",
            lambda: _reference_move_median(a, w),
            role="numpy",
            note="sliding_window_view + median, O(n·w)",
        ),
        Contender("fastcpp", lambda: fastcpp.move_median(a, w), role="fastcpp"),
    ]
    cs[0].note = join_notes("bisect.insort", cs[0].note)
    with_peer(
        "bottleneck",
        cs,
        notes,
        lambda bn: Contender("bottleneck", lambda: bn.move_median(a, w)),
    )

    def pandas_contender(pd):
        s = pd.Series(a)
        return Contender("pandas", lambda: s.rolling(w).median().to_numpy())

    with_peer("pandas", cs, notes, pandas_contender)
    with_peer(
        "polars",
        cs,
        notes,
        lambda pl: _polars(pl, a, "rolling_median", w),
    )
    with_peer(
        "coreforecast",
        cs,
        notes,
        lambda cf: Contender(
            "coreforecast",
            lambda: cf.rolling_quantile(a, 0.5, w),
            note="rolling_quantile(0.5)",
        ),
        submodule="rolling",
    )
    return Case(f"n={human(n)}, w={w}", ref, cs, close(rtol=1e-12), notes, n=n)


# --- move_rank -------------------------------------------------------------
def _rank_block(v: np.ndarray) -> np.ndarray:
    last = v[:, -1:]
    less = (v < last).sum(axis=1)
    equal = (v == last).sum(axis=1)
    w = v.shape[1]
    return 2.0 * (less + 0.5 * (equal - 1)) / (w - 1) - 1.0


def _reference_move_rank(a: np.ndarray, w: int) -> np.ndarray:
    return _nan_head(_windows_apply(a, w, _rank_block), w)


def _py_move_rank(xs: list[float], w: int) -> list[float]:
    out = [math.nan] * (w - 1)
    for i in range(w - 1, len(xs)):
        x = xs[i]
        less = equal = 0
        for y in xs[i - w + 1 : i + 1]:
            if y < x:
                less += 1
            elif y == x:
                equal += 1
        out.append(2.0 * (less + 0.5 * (equal - 1)) / (w - 1) - 1.0)
    return out


def build_move_rank(mode: str) -> Case:
    n, w = RANK.pick(mode)
    m = min(n, w + {"full": 2000, "quick": 200, "tiny": 100}[mode])
    a = rng().random(n)
    xs = a[:m].tolist()
    ref = _reference_move_rank(a, w)
    notes: list[str] = []
    cs = [
        pure_python(
            lambda: _py_move_rank(xs, w),
            _reference_move_rank(a[:m], w),
            m - w + 1,
            n - w + 1,
            what="windows",
        ),
        Contender(
            "numpy",
            lambda: _reference_move_rank(a, w),
            role="numpy",
            note="sliding_window_view compares, O(n·w)",
        ),
        Contender("fastcpp", lambda: fastcpp.move_rank(a, w), role="fastcpp"),
    ]
    cs[0].note = join_notes("O(n·w) loop", cs[0].note)
    with_peer(
        "bottleneck",
        cs,
        notes,
        lambda bn: Contender("bottleneck", lambda: bn.move_rank(a, w), note="O(n·w)"),
    )

    def pandas_contender(pd):
        s = pd.Series(a)
        return Contender(
            "pandas",
            lambda: 2.0 * (s.rolling(w).rank().to_numpy() - 1) / (w - 1) - 1.0,
            note="rolling rank rescaled to [-1, 1]",
        )

    with_peer("pandas", cs, notes, pandas_contender)

    def polars_contender(pl):
        c = _polars(pl, a, "rolling_rank", w)
        c.expected = (ref + 1.0) * (w - 1) / 2.0 + 1.0
        c.note = "rank 1…w: checked against that (no rescale timed)"
        return c

    with_peer("polars", cs, notes, polars_contender)
    return Case(
        f"n={human(n)}, w={w}", ref, cs, close(rtol=1e-12, atol=1e-12), notes, n=n
    )


# --- ema -------------------------------------------------------------------
def _py_ema(xs: list[float], alpha: float) -> list[float]:
    out = []
    y = xs[0]
    for x in xs:
        y = alpha * x + (1.0 - alpha) * y
        out.append(y)
    return out


def _py_ema_adjusted(xs: list[float], alpha: float) -> list[float]:
    """pandas adjust=True (numbagg's move_exp_nanmean): weighted mean of the past."""
    out = []
    num = den = 0.0
    for x in xs:
        num = x + (1.0 - alpha) * num
        den = 1.0 + (1.0 - alpha) * den
        out.append(num / den)
    return out


def build_ema(mode: str) -> Case:
    n = EMA.pick(mode)
    m = python_n(n, mode)
    a = rng().random(n)
    xs = a.tolist()
    ref = np.array(_py_ema(xs, ALPHA))
    notes = ["reference: the recursion y = α·x + (1-α)·y in Python (no NumPy form)"]
    small = xs[:m]
    cs = [
        pure_python(lambda: _py_ema(small, ALPHA), ref[:m], m, n),
        Contender("fastcpp", lambda: fastcpp.ema(a, ALPHA), role="fastcpp"),
    ]

    def pandas_contender(pd):
        s = pd.Series(a)
        return Contender(
            "pandas",
            lambda: s.ewm(alpha=ALPHA, adjust=False).mean().to_numpy(),
            note="ewm(adjust=False).mean()",
        )

    with_peer("pandas", cs, notes, pandas_contender)

    def numba_contender(numba):
        k = _numba.kernels(numba)
        return Contender(
            "numba",
            lambda: k.ema(a, ALPHA),
            compile=lambda: k.ema(a[:10], ALPHA),
            note="@njit loop",
        )

    with_peer("numba", cs, notes, numba_contender)

    def polars_contender(pl):
        s = pl.Series(a)
        return Contender(
            "polars",
            lambda: s.ewm_mean(alpha=ALPHA, adjust=False),
            convert=lambda got: got.to_numpy(),
            note="Series.ewm_mean(adjust=False)",
        )

    with_peer("polars", cs, notes, polars_contender)

    def scipy_contender(signal):
        b, den = [ALPHA], [1.0, ALPHA - 1.0]
        return Contender(
            "scipy",
            lambda: signal.lfilter(b, den, a, zi=[(1 - ALPHA) * a[0]])[0],
            note="signal.lfilter",
        )

    with_peer("scipy", cs, notes, scipy_contender, submodule="signal")
    with_peer(
        "numbagg",
        cs,
        notes,
        lambda nb: Contender(
            "numbagg",
            lambda: nb.move_exp_nanmean(a, alpha=ALPHA),
            expected=np.array(_py_ema_adjusted(xs, ALPHA)),
            compile=lambda: nb.move_exp_nanmean(a[:10], alpha=ALPHA),
            note="move_exp_nanmean is adjust=True only: checked against that",
        ),
    )
    return Case(
        f"n={human(n)}, α={ALPHA}", ref, cs, close(rtol=1e-9, atol=1e-12), notes, n=n
    )


# --- ema_std ---------------------------------------------------------------
def _py_ema_var(xs: list[float], alpha: float, adjust: bool) -> list[float]:
    """pandas' ewmcov recursion (``Series.ewm(...).var()``, bias=False), no NaN."""
    out = [math.nan]
    mean, cov = xs[0], 0.0
    sum_wt = sum_wt2 = old_wt = 1.0
    decay = 1.0 - alpha
    new_wt = 1.0 if adjust else alpha
    for x in xs[1:]:
        sum_wt *= decay
        sum_wt2 *= decay * decay
        old_wt *= decay
        old_mean = mean
        if mean != x:
            mean = (old_wt * old_mean + new_wt * x) / (old_wt + new_wt)
        cov = (old_wt * (cov + (old_mean - mean) ** 2) + new_wt * (x - mean) ** 2) / (
            old_wt + new_wt
        )
        sum_wt += new_wt
        sum_wt2 += new_wt * new_wt
        old_wt += new_wt
        if not adjust:
            sum_wt /= old_wt
            sum_wt2 /= old_wt * old_wt
            old_wt = 1.0
        num = sum_wt * sum_wt
        den = num - sum_wt2
        out.append(num / den * cov if den > 0 else math.nan)
    return out


def _py_ema_std(xs: list[float], alpha: float, adjust: bool = False) -> list[float]:
    return [math.sqrt(v) for v in _py_ema_var(xs, alpha, adjust)]


def build_ema_std(mode: str) -> Case:
    n = EMA.pick(mode)
    m = python_n(n, mode)
    a = rng().random(n)
    xs = a.tolist()
    ref = np.array(_py_ema_std(xs, ALPHA))
    notes = ["reference: pandas' ewm variance recursion in Python, bias=False"]
    small = xs[:m]
    cs = [
        pure_python(lambda: _py_ema_std(small, ALPHA), ref[:m], m, n),
        Contender("fastcpp", lambda: fastcpp.ema_std(a, ALPHA), role="fastcpp"),
    ]

    def pandas_contender(pd):
        s = pd.Series(a)
        return Contender(
            "pandas",
            lambda: s.ewm(alpha=ALPHA, adjust=False).std().to_numpy(),
            note="ewm(adjust=False).std()",
        )

    with_peer("pandas", cs, notes, pandas_contender)

    def polars_contender(pl):
        s = pl.Series(a)
        return Contender(
            "polars",
            lambda: s.ewm_std(alpha=ALPHA, adjust=False, min_samples=2),
            convert=lambda got: got.to_numpy(),
            note="Series.ewm_std(adjust=False)",
        )

    with_peer("polars", cs, notes, polars_contender)
    with_peer(
        "numbagg",
        cs,
        notes,
        lambda nb: Contender(
            "numbagg",
            lambda: nb.move_exp_nanstd(a, alpha=ALPHA),
            expected=np.array(_py_ema_std(xs, ALPHA, adjust=True)),
            compile=lambda: nb.move_exp_nanstd(a[:10], alpha=ALPHA),
            note="adjust=True only: checked against that",
        ),
    )
    return Case(
        f"n={human(n)}, α={ALPHA}", ref, cs, close(rtol=1e-8, atol=1e-12), notes, n=n
    )


# --- grouped: many series in one call (lengths=) -----------------------------
#: (series, mean length, window): lengths drawn in [len/2, 3·len/2].
GROUPED = Sizes(full=(5000, 1000, 20), quick=(500, 1000, 20), tiny=(20, 60, 5))


def _segments(k: int, mean_len: int) -> tuple[np.ndarray, np.ndarray]:
    g = rng()
    lengths = g.integers(mean_len // 2, mean_len * 3 // 2 + 1, k)
    return lengths, np.concatenate([[0], np.cumsum(lengths)])


def _probe_lengths(name: str):
    def probe() -> str | None:
        try:
            getattr(fastcpp, name)(np.ones(4), 2, lengths=np.array([2, 2]))
        except TypeError:
            return f"fastcpp.{name} has no lengths= yet"
        return None

    return probe


def _grouped_builder(stat: str):
    """move_<stat> over k series of different lengths, one call."""
    name = f"move_{stat}"

    def build(mode: str) -> Case:
        k, mean_len, w = GROUPED.pick(mode)
        lengths, bounds = _segments(k, mean_len)
        a = rng().random(int(bounds[-1]))
        segs = [(int(bounds[i]), int(bounds[i + 1])) for i in range(k)]
        row = next(r for r in moving.MOVES if r.name == name)
        ref = np.concatenate([moving.reference(row, (a[s:e],), w) for s, e in segs])
        few = max(1, k // 50)
        lists = [a[s:e].tolist() for s, e in segs[:few]]
        notes: list[str] = []
        cs = [
            pure_python(
                lambda: [v for xs in lists for v in _py_windows_of(row, xs, w)],
                ref[: segs[few - 1][1]],
                few,
                k,
                what="series",
            ),
            Contender(
                "fastcpp",
                lambda: getattr(fastcpp, name)(a, w, lengths=lengths),
                role="fastcpp",
            ),
            # Any call returning a new array reads the input and writes a fresh
            # output of the same size: at 5M points that, not the arithmetic,
            # bounds every contender here.
            Contender(
                "memory floor",
                lambda: np.add(a, 0.0),
                role="floor",
                note="np.add(a, 0.0): read the input, write a fresh output (1 thread)",
            ),
        ]

        def bottleneck_contender(bn):
            g = getattr(bn, name)
            return Contender(
                "bottleneck",
                lambda: np.concatenate([g(a[s:e], w) for s, e in segs]),
                note=f"one call per series ({k} calls)",
            )

        with_peer("bottleneck", cs, notes, bottleneck_contender)

        def polars_contender(pl):
            ids = np.repeat(np.arange(k), lengths)
            df = pl.DataFrame({"g": ids, "x": a})
            kw = {"ddof": 0} if stat == "std" else {}
            expr = getattr(pl.col("x"), f"rolling_{stat}")(w, **kw).over("g")
            return Contender(
                "polars",
                lambda: df.select(expr),
                convert=lambda got: got.to_series().to_numpy(),
                note=f'rolling_{stat}().over("g")',
            )

        with_peer("polars", cs, notes, polars_contender)

        def pandas_contender(pd):
            ids = np.repeat(np.arange(k), lengths)
            s = pd.Series(a)
            kw = {"ddof": 0} if stat == "std" else {}
            return Contender(
                "pandas",
                lambda: getattr(s.groupby(ids).rolling(w), stat)(**kw).to_numpy(),
                note=f"groupby().rolling().{stat}()",
            )

        with_peer("pandas", cs, notes, pandas_contender)

        def coreforecast_contender(lag_transforms):
            grouped = peers.get("coreforecast", "grouped_array")
            assert grouped is not None
            ga = grouped.GroupedArray(a, bounds.astype(np.int32))
            cls = {"mean": "RollingMean", "std": "RollingStd"}[stat]
            t = getattr(lag_transforms, cls)(lag=0, window_size=w)
            fix = math.sqrt((w - 1) / w) if stat == "std" else 1.0
            return Contender(
                "coreforecast",
                lambda: t.transform(ga),
                expected=ref / fix,
                note=f"GroupedArray + {cls}"
                + (", ddof=1: checked against that" if stat == "std" else ""),
            )

        with_peer(
            "coreforecast",
            cs,
            notes,
            coreforecast_contender,
            submodule="lag_transforms",
        )
        return Case(
            f"{k} series, {human(int(bounds[-1]))} points, w={w}",
            ref,
            cs,
            close(rtol=1e-9, atol=1e-12),
            notes,
            n=int(bounds[-1]),
        )

    return build


def _py_windows_of(row, xs: list[float], w: int) -> list[float]:
    if len(xs) < w:
        return [math.nan] * len(xs)
    return moving._py_windows(row, [xs], w)


# --- --scaling sweeps -----------------------------------------------------------
def scale_rolling_mean_std(n: int, mode: str) -> Case:
    w = min(50, n)
    a = rng().random(n)
    ref = _np_rolling_mean_std(a, w)
    notes: list[str] = []
    cs = [Contender("fastcpp", lambda: fastcpp.rolling_mean_std(a, w), role="fastcpp")]
    with_peer(
        "bottleneck",
        cs,
        notes,
        lambda bn: Contender(
            "bottleneck",
            lambda: (bn.move_mean(a, w)[w - 1 :], bn.move_std(a, w)[w - 1 :]),
        ),
    )

    def polars_contender(pl):
        s = pl.Series(a)
        return Contender(
            "polars",
            lambda: (s.rolling_mean(w), s.rolling_std(w, ddof=0)),
            convert=lambda got: tuple(g.to_numpy()[w - 1 :] for g in got),
        )

    with_peer("polars", cs, notes, polars_contender)
    return Case(
        f"n={human(n)}, w={w}", ref, cs, close(rtol=1e-7, atol=1e-9), notes, n=n
    )


def scale_ema(n: int, mode: str) -> Case:
    a = rng().random(n)
    notes: list[str] = []
    cs = [Contender("fastcpp", lambda: fastcpp.ema(a, ALPHA), role="fastcpp")]

    def numba_contender(numba):
        k = _numba.kernels(numba)
        return Contender(
            "numba", lambda: k.ema(a, ALPHA), compile=lambda: k.ema(a[:10], ALPHA)
        )

    with_peer("numba", cs, notes, numba_contender)

    def polars_contender(pl):
        s = pl.Series(a)
        return Contender(
            "polars",
            lambda: s.ewm_mean(alpha=ALPHA, adjust=False),
            convert=lambda got: got.to_numpy(),
        )

    with_peer("polars", cs, notes, polars_contender)

    def pandas_contender(pd):
        s = pd.Series(a)
        return Contender(
            "pandas", lambda: s.ewm(alpha=ALPHA, adjust=False).mean().to_numpy()
        )

    with_peer("pandas", cs, notes, pandas_contender)
    if n <= 10**6:
        ref = np.array(_py_ema(a.tolist(), ALPHA))
    else:
        notes.append("reference: scipy.signal.lfilter (n > 10^6)")
        signal = peers.get("scipy", "signal")
        assert signal is not None, "n > 10^6 needs scipy for the reference"
        ref = signal.lfilter([ALPHA], [1.0, ALPHA - 1.0], a, zi=[(1 - ALPHA) * a[0]])[0]
    return Case(f"n={human(n)}", ref, cs, close(rtol=1e-9, atol=1e-12), notes, n=n)


WORKLOADS = [
    Workload(
        "rolling_sum_squares",
        "rolling Σx², 'valid', many calls on a short array",
        ("rolling_sum_squares",),
        build_rolling_sum_squares,
    ),
    Workload(
        "rolling_mean_std",
        "rolling mean and population std, 'valid'",
        ("rolling_mean_std",),
        build_rolling_mean_std,
        scaling=scale_rolling_mean_std,
    ),
    Workload(
        "move_median",
        "rolling median",
        ("move_median",),
        build_move_median,
        scaling=moving.SCALING["move_median"],
    ),
    Workload(
        "move_rank",
        "rolling rank of the newest value in [-1, 1]",
        ("move_rank",),
        build_move_rank,
        scaling=moving.SCALING["move_rank"],
    ),
    Workload(
        "ema",
        "exponential moving average, adjust=False",
        ("ema",),
        build_ema,
        scaling=scale_ema,
    ),
    Workload(
        "ema_std",
        "exponentially weighted std, adjust=False, bias=False",
        ("ema_std",),
        build_ema_std,
    ),
    *(
        Workload(
            f"grouped_move_{stat}",
            f"move_{stat} over many series of different lengths (lengths=)",
            (f"move_{stat}",),
            _grouped_builder(stat),
            probe=_probe_lengths(f"move_{stat}"),
        )
        for stat in ("mean", "std")
    ),
]
