"""scale_and_shift, circle_area, gaussian, polar_to_cartesian against NumPy
expressions (reference_geo.py): values, dtypes, broadcasting, out=, errors."""

from __future__ import annotations

import numpy as np
import pytest

import fastcpp
import reference_geo as ref
from conftest import nasty_arrays

SIZES = [0, 1, 7, 1000, 1_000_003]
UNSUPPORTED = [
    np.array([1 + 2j]),
    np.array(["a", "b"]),
    np.array(["2020-01-01"], dtype="datetime64[D]"),
    np.array([object(), object()], dtype=object),
]


def tol(dtype):
    return (
        {"rtol": 2e-7, "atol": 1e-37}
        if dtype == np.float32
        else {"rtol": 1e-13, "atol": 0}
    )


def check(got, want, dtype):
    """Values (NaN where NaN) and the exact output dtype."""
    assert isinstance(got, np.ndarray)
    assert got.dtype == dtype
    assert got.shape == np.shape(want)
    np.testing.assert_allclose(
        got, np.asarray(want).astype(dtype), equal_nan=True, **tol(dtype)
    )


def unary_cases():
    for dtype in (np.float64, np.float32, np.int32, np.int64, np.uint8):
        for name, a in nasty_arrays(dtype):
            yield pytest.param(a, id=f"{np.dtype(dtype).name}-{name}")
    yield pytest.param(np.array([True, False, True]), id="bool")


UNARY = {
    "scale_and_shift": (
        lambda a: fastcpp.scale_and_shift(a, 2.5, -0.75),
        lambda a: ref.scale_and_shift(a, 2.5, -0.75),
    ),
    "circle_area": (fastcpp.circle_area, ref.circle_area),
    "gaussian": (lambda a: fastcpp.gaussian(a, 3.5), lambda a: ref.gaussian(a, 3.5)),
}


@pytest.mark.parametrize("name", list(UNARY))
@pytest.mark.parametrize("a", list(unary_cases()))
def test_unary_nasty_arrays(name, a):
    f, r = UNARY[name]
    check(f(a), r(a), ref.result_dtype(a))


@pytest.mark.parametrize("name", list(UNARY))
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_unary_sizes(name, n, dtype):
    a = (np.random.default_rng(n).standard_normal(n) * 4).astype(dtype)
    f, r = UNARY[name]
    check(f(a), r(a), np.dtype(dtype))


def test_scale_and_shift_matches_numpy_exactly():
    # No FMA contraction: the same two roundings as NumPy's a * scale + shift.
    a = np.random.default_rng(1).standard_normal(10_001)
    np.testing.assert_array_equal(fastcpp.scale_and_shift(a, 0.1, -0.3), a * 0.1 - 0.3)
    np.testing.assert_array_equal(fastcpp.circle_area(a), np.pi * a**2)
    assert fastcpp.scale_and_shift(0.1, 3.0, -0.3) == 0.1 * 3.0 - 0.3


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_nd_and_layouts(name):
    f, r = UNARY[name]
    m = np.random.default_rng(2).standard_normal((6, 5, 4))
    for a in (
        m,
        m.transpose(2, 0, 1),
        m[::2, ::-1, 1:],
        np.asfortranarray(m),
        m[..., 0],
    ):
        check(f(a), r(a), np.dtype(np.float64))


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_scalars_give_python_float(name):
    f, r = UNARY[name]
    for x in (1.5, 2, np.float64(-0.5), np.float32(0.25), np.array(3.0)):
        got = f(x)
        assert type(got) is float
        # np.float32 is not a Python scalar: computed as float32 (as in NumPy).
        dtype = np.float32 if isinstance(x, np.float32) else np.float64
        assert got == pytest.approx(
            float(np.asarray(r(x)).astype(dtype)), rel=tol(dtype)["rtol"]
        )


@pytest.mark.parametrize("name", list(UNARY))
@pytest.mark.parametrize("bad", UNSUPPORTED, ids=lambda a: a.dtype.name)
def test_unary_unsupported_dtype(name, bad):
    f, _ = UNARY[name]
    with pytest.raises(TypeError, match=f"{name}.*dtype"):
        f(bad)


def test_python_lists():
    check(
        fastcpp.circle_area([1, 2, 3]), ref.circle_area([1, 2, 3]), np.dtype(np.float64)
    )
    check(
        fastcpp.scale_and_shift([[1.0, 2.0]], 2),
        np.array([[2.0, 4.0]]),
        np.dtype(np.float64),
    )


# --- out= ---------------------------------------------------------------------


