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


# Sets the process-wide thread count: under pytest-run-parallel the other
# threads would change it mid-test and restore each other's value.
@pytest.mark.thread_unsafe
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


# --- issue 12: crash-proof and exact ------------------------------------------


def _state(acc):
    return acc.__getstate__()


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
@pytest.mark.parametrize(
    "values", [[], [2.5], [1.0, np.nan, 3.0], [np.inf, 1.0], [1e300, -1e-300, 7.0]]
)
def test_pickle_every_protocol_round_trips_exactly(protocol, values):
    # Protocols 0 and 1 used to abort the interpreter (pybind11 instance
    # allocation through copyreg._reconstructor); every protocol now rebuilds
    # through copyreg.__newobj__ + __setstate__.
    acc = filled(values, initial=1.25)
    back = pickle.loads(pickle.dumps(acc, protocol=protocol))
    assert type(back) is Accumulator
    assert repr(_state(back)) == repr(_state(acc))  # bit for bit, NaN included
    back.add(1.0)  # a working object, not a shell
    assert back.count == acc.count + 1


@pytest.mark.parametrize("how", [copy.copy, copy.deepcopy])
def test_copies_are_exact_and_independent(how):
    acc = filled([1.0, 2.0, 4.0], initial=-3.0)
    dup = how(acc)
    assert dup is not acc
    assert _state(dup) == _state(acc)
    dup.add(100.0)
    assert acc.count == 3
    nested = how({"a": [acc, acc]})
    assert nested["a"][0] == acc
    if how is copy.deepcopy:
        assert nested["a"][0] is nested["a"][1]  # the memo is honoured


@pytest.mark.parametrize(
    "state",
    [(), (1,) * 12, ("x",) * 10, (-1, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)],
    ids=["empty", "long", "strings", "negative-count"],
)
def test_tampered_pickle_state_is_a_value_error(state):
    acc = Accumulator.__new__(Accumulator)
    with pytest.raises(ValueError, match="Accumulator: invalid pickle state"):
        acc.__setstate__(state)


