"""fastcpp.dask kernels (threaded scheduler) vs the in-memory calls.

Usage: python scripts/bench_dask_kernels.py   (50M float64 in 5M chunks;
a 4000x4000 uint8 image in 1000x1000 chunks). Best of 3; the dask times
include assembling the result into one numpy array (.compute()).
"""

from __future__ import annotations

import time

import dask
import dask.array as da
import numpy as np

import fastcpp
import fastcpp.dask as fd


def _best(fn, repeats=3):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    a = np.random.default_rng(0).standard_normal(50_000_000)
    x = da.from_array(a, chunks=5_000_000).persist()
    img = np.random.default_rng(1).integers(0, 255, (4000, 4000)).astype(np.uint8)
    xi = da.from_array(img, chunks=1000).persist()
    cases = [
        (
            "move_mean w=100",
            lambda: fastcpp.move_mean(a, 100),
            lambda: fd.move_mean(x, 100).compute(),
        ),
        (
            "move_median w=101",
            lambda: fastcpp.move_median(a, 101),
            lambda: fd.move_median(x, 101).compute(),
        ),
        ("ema parallel", lambda: fastcpp.ema(a, 0.1), lambda: fd.ema(x, 0.1).compute()),
        (
            "ema sequential",
            lambda: fastcpp.ema(a, 0.1),
            lambda: fd.ema(x, 0.1, method="sequential").compute(),
        ),
        (
            "ema adjust=True parallel",
            lambda: fastcpp.ema(a, 0.1, adjust=True),
            lambda: fd.ema(x, 0.1, adjust=True).compute(),
        ),
        (
            "ema adjust=True sequential",
            lambda: fastcpp.ema(a, 0.1, adjust=True),
            lambda: fd.ema(x, 0.1, adjust=True, method="sequential").compute(),
        ),
        (
            "median_filter 5x5 uint8",
            lambda: fastcpp.median_filter(img, 5),
            lambda: fd.median_filter(xi, 5).compute(),
        ),
    ]
    with dask.config.set(scheduler="threads"):
        for name, in_memory, chunked in cases:
            t_mem, t_dask = _best(in_memory), _best(chunked)
            print(
                f"{name:28s} in-memory {t_mem:.3f} s  dask {t_dask:.3f} s  "
                f"{t_mem / t_dask:.2f} x"
            )


if __name__ == "__main__":
    main()
