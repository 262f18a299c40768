"""Reductions: the seeds' sum of squares, and sum / dot / norm of 10M floats."""

from __future__ import annotations

import math
import operator

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


def build_sum(mode: str) -> Case:
    n, m, a, _ = _vectors(mode)
    small = a[:m].tolist()
    cs = [
        pure_python(lambda: math.fsum(small), float(np.sum(a[:m])), m, n),
        Contender("numpy", lambda: float(np.sum(a)), role="numpy"),
        Contender("fastcpp", lambda: fastcpp.sum(a), role="fastcpp"),
    ]
    notes: list[str] = []
    with_peer(
        "bottleneck",
        cs,
        notes,
        lambda bn: Contender("bottleneck", lambda: float(bn.nansum(a)), note="nansum"),
    )
    return Case(f"n={human(n)}", float(np.sum(a)), cs, close(rtol=1e-10), notes)


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
    ]
    return Case(f"n={human(n)}", float(np.dot(a, b)), cs, close(rtol=1e-10))


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
    ]
    return Case(f"n={human(n)}", float(np.linalg.norm(a)), cs, close(rtol=1e-10))


WORKLOADS = [
    Workload(
        "sum_of_squares",
        "Σ i² for i < n (exact int)",
        ("sum_of_squares",),
        build_sum_of_squares,
    ),
    Workload("sum", "sum of float64", ("sum",), build_sum),
    Workload("dot", "dot product of float64", ("dot",), build_dot),
    Workload("norm", "L2 norm of float64", ("norm",), build_norm),
]
