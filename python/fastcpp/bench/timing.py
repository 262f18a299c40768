"""Honest timing: check first, warm up, interleave contenders, report medians.

For each contender of a case:

1. ``compile`` (JIT warm-up, if any) is run once and timed separately: it is
   reported as ``compile_seconds`` and never counted in ``seconds``.
2. One warm-up call: its result (passed through ``convert`` if set, untimed)
   is checked against the expected answer (a
   wrong answer is recorded as ``ok=False`` and the contender is never a
   winner), and its duration sets ``number``, the calls per sample, so that a
   sample lasts at least ``min_sample`` seconds (timer resolution, call noise).
3. ``repeats`` rounds; in each round every contender takes one sample, in a
   rotated order, so that slow drifts of the machine (turbo, other processes,
   thermal) hit all contenders alike instead of whichever ran last. Before
   each sample the process waits (at most ``settle`` seconds) until none of
   its other threads is running: a peer's thread pool may keep spinning after
   its call (OpenBLAS's workers, behind np.dot and np.linalg.norm, stay
   runnable ~0.13 s) and would take cores from whichever contender came next.
4. ``seconds`` = median of the samples / ``number`` × ``scale`` (scale > 1 for
   pure Python timed on a smaller input). ``spread`` = (max - min) / median of
   the samples, a noise indicator.

Garbage collection is disabled while a sample runs, as in :mod:`timeit`.
"""

from __future__ import annotations

import gc
import math
import os
import statistics
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from fastcpp.bench.model import REFERENCE, Case, Contender


@dataclass
class Plan:
    """How hard to measure: ``repeats`` samples of at least ``min_sample`` s,
    at most ``budget`` s per contender (but never fewer than ``min_repeats``);
    before each sample, up to ``settle`` s of waiting for the process's other
    threads to stop running."""

    repeats: int = 5
    min_repeats: int = 3
    min_sample: float = 0.02
    budget: float = 3.0
    settle: float = 0.5


@dataclass
class Timing:
    """What was measured for one contender."""

    contender: Contender
    ok: bool | None = None
    detail: str = ""
    error: str = ""
    compile_seconds: float | None = None
    number: int = 1
    repeats: int = 0
    samples: list[float] = field(default_factory=list)

    @property
    def seconds(self) -> float | None:
        if not self.samples:
            return None
        return statistics.median(self.samples) * self.contender.scale

    @property
    def spread(self) -> float | None:
        if len(self.samples) < 2:
            return None
        med = statistics.median(self.samples)
        return (max(self.samples) - min(self.samples)) / med if med > 0 else None


def _other_threads_running() -> bool:
    """Whether another thread of this process is running or runnable (Linux:
    /proc/self/task/*/stat; elsewhere always False)."""
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return False
    try:  # this thread's id as /proc numbers it (it may be another PID namespace)
        me = os.readlink("/proc/thread-self").rsplit("/", 1)[1]
    except OSError:
        me = str(threading.get_native_id())
    for t in tasks:
        if t == me:
            continue
        try:
            with open(f"/proc/self/task/{t}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state == "R":
            return True
    return False


def _settle(limit: float) -> None:
    """Waits up to ``limit`` s until no other thread of the process runs."""
    end = time.perf_counter() + limit
    while time.perf_counter() < end and _other_threads_running():
        time.sleep(0.005)


def _clock(fn: Callable[[], Any], number: int) -> float:
    """Seconds per call of ``fn`` over ``number`` calls, GC off."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(number):
            fn()
        return (time.perf_counter() - start) / number
    finally:
        if enabled:
            gc.enable()


def _warm_up(case: Case, timing: Timing, plan: Plan) -> None:
    c = timing.contender
    try:
        if c.compile is not None:
            start = time.perf_counter()
            c.compile()
            timing.compile_seconds = time.perf_counter() - start
        _settle(plan.settle)  # this call sets the sample size: time it settled too
        start = time.perf_counter()
        got = c.run()
        first = time.perf_counter() - start
    except Exception as exc:  # a peer failing is reported, never fatal
        timing.error = f"failed: {type(exc).__name__}: {exc}".splitlines()[0][:160]
        return
    if c.role == "floor":
        timing.ok = None
    else:
        if c.convert is not None:
            try:
                got = c.convert(got)
            except Exception as exc:
                timing.error = f"failed to convert: {type(exc).__name__}: {exc}"
                timing.error = timing.error.splitlines()[0][:160]
                return
        expected = case.reference if c.expected is REFERENCE else c.expected
        try:
            timing.ok, timing.detail = case.compare(got, expected)
        except Exception as exc:
            timing.ok, timing.detail = False, f"{type(exc).__name__}: {exc}"
    del got
    if first < plan.budget / 4:
        # The sample size from a warm call: a first call that paid a one-time
        # cost (lazy set-up, cold caches, first-touch page faults) would make
        # every sample a few calls long (or one), where the misses after the
        # other contenders' samples weigh far more than in a peer's samples
        # of many calls.
        try:
            start = time.perf_counter()
            c.run()
            first = min(first, time.perf_counter() - start)
        except Exception:  # failed only now: its samples will say so
            pass
    first = max(first, 1e-9)
    timing.number = max(1, min(10**6, math.ceil(plan.min_sample / first)))
    per_sample = first * timing.number
    timing.repeats = max(
        plan.min_repeats, min(plan.repeats, int(plan.budget / per_sample))
    )


def measure(
    case: Case, plan: Plan, on_step: Callable[[str], None] | None = None
) -> list[Timing]:
    """Time every contender of ``case`` (see the module docstring)."""
    timings = [Timing(c) for c in case.contenders]
    for t in timings:
        if on_step:
            on_step(f"{t.contender.name}: warm-up")
        _warm_up(case, t, plan)
    live = [t for t in timings if not t.error]
    rounds = max((t.repeats for t in live), default=0)
    for r in range(rounds):
        if on_step:
            on_step(f"round {r + 1}/{rounds}")
        shift = r % len(live) if live else 0
        for t in live[shift:] + live[:shift]:
            if len(t.samples) < t.repeats:
                _settle(plan.settle)
                t.samples.append(_clock(t.contender.run, t.number))
    return timings
