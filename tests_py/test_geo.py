"""distances, haversine, nearest_k against NumPy (reference_geo.py: the seed's
haversine_vectorized, np.linalg.norm, np.argsort(kind="stable"))."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fastcpp
import reference_geo as ref

SIZES = [0, 1, 7, 1000, 1_000_003]


def tol(dtype):
    return (
        {"rtol": 2e-7, "atol": 0} if dtype == np.float32 else {"rtol": 1e-13, "atol": 0}
    )


def check(got, want, dtype):
    assert isinstance(got, np.ndarray)
    assert got.dtype == dtype
    assert got.shape == np.shape(want)
    np.testing.assert_allclose(
        got, np.asarray(want).astype(dtype), equal_nan=True, **tol(dtype)
    )


def cloud(n, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return rng.uniform(-90, 90, n).astype(dtype), rng.uniform(-180, 180, n).astype(
        dtype
    )


# --- distances ----------------------------------------------------------------


@pytest.mark.parametrize("dim", [1, 2, 3, 5])
@pytest.mark.parametrize("n", [0, 1, 7, 1000, 100_003])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_distances_rows(dim, n, dtype):
    p = (np.random.default_rng(n).standard_normal((n, dim)) * 10).astype(dtype)
    check(fastcpp.distances(p), ref.distances(p), np.dtype(dtype))


@pytest.mark.parametrize("dim", [63, 64, 100, 10_001])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_distances_wide_rows(dim, dtype):
    p = (np.random.default_rng(dim).standard_normal((9, dim)) * 3).astype(dtype)
    check(fastcpp.distances(p), ref.distances(p), np.dtype(dtype))
    check(fastcpp.distances(p[:, ::2]), ref.distances(p[:, ::2]), np.dtype(dtype))
    p[2, 5] = np.nan
    p[3, -1] = np.inf
    check(fastcpp.distances(p), ref.distances(p), np.dtype(dtype))


def test_distances_flat_pairs():
    flat = np.array([3.0, 4.0, 0.0, 0.0, -6.0, 8.0])
    np.testing.assert_array_equal(fastcpp.distances(flat), [5.0, 0.0, 10.0])
    assert fastcpp.distances([3, 4]).dtype == np.float64
    assert fastcpp.distances(np.array([], np.float32)).shape == (0,)
    big = np.random.default_rng(1).standard_normal(2 * 1_000_003)
    check(fastcpp.distances(big), ref.distances(big), np.dtype(np.float64))
    check(
        fastcpp.distances(big[::3][:2000]),
        ref.distances(big[::3][:2000]),
        np.dtype(np.float64),
    )


@pytest.mark.parametrize("n", [1, 7, 1001])
def test_distances_odd_flat_length(n):
    with pytest.raises(ValueError, match=f"even length, got length {n}"):
        fastcpp.distances(np.ones(n))


def test_distances_layouts_and_dtypes():
    m = np.random.default_rng(2).standard_normal((3, 500))
    for p in (m.T, m[:, ::2].T, np.asfortranarray(m.T), m.T[::-1], m.T.astype(">f8")):
        check(fastcpp.distances(p), ref.distances(p), np.dtype(np.float64))
    ints = np.arange(12, dtype=np.int16).reshape(4, 3)
    check(fastcpp.distances(ints), ref.distances(ints), np.dtype(np.float64))
    check(
        fastcpp.distances(ints.astype(bool)),
        ref.distances(ints.astype(bool)),
        np.dtype(np.float64),
    )
    cube = np.random.default_rng(3).standard_normal((4, 5, 3)).astype(np.float32)
    check(fastcpp.distances(cube), ref.distances(cube), np.dtype(np.float32))
    check(fastcpp.distances(np.zeros((4, 0))), np.zeros(4), np.dtype(np.float64))


def test_distances_nonfinite_and_extremes():
    p = np.array([[np.nan, 1.0], [np.inf, 1.0], [np.inf, np.nan], [-np.inf, 2.0]])
    check(fastcpp.distances(p), ref.distances(p), np.dtype(np.float64))
    # NumPy overflows to inf / underflows to 0 here; fastcpp does not.
    big = fastcpp.distances([[1e200, 1e200], [1e-200, 1e-200], [3e-310, 4e-310]])
    np.testing.assert_allclose(
        big, [np.sqrt(2) * 1e200, np.sqrt(2) * 1e-200, 5e-310], rtol=1e-13
    )


def test_distances_errors():
    with pytest.raises(ValueError, match="0-d"):
        fastcpp.distances(3.0)
    with pytest.raises(TypeError, match=r"distances.*complex"):
        fastcpp.distances(np.ones((3, 2), complex))


# --- haversine ----------------------------------------------------------------


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_haversine_pairs(n, dtype):
    la1, lo1 = cloud(n, 1, dtype)
    la2, lo2 = cloud(n, 2, dtype)
    check(
        fastcpp.haversine(la1, lo1, la2, lo2),
        ref.haversine_vectorized(la1, lo1, la2, lo2),
        np.dtype(dtype),
    )


@pytest.mark.parametrize("n", SIZES)
def test_haversine_one_to_many(n):
    lats, lons = cloud(n, 3)
    check(
        fastcpp.haversine(40.7128, -74.006, lats, lons),
        ref.haversine_vectorized(40.7128, -74.006, lats, lons),
        np.dtype(np.float64),
    )
    check(
        fastcpp.haversine(lats, lons, -33.9, 151.2),
        ref.haversine_vectorized(lats, lons, -33.9, 151.2),
        np.dtype(np.float64),
    )


def test_haversine_seed_example():
    # Paris -> New York is about 5837 km.
    d = fastcpp.haversine(48.8566, 2.3522, 40.7128, -74.0060)
    assert type(d) is float
    assert d == pytest.approx(
        float(ref.haversine_vectorized(48.8566, 2.3522, 40.7128, -74.0060)), rel=1e-13
    )
    assert 5830 < d < 5840


@pytest.mark.parametrize(
    "shapes",
    [
        ((3, 1), (1, 4), (3, 4), ()),
        ((5,), (), (2, 1), (1,)),
        ((2, 3, 4), (4,), (3, 1), ()),
        ((0, 3), (3,), (), ()),
        ((), (), (), ()),
    ],
)
def test_haversine_broadcasting(shapes):
    rng = np.random.default_rng(4)
    args = [rng.uniform(-80, 80, s) for s in shapes]
    got = fastcpp.haversine(*args)
    want = ref.haversine_vectorized(*args)
    if all(s == () for s in shapes):
        assert type(got) is float
        assert got == pytest.approx(float(want), rel=1e-13)
    else:
        check(got, want, np.dtype(np.float64))


def test_haversine_layouts_and_dtypes():
    m = np.random.default_rng(5).uniform(-90, 90, (4, 300))
    args = (m[0, ::3], m[1, ::-3], m[2:, :100].T[:, 0], m.T[:100, 3])
    check(
        fastcpp.haversine(*args), ref.haversine_vectorized(*args), np.dtype(np.float64)
    )
    t = m.T  # (300, 4), rows not contiguous
    check(
        fastcpp.haversine(t, t[::-1], t, 0.0),
        ref.haversine_vectorized(t, t[::-1], t, 0.0),
        np.dtype(np.float64),
    )
    ints = np.arange(-40, 40, dtype=np.int32)
    check(
        fastcpp.haversine(ints, ints, 0, 0),
        ref.haversine_vectorized(ints, ints, 0, 0),
        np.dtype(np.float64),
    )
    f32 = m[:, :50].astype(np.float32)
    out = fastcpp.haversine(f32[0], f32[1], 10.0, 20)  # Python scalars do not promote
    check(out, ref.haversine_vectorized(f32[0], f32[1], 10.0, 20), np.dtype(np.float32))
    mixed = fastcpp.haversine(f32[0], f32[1], m[2, :50], 0.0)
    assert mixed.dtype == np.float64
    swapped = m[0].astype(">f8")
    check(
        fastcpp.haversine(swapped, swapped, 1.0, 2.0),
        ref.haversine_vectorized(m[0], m[0], 1.0, 2.0),
        np.dtype(np.float64),
    )


def test_haversine_radius():
    la, lo = cloud(100, 6)
    check(
        fastcpp.haversine(la, lo, 0, 0, radius=1.0),
        ref.haversine_vectorized(la, lo, 0, 0, radius=1.0),
        np.dtype(np.float64),
    )
    assert fastcpp.haversine(0, 0, 0, 180, radius=1.0) == pytest.approx(
        np.pi, rel=1e-15
    )
    for bad in (0.0, -1.0, np.inf, np.nan):
        with pytest.raises(ValueError, match=r"radius \(="):
            fastcpp.haversine(la, lo, 0, 0, radius=bad)


def test_haversine_special_values():
    la = np.array([0.0, np.nan, 10.0, np.inf, 90.0, -90.0, 0.0, 45.0])
    lo = np.array([0.0, 0.0, np.nan, 0.0, 0.0, 0.0, 180.0, 1e6])
    check(
        fastcpp.haversine(la, lo, 0.0, 0.0),
        ref.haversine_vectorized(la, lo, 0.0, 0.0),
        np.dtype(np.float64),
    )
    # Same point: exactly 0; antipodes: pi * R.
    assert fastcpp.haversine(12.0, 34.0, 12.0, 34.0) == 0.0
    assert fastcpp.haversine(0, 0, 0, 180) == pytest.approx(np.pi * 6371.0, rel=1e-15)


def test_haversine_nearly_antipodal_matches_numpy():
    # arcsin near 1 amplifies tiny differences; the scalar fix-up keeps NumPy's value.
    rng = np.random.default_rng(7)
    la = rng.uniform(-60, 60, 20_000)
    lo = rng.uniform(-180, 180, 20_000)
    la2 = -la + rng.normal(0, 0.5, la.size)
    lo2 = lo + 180 + rng.normal(0, 0.5, la.size)
    check(
        fastcpp.haversine(la, lo, la2, lo2),
        ref.haversine_vectorized(la, lo, la2, lo2),
        np.dtype(np.float64),
    )


def _ulps(got, want):
    g = np.asarray(got, np.float64).view(np.int64)
    w = np.asarray(want, np.float64).view(np.int64)
    g = np.where(g < 0, np.int64(-(2**63)) - g, g)
    w = np.where(w < 0, np.int64(-(2**63)) - w, w)
    return np.abs(g - w).astype(np.float64)


def _exact_haversine(lat1, lon1, lat2, lon2):
    """The haversine formula on NumPy's radians, in x87 extended precision."""
    L = np.longdouble
    a1, o1, a2, o2 = (
        np.radians(np.asarray(v, np.float64)).astype(L)
        for v in (lat1, lon1, lat2, lon2)
    )
    h = (
        np.sin((a2 - a1) / 2) ** 2
        + np.cos(a1) * np.cos(a2) * np.sin((o2 - o1) / 2) ** 2
    )
    return (L(6371.0) * (2 * np.arcsin(np.sqrt(h)))).astype(np.float64)


