"""Threads and leaks, for every function in the registry (tests_py/api_spec.py).

Threads: several Python threads calling every kernel at once on shared
inputs get exactly the serial results (the GIL is released inside, so this
is real concurrency); one Accumulator fed by 8 threads loses nothing.

Leaks: 10^4 small calls (and 10^3 medium ones, and thousands of calls that
raise) keep the resident set size flat, and the Python heap (tracemalloc,
which also sees NumPy's array buffers) does not grow per call. Bounded in
time per function so the whole file stays in seconds.
"""

from __future__ import annotations

import gc
import os
import random
import threading
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import fastcpp
from api_spec import SPECS, Call, Spec, array_specs, same

ARRAY_SPECS = array_specs()
CALLABLE_SPECS = [s for s in SPECS if s.make is not None]


def need(spec: Spec) -> None:
    if not spec.present():
        pytest.skip(f"{spec.name} is not built on this branch")


def mid_shape(spec: Spec) -> tuple:
    return {
        "image": (64, 80),
        "geo": (4000,) if spec.name != "distances" else (2000, 3),
    }.get(spec.kind, (4, 5000))


# ---------------------------------------------------------------------------
# Threads
# ---------------------------------------------------------------------------


@pytest.fixture
def two_threads():
    n = fastcpp.get_num_threads()
    fastcpp.set_num_threads(2)
    yield
    fastcpp.set_num_threads(n)


def _jobs() -> list[tuple[Spec, Call, object]]:
    jobs = []
    for spec in ARRAY_SPECS:
        if not spec.present():
            continue
        rng = np.random.default_rng(hash(spec.name) % 2**32)
        for dtype in (np.float64, np.float32):
            call = spec.valid(rng, mid_shape(spec), dtype)
            jobs.append((spec, call, call(spec.func())))
    return jobs


def test_every_kernel_concurrently_gives_serial_results(two_threads):
    """8 Python threads run every kernel (both dtypes) on the same input
    objects in shuffled order, 4 times each; every result equals the serial one."""
    jobs = _jobs()
    work = [j for j in jobs for _ in range(4)]
    random.Random(1).shuffle(work)
    before = [[np.array(a, copy=True) for a in call.arrays()] for _, call, _ in jobs]

    def run(job):
        spec, call, want = job
        got = call(spec.func())
        return spec.name, same(got, want)

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(run, work))
    bad = sorted({name for name, ok in results if not ok})
    assert not bad, f"concurrent results differ from serial: {bad}"
    # Shared inputs were never written.
    for (_, call, _), copies in zip(jobs, before):
        for a, c in zip(call.arrays(), copies):
            assert np.array_equal(a, c, equal_nan=True)


