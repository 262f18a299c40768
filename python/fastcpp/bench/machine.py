"""What the numbers were measured on: CPU, cores, SIMD level, threads, versions."""

from __future__ import annotations

import importlib
import os
import platform
import subprocess
import sys
from typing import Any

import numpy as np

from fastcpp.bench import peers, simd


def cpu_model() -> str:
    """The CPU's marketing name (Linux /proc/cpuinfo, macOS sysctl, else platform)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.lower().startswith(("model name", "hardware", "cpu model")):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    if sys.platform == "darwin":
        try:
            out = subprocess.run(
                ["sysctl", "-n", "machdep.cpu.brand_string"],
                capture_output=True,
                text=True,
                timeout=5,
                check=False,
            )
            if out.stdout.strip():
                return out.stdout.strip()
        except (OSError, subprocess.SubprocessError):
            pass
    return platform.processor() or platform.machine() or "unknown"


def usable_cores() -> int:
    """Cores this process may run on (affinity / cgroup cpuset aware on Linux)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def blas_info() -> dict[str, Any]:
    """BLAS library and its thread count: threadpoolctl when installed, else
    NumPy's build configuration plus the usual environment variables."""
    try:
        threadpoolctl = importlib.import_module("threadpoolctl")
        pools = [
            p for p in threadpoolctl.threadpool_info() if p.get("user_api") == "blas"
        ]
        if pools:
            p = pools[0]
            return {
                "library": p.get("internal_api"),
                "version": p.get("version"),
                "threads": p.get("num_threads"),
                "source": "threadpoolctl",
            }
    except Exception:
        pass
    info: dict[str, Any] = {"library": None, "threads": None, "source": "numpy config"}
    try:
        config = np.show_config(mode="dicts")  # numpy >= 1.26
        blas = config.get("Build Dependencies", {}).get("blas", {})
        info["library"] = blas.get("name")
        info["version"] = blas.get("version")
    except Exception:
        pass
    for var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
        if os.environ.get(var):
            info["threads"] = f"{var}={os.environ[var]}"
            break
    else:
        info["threads"] = "default (all cores)"
    return info


def describe() -> dict[str, Any]:
    """The ``machine`` object of the JSON output (also printed above the table)."""
    import fastcpp
    from fastcpp._core import _build_info

    build = _build_info()
    return {
        "cpu": cpu_model(),
        "arch": platform.machine(),
        "cores_logical": os.cpu_count(),
        "cores_usable": usable_cores(),
        "os": f"{platform.system()} {platform.release()}",
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "fastcpp": build.get("version"),
        "fastcpp_compiler": build.get("compiler"),
        # the code path in use (FASTCPP_SIMD / --simd may cap it) and the CPU's best
        "fastcpp_simd": simd.in_use() or build.get("simd_level"),
        "cpu_simd_max": simd.cpu_max(),
        "simd_env": os.environ.get(simd.ENV),
        "fastcpp_threads": fastcpp.get_num_threads(),
        "blas": blas_info(),
        "peers": peers.versions(),
        "load_average": load_average(),
    }


def load_average() -> list[float] | None:
    """1, 5 and 15-minute load averages when the run started (None where the
    OS has none): above the core count, other processes share the cores and
    parallel contenders look slower than they are."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def summary_lines(m: dict[str, Any]) -> list[str]:
    """Human-readable lines for the top of the report."""
    blas = m["blas"]
    installed = ", ".join(f"{k} {v}" for k, v in m["peers"].items() if v)
    missing = ", ".join(k for k, v in m["peers"].items() if not v)
    lines = [
        f"CPU      {m['cpu']} ({m['arch']}), {m['cores_usable']} usable cores "
        f"of {m['cores_logical']}",
        f"fastcpp  {m['fastcpp']} [{m['fastcpp_compiler']}], SIMD {m['fastcpp_simd']}"
        f" (CPU max {m['cpu_simd_max'] or '?'}"
        + (f", {simd.ENV}={m['simd_env']}" if m["simd_env"] else "")
        + f"), {m['fastcpp_threads']} threads",
        f"numpy    {m['numpy']}, BLAS {blas.get('library') or '?'} "
        f"threads {blas.get('threads')}",
        f"python   {m['python']} on {m['os']}",
        f"peers    {installed or 'none'}",
    ]
    if missing:
        lines.append(f"missing  {missing} (skipped)")
    load = m.get("load_average")
    if load and load[0] > m["cores_usable"]:
        lines.append(
            f"load     {load[0]:.1f} on {m['cores_usable']} cores: other processes "
            "are running; times of parallel code are inflated, re-run when quiet"
        )
    return lines