@pytest.mark.skipif(
    np.finfo(np.longdouble).nmant <= 52, reason="needs an extended long double"
)
def test_haversine_as_accurate_as_numpy():
    # The inline sin/cos/asin (detail/vmath.hpp) against NumPy's libm: measured
    # against the same formula in x87 extended precision, fastcpp's error is
    # NumPy's own (the formula's rounding dominates), a few ulp at most.
    g = np.random.default_rng(21)
    n = 200_000
    la1, lo1 = g.uniform(-90, 90, n), g.uniform(-180, 180, n)
    la2, lo2 = g.uniform(-90, 90, n), g.uniform(-180, 180, n)
    got = fastcpp.haversine(la1, lo1, la2, lo2)
    want = ref.haversine_vectorized(la1, lo1, la2, lo2)
    exact = _exact_haversine(la1, lo1, la2, lo2)
    assert _ulps(got, exact).max() <= _ulps(want, exact).max() + 2
    assert _ulps(got, exact).mean() <= _ulps(want, exact).mean() * 1.1
    np.testing.assert_allclose(got, want, rtol=4e-15)


def test_haversine_edge_points_match_numpy():
    pts = np.array(
        [
            (0.0, 0.0, 0.0, 0.0),  # identical
            (37.5, -122.25, 37.5, -122.25),
            (90.0, 0.0, -90.0, 0.0),  # pole to pole
            (0.0, 0.0, 0.0, 180.0),  # antipodes
            (10.0, 20.0, -10.0, -160.0),
            (89.9999, 0.0, -89.9999, 180.0),
            (0.0, 179.99999, 0.0, -179.99999),  # across the date line
            (0.0, 0.0, 1e-300, 0.0),
            (0.0, 0.0, 0.0, 5e-324),
            (45.0, 0.0, 45.0, 360.0 * 1000),  # large angles, vector range
            (45.0, 0.0, 45.0, 1e10),  # beyond it: scalar libm
            (0.0, 0.0, np.nan, 0.0),
            (0.0, 0.0, np.inf, 0.0),
            (0.0, -np.inf, 0.0, 0.0),
        ]
    )
    cols = [np.ascontiguousarray(pts[:, j]) for j in range(4)]
    with np.errstate(invalid="ignore"):
        want = ref.haversine_vectorized(*cols)
    np.testing.assert_allclose(
        fastcpp.haversine(*cols), want, rtol=4e-15, atol=1e-9, equal_nan=True
    )


