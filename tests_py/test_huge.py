"""Huge inputs and memory use.

Lengths past 2**31: zero-stride views (np.broadcast_to) of one value stand
for 2**31 + 10 elements without allocating them, and the results are known
analytically, so a 32-bit index or count anywhere (truncation, overflow,
wrap-around) shows as a wrong count or total. Each case runs in a child
process whose address space is capped (RLIMIT_AS), so a kernel that copied
such an input would fail with MemoryError instead of taking the machine down.

Only functions whose output is small can be checked this way: the
reductions (sum, dot, norm) and Accumulator.add_many here, and nearest_k
(k results over a huge candidate list, opt-in: FASTCPP_TEST_SLOW=1). Functions
whose output has the size of the input (move_*, ema, rolling_*, the
elementwise functions, distances, haversine, median_filter) would need an
8.6 GB float32 output; they are covered by an opt-in test
(FASTCPP_TEST_HUGE_MEMORY=1, ~9 GB RAM) and, by construction, by index_t
(int64) lengths, strides and offsets in strided.hpp / the intake layer.

Memory: on a ~24 MB float64 input every function's peak (tracemalloc for
NumPy/Python allocations, the kernel's RSS high-water mark for everything
including C++ allocations) stays within output size + 1.1 x input size:
never more than one extra copy of the input.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import tracemalloc

import numpy as np
import pytest

from api_spec import Spec, array_specs, parts

N = 2**31 + 10

PREAMBLE = f"""
import math, resource, sys
import numpy as np
import fastcpp
resource.setrlimit(resource.RLIMIT_AS, ({{limit}}, {{limit}}))
N = {N}
def b(v):
    return np.broadcast_to(v, (N,))
"""

CASES = {
    "sum_float64": "assert fastcpp.sum(b(1.5)) == 1.5 * N",
    "sum_int64_exact": """
r = fastcpp.sum(b(np.int64(3)))
assert r == 3 * N and type(r) is int
""",
    "dot": "assert fastcpp.dot(b(1.5), b(2.0)) == 3.0 * N",
    "norm": "assert fastcpp.norm(b(3.0)) == math.sqrt(9.0 * N)",
    "accumulator_add_many": """
acc = fastcpp.Accumulator()
acc.add_many(b(2.0))
assert acc.count == N, acc.count
assert acc.total == 2.0 * N and acc.mean() == 2.0
assert acc.variance() == 0.0 and acc.min == 2.0 == acc.max
""",
}

SLOW_CASES = {
    "sum_float32": "assert fastcpp.sum(b(np.float32(0.5))) == 0.5 * N",
    "accumulator_float32": """
acc = fastcpp.Accumulator()
acc.add_many(b(np.float32(-2.0)))
assert acc.count == N and acc.total == -2.0 * N and acc.variance() == 0.0
""",
    "nearest_k": """
if not hasattr(fastcpp, "nearest_k"):
    sys.exit(0)
idx, dist = fastcpp.nearest_k(10.0, 20.0, b(10.0), b(21.0), k=3)
assert list(idx) == [0, 1, 2], idx   # ties by index
assert np.all(dist == dist[0])
""",
}

MEMORY_CASES = {
    # Output-sized kernels past 2**31 elements: float32 zero-stride input,
    # an 8.6 GB float32 output, results known analytically.
    "move_sum": """
if not hasattr(fastcpp, "move_sum"):
    sys.exit(0)
r = fastcpp.move_sum(b(np.float32(1.0)), 4)
assert r.shape == (N,) and r.dtype == np.float32
assert np.isnan(r[:3]).all() and r[3] == 4.0 and r[-1] == 4.0 and r[2**31 + 5] == 4.0
""",
    "scale_and_shift": """
if not hasattr(fastcpp, "scale_and_shift"):
    sys.exit(0)
r = fastcpp.scale_and_shift(b(np.float32(1.5)), 2.0, 1.0)
assert r.shape == (N,) and r[0] == 4.0 and r[-1] == 4.0 and r[2**31 + 3] == 4.0
""",
}


def run_child(code: str, limit_gb: float) -> None:
    src = PREAMBLE.format(limit=int(limit_gb * 2**30)) + textwrap.dedent(code)
    env = dict(os.environ)
    env.setdefault("FASTCPP_NUM_THREADS", "2")
    res = subprocess.run(
        [sys.executable, "-c", src],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert res.returncode == 0, res.stderr[-3000:]


@pytest.mark.parametrize("case", CASES)
def test_lengths_past_2_31(case):
    run_child(CASES[case], 3)


@pytest.mark.skipif(
    os.environ.get("FASTCPP_TEST_SLOW") != "1", reason="~1 min; FASTCPP_TEST_SLOW=1"
)
@pytest.mark.parametrize("case", SLOW_CASES)
def test_lengths_past_2_31_slow(case):
    run_child(SLOW_CASES[case], 3)


@pytest.mark.skipif(
    os.environ.get("FASTCPP_TEST_HUGE_MEMORY") != "1",
    reason="needs ~9 GB RAM; FASTCPP_TEST_HUGE_MEMORY=1",
)
@pytest.mark.parametrize("case", MEMORY_CASES)
def test_output_sized_past_2_31(case):
    run_child(MEMORY_CASES[case], 12)


# ---------------------------------------------------------------------------
# Never more than one extra copy of the input
# ---------------------------------------------------------------------------

MEM_ELEMS = 3_000_000  # 24 MB of float64


def mem_shape(spec: Spec) -> tuple:
    if spec.kind == "image":
        return (1500, 2000)
    if spec.name == "distances":
        return (MEM_ELEMS // 3, 3)
    return (MEM_ELEMS,)


def vm_hwm() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM")


def reset_hwm() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def nbytes(result) -> int:
    return sum(np.asarray(p).nbytes for p in parts(result) if isinstance(p, np.ndarray))


MEM_SPECS = array_specs()


@pytest.mark.parametrize("spec", MEM_SPECS, ids=lambda s: s.name)
def test_at_most_one_extra_copy(spec):
    if not spec.present():
        pytest.skip(f"{spec.name} is not built on this branch")
    call = spec.valid(np.random.default_rng(0), mem_shape(spec), np.float64)
    if "window" in call.kwargs:
        call = call.with_("window", 25).without("min_count")
    inputs = sum(a.nbytes for a in call.arrays())
    func = spec.func()
    func_result = call(func)  # warm-up: first-call allocations are not per-call
    del func_result
    # 1. NumPy and Python allocations.
    tracemalloc.start()
    try:
        result = call(func)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    out = nbytes(result)
    del result
    limit = out + 1.1 * inputs + (1 << 20)
    assert peak <= limit, (
        f"{spec.name}: Python-side peak {peak / 2**20:.1f} MiB for "
        f"{inputs / 2**20:.1f} MiB in, {out / 2**20:.1f} MiB out"
    )
    # 2. Everything, C++ included: the resident high-water mark of the call.
    if reset_hwm():
        base = vm_hwm()
        result = call(func)
        grown = vm_hwm() - base
        del result
        # + 16 MiB: thread stacks, allocator slack and NumPy's caches.
        assert grown <= out + 1.1 * inputs + (16 << 20), (
            f"{spec.name}: RSS peak grew {grown / 2**20:.1f} MiB for "
            f"{inputs / 2**20:.1f} MiB in, {out / 2**20:.1f} MiB out"
        )
