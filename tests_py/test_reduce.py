"""sum / dot / norm / sum_of_squares against math.fsum and NumPy."""

from __future__ import annotations

import math

import numpy as np
import pytest

import fastcpp
from reference import fsum


@pytest.mark.parametrize("n", [0, 1, 7, 1000, 1_000_003])
def test_sum_matches_fsum(n, float_dtype):
    x = np.random.default_rng(n).standard_normal(n).astype(float_dtype) * 1e3
    got = fastcpp.sum(x)
    assert type(got) is float
    assert got == pytest.approx(fsum(x), rel=1e-15, abs=1e-9)


def test_sum_is_compensated():
    assert fastcpp.sum([1e16, 1.0, -1e16]) == 1.0
    x = np.tile([1e10, 0.1, -1e10], 100_000)
    assert fastcpp.sum(x) == pytest.approx(math.fsum(x.tolist()), rel=1e-12)


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


def test_norm_no_overflow_or_underflow():
    assert fastcpp.norm([1e200, 1e200]) == pytest.approx(
        math.sqrt(2) * 1e200, rel=1e-15
    )
    assert fastcpp.norm([3e-200, 4e-200]) == pytest.approx(5e-200, rel=1e-15)
    assert fastcpp.norm([np.inf, 1.0]) == np.inf
    assert math.isnan(fastcpp.norm([np.nan, 1.0]))
    assert fastcpp.norm([]) == 0.0


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
    with pytest.raises(ValueError, match="too large"):
        fastcpp.sum_of_squares(2**64)
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
        with pytest.raises(ValueError, match=r"n \(=0\) must be >= 1"):
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
