"""The ``move_*`` family as a table: one :class:`Move` row per member.

A row names the fastcpp function, its NumPy reference on a block of sliding
windows, a pure-Python version of one window, and the peers computing the same
thing (bottleneck, polars, pandas, numbagg, coreforecast). From each row the
bench derives three things, so a new member is one row here:

* the main workload ``move_X`` (1M float64, w=50 unless the row says otherwise);
* the per-call rows ``percall_move_X_{10,100,1000}`` (fastcpp vs bottleneck
  on tiny inputs: the fixed cost of a call);
* its ``--scaling`` sweep (n = 10 … 10⁷, fastcpp vs the peers).

A member fastcpp does not have yet (``move_quantile`` before it lands) is
skipped with a note: its row is harmless.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from fastcpp.bench import peers as peer_modules
from fastcpp.bench.checks import close
from fastcpp.bench.model import Case, Contender, Sizes, Workload
from fastcpp.bench.workloads._common import fastcpp, human, pure_python, rng

SIZE = Sizes(full=10**6, quick=10**5, tiny=2000)
PY_WINDOWS = Sizes(full=2000, quick=200, tiny=100)  # pure Python: windows timed
PERCALL_N = (10, 100, 1000)
CHUNK = 2**15  # windows per block in the O(n·w) references (bounded memory)

Args = tuple[np.ndarray, ...]


@dataclass(frozen=True)
class Peer:
    """A peer of a row. ``make(module, args, window)`` prepares the inputs the
    peer's users would already hold (a polars Series, a pandas Series: not
    timed) and returns the timed call. ``expected(reference, window)`` is a
    documented variant (ddof=1, bias-adjusted) the peer is checked against."""

    label: str
    make: Callable[[Any, Args, int], Callable[[], Any]]
    note: str = ""
    expected: Callable[[np.ndarray, int], np.ndarray] | None = None
    convert: Callable[[Any], Any] | None = None
    jit: bool = False  # numbagg: compile on a small input first
    submodule: str = ""


@dataclass(frozen=True)
class Move:
    """One member of the family (see the module docstring)."""

    name: str
    title: str
    block: Callable[..., np.ndarray]  # (windows, w) block(s) -> one value each
    window_py: Callable[..., float]  # one window as Python list(s) -> value
    peers: tuple[Peer, ...]
    window: int = 50
    kwargs: dict[str, Any] = field(default_factory=dict)
    inputs: int = 1  # arrays taken before the window (move_corr: 2)
    rtol: float = 1e-9
    atol: float = 1e-12
    main: bool = True  # False: the main workload is written by hand elsewhere


# --- NumPy references on a block of windows ---------------------------------
def _var(v: np.ndarray) -> np.ndarray:
    return v.var(axis=1)


def _argmax_newest(v: np.ndarray) -> np.ndarray:
    """Counted back from the newest element (0 = newest), ties -> newest."""
    return np.argmax(v[:, ::-1], axis=1).astype(np.float64)


def _argmin_newest(v: np.ndarray) -> np.ndarray:
    return np.argmin(v[:, ::-1], axis=1).astype(np.float64)


def _moments(v: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = v - v.mean(axis=1, keepdims=True)
    d2 = d * d
    return d2.mean(axis=1), (d2 * d).mean(axis=1), (d2 * d2).mean(axis=1)


def _skew(v: np.ndarray) -> np.ndarray:
    m2, m3, _ = _moments(v)
    return m3 / m2**1.5


def _kurt(v: np.ndarray) -> np.ndarray:
    m2, _, m4 = _moments(v)
    return m4 / (m2 * m2) - 3.0


def _rank(v: np.ndarray) -> np.ndarray:
    last = v[:, -1:]
    less = (v < last).sum(axis=1)
    equal = (v == last).sum(axis=1)
    w = v.shape[1]
    return 2.0 * (less + 0.5 * (equal - 1)) / (w - 1) - 1.0


def _corr(va: np.ndarray, vb: np.ndarray) -> np.ndarray:
    da = va - va.mean(axis=1, keepdims=True)
    db = vb - vb.mean(axis=1, keepdims=True)
    return (da * db).sum(axis=1) / np.sqrt(
        (da * da).sum(axis=1) * (db * db).sum(axis=1)
    )


def _quantile(q: float) -> Callable[[np.ndarray], np.ndarray]:
    return lambda v: np.quantile(v, q, axis=1)


# --- documented variants of peers --------------------------------------------
def _ddof1_var(ref: np.ndarray, w: int) -> np.ndarray:
    return ref * (w / (w - 1))


def _ddof1_std(ref: np.ndarray, w: int) -> np.ndarray:
    return ref * math.sqrt(w / (w - 1))


def _unbiased_skew(ref: np.ndarray, w: int) -> np.ndarray:
    return ref * math.sqrt(w * (w - 1)) / (w - 2)


def _unbiased_kurt(ref: np.ndarray, w: int) -> np.ndarray:
    return ((w + 1) * ref + 6.0) * (w - 1) / ((w - 2) * (w - 3))


def _rank_from_1(ref: np.ndarray, w: int) -> np.ndarray:
    """pandas/polars rank the newest value 1…w (average ties): no rescale timed."""
    return (ref + 1.0) * (w - 1) / 2.0 + 1.0


# --- one window in pure Python ------------------------------------------------
def _py_mean(xs: list[float]) -> float:
    return sum(xs) / len(xs)


def _py_var(xs: list[float]) -> float:
    m = sum(xs) / len(xs)
    return sum((x - m) ** 2 for x in xs) / len(xs)


def _py_argmax(xs: list[float]) -> float:
    w = len(xs)
    return float(max(range(w), key=lambda j: xs[w - 1 - j]))


def _py_argmin(xs: list[float]) -> float:
    w = len(xs)
    return float(min(range(w), key=lambda j: xs[w - 1 - j]))


def _py_quantile(q: float) -> Callable[[list[float]], float]:
    def one(xs: list[float]) -> float:
        s = sorted(xs)
        pos = q * (len(s) - 1)
        lo = int(pos)
        hi = min(lo + 1, len(s) - 1)
        return s[lo] + (s[hi] - s[lo]) * (pos - lo)

    return one


def _py_moments(xs: list[float]) -> tuple[float, float, float]:
    n = len(xs)
    m = sum(xs) / n
    d = [x - m for x in xs]
    return (
        sum(e * e for e in d) / n,
        sum(e**3 for e in d) / n,
        sum(e**4 for e in d) / n,
    )


def _py_skew(xs: list[float]) -> float:
    m2, m3, _ = _py_moments(xs)
    return m3 / m2**1.5


def _py_kurt(xs: list[float]) -> float:
    m2, _, m4 = _py_moments(xs)
    return m4 / (m2 * m2) - 3.0


def _py_rank(xs: list[float]) -> float:
    x = xs[-1]
    less = sum(1 for y in xs if y < x)
    equal = sum(1 for y in xs if y == x)
    return 2.0 * (less + 0.5 * (equal - 1)) / (len(xs) - 1) - 1.0


def _py_median(xs: list[float]) -> float:
    return _py_quantile(0.5)(xs)


def _py_corr(xs: list[float], ys: list[float]) -> float:
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    return sxy / math.sqrt(sxx * syy)


# --- peer factories -------------------------------------------------------------
def _to_numpy(result: Any) -> np.ndarray:
    """polars Series (nulls become NaN) or DataFrame column -> NumPy."""
    if hasattr(result, "to_series"):
        result = result.to_series()
    return np.asarray(result.to_numpy(), dtype=np.float64)


def bottleneck(name: str, **kw: Any) -> Peer:
    def make(bn: Any, args: Args, w: int) -> Callable[[], Any]:
        f = getattr(bn, name)
        return lambda: f(*args, w, **kw)

    return Peer("bottleneck", make)


def polars(method: str, *pos: Any, expected=None, **kw: Any) -> Peer:
    """``pl.Series(a).<method>(*pos, window_size=w, **kw)``; the Series is built
    once (a polars user holds one), the result converted untimed."""

    def make(pl: Any, args: Args, w: int) -> Callable[[], Any]:
        f = getattr(pl.Series(args[0]), method)
        return lambda: f(*pos, window_size=w, **kw)

    args = ", ".join([*map(repr, pos), *(f"{k}={v!r}" for k, v in kw.items())])
    return Peer(
        "polars",
        make,
        note=f"Series.{method}({args})" if args else f"Series.{method}",
        expected=expected,
        convert=_to_numpy,
    )


def polars_corr() -> Peer:
    def make(pl: Any, args: Args, w: int) -> Callable[[], Any]:
        df = pl.DataFrame({"a": args[0], "b": args[1]})
        expr = pl.rolling_corr("a", "b", window_size=w)
        return lambda: df.select(expr)

    return Peer("polars", make, note="pl.rolling_corr", convert=_to_numpy)


def pandas(call: Callable[[Any, Args], Any], note: str = "", expected=None) -> Peer:
    """``call(pd.Series(a).rolling(w), args).to_numpy()``."""

    def make(pd: Any, args: Args, w: int) -> Callable[[], Any]:
        r = pd.Series(args[0]).rolling(w)
        return lambda: call(r, args).to_numpy()

    return Peer("pandas", make, note=note, expected=expected)


def pandas_corr() -> Peer:
    def make(pd: Any, args: Args, w: int) -> Callable[[], Any]:
        r, other = pd.Series(args[0]).rolling(w), pd.Series(args[1])
        return lambda: r.corr(other).to_numpy()

    return Peer("pandas", make, note="rolling(w).corr(other)")


def numbagg(name: str, expected=None, note: str = "") -> Peer:
    def make(nb: Any, args: Args, w: int) -> Callable[[], Any]:
        f = getattr(nb, name)
        return lambda: f(*args, window=w)

    return Peer("numbagg", make, note=note, expected=expected, jit=True)


def coreforecast(name: str, *pos: Any, expected=None, note: str = "") -> Peer:
    def make(rolling: Any, args: Args, w: int) -> Callable[[], Any]:
        f = getattr(rolling, name)
        return lambda: f(args[0], *pos, w)

    return Peer(
        "coreforecast",
        make,
        note=note or f"rolling.{name}",
        expected=expected,
        submodule="rolling",
    )


Q = 0.25
MOVES: list[Move] = [
    Move(
        "move_sum",
        "rolling sum",
        lambda v: v.sum(axis=1),
        sum,
        (
            bottleneck("move_sum"),
            polars("rolling_sum"),
            pandas(lambda r, _: r.sum()),
            numbagg("move_sum"),
        ),
    ),
    Move(
        "move_mean",
        "rolling mean",
        lambda v: v.mean(axis=1),
        _py_mean,
        (
            bottleneck("move_mean"),
            polars("rolling_mean"),
            pandas(lambda r, _: r.mean()),
            numbagg("move_mean"),
            coreforecast("rolling_mean"),
        ),
    ),
    Move(
        "move_var",
        "rolling variance (ddof=0)",
        _var,
        _py_var,
        (
            bottleneck("move_var"),
            polars("rolling_var", ddof=0),
            pandas(lambda r, _: r.var(ddof=0), "var(ddof=0)"),
            numbagg("move_var", _ddof1_var, "ddof=1: checked against that"),
        ),
        rtol=1e-7,
        atol=1e-12,
    ),
    Move(
        "move_std",
        "rolling standard deviation (ddof=0)",
        lambda v: v.std(axis=1),
        lambda xs: math.sqrt(_py_var(xs)),
        (
            bottleneck("move_std"),
            polars("rolling_std", ddof=0),
            pandas(lambda r, _: r.std(ddof=0), "std(ddof=0)"),
            numbagg("move_std", _ddof1_std, "ddof=1: checked against that"),
            coreforecast(
                "rolling_std", expected=_ddof1_std, note="ddof=1: checked against that"
            ),
        ),
        rtol=1e-7,
        atol=1e-12,
    ),
    Move(
        "move_min",
        "rolling minimum",
        lambda v: v.min(axis=1),
        min,
        (
            bottleneck("move_min"),
            polars("rolling_min"),
            pandas(lambda r, _: r.min()),
            coreforecast("rolling_min"),
        ),
    ),
    Move(
        "move_max",
        "rolling maximum",
        lambda v: v.max(axis=1),
        max,
        (
            bottleneck("move_max"),
            polars("rolling_max"),
            pandas(lambda r, _: r.max()),
            coreforecast("rolling_max"),
        ),
    ),
    Move(
        "move_argmin",
        "rolling argmin, 0 = newest",
        _argmin_newest,
        _py_argmin,
        (bottleneck("move_argmin"),),
    ),
    Move(
        "move_argmax",
        "rolling argmax, 0 = newest",
        _argmax_newest,
        _py_argmax,
        (bottleneck("move_argmax"),),
    ),
    Move(
        "move_median",
        "rolling median",
        lambda v: np.median(v, axis=1),
        _py_median,
        (
            bottleneck("move_median"),
            polars("rolling_median"),
            pandas(lambda r, _: r.median()),
        ),
        main=False,  # rolling.py: with a bisect.insort pure-Python version
    ),
    Move(
        "move_rank",
        "rolling rank of the newest value in [-1, 1]",
        _rank,
        _py_rank,
        (
            bottleneck("move_rank"),
            polars("rolling_rank", expected=_rank_from_1),
            pandas(lambda r, _: r.rank(), "rank 1…w", expected=_rank_from_1),
        ),
        main=False,  # rolling.py: w=1000 against bottleneck's O(n·w)
    ),
    Move(
        "move_quantile",
        f"rolling quantile q={Q}, linear",
        _quantile(Q),
        _py_quantile(Q),
        (
            polars("rolling_quantile", Q, "linear"),
            pandas(lambda r, _: r.quantile(Q), f"quantile({Q})"),
            coreforecast("rolling_quantile", Q),
        ),
        window=100,
        kwargs={"q": Q},
    ),
    Move(
        "move_skew",
        "rolling skewness (bias=True)",
        _skew,
        _py_skew,
        (
            polars("rolling_skew", bias=True),
            pandas(
                lambda r, _: r.skew(),
                "bias=False: checked against that",
                expected=_unbiased_skew,
            ),
        ),
        rtol=1e-6,
        atol=1e-9,
    ),
    Move(
        "move_kurt",
        "rolling excess kurtosis (bias=True)",
        _kurt,
        _py_kurt,
        (
            polars("rolling_kurtosis", bias=True),
            pandas(
                lambda r, _: r.kurt(),
                "bias=False: checked against that",
                expected=_unbiased_kurt,
            ),
        ),
        rtol=1e-6,
        atol=1e-9,
    ),
    Move(
        "move_corr",
        "rolling Pearson correlation of two arrays",
        _corr,
        _py_corr,
        (pandas_corr(), polars_corr(), numbagg("move_corr")),
        inputs=2,
        rtol=1e-7,
        atol=1e-9,
    ),
]


# --- building cases from a row ------------------------------------------------
def reference(row: Move, args: Args, w: int) -> np.ndarray:
    """bottleneck layout: w-1 leading NaN, then one value per full window."""
    views = [sliding_window_view(a, w) for a in args]
    valid = np.concatenate(
        [
            row.block(*(v[i : i + CHUNK] for v in views))
            for i in range(0, len(views[0]), CHUNK)
        ]
    )
    return np.concatenate([np.full(w - 1, np.nan), valid])


def _py_windows(row: Move, lists: list[list[float]], w: int) -> list[float]:
    n = len(lists[0])
    out = [math.nan] * (w - 1)
    for i in range(w - 1, n):
        out.append(row.window_py(*(xs[i - w + 1 : i + 1] for xs in lists)))
    return out


def _inputs(row: Move, n: int) -> Args:
    g = rng()
    return tuple(g.random(n) for _ in range(row.inputs))


def _fastcpp(row: Move, args: Args, w: int, **extra: Any) -> Contender:
    kw = {**row.kwargs, **extra}
    # Looked up once, as the peers' functions are: a module attribute lookup
    # per call is ~10% of a 200 ns call. A member fastcpp lacks fails when
    # timed (reported as that contender's error), not while the case builds.
    f = getattr(fastcpp, row.name, None)
    if f is None:
        return Contender(
            "fastcpp",
            lambda: getattr(fastcpp, row.name)(*args, w, **kw),
            role="fastcpp",
        )
    return Contender("fastcpp", lambda: f(*args, w, **kw), role="fastcpp")


def peer_contenders(
    row: Move,
    args: Args,
    w: int,
    ref: np.ndarray,
    notes: list[str],
    only: tuple[str, ...] | None = None,
) -> list[Contender]:
    """The row's installed peers (``only``: these labels) as contenders."""
    out: list[Contender] = []
    seen: set[str] = set()
    for p in row.peers:
        if only is not None and p.label not in only:
            continue
        mod = peer_modules.get(p.label, p.submodule)
        if mod is None:
            if p.label not in seen:
                notes.append(peer_modules.missing(p.label))
            seen.add(p.label)
            continue
        run = p.make(mod, args, w)
        compile_ = None
        if p.jit:  # numbagg: compile on a small input of the same dtype first
            compile_ = p.make(mod, tuple(a[: 2 * w] for a in args), w)
        out.append(
            Contender(
                p.label,
                run,
                expected=ref if p.expected is None else p.expected(ref, w),
                note=p.note,
                convert=p.convert,
                compile=compile_,
            )
        )
    return out


