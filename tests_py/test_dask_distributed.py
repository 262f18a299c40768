"""fastcpp.dask on a distributed cluster of worker processes (127.0.0.1).

The per-chunk Accumulators, kernels' inputs and outputs cross process
boundaries by pickle here; results must equal the in-memory calls.
"""

from __future__ import annotations

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

import fastcpp  # noqa: E402
import fastcpp.dask as fd  # noqa: E402

_median = fastcpp.median_filter

# distributed may warn while the cluster shuts down (sockets closed late):
# not fastcpp's business, so only that is silenced.
pytestmark = pytest.mark.filterwarnings("ignore:unclosed:ResourceWarning")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        processes=True,
        n_workers=2,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
    )
    c = distributed.Client(cluster)
    try:
        yield c
    finally:
        c.close()
        cluster.close()


def _data(shape, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape) * 5 + 2
    a.flat[rng.choice(a.size, a.size // 8, replace=False)] = np.nan
    return a


def test_workers_are_processes(client):
    pids = client.run(lambda: __import__("os").getpid())
    assert len(set(pids.values())) == 2


def test_describe(client):
    a = np.random.default_rng(1).standard_normal((300, 70)) * 3 + 1e3
    x = da.from_array(a, chunks=(40, 30))
    acc = fd.describe(x)
    ref = fastcpp.Accumulator()
    ref.add_many(a)
    assert isinstance(acc, fastcpp.Accumulator)
    assert acc.count == ref.count
    assert acc.min == ref.min
    assert acc.max == ref.max
    assert acc.mean() == pytest.approx(ref.mean(), rel=1e-15)
    assert acc.variance() == pytest.approx(ref.variance(), rel=1e-12)
    # Through futures as well: the Accumulator itself travels back by pickle.
    fut = client.compute(fd.describe(x, compute=False))
    assert fut.result() == acc


def test_describe_data_born_in_workers(client):
    x = da.random.default_rng(3).standard_normal(200_000, chunks=30_000)
    acc = fd.describe(x)
    ref = fastcpp.Accumulator()
    ref.add_many(x.compute())
    assert acc.count == 200_000
    assert acc.variance() == pytest.approx(ref.variance(), rel=1e-12)


@pytest.mark.parametrize("axis", [0, -1])
def test_move_mean(client, axis):
    a = _data((60, 45))
    x = da.from_array(a, chunks=(7, 4))  # chunks smaller than the window
    got = fd.move_mean(x, 9, 3, axis=axis).compute()
    want = fastcpp.move_mean(a, 9, 3, axis=axis)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12, equal_nan=True)


@pytest.mark.parametrize("method", ["parallel", "sequential"])
@pytest.mark.parametrize("adjust", [False, True])
def test_ema(client, adjust, method):
    a = _data((5, 400), seed=2)
    a[1, 30:200] = np.nan
    x = da.from_array(a, chunks=(2, (50, 3, 97, 250)))
    got = fd.ema(x, 0.1, adjust=adjust, method=method).compute()
    want = fastcpp.ema(a, 0.1, adjust=adjust)
    if method == "sequential":
        np.testing.assert_array_equal(got, want)  # the exact state crossed over
    else:
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12, equal_nan=True)


@pytest.mark.parametrize("mode", ["reflect", "wrap", "constant"])
def test_median_filter(client, mode):
    img = np.random.default_rng(4).integers(0, 1000, (50, 37)).astype(np.uint16)
    x = da.from_array(img, chunks=(13, 10))
    got = fd.median_filter(x, (5, 4), mode=mode, cval=7).compute()
    np.testing.assert_array_equal(got, _median(img, (5, 4), mode=mode, cval=7))
    assert got.dtype == np.uint16
