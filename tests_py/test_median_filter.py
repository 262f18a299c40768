"""median_filter: exact equality with scipy.ndimage.median_filter over dtypes,
sizes, modes, shapes and layouts; NaN order; cval conversion; errors."""

from __future__ import annotations

import itertools
import platform
import threading

import numpy as np
import pytest

import fastcpp
from reference_median_filter import (
    _from_keys,
    _keys,
    assert_same_floats,
    median_filter_ref,
    median_filter_weighted_ref,
    nan_image,
    nan_omit_median_ref,
    stable_rng,
)

ndi = pytest.importorskip("scipy.ndimage")
SCIPY_VERSION = tuple(
    int(v) for v in pytest.importorskip("scipy").__version__.split(".")[:2]
)

MODES = ["reflect", "nearest", "mirror", "constant", "wrap"]
INT_DTYPES = [
    np.int8,
    np.uint8,
    np.int16,
    np.uint16,
    np.int32,
    np.uint32,
    np.int64,
    np.uint64,
]
DTYPES = [*INT_DTYPES, np.bool_, np.float32, np.float64]
SIZES = [1, 2, 3, 4, 5, 9, (3, 7), (1, 5), (2, 1), (20, 3), (40, 40)]
SHAPES = [(1, 1), (1, 23), (19, 1), (17, 31)]


def random_image(shape, dtype, rng, levels=None):
    """Values spread over the dtype (64-bit ints within +-2**53, where scipy's
    float64 buffer is exact); `levels` limits them to a few distinct values."""
    dt = np.dtype(dtype)
    if dt == np.bool_:
        return rng.random(shape) < 0.5
    if dt.kind == "f":
        a = rng.standard_normal(shape) * 100
        if levels:
            a = np.round(a / 100 * levels)
        a = a.astype(dt)
        if a.size > 4:
            a.flat[[1, -2]] = [np.inf, -np.inf]
        return a
    info = np.iinfo(dt)
    lo, hi = max(info.min, -(2**53)), min(info.max, 2**53)
    if levels:
        lo, hi = max(lo, -levels), min(hi, levels)
    return rng.integers(lo, hi, shape, dtype=dt, endpoint=True)


def scipy_bug(shape, size, mode):
    """scipy's rank filter indexes out of bounds for 'reflect' when the window
    reaches 4 periods past the border (cc == -4n in NI_InitFilterOffsets)."""
    sizes = (size, size) if np.ndim(size) == 0 else size
    return mode == "reflect" and any(
        n > 1 and s // 2 >= 4 * n for n, s in zip(shape, sizes)
    )


def check(a, size, mode="reflect", cval=0):
    got = fastcpp.median_filter(a, size, mode=mode, cval=cval)
    assert got.dtype == np.asarray(a).dtype
    assert got.shape == np.asarray(a).shape
    if scipy_bug(np.shape(a), size, mode):
        want = median_filter_ref(a, size, mode, cval)
    else:
        want = ndi.median_filter(a, size=size, mode=mode, cval=cval)
    np.testing.assert_array_equal(got, want, err_msg=f"size={size} mode={mode}")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_matches_scipy(dtype, mode):
    rng = stable_rng(np.dtype(dtype).name, mode)
    for shape in SHAPES:
        for size in SIZES:
            check(random_image(shape, dtype, rng), size, mode, cval=1)
            check(random_image(shape, dtype, rng, levels=2), size, mode)


@pytest.mark.parametrize(
    "dtype", [np.uint8, np.int16, np.float32, np.float64, np.int64]
)
def test_large_windows_all_paths(dtype):
    """Windows past the sorting networks: radix selection, histograms, ranks."""
    rng = np.random.default_rng(7)
    a = random_image((60, 90), dtype, rng)
    for size in [(6, 6), (7, 8), (11, 11), (3, 25), (25, 3), (15, 15), (17, 17)]:
        for mode in ["reflect", "constant", "wrap"]:
            check(a, size, mode, cval=3)


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.float32, np.int32, np.uint32])
def test_large_square_boxes(dtype):
    """Square boxes 10 ... 25 (8- and 32-bit keys: the interpreted separable
    networks, R rows per pass): every side, pass remainders (rows not a
    multiple of R), blocks past the last column, tiles of 1024 columns,
    images smaller than the box, few distinct values, +-inf."""
    rng = stable_rng(dtype, "large_square_boxes")
    a = random_image((37, 70), dtype, rng)
    ties = random_image((29, 45), dtype, rng, levels=2)
    for size in range(10, 26):
        check(a, size, MODES[size % len(MODES)], cval=3)
        check(ties, size, MODES[(size + 2) % len(MODES)], cval=1)
    wide = random_image((23, 1100), dtype, rng)
    small = random_image((7, 12), dtype, rng)
    for size, mode in [(10, "reflect"), (17, "constant"), (25, "wrap")]:
        check(wide, size, mode, cval=2)
        check(small, size, mode, cval=2)
        check(a[:, ::-3], size, "mirror")  # strided, reversed columns


@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_large_square_boxes_column_groups(dtype):
    """The large boxes' lanes are groups of four (or two) output columns:
    every width modulo 4, widths one below and above whole blocks of groups
    (16-, 32- and 64-byte vectors), tiles past 1024 columns."""
    rng = stable_rng(dtype, "large_square_boxes_column_pairs")
    widths = [1, 2, 3, 4, 5, 6, 7, 33, 63, 64, 65, 66, 127, 129, 130, 255, 257, 258]
    for cols in [*widths, 511, 513, 514, 1025, 1031]:
        a = random_image((12, cols), dtype, rng)
        for size in [10, 11, 14]:
            check(a, size, MODES[(cols + size) % len(MODES)], cval=4)


@pytest.mark.parametrize("size", range(10, 26))
def test_large_square_boxes_column_groups_every_size(size):
    """Groups of four columns need three vectors of groups per tile: 520
    columns reach them for 8- and 32-bit keys at every vector width, so each
    size's pruned network is checked on this machine's widest path too."""
    dtype = (np.uint8, np.float32)[size % 2]
    rng = stable_rng(dtype, f"large_square_boxes_groups_{size}")
    check(
        random_image((size + 3, 520), dtype, rng),
        size,
        MODES[size % len(MODES)],
        cval=5,
    )


@pytest.mark.parametrize("size", [16, 20, 22, 25])
def test_large_square_boxes_uint8_tiles_of_two_wide_vectors(size):
    """uint8 tiles of 257...512 columns hold two 64-byte vectors of groups of
    four: x86-64-v4 runs them on 32-byte vectors, the larger sizes in blocks
    of two vectors (the other tests on those widths use sizes 10...14)."""
    rng = stable_rng(np.uint8, f"large_square_boxes_two_wide_{size}")
    for cols in [257, 300, 511]:
        check(
            random_image((size + 3, cols), np.uint8, rng),
            size,
            MODES[size % len(MODES)],
            cval=6,
        )


