"""Property tests across the whole API (registry: tests_py/api_spec.py).

- float32 input gives float32 output equal to the float64 computation on
  the same values rounded to float32 (within the spec's ulps);
- axis equivalence: f(a, axis=0) == f(a.T, axis=-1).T, and for 3-D inputs;
- results do not depend on the thread count (exactly, except reductions,
  which may differ by reassociation);
- Accumulator merge is associative and chunking-independent.
Hypothesis example counts are small: the suite runs on every commit.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import fastcpp
from api_spec import Spec, array_specs, parts, same

FEW = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

F32_SPECS = [s for s in array_specs() if s.f32_ulps is not None]
AXIS_SPECS = [s for s in array_specs() if s.axis]
BIG_SPECS = [s for s in array_specs() if s.big_shapes()]


def need(spec: Spec) -> None:
    if not spec.present():
        pytest.skip(f"{spec.name} is not built on this branch")


def ordered32(x: np.ndarray) -> np.ndarray:
    """float32 bit patterns mapped to integers in numeric order."""
    i = np.ascontiguousarray(x, dtype=np.float32).view(np.int32).astype(np.int64)
    return np.where(i < 0, -(i & 0x7FFFFFFF), i)


def ulps32(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance in float32 ulps; 0 where both are NaN, huge where one is."""
    a = np.asarray(a, np.float32)
    b = np.asarray(b, np.float32)
    d = np.abs(ordered32(a) - ordered32(b))
    na, nb = np.isnan(a), np.isnan(b)
    d = np.where(na & nb, 0, d)
    return np.where(na ^ nb, 2**40, d)


values32 = st.floats(-1e4, 1e4, width=32, allow_subnormal=False)
special32 = st.sampled_from([np.nan, np.inf, -np.inf, 0.0, -0.0])


@st.composite
def f32_arrays(draw, shape):
    elems = st.one_of(values32, special32) if draw(st.booleans()) else values32
    return draw(hnp.arrays(np.float32, shape, elements=elems))


@pytest.mark.parametrize("spec", F32_SPECS, ids=lambda s: s.name)
@FEW
@given(data=st.data())
def test_float32_is_rounded_float64(spec, data):
    need(spec)
    shape = data.draw(st.sampled_from(spec.shapes), label="shape")
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
    call = spec.valid(np.random.default_rng(seed), shape, np.float32)
    for key in spec.arrays[:1]:
        x = np.asarray(call.get(key))
        call = call.with_(key, data.draw(f32_arrays(x.shape), label="x"))
    call64 = call
    for key in spec.arrays:
        call64 = call64.with_(key, np.asarray(call.get(key)).astype(np.float64))
    with np.errstate(all="ignore"):
        r32 = call(spec.func())
        r64 = call64(spec.func())
    for p32, p64 in zip(parts(r32), parts(r64)):
        if isinstance(p32, np.ndarray) and spec.result != "accumulator":
            assert p32.dtype == np.float32, spec.name
            with np.errstate(all="ignore"):
                rounded = p64.astype(np.float32)
                # Subnormal float32 results carry no relative precision:
                # compare those absolutely.
                close = (ulps32(p32, rounded) <= spec.f32_ulps) | (
                    np.abs(p32.astype(float) - rounded.astype(float)) <= 1e-37
                )
            assert close.all(), (spec.name, p32[~close][:5], rounded[~close][:5])
        else:
            # Scalar results (reductions, Accumulator): float64 state, so the
            # float32 input is read exactly and the result is the float64 one.
            assert same(p32, p64), spec.name


@pytest.mark.parametrize("spec", AXIS_SPECS, ids=lambda s: s.name)
@FEW
@given(data=st.data())
def test_axis_equivalence(spec, data):
    need(spec)
    rows = data.draw(st.integers(1, 9), label="rows")
    cols = data.draw(st.integers(1, 9), label="cols")
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
    dtype = data.draw(
        st.sampled_from([np.float64, np.float32, np.int32]), label="dtype"
    )
    call = spec.valid(np.random.default_rng(seed), (rows, cols), dtype, axis=0)

    def each(c, fn):  # fn applied to every array input (a, and b for pairs)
        for key in spec.arrays:
            c = c.with_(key, fn(c.get(key)))
        return c

    f = spec.func()
    along0 = call(f)
    along_last = each(call, lambda x: x.T).with_("axis", -1)(f)
    assert same(along0, along_last.T)
    assert same(along0, each(call, np.asfortranarray)(f))
    # 3-D: the middle axis.
    depth = data.draw(st.integers(1, 4), label="depth")
    c3 = spec.valid(np.random.default_rng(seed), (depth, rows, cols), dtype, axis=1)
    mid = c3(f)
    moved = each(c3, lambda x: np.moveaxis(x, 1, -1)).with_("axis", -1)(f)
    assert same(mid, np.moveaxis(moved, -1, 1))


