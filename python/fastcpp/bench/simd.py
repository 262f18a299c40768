"""``--simd LEVEL``: run the fastcpp side on one code path, and say which.

fastcpp picks its SIMD code path once, when it is loaded, capped by the
environment variable ``FASTCPP_SIMD``; ``fastcpp.simd_level()`` reports the
path in use. The variable must therefore be set before fastcpp loads, so
``--simd`` re-runs the bench in a child process with the variable set (the
child checks that fastcpp really took that path) rather than setting it late
in this one.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys

#: x86-64 micro-architecture levels, lowest first (psABI names).
LEVELS = ("baseline", "x86-64-v2", "x86-64-v3", "x86-64-v4")
ENV = "FASTCPP_SIMD"

#: /proc/cpuinfo flags each level needs on top of the one below (psABI list;
#: ``abm`` is how Linux spells LZCNT, ``pni`` SSE3).
_FLAGS = {
    "x86-64-v2": {"cx16", "lahf_lm", "popcnt", "pni", "sse4_1", "sse4_2", "ssse3"},
    "x86-64-v3": {"avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe"},
    "x86-64-v4": {"avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"},
}


def _cpu_flags() -> set[str] | None:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return None


def cpu_max() -> str | None:
    """Highest level this CPU runs: fastcpp's own detection
    (``_build_info()["cpu_simd_level"]``) where the build reports it, else the
    /proc/cpuinfo flags; None when neither can tell."""
    try:
        from fastcpp._core import _build_info

        level = _build_info().get("cpu_simd_level")
        if level:
            return str(level)
    except Exception:  # an old build, or fastcpp not importable yet
        pass
    return cpu_max_from_flags()


def cpu_max_from_flags() -> str | None:
    """Highest x86-64 level whose /proc/cpuinfo flags are all present (None:
    not x86-64 or no /proc/cpuinfo)."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return None
    flags = _cpu_flags()
    if flags is None:
        return None
    best = "baseline"
    for level in LEVELS[1:]:
        if not _FLAGS[level] <= flags:
            break
        best = level
    return best


def in_use() -> str | None:
    """The code path fastcpp runs (``fastcpp.simd_level()``; a build without
    it reports its compile-time level through ``_build_info``)."""
    import fastcpp

    if hasattr(fastcpp, "simd_level"):
        return str(fastcpp.simd_level())
    from fastcpp._core import _build_info

    level = _build_info().get("simd_level")
    return None if level is None else str(level)


def problem(level: str) -> str | None:
    """Why ``--simd level`` cannot run here, or None."""
    top = cpu_max()
    if top is not None and LEVELS.index(level) > LEVELS.index(top):
        return (
            f"--simd {level} is above what this CPU runs (its maximum is {top}); "
            f"choose one of: {', '.join(LEVELS[: LEVELS.index(top) + 1])}"
        )
    return None


def needs_reexec(level: str) -> bool:
    """True unless this process already runs with FASTCPP_SIMD=level."""
    return os.environ.get(ENV) != level


def reexec(level: str, argv: list[str]) -> int:
    """Run ``python -m fastcpp bench argv`` with FASTCPP_SIMD=level; its exit code."""
    env = dict(os.environ)
    env[ENV] = level
    cmd = [sys.executable, "-m", "fastcpp", "bench", *argv]
    sys.stdout.flush()
    return subprocess.call(cmd, env=env)


def verify(level: str) -> tuple[str | None, str | None]:
    """After import: (error, note). error when fastcpp cannot select a path or
    runs above ``level``; note when it runs below it by design (a level with
    no code path of its own, e.g. x86-64-v2 running the baseline kernels)."""
    import fastcpp

    if not hasattr(fastcpp, "simd_level"):
        return (
            f"--simd needs a fastcpp that can select its code path "
            f"({ENV} and fastcpp.simd_level()); this build cannot",
            None,
        )
    got = str(fastcpp.simd_level())
    if got == level:
        return None, None
    if got in LEVELS and LEVELS.index(got) < LEVELS.index(level):
        return None, f"fastcpp has no {level} code path of its own: it runs {got}"
    return f"--simd {level}: {ENV}={level} was set but fastcpp runs {got}", None