def test_haversine_same_bits_in_every_layout():
    lats, lons = cloud(3001, 22)
    lats[::17] = np.nan
    lons[5::19] = 1e9
    one = fastcpp.haversine(10.0, 20.0, lats, lons)
    full = fastcpp.haversine(
        np.full(lats.size, 10.0), np.full(lats.size, 20.0), lats, lons
    )
    np.testing.assert_array_equal(one, full)
    rev = fastcpp.haversine(10.0, 20.0, lats[::-1], lons[::-1])[::-1]
    np.testing.assert_array_equal(one, rev)
    swapped = fastcpp.haversine(lats, lons, 10.0, 20.0)  # other argument order
    np.testing.assert_allclose(swapped, one, rtol=4e-15, equal_nan=True)


def test_haversine_near_and_general_paths_give_the_same_bits():
    # A block first takes sin/cos without their range reductions (latitudes
    # within 3 rad, half latitude differences within pi/2) and is redone by
    # the general path when a point lies beyond: the other points of that
    # block must keep their bits.
    lats, lons = cloud(1500, 5)
    # -8.6e-15 degrees: a latitude of -1.5e-16 rad, where cos() may take the
    # other quadrant than cos_near() (both give cos' bits there).
    lats[:5] = [90.0, -90.0, 0.0, -1e-300, -8.6e-15]
    alone = fastcpp.haversine(80.0, 20.0, lats, lons)
    pairs = fastcpp.haversine(-lats[::-1], lons[::-1], lats, lons)
    keep = np.ones(lats.size, bool)
    keep[7::100] = False
    for bad in (200.0, -150.0, 1e7, np.nan):
        mixed = lats.copy()
        mixed[~keep] = bad
        got = fastcpp.haversine(80.0, 20.0, mixed, lons)
        np.testing.assert_array_equal(got[keep], alone[keep])
        got = fastcpp.haversine(-lats[::-1], lons[::-1], mixed, lons)
        np.testing.assert_array_equal(got[keep], pairs[keep])


