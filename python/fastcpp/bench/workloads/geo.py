"""Great-circle geometry: one point to many (haversine) and its k nearest."""

from __future__ import annotations

import heapq
import math

import numpy as np

from fastcpp.bench.checks import close
from fastcpp.bench.model import Case, Contender, Sizes, Workload
from fastcpp.bench.workloads import _numba
from fastcpp.bench.workloads._common import (
    fastcpp,
    human,
    join_notes,
    pure_python,
    rng,
    with_peer,
)

N_POINTS = Sizes(full=100_000, quick=100_000, tiny=1000)
PY_POINTS = Sizes(full=100_000, quick=10_000, tiny=100)  # pure Python timed on these
RADIUS = 6371.0
K = 5
LAT0, LON0 = 48.8566, 2.3522  # Paris


def _points(n: int) -> tuple[np.ndarray, np.ndarray]:
    g = rng()
    return np.degrees(np.arcsin(g.uniform(-1, 1, n))), g.uniform(-180, 180, n)


def _np_haversine(lat, lon, lats, lons, radius=RADIUS):
    """The NumPy vectorised formula (also the reference)."""
    la0, lo0 = np.radians(lat), np.radians(lon)
    la, lo = np.radians(lats), np.radians(lons)
    h = (
        np.sin((la - la0) / 2) ** 2
        + np.cos(la0) * np.cos(la) * np.sin((lo - lo0) / 2) ** 2
    )
    return 2.0 * radius * np.arcsin(np.sqrt(np.minimum(h, 1.0)))


def _py_haversine(lat, lon, lats, lons, radius=RADIUS):
    la0, lo0 = math.radians(lat), math.radians(lon)
    c0 = math.cos(la0)
    out = []
    for la_deg, lo_deg in zip(lats, lons):
        la = math.radians(la_deg)
        h = (
            math.sin((la - la0) / 2) ** 2
            + c0 * math.cos(la) * math.sin((math.radians(lo_deg) - lo0) / 2) ** 2
        )
        out.append(2.0 * radius * math.asin(math.sqrt(min(h, 1.0))))
    return out


def build_haversine(mode: str) -> Case:
    n = N_POINTS.pick(mode)
    m = min(n, PY_POINTS.pick(mode))
    lats, lons = _points(n)
    slats, slons = lats[:m].tolist(), lons[:m].tolist()
    ref = _np_haversine(LAT0, LON0, lats, lons)
    notes: list[str] = []
    cs = [
        pure_python(
            lambda: _py_haversine(LAT0, LON0, slats, slons),
            _np_haversine(LAT0, LON0, lats[:m], lons[:m]),
            m,
            n,
        ),
        Contender("numpy", lambda: _np_haversine(LAT0, LON0, lats, lons), role="numpy"),
        Contender(
            "fastcpp", lambda: fastcpp.haversine(LAT0, LON0, lats, lons), role="fastcpp"
        ),
    ]

    def numba_contender(numba):
        k = _numba.kernels(numba)
        return Contender(
            "numba",
            lambda: k.haversine(LAT0, LON0, lats, lons, RADIUS),
            compile=lambda: k.haversine(LAT0, LON0, lats[:4], lons[:4], RADIUS),
            note="@njit(parallel=True) prange",
        )

    with_peer("numba", cs, notes, numba_contender)

    def sklearn_contender(metrics):
        here = np.radians([[LAT0, LON0]])
        there = np.radians(np.column_stack([lats, lons]))
        return Contender(
            "scikit-learn",
            lambda: metrics.haversine_distances(here, there)[0] * RADIUS,
            note="metrics.haversine_distances",
        )

    with_peer(
        "scikit-learn", cs, notes, sklearn_contender, submodule="metrics.pairwise"
    )
    return Case(f"1 → {human(n)} points", ref, cs, close(rtol=1e-9, atol=1e-6), notes)


