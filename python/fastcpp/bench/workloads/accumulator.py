"""Streaming statistics: one ``Accumulator.add`` per Python value, and ``add_many``."""

from __future__ import annotations

import math

import numpy as np

from fastcpp.bench.checks import close
from fastcpp.bench.model import Case, Contender, Sizes, Workload
from fastcpp.bench.workloads._common import (
    fastcpp,
    human,
    join_notes,
    pure_python,
    python_n,
    rng,
    with_peer,
)
from fastcpp.bench.workloads.reductions import bandwidth_floor

N_ADD = Sizes(full=10**6, quick=10**5, tiny=10**3)
N_MANY = Sizes(full=10**7, quick=10**6, tiny=10**4)


def _stats(a: np.ndarray) -> tuple[int, float, float, float, float]:
    """The reference: (count, mean, population variance, min, max) by NumPy."""
    return (
        int(a.size),
        float(a.mean()),
        float(a.var()),
        float(a.min()),
        float(a.max()),
    )


def _welford(xs: list[float]) -> tuple[int, float, float, float, float]:
    """What a Python programmer writes: Welford's update in a loop."""
    n, mean, m2 = 0, 0.0, 0.0
    lo, hi = math.inf, -math.inf
    for x in xs:
        n += 1
        d = x - mean
        mean += d / n
        m2 += d * (x - mean)
        if x < lo:
            lo = x
        if x > hi:
            hi = x
    return n, mean, m2 / n, lo, hi


def _fastcpp_add(xs: list[float]) -> tuple[int, float, float, float, float]:
    acc = fastcpp.Accumulator()
    for x in xs:
        acc.add(x)
    return acc.count, acc.mean(), acc.variance(), acc.min, acc.max


def _fabs_floor(xs: list[float]) -> None:
    fabs = math.fabs
    for x in xs:
        fabs(x)


def _runstats(runstats, xs: list[float]) -> tuple[int, float, float, float, float]:
    s = runstats.Statistics()
    for x in xs:
        s.push(x)
    return len(s), s.mean(), s.variance(ddof=0), s.minimum(), s.maximum()


def _crick_add(crick, xs: list[float]) -> tuple:
    s = crick.SummaryStats()
    for x in xs:
        s.add(x)
    return s.count(), s.mean(), s.var(), s.min(), s.max()


def _crick_many(crick, a: np.ndarray) -> tuple:
    s = crick.SummaryStats()
    s.update(a)
    return s.count(), s.mean(), s.var(), s.min(), s.max()


def _river_add(stats, xs: list[float]) -> tuple:
    """river keeps one object per statistic: Var (which holds the Mean), Min, Max."""
    var, lo, hi = stats.Var(ddof=0), stats.Min(), stats.Max()
    for x in xs:
        var.update(x)
        lo.update(x)
        hi.update(x)
    return len(xs), var.mean.get(), var.get(), lo.get(), hi.get()


def _stream_peers(cs: list[Contender], notes: list[str], xs: list[float]) -> None:
    with_peer(
        "crick",
        cs,
        notes,
        lambda cr: Contender(
            "crick", lambda: _crick_add(cr, xs), note="SummaryStats.add"
        ),
    )
    with_peer(
        "river",
        cs,
        notes,
        lambda st: Contender(
            "river",
            lambda: _river_add(st, xs),
            note="stats.Var + Min + Max, .update each",
        ),
        submodule="stats",
    )


def build_add(mode: str) -> Case:
    n = N_ADD.pick(mode)
    a = rng().normal(size=n) + 1e3
    xs = a.tolist()
    notes: list[str] = []
    cs = [
        pure_python(lambda: _welford(xs), _stats(a), n, n),
        Contender(
            "python call floor",
            lambda: _fabs_floor(xs),
            role="floor",
            note="loop calling math.fabs; 1 = the bare cost of a call",
        ),
        Contender("fastcpp", lambda: _fastcpp_add(xs), role="fastcpp"),
    ]
    cs[0].note = join_notes("Welford loop", cs[0].note)
    with_peer(
        "runstats",
        cs,
        notes,
        lambda rs: Contender("runstats", lambda: _runstats(rs, xs)),
    )
    _stream_peers(cs, notes, xs)
    return Case(f"{human(n)} calls", _stats(a), cs, close(rtol=1e-9), notes, n=n)