def build_main(row: Move) -> Callable[[str], Case]:
    def build(mode: str) -> Case:
        n, w = SIZE.pick(mode), row.window
        args = _inputs(row, n)
        ref = reference(row, args, w)
        m = min(n, w - 1 + PY_WINDOWS.pick(mode))
        lists = [a[:m].tolist() for a in args]
        notes: list[str] = []
        python = pure_python(
            lambda: _py_windows(row, lists, w),
            reference(row, tuple(a[:m] for a in args), w),
            m - w + 1,
            n - w + 1,
            what="windows",
        )
        python.note = f"O(n·w) loop, {python.note}"
        cs = [
            python,
            Contender(
                "numpy",
                lambda: reference(row, args, w),
                role="numpy",
                note="sliding_window_view, O(n·w)",
            ),
            _fastcpp(row, args, w),
            *peer_contenders(row, args, w, ref, notes),
        ]
        return Case(
            f"n={human(n)}, w={w}",
            ref,
            cs,
            close(rtol=row.rtol, atol=row.atol),
            notes,
            n=n,
        )

    return build


#: Largest n whose NumPy O(n·w) reference is computed in --scaling.
REF_MAX = 10**5


def _peer_reference(row: Move, args: Args, w: int) -> tuple[np.ndarray, str]:
    """The answer of the first installed peer computing exactly what fastcpp
    does (no documented variant)."""
    for p in row.peers:
        mod = peer_modules.get(p.label, p.submodule)
        if mod is None or p.expected is not None:
            continue
        got = p.make(mod, args, w)()
        return (p.convert(got) if p.convert else np.asarray(got)), p.label
    raise RuntimeError("no installed peer to take the reference from")


