"""Command line: ``python -m fastcpp info`` and ``python -m fastcpp bench``."""

from __future__ import annotations

import argparse
import platform
import sys


def info() -> int:
    """Print version, compiler, SIMD level chosen at run time and threads."""
    from fastcpp._core import _build_info

    facts = _build_info()
    import numpy as np

    rows = {
        "fastcpp": facts["version"],
        "compiler": facts["compiler"],
        "simd level": facts["simd_level"],
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
    parser = argparse.ArgumentParser(prog="python -m fastcpp")
    parser.add_argument("command", choices=["info", "bench"])
    args, _rest = parser.parse_known_args(argv[:1])
    if args.command == "info":
        return info()
    from fastcpp.bench import main as bench_main

    return bench_main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