def test_large_square_boxes_nan_and_rank():
    """NaN sorts last in the large boxes; other ranks of the same boxes take
    the general paths."""
    rng = stable_rng(np.float32, "large_square_boxes_nan")
    b = random_image((33, 41), np.float32, rng)
    a = b.copy()
    a[rng.random(a.shape) < 0.2] = np.nan
    for size in [10, 13, 24]:
        got = fastcpp.median_filter(a, size, mode="nearest")
        want = median_filter_ref(a, size, "nearest", 0)
        assert_same_floats(got, want)
        for rank in [0, size * size // 2 - 1, -1]:
            assert_same_floats(
                fastcpp.rank_filter(b, rank, size, mode="reflect"),
                ndi.rank_filter(b, rank, size=size, mode="reflect"),
            )
        assert_same_floats(
            fastcpp.percentile_filter(b, 50, size, mode="wrap"),
            ndi.percentile_filter(b, 50, size=size, mode="wrap"),
        )


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32, np.int64])
def test_window_beyond_16_bit_ranks(dtype):
    """More than 65536 window elements: the nth_element / wide-count paths."""
    rng = np.random.default_rng(8)
    a = random_image((4, 5), dtype, rng)
    for mode in ["nearest", "constant"]:
        check(a, (260, 260), mode, cval=1)


@pytest.mark.parametrize(
    ("dtype", "size", "mode"),
    [(np.uint8, 9, "nearest"), (np.float32, 5, "reflect"), (np.int32, 3, "mirror")],
)
def test_512x512(dtype, size, mode):
    rng = np.random.default_rng(3)
    check(random_image((512, 512), dtype, rng), size, mode)


@pytest.mark.parametrize("dtype", [np.uint8, np.int32, np.float64, np.bool_])
def test_layouts(dtype):
    """Strided, transposed, Fortran-ordered, negative-stride, byte-swapped input."""
    rng = np.random.default_rng(5)
    base = random_image((40, 46), dtype, rng)
    views = {
        "strided": base[::2, ::3],
        "transposed": base.T,
        "fortran": np.asfortranarray(base),
        "reversed": base[::-1, ::-2],
        "byteswapped": base.astype(base.dtype.newbyteorder()),
        "list": base[:5, :6].tolist(),
    }
    for name, v in views.items():
        for size, mode in [(3, "reflect"), ((2, 5), "constant"), (7, "wrap")]:
            got = fastcpp.median_filter(v, size, mode=mode)
            want = ndi.median_filter(np.asarray(v), size=size, mode=mode)
            assert got.dtype == (np.asarray(v).dtype if name == "list" else dtype), name
            np.testing.assert_array_equal(got, want, err_msg=name)


@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.int64])
def test_constant_and_ties(dtype):
    a = np.full((13, 17), 5, dtype=dtype)
    for mode in MODES:
        np.testing.assert_array_equal(fastcpp.median_filter(a, 4, mode=mode, cval=5), a)
        check(a, 5, mode, cval=2)
    stripes = (np.arange(13 * 17).reshape(13, 17) % 3).astype(dtype)
    for mode in MODES:
        check(stripes, (3, 4), mode)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mode", MODES)
def test_nan_sorts_last(dtype, mode):
    """NaN above +inf (NumPy sort order), checked against np.sort of windows."""
    rng = np.random.default_rng(11)
    a = random_image((21, 26), dtype, rng)
    a[rng.random(a.shape) < 0.3] = np.nan
    a[3:9, 4:12] = np.nan
    for size in [2, 3, 5, (1, 4), (9, 9), (13, 4)]:
        got = fastcpp.median_filter(a, size, mode=mode, cval=np.nan)
        want = median_filter_ref(a, size, mode, np.nan)
        np.testing.assert_array_equal(got, want, err_msg=f"size={size}")


@pytest.mark.parametrize("trouble", [None, -1.5, -0.0, np.nan, -np.inf, np.inf])
@pytest.mark.parametrize("cval", [0.0, 2.5, -1.0, -0.0, np.nan])
def test_float32_nonnegative_tiles(trouble, cval):
    """float32 images of +0 ... +inf sort by their own bits (no key pass);
    a tile whose later rows hold a negative value, -0.0 or NaN converts
    the rows it had copied and goes on with keys: medians and bits equal
    the reference's either way, whatever the border value. The reference
    sorts the windows' keys (-0.0 below +0.0, NaN last: np.sort alone
    leaves the sign of a zero median to the order of equal elements)."""
    rng = stable_rng("float32_nonnegative", trouble, cval)
    a = (rng.random((300, 140)) * 50).astype(np.float32)
    a[rng.random(a.shape) < 0.05] = 0.0
    if trouble is not None:
        a[150:, :] = np.where(rng.random((150, 140)) < 0.5, a[150:, :], trouble)
        a[17, 3] = trouble  # a single value in an early tile too
    for size in [2, 4, 5, 7, 11]:
        for mode in ["reflect", "constant", "nearest"]:
            got = fastcpp.median_filter(a, size, mode=mode, cval=cval)
            keys = median_filter_ref(
                _keys(a), size, mode, _keys(np.array([cval], np.float32))[0]
            )
            want = _from_keys(keys, np.float32)
            assert_same_floats(got, want, f"size={size} mode={mode}")


def test_nan_count_rule():
    # 3x3 window of 9: the median (rank 4) is NaN exactly when >= 5 are NaN.
    a = np.arange(9, dtype=np.float64).reshape(3, 3)
    a.flat[:4] = np.nan
    assert fastcpp.median_filter(a, 3, mode="nearest")[1, 1] == 8.0
    a.flat[4] = np.nan
    assert np.isnan(fastcpp.median_filter(a, 3, mode="nearest")[1, 1])
    b = np.array([[np.inf, np.nan, -np.inf]])
    np.testing.assert_array_equal(
        fastcpp.median_filter(b, (1, 3), mode="wrap"), [[np.inf, np.inf, np.inf]]
    )


def test_int64_exact_beyond_2_53():
    """scipy rounds through float64; fastcpp selects the exact element."""
    a = (2**62 + np.arange(30, dtype=np.int64) * 3).reshape(5, 6)[::-1]
    got = fastcpp.median_filter(a, 3)
    np.testing.assert_array_equal(got, median_filter_ref(a, 3))
    u = np.array([[2**64 - 1, 2**64 - 2, 2**64 - 3]], dtype=np.uint64)
    np.testing.assert_array_equal(
        fastcpp.median_filter(u, (1, 3), mode="nearest"),
        [[2**64 - 1, 2**64 - 2, 2**64 - 3]],
    )