@pytest.mark.parametrize("func", ["scale_and_shift", "gaussian"])
class TestOut:
    def call(self, func, a, out):
        if func == "scale_and_shift":
            return fastcpp.scale_and_shift(a, 2.0, 1.0, out=out)
        return fastcpp.gaussian(a, 1.5, out=out)

    def want(self, func, a):
        return (
            ref.scale_and_shift(a, 2.0, 1.0)
            if func == "scale_and_shift"
            else ref.gaussian(a, 1.5)
        )

    @pytest.mark.parametrize("dtype", [np.float64, np.float32])
    def test_fresh_out(self, func, dtype):
        a = np.linspace(-3, 3, 1001).astype(dtype)
        out = np.empty_like(a)
        res = self.call(func, a, out)
        assert res is out
        check(out, self.want(func, a), np.dtype(dtype))

    @pytest.mark.parametrize("dtype", [np.float64, np.float32])
    @pytest.mark.parametrize("n", [0, 1, 7, 1000, 1_000_003])
    def test_in_place(self, func, dtype, n):
        a = np.random.default_rng(n).standard_normal(n).astype(dtype)
        want = self.want(func, a)
        res = self.call(func, a, a)
        assert res is a
        check(a, want, np.dtype(dtype))

    @pytest.mark.parametrize(
        "view",
        [
            lambda m: m[:, ::3],
            lambda m: m.T,
            lambda m: m[::-1, 1:-1],
            lambda m: m[2],
            lambda m: m[:, 4],
        ],
        ids=["strided", "transposed", "reversed", "row", "column"],
    )
    def test_in_place_views(self, func, view):
        base = np.random.default_rng(3).standard_normal((40, 60))
        keep = base.copy()
        v = view(base)
        want = self.want(func, v.copy())
        assert self.call(func, v, v) is v
        check(v, want, np.dtype(np.float64))
        # Only the view changed.
        mask = np.ones(base.shape, bool)
        view(mask)[...] = False
        np.testing.assert_array_equal(base[mask], keep[mask])

    def test_out_is_other_view_of_same_memory(self, func):
        # Overlapping but not identical: computed aside, still exact.
        base = np.arange(20.0)
        a = base[:10]
        want = self.want(func, a.copy())
        out = base[5:15]
        self.call(func, a, out)
        check(base[5:15], want, np.dtype(np.float64))

    def test_out_wrong_dtype(self, func):
        a = np.arange(5.0)
        out = np.zeros(5, np.float32)
        with pytest.raises(TypeError, match="out must have dtype float64"):
            self.call(func, a, out)
        assert (out == 0).all()
        # An integer array cannot be its own out: float64 result, never a silent copy.
        ints = np.arange(5)
        with pytest.raises(TypeError, match="out"):
            self.call(func, ints, ints)
        np.testing.assert_array_equal(ints, np.arange(5))
        with pytest.raises(TypeError, match=r"out must be a numpy.ndarray"):
            self.call(func, a, [0.0] * 5)

    def test_out_wrong_shape(self, func):
        a = np.arange(6.0)
        out = np.zeros((2, 3))
        with pytest.raises(ValueError, match=r"out has shape \(2, 3\)"):
            self.call(func, a, out)
        assert (out == 0).all()

    def test_out_read_only(self, func):
        a = np.arange(6.0)
        a.flags.writeable = False
        with pytest.raises(ValueError, match="read-only"):
            self.call(func, a, a)
        np.testing.assert_array_equal(a, np.arange(6.0))

    def test_out_byteswapped_rejected(self, func):
        a = np.arange(6.0).astype(">f8")
        with pytest.raises(TypeError, match="out"):
            self.call(func, a, a)
        np.testing.assert_array_equal(a, np.arange(6.0))

    def test_out_with_scalar_input(self, func):
        out = np.zeros(())
        res = self.call(func, 0.5, out)
        assert res is out
        assert out[()] == pytest.approx(float(self.want(func, 0.5)), rel=1e-13)


# --- gaussian ----------------------------------------------------------------


@pytest.mark.parametrize("sigma", [0.0, -1.0, np.inf, -np.inf, np.nan])
def test_gaussian_bad_sigma(sigma):
    a = np.arange(4.0)
    out = np.full(4, 7.0)
    with pytest.raises(ValueError, match=r"sigma \(=.*\) must be finite and > 0"):
        fastcpp.gaussian(a, sigma, out=out)
    assert (out == 7).all()
    with pytest.raises(ValueError, match="sigma"):
        fastcpp.gaussian(np.array([]), sigma)
    with pytest.raises(ValueError, match="sigma"):
        fastcpp.gaussian(1.0, sigma)


