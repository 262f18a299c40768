"""Great-circle geometry: one point to many (haversine) and its k nearest."""

from __future__ import annotations

import heapq
import math

import numpy as np

from fastcpp.bench import peers
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


# ---------------------------------------------------------------- GeoIndex

N_INDEX = Sizes(full=100_000, quick=100_000, tiny=1000)
N_BUILD = Sizes(full=1_000_000, quick=200_000, tiny=2000)
Q_BUILD = Sizes(full=10_000, quick=2000, tiny=50)
Q_RADIUS = Sizes(full=1000, quick=200, tiny=20)
R_KM = 100.0


def _unit(lats, lons):
    la, lo = np.radians(lats), np.radians(lons)
    c = np.cos(la)
    return np.column_stack([c * np.cos(lo), c * np.sin(lo), np.sin(la)])


def _chord_km(c):
    return 2.0 * RADIUS * np.arcsin(np.minimum(np.asarray(c) / 2.0, 1.0))


def _same_neighbours(got, expected):
    (gi, gd), (ei, ed) = got, expected
    gi, ei = np.asarray(gi), np.asarray(ei)
    if not np.array_equal(gi, ei):
        bad = int(np.sum(np.any(gi != ei, axis=-1))) if gi.shape == ei.shape else -1
        return False, f"indices differ ({bad} queries)"
    return close(rtol=1e-9, atol=1e-6)(np.asarray(gd), np.asarray(ed))


def _index_peers(cs, notes, lats, lons, qlat, qlon, build):
    """BallTree (haversine) and cKDTree (unit vectors) answering the queries;
    with ``build`` the tree is built inside the timed call."""
    here = np.radians(np.column_stack([np.atleast_1d(qlat), np.atleast_1d(qlon)]))
    flat = np.ndim(qlat) == 0

    def sklearn_contender(neighbors):
        pts = np.radians(np.column_stack([lats, lons]))
        prebuilt = None if build else neighbors.BallTree(pts, metric="haversine")

        def run():
            tree = prebuilt or neighbors.BallTree(pts, metric="haversine")
            dist, idx = tree.query(here, k=K)
            return (idx[0], dist[0] * RADIUS) if flat else (idx, dist * RADIUS)

        what = "build + query" if build else "query (tree built once, not timed)"
        return Contender("scikit-learn", run, note=f"BallTree haversine {what}")

    with_peer("scikit-learn", cs, notes, sklearn_contender, submodule="neighbors")

    def scipy_contender(spatial):
        pts = None if build else spatial.cKDTree(_unit(lats, lons))

        def run():
            tree = pts or spatial.cKDTree(_unit(lats, lons))
            c, idx = tree.query(_unit(qlat, qlon), k=K, workers=-1)
            return (idx[0], _chord_km(c[0])) if flat else (idx, _chord_km(c))

        what = "unit vectors + build + query" if build else "query (tree built once)"
        return Contender("scipy", run, note=f"cKDTree {what}, workers=-1")

    with_peer("scipy", cs, notes, scipy_contender, submodule="spatial")


def build_geo_index_query(mode: str) -> Case:
    n = N_INDEX.pick(mode)
    lats, lons = _points(n)
    ref = _reference_nearest(_np_haversine(LAT0, LON0, lats, lons), K)
    ix = fastcpp.GeoIndex(lats, lons)
    notes: list[str] = []
    cs = [
        Contender(
            "numpy",
            lambda: _np_nearest(_np_haversine(LAT0, LON0, lats, lons), K),
            role="numpy",
            note="brute force: haversine + argpartition",
        ),
        Contender(
            "fastcpp",
            lambda: ix.query(LAT0, LON0, K),
            role="fastcpp",
            note="GeoIndex.query (built once, not timed)",
        ),
    ]
    _index_peers(cs, notes, lats, lons, LAT0, LON0, build=False)
    return Case(
        f"1 query, k={K} of {human(n)} points", ref, cs, _same_neighbours, notes
    )


def _tree_reference(lats, lons, qlat, qlon):
    """k nearest by scipy's cKDTree on unit vectors when installed (an
    independent oracle; the brute force of 10k x 1M would take minutes),
    else by the brute-force nearest_k."""
    spatial = peers.get("scipy", "spatial")
    if spatial is None:
        return fastcpp.nearest_k(qlat, qlon, lats, lons, K)
    c, idx = spatial.cKDTree(_unit(lats, lons)).query(
        _unit(qlat, qlon), k=K, workers=-1
    )
    return idx, _chord_km(c)


