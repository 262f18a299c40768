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
            note="loop calling math.fabs: the cost of any call",
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
    return Case(f"{human(n)} calls", _stats(a), cs, close(rtol=1e-9), notes)


def _fastcpp_many(a: np.ndarray) -> tuple[int, float, float, float, float]:
    acc = fastcpp.Accumulator()
    acc.add_many(a)
    return acc.count, acc.mean(), acc.variance(), acc.min, acc.max


def build_add_many(mode: str) -> Case:
    n = N_MANY.pick(mode)
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
    return Case(f"n={human(n)}", _stats(a), cs, close(rtol=1e-9), notes)


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
    ),
]