@pytest.mark.parametrize("pole", [90.0, -90.0])
def test_haversine_from_a_pole_takes_the_near_path_with_the_same_bits(pole):
    # A broadcast first latitude at a pole (pi/2 in radians, a double above
    # the near path's half-difference bound) bounds the second latitudes at
    # pi/2 - 3 ulp: blocks without the poles take the near path, blocks with
    # one are redone by the general path; both give the per-point bits.
    lats, lons = cloud(3000, 9)
    eps = np.spacing(np.radians(90.0)) * 180 / np.pi  # an ulp of pi/2, in degrees
    lats[2000:2008] = [
        90.0,
        -90.0,
        90 - eps,
        -(90 - eps),
        90 - 3 * eps,
        89.9,
        0.0,
        -0.0,
    ]
    got = fastcpp.haversine(pole, 30.0, lats, lons)
    each = fastcpp.haversine(
        np.full(lats.size, pole), np.full(lats.size, 30.0), lats, lons
    )
    np.testing.assert_array_equal(got, each)
    np.testing.assert_allclose(
        got, ref.haversine_vectorized(pole, 30.0, lats, lons), rtol=4e-15, atol=1e-9
    )


@pytest.mark.parametrize("lat0", [200.0, -190.0, 181.0, np.nan])
def test_haversine_from_beyond_the_near_path(lat0):
    # A broadcast first latitude that no second latitude can take the near
    # path with (|lat1| >= 180 degrees, NaN): every block by the general path,
    # which reads the radians the near path's loop converts (whole vectors).
    lats, lons = cloud(4096, 12)
    got = fastcpp.haversine(lat0, 10.0, lats, lons)
    each = fastcpp.haversine(
        np.full(lats.size, lat0), np.full(lats.size, 10.0), lats, lons
    )
    np.testing.assert_array_equal(got, each)
    want = ref.haversine_vectorized(lat0, 10.0, lats, lons)
    # (1.2e-11 at baseline: a near-antipodal pair, which amplifies roundings)
    np.testing.assert_allclose(got, want, rtol=1e-10, equal_nan=True)