def build_scaling(row: Move) -> Callable[[int, str], Case]:
    """fastcpp and the row's peers at n elements, w = min(window, n). The
    reference is NumPy up to 10⁵ elements, above that the first exact peer's
    answer (checked against NumPy by the main workload)."""

    def build(n: int, mode: str) -> Case:
        w = min(row.window, n)
        args = _inputs(row, n)
        notes: list[str] = []
        if n <= REF_MAX:
            ref = reference(row, args, w)
        else:
            ref, label = _peer_reference(row, args, w)
            notes.append(f"reference: {label}'s answer (n > 10^5)")
        return Case(
            f"n={human(n)}, w={w}",
            ref,
            [_fastcpp(row, args, w), *peer_contenders(row, args, w, ref, notes)],
            close(rtol=row.rtol, atol=row.atol),
            notes,
            n=n,
        )

    return build


def build_percall(row: Move, n: int) -> Callable[[str], Case]:
    """fastcpp vs bottleneck (else the other peers) on n elements: the fixed
    cost of one call (argument checks, allocation, dispatch)."""

    def build(mode: str) -> Case:
        w = min(row.window, max(2, n // 2))
        args = _inputs(row, n)
        ref = reference(row, args, w)
        lists = [a.tolist() for a in args]
        notes: list[str] = []
        peers = peer_contenders(row, args, w, ref, notes, only=("bottleneck",))
        if not peers:
            peers = peer_contenders(row, args, w, ref, notes)
        cs = [
            pure_python(lambda: _py_windows(row, lists, w), ref, n, n),
            _fastcpp(row, args, w),
            *peers,
        ]
        return Case(
            f"n={n}, w={w}", ref, cs, close(rtol=row.rtol, atol=row.atol), notes, n=n
        )

    return build


WORKLOADS = [
    Workload(
        row.name,
        row.title,
        (row.name,),
        build_main(row),
        scaling=build_scaling(row),
    )
    for row in MOVES
    if row.main
]


@dataclass(frozen=True)
class Shape:
    """Another input shape of a member, fastcpp vs bottleneck only: float32,
    many short rows (axis=-1), a short array with a small window."""

    name: str
    member: str
    shape: Sizes  # the input's shape per run mode
    window: int
    dtype: type = np.float64


SHAPES = [
    Shape(
        "move_mean_float32",
        "move_mean",
        Sizes((10**6,), (10**5,), (2000,)),
        50,
        np.float32,
    ),
    Shape("move_mean_rows", "move_mean", Sizes((2000, 500), (200, 500), (20, 100)), 20),
    Shape("move_max_10k", "move_max", Sizes((10**4,), (10**4,), (1000,)), 5),
]


def build_shape(shape: Shape) -> Callable[[str], Case]:
    row = next(r for r in MOVES if r.name == shape.member)

    def build(mode: str) -> Case:
        dims, w = shape.shape.pick(mode), shape.window
        g = rng()
        args = tuple(g.random(dims).astype(shape.dtype) for _ in range(row.inputs))
        flat = [a.reshape(-1, dims[-1]).astype(np.float64) for a in args]
        ref = np.stack(
            [reference(row, tuple(f[i] for f in flat), w) for i in range(len(flat[0]))]
        ).reshape(dims)
        notes: list[str] = []
        single = shape.dtype == np.float32
        cs = [
            _fastcpp(row, args, w),
            *peer_contenders(row, args, w, ref, notes, only=("bottleneck",)),
        ]
        size = "×".join(human(d) for d in dims)
        kind = np.dtype(shape.dtype).name
        return Case(
            f"{size} {kind}, w={w}",
            ref,
            cs,
            close(rtol=1e-5 if single else row.rtol, atol=1e-6 if single else row.atol),
            notes,
            n=int(np.prod(dims)),
        )

    return build


WORKLOADS += [
    Workload(
        s.name,
        f"{s.member} on another shape (vs bottleneck)",
        (s.member,),
        build_shape(s),
    )
    for s in SHAPES
]

#: The scaling sweeps of the rows whose main workload is written elsewhere.
SCALING = {row.name: build_scaling(row) for row in MOVES}

PERCALL = [
    Workload(
        f"percall_{row.name}_{n}",
        f"{row.name}, one call on {n} elements",
        (row.name,),
        build_percall(row, n),
        section="per-call",
    )
    for row in MOVES
    for n in PERCALL_N
]