@pytest.mark.parametrize(
    ("dtype", "cval"),
    [
        (np.uint8, -1),
        (np.uint8, 300),
        (np.uint8, 2.7),
        (np.uint8, -2.7),
        (np.int8, 200),
        (np.int8, -1),
        (np.uint16, 70000),
        (np.int32, -5.5),
        (np.uint64, 2**40),
        (np.int64, -3),
        (np.bool_, 0.5),
        (np.bool_, 2),
        (np.bool_, -1),
        (np.float32, 0.1),
        (np.float64, -np.inf),
    ],
)
def test_cval_conversion_like_scipy(dtype, cval):
    rng = np.random.default_rng(2)
    a = random_image((6, 7), dtype, rng, levels=3)
    for size in [3, (2, 2), (1, 2), (2, 1), (3, 5)]:
        check(a, size, "constant", cval)


# scipy turns an out-of-range integer cval into the image's type by a C cast,
# whose result differs between CPUs (x86-64 wraps or gives the lowest value,
# arm64 saturates), and its 1-D rank path compares the value unconverted only
# since scipy 1.17 (PR #23293). fastcpp follows scipy 1.17 on x86-64 on every
# machine, so these comparisons with scipy hold only there.
scipy_casts_like_x86_64 = pytest.mark.skipif(
    platform.machine().lower() not in {"x86_64", "amd64"} or SCIPY_VERSION < (1, 17),
    reason="scipy's out-of-range cval conversion is the x86-64 C cast of scipy >= 1.17",
)


@scipy_casts_like_x86_64
def test_out_of_range_cval_issue_case():
    # scipy's minimum over a footprint with holes compares the converted cval
    # (254) as an ordinary value: the data's minima, not 254 everywhere.
    a = np.arange(32, dtype=np.uint8).reshape(1, 4, 8) * 7
    fp = np.zeros((2, 3, 2), bool)
    fp.flat[[0, 2, 3, 5, 6, 8, 9, 11]] = True
    for rank in (-8, 0, 7, -1, 3):
        got = fastcpp.rank_filter(a, rank, footprint=fp, mode="constant", cval=-2)
        want = ndi.rank_filter(a, rank, footprint=fp, mode="constant", cval=-2)
        np.testing.assert_array_equal(got, want)


def _footprints(ndim):
    box = {1: (3,), 2: (2, 3), 3: (2, 3, 2)}[ndim]
    holes = np.ones(box, bool)
    holes.flat[::3] = False
    thin = np.zeros(box, bool)
    thin.flat[[0, -1]] = True
    wide = np.ones((9,) + (1,) * (ndim - 1), bool)  # beyond short images
    return {"box": np.ones(box, bool), "holes": holes, "thin": thin, "wide": wide}


