"""sum / dot / norm / sum_of_squares against exact references (math.fsum, Fraction)."""

from __future__ import annotations

import math
import struct
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fastcpp
from reference import fsum

# ---------------------------------------------------------------- sum: exact


def exact_sum(values) -> float:
    """The correctly rounded exact sum, also where math.fsum overflows: fsum
    when it can, else the Fraction sum rounded by Python's own correctly
    rounded int / int division (±inf beyond the double range)."""
    values = [float(v) for v in values]
    if any(math.isnan(v) for v in values) or (
        math.inf in values and -math.inf in values
    ):
        return math.nan
    if math.inf in values or -math.inf in values:
        return math.inf if math.inf in values else -math.inf
    try:
        return math.fsum(values)
    except OverflowError:
        total = sum((Fraction(v) for v in values), Fraction(0))
        try:
            return float(total)
        except OverflowError:
            return math.inf if total > 0 else -math.inf


def same_double(got: float, want: float) -> bool:
    """Bit-for-bit equality (NaN equal to NaN)."""
    return struct.pack("<d", got) == struct.pack("<d", want)


def assert_exact(a) -> None:
    a = np.asarray(a)
    want = exact_sum(a.astype(np.float64).ravel().tolist())
    got = fastcpp.sum(a)
    assert type(got) is float
    assert same_double(got, want), (got, want)


@pytest.mark.parametrize("n", [0, 1, 7, 1000, 1_000_003])
def test_sum_matches_fsum(n, float_dtype):
    x = np.random.default_rng(n).standard_normal(n).astype(float_dtype) * 1e3
    assert_exact(x)


def test_sum_examples():
    assert fastcpp.sum([1e16, 1.0, -1e16]) == 1.0
    assert fastcpp.sum([1e308, 1e308, -1e308, -1e308, 1.0]) == 1.0
    assert fastcpp.sum([1e308, 1e308]) == math.inf  # the exact sum is beyond range
    assert fastcpp.sum([-1e308, -1e308, 1e300]) == -math.inf
    assert fastcpp.sum([1.0, 2.0**-53]) == 1.0  # a tie: to even
    assert fastcpp.sum([1.0, 2.0**-53, 2.0**-106]) == 1.0 + 2.0**-52  # above the tie
    assert fastcpp.sum([5e-324, 5e-324]) == 1e-323
    assert fastcpp.sum([]) == 0.0
    assert same_double(fastcpp.sum([-0.0, -0.0]), math.fsum([-0.0, -0.0]))
    assert_exact(np.tile([1e10, 0.1, -1e10], 100_000))


def test_sum_specials_as_fsum():
    assert math.isnan(fastcpp.sum([1.0, np.nan]))
    assert math.isnan(fastcpp.sum([np.inf, -np.inf, 1.0]))
    assert math.isnan(fastcpp.sum([np.inf, np.nan]))
    assert fastcpp.sum([1.0, np.inf, 1e308, 1e308]) == np.inf
    assert fastcpp.sum([-np.inf, 1.0]) == -np.inf
    big = np.zeros(1_000_000)
    big[[10, 999_990]] = [np.inf, -np.inf]
    assert math.isnan(fastcpp.sum(big))


def pairs_with_units(rng, n_pairs: int, lo: float = -30, hi: float = 30):
    """±pairs spanning 10**lo ... 10**hi plus a few unit values, shuffled:
    the result is tiny beside every partial sum."""
    v = 10.0 ** rng.uniform(lo, hi, n_pairs)
    units = rng.integers(-3, 4, 5).astype(float)
    x = np.concatenate([v, -v, units])
    rng.shuffle(x)
    return x


def test_sum_adversarial_pairs():
    rng = np.random.default_rng(11)
    for _ in range(200):
        assert_exact(pairs_with_units(rng, int(rng.integers(1, 400))))
    assert_exact(pairs_with_units(rng, 600_000))  # threaded, superaccumulator


