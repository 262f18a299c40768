"""fastcpp.Accumulator against math.fsum, NumPy and scipy.stats."""

from __future__ import annotations

import copy
import math
import pickle
import threading

import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import fastcpp
from fastcpp import Accumulator


def test_extension_is_compiled():
    # Guards against a wheel that silently ships without _core.
    import fastcpp._core

    assert fastcpp._core.__file__.endswith((".so", ".pyd"))


def filled(values, initial=0.0):
    acc = Accumulator(initial)
    acc.add_many(values)
    return acc


def test_repr_and_basic_statistics():
    acc = filled([1.0, 2.0, 3.0])
    assert repr(acc) == "<Accumulator count=3 total=6.000000>"
    assert acc.count == 3
    assert acc.mean() == 2.0
    assert acc.variance() == pytest.approx(2 / 3)
    assert acc.variance(ddof=1) == 1.0
    assert acc.std(1) == 1.0
    assert (acc.min, acc.max) == (1.0, 3.0)


def test_empty():
    acc = Accumulator()
    assert acc.count == 0
    assert acc.total == 0.0
    assert acc.mean() == 0.0  # the original design (RunStats does the same)
    for value in (
        acc.variance(),
        acc.std(),
        acc.min,
        acc.max,
        acc.skewness(),
        acc.kurtosis(),
    ):
        assert math.isnan(value)


def test_initial_is_a_starting_total():
    acc = Accumulator(initial=10.0)
    assert acc.count == 0
    acc.add(2.0)
    acc.add(4.0)
    assert acc.total == 16.0
    assert acc.mean() == 8.0
    assert acc.variance() == 1.0
    assert repr(Accumulator(initial=1.5)) == "<Accumulator count=0 total=1.500000>"


@pytest.mark.parametrize("how", ["add", "add_many"])
def test_numerically_stable(how):
    values = 1e9 + np.array([4.0, 7.0, 13.0, 16.0])
    acc = Accumulator()
    if how == "add":
        for v in values:
            acc.add(v)
    else:
        acc.add_many(values)
    assert acc.variance() == 22.5
    cancel = Accumulator()
    if how == "add":
        for v in (1e16, 1.0, -1e16):
            cancel.add(v)
    else:
        cancel.add_many([1e16, 1.0, -1e16])
    assert cancel.total == 1.0


@pytest.mark.parametrize("n", [1, 2, 7, 1000, 100_003])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.int8, bool])
def test_against_oracles(n, dtype):
    rng = np.random.default_rng(n)
    x = (rng.lognormal(size=n) * 100).astype(dtype)
    acc = filled(x)
    ref = x.astype(np.float64)
    assert acc.count == n
    assert acc.total == pytest.approx(math.fsum(ref.tolist()), rel=1e-15, abs=1e-12)
    assert acc.mean() == pytest.approx(ref.mean(), rel=1e-13)
    assert acc.variance() == pytest.approx(ref.var(), rel=1e-10, abs=1e-12)
    assert acc.min == ref.min()
    assert acc.max == ref.max()
    if n > 2 and ref.var() > 0:
        assert acc.skewness() == pytest.approx(scipy.stats.skew(ref), rel=1e-8)
        assert acc.kurtosis() == pytest.approx(scipy.stats.kurtosis(ref), rel=1e-8)


@pytest.mark.parametrize(
    "make",
    [
        lambda a: a.reshape(20, 50),
        lambda a: a.reshape(20, 50).T,
        lambda a: a[::3],
        lambda a: a[::-1],
        lambda a: a.astype(a.dtype.newbyteorder()),
        lambda a: np.asfortranarray(a.reshape(10, 100)),
        lambda a: a.reshape(10, 10, 10)[:, ::2, 1:],
    ],
    ids=[
        "2d",
        "transposed",
        "strided",
        "reversed",
        "byteswapped",
        "fortran",
        "3d-view",
    ],
)
def test_any_layout(make):
    a = make(np.random.default_rng(1).standard_normal(1000))
    acc = filled(a)
    assert acc.count == a.size
    assert acc.total == pytest.approx(
        math.fsum(a.ravel().tolist()), rel=1e-14, abs=1e-13
    )
    assert acc.variance() == pytest.approx(np.var(a), rel=1e-12)


def test_nan_and_inf_follow_ieee():
    acc = filled([1.0, np.nan, 3.0])
    assert acc.count == 3
    for value in (acc.total, acc.mean(), acc.variance(), acc.min, acc.max):
        assert math.isnan(value)
    acc.add(5.0)
    assert math.isnan(acc.min)
    inf = filled([1.0, np.inf, 3.0])
    assert inf.total == np.inf
    assert inf.mean() == np.inf
    assert inf.max == np.inf
    assert inf.min == 1.0
    assert math.isnan(inf.variance())
    both = filled([np.inf, -np.inf])
    assert math.isnan(both.total)