def test_haversine_errors():
    with pytest.raises(ValueError, match="cannot be broadcast"):
        fastcpp.haversine(np.ones(3), np.ones(4), 0, 0)
    with pytest.raises(TypeError, match=r"haversine.*lat2.*complex"):
        fastcpp.haversine(1.0, 1.0, np.ones(2, complex), 0.0)
    with pytest.raises(TypeError, match="haversine"):
        fastcpp.haversine(1.0, 1.0, "a", 0.0)


# --- nearest_k ----------------------------------------------------------------


def check_nearest(got, lat, lon, lats, lons, k, dtype, radius=6371.0):
    idx, dist = got
    want_idx, want_d = ref.nearest_k(lat, lon, lats, lons, k, radius)
    assert idx.dtype == np.int64
    assert dist.dtype == dtype
    np.testing.assert_array_equal(idx, want_idx)
    np.testing.assert_allclose(dist, want_d.astype(dtype), equal_nan=True, **tol(dtype))


@pytest.mark.parametrize("n", [1, 7, 1000, 1_000_003])
@pytest.mark.parametrize("k", [1, 5, 64, 65, 300])
def test_nearest_k_against_argsort(n, k):
    lats, lons = cloud(n, 8)
    k = min(k, n)
    check_nearest(
        fastcpp.nearest_k(51.5, -0.12, lats, lons, k),
        51.5,
        -0.12,
        lats,
        lons,
        k,
        np.dtype(np.float64),
    )


@pytest.mark.parametrize("qlat", [0.0, 51.5, -89.99, 90.0, 120.0])
def test_nearest_k_latitude_pruning_is_exact(qlat):
    # nearest_k skips h for points whose latitude alone rules them out (once
    # the top k is full): the answer must be the full computation's, with
    # points crowded in latitude, exact ties, latitudes beyond +-90 (where
    # the bound does not hold) and NaN mixed in.
    g = np.random.default_rng(int(abs(qlat) * 100) + 3)
    n = 40_000
    lats = np.concatenate(
        [
            g.uniform(-90, 90, n),
            qlat + g.normal(scale=0.01, size=n),  # a band around the query
            np.full(50, qlat + 0.001),  # exact ties
            g.uniform(90, 270, 50),  # invalid latitudes: never pruned
            [np.nan] * 5,
        ]
    )
    lons = np.concatenate(
        [
            g.uniform(-180, 180, n),
            g.uniform(-1, 1, n),
            np.full(50, 0.5),
            g.uniform(-180, 180, 55),
        ]
    )
    perm = g.permutation(lats.size)
    lats, lons = lats[perm], lons[perm]
    for k in (1, 5, 40, 200):
        check_nearest(
            fastcpp.nearest_k(qlat, 0.25, lats, lons, k),
            qlat,
            0.25,
            lats,
            lons,
            k,
            np.dtype(np.float64),
        )


def test_nearest_k_default_k_and_radius():
    lats, lons = cloud(5000, 9)
    idx, d = fastcpp.nearest_k(10.0, 20.0, lats, lons)
    assert idx.shape == d.shape == (5,)
    check_nearest(
        fastcpp.nearest_k(10.0, 20.0, lats, lons, 3, radius=1.0),
        10.0,
        20.0,
        lats,
        lons,
        3,
        np.dtype(np.float64),
        radius=1.0,
    )


def test_nearest_k_all_points_float32():
    lats, lons = cloud(2000, 10, np.float32)
    check_nearest(
        fastcpp.nearest_k(-12.0, 130.0, lats, lons, 2000),
        -12.0,
        130.0,
        lats,
        lons,
        2000,
        np.dtype(np.float32),
    )
    # One float64 coordinate array makes the result float64.
    _, d = fastcpp.nearest_k(0, 0, lats, lons.astype(np.float64), 3)
    assert d.dtype == np.float64