def test_sum_independent_of_thread_count():
    rng = np.random.default_rng(5)
    arrays = [
        pairs_with_units(rng, 700_000),
        rng.standard_normal(2_000_001),
        rng.random(1_500_000).astype(np.float32),
    ]
    before = fastcpp.get_num_threads()
    try:
        results = []
        for threads in (1, 2, 3, 8):
            fastcpp.set_num_threads(threads)
            results.append([struct.pack("<d", fastcpp.sum(a)) for a in arrays])
    finally:
        fastcpp.set_num_threads(before)
    assert all(r == results[0] for r in results)
    for a in arrays:
        assert_exact(a)


def test_sum_layouts_exact():
    rng = np.random.default_rng(3)
    a = pairs_with_units(rng, 50_000).reshape(-1, 5)  # 100005 = 20001 x 5
    assert_exact(a)  # N-D, flattened
    assert_exact(a.T)  # non-contiguous
    assert_exact(a[::3, 1:4])
    assert_exact(a.ravel()[::-7])
    assert_exact(a.astype(a.dtype.newbyteorder()))
    assert_exact(a.astype(np.float32)[::2])


finite64 = st.floats(allow_nan=False, allow_infinity=False, width=64)
finite32 = st.floats(allow_nan=False, allow_infinity=False, width=32)
subnormal = st.floats(min_value=-2.3e-308, max_value=2.3e-308, allow_subnormal=True)
scaled = st.builds(
    math.ldexp, st.floats(min_value=-1.0, max_value=1.0), st.integers(-1074, 1023)
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(finite64, subnormal, scaled), max_size=70))
def test_sum_property_random_exponents(values):
    assert_exact(np.array(values, dtype=np.float64))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.one_of(finite64, scaled), min_size=1, max_size=40),
    st.lists(st.floats(min_value=-4, max_value=4, allow_nan=False), max_size=4),
    st.randoms(use_true_random=False),
)
def test_sum_property_cancellation(values, extra, rnd):
    x = values + [-v for v in values] + extra
    rnd.shuffle(x)
    assert_exact(np.array(x))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from([1e308, -1e308, 1.7e308, -1.7e308, 1.0, 2.0**-1074]),
        max_size=30,
    )
)
def test_sum_property_overflowing_intermediates(values):
    assert_exact(np.array(values, dtype=np.float64))