def _fastcpp_many(a: np.ndarray) -> tuple[int, float, float, float, float]:
    acc = fastcpp.Accumulator()
    acc.add_many(a)
    return acc.count, acc.mean(), acc.variance(), acc.min, acc.max


def one_sum_floor(a: np.ndarray) -> Contender:
    """One np.sum over the same array: issue 11's yardstick for add_many."""
    return Contender(
        "one np.sum",
        lambda: float(np.sum(a)),
        role="floor",
        note="a single np.sum pass; target add_many <= 1.3x (10M), 1.5x (10k)",
    )


def build_add_many(mode: str, n: int | None = None) -> Case:
    n = N_MANY.pick(mode) if n is None else n
    m = python_n(n, mode)
    a = rng().normal(size=n) + 1e3
    xs = a[:m].tolist()
    notes: list[str] = []
    cs = [
        pure_python(lambda: _welford(xs), _stats(a[:m]), m, n),
        Contender(
            "numpy",
            lambda: _stats(a),
            role="numpy",
            note="mean, var, min, max: 4 passes",
        ),
        Contender("fastcpp", lambda: _fastcpp_many(a), role="fastcpp", note="one pass"),
    ]
    cs[0].note = join_notes("Welford loop", cs[0].note)

    def runstats_contender(rs):
        return Contender(
            "runstats",
            lambda: _runstats(rs, xs),
            expected=_stats(a[:m]),
            scale=n / m,
            note=f"push loop timed at n={human(m)}, scaled",
        )

    with_peer("runstats", cs, notes, runstats_contender)
    with_peer(
        "crick",
        cs,
        notes,
        lambda cr: Contender(
            "crick", lambda: _crick_many(cr, a), note="SummaryStats.update(array)"
        ),
    )
    cs.append(one_sum_floor(a))
    cs.extend(bandwidth_floor(a))
    return Case(
        f"n={human(n)}",
        _stats(a),
        cs,
        close(rtol=1e-9),
        notes,
        n=n,
        bytes_read=a.nbytes,
    )


def build_percall_add(mode: str) -> Case:
    """1000 calls of acc.add(x): the per-call cost against a math.fabs call."""
    n = 1000
    a = rng().normal(size=n) + 1e3
    xs = a.tolist()
    notes: list[str] = []
    cs = [
        pure_python(lambda: _welford(xs), _stats(a), n, n),
        Contender(
            "python call floor",
            lambda: _fabs_floor(xs),
            role="floor",
            note="loop calling math.fabs; 1 = the bare cost of a call",
        ),
        Contender("fastcpp", lambda: _fastcpp_add(xs), role="fastcpp"),
    ]
    return Case(f"{n} calls", _stats(a), cs, close(rtol=1e-9), notes, n=n)


def scale_add_many(n: int, mode: str) -> Case:
    a = rng().normal(size=n) + 1e3
    notes: list[str] = []
    cs = [
        Contender("fastcpp", lambda: _fastcpp_many(a), role="fastcpp"),
        Contender("numpy", lambda: _stats(a), role="numpy", note="4 passes"),
        one_sum_floor(a),
        *bandwidth_floor(a),
    ]
    with_peer(
        "crick", cs, notes, lambda cr: Contender("crick", lambda: _crick_many(cr, a))
    )
    return Case(
        f"n={human(n)}",
        _stats(a),
        cs,
        close(rtol=1e-9),
        notes,
        n=n,
        bytes_read=a.nbytes,
    )


WORKLOADS = [
    Workload(
        "accumulator_add",
        "Accumulator.add(x) in a Python loop",
        ("Accumulator",),
        build_add,
    ),
    Workload(
        "accumulator_add_many",
        "count, mean, var, min, max of an array",
        ("Accumulator",),
        build_add_many,
        scaling=scale_add_many,
    ),
    Workload(
        "accumulator_add_many_10k",
        "count, mean, var, min, max of 10k values (in cache: per-call cost)",
        ("Accumulator",),
        lambda mode: build_add_many(mode, 10_000),
    ),
]

PERCALL = [
    Workload(
        "percall_accumulator_add_1000",
        "Accumulator.add(x), 1000 calls, against a math.fabs call loop",
        ("Accumulator",),
        build_percall_add,
        section="per-call",
    )
]
