"""GeoIndex and nearest_k over many queries, against the brute force.

The oracle of GeoIndex.query is fastcpp.nearest_k (itself tested against
NumPy's haversine + np.argsort(kind="stable") in test_geo.py): the index must
return the very same indices and distances, bit for bit. query_radius is
checked against NumPy's haversine of every point."""

from __future__ import annotations

import copy
import pickle
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fastcpp
import reference_geo as ref


def uniform(n, seed):
    g = np.random.default_rng(seed)
    return np.degrees(np.arcsin(g.uniform(-1, 1, n))), g.uniform(-180, 180, n)


def clustered(n, seed):
    """Tight clusters (some around the antimeridian and the poles), exact
    duplicates and points on a grid of round coordinates (many exact ties)."""
    g = np.random.default_rng(seed)
    centres = np.array([[48.85, 2.35], [0.0, 180.0], [-33.9, -179.99], [89.99, 0.0]])
    c = centres[g.integers(0, len(centres), n // 2)]
    lat_c = np.clip(c[:, 0] + g.normal(0, 0.01, len(c)), -90, 90)
    lon_c = c[:, 1] + g.normal(0, 0.01, len(c))
    grid_lat = g.integers(-9, 10, n // 4) * 10.0
    grid_lon = g.integers(-18, 19, n // 4) * 10.0
    dup = np.full(n - len(c) - len(grid_lat), 7.0)
    return (
        np.concatenate([lat_c, grid_lat, dup, [90.0, -90.0]]),
        np.concatenate([lon_c, grid_lon, dup * 3, [0.0, 123.0]]),
    )


def hard_queries(lats, lons, seed):
    """Random queries, the points themselves, their antipodes (and nearly),
    poles and the antimeridian from both sides."""
    g = np.random.default_rng(seed)
    qa, qo = uniform(60, seed + 1)
    pick = g.integers(0, len(lats), 30)
    extra_lat = [90.0, -90.0, 0.0, 0.0, 45.0, 45.0, -33.9, 7.0]
    extra_lon = [0.0, -45.0, 180.0, -180.0, 179.9999999, -179.9999999, 180.01, 21.0]
    return (
        np.concatenate([qa, lats[pick], -lats[pick], -lats[pick] + 1e-7, extra_lat]),
        np.concatenate(
            [qo, lons[pick], lons[pick] + 180, lons[pick] - 180 + 1e-7, extra_lon]
        ),
    )


def brute(qlat, qlon, lats, lons, k, radius=6371.0):
    pairs = [
        fastcpp.nearest_k(a, o, lats, lons, k, radius=radius)
        for a, o in zip(qlat, qlon)
    ]
    return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])


# --------------------------------------------------------- nearest_k, many


def test_nearest_k_many_queries_equals_one_by_one():
    lats, lons = uniform(5000, 1)
    qlat, qlon = hard_queries(lats, lons, 2)
    idx, d = fastcpp.nearest_k(qlat, qlon, lats, lons, 7)
    assert idx.shape == d.shape == (len(qlat), 7)
    assert idx.dtype == np.int64
    assert d.dtype == np.float64
    want_i, want_d = brute(qlat, qlon, lats, lons, 7)
    np.testing.assert_array_equal(idx, want_i)
    np.testing.assert_array_equal(d, want_d)


def test_nearest_k_many_queries_shapes_and_dtypes():
    lats, lons = uniform(300, 3)
    idx, d = fastcpp.nearest_k(np.zeros((2, 3)), [1.0, 2.0, 3.0], lats, lons, 4)
    assert idx.shape == d.shape == (2, 3, 4)
    want_i, _want_d = brute(np.zeros(3), [1.0, 2.0, 3.0], lats, lons, 4)
    np.testing.assert_array_equal(idx[1], want_i)
    idx, d = fastcpp.nearest_k([], [], lats, lons, 2)
    assert idx.shape == d.shape == (0, 2)
    idx, d = fastcpp.nearest_k(
        [1.0], [2.0], lats.astype(np.float32), lons.astype(np.float32), 3
    )
    assert idx.shape == (1, 3)
    assert d.dtype == np.float32
    idx1, d1 = fastcpp.nearest_k(
        1.0, 2.0, lats.astype(np.float32), lons.astype(np.float32), 3
    )
    np.testing.assert_array_equal(idx[0], idx1)
    np.testing.assert_array_equal(d[0], d1)
    with pytest.raises(ValueError, match="broadcast"):
        fastcpp.nearest_k([1.0, 2.0], [1.0, 2.0, 3.0], lats, lons, 2)
    with pytest.raises(TypeError, match="complex"):
        fastcpp.nearest_k(np.array([1j]), [1.0], lats, lons, 2)


# --------------------------------------------------------- GeoIndex.query


@pytest.mark.parametrize("points", [uniform, clustered])
@pytest.mark.parametrize("k", [1, 5, 17, 200])
def test_query_equals_brute_force(points, k):
    lats, lons = points(4000, 5)
    ix = fastcpp.GeoIndex(lats, lons)
    assert len(ix) == len(lats)
    qlat, qlon = hard_queries(lats, lons, 6)
    idx, d = ix.query(qlat, qlon, k)
    want_i, want_d = fastcpp.nearest_k(qlat, qlon, lats, lons, k)
    np.testing.assert_array_equal(idx, want_i)
    np.testing.assert_array_equal(d, want_d)
    # One query: (k,) arrays, the same values.
    i0, d0 = ix.query(qlat[0], qlon[0], k)
    assert i0.shape == d0.shape == (k,)
    np.testing.assert_array_equal(i0, want_i[0])
    np.testing.assert_array_equal(d0, want_d[0])


def test_query_against_numpy_argsort():
    lats, lons = clustered(3000, 7)
    ix = fastcpp.GeoIndex(lats, lons, radius=1.0)
    for qa, qo in zip(*hard_queries(lats, lons, 8)):
        d_all = ref.haversine_vectorized(qa, qo, lats, lons, 1.0)
        want = np.argsort(d_all, kind="stable")[:9]
        idx, d = ix.query(qa, qo, 9)
        np.testing.assert_allclose(d, d_all[want], rtol=1e-12, atol=1e-15)
        # Indices agree except within float64 near-ties of NumPy's distances.
        np.testing.assert_allclose(d_all[idx], d_all[want], rtol=1e-12, atol=1e-15)


def test_query_all_points_and_float32_input():
    lats, lons = clustered(500, 9)
    ix = fastcpp.GeoIndex(lats.astype(np.float32), lons.astype(np.float32))
    idx, d = ix.query(3.0, 4.0, len(lats))
    want_i, want_d = fastcpp.nearest_k(
        3.0,
        4.0,
        lats.astype(np.float32).astype(np.float64),
        lons.astype(np.float32),
        len(lats),
    )
    np.testing.assert_array_equal(idx, want_i)
    np.testing.assert_array_equal(d, want_d)
    assert d.dtype == np.float64
    np.testing.assert_array_equal(ix.lats, lats.astype(np.float32).astype(np.float64))


_coord = st.sampled_from([-90.0, -45.5, -1.0, 0.0, 0.0, 1.0, 12.25, 45.5, 90.0])


@settings(max_examples=150, deadline=None)
@given(
    pts=st.lists(st.tuples(_coord, _coord), min_size=1, max_size=80),
    query=st.tuples(_coord, _coord),
    data=st.data(),
)
def test_query_property(pts, query, data):
    lats = np.array([p[0] for p in pts])
    lons = np.array([p[1] * 2 for p in pts])
    k = data.draw(st.integers(1, len(pts)))
    ix = fastcpp.GeoIndex(lats, lons)
    idx, d = ix.query(query[0], query[1] * 2, k)
    want_i, want_d = fastcpp.nearest_k(query[0], query[1] * 2, lats, lons, k)
    np.testing.assert_array_equal(idx, want_i)
    np.testing.assert_array_equal(d, want_d)


def test_threads_agree_and_python_threads():
    lats, lons = uniform(100_000, 10)
    qlat, qlon = uniform(2000, 11)
    before = fastcpp.get_num_threads()
    try:
        fastcpp.set_num_threads(1)
        one = fastcpp.GeoIndex(lats, lons).query(qlat, qlon, 6)
        fastcpp.set_num_threads(4)
        ix = fastcpp.GeoIndex(lats, lons)
        many = ix.query(qlat, qlon, 6)
    finally:
        fastcpp.set_num_threads(before)
    np.testing.assert_array_equal(one[0], many[0])
    np.testing.assert_array_equal(one[1], many[1])
    errors = []

    def work():
        try:
            got = ix.query(qlat, qlon, 6)
            np.testing.assert_array_equal(got[0], one[0])
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    ts = [threading.Thread(target=work) for _ in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors


# --------------------------------------------------------- query_radius


def _radius_oracle(qa, qo, lats, lons, r, radius):
    d = ref.haversine_vectorized(qa, qo, lats, lons, radius)
    return d


@pytest.mark.parametrize("points", [uniform, clustered])
@pytest.mark.parametrize("r", [0.0, 0.5, 30.0, 2000.0, 25_000.0, np.inf])
def test_query_radius_against_numpy(points, r):
    lats, lons = points(3000, 12)
    ix = fastcpp.GeoIndex(lats, lons)
    qlat, qlon = hard_queries(lats, lons, 13)
    idx, d, off = ix.query_radius(qlat, qlon, r)
    assert off.shape == (len(qlat) + 1,)
    assert off[0] == 0
    assert off[-1] == len(idx)
    assert idx.dtype == np.int64
    assert d.dtype == np.float64
    assert off.dtype == np.int64
    for q, (qa, qo) in enumerate(zip(qlat, qlon)):
        gi, gd = idx[off[q] : off[q + 1]], d[off[q] : off[q + 1]]
        d_all = _radius_oracle(qa, qo, lats, lons, r, 6371.0)
        # Exactly the points within r, but for ones within rounding of r.
        near = np.abs(d_all - r) <= 1e-9 * max(r, 1.0)
        want = set(np.flatnonzero((d_all <= r) & ~near))
        maybe = set(np.flatnonzero(near))
        assert want <= set(gi) <= want | maybe
        # Ascending by distance, ties by index; distances as haversine gives them.
        assert np.all(np.diff(gd) >= 0)
        tie = np.diff(gd) == 0
        assert np.all(np.diff(gi)[tie] > 0)
        np.testing.assert_allclose(gd, d_all[gi], rtol=1e-13, atol=1e-12)
        if q < 3:  # the one-query form agrees
            si, sd = ix.query_radius(qa, qo, r)
            np.testing.assert_array_equal(si, gi)
            np.testing.assert_array_equal(sd, gd)


def test_query_radius_duplicates_and_zero():
    lats = np.array([1.0, 2.0, 1.0, 1.0])
    lons = np.array([5.0, 5.0, 5.0, 5.0])
    ix = fastcpp.GeoIndex(lats, lons)
    idx, d = ix.query_radius(1.0, 5.0, 0.0)
    np.testing.assert_array_equal(idx, [0, 2, 3])
    np.testing.assert_array_equal(d, [0.0, 0.0, 0.0])
    idx, d = ix.query_radius(1.0, 5.0, 200.0)
    np.testing.assert_array_equal(idx, [0, 2, 3, 1])
    idx, d, off = ix.query_radius([], [], 1.0)
    assert idx.shape == d.shape == (0,)
    assert list(off) == [0]


# --------------------------------------------------------- pickle, dunders


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickle_every_protocol(protocol):
    lats, lons = clustered(2000, 14)
    ix = fastcpp.GeoIndex(lats, lons, radius=3389.5)
    back = pickle.loads(pickle.dumps(ix, protocol=protocol))
    assert isinstance(back, fastcpp.GeoIndex)
    assert len(back) == len(ix)
    assert back.radius == 3389.5
    np.testing.assert_array_equal(back.lats, ix.lats)
    np.testing.assert_array_equal(back.lons, ix.lons)
    qlat, qlon = hard_queries(lats, lons, 15)
    for a, b in zip(back.query(qlat, qlon, 8), ix.query(qlat, qlon, 8)):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(
        back.query_radius(qlat, qlon, 50.0), ix.query_radius(qlat, qlon, 50.0)
    ):
        np.testing.assert_array_equal(a, b)


def test_copy_repr_len():
    ix = fastcpp.GeoIndex([1.0, 2.0], [3.0, 4.0])
    assert len(ix) == 2
    assert "2 points" in repr(ix)
    for c in (copy.copy(ix), copy.deepcopy(ix)):
        np.testing.assert_array_equal(c.query(0.0, 0.0, 2)[0], ix.query(0.0, 0.0, 2)[0])
    assert len(fastcpp.GeoIndex([], [])) == 0
    assert "GeoIndex" in fastcpp.__all__


# --------------------------------------------------------- bad input


def test_bad_input():
    lats, lons = uniform(10, 16)
    with pytest.raises(ValueError, match=r"lats\[3\] \(=nan\)"):
        fastcpp.GeoIndex(np.r_[lats[:3], np.nan, lats[4:]], lons)
    with pytest.raises(ValueError, match=r"lats\[0\] \(=90.5\).*between -90 and 90"):
        fastcpp.GeoIndex(np.r_[90.5, lats[1:]], lons)
    with pytest.raises(ValueError, match=r"lons\[1\] \(=inf\)"):
        fastcpp.GeoIndex(lats, np.r_[0.0, np.inf, lons[2:]])
    with pytest.raises(ValueError, match="same length"):
        fastcpp.GeoIndex(lats, lons[:5])
    with pytest.raises(ValueError, match="1-D"):
        fastcpp.GeoIndex(lats.reshape(2, 5), lons)
    with pytest.raises(ValueError, match=r"radius \(=-1"):
        fastcpp.GeoIndex(lats, lons, radius=-1.0)
    with pytest.raises(TypeError, match="complex"):
        fastcpp.GeoIndex(lats.astype(complex), lons)
    ix = fastcpp.GeoIndex(lats, lons)
    with pytest.raises(ValueError, match=r"k \(=11\) must be between 1 and 10"):
        ix.query(0.0, 0.0, 11)
    with pytest.raises(ValueError, match=r"k \(=0\)"):
        ix.query(0.0, 0.0, 0)
    with pytest.raises(ValueError, match=r"lat\[1\] \(=nan\)"):
        ix.query([0.0, np.nan], [0.0, 0.0], 2)
    with pytest.raises(ValueError, match=r"lat\[0\] \(=-91"):
        ix.query(-91.0, 0.0, 2)
    with pytest.raises(ValueError, match=r"lon\[0\] \(=nan\)"):
        ix.query_radius(0.0, np.nan, 1.0)
    with pytest.raises(ValueError, match=r"r \(=-1\) must be >= 0"):
        ix.query_radius(0.0, 0.0, -1.0)
    with pytest.raises(ValueError, match=r"r \(=nan\)"):
        ix.query_radius(0.0, 0.0, np.nan)
    with pytest.raises(ValueError, match="broadcast"):
        ix.query([1.0, 2.0], [1.0, 2.0, 3.0], 2)
    with pytest.raises(TypeError):
        ix.query("a", 0.0, 2)


# --------------------------------------------------------- dask


def test_dask_nearest_k_and_query():
    da = pytest.importorskip("dask.array")
    import fastcpp.dask as fd

    lats, lons = uniform(20_000, 17)
    qlat, qlon = uniform(1000, 18)
    dlat = da.from_array(qlat, chunks=300)
    dlon = da.from_array(qlon, chunks=300)
    want = fastcpp.nearest_k(qlat, qlon, lats, lons, 5)
    idx, d = fd.nearest_k(dlat, dlon, lats, lons, 5)
    assert idx.shape == (1000, 5)
    assert idx.chunks[0] == dlat.chunks[0]
    np.testing.assert_array_equal(idx.compute(), want[0])
    np.testing.assert_array_equal(d.compute(), want[1])
    ix = fastcpp.GeoIndex(lats, lons)
    idx, d = fd.geo_query(ix, dlat, dlon, 5)
    got_i, got_d = da.compute(idx, d, scheduler="threads")
    np.testing.assert_array_equal(got_i, want[0])
    np.testing.assert_array_equal(got_d, want[1])
    # The index (and the points) are one graph key each, shared by all blocks.
    idx, _ = fd.geo_query(ix, dlat, dlon, 5)
    held = [
        v
        for v in dict(idx.__dask_graph__()).values()
        if isinstance(v, fastcpp.GeoIndex)
    ]
    assert len(held) <= 1
    with pytest.raises(ValueError, match=r"k \(=0\)"):
        fd.geo_query(ix, dlat, dlon, 0)
    with pytest.raises(ValueError, match=r"k \(=20001\)"):
        fd.nearest_k(dlat, dlon, lats, lons, 20_001)
