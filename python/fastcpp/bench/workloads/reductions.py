"""Reductions: the seeds' sum of squares, and sum / dot / norm of 10M floats."""

from __future__ import annotations

import math
import operator
from typing import Any, Callable

import numpy as np

from fastcpp.bench.checks import close
from fastcpp.bench.model import Case, Contender, Sizes, Workload
from fastcpp.bench.workloads import _numba
from fastcpp.bench.workloads._common import (
    fastcpp,
    human,
    pure_python,
    python_n,
    rng,
    with_peer,
)

N_SQUARES = Sizes(full=10**8, quick=10**7, tiny=10**4)
N_REDUCE = Sizes(full=10**7, quick=10**6, tiny=10**4)


def _squares_formula(n: int) -> int:
    return n * (n - 1) * (2 * n - 1) // 6


def build_sum_of_squares(mode: str) -> Case:
    n = N_SQUARES.pick(mode)
    m = python_n(n, mode)
    notes = [
        "fastcpp uses the closed form n(n-1)(2n-1)/6 (exact, O(1)); the "
        "'pure python (formula)' row shows the algorithm, not C++, is the win"
    ]
    cs = [
        pure_python(lambda: sum(i * i for i in range(m)), _squares_formula(m), m, n),
        Contender("pure python (formula)", lambda: _squares_formula(n)),
        Contender(
            "numpy (int64)",
            lambda: int(np.sum(np.arange(n, dtype=np.int64) ** 2)),
            role="numpy",
            note="int64 overflows past n≈3·10^6",
        ),
        Contender(
            "numpy (float64)",
            lambda: float(np.sum(np.arange(n, dtype=np.float64) ** 2)),
            role="numpy",
            note="approximate",
        ),
        Contender("fastcpp", lambda: fastcpp.sum_of_squares(n), role="fastcpp"),
    ]

    def numba_contender(numba):
        k = _numba.kernels(numba)
        return Contender(
            "numba",
            lambda: int(k.sum_of_squares(n)),
            compile=lambda: k.sum_of_squares(10),
            note="int64 loop",
        )

    with_peer("numba", cs, notes, numba_contender)
    return Case(f"n={human(n)}", _squares_formula(n), cs, close(rtol=1e-12), notes)


def _vectors(mode: str) -> tuple[int, int, np.ndarray, np.ndarray]:
    n = N_REDUCE.pick(mode)
    g = rng()
    return n, python_n(n, mode), g.random(n), g.random(n)


def plain_sum() -> Callable[[np.ndarray], float] | None:
    """fastcpp's private plain SIMD sum (no compensation): the memory-bandwidth
    limit of any reduction reading the same bytes. None in builds without it."""
    return getattr(getattr(fastcpp, "_core", None), "_plain_sum", None)


def bandwidth_floor(*arrays: np.ndarray) -> list[Contender]:
    """A 'floor' contender reading the same bytes with the plain sum, or []."""
    f = plain_sum()
    if f is None:
        return []
    return [
        Contender(
            "memory bandwidth",
            lambda: [f(a) for a in arrays],
            role="floor",
            note="plain SIMD sum of the same bytes; 1 = memory speed",
        )
    ]


def _xsum(xsum_mod: Any, a: np.ndarray) -> float:
    acc = xsum_mod.xsum_large_accumulator()
    xsum_mod.xsum_add(acc, a)
    return float(xsum_mod.xsum_round(acc))


def build_sum(mode: str) -> Case:
    n, m, a, _ = _vectors(mode)
    small = a[:m].tolist()
    cs = [
        pure_python(lambda: math.fsum(small), float(np.sum(a[:m])), m, n),
        Contender("numpy", lambda: float(np.sum(a)), role="numpy"),
        Contender("fastcpp", lambda: fastcpp.sum(a), role="fastcpp"),
        *bandwidth_floor(a),
    ]
    notes: list[str] = []
    with_peer(
        "bottleneck",
        cs,
        notes,
        lambda bn: Contender("bottleneck", lambda: float(bn.nansum(a)), note="nansum"),
    )
    with_peer(
        "xsum",
        cs,
        notes,
        lambda xs: Contender(
            "xsum", lambda: _xsum(xs, a), note="exact superaccumulator (Neal)"
        ),
    )
    if plain_sum() is None:
        notes.append("memory-bandwidth floor skipped: no fastcpp._core._plain_sum")
    return Case(
        f"n={human(n)}",
        float(np.sum(a)),
        cs,
        close(rtol=1e-10),
        notes,
        n=n,
        bytes_read=a.nbytes,
    )


def build_dot(mode: str) -> Case:
    n, m, a, b = _vectors(mode)
    sa, sb = a[:m].tolist(), b[:m].tolist()
    cs = [
        pure_python(
            lambda: math.fsum(map(operator.mul, sa, sb)),
            float(np.dot(a[:m], b[:m])),
            m,
            n,
        ),
        Contender("numpy", lambda: float(np.dot(a, b)), role="numpy", note="BLAS"),
        Contender("fastcpp", lambda: fastcpp.dot(a, b), role="fastcpp"),
        *bandwidth_floor(a, b),
    ]
    return Case(
        f"n={human(n)}",
        float(np.dot(a, b)),
        cs,
        close(rtol=1e-10),
        n=n,
        bytes_read=a.nbytes + b.nbytes,
    )