def test_nearest_k_ties_by_index():
    lats = np.array([5.0, 1.0, 5.0, 1.0, 5.0, 1.0, 3.0])
    lons = np.array([5.0, 1.0, 5.0, 1.0, 5.0, 1.0, 3.0])
    idx, d = fastcpp.nearest_k(1.0, 1.0, lats, lons, 7)
    np.testing.assert_array_equal(idx, [1, 3, 5, 6, 0, 2, 4])
    assert d[0] == d[1] == d[2] == 0.0
    # Many exact duplicates, split across threads.
    big_la = np.repeat([1.0, 2.0, 3.0], 100_000)
    big_lo = np.zeros_like(big_la)
    idx, _ = fastcpp.nearest_k(2.0, 0.0, big_la, big_lo, 10)
    np.testing.assert_array_equal(idx, np.arange(100_000, 100_010))
    idx, _ = fastcpp.nearest_k(2.0, 0.0, big_la, big_lo, 100)
    np.testing.assert_array_equal(idx, np.arange(100_000, 100_100))


@pytest.mark.parametrize("k", [1, 3, 6, 8, 10])
def test_nearest_k_nan_never_ahead(k):
    lats, lons = cloud(10, 11)
    lats[[0, 4]] = np.nan
    lons[7] = np.nan
    idx, d = fastcpp.nearest_k(0.0, 0.0, lats, lons, k)
    check_nearest((idx, d), 0.0, 0.0, lats, lons, k, np.dtype(np.float64))
    assert not set(idx[: min(k, 7)]) & {0, 4, 7}


def test_nearest_k_nan_large_and_query_nan():
    lats, lons = cloud(300_000, 12)
    lats[::2] = np.nan
    check_nearest(
        fastcpp.nearest_k(3.0, 4.0, lats, lons, 5),
        3.0,
        4.0,
        lats,
        lons,
        5,
        np.dtype(np.float64),
    )
    check_nearest(
        fastcpp.nearest_k(3.0, 4.0, lats, lons, 200),
        3.0,
        4.0,
        lats,
        lons,
        200,
        np.dtype(np.float64),
    )
    # A NaN query: every distance is NaN, so the first k by index.
    idx, d = fastcpp.nearest_k(np.nan, 4.0, lats[:20], lons[:20], 4)
    np.testing.assert_array_equal(idx, [0, 1, 2, 3])
    assert np.isnan(d).all()


def test_nearest_k_inputs():
    m = np.random.default_rng(13).uniform(-50, 50, (3, 20_000))
    lats, lons = m[0, ::2], m[1, ::-2]  # strided and reversed
    check_nearest(
        fastcpp.nearest_k(1.0, 2.0, lats, lons, 7),
        1.0,
        2.0,
        lats,
        lons,
        7,
        np.dtype(np.float64),
    )
    check_nearest(
        fastcpp.nearest_k(1, 2, [10, 0, 1], [0, 0, 2], 2),
        1,
        2,
        np.array([10, 0, 1]),
        np.array([0, 0, 2]),
        2,
        np.dtype(np.float64),
    )
    check_nearest(
        fastcpp.nearest_k(1.0, 2.0, lats.astype(">f8"), lons, 4),
        1.0,
        2.0,
        lats,
        lons,
        4,
        np.dtype(np.float64),
    )


def test_nearest_k_errors():
    lats, lons = cloud(5, 14)
    with pytest.raises(ValueError, match=r"k \(=6\) must be between 1 and 5"):
        fastcpp.nearest_k(0, 0, lats, lons, 6)
    with pytest.raises(ValueError, match=r"k \(=0\)"):
        fastcpp.nearest_k(0, 0, lats, lons, 0)
    with pytest.raises(ValueError, match=r"k \(=-3\)"):
        fastcpp.nearest_k(0, 0, lats, lons, -3)
    with pytest.raises(ValueError, match=r"k \(=1\)"):
        fastcpp.nearest_k(0, 0, [], [], 1)
    with pytest.raises(ValueError, match="same length"):
        fastcpp.nearest_k(0, 0, lats, lons[:4], 2)
    with pytest.raises(ValueError, match="1-D"):
        fastcpp.nearest_k(0, 0, lats.reshape(5, 1), lons, 2)
    with pytest.raises(ValueError, match=r"radius \(=0"):
        fastcpp.nearest_k(0, 0, lats, lons, 2, radius=0.0)
    with pytest.raises(TypeError, match=r"nearest_k.*complex"):
        fastcpp.nearest_k(0, 0, lats.astype(complex), lons, 2)