@scipy_casts_like_x86_64
@pytest.mark.parametrize(
    "dtype", [*INT_DTYPES, np.bool_], ids=lambda d: np.dtype(d).name
)
def test_out_of_range_cval_every_rank_matches_scipy(dtype):
    """Integer cval below / above the dtype's range: scipy converts it (as C on
    x86-64) for most paths, but compares it unconverted for a box minimum /
    maximum and in its 1-D rank path. Ranks 0, 1, -1, -n, n-1, the median
    and percentiles; ndim 1-3; boxes, footprints with holes, windows larger
    than the image; origins."""
    dt = np.dtype(dtype)
    lo, hi = (0, 1) if dt == np.bool_ else (np.iinfo(dt).min, np.iinfo(dt).max)
    cvals = [
        lo - 2,
        lo - 1.5,
        hi + 3,
        4.0 * hi + 7,
        -(2.0**40),
        2.0**40 + 5,
        -1e30,
        1e30,
    ]
    shapes = [(7,), (2,), (1,), (4, 6), (1, 5), (1, 4, 8), (3, 4, 5)]
    checked = 0
    for shape in shapes:
        a = random_image(shape, dt, stable_rng("oor-cval", dt.name, shape))
        for name, fp in _footprints(len(shape)).items():
            n = int(fp.sum())
            calls = [
                ("rank_filter", (r,)) for r in {0, 1, -1, -n, n - 1} if -n <= r < n
            ]
            calls += [("median_filter", ()), ("percentile_filter", (60.0,))]
            origins = (0, tuple(-(e // 2) for e in fp.shape))
            for (func, args), origin, cval in itertools.product(calls, origins, cvals):
                extreme = func == "rank_filter" and args[0] in (0, -1, n - 1, -n)
                if len(shape) == 1 and name in ("holes", "thin") and not extreme:
                    continue  # scipy's 1-D rank path ignores footprint holes
                if dt == np.uint64 and -2048 < cval < 0 and extreme and name == "box":
                    # scipy's box minimum runs one pass per axis with its uint64
                    # results through doubles: 2**64 - 2 becomes 0 after the
                    # first pass (not emulated; documented).
                    if len(shape) > 1:
                        continue
                kw = {
                    "footprint": fp,
                    "mode": "constant",
                    "cval": cval,
                    "origin": origin,
                }
                try:
                    want = getattr(ndi, func)(a, *args, **kw)
                except OverflowError:
                    continue  # scipy's 1-D int64 path: cval beyond int64
                got = getattr(fastcpp, func)(a, *args, **kw)
                assert got.dtype == want.dtype
                msg = f"{func}{args} {shape} {name} {origin=} {cval=}"
                np.testing.assert_array_equal(got, want, err_msg=msg)
                checked += 1
    assert checked > 500


def test_cval_exact_python_int():
    a = np.full((3, 3), 2**62, dtype=np.int64)
    got = fastcpp.median_filter(a, 3, mode="constant", cval=2**62 + 1)
    assert got[0, 0] == 2**62 + 1  # 5 of the corner's 9 are cval
    assert got.dtype == np.int64


def test_empty_and_threads():
    for shape in [(0, 5), (4, 0), (0, 0)]:
        e = np.zeros(shape, dtype=np.float32)
        out = fastcpp.median_filter(e, 3)
        assert out.shape == shape
        assert out.dtype == np.float32
    rng = np.random.default_rng(4)
    a = random_image((300, 257), np.float32, rng)
    want = ndi.median_filter(a, size=(4, 3))
    n = fastcpp.get_num_threads()
    try:
        for t in [1, 2, 3]:
            fastcpp.set_num_threads(t)
            np.testing.assert_array_equal(fastcpp.median_filter(a, (4, 3)), want)
    finally:
        fastcpp.set_num_threads(n)
    results = [None] * 4

    def work(i):
        results[i] = fastcpp.median_filter(a, (4, 3))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        np.testing.assert_array_equal(r, want)


def test_mode_aliases():
    a = np.arange(30, dtype=np.int16).reshape(5, 6)
    for alias in ["grid-wrap", "grid-mirror", "grid-constant"]:
        check(a, 3, alias)


@pytest.mark.parametrize(
    "dtype", ["complex64", "complex128", "object", "U3", "datetime64[s]"]
)
def test_unsupported_dtype(dtype):
    a = np.zeros((4, 4), dtype=dtype)
    with pytest.raises(TypeError, match="median_filter: image has unsupported dtype"):
        fastcpp.median_filter(a, 3)


def test_bad_arguments():
    a = np.zeros((5, 5))
    with pytest.raises(ValueError, match=r"image must have at least one dimension"):
        fastcpp.median_filter(3.0, 3)
    with pytest.raises(ValueError, match=r"size \(=0\) must be >= 1"):
        fastcpp.median_filter(a, 0)
    with pytest.raises(ValueError, match=r"size \(=-2\) must be >= 1"):
        fastcpp.median_filter(a, (3, -2))
    with pytest.raises(
        ValueError, match=r"size \(=\(1, 2, 3\)\) must be an int or have one entry per"
    ):
        fastcpp.median_filter(a, (1, 2, 3))
    with pytest.raises(ValueError, match=r"size \(=\[3\]\)"):
        fastcpp.median_filter(a, [3])
    with pytest.raises(TypeError, match="size must be an int"):
        fastcpp.median_filter(a, 2.5)
    with pytest.raises(TypeError, match="size must be an int"):
        fastcpp.median_filter(a, "3")
    with pytest.raises(ValueError, match=r"mode \(='bogus'\) must be one of"):
        fastcpp.median_filter(a, 3, mode="bogus")
    with pytest.raises(ValueError, match=r"cval \(=nan\) must be finite"):
        fastcpp.median_filter(a.astype(np.int32), 3, mode="constant", cval=np.nan)
    with pytest.raises(TypeError, match="cval must be a real number"):
        fastcpp.median_filter(a, 3, cval="x")
    with pytest.raises(TypeError):
        fastcpp.median_filter(a, 3, "reflect")  # mode is keyword-only


HUGE_SIZES = [(2**16, 2**15), (1, 2**31), (2**31, 1), (3, 10**6 + 3), (10**5 + 7, 4)]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "dtype", [np.uint8, np.int16, np.int64, np.float32, np.float64]
)
def test_windows_far_beyond_the_image(dtype, mode):
    """Windows of up to 2**31 elements on tiny images: exact, from the window's
    multiplicities (memory follows the image, not the window)."""
    rng = np.random.default_rng(11)
    images = [np.arange(16.0).reshape(4, 4).astype(dtype)]
    images += [random_image(s, dtype, rng) for s in [(3, 5), (1, 6), (5, 1), (2, 2)]]
    for a in images:
        for size in HUGE_SIZES:
            got = fastcpp.median_filter(a, size, mode=mode, cval=3)
            want = median_filter_weighted_ref(a, size, mode, cval=3)
            np.testing.assert_array_equal(got, want, err_msg=f"{a.shape} {size} {mode}")


@pytest.mark.parametrize("mode", MODES)
def test_windows_beyond_the_image_match_scipy(mode):
    """Windows of 2-40 times the image, where scipy (and np.pad) still run."""
    rng = np.random.default_rng(12)
    for shape in [(3, 4), (1, 7), (6, 1), (5, 9)]:
        a = random_image(shape, np.float64, rng, levels=4)
        for size in [(9, 9), (25, 3), (3, 41), (31, 17), (12, 120)]:
            check(a, size, mode, cval=1)
            np.testing.assert_array_equal(
                median_filter_weighted_ref(a, size, mode, cval=1),
                median_filter_ref(a, size, mode, cval=1),
            )


@pytest.mark.skipif(
    "asan" in __import__("os").environ.get("LD_PRELOAD", ""),
    reason="ASan reserves terabytes of shadow memory: no RLIMIT_AS under it",
)
def test_huge_window_memory_stays_with_the_image():
    """Under a 1.5 GB address-space cap, absurd windows finish exactly."""
    import subprocess
    import sys

    code = """
import resource
resource.setrlimit(resource.RLIMIT_AS, (1536 * 2**20, 1536 * 2**20))
import numpy as np, fastcpp
a = np.arange(16.).reshape(4, 4)
for size in [(2**16, 2**15), (1, 2**31), (2**31, 1)]:
    r = fastcpp.median_filter(a, size)
    assert r.shape == (4, 4)
print(fastcpp.median_filter(a, (1, 2**31))[0].tolist())
"""
    res = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300
    )
    assert res.returncode == 0, res.stderr
    # Row r of the wrap-free reflect extension repeats 4r..4r+3 evenly: the
    # upper median of a huge row window of one row is its element of rank 2.
    assert res.stdout.strip() == "[2.0, 2.0, 2.0, 2.0]"


# ---------------------------------------------------------------------------
# rank_filter / percentile_filter (same machinery, any rank)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "dtype", [np.uint8, np.int16, np.int32, np.float32, np.float64, np.bool_]
)
def test_rank_filter_matches_scipy(dtype, mode):
    rng = stable_rng("rank", np.dtype(dtype).name, mode)
    for shape in [(1, 9), (7, 1), (17, 31), (40, 70)]:
        a = random_image(shape, dtype, rng)
        if a.dtype.kind == "f":
            a[np.isinf(a)] = 0  # scipy's min/max passes compare; keep windows finite
        for size in [(1, 1), (2, 2), (3, 3), (5, 5), (3, 7), (9, 9), (15, 15), (20, 3)]:
            n = size[0] * size[1]
            for rank in sorted({0, 1, n // 3, n // 2, n - 2, n - 1, -1, -n}):
                if not -n <= rank < n:
                    continue
                got = fastcpp.rank_filter(a, rank, size, mode=mode, cval=1)
                want = ndi.rank_filter(a, rank, size=size, mode=mode, cval=1)
                assert got.dtype == want.dtype
                np.testing.assert_array_equal(
                    got, want, err_msg=f"{shape} size={size} rank={rank}"
                )


@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.int64])
def test_percentile_filter_matches_scipy(dtype):
    rng = np.random.default_rng(31)
    a = random_image((30, 41), dtype, rng)
    if a.dtype.kind == "f":
        a[np.isinf(a)] = 0
    for size in [3, (4, 5), 11]:
        for p in [0, 10, 25, 33.3, 50, 75, 99.9, 100, -20, -100]:
            for mode in ["reflect", "constant"]:
                got = fastcpp.percentile_filter(a, p, size, mode=mode)
                want = ndi.percentile_filter(a, p, size=size, mode=mode)
                np.testing.assert_array_equal(got, want, err_msg=f"{size} {p} {mode}")


