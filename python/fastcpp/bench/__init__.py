"""The side-by-side benchmark (placeholder until the bench issue lands)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    print("fastcpp bench: not implemented yet", file=sys.stderr)
    return 0


def console_main() -> None:
    sys.exit(main())
