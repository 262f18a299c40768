"""Command line: ``python -m fastcpp info|bench|--version``."""

from __future__ import annotations

import argparse
import platform
import sys


def info() -> int:
    """Print version, compiler, SIMD level in use (and the CPU's highest), threads."""
    from fastcpp._core import _build_info

    facts = _build_info()
    import numpy as np

    rows = {
        "fastcpp": facts["version"],
        "compiler": facts["compiler"],
        "simd level": facts["simd_level"],
        "cpu simd level": facts["cpu_simd_level"],
        "threads": facts["num_threads"],
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
    }
    width = max(map(len, rows))
    for key, value in rows.items():
        print(f"{key:<{width}}  {value}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--version"]:
        import fastcpp

        print(f"fastcpp {fastcpp.__version__}")
        return 0
    parser = argparse.ArgumentParser(
        prog="python -m fastcpp",
        epilog="python -m fastcpp --version prints the version.",
    )
    parser.add_argument("command", choices=["info", "bench"])
    args, _rest = parser.parse_known_args(argv[:1])
    if args.command == "info":
        return info()
    from fastcpp.bench import main as bench_main

    return bench_main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
