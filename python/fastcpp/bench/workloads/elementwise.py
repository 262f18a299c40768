"""Elementwise kernels: gaussian, polar_to_cartesian, scale_and_shift (out=)."""

from __future__ import annotations

import math

import numpy as np

from fastcpp.bench.checks import close
from fastcpp.bench.model import Case, Contender, Sizes, Workload
from fastcpp.bench.workloads._common import fastcpp, human, pure_python, python_n, rng

N_GAUSS = Sizes(full=10**7, quick=10**6, tiny=10**4)
N_POLAR = Sizes(full=2 * 10**6, quick=2 * 10**5, tiny=10**4)
N_SCALE = Sizes(full=10**7, quick=10**6, tiny=10**4)
SIGMA = 1.5
SCALE, SHIFT = 2.5, -1.0


def _np_gaussian(a: np.ndarray, sigma: float) -> np.ndarray:
    return np.exp(-(a**2) / (2.0 * sigma**2))


def build_gaussian(mode: str) -> Case:
    n = N_GAUSS.pick(mode)
    m = python_n(n, mode)
    a = rng().normal(scale=3.0, size=n)
    small = a[:m].tolist()
    buf_np, buf_fc = np.empty_like(a), np.empty_like(a)
    c = -1.0 / (2.0 * SIGMA**2)

    def np_in_place():
        np.square(a, out=buf_np)
        np.multiply(buf_np, c, out=buf_np)
        return np.exp(buf_np, out=buf_np)

    cs = [
        pure_python(
            lambda: [math.exp(x * x * c) for x in small],
            _np_gaussian(a[:m], SIGMA),
            m,
            n,
        ),
        Contender("numpy", np_in_place, role="numpy", note="in place, 3 passes"),
        Contender(
            "numpy (expression)",
            lambda: _np_gaussian(a, SIGMA),
            role="numpy",
            note="exp(-a**2/(2σ²)), temporaries",
        ),
        Contender(
            "fastcpp",
            lambda: fastcpp.gaussian(a, SIGMA, out=buf_fc),
            role="fastcpp",
            note="out=",
        ),
    ]
    return Case(
        f"n={human(n)}, σ={SIGMA}",
        _np_gaussian(a, SIGMA),
        cs,
        close(rtol=1e-10, atol=1e-300),
    )


def build_polar_to_cartesian(mode: str) -> Case:
    n = N_POLAR.pick(mode)
    m = python_n(n, mode)
    g = rng()
    r, t = g.uniform(0, 10, n), g.uniform(-np.pi, np.pi, n)
    sr, st = r[:m].tolist(), t[:m].tolist()

    def py():
        xs, ys = [], []
        for ri, ti in zip(sr, st):
            xs.append(ri * math.cos(ti))
            ys.append(ri * math.sin(ti))
        return xs, ys

    cs = [
        pure_python(py, (r[:m] * np.cos(t[:m]), r[:m] * np.sin(t[:m])), m, n),
        Contender("numpy", lambda: (r * np.cos(t), r * np.sin(t)), role="numpy"),
        Contender("fastcpp", lambda: fastcpp.polar_to_cartesian(r, t), role="fastcpp"),
    ]
    return Case(
        f"n={human(n)}",
        (r * np.cos(t), r * np.sin(t)),
        cs,
        close(rtol=1e-10, atol=1e-12),
    )


def build_scale_and_shift(mode: str) -> Case:
    n = N_SCALE.pick(mode)
    m = python_n(n, mode)
    a = rng().random(n)
    small = a[:m].tolist()
    buf_np, buf_fc = np.empty_like(a), np.empty_like(a)

    def np_out():
        np.multiply(a, SCALE, out=buf_np)
        return np.add(buf_np, SHIFT, out=buf_np)

    cs = [
        pure_python(
            lambda: [x * SCALE + SHIFT for x in small], a[:m] * SCALE + SHIFT, m, n
        ),
        Contender("numpy", np_out, role="numpy", note="multiply+add with out="),
        Contender(
            "fastcpp",
            lambda: fastcpp.scale_and_shift(a, SCALE, SHIFT, out=buf_fc),
            role="fastcpp",
            note="out=",
        ),
    ]
    return Case(f"n={human(n)}", a * SCALE + SHIFT, cs, close(rtol=1e-12, atol=1e-15))


# --- --scaling sweeps ------------------------------------------------------------
def scale_gaussian(n: int, mode: str) -> Case:
    a = rng().normal(scale=3.0, size=n)
    buf = np.empty_like(a)
    cs = [
        Contender(
            "fastcpp", lambda: fastcpp.gaussian(a, SIGMA, out=buf), role="fastcpp"
        ),
        Contender("numpy", lambda: _np_gaussian(a, SIGMA), role="numpy"),
    ]
    return Case(
        f"n={human(n)}", _np_gaussian(a, SIGMA), cs, close(rtol=1e-10, atol=1e-300), n=n
    )


def scale_polar(n: int, mode: str) -> Case:
    g = rng()
    r, t = g.uniform(0, 10, n), g.uniform(-np.pi, np.pi, n)
    ref = (r * np.cos(t), r * np.sin(t))
    cs = [
        Contender("fastcpp", lambda: fastcpp.polar_to_cartesian(r, t), role="fastcpp"),
        Contender("numpy", lambda: (r * np.cos(t), r * np.sin(t)), role="numpy"),
    ]
    return Case(f"n={human(n)}", ref, cs, close(rtol=1e-10, atol=1e-12), n=n)


def scale_scale_and_shift(n: int, mode: str) -> Case:
    a = rng().random(n)
    b1, b2 = np.empty_like(a), np.empty_like(a)

    def np_out():
        np.multiply(a, SCALE, out=b1)
        return np.add(b1, SHIFT, out=b1)

    cs = [
        Contender(
            "fastcpp",
            lambda: fastcpp.scale_and_shift(a, SCALE, SHIFT, out=b2),
            role="fastcpp",
        ),
        Contender("numpy", np_out, role="numpy"),
    ]
    return Case(
        f"n={human(n)}", a * SCALE + SHIFT, cs, close(rtol=1e-12, atol=1e-15), n=n
    )


WORKLOADS = [
    Workload(
        "gaussian",
        "exp(-a²/(2σ²)) into a preallocated array",
        ("gaussian",),
        build_gaussian,
        scaling=scale_gaussian,
    ),
    Workload(
        "polar_to_cartesian",
        "(r, θ) → (x, y)",
        ("polar_to_cartesian",),
        build_polar_to_cartesian,
        scaling=scale_polar,
    ),
    Workload(
        "scale_and_shift",
        "a·scale + shift into a preallocated array",
        ("scale_and_shift",),
        build_scale_and_shift,
        scaling=scale_scale_and_shift,
    ),
]
