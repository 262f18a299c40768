"""Issue-11 moving-window targets in one interleaved run: fastcpp ÷ peer.

    PYTHONPATH=build/dev/python python scripts/bench_rolling.py [--rounds 7] [--only move_sum]

Rows: every move_* at 1M float64, w=50, on 1 and 2 threads (bottleneck is
single-threaded); move_mean float32 1M; move_mean 2000×500 rows (axis=-1,
w=20); move_max 10k w=5; ema 1M (adjust=False) against a numba loop and
pandas ewm. Each round times every contender once, in turn (best of the
round's repeats), so machine noise hits all alike; the ratio printed is the
median over rounds of the per-round ratios. Set FASTCPP_SIMD to measure a
code path below the CPU's best.
"""

from __future__ import annotations

import argparse
import statistics
import time

import bottleneck as bn
import numpy as np

import fastcpp


CLOCK = time.perf_counter


def best_of(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = CLOCK()
        fn()
        best = min(best, CLOCK() - t)
    return best


def numba_ema():
    import numba

    @numba.njit(cache=False)
    def ema(a, alpha):
        out = np.empty_like(a)
        y = a[0]
        for i in range(a.shape[0]):
            y = alpha * a[i] + (1.0 - alpha) * y
            out[i] = y
        return out

    return ema


def cases(only: str | None):
    rng = np.random.default_rng(0)
    a = rng.standard_normal(1_000_000)
    a32 = a.astype(np.float32)
    rows = rng.standard_normal((2000, 500))
    small = rng.standard_normal(10_000)
    out = []
    names = ["sum", "mean", "var", "std", "min", "max", "argmin", "argmax", "median", "rank"]
    for name in names:
        f, g = getattr(fastcpp, "move_" + name), getattr(bn, "move_" + name)
        out.append((f"move_{name} 1M w=50", lambda f=f: f(a, 50), lambda g=g: g(a, 50), "bn"))
    out.append(
        ("move_mean f32 1M w=50", lambda: fastcpp.move_mean(a32, 50), lambda: bn.move_mean(a32, 50), "bn")
    )
    out.append(
        (
            "move_mean 2000x500 w=20",
            lambda: fastcpp.move_mean(rows, 20),
            lambda: bn.move_mean(rows, 20),
            "bn",
        )
    )
    out.append(
        ("move_max 10k w=5", lambda: fastcpp.move_max(small, 5), lambda: bn.move_max(small, 5), "bn")
    )
    try:
        k = numba_ema()
        k(a[:10], 0.1)
        out.append(("ema 1M", lambda: fastcpp.ema(a, 0.1), lambda: k(a, 0.1), "numba"))
    except ImportError:
        pass
    import pandas as pd

    s = pd.Series(a)
    out.append(
        (
            "ema 1M",
            lambda: fastcpp.ema(a, 0.1),
            lambda: s.ewm(alpha=0.1, adjust=False).mean(),
            "pandas",
        )
    )
    if only:
        out = [c for c in out if only in c[0]]
    return out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--only", default=None)
    p.add_argument("--threads", default="1,2")
    p.add_argument(
        "--cpu",
        action="store_true",
        help="time the calling thread's CPU time (a busy shared machine; 1 thread only)",
    )
    args = p.parse_args()
    if args.cpu:
        global CLOCK
        CLOCK = time.thread_time
    threads = [int(t) for t in args.threads.split(",")]
    cs = cases(args.only)
    print(f"simd level: {getattr(fastcpp, 'simd_level', lambda: '?')()}")
    ratios: dict[tuple[str, str, int], list[float]] = {}
    times: dict[tuple[str, str, int], list[float]] = {}
    old = fastcpp.get_num_threads()
    for _ in range(args.rounds):
        for name, f, g, peer in cs:
            tp = best_of(g, args.repeat)
            for th in threads:
                fastcpp.set_num_threads(th)
                tf = best_of(f, args.repeat)
                ratios.setdefault((name, peer, th), []).append(tf / tp)
                times.setdefault((name, peer, th), []).append(tf)
            fastcpp.set_num_threads(old)
    print(f"{'workload':26} {'peer':7} {'thr':>3} {'fastcpp ms':>11} {'ratio':>7}")
    for (name, peer, th), r in ratios.items():
        t = statistics.median(times[(name, peer, th)]) * 1e3
        print(f"{name:26} {peer:7} {th:3d} {t:11.3f} {statistics.median(r):7.3f}")


if __name__ == "__main__":
    main()