@pytest.fixture
def restore_threads():
    n = fastcpp.get_num_threads()
    yield
    fastcpp.set_num_threads(n)


@pytest.mark.parametrize("spec", BIG_SPECS, ids=lambda s: s.name)
def test_thread_count_independence(spec, restore_threads):
    """Large inputs split over threads (and long rows into chunks) give the
    single-thread result: exactly, except reductions (reassociation)."""
    need(spec)
    f = spec.func()
    for shape in spec.big_shapes():
        for dtype in (np.float64, np.float32):
            call = spec.valid(np.random.default_rng(7), shape, dtype)
            if call.kwargs.get("window", 0) > 501:  # bound the O(n log w) kernels
                call = call.with_("window", 501).without("min_count")
            a = call.get(spec.arrays[0])
            a.reshape(-1)[::997] = np.nan if a.dtype.kind == "f" else a.reshape(-1)[0]
            fastcpp.set_num_threads(1)
            one = call(f)
            for n in (2, 5):
                fastcpp.set_num_threads(n)
                many = call(f)
                assert same(one, many, rtol=1e-12 if spec.reassoc else 0.0), (
                    spec.name,
                    shape,
                    dtype,
                    n,
                )


# ---------------------------------------------------------------------------
# Accumulator
# ---------------------------------------------------------------------------

finite = st.floats(-1e6, 1e6, allow_nan=False)


def acc_of(values) -> fastcpp.Accumulator:
    acc = fastcpp.Accumulator()
    acc.add_many(np.asarray(values, dtype=np.float64))
    return acc


def stats(acc: fastcpp.Accumulator) -> np.ndarray:
    return parts(acc)[0]


def close_stats(x, y) -> bool:
    a, b = stats(x), stats(y)
    if a[0] != b[0] or not same(a[4:6], b[4:6]):  # count, min, max exact
        return False
    scale = max(1.0, float(np.nanmax(np.abs(a[1:4]), initial=0.0)))
    ok = np.isclose(a[1:4], b[1:4], rtol=1e-9, atol=1e-9 * scale, equal_nan=True).all()
    # Skewness/kurtosis are ill-conditioned for near-constant data.
    if a[3] > 1e-6 * max(1.0, a[2] ** 2):
        ok = ok and np.isclose(a[6:], b[6:], rtol=1e-6, atol=1e-6, equal_nan=True).all()
    return bool(ok)


@FEW
@given(
    st.lists(finite, max_size=40),
    st.lists(finite, max_size=40),
    st.lists(finite, max_size=40),
)
def test_merge_associative(xs, ys, zs):
    a, b, c = acc_of(xs), acc_of(ys), acc_of(zs)
    left = (a + b) + c
    right = a + (b + c)
    assert close_stats(left, right)
    assert close_stats(left, acc_of(xs + ys + zs))
    assert left.count == len(xs) + len(ys) + len(zs)


@FEW
@given(st.lists(finite, min_size=1, max_size=200), st.integers(1, 50))
def test_chunking_independent(xs, chunk):
    whole = acc_of(xs)
    parts_acc = fastcpp.Accumulator()
    for i in range(0, len(xs), chunk):
        parts_acc.add_many(xs[i : i + chunk])
    one_by_one = fastcpp.Accumulator()
    for x in xs:
        one_by_one.add(x)
    assert close_stats(whole, parts_acc)
    assert close_stats(whole, one_by_one)


@FEW
@given(st.lists(finite, min_size=2, max_size=60), st.integers(0, 59))
def test_merge_is_commutative_in_statistics(xs, cut):
    cut = min(cut, len(xs))
    a, b = acc_of(xs[:cut]), acc_of(xs[cut:])
    assert close_stats(a + b, b + a)