def test_rank_filter_windows_beyond_the_image():
    a = np.arange(16.0).reshape(4, 4)
    for size, rank in [
        ((2**16, 2**15), 5),
        ((1, 2**31), -1),
        ((3, 10**6), 0),
        ((9, 9), 70),
    ]:
        for mode in MODES:
            got = fastcpp.rank_filter(a, rank, size, mode=mode, cval=2)
            n = size[0] * size[1]
            want = median_filter_weighted_ref(a, size, mode, cval=2, rank=rank % n)
            np.testing.assert_array_equal(got, want, err_msg=f"{size} {rank} {mode}")


def test_rank_filter_errors():
    a = np.zeros((5, 5))
    with pytest.raises(
        ValueError, match=r"rank_filter: rank \(=9\) must be in \[-n, n\)"
    ):
        fastcpp.rank_filter(a, 9, 3)
    with pytest.raises(ValueError, match=r"rank \(=-10\)"):
        fastcpp.rank_filter(a, -10, 3)
    with pytest.raises(TypeError, match="rank must be an int"):
        fastcpp.rank_filter(a, 1.5, 3)
    with pytest.raises(
        ValueError, match=r"percentile \(=101\) must be in \[-100, 100\]"
    ):
        fastcpp.percentile_filter(a, 101, 3)
    with pytest.raises(ValueError, match=r"percentile \(=nan\)"):
        fastcpp.percentile_filter(a, float("nan"), 3)


# ---------------------------------------------------------------------------
# N-D: any ndim, size per axis, footprint, origin, axes, out=, nan_policy
# ---------------------------------------------------------------------------


def scipy_nd(func, a, *args, **kw):
    """scipy's answer; float16 through float32 (scipy has no float16 kernel,
    the selection is exact either way). 1-D as a (1, n) image: scipy's 1-D
    rank filter ignores the footprint's holes and shifts huge windows
    differently from its own N-D path."""
    a = np.asarray(a)
    work = a.astype(np.float32) if a.dtype == np.float16 else a
    if a.ndim == 1:
        work = work[None]
        kw = dict(kw)
        if "size" in kw:
            kw["size"] = (1, *np.atleast_1d(kw["size"]).tolist())
        if "footprint" in kw:
            kw["footprint"] = np.asarray(kw["footprint"])[None]
        if "origin" in kw:
            kw["origin"] = (0, *np.atleast_1d(kw["origin"]).tolist())
    return getattr(ndi, func)(work, *args, **kw).astype(a.dtype).reshape(a.shape)