def test_single_add_matches_add_many():
    x = np.random.default_rng(3).standard_normal(1000) + 50
    one = Accumulator()
    for v in x:
        one.add(v)
    many = filled(x)
    assert one.count == many.count
    assert one.total == pytest.approx(many.total, rel=1e-15)
    assert one.variance() == pytest.approx(many.variance(), rel=1e-12)
    assert one.skewness() == pytest.approx(many.skewness(), rel=1e-9)
    assert one.kurtosis() == pytest.approx(many.kurtosis(), rel=1e-9)


def test_add_accepts_numbers_and_rejects_others():
    acc = Accumulator()
    acc.add(1)
    acc.add(np.float32(2.5))
    acc.add(True)
    assert acc.total == 4.5
    with pytest.raises(
        TypeError, match=r"Accumulator\.add: x must be a real number, got str"
    ):
        acc.add("3")
    with pytest.raises(TypeError):
        acc.add(1j)
    assert acc.count == 3


@pytest.mark.parametrize(
    "bad",
    [
        np.zeros(3, complex),
        np.array(["a"]),
        np.zeros(2, "M8[s]"),
        np.array([object()]),
    ],
    ids=["complex", "str", "datetime", "object"],
)
def test_add_many_rejects_dtypes(bad):
    acc = Accumulator()
    with pytest.raises(
        TypeError, match=r"Accumulator.add_many: values has unsupported dtype"
    ):
        acc.add_many(bad)
    assert acc.count == 0


def test_merge_operators_copy_pickle_reset():
    rng = np.random.default_rng(5)
    x, y = rng.standard_normal(300), rng.standard_normal(200) + 3
    a, b = filled(x, initial=1.0), filled(y, initial=2.0)
    whole = filled(np.r_[x, y], initial=3.0)
    c = a + b
    assert c.count == 500
    assert c.total == pytest.approx(whole.total, rel=1e-15)
    assert c.variance() == pytest.approx(whole.variance(), rel=1e-12)
    assert a.count == 300  # + does not modify
    a_id = id(a)
    a += b
    assert id(a) == a_id
    assert a == c
    a.merge(Accumulator())
    assert a == c
    d = copy.copy(c)
    assert d == c
    assert d is not c
    d.add(1.0)
    assert d != c
    assert copy.deepcopy(c) == c
    e = pickle.loads(pickle.dumps(c))
    assert e == c
    assert (e.total, e.variance(), e.kurtosis()) == (
        c.total,
        c.variance(),
        c.kurtosis(),
    )
    e.reset()
    assert e.count == 0
    assert e.total == 3.0  # initial survives reset
    with pytest.raises(TypeError):
        a.merge([1, 2])
    with pytest.raises(TypeError):
        a + 1


def test_threads_sharing_one_accumulator_lose_nothing():
    acc = Accumulator()
    chunk = np.ones(200_000)

    def work():
        for _ in range(10):
            acc.add_many(chunk)
            acc.add(1.0)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert acc.count == 8 * 10 * (200_000 + 1)
    assert acc.total == acc.count


def test_thread_count_does_not_change_results():
    x = np.random.default_rng(9).standard_normal(1 << 20)
    before = fastcpp.get_num_threads()
    try:
        fastcpp.set_num_threads(1)
        one = filled(x)
        fastcpp.set_num_threads(3)
        three = filled(x)
    finally:
        fastcpp.set_num_threads(before)
    assert one.count == three.count
    assert one.total == pytest.approx(three.total, rel=1e-15)
    assert one.variance() == pytest.approx(three.variance(), rel=1e-13)


finite = st.floats(-1e6, 1e6, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(
    hnp.arrays(np.float64, st.integers(0, 60), elements=finite),
    hnp.arrays(np.float64, st.integers(0, 60), elements=finite),
    hnp.arrays(np.float64, st.integers(0, 60), elements=finite),
)
def test_merge_is_associative_and_equals_concatenation(x, y, z):
    a, b, c = filled(x), filled(y), filled(z)
    left = (a + b) + c
    right = a + (b + c)
    whole = filled(np.r_[x, y, z])
    for acc in (left, right):
        assert acc.count == whole.count
        assert acc.total == pytest.approx(whole.total, rel=1e-12, abs=1e-6)
        if whole.count:
            assert acc.min == whole.min
            assert acc.max == whole.max
            scale = max(1.0, whole.variance())
            assert acc.variance() == pytest.approx(
                whole.variance(), rel=1e-9, abs=1e-9 * scale
            )


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float64, st.integers(1, 80), elements=finite))
def test_add_equals_add_many(x):
    one = Accumulator()
    for v in x.tolist():
        one.add(v)
    many = filled(x)
    assert one.count == many.count
    assert one.total == pytest.approx(many.total, rel=1e-12, abs=1e-6)
    assert one.variance() == pytest.approx(
        many.variance(), rel=1e-8, abs=1e-9 * max(1.0, many.variance())
    )
