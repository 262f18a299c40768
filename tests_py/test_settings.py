"""Environment settings and the command line: FASTCPP_SIMD, FASTCPP_NUM_THREADS,
``python -m fastcpp info|--version``, and the C++20 guard of the umbrella header.

Each setting is read once per process, so every case runs in a fresh
interpreter with its own environment.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import fastcpp

LEVELS = ["baseline", "x86-64-v2", "x86-64-v3", "x86-64-v4"]
CPU_LEVEL = fastcpp._core._build_info()["cpu_simd_level"]


# The environment settings are read at import by the child processes these
# tests start; sanitized builds (scripts/asan_pytest.sh) have no run-time
# dispatch, so what they say of FASTCPP_SIMD differs by design: the normal
# pytest run covers this file.
pytestmark = pytest.mark.skipif(
    "asan" in os.environ.get("LD_PRELOAD", ""),
    reason="sanitized builds have no run-time dispatch (baseline only)",
)


def run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Runs `code` in a fresh interpreter with FASTCPP_* replaced by `env`."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FASTCPP_")}
    return subprocess.run(
        [sys.executable, "-W", "always", "-c", code],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_simd_level_is_a_known_name() -> None:
    assert fastcpp.simd_level() in ("baseline", "x86-64-v3", "x86-64-v4")
    assert CPU_LEVEL in LEVELS
    assert LEVELS.index(fastcpp.simd_level()) <= LEVELS.index(CPU_LEVEL)


@pytest.mark.parametrize("level", LEVELS)
def test_fastcpp_simd_caps_the_level(level: str) -> None:
    # A level the CPU lacks is capped at the CPU's own, never exceeded;
    # x86-64-v2 runs the baseline kernels (no separate copy).
    want = LEVELS[min(LEVELS.index(level), LEVELS.index(CPU_LEVEL))]
    want = "baseline" if want == "x86-64-v2" else want
    r = run_python("import fastcpp; print(fastcpp.simd_level())", FASTCPP_SIMD=level)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == want
    assert "RuntimeWarning" not in r.stderr


def test_info_reports_baseline_under_the_cap() -> None:
    r = subprocess.run(
        [sys.executable, "-m", "fastcpp", "info"],
        env={**os.environ, "FASTCPP_SIMD": "baseline"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    rows = dict(
        line.split(None, 1) for line in r.stdout.splitlines() if "level" not in line
    )
    assert rows["fastcpp"].strip() == fastcpp.__version__
    levels = [line for line in r.stdout.splitlines() if "simd level" in line]
    assert levels[0].split()[-1] == "baseline"  # "simd level": the path in use
    assert levels[1].split()[-1] == CPU_LEVEL  # "cpu simd level": the CPU's highest


@pytest.mark.parametrize("value", ["avx2", "v3", "native", "x86-64-v5"])
def test_unknown_simd_value_warns_and_is_ignored(value: str) -> None:
    r = run_python("import fastcpp; print(fastcpp.simd_level())", FASTCPP_SIMD=value)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == CPU_LEVEL
    assert "RuntimeWarning" in r.stderr
    assert f"FASTCPP_SIMD='{value}'" in r.stderr
    assert "baseline, x86-64-v2, x86-64-v3, x86-64-v4" in r.stderr


@pytest.mark.parametrize("value", ["abc", "0", "-1", "2.5", "99999"])
def test_bad_num_threads_warns_and_is_ignored(value: str) -> None:
    default = run_python("import fastcpp; print(fastcpp.get_num_threads())")
    r = run_python(
        "import fastcpp; print(fastcpp.get_num_threads())", FASTCPP_NUM_THREADS=value
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == default.stdout.strip()
    assert "RuntimeWarning" in r.stderr
    assert f"FASTCPP_NUM_THREADS='{value}'" in r.stderr


def test_good_num_threads_is_used_silently() -> None:
    r = run_python(
        "import fastcpp; print(fastcpp.get_num_threads())", FASTCPP_NUM_THREADS="3"
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "3"
    assert "Warning" not in r.stderr


def test_version_flag() -> None:
    r = subprocess.run(
        [sys.executable, "-m", "fastcpp", "--version"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert r.stdout.strip() == f"fastcpp {fastcpp.__version__}"


def _header_dir() -> Path | None:
    for d in (
        Path(fastcpp.get_include()),
        Path(__file__).parents[1] / "cpp" / "include",
    ):
        if (d / "fastcpp" / "fastcpp.hpp").is_file():
            return d
    return None


@pytest.mark.skipif(shutil.which("c++") is None, reason="no C++ compiler")
def test_header_below_cxx20_says_so(tmp_path: Path) -> None:
    include = _header_dir()
    if include is None:
        pytest.skip("headers not found next to the package or the tests")
    src = tmp_path / "old.cpp"
    src.write_text("#include <fastcpp/fastcpp.hpp>\nint main() {}\n")
    r = subprocess.run(
        ["c++", "-std=c++17", "-fsyntax-only", f"-I{include}", str(src)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert r.returncode != 0
    assert "fastcpp requires C++20" in r.stderr
    # The #error comes first: no wall of template errors after it.
    assert r.stderr.count("error:") == 1