def test_gaussian_message_names_value():
    with pytest.raises(ValueError, match=r"sigma \(=-2\)"):
        fastcpp.gaussian([1.0], -2)


def test_gaussian_extremes():
    a = np.array([0.0, 1e-300, 1e3, 1e200, np.inf, -np.inf, np.nan])
    check(fastcpp.gaussian(a, 1.0), ref.gaussian(a, 1.0), np.dtype(np.float64))
    check(fastcpp.gaussian(a, 1e-300), ref.gaussian(a, 1e-300), np.dtype(np.float64))
    check(fastcpp.gaussian(a, 1e150), ref.gaussian(a, 1e150), np.dtype(np.float64))


# --- polar_to_cartesian -------------------------------------------------------


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_polar_sizes(n, dtype):
    rng = np.random.default_rng(n)
    r = rng.uniform(0, 10, n).astype(dtype)
    th = rng.uniform(-50, 50, n).astype(dtype)
    x, y = fastcpp.polar_to_cartesian(r, th)
    wx, wy = ref.polar_to_cartesian(r, th)
    check(x, wx, np.dtype(dtype))
    check(y, wy, np.dtype(dtype))


@pytest.mark.parametrize(
    ("rs", "ts"),
    [
        ((3, 1), (4,)),
        ((), (5,)),
        ((5,), ()),
        ((2, 1, 3), (4, 1)),
        ((0,), (1,)),
        ((3, 4), (3, 4)),
    ],
)
def test_polar_broadcasting(rs, ts):
    rng = np.random.default_rng(4)
    r = rng.uniform(0, 3, rs)
    th = rng.uniform(-4, 4, ts)
    x, y = fastcpp.polar_to_cartesian(r, th)
    wx, wy = ref.polar_to_cartesian(r, th)
    check(x, wx, np.dtype(np.float64))
    check(y, wy, np.dtype(np.float64))


def test_polar_layouts_and_specials():
    m = np.random.default_rng(5).uniform(-10, 10, (30, 40))
    for r, th in ((m.T, m.T[::-1]), (m[::2, ::3], m[1::2, ::3]), (m[:, 0], m[0, :30])):
        x, y = fastcpp.polar_to_cartesian(r, th)
        wx, wy = ref.polar_to_cartesian(r, th)
        check(x, wx, np.dtype(np.float64))
        check(y, wy, np.dtype(np.float64))
    r = np.array([1.0, np.nan, 1.0, np.inf, 0.0, 2.0])
    th = np.array([np.inf, 0.0, np.nan, 0.0, 1.0, np.pi])
    x, y = fastcpp.polar_to_cartesian(r, th)
    wx, wy = ref.polar_to_cartesian(r, th)
    check(x, wx, np.dtype(np.float64))
    check(y, wy, np.dtype(np.float64))


def ulps(got, want):
    """Distance in units in the last place (0 where both are NaN)."""
    g = np.asarray(got, np.float64).view(np.int64)
    w = np.asarray(want, np.float64).view(np.int64)
    # Map the sign-magnitude bit patterns to a monotonic integer line.
    g = np.where(g < 0, np.int64(-(2**63)) - g, g)
    w = np.where(w < 0, np.int64(-(2**63)) - w, w)
    d = np.abs(g - w).astype(np.float64)
    d[np.isnan(got) & np.isnan(want)] = 0
    return d


def test_polar_within_2_ulp_of_numpy():
    # Inline sin/cos (detail/vmath.hpp): <= 2 ulp from NumPy's libm, on random
    # angles, huge ones (scalar libm beyond 1e5), multiples of pi/2 and pi/4
    # (cancellation in the reduction), zeros, subnormals, inf and NaN.
    g = np.random.default_rng(11)
    edges = np.concatenate(
        [
            np.arange(-2000, 2000) * (np.pi / 2),
            np.nextafter(np.arange(-200, 200) * (np.pi / 4), np.inf),
            [0.0, -0.0, 1e-300, 5e-324, 1e5, -1e5, 1.00001e5, 1e10, 1e300],
            [np.inf, -np.inf, np.nan],
        ]
    )
    for th in (g.uniform(-np.pi, np.pi, 100_000), g.uniform(-1e5, 1e5, 100_000), edges):
        with np.errstate(invalid="ignore"):
            wx, wy = np.cos(th), np.sin(th)
        x, y = fastcpp.polar_to_cartesian(np.ones_like(th), th)
        assert ulps(x, wx).max() <= 2
        assert ulps(y, wy).max() <= 2