@settings(max_examples=200, deadline=None)
@given(st.lists(finite32, max_size=70), st.integers(1, 3))
def test_sum_property_float32_strided(values, step):
    assert_exact(np.array(values, dtype=np.float32)[::step])


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 300_000), st.integers(0, 60))
def test_sum_property_long_arrays(seed, n, spread):
    """Long enough for the vector lanes, blocks and threads; exponents spread
    over 10**±spread, half of the values cancelled by their mirror image for
    odd seeds, so both tiers run."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n) * 10.0 ** rng.uniform(-spread, spread, n)
    if seed % 2:
        h = n // 2
        x[:h] = -x[h : 2 * h][::-1]
    assert_exact(x)


@pytest.mark.parametrize("n", [5_000, 70_000])
def test_sum_blocks_of_changing_magnitude(n):
    """Tier 1 anchors each block of values to a power of two above its
    largest: magnitudes that grow or shrink along the array, a lone spike
    among tiny values, and values too large to anchor (tier 2) all stay
    exact."""
    rng = np.random.default_rng(n)
    signs = rng.choice([-1.0, 1.0], n)
    assert_exact(np.exp(np.linspace(-300, 300, n)) * signs)  # growing
    assert_exact(np.exp(np.linspace(300, -300, n)) * signs)  # shrinking
    x = rng.standard_normal(n) * 1e-300
    x[n // 3] = 1e300
    assert_exact(x)
    x = rng.standard_normal(n)
    x[n // 2] = 1.5e308  # no anchor above it: tier 2
    assert_exact(x)
    assert_exact(rng.standard_normal(n).astype(np.float32))


def test_sum_integers_are_exact_python_ints():
    assert fastcpp.sum([1, 2, 3]) == 6
    assert type(fastcpp.sum([1, 2, 3])) is int
    assert fastcpp.sum([2**70, 1]) == 2**70 + 1
    big = np.full(10, np.iinfo(np.int64).max)
    assert fastcpp.sum(big) == 10 * int(np.iinfo(np.int64).max)  # numpy overflows
    u = np.full(3, np.iinfo(np.uint64).max, dtype=np.uint64)
    assert fastcpp.sum(u) == 3 * int(np.iinfo(np.uint64).max)
    assert fastcpp.sum(np.array([True, False, True])) == 2
    assert fastcpp.sum(np.arange(12, dtype=np.int8).reshape(3, 4).T) == 66


@pytest.mark.parametrize(
    "layout",
    [
        lambda a: a[::2],
        lambda a: a.reshape(10, 100).T,
        lambda a: a[::-1],
        lambda a: a.astype(a.dtype.newbyteorder()),
    ],
    ids=["strided", "transposed", "reversed", "byteswapped"],
)
def test_layouts(layout):
    a = layout(np.random.default_rng(2).standard_normal(1000))
    assert fastcpp.sum(a) == pytest.approx(fsum(a), rel=1e-14)
    assert fastcpp.norm(a) == pytest.approx(np.linalg.norm(a.ravel()), rel=1e-14)
    assert fastcpp.dot(a, a) == pytest.approx(np.dot(a.ravel(), a.ravel()), rel=1e-13)


@pytest.mark.parametrize("n", [0, 1, 7, 1000, 1_000_003])
def test_dot_and_norm(n, float_dtype):
    rng = np.random.default_rng(n)
    a, b = (rng.standard_normal((2, n)) * 10).astype(float_dtype)
    ref = math.fsum((a.astype(float) * b.astype(float)).tolist())
    assert fastcpp.dot(a, b) == pytest.approx(ref, rel=1e-10, abs=1e-9)
    assert fastcpp.norm(a) == pytest.approx(np.linalg.norm(a.astype(float)), rel=1e-13)


def exact_norm(values) -> float:
    """sqrt of the exact sum of squares (Fractions), to within one rounding
    of the square root of a correctly rounded value: exact up to 1 ulp."""
    ss = sum((Fraction(float(v)) ** 2 for v in values), Fraction(0))
    if ss == 0:
        return 0.0
    # Scale by an even power of two so the float conversion neither over-
    # nor underflows, take the root, scale back (exact).
    e = (ss.numerator.bit_length() - ss.denominator.bit_length()) // 2
    try:
        return math.ldexp(math.sqrt(float(ss / Fraction(2) ** (2 * e))), e)
    except OverflowError:
        return math.inf


def test_norm_no_overflow_or_underflow():
    assert fastcpp.norm([1e200, 1e200]) == pytest.approx(
        math.sqrt(2) * 1e200, rel=1e-15
    )
    assert fastcpp.norm([3e-200, 4e-200]) == pytest.approx(5e-200, rel=1e-15)
    assert fastcpp.norm([3e-320, 4e-320]) == 5e-320  # subnormal in and out
    assert fastcpp.norm([3e300, 4e300]) == 5e300
    assert fastcpp.norm([1e300, 1.0, 1e-300]) == 1e300
    assert fastcpp.norm([np.inf, 1.0]) == np.inf
    assert math.isnan(fastcpp.norm([np.nan, 1.0]))
    assert math.isnan(fastcpp.norm([np.inf, np.nan]))
    assert math.isnan(fastcpp.norm([1e300, np.nan, 1e-300]))
    assert fastcpp.norm([]) == 0.0


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(finite64, subnormal, scaled), min_size=1, max_size=60),
    st.integers(1, 3),
)
def test_norm_property_exact_reference(values, step):
    a = np.array(values)[::step]
    want = exact_norm(a.tolist())
    got = fastcpp.norm(a)
    if want == 0:
        assert got == 0
    elif want < 2.3e-308:  # subnormal result: an absolute error of an ulp or two
        assert abs(got - want) <= 2 * 5e-324 + 4e-16 * want
    else:
        assert got == pytest.approx(want, rel=4e-16 * (1 + math.log2(len(a))), abs=0)


@pytest.mark.parametrize("scale", [1e-310, 1e-200, 1.0, 1e200, 1e300])
def test_norm_long_scaled(scale):
    x = np.random.default_rng(1).standard_normal(30_001) * scale
    assert fastcpp.norm(x) == pytest.approx(exact_norm(x.tolist()), rel=1e-13)


@pytest.mark.parametrize("pos", [0, 4097, 9_000 - 3])
def test_norm_long_one_outlier(pos):
    """Blocks of a long input (read in lockstep streams) whose values are not
    all safe to square take Blue's path; the others stay on the fast one."""
    rng = np.random.default_rng(pos)
    n = 9_000
    cases = [
        (np.zeros(n), 3e-320),  # zeros and one subnormal
        (rng.standard_normal(n) * 1e-160, 0.0),  # every square subnormal
        (rng.standard_normal(n) * 1e-160, 1.0),  # and one normal value
        (rng.standard_normal(n), 1e-300),  # one tiny value among normal ones
        (rng.standard_normal(n), 1e300),  # one huge value
        (np.full(n, 1e150), 1.0),  # every square above Blue's big threshold
        (rng.standard_normal(n) * 2.0**480, 0.0),  # just below it: fast path
    ]
    for x, v in cases:
        x[pos] = v
        # NumPy on x scaled by a power of two near its largest value: exact
        # scaling, so only NumPy's own rounding (and negligible underflow).
        scale = 2.0 ** math.frexp(np.max(np.abs(x)))[1]
        want = float(np.linalg.norm(x / scale)) * scale
        assert fastcpp.norm(x) == pytest.approx(want, rel=1e-13)
    for bad, want in [(np.inf, np.inf), (-np.inf, np.inf), (np.nan, np.nan)]:
        x = rng.standard_normal(n)
        x[pos] = bad
        got = fastcpp.norm(x)
        assert got == want or (math.isnan(got) and math.isnan(want))


