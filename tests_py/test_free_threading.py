"""Free-threaded CPython: fastcpp declares itself GIL-free and shared objects
keep their promises without the GIL.

On a regular build these tests check the locks with the GIL switching
threads; on a free-threaded build (cp313t, cp314t) the same tests run truly
in parallel, and importing fastcpp must not turn the GIL back on.
Also run under pytest-run-parallel (``--parallel-threads=4``):
each test then runs in several threads at once, each on its own objects.
"""

from __future__ import annotations

import subprocess
import sys
import threading

import numpy as np
import pytest

import fastcpp

N_THREADS = 8
ROUNDS = 200


def _chunk(i: int, r: int) -> np.ndarray:
    # Integers: every sum below is exact, so "equal to the serial result"
    # means bit for bit, whatever the order of the merges.
    return np.arange(i * 1000 + r, i * 1000 + r + 7, dtype=np.float64)


def _hammer(acc: fastcpp.Accumulator, i: int, start: threading.Barrier) -> None:
    start.wait()
    for r in range(ROUNDS):
        acc.add(float(i + r))
        acc.add_many(_chunk(i, r))
        part = fastcpp.Accumulator()
        part.add_many([1.0, 2.0, float(r)])
        acc.merge(part)
        acc += part
        # Reads while others write: a consistent state, never a torn one.
        assert acc.count >= 0
        assert acc.total >= 0.0


def test_shared_accumulator_gives_the_serial_result():
    """N threads add, add_many, merge and += into one Accumulator: count and
    total are exactly those of doing the same work in one thread."""
    shared = fastcpp.Accumulator()
    start = threading.Barrier(N_THREADS)
    threads = [
        threading.Thread(target=_hammer, args=(shared, i, start))
        for i in range(N_THREADS)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    serial = fastcpp.Accumulator()
    for i in range(N_THREADS):
        _hammer(serial, i, threading.Barrier(1))
    assert shared.count == serial.count == N_THREADS * ROUNDS * (1 + 7 + 3 + 3)
    assert shared.total == serial.total
    assert shared.min == serial.min
    assert shared.max == serial.max
    assert shared.mean() == pytest.approx(serial.mean(), rel=1e-12)
    assert shared.variance() == pytest.approx(serial.variance(), rel=1e-9)


def test_merge_into_each_other_does_not_deadlock():
    """a.merge(b) and b.merge(a) at once (and a += a) finish: no thread holds
    two locks."""
    a, b = fastcpp.Accumulator(), fastcpp.Accumulator()
    a.add(1.0)
    b.add(1.0)
    start = threading.Barrier(2)

    def run(x: fastcpp.Accumulator, y: fastcpp.Accumulator) -> None:
        start.wait()
        for _ in range(2000):
            x.merge(y)
            x.reset()
            x.add(1.0)
            x += x

    threads = [
        threading.Thread(target=run, args=(a, b)),
        threading.Thread(target=run, args=(b, a)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert a.count == b.count == 2


def test_import_keeps_the_gil_as_it_was():
    """Importing fastcpp leaves sys._is_gil_enabled() as it was: on a
    free-threaded build the module is declared GIL-free, so the GIL stays
    off (a module without the declaration turns it on, with a warning)."""
    if not hasattr(sys, "_is_gil_enabled"):
        pytest.skip("sys._is_gil_enabled needs CPython >= 3.13")
    code = (
        "import sys; before = sys._is_gil_enabled(); import fastcpp; "
        "print(before, sys._is_gil_enabled())"
    )
    out = subprocess.run(
        [sys.executable, "-W", "error", "-c", code],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out[0] == out[1]
    if sysconfig_gil_disabled():
        assert out == ["False", "False"]


def sysconfig_gil_disabled() -> bool:
    import sysconfig

    return bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