def test_nearest_k_threads_agree():
    lats, lons = cloud(400_000, 15)
    before = fastcpp.get_num_threads()
    try:
        fastcpp.set_num_threads(1)
        one = fastcpp.nearest_k(5.0, 5.0, lats, lons, 50)
        fastcpp.set_num_threads(5)
        many = fastcpp.nearest_k(5.0, 5.0, lats, lons, 50)
    finally:
        fastcpp.set_num_threads(before)
    np.testing.assert_array_equal(one[0], many[0])
    np.testing.assert_array_equal(one[1], many[1])


# Coordinates from a small set, so exact ties are common; NaN included.
_coord = st.sampled_from([-90.0, -45.5, -1.0, 0.0, 0.0, 1.0, 12.25, 45.5, 90.0, np.nan])


@settings(max_examples=150, deadline=None)
@given(
    pts=st.lists(st.tuples(_coord, _coord), min_size=1, max_size=60),
    query=st.tuples(_coord.filter(lambda v: v == v), _coord.filter(lambda v: v == v)),
    data=st.data(),
)
def test_nearest_k_property(pts, query, data):
    lats = np.array([p[0] for p in pts])
    lons = np.array([p[1] * 2 for p in pts])
    k = data.draw(st.integers(1, len(pts)))
    check_nearest(
        fastcpp.nearest_k(query[0], query[1], lats, lons, k),
        query[0],
        query[1],
        lats,
        lons,
        k,
        np.dtype(np.float64),
    )


def test_python_threads_in_parallel():
    lats, lons = cloud(200_000, 16)
    want_h = fastcpp.haversine(1.0, 2.0, lats, lons)
    want_k = fastcpp.nearest_k(1.0, 2.0, lats, lons, 9)
    errors = []

    def work():
        try:
            for _ in range(5):
                np.testing.assert_array_equal(
                    fastcpp.haversine(1.0, 2.0, lats, lons), want_h
                )
                idx, d = fastcpp.nearest_k(1.0, 2.0, lats, lons, 9)
                np.testing.assert_array_equal(idx, want_k[0])
                np.testing.assert_array_equal(d, want_k[1])
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


@pytest.mark.parametrize("n", [*range(1, 20), 511, 512, 513, 4099])
def test_haversine_equal_inputs_give_equal_outputs(n):
    v = np.full(n + 1, 0.7)[1:]
    assert np.unique(fastcpp.haversine(-89.9, 17.3, v * 50, v * 100)).size == 1
    assert np.unique(fastcpp.haversine(v - 90.6, v + 16.6, v * 50, v * 100)).size == 1


def test_nearest_k_ties_at_the_pole():
    # Equal points whose distance is not exactly 0 must still tie (found by
    # hypothesis: a scalar tail once computed one of them an ulp smaller).
    for n in (5, 13, 600):
        lats, lons = np.full(n, -90.0), np.full(n, -180.0)
        idx, d = fastcpp.nearest_k(-90.0, -90.0, lats, lons, 3)
        np.testing.assert_array_equal(idx, [0, 1, 2])
        assert d[0] == d[1] == d[2]


@pytest.mark.parametrize("bad", ["complex128", "<U1", "M8[s]"])
def test_nearest_k_checks_the_dtype_of_lons_too(bad):
    lats = np.zeros(4)
    lons = np.zeros(4, dtype=bad)
    with pytest.raises(TypeError, match="nearest_k: lons has unsupported dtype"):
        fastcpp.nearest_k(0.0, 0.0, lats, lons, k=2)


# What the SIMD paths compute, for test_simd_paths_agree_within_a_few_ulp (run
# in a child process: FASTCPP_SIMD is read once per process).
_LEVEL_CHILD = """
import sys, numpy as np, fastcpp
g = np.random.default_rng(8)
la1, lo1 = g.uniform(-90, 90, 50_000), g.uniform(-180, 180, 50_000)
la2, lo2 = g.uniform(-90, 90, 50_000), g.uniform(-180, 180, 50_000)
idx, d = fastcpp.nearest_k(10.0, 20.0, la2, lo2, k=50)
_, dd = fastcpp.GeoIndex(la2, lo2).query(10.0, 20.0, k=50)
x, y = fastcpp.polar_to_cartesian(lo1, la1)
np.savez(sys.argv[1], pairs=fastcpp.haversine(la1, lo1, la2, lo2),
         one=fastcpp.haversine(48.0, 2.0, la2, lo2), d=d, dd=dd, idx=idx, x=x, y=y)
"""