def _radius_reference(lats, lons, qlat, qlon, r_km):
    """Per query, the indices within r_km by exact haversine (NumPy): an
    oracle independent of GeoIndex. Candidates from cKDTree with a slightly
    larger chord when scipy is installed, else every point."""
    spatial = peers.get("scipy", "spatial")
    tree = None if spatial is None else spatial.cKDTree(_unit(lats, lons))
    chord = 2 * np.sin(r_km / RADIUS / 2) * (1 + 1e-9) + 1e-12
    out = []
    for la, lo in zip(qlat, qlon):
        cand = (
            np.arange(len(lats))
            if tree is None
            else np.asarray(
                tree.query_ball_point(_unit(la, lo)[0], chord), dtype=np.int64
            )
        )
        d = _np_haversine(la, lo, lats[cand], lons[cand])
        out.append(np.sort(cand[d <= r_km]))
    return out


def build_geo_index_build_query(mode: str) -> Case:
    n, q = N_BUILD.pick(mode), Q_BUILD.pick(mode)
    lats, lons = _points(n)
    g = np.random.default_rng(1)
    qlat, qlon = np.degrees(np.arcsin(g.uniform(-1, 1, q))), g.uniform(-180, 180, q)
    ref = _tree_reference(lats, lons, qlat, qlon)
    notes: list[str] = []
    cs = [
        Contender(
            "fastcpp",
            lambda: fastcpp.GeoIndex(lats, lons).query(qlat, qlon, K),
            role="fastcpp",
            note="GeoIndex build + query",
        ),
    ]
    _index_peers(cs, notes, lats, lons, qlat, qlon, build=True)
    return Case(
        f"build + {human(q)} queries, k={K} of {human(n)}",
        ref,
        cs,
        _same_neighbours,
        notes,
    )


def _radius_sets(res):
    """Per query, the sorted indices found (any of the contenders' layouts)."""
    if isinstance(res, list):  # the reference: already one sorted array per query
        return res
    if isinstance(res, tuple) and len(res) == 3:  # fastcpp CSR
        idx, _, off = res
        return [np.sort(idx[off[i] : off[i + 1]]) for i in range(len(off) - 1)]
    if isinstance(res, tuple):  # BallTree (ind, dist) object arrays
        res = res[0]
    return [np.sort(np.asarray(r, dtype=np.int64)) for r in res]


def build_geo_index_radius(mode: str) -> Case:
    n, q = N_INDEX.pick(mode), Q_RADIUS.pick(mode)
    lats, lons = _points(n)
    g = np.random.default_rng(2)
    qlat, qlon = np.degrees(np.arcsin(g.uniform(-1, 1, q))), g.uniform(-180, 180, q)
    ix = fastcpp.GeoIndex(lats, lons)
    ref = _radius_reference(lats, lons, qlat, qlon, R_KM)
    notes = ["reference: exact haversine per query (cKDTree candidates)"]
    cs = [
        Contender(
            "fastcpp",
            lambda: ix.query_radius(qlat, qlon, R_KM),
            role="fastcpp",
            note="GeoIndex.query_radius, sorted by distance",
        )
    ]

    def sklearn_contender(neighbors):
        tree = neighbors.BallTree(
            np.radians(np.column_stack([lats, lons])), metric="haversine"
        )
        here = np.radians(np.column_stack([qlat, qlon]))
        return Contender(
            "scikit-learn",
            lambda: tree.query_radius(
                here, R_KM / RADIUS, return_distance=True, sort_results=True
            ),
            note="BallTree.query_radius, sorted (tree built once)",
        )

    with_peer("scikit-learn", cs, notes, sklearn_contender, submodule="neighbors")

    def scipy_contender(spatial):
        tree = spatial.cKDTree(_unit(lats, lons))
        r = 2 * np.sin(R_KM / RADIUS / 2)
        return Contender(
            "scipy",
            lambda: tree.query_ball_point(_unit(qlat, qlon), r, workers=-1),
            note="cKDTree.query_ball_point (no distances, unsorted; tree built once)",
        )

    with_peer("scipy", cs, notes, scipy_contender, submodule="spatial")

    def compare(got, expected):
        a, b = _radius_sets(got), _radius_sets(expected)
        bad = sum(not np.array_equal(x, y) for x, y in zip(a, b))
        return (len(a) == len(b) and bad == 0), f"{bad} of {len(b)} queries differ"

    return Case(
        f"{human(q)} queries, r={R_KM:g} km, {human(n)} points", ref, cs, compare, notes
    )


WORKLOADS += [
    Workload(
        "geo_index_query",
        "one k-nearest query against a prebuilt index",
        ("GeoIndex",),
        build_geo_index_query,
    ),
    Workload(
        "geo_index_build_query",
        "build an index of 1M points and answer 10k k-nearest queries",
        ("GeoIndex",),
        build_geo_index_build_query,
    ),
    Workload(
        "geo_index_radius",
        "points within a radius, many queries, prebuilt index",
        ("GeoIndex",),
        build_geo_index_radius,
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