def test_dot_and_norm_past_l2(float_dtype):
    """Inputs of more than 4 MB are read with prefetching: same results."""
    rng = np.random.default_rng(5)
    n = 1_100_000 if float_dtype == np.float32 else 600_000
    x, y = rng.standard_normal((2, n)).astype(float_dtype)
    x64, y64 = x.astype(float), y.astype(float)
    ref = math.fsum((x64 * y64).tolist())
    assert fastcpp.dot(x, y) == pytest.approx(ref, rel=1e-10, abs=1e-9)
    assert fastcpp.norm(x) == pytest.approx(np.linalg.norm(x64), rel=1e-13)


@pytest.mark.parametrize("pos", [0, 321_123, 599_999])
def test_norm_past_l2_one_outlier(pos):
    """A block with one unsafe value in a prefetched input takes Blue's path."""
    x = np.random.default_rng(pos).standard_normal(600_000)
    x[pos] = 1e300
    assert fastcpp.norm(x) == pytest.approx(1e300, rel=1e-13)
    x[pos] = 1e-300
    assert fastcpp.norm(x) == pytest.approx(np.linalg.norm(x), rel=1e-13)
    x[pos] = np.nan
    assert math.isnan(fastcpp.norm(x))


def test_dot_error_bound():
    """Blocked summation: |dot - exact| <= u |exact| + (16 + 2) u sum|a b|
    whatever n, where a plain loop's bound grows with n."""
    assert fastcpp.dot([1e16, 1.0, -1e16], [1.0, 1.0, 1.0]) == 1.0
    rng = np.random.default_rng(9)
    for n, spread in [(7, 0), (1000, 4), (20_001, 8), (20_001, 0)]:
        a = rng.standard_normal(n) * 10.0 ** rng.uniform(-spread, spread, n)
        b = rng.standard_normal(n)
        prods = [Fraction(p) * Fraction(q) for p, q in zip(a.tolist(), b.tolist())]
        exact = float(sum(prods, Fraction(0)))
        bound = 2.0**-53 * abs(exact) + 18 * 2.0**-53 * float(
            sum(abs(p) for p in prods)
        )
        assert abs(fastcpp.dot(a, b) - exact) <= bound
    # 10**6 values of 0.1: the plain float64 sum drifts by ~1e-10 relative.
    x = np.full(1_000_000, 0.1)
    exact = float(Fraction(0.1) * 1_000_000)
    assert abs(fastcpp.dot(x, np.ones_like(x)) - exact) <= 1e-14 * exact