@pytest.mark.parametrize(
    "spec", [s for s in ARRAY_SPECS if s.out], ids=lambda s: s.name
)
def test_concurrent_out_targets(spec, two_threads):
    """Threads writing into their own out= arrays from one shared input."""
    need(spec)
    call = spec.valid(np.random.default_rng(3), mid_shape(spec))
    want = call(spec.func())
    outs = [np.empty_like(want) for _ in range(8)]

    def run(i):
        for _ in range(5):
            call.with_("out", outs[i])(spec.func())

    threads = [threading.Thread(target=run, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for o in outs:
        assert same(o, want)


def test_shared_accumulator_loses_nothing(two_threads):
    """One Accumulator, 8 threads calling add_many (GIL released inside) and
    add concurrently: exact count and total (integer-valued data), exact
    min/max, moments equal to a serial accumulation."""
    acc = fastcpp.Accumulator()
    rng = np.random.default_rng(5)
    chunks = [
        rng.integers(-1000, 1000, size=int(rng.integers(1, 200_000))).astype(float)
        for _ in range(8)
    ]
    reps = 6
    start = threading.Barrier(8)

    def feed(i):
        start.wait()
        for r in range(reps):
            acc.add_many(chunks[i])
            acc.add(float(i * 1000 + r))

    threads = [threading.Thread(target=feed, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    serial = fastcpp.Accumulator()
    for i in range(8):
        for r in range(reps):
            serial.add_many(chunks[i])
            serial.add(float(i * 1000 + r))
    assert acc.count == serial.count == reps * (sum(c.size for c in chunks) + 8)
    assert acc.total == serial.total  # integers: exact in any order
    assert (acc.min, acc.max) == (serial.min, serial.max)
    assert acc.variance() == pytest.approx(serial.variance(), rel=1e-12)
    assert acc.skewness() == pytest.approx(serial.skewness(), rel=1e-8, abs=1e-12)


# Sets the process-wide thread count and restores it: one thread at a time
# under pytest-run-parallel.
@pytest.mark.thread_unsafe
def test_thread_setting_is_safe_under_concurrency():
    """set_num_threads from one thread while others compute: no crash,
    results stay correct (the setting is read once per call)."""
    n0 = fastcpp.get_num_threads()
    x = np.random.default_rng(9).standard_normal(300_000)
    want = fastcpp.sum(x)
    stop = threading.Event()

    def flip():
        k = 0
        while not stop.is_set():
            fastcpp.set_num_threads(1 + k % 3)
            k += 1

    t = threading.Thread(target=flip)
    t.start()
    try:
        for _ in range(50):
            assert fastcpp.sum(x) == pytest.approx(want, rel=1e-12)
    finally:
        stop.set()
        t.join()
        fastcpp.set_num_threads(n0)


# ---------------------------------------------------------------------------
# Leaks
# ---------------------------------------------------------------------------


def leak_shape(spec: Spec) -> tuple:
    return {
        "image": (60, 80),
        "geo": (5000,) if spec.name != "distances" else (2500, 2),
    }.get(spec.kind, (2, 5000))


PAGE = os.sysconf("SC_PAGE_SIZE")


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def repeat(fn, calls: int, seconds: float) -> int:
    """Call fn up to `calls` times or until `seconds` passed; the count."""
    deadline = time.perf_counter() + seconds
    done = 0
    while done < calls:
        for _ in range(10):
            fn()
        done += 10
        if time.perf_counter() > deadline:
            break
    return done


def _quiet(call: Call, func):
    def run():
        try:
            with np.errstate(all="ignore"):
                call(func)
        except (TypeError, ValueError):
            pass

    return run


def _bad_calls(spec: Spec) -> list[Call]:
    rng = np.random.default_rng(0)
    out = []
    for bad in spec.all_bads():
        try:
            out.append(bad.mutate(spec.valid(rng, bad.shape)))
        except Exception:
            continue
    return out


def _flat_rss(fn, calls: int, seconds: float, budget: int) -> tuple[int, int]:
    repeat(fn, 200, 0.1)  # warm up caches, allocator arenas
    before = rss()
    n = repeat(fn, calls, seconds)
    grown = rss() - before
    assert grown < budget, f"RSS grew {grown / 2**20:.1f} MiB over {n} calls"
    return n, grown


# The resident set is process-wide: other threads' allocations would show.
@pytest.mark.thread_unsafe
@pytest.mark.parametrize("spec", CALLABLE_SPECS, ids=lambda s: s.name)
def test_rss_flat(spec):
    need(spec)
    func = spec.func()
    rng = np.random.default_rng(1)
    small = spec.valid(rng, spec.shapes[0]) if spec.arrays else spec.valid(rng)
    # 10^4 small calls: a leak of >= 200 bytes per call shows as >= 2 MiB.
    _flat_rss(_quiet(small, func), 10_000, 0.4, 2 << 20)
    if spec.arrays:
        # Medium calls (~40-80 KiB of input, float32 and the int->float64
        # copy path): a leaked copy of the input would be >= 8 MiB in 200.
        for dtype in (np.float32, np.int16):
            mid = spec.valid(rng, leak_shape(spec), dtype)
            _flat_rss(_quiet(mid, func), 1000, 0.15, 4 << 20)
    bads = _bad_calls(spec)
    if bads:
        it = iter(range(10**9))

        def raising():
            _quiet(bads[next(it) % len(bads)], func)()

        _flat_rss(raising, 5000, 0.25, 2 << 20)


# tracemalloc is process-wide (start/stop in one thread stops it for all).
@pytest.mark.thread_unsafe
@pytest.mark.parametrize("spec", CALLABLE_SPECS, ids=lambda s: s.name)
def test_python_heap_flat(spec):
    """tracemalloc (Python objects and NumPy buffers): no growth per call,
    for succeeding and raising calls."""
    need(spec)
    func = spec.func()
    calls = [
        spec.valid(np.random.default_rng(2), shape)
        for shape in (spec.shapes if spec.arrays else [None])
    ]
    calls += _bad_calls(spec)
    fns = [_quiet(c, func) for c in calls]

    def all_once():
        for f in fns:
            f()

    # Warm up before tracing: Python's free lists (floats, tuples, frames)
    # keep freed blocks, which tracemalloc counts as live while they fill.
    for _ in range(100):
        all_once()
    tracemalloc.start()
    try:
        # Caches (NumPy's, pybind11's, pytest's) settle or grow in steps; a
        # leak grows in every interval. So: the smallest growth of 3 intervals,
        # per call below the smallest Python object (16 B) plus noise.
        for _ in range(10):
            all_once()
        growth = []
        rounds = 80
        for _ in range(3):
            gc.collect()
            base, _ = tracemalloc.get_traced_memory()
            for _ in range(rounds):
                all_once()
            gc.collect()
            now, _ = tracemalloc.get_traced_memory()
            growth.append(now - base)
    finally:
        tracemalloc.stop()
    per_call = min(growth) / (rounds * len(fns))
    msg = f"{spec.name}: Python heap grew {growth} B per {rounds} rounds"
    assert per_call < 10, msg