def _exact_var(values):
    """Exact population variance of float values, rounded once: every value
    as an integer multiple of 2**-1100, then (n*S2 - S1**2) / n**2 in ints."""
    from fractions import Fraction

    scaled = []
    for v in values:
        num, den = float(v).as_integer_ratio()
        scaled.append(num * ((1 << 1100) // den))
    n = len(scaled)
    s1 = sum(scaled)
    s2 = sum(x * x for x in scaled)
    return float(Fraction(n * s2 - s1 * s1, n * n << 2200))


@pytest.mark.parametrize("offset", [0.0, 1e6, 1e9, 1e12, -1e12])
@pytest.mark.parametrize("how", ["add", "add_many", "add_many-chunks", "merge"])
def test_far_from_zero_loses_no_digits(offset, how):
    # Issue 12 item 5: 1e12 + N(0, 1) gave 1.2e-5 (add) / 6.5e-8 (add_many).
    x = offset + np.random.default_rng(12).standard_normal(50_000)
    if how == "add":
        acc = Accumulator()
        for v in x.tolist():
            acc.add(v)
    elif how == "add_many":
        acc = filled(x)
    elif how == "add_many-chunks":
        acc = Accumulator()
        for chunk in np.array_split(x, 37):
            acc.add_many(chunk)
    else:
        parts = [filled(c) for c in np.array_split(x, 11)]
        acc = parts[0]
        for p in parts[1:]:
            acc = p + acc
    exact = _exact_var(x.tolist())
    assert acc.variance() == pytest.approx(exact, rel=1e-10)
    assert acc.std() == pytest.approx(math.sqrt(exact), rel=1e-10)
    assert acc.mean() == pytest.approx(math.fsum(x.tolist()) / x.size, rel=1e-15)
    ref = x - math.fsum(x.tolist()) / x.size
    assert acc.skewness() == pytest.approx(scipy.stats.skew(ref), rel=1e-6, abs=1e-8)
    assert acc.kurtosis() == pytest.approx(
        scipy.stats.kurtosis(ref), rel=1e-6, abs=1e-8
    )


def test_outlier_first_value_keeps_precision():
    # The shift is the first value; an outlier there must not cost digits.
    x = np.r_[1e8, np.random.default_rng(2).standard_normal(20_000)]
    for acc in (filled(x), filled(x[::-1])):
        assert acc.variance() == pytest.approx(_exact_var(x.tolist()), rel=1e-10)


@pytest.mark.parametrize("how", ["add", "add_many"])
@pytest.mark.parametrize(
    "values",
    [
        [1e-300, 2e-300, 3e-300],
        [5e-324] * 3,
        [-1e-300, -1e-300],
        [0.1] * 7,
        [1e308] * 3,
    ],
)
def test_variance_never_negative_nor_negative_zero(how, values):
    acc = Accumulator()
    if how == "add":
        for v in values:
            acc.add(v)
    else:
        acc.add_many(values)
    for ddof in (0, 1):
        for value in (acc.variance(ddof), acc.std(ddof)):
            assert value >= 0
            assert math.copysign(1.0, value) == 1.0


def test_merge_contract():
    rng = np.random.default_rng(7)
    x, y = rng.standard_normal(1000) * 3 + 5, rng.standard_normal(333) - 1e3
    a, b = filled(x, initial=10.0), filled(y, initial=-2.5)
    whole = filled(np.r_[x, y])
    for c in (a + b, b + a):
        assert c.total == pytest.approx(a.total + b.total, rel=1e-15)
        assert c.count == whole.count
        assert c.mean() == pytest.approx((a.total + b.total) / c.count, rel=1e-15)
        assert c.variance() == pytest.approx(whole.variance(), rel=1e-12)
        assert c.skewness() == pytest.approx(whole.skewness(), rel=1e-9)
        assert c.kurtosis() == pytest.approx(whole.kurtosis(), rel=1e-9)
        assert (c.min, c.max) == (whole.min, whole.max)
    assert a + b == b + a  # bit for bit, not just close
    # Exact where the floats are: each initial counted once.
    p, q = filled([1.0, 2.0], initial=10.0), filled([4.0], initial=100.0)
    assert (p + q).total == p.total + q.total == 117.0
    p.merge(q)
    assert p.total == 117.0
    assert p.count == 3


@settings(max_examples=60, deadline=None)
@given(
    hnp.arrays(np.float64, st.integers(0, 40), elements=finite),
    hnp.arrays(np.float64, st.integers(0, 40), elements=finite),
    st.floats(-1e3, 1e3),
    st.floats(-1e3, 1e3),
)
def test_merge_commutes_bit_for_bit(x, y, ia, ib):
    a, b = filled(x, ia), filled(y, ib)
    assert _state(a + b) == _state(b + a)
    c = copy.copy(a)
    c += b
    d = copy.copy(b)
    d.merge(a)
    assert _state(c) == _state(d)


def test_merge_with_itself():
    a = filled([1.0, 2.0, 3.0], initial=1.0)
    a.merge(a)
    assert a.count == 6
    assert a.total == 14.0
    assert a.variance() == pytest.approx(2 / 3)


def test_python_ints_beyond_int64():
    acc = Accumulator()
    acc.add_many([2**70, 1])
    assert acc.count == 2
    assert acc.total == math.fsum([2**70, 1])
    assert acc.max == float(2**70)
    mixed = Accumulator()
    mixed.add_many([np.int64(3), 2**70, 0.5])
    assert mixed.count == 3
    with pytest.raises(
        OverflowError, match=r"Accumulator\.add_many: values has an int"
    ):
        Accumulator().add_many([2**2000, 1.0])
    with pytest.raises(
        TypeError, match=r"Accumulator\.add_many: values has an element"
    ):
        Accumulator().add_many([2**70, object()])


def test_add_huge_int_is_overflow_error_naming_x():
    acc = Accumulator()
    with pytest.raises(OverflowError, match=r"Accumulator\.add: x .* too large"):
        acc.add(2**2000)
    assert acc.count == 0
    acc.add(2**70)  # in float range: fine
    assert acc.total == float(2**70)
    with pytest.raises(OverflowError, match=r"Accumulator: initial .* too large"):
        Accumulator(2**2000)
    with pytest.raises(TypeError, match=r"Accumulator: initial must be a real number"):
        Accumulator("1")
    assert Accumulator(initial=3).total == 3.0


def test_sum_of_python_number_lists():
    # Issue 12 item 8: exact int when all are ints, else as math.fsum.
    assert fastcpp.sum([2**70, 1]) == 2**70 + 1
    assert fastcpp.sum([np.int64(3), 2**70]) == 2**70 + 3
    assert type(fastcpp.sum([np.int64(3), 2**70])) is int
    assert fastcpp.sum([2**70, 0.5]) == math.fsum([2**70, 0.5])
    assert fastcpp.sum((2**64 + 2**11 + 1, 0.5, -1.0)) == math.fsum(
        [2**64 + 2**11 + 1, 0.5, -1.0]
    )
    with pytest.raises(OverflowError, match=r"sum: a has an int too large"):
        fastcpp.sum([2**2000, 0.5])