def test_polar_equal_inputs_give_equal_bits_in_every_layout():
    th = np.random.default_rng(12).uniform(-50, 50, 1001)
    th[::7] = np.inf
    r = np.linspace(0.5, 3, th.size)
    x, y = fastcpp.polar_to_cartesian(r, th)
    for view in (slice(None, None, 3), slice(5, None, 2), slice(None, None, -1)):
        xs, ys = fastcpp.polar_to_cartesian(r[view], th[view])
        np.testing.assert_array_equal(xs, x[view])
        np.testing.assert_array_equal(ys, y[view])
    xb, yb = fastcpp.polar_to_cartesian(r[:, None], th[:, None])  # column: strided
    np.testing.assert_array_equal(xb[:, 0], x)
    np.testing.assert_array_equal(yb[:, 0], y)


def test_polar_dtypes_and_scalars():
    r32 = np.ones(3, np.float32)
    x, y = fastcpp.polar_to_cartesian(r32, 0.5)  # Python scalar does not promote
    assert x.dtype == y.dtype == np.float32
    x, y = fastcpp.polar_to_cartesian(r32, np.ones(3))
    assert x.dtype == np.float64
    x, y = fastcpp.polar_to_cartesian([1, 2], np.array([0, 1], np.int8))
    assert x.dtype == np.float64
    res = fastcpp.polar_to_cartesian(2.0, np.pi / 3)
    assert isinstance(res, tuple)
    assert all(type(v) is float for v in res)
    assert res[0] == pytest.approx(2 * np.cos(np.pi / 3), rel=1e-15)
    assert res[1] == pytest.approx(2 * np.sin(np.pi / 3), rel=1e-15)


def test_polar_errors():
    with pytest.raises(ValueError, match="cannot be broadcast"):
        fastcpp.polar_to_cartesian(np.ones(3), np.ones(4))
    with pytest.raises(TypeError, match=r"polar_to_cartesian.*theta.*complex"):
        fastcpp.polar_to_cartesian(np.ones(3), np.ones(3, complex))


def test_threads_give_identical_results():
    a = np.random.default_rng(6).standard_normal(300_001)
    before = fastcpp.get_num_threads()
    try:
        fastcpp.set_num_threads(1)
        one = [fastcpp.gaussian(a, 2.0), *fastcpp.polar_to_cartesian(a, a)]
        fastcpp.set_num_threads(4)
        many = [fastcpp.gaussian(a, 2.0), *fastcpp.polar_to_cartesian(a, a)]
    finally:
        fastcpp.set_num_threads(before)
    for u, v in zip(one, many):
        np.testing.assert_array_equal(u, v)


@pytest.mark.parametrize("n", [*range(1, 20), 511, 512, 513, 4099])
@pytest.mark.parametrize("offset", [0, 1, 3])
def test_equal_inputs_give_equal_outputs(n, offset):
    # Every element takes the same vector-math path (no scalar tail), so
    # equal inputs give bit-equal outputs wherever they sit in the array.
    v = np.full(n + offset, 0.7)[offset:]
    for res in (fastcpp.gaussian(v, 0.3), *fastcpp.polar_to_cartesian(1.5, v)):
        assert np.unique(res).size == 1


@pytest.mark.parametrize("sigma", [1.0, 0.01, 1e-4])
def test_gaussian_underflow(sigma):
    # Arguments below -708 leave libmvec's fast path: masked out, exact zeros
    # below -746, scalar exp for the subnormal band in between.
    a = np.sqrt(np.linspace(1380, 1520, 20_001)) * sigma
    a[::7] *= -1
    want = ref.gaussian(a, sigma)
    got = fastcpp.gaussian(a, sigma)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-300)
    assert (got[want == 0] == 0).all()
    mixed = np.concatenate(
        [a, np.random.default_rng(0).standard_normal(1000) * sigma, [np.nan]]
    )
    np.testing.assert_allclose(
        fastcpp.gaussian(mixed, sigma),
        ref.gaussian(mixed, sigma),
        rtol=1e-13,
        atol=1e-300,
    )


def test_broadcast_shape_beyond_an_index_is_a_value_error():
    # two free broadcast_to views whose broadcast has 2**80 elements: the count
    # must not overflow (ValueError naming the shape, not a crash or MemoryError)
    a = np.broadcast_to(0.0, (2**40, 1))
    b = np.broadcast_to(0.0, (1, 2**40))
    with pytest.raises(
        ValueError, match=r"haversine: broadcast shape \(1099511627776, 1099511627776\)"
    ):
        fastcpp.haversine(a, b, 0.0, 0.0)
    with pytest.raises(ValueError, match="polar_to_cartesian: broadcast shape"):
        fastcpp.polar_to_cartesian(a, b)