def build_norm(mode: str) -> Case:
    n, m, a, _ = _vectors(mode)
    small = a[:m].tolist()
    cs = [
        pure_python(
            lambda: math.sqrt(math.fsum(x * x for x in small)),
            float(np.linalg.norm(a[:m])),
            m,
            n,
        ),
        Contender(
            "numpy",
            lambda: float(np.linalg.norm(a)),
            role="numpy",
            note="sqrt(dot), can overflow",
        ),
        Contender(
            "fastcpp", lambda: fastcpp.norm(a), role="fastcpp", note="overflow-safe"
        ),
        *bandwidth_floor(a),
    ]
    return Case(
        f"n={human(n)}",
        float(np.linalg.norm(a)),
        cs,
        close(rtol=1e-10),
        n=n,
        bytes_read=a.nbytes,
    )


def build_bandwidth(mode: str) -> Case:
    """The memory-bandwidth row: a plain SIMD sum (fastcpp's private
    ``_plain_sum``) against np.sum; read sum/dot/norm/add_many against it."""
    n = N_REDUCE.pick(mode)
    a = rng().random(n)
    f = plain_sum()
    assert f is not None
    cs = [
        pure_python(lambda: sum(a[:1000].tolist()), float(np.sum(a[:1000])), 1000, n),
        Contender("numpy", lambda: float(np.sum(a)), role="numpy", note="np.sum"),
        Contender(
            "fastcpp",
            lambda: f(a),
            role="fastcpp",
            note="_core._plain_sum: no compensation, only streaming",
        ),
    ]
    return Case(
        f"n={human(n)}, {a.nbytes / 1e6:.0f} MB",
        float(np.sum(a)),
        cs,
        close(rtol=1e-8),
        ["single pass over the array: the GB/s a reduction can reach here"],
        n=n,
        bytes_read=a.nbytes,
    )


# --- per-call cost at n = 10 --------------------------------------------------
def _percall(kind: str, n: int):
    def build(mode: str) -> Case:
        g = rng()
        a, b = g.random(n), g.random(n)
        xs, ys = a.tolist(), b.tolist()
        if kind == "sum":
            ref = math.fsum(xs)
            cs = [
                pure_python(lambda: math.fsum(xs), ref, n, n),
                Contender("numpy", lambda: float(np.sum(a)), role="numpy"),
                Contender("fastcpp", lambda: fastcpp.sum(a), role="fastcpp"),
            ]
        elif kind == "dot":
            ref = math.fsum(x * y for x, y in zip(xs, ys))
            cs = [
                pure_python(lambda: math.fsum(map(operator.mul, xs, ys)), ref, n, n),
                Contender("numpy", lambda: float(np.dot(a, b)), role="numpy"),
                Contender("fastcpp", lambda: fastcpp.dot(a, b), role="fastcpp"),
            ]
        else:
            ref = math.sqrt(math.fsum(x * x for x in xs))
            cs = [
                pure_python(lambda: math.hypot(*xs), ref, n, n),
                Contender("numpy", lambda: float(np.linalg.norm(a)), role="numpy"),
                Contender("fastcpp", lambda: fastcpp.norm(a), role="fastcpp"),
            ]
        return Case(f"n={n}", ref, cs, close(rtol=1e-12), n=n)

    return build


# --- --scaling sweeps ------------------------------------------------------------
def _scale(kind: str):
    def build(n: int, mode: str) -> Case:
        g = rng()
        a = g.random(n)
        b = g.random(n) if kind == "dot" else a
        numpy_call = {
            "sum": lambda: float(np.sum(a)),
            "dot": lambda: float(np.dot(a, b)),
            "norm": lambda: float(np.linalg.norm(a)),
        }[kind]
        mine = {
            "sum": lambda: fastcpp.sum(a),
            "dot": lambda: fastcpp.dot(a, b),
            "norm": lambda: fastcpp.norm(a),
        }[kind]
        ref = {
            "sum": lambda: math.fsum(a),
            "dot": lambda: math.fsum((a * b).tolist()),
            "norm": lambda: math.sqrt(math.fsum((a * a).tolist())),
        }[kind]()
        arrays = (a, b) if kind == "dot" else (a,)
        cs = [
            Contender("fastcpp", mine, role="fastcpp"),
            Contender("numpy", numpy_call, role="numpy"),
            *bandwidth_floor(*arrays),
        ]
        return Case(
            f"n={human(n)}",
            ref,
            cs,
            close(rtol=1e-10),
            n=n,
            bytes_read=sum(x.nbytes for x in arrays),
        )

    return build


WORKLOADS = [
    Workload(
        "sum_of_squares",
        "Σ i² for i < n (exact int)",
        ("sum_of_squares",),
        build_sum_of_squares,
    ),
    Workload(
        "memory_bandwidth",
        "plain SIMD sum of float64: the limit for sum/dot/norm/add_many",
        ("_core._plain_sum",),
        build_bandwidth,
    ),
    Workload("sum", "sum of float64", ("sum",), build_sum, scaling=_scale("sum")),
    Workload(
        "dot", "dot product of float64", ("dot",), build_dot, scaling=_scale("dot")
    ),
    Workload(
        "norm", "L2 norm of float64", ("norm",), build_norm, scaling=_scale("norm")
    ),
]

PERCALL = [
    Workload(
        f"percall_{kind}_10",
        f"{kind}, one call on 10 float64",
        (kind,),
        _percall(kind, 10),
        section="per-call",
    )
    for kind in ("sum", "dot", "norm")
]
