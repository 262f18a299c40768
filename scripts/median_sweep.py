"""Median filter timing sweep: fastcpp vs OpenCV (cv2.medianBlur) and scipy on
512x512 uint8 / float32 images, window sizes 3..25, one interleaved run.

    PYTHONPATH=build/dev/python python scripts/median_sweep.py [--sizes 3 5 9] [--scipy]

Prints a table of best-of-N milliseconds and ratios. OpenCV runs uint8 at
odd sizes <= 15 and float32 at 3 and 5 only (its own limits)."""

from __future__ import annotations

import argparse
import time

import numpy as np

import fastcpp

CLOCK = time.perf_counter


def best_ms(fn, reps):
    fn()
    best = float("inf")
    for _ in range(reps):
        t0 = CLOCK()
        fn()
        best = min(best, CLOCK() - t0)
    return best * 1e3


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="*", default=list(range(3, 26)))
    ap.add_argument("--dtypes", nargs="*", default=["uint8", "float32"])
    ap.add_argument("--scipy", action="store_true", help="also time scipy (slow)")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--n", type=int, default=512)
    ap.add_argument(
        "--cpu",
        action="store_true",
        help="one thread each, timed by the thread's CPU time (robust when busy)",
    )
    args = ap.parse_args()
    global CLOCK
    if args.cpu:
        CLOCK = time.thread_time
        fastcpp.set_num_threads(1)
    try:
        import cv2
    except ImportError:
        cv2 = None
    if cv2 is not None and args.cpu:
        cv2.setNumThreads(1)
    ndi = None
    if args.scipy:
        import scipy.ndimage as ndi
    rng = np.random.default_rng(0)
    imgs = {
        "uint8": rng.integers(0, 256, (args.n, args.n), dtype=np.uint8),
        "float32": rng.standard_normal((args.n, args.n)).astype(np.float32),
    }
    level = getattr(fastcpp, "simd_level", lambda: "?")()
    print(
        f"simd level: {level}, threads: {fastcpp.get_num_threads()}, {args.n}x{args.n}"
    )
    print(
        f"{'dtype':8}{'size':>5}{'fastcpp':>10}{'cv2':>9}{'ratio':>7}{'scipy':>10}{'ratio':>8}"
        f"{'vs prev':>8}"
    )
    for dt in args.dtypes:
        a = imgs[dt]
        prev = None
        for k in args.sizes:
            f = best_ms(
                lambda a=a, k=k: fastcpp.median_filter(a, k, mode="nearest"), args.reps
            )
            cv = None
            if (
                cv2 is not None
                and k % 2 == 1
                and (k <= 5 or (dt == "uint8" and k <= 255))
            ):
                cv = best_ms(lambda a=a, k=k: cv2.medianBlur(a, k), args.reps)
            sp = None
            if ndi is not None:
                sp = best_ms(
                    lambda a=a, k=k: ndi.median_filter(a, k, mode="nearest"), 1
                )
            step = f / prev if prev else float("nan")
            prev = f
            cvs = f"{cv:9.3f}{f / cv:7.2f}" if cv else f"{'':9}{'':7}"
            sps = f"{sp:10.1f}{f / sp:8.4f}" if sp else f"{'':10}{'':8}"
            print(f"{dt:8}{k:5}{f:10.3f}{cvs}{sps}{step:8.2f}", flush=True)


if __name__ == "__main__":
    main()
