"""fastcpp.threads(n): a per-thread count, a process-wide cap on helper
threads, and single-threaded kernels inside fastcpp.dask tasks."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

import numpy as np
import pytest

import fastcpp

linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="counts threads in /proc/self/task"
)


def _cpus() -> int:
    return (
        len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count()
    )


def test_threads_sets_the_calling_thread_only():
    base = fastcpp.get_num_threads()
    seen: dict[str, int] = {}
    inside = threading.Event()
    release = threading.Event()

    def other() -> None:
        inside.wait()
        seen["other"] = fastcpp.get_num_threads()
        release.set()

    t = threading.Thread(target=other)
    t.start()
    with fastcpp.threads(1):
        seen["mine"] = fastcpp.get_num_threads()
        inside.set()
        release.wait()
    t.join()
    assert seen == {"mine": 1, "other": base}
    assert fastcpp.get_num_threads() == base


def test_threads_nests_and_restores_on_error():
    base = fastcpp.get_num_threads()
    scope = fastcpp.threads(3)
    seen = []

    def body() -> None:
        with scope:
            seen.append(fastcpp.get_num_threads())
            with fastcpp.threads(1):
                seen.append(fastcpp.get_num_threads())
            with scope:  # the same object, again
                seen.append(fastcpp.get_num_threads())
            seen.append(fastcpp.get_num_threads())
            raise KeyError

    with pytest.raises(KeyError):
        body()
    assert seen == [3, 1, 3, 3]
    assert fastcpp.get_num_threads() == base


def test_threads_results_do_not_depend_on_the_count():
    x = np.random.default_rng(1).standard_normal(1 << 20)
    with fastcpp.threads(1):
        one = fastcpp.move_mean(x, 50), fastcpp.sum(x)
    with fastcpp.threads(4):
        four = fastcpp.move_mean(x, 50), fastcpp.sum(x)
    np.testing.assert_array_equal(one[0], four[0])
    assert one[1] == four[1]


@pytest.mark.parametrize("n", [0, -1, 4097, 2**63])
def test_threads_rejects_bad_counts(n):
    with pytest.raises((ValueError, OverflowError), match="threads"):
        fastcpp.threads(n)


def test_threads_rejects_wrong_types():
    with pytest.raises(TypeError, match="threads: n must be an int, got float"):
        fastcpp.threads(2.0)


def _task_count() -> int:
    return len(os.listdir("/proc/self/task"))


@linux_only
def test_many_python_threads_never_start_more_threads_than_cores():
    """8 Python threads calling a multithreaded kernel at once, each asking
    for 8 threads: the helpers running at any moment stay within CPUs - 1."""
    x = np.random.default_rng(2).standard_normal(1 << 21)
    callers = 8
    stop = threading.Event()
    start = threading.Barrier(callers + 1)
    peak = [0]

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _task_count())

    def call() -> None:
        start.wait()
        with fastcpp.threads(8):
            for _ in range(6):
                fastcpp.move_std(x, 30)
                fastcpp.sum(x)

    before = _task_count()
    sampler = threading.Thread(target=sample)
    workers = [threading.Thread(target=call) for _ in range(callers)]
    sampler.start()
    for w in workers:
        w.start()
    start.wait()
    for w in workers:
        w.join()
    stop.set()
    sampler.join()
    # main + whatever existed + the sampler + the callers + the helper budget
    assert peak[0] <= before + 1 + callers + (_cpus() - 1)


@linux_only
def test_helpers_are_pooled_not_started_per_call():
    """Calls in a loop reuse the same parked helpers: after a first parallel
    call, a hundred more start no thread."""
    x = np.random.default_rng(3).standard_normal(1 << 20)
    with fastcpp.threads(2):
        fastcpp.move_std(x, 30)
        before = set(os.listdir("/proc/self/task"))
        for _ in range(100):
            fastcpp.move_std(x, 30)
            fastcpp.sum(x)
    assert set(os.listdir("/proc/self/task")) <= before


@linux_only
def test_woken_helpers_keep_the_process_cpus():
    """A parked helper is woken on a CPU other than its caller's (its allowed
    CPUs narrowed for the wake-up); once running it allows them all again:
    after calls separated by pauses (helpers park after ~50 us), every
    thread of the process may run on the CPUs the process may."""

    def allowed(task: str) -> str:
        with open(f"/proc/self/task/{task}/status") as f:
            return next(
                line.split(":", 1)[1].strip()
                for line in f
                if line.startswith("Cpus_allowed_list")
            )

    x = np.random.default_rng(4).standard_normal(1 << 21)
    want = allowed(str(threading.get_native_id()))
    with fastcpp.threads(max(2, _cpus())):
        for _ in range(5):
            time.sleep(0.01)
            assert fastcpp.sum(x) == pytest.approx(float(np.sum(x)))
    time.sleep(0.05)
    assert {allowed(t) for t in os.listdir("/proc/self/task")} == {want}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_gets_helpers_of_its_own():
    """The pool's threads do not cross fork(): the child starts its own and
    computes the same result (no hang on a parent's parked helper)."""
    x = np.random.default_rng(4).standard_normal(1 << 20)
    with fastcpp.threads(2):
        want = fastcpp.move_std(x, 30)  # the parent's pool is running now
    pid = os.fork()
    if pid == 0:  # the child: exit code says whether it matched
        ok = False
        try:
            with fastcpp.threads(2):
                ok = all(
                    np.array_equal(fastcpp.move_std(x, 30), want, equal_nan=True)
                    for _ in range(5)
                )
        finally:
            os._exit(0 if ok else 1)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            assert os.waitstatus_to_exitcode(status) == 0
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    pytest.fail("the forked child hung in a parallel call")


@linux_only
def test_small_inputs_start_no_thread():
    # Thread ids, not a count: threads of an earlier test (its Python callers,
    # a pool winding down) may end meanwhile; only a new one is a failure.
    x = np.ones(1000)
    before = set(os.listdir("/proc/self/task"))
    with fastcpp.threads(8):
        for f in (fastcpp.move_mean, fastcpp.move_max, fastcpp.move_median):
            f(x, 10)
        fastcpp.sum(x)
    assert set(os.listdir("/proc/self/task")) <= before


def test_dask_tasks_run_single_threaded(monkeypatch):
    da = pytest.importorskip("dask.array")
    import dask

    import fastcpp.dask as fd
    from fastcpp.dask import _graph

    counts: list[int] = []
    kernel = _graph.one_thread_call

    def spy(fn, *args, **kwargs):
        def counted(*a, **k):
            counts.append(fastcpp.get_num_threads())
            return fn(*a, **k)

        return kernel(counted, *args, **kwargs)

    monkeypatch.setattr(_graph, "one_thread_call", spy)
    x = da.from_array(np.arange(40.0), chunks=10)
    with dask.config.set(scheduler="threads"):
        got = fd.move_mean(x, 3).compute()
    np.testing.assert_allclose(got, fastcpp.move_mean(np.arange(40.0), 3))
    assert counts
    assert set(counts) == {1}