def _at_level(level, path):
    env = dict(os.environ, FASTCPP_SIMD=level)
    subprocess.run([sys.executable, "-c", _LEVEL_CHILD, str(path)], env=env, check=True)
    with np.load(path) as f:
        return dict(f)


def test_simd_paths_agree_within_a_few_ulp(tmp_path):
    # x86-64-v3/v4 fuse multiply-adds in vmath's polynomials (FMA), baseline
    # does not: the paths differ by a few ulp (the formula's own rounding,
    # amplified near antipodes, dominates: 24 ulp at most on 1M random
    # pairs); v3 and v4 give the same bits; nearest_k and GeoIndex agree.
    base = _at_level("baseline", tmp_path / "base.npz")
    levels = {"baseline": base}
    if fastcpp.simd_level() in ("x86-64-v3", "x86-64-v4"):
        levels["x86-64-v3"] = _at_level("x86-64-v3", tmp_path / "v3.npz")
    if fastcpp.simd_level() == "x86-64-v4":
        v4 = _at_level("x86-64-v4", tmp_path / "v4.npz")
        for key, v in v4.items():
            np.testing.assert_array_equal(v, levels["x86-64-v3"][key])
    for got in levels.values():
        np.testing.assert_array_equal(got["d"], got["dd"])  # nearest_k == GeoIndex
        np.testing.assert_array_equal(got["idx"], base["idx"])  # the same neighbours
        for key, most in [("pairs", 16), ("one", 16), ("d", 16), ("x", 2), ("y", 2)]:
            np.testing.assert_allclose(got[key], base[key], rtol=4e-15, atol=0)
            assert _ulps(got[key], base[key]).max() <= most
    if np.finfo(np.longdouble).nmant <= 52:
        return  # the accuracy checks below need an extended long double
    # Every path as accurate as NumPy against an extended-precision evaluation
    # (test_haversine_as_accurate_as_numpy checks the native path on more points).
    g = np.random.default_rng(8)
    cols = [g.uniform(*span, 50_000) for span in [(-90, 90), (-180, 180)] * 2]
    la1, lo1, la2, lo2 = cols
    inputs = {"pairs": (la1, lo1, la2, lo2), "one": (48.0, 2.0, la2, lo2)}
    for key, args in inputs.items():
        exact = _exact_haversine(*args)
        numpy_err = _ulps(ref.haversine_vectorized(*args), exact)
        for level, got in levels.items():
            err = _ulps(got[key], exact)
            assert err.max() <= numpy_err.max() + 2, (level, key)
            assert err.mean() <= numpy_err.mean() * 1.05, (level, key, err.mean())


_X87_CHILD = """
import numpy as np, fastcpp
rng = np.random.default_rng(1)
a, b = rng.uniform(-90, 90, (2, 70001)), rng.uniform(-180, 180, (2, 70001))
fastcpp.haversine(a[0], b[0], a[1], b[1])
fastcpp.haversine(a[0, 0], b[0, 0], a[1], b[1])
fastcpp.nearest_k(a[0, 0], b[0, 0], a[1], b[1], 5)
fastcpp.polar_to_cartesian(a[0], b[0])
third = np.longdouble(1) / np.longdouble(3)  # x87 arithmetic (long double)
assert np.isfinite(third) and abs(float(third) - 1 / 3) < 1e-16, third
"""


@pytest.mark.parametrize("level", ["baseline", "x86-64-v3"])
def test_kernels_leave_the_x87_unit_usable(level):
    # GCC 12 at -O3 once moved 8-byte values through MMX registers in the
    # baseline haversine without an emms: the x87 unit stayed in MMX state
    # and the caller's next long double operation gave NaN (the library is
    # now built with -mno-mmx).
    if np.finfo(np.longdouble).bits <= 64:
        pytest.skip("long double is double here: no x87 arithmetic to check")
    env = dict(os.environ, FASTCPP_SIMD=level)
    subprocess.run([sys.executable, "-c", _X87_CHILD], env=env, check=True)