def random_nd_case(rng):
    ndim = int(rng.integers(1, 4))
    shape = tuple(int(x) for x in rng.integers(1, 9, size=ndim))
    axes = None
    if ndim > 1 and rng.random() < 0.4:
        k = int(rng.integers(1, ndim + 1))
        axes = tuple(sorted(int(x) for x in rng.choice(ndim, size=k, replace=False)))
    na = ndim if axes is None else len(axes)
    kw = {"mode": MODES[int(rng.integers(0, 5))], "cval": int(rng.integers(-3, 60))}
    if axes is not None:
        kw["axes"] = axes
    if rng.random() < 0.5:
        top = 7 if rng.random() < 0.8 else 19  # beyond the image now and then
        ext = tuple(int(x) for x in rng.integers(1, top, size=na))
        kw["size"] = ext
        n = int(np.prod(ext))
    else:
        fp = rng.random(tuple(int(x) for x in rng.integers(1, 6, size=na))) < 0.6
        fp.flat[0] = True
        kw["footprint"] = fp
        ext, n = fp.shape, int(fp.sum())
    if rng.random() < 0.5:
        kw["origin"] = tuple(
            int(rng.integers(-(s // 2), (s - 1) // 2 + 1)) for s in ext
        )
    return shape, kw, n


@pytest.mark.parametrize(
    "dtype",
    [
        np.uint8,
        np.int16,
        np.uint16,
        np.int64,
        np.float16,
        np.float32,
        np.float64,
        np.bool_,
    ],
)
def test_nd_matches_scipy(dtype):
    """Random ndim 1-3, sizes (some beyond the image) or footprints, origins,
    axes subsets, modes; median, rank and percentile; values and dtype."""
    rng = stable_rng("nd", np.dtype(dtype).name)
    for _ in range(60):
        shape, kw, n = random_nd_case(rng)
        if "size" in kw and scipy_bug(shape[-2:], kw["size"][-2:], kw["mode"]):
            continue
        ext = kw["size"] if "size" in kw else kw["footprint"].shape
        if kw["mode"] == "reflect" and any(s > 2 * m for s, m in zip(ext, shape)):
            continue  # scipy reads outside its buffer there (see scipy_bug)
        a = rng.integers(0, 40, size=shape).astype(dtype)
        rank = int(rng.integers(-n, n))
        pct = float(rng.uniform(-100, 100))
        for got, want in [
            (fastcpp.median_filter(a, **kw), scipy_nd("median_filter", a, **kw)),
            (
                fastcpp.rank_filter(a, rank, **kw),
                scipy_nd("rank_filter", a, rank, **kw),
            ),
            (
                fastcpp.percentile_filter(a, pct, **kw),
                scipy_nd("percentile_filter", a, pct, **kw),
            ),
        ]:
            assert got.dtype == want.dtype
            np.testing.assert_array_equal(
                got, want, err_msg=f"{shape} {kw} r={rank} p={pct}"
            )


@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.int32])
def test_volumes_and_colour_images(dtype):
    rng = np.random.default_rng(5)
    vol = random_image((9, 12, 14), dtype, rng)
    if vol.dtype.kind == "f":
        vol[np.isinf(vol)] = 0
    for size in [3, 5, (2, 3, 4), (1, 5, 3), (7, 1, 1)]:
        for mode in ["reflect", "constant", "wrap"]:
            np.testing.assert_array_equal(
                fastcpp.median_filter(vol, size, mode=mode, cval=2),
                ndi.median_filter(vol, size=size, mode=mode, cval=2),
                err_msg=f"{size} {mode}",
            )
    rgb = random_image((20, 17, 3), dtype, rng)
    if rgb.dtype.kind == "f":
        rgb[np.isinf(rgb)] = 0
    for size in [3, (5, 3)]:
        want = ndi.median_filter(rgb, size=size, axes=(0, 1))
        np.testing.assert_array_equal(
            fastcpp.median_filter(rgb, size, axes=(0, 1)), want
        )
        for c in range(3):  # per channel = 2-D on the channel
            np.testing.assert_array_equal(
                want[..., c], fastcpp.median_filter(rgb[..., c], size)
            )
    # Interleaved channels join the column axis; windows beyond the image.
    small = random_image((4, 2, 6), dtype, rng)
    if small.dtype.kind == "f":
        small[np.isinf(small)] = 0
    for mode in MODES:
        for size, origin in [((5, 6), (2, 2)), ((3, 2), (0, -1)), ((2, 9), (0, 0))]:
            np.testing.assert_array_equal(
                fastcpp.percentile_filter(
                    small, 30, size, axes=(0, 1), origin=origin, mode=mode, cval=3
                ),
                ndi.percentile_filter(
                    small, 30, size=size, axes=(0, 1), origin=origin, mode=mode, cval=3
                ),
                err_msg=f"{size} {origin} {mode}",
            )
    # Fortran order and reversed strides read the same volume.
    for v in [np.asfortranarray(vol), vol[::-1, :, ::-2]]:
        np.testing.assert_array_equal(
            fastcpp.median_filter(v, (3, 2, 5), origin=(1, 0, -2)),
            ndi.median_filter(v, size=(3, 2, 5), origin=(1, 0, -2)),
        )


def test_disk_footprint_matches_scipy():
    rng = np.random.default_rng(6)
    y, x = np.mgrid[-3:4, -3:4]
    disk = x * x + y * y <= 9
    for dtype in [np.uint8, np.uint16, np.float32, np.float64]:
        img = random_image((64, 80), dtype, rng)
        if img.dtype.kind == "f":
            img[np.isinf(img)] = 0
        for mode in ["reflect", "constant"]:
            np.testing.assert_array_equal(
                fastcpp.median_filter(img, footprint=disk, mode=mode),
                ndi.median_filter(img, footprint=disk, mode=mode),
            )
    big = np.ones((15, 15), bool)  # 225 elements: histograms / ranks
    big[::3, ::2] = False
    img = random_image((40, 50), np.uint8, rng)
    np.testing.assert_array_equal(
        fastcpp.median_filter(img, footprint=big), ndi.median_filter(img, footprint=big)
    )


def test_out_argument():
    rng = np.random.default_rng(7)
    a = random_image((12, 13, 4), np.float32, rng)
    a[np.isinf(a)] = 0
    want = ndi.median_filter(a, size=3)
    out = np.empty_like(a)
    r = fastcpp.median_filter(a, 3, out=out)
    assert r is out
    np.testing.assert_array_equal(out, want)
    # A strided out, and the image itself (in place).
    big = np.zeros((12, 26, 4), np.float32)
    fastcpp.median_filter(a, 3, out=big[:, ::2])
    np.testing.assert_array_equal(big[:, ::2], want)
    b = a.copy()
    fastcpp.median_filter(b, 3, out=b)
    np.testing.assert_array_equal(b, want)
    # Bad out: untouched.
    keep = np.full((12, 13, 4), 7.0, np.float32)
    for bad, exc in [
        (np.zeros((12, 13, 4), np.float64), TypeError),
        (np.zeros((12, 13), np.float32), ValueError),
        ([0.0], TypeError),
    ]:
        with pytest.raises(exc, match="median_filter: out"):
            fastcpp.median_filter(a, 3, out=bad)
    ro = keep.copy()
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        fastcpp.median_filter(a, 3, out=ro)
    with pytest.raises(ValueError, match="origin"):
        fastcpp.median_filter(a, 3, origin=2, out=keep)
    np.testing.assert_array_equal(keep, 7.0)


def nanmedian_ref(a, size, mode="reflect", rank=None, percentile=None):
    """Slow nan-omit reference: every window's non-NaN values sorted."""
    pad = {
        "reflect": "symmetric",
        "nearest": "edge",
        "wrap": "wrap",
        "mirror": "reflect",
    }
    sizes = (size,) * a.ndim if np.ndim(size) == 0 else tuple(size)
    p = np.pad(a, [(s // 2, s - 1 - s // 2) for s in sizes], mode=pad[mode])
    win = np.lib.stride_tricks.sliding_window_view(p, sizes).reshape(*a.shape, -1)
    out = np.full(a.shape, np.nan, a.dtype)
    for idx in np.ndindex(a.shape):
        v = np.sort(win[idx][~np.isnan(win[idx])])
        if v.size == 0:
            continue
        if rank is not None:
            k = rank if rank >= 0 else v.size + rank
        elif percentile is not None:
            k = v.size - 1 if percentile == 100 else int(v.size * percentile / 100)
        else:
            k = v.size // 2
        if 0 <= k < v.size:
            out[idx] = v[k]
    return out


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_nan_policy_omit(dtype):
    rng = np.random.default_rng(8)
    for shape, size in [((23, 31), 5), ((17, 19), (3, 4)), ((6, 7, 8), 3), ((40,), 6)]:
        a = rng.standard_normal(shape).astype(dtype)
        a[rng.random(shape) < 0.3] = np.nan
        a.flat[: min(a.size, 9)] = np.nan  # whole windows of NaN
        for mode in ["reflect", "nearest", "wrap"]:
            got = fastcpp.median_filter(a, size, mode=mode, nan_policy="omit")
            np.testing.assert_array_equal(got, nanmedian_ref(a, size, mode))
            got = fastcpp.rank_filter(a, -2, size, mode=mode, nan_policy="omit")
            np.testing.assert_array_equal(got, nanmedian_ref(a, size, mode, rank=-2))
            got = fastcpp.percentile_filter(a, 30, size, mode=mode, nan_policy="omit")
            np.testing.assert_array_equal(
                got, nanmedian_ref(a, size, mode, percentile=30)
            )
    # Without NaN, omit is sort; integers ignore it.
    b = rng.standard_normal((20, 20)).astype(dtype)
    np.testing.assert_array_equal(
        fastcpp.median_filter(b, 5, nan_policy="omit"), fastcpp.median_filter(b, 5)
    )
    i = rng.integers(0, 9, (20, 20))
    np.testing.assert_array_equal(
        fastcpp.median_filter(i, 5, nan_policy="omit"), ndi.median_filter(i, 5)
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32])
def test_volumes_in_plane_groups_match_scipy(dtype):
    """3-D windows on rank compression run up to 8 output planes per tile
    (planes not a multiple of 8, every mode, a batch axis, origin)."""
    rng = stable_rng("plane-groups", np.dtype(dtype).name)
    vol = random_image((11, 14, 37), dtype, rng, levels=500)
    for mode in MODES:
        for size in [5, (6, 3, 5), (3, 5, 9)]:
            got = fastcpp.median_filter(vol, size, mode=mode, cval=3)
            want = ndi.median_filter(vol, size=size, mode=mode, cval=3)
            np.testing.assert_array_equal(got, want, err_msg=f"{mode} {size}")
    batch = random_image((2, 9, 10, 33), dtype, rng)
    got = fastcpp.median_filter(batch, (1, 5, 5, 5), origin=(0, 1, -1, 2))
    want = ndi.median_filter(batch, size=(1, 5, 5, 5), origin=(0, 1, -1, 2))
    np.testing.assert_array_equal(got, want)
    got = fastcpp.rank_filter(vol, 7, 5, mode="wrap")
    np.testing.assert_array_equal(got, ndi.rank_filter(vol, 7, size=5, mode="wrap"))


# Shapes for the cube networks (3 x 3 x 3, 5 x 5 x 5 on 32-bit keys at
# x86-64-v3/v4): smaller than the window, one pixel, non-cubic, and past the
# tile edges (64 columns, 16 rows, 16 output planes per tile; odd plane counts
# leave one unpaired output plane).
CUBE_SHAPES = [(1, 1, 1), (2, 3, 4), (4, 4, 4), (9, 3, 17), (11, 10, 70), (19, 18, 9)]


@pytest.mark.parametrize(
    "dtype", [np.float32, np.int32, np.uint32, np.float64, np.float16, np.int16]
)
def test_cubes_match_scipy(dtype):
    rng = stable_rng("cubes", np.dtype(dtype).name)
    for shape in CUBE_SHAPES:
        for levels in [None, 3]:
            vol = random_image(shape, dtype, rng, levels=levels)
            for size in [3, 5]:
                for mode in MODES:
                    if scipy_bug(shape, (size,) * 3, mode):
                        continue
                    got = fastcpp.median_filter(vol, size, mode=mode, cval=2)
                    want = scipy_nd("median_filter", vol, size=size, mode=mode, cval=2)
                    np.testing.assert_array_equal(
                        got, want, err_msg=f"{shape} {size} {mode} {levels}"
                    )
    # Strided views, a batch axis, origin: the same kernel on other layouts.
    vol = random_image((9, 12, 40), dtype, rng)
    view = vol[::-1, :, ::2]
    np.testing.assert_array_equal(
        fastcpp.median_filter(view, 5), scipy_nd("median_filter", view, size=5)
    )
    batch = random_image((2, 6, 7, 20), dtype, rng)
    kw = {"size": (1, 3, 3, 3), "origin": (0, 1, -1, 0), "mode": "wrap"}
    np.testing.assert_array_equal(
        fastcpp.median_filter(batch, **kw), scipy_nd("median_filter", batch, **kw)
    )


def cube_median_ref(a, size, mode):
    """Median of every size**3 window, NumPy sort order (NaN last)."""
    pad = {"reflect": "symmetric", "mirror": "reflect", "nearest": "edge"}[mode]
    h = size // 2
    p = np.pad(a, h, pad)
    win = np.lib.stride_tricks.sliding_window_view(p, (size,) * 3)
    return np.sort(win.reshape(*a.shape, -1), axis=-1)[..., size**3 // 2]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cubes_nan_and_inf(dtype):
    """NaN above +inf (NumPy sort order), +-0.0, +-inf, whole blocks of NaN."""
    rng = stable_rng("cubes-nan", np.dtype(dtype).name)
    vol = nan_image((9, 11, 21), dtype, 0.2, rng)
    vol[2:7, 3:9, 4:12] = np.nan
    for size in [3, 5]:
        for mode in ["reflect", "mirror", "nearest"]:
            got = fastcpp.median_filter(vol, size, mode=mode)
            want = cube_median_ref(vol, size, mode)
            np.testing.assert_array_equal(got, want, err_msg=f"{size} {mode}")


OMIT_SIZES = [1, 2, 3, 4, 5, (3, 5), (5, 3), (1, 5), (2, 7), (7, 7), (8, 7)]


@pytest.mark.parametrize("fraction", [0.0, 0.1, 0.5, 1.0])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_nan_omit_small_windows_match_reference(dtype, fraction):
    """The sorting-network path (windows of up to 49 elements; (8, 7): radix
    selection) against the sort-every-window reference, bit for bit."""
    rng = stable_rng("omit", np.dtype(dtype).name, fraction)
    a = nan_image((37, 45), dtype, fraction, rng)
    for size, mode in itertools.product(OMIT_SIZES, MODES):
        got = fastcpp.median_filter(a, size, mode=mode, cval=-0.0, nan_policy="omit")
        want = nan_omit_median_ref(a, size, mode, cval=-0.0)
        assert_same_floats(got, want, f"size={size} mode={mode}")


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_nan_omit_nd_footprints_and_channels(dtype):
    rng = stable_rng("omit-nd", np.dtype(dtype).name)
    vol = nan_image((6, 9, 11), dtype, 0.2, rng)
    for size in [3, (1, 3, 3), (2, 3, 3), (3, 1, 5), (3, 3, 5)]:
        got = fastcpp.median_filter(vol, size, mode="nearest", nan_policy="omit")
        assert_same_floats(got, nan_omit_median_ref(vol, size, "nearest"), f"{size}")
    line = nan_image((70,), dtype, 0.3, rng)
    for size in [1, 2, 5, 9, 25, 49, 60]:
        got = fastcpp.median_filter(line, size, mode="wrap", nan_policy="omit")
        assert_same_floats(got, nan_omit_median_ref(line, size, "wrap"), f"{size}")
    img = nan_image((30, 41), dtype, 0.2, rng)
    disk = np.add.outer(np.arange(-2, 3) ** 2, np.arange(-2, 3) ** 2) <= 4
    got = fastcpp.median_filter(img, footprint=disk, nan_policy="omit")
    assert_same_floats(got, nan_omit_median_ref(img, None, footprint=disk))
    # Interleaved channels: (H, W, 3) filtered over H and W, per channel.
    rgb = nan_image((21, 34, 3), dtype, 0.2, rng)
    for size in [3, 5]:
        got = fastcpp.median_filter(rgb, size, axes=(0, 1), nan_policy="omit")
        want = np.stack(
            [nan_omit_median_ref(rgb[..., c], size) for c in range(3)], axis=-1
        )
        assert_same_floats(got, want, f"rgb size={size}")


def test_nd_bad_arguments():
    a = np.zeros((5, 6, 7))
    with pytest.raises(ValueError, match=r"origin \(=2\) must be in"):
        fastcpp.median_filter(a, 3, origin=2)
    with pytest.raises(
        ValueError, match=r"origin \(=\(1, 0\)\) must be an int or have one"
    ):
        fastcpp.median_filter(a, 3, origin=(1, 0))
    with pytest.raises(
        ValueError, match=r"footprint must have at least one element set"
    ):
        fastcpp.median_filter(a, footprint=np.zeros((3, 3, 3), bool))
    with pytest.raises(
        ValueError, match=r"footprint must have one dimension per filtered"
    ):
        fastcpp.median_filter(a, footprint=np.ones((3, 3), bool))
    with pytest.raises(ValueError, match=r"give size or footprint"):
        fastcpp.median_filter(a)
    with pytest.raises(ValueError, match=r"nan_policy \(='raise'\) must be"):
        fastcpp.median_filter(a, 3, nan_policy="raise")
    with pytest.raises(ValueError, match=r"axes .* out of range"):
        fastcpp.median_filter(a, 3, axes=(0, 3))
    with pytest.raises(ValueError, match=r"must not repeat"):
        fastcpp.median_filter(a, 3, axes=(1, -2))
    with pytest.raises(TypeError, match=r"axes must be an int"):
        fastcpp.median_filter(a, 3, axes=(1.5,))
    with pytest.raises(
        ValueError, match=r"size \(=\(3, 3\)\) must be an int or have one"
    ):
        fastcpp.median_filter(a, (3, 3))
    with pytest.warns(UserWarning, match="ignoring size"):
        fastcpp.median_filter(a, 3, footprint=np.ones((3, 3, 3), bool))


def test_nd_huge_windows():
    """Windows far beyond a small volume: exact (weighted multiplicities),
    memory of the image."""
    rng = np.random.default_rng(9)
    a = rng.integers(0, 20, (3, 4, 5)).astype(np.float64)
    for mode in ["nearest", "constant", "wrap", "mirror"]:
        for size in [(9, 11, 13), (1, 21, 2)]:
            np.testing.assert_array_equal(
                fastcpp.median_filter(a, size, mode=mode, cval=3),
                ndi.median_filter(a, size=size, mode=mode, cval=3),
            )
    r = fastcpp.median_filter(a, (2**10, 2**10, 2**10))
    assert r.shape == a.shape


# ---------------------------------------------------------------------------
# fastcpp.dask: chunked N-D arrays equal the in-memory call
# ---------------------------------------------------------------------------


def test_dask_nd_equals_in_memory():
    da = pytest.importorskip("dask.array")
    import fastcpp.dask as fd

    rng = np.random.default_rng(10)
    vol = rng.integers(0, 50, (9, 11, 13)).astype(np.float32)
    vol[rng.random(vol.shape) < 0.1] = np.nan
    y, x = np.mgrid[-2:3, -2:3]
    disk = x * x + y * y <= 4
    x3 = da.from_array(vol, chunks=(5, (4, 7), 7))
    cases = [
        ("median_filter", (), {"size": 3}),
        (
            "median_filter",
            (),
            {"size": (2, 5, 3), "origin": (-1, -2, 1), "mode": "wrap"},
        ),
        ("median_filter", (), {"size": 3, "nan_policy": "omit", "mode": "mirror"}),
        ("median_filter", (), {"footprint": disk, "axes": (1, 2), "mode": "constant"}),
        ("rank_filter", (-2,), {"size": (3, 1, 4), "mode": "nearest"}),
        ("percentile_filter", (30,), {"size": 4, "axes": (0, 2), "cval": 7}),
        ("median_filter", (), {"size": 11, "mode": "constant", "cval": 3}),  # > chunks
    ]
    for name, args, kw in cases:
        got = getattr(fd, name)(x3, *args, **kw).compute()
        want = getattr(fastcpp, name)(vol, *args, **kw)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want, err_msg=f"{name} {kw}")
    line = rng.integers(0, 9, 40).astype(np.uint8)
    got = fd.median_filter(da.from_array(line, chunks=7), 5, mode="mirror").compute()
    np.testing.assert_array_equal(got, fastcpp.median_filter(line, 5, mode="mirror"))


def test_dask_out_of_range_cval_equals_in_memory():
    """An integer cval beyond the dtype is compared unconverted by scipy's box
    minimum / maximum and 1-D rank path: dask must not pad with a value."""
    da = pytest.importorskip("dask.array")
    import fastcpp.dask as fd

    rng = stable_rng("dask-oor-cval")
    img = rng.integers(0, 200, (9, 11)).astype(np.uint8)
    line = rng.integers(0, 200, 40).astype(np.uint8)
    holes = np.array([[1, 0, 1], [0, 1, 1]], bool)
    for cval in (-2, 300, 3):
        for rank in (0, -1, 1, 2):
            for a, chunks, kw in [
                (img, (4, 5), {"size": 3}),
                (img, 2, {"footprint": holes, "origin": (0, 1)}),
                (line, 3, {"size": 5}),
                (line, 7, {"size": 41, "origin": -20}),  # window beyond the image
            ]:
                kw = {**kw, "mode": "constant", "cval": cval}
                got = fd.rank_filter(
                    da.from_array(a, chunks=chunks), rank, **kw
                ).compute()
                want = fastcpp.rank_filter(a, rank, **kw)
                np.testing.assert_array_equal(got, want, err_msg=f"{rank} {kw}")


def test_filter_family_signatures_are_one_table():
    """The stub's filter signatures (names, kinds, defaults) = the compiled
    functions' = fastcpp.dask's (without out=), one row per member of
    fastcpp.dask.FILTER_SELECTION."""
    import ast
    import inspect
    from pathlib import Path

    dask = pytest.importorskip("fastcpp.dask")
    stub = ast.parse((Path(fastcpp.__file__).parent / "_core.pyi").read_text())
    stubs = {f.name: f for f in stub.body if isinstance(f, ast.FunctionDef)}
    for name, selection in dask.FILTER_SELECTION.items():
        runtime = inspect.signature(getattr(fastcpp, name))
        f = stubs[name]
        positional = [a.arg for a in f.args.args]
        keyword = [a.arg for a in f.args.kwonlyargs]
        assert positional + keyword == list(runtime.parameters), name
        assert positional == ["image", *([selection] if selection else []), "size"]
        defaults = [*f.args.defaults, *f.args.kw_defaults]
        stub_defaults = [ast.literal_eval(d) for d in defaults if d is not None]
        runtime_defaults = [
            p.default for p in runtime.parameters.values() if p.default is not p.empty
        ]
        assert stub_defaults == runtime_defaults, name
        lazy = inspect.signature(getattr(dask, name))
        assert list(lazy.parameters) == [p for p in runtime.parameters if p != "out"]
        for p in lazy.parameters.values():
            assert p.kind == runtime.parameters[p.name].kind, (name, p.name)
            assert p.default == runtime.parameters[p.name].default, (name, p.name)


@pytest.mark.parametrize("name", ["median_filter", "rank_filter", "percentile_filter"])
def test_out_misaligned_by_its_data_pointer(name):
    # element strides but a data pointer one byte off (a view into a byte
    # buffer): computed aside and copied in, never written through a
    # misaligned pointer (UBSan found this through the fuzzer)
    img = np.arange(48, dtype=np.int16).reshape(6, 8)[:, ::-1].copy()
    buf = np.zeros(img.nbytes + 1, np.uint8)
    out = buf[1:].view(np.int16).reshape(img.shape)
    assert not out.flags.aligned
    extra = {"rank_filter": (4,), "percentile_filter": (50,), "median_filter": ()}[name]
    got = getattr(fastcpp, name)(img, *extra, size=3, out=out)
    assert got is out
    np.testing.assert_array_equal(out, getattr(ndi, name)(img, *extra, size=3))