def _np_nearest(d: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """k smallest of d ascending, ties by index (argpartition, then sort k)."""
    part = np.argpartition(d, k - 1)[:k]
    part = part[np.lexsort((part, d[part]))]
    return part, d[part]


def _reference_nearest(d: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    idx = np.argsort(d, kind="stable")[:k]
    return idx, d[idx]


def build_nearest_k(mode: str) -> Case:
    n = N_POINTS.pick(mode)
    m = min(n, PY_POINTS.pick(mode))
    lats, lons = _points(n)
    slats, slons = lats[:m].tolist(), lons[:m].tolist()
    ref = _reference_nearest(_np_haversine(LAT0, LON0, lats, lons), K)
    small_ref = _reference_nearest(_np_haversine(LAT0, LON0, lats[:m], lons[:m]), K)

    def py_nearest():
        d = _py_haversine(LAT0, LON0, slats, slons)
        best = heapq.nsmallest(K, zip(d, range(len(d))))
        return np.array([i for _, i in best]), np.array([x for x, _ in best])

    notes: list[str] = []
    cs = [
        pure_python(py_nearest, small_ref, m, n),
        Contender(
            "numpy",
            lambda: _np_nearest(_np_haversine(LAT0, LON0, lats, lons), K),
            role="numpy",
            note="haversine + argpartition",
        ),
        Contender(
            "fastcpp",
            lambda: fastcpp.nearest_k(LAT0, LON0, lats, lons, k=K),
            role="fastcpp",
        ),
    ]
    cs[0].note = join_notes("heapq.nsmallest", cs[0].note)

    def numba_contender(numba):
        kern = _numba.kernels(numba)
        return Contender(
            "numba",
            lambda: _np_nearest(kern.haversine(LAT0, LON0, lats, lons, RADIUS), K),
            compile=lambda: kern.haversine(LAT0, LON0, lats[:4], lons[:4], RADIUS),
            note="prange haversine + argpartition",
        )

    with_peer("numba", cs, notes, numba_contender)

    def sklearn_contender(neighbors):
        tree = neighbors.BallTree(
            np.radians(np.column_stack([lats, lons])), metric="haversine"
        )
        here = np.radians([[LAT0, LON0]])

        def run():
            dist, idx = tree.query(here, k=K)
            return idx[0], dist[0] * RADIUS

        return Contender(
            "scikit-learn", run, note="BallTree query (tree built once, not timed)"
        )

    with_peer("scikit-learn", cs, notes, sklearn_contender, submodule="neighbors")

    def compare(got, expected):
        (gi, gd), (ei, ed) = got, expected
        if not np.array_equal(np.asarray(gi), np.asarray(ei)):
            return False, f"indices {list(np.asarray(gi))} != {list(np.asarray(ei))}"
        return close(rtol=1e-9, atol=1e-6)(np.asarray(gd), np.asarray(ed))

    return Case(f"k={K} of {human(n)} points", ref, cs, compare, notes)


# --- per-call and --scaling ------------------------------------------------------
def build_percall_haversine(mode: str) -> Case:
    """One point against 10: the fixed cost of a call."""
    n = 10
    lats, lons = _points(n)
    ref = _np_haversine(LAT0, LON0, lats, lons)
    sl, so = lats.tolist(), lons.tolist()
    cs = [
        pure_python(lambda: _py_haversine(LAT0, LON0, sl, so), ref, n, n),
        Contender(
            "numpy",
            lambda: _np_haversine(LAT0, LON0, lats, lons),
            role="numpy",
            note="the vectorised formula",
        ),
        Contender(
            "fastcpp", lambda: fastcpp.haversine(LAT0, LON0, lats, lons), role="fastcpp"
        ),
    ]
    return Case("1 → 10 points", ref, cs, close(rtol=1e-9, atol=1e-6), n=n)


def scale_haversine(n: int, mode: str) -> Case:
    lats, lons = _points(n)
    ref = _np_haversine(LAT0, LON0, lats, lons)
    notes: list[str] = []
    cs = [
        Contender(
            "fastcpp", lambda: fastcpp.haversine(LAT0, LON0, lats, lons), role="fastcpp"
        ),
        Contender("numpy", lambda: _np_haversine(LAT0, LON0, lats, lons), role="numpy"),
    ]

    def numba_contender(numba):
        k = _numba.kernels(numba)
        return Contender(
            "numba",
            lambda: k.haversine(LAT0, LON0, lats, lons, RADIUS),
            compile=lambda: k.haversine(LAT0, LON0, lats[:4], lons[:4], RADIUS),
        )

    with_peer("numba", cs, notes, numba_contender)
    return Case(
        f"1 → {human(n)} points", ref, cs, close(rtol=1e-9, atol=1e-6), notes, n=n
    )


def _compare_knn(got, expected):
    (gi, gd), (ei, ed) = got, expected
    gi, ei = np.asarray(gi), np.asarray(ei)
    if not np.array_equal(gi, ei):
        bad = int(np.sum(gi != ei)) if gi.shape == ei.shape else "shape"
        return False, f"indices differ ({bad})"
    return close(rtol=1e-9, atol=1e-6)(np.asarray(gd), np.asarray(ed))


def scale_nearest_k(n: int, mode: str) -> Case:
    lats, lons = _points(n)
    k = min(K, n)
    ref = _reference_nearest(_np_haversine(LAT0, LON0, lats, lons), k)
    cs = [
        Contender(
            "fastcpp",
            lambda: fastcpp.nearest_k(LAT0, LON0, lats, lons, k=k),
            role="fastcpp",
        ),
        Contender(
            "numpy",
            lambda: _np_nearest(_np_haversine(LAT0, LON0, lats, lons), k),
            role="numpy",
        ),
    ]
    notes: list[str] = []

    def sklearn_contender(neighbors):
        tree = neighbors.BallTree(
            np.radians(np.column_stack([lats, lons])), metric="haversine"
        )
        here = np.radians([[LAT0, LON0]])

        def run():
            dist, idx = tree.query(here, k=k)
            return idx[0], dist[0] * RADIUS

        return Contender("scikit-learn", run, note="BallTree (built once, untimed)")

    with_peer("scikit-learn", cs, notes, sklearn_contender, submodule="neighbors")
    return Case(f"k={k} of {human(n)} points", ref, cs, _compare_knn, notes, n=n)


WORKLOADS = [
    Workload(
        "haversine",
        "great-circle distance, one point to many",
        ("haversine",),
        build_haversine,
        scaling=scale_haversine,
    ),
    Workload(
        "nearest_k",
        "k nearest points by great-circle distance",
        ("nearest_k",),
        build_nearest_k,
        scaling=scale_nearest_k,
    ),
]


PERCALL = [
    Workload(
        "percall_haversine_10",
        "haversine, one point against 10",
        ("haversine",),
        build_percall_haversine,
        section="per-call",
    )
]