def test_nan_inf_propagate():
    assert math.isnan(fastcpp.sum([1.0, np.nan]))
    assert fastcpp.sum([1.0, np.inf]) == np.inf
    assert math.isnan(fastcpp.sum([np.inf, -np.inf]))
    assert math.isnan(fastcpp.dot([np.nan], [1.0]))


def test_sum_of_squares_exact():
    for n in (0, 1, 2, 10, 12345):
        assert fastcpp.sum_of_squares(n) == sum(i * i for i in range(n))
    # The seed printed a wrong value for 10**8; this is the true sum.
    assert fastcpp.sum_of_squares(10**8) == 333333328333333350000000
    assert fastcpp.sum_of_squares(np.int64(4)) == 14
    with pytest.raises(ValueError, match=r"n \(=-1\) must be >= 0"):
        fastcpp.sum_of_squares(-1)
    # Beyond the core's 128-bit result: still exact (Python ints).
    for n in (2**43, 2**64, 2**200, 10**1000):
        assert fastcpp.sum_of_squares(n) == (n - 1) * n * (2 * n - 1) // 6
    with pytest.raises(TypeError, match="n must be an integer"):
        fastcpp.sum_of_squares(2.5)


@pytest.mark.parametrize("func", [fastcpp.sum, fastcpp.norm])
@pytest.mark.parametrize(
    "bad",
    [
        np.zeros(3, complex),
        np.array(["a", "b"]),
        np.zeros(2, "M8[s]"),
    ],
    ids=["complex", "str", "datetime"],
)
def test_bad_dtypes(func, bad):
    with pytest.raises(TypeError, match=f"{func.__name__}: a has unsupported dtype"):
        func(bad)


def test_dot_errors():
    match = r"dot: lengths of a \(=2\) and b \(=3\) must match"
    with pytest.raises(ValueError, match=match):
        fastcpp.dot([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="dot: b has unsupported dtype complex128"):
        fastcpp.dot([1.0], np.array([1j]))
    with pytest.raises(TypeError, match="dot: a must be array-like"):
        fastcpp.dot([[1.0], [1.0, 2.0]], [1.0])


def test_threads_settings():
    before = fastcpp.get_num_threads()
    try:
        fastcpp.set_num_threads(2)
        assert fastcpp.get_num_threads() == 2
        with pytest.raises(ValueError, match=r"n \(=0\) must be between 1 and 4096"):
            fastcpp.set_num_threads(0)
    finally:
        fastcpp.set_num_threads(before)


def test_env_thread_count(tmp_path):
    import os
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", "import fastcpp; print(fastcpp.get_num_threads())"],
        env={**os.environ, "FASTCPP_NUM_THREADS": "3"},
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    assert out.stdout.strip() == "3"


def test_info_command(tmp_path):
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "fastcpp", "info"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    assert "simd level" in out.stdout
    assert "threads" in out.stdout


def test_cmake_dir_and_include_exist():
    import os

    if not os.path.isdir(fastcpp.get_include()):
        pytest.skip("development build: headers ship only in the wheel")
    assert os.path.isfile(os.path.join(fastcpp.get_include(), "fastcpp", "fastcpp.hpp"))
    assert os.path.isfile(os.path.join(fastcpp.get_cmake_dir(), "fastcppConfig.cmake"))
