"""The side-by-side benchmark: ``python -m fastcpp bench`` / ``fastcpp-bench``.

Modules: :mod:`~fastcpp.bench.cli` (arguments, run loop),
:mod:`~fastcpp.bench.workloads` (what is timed), :mod:`~fastcpp.bench.timing`
(how), :mod:`~fastcpp.bench.checks` (is the answer right),
:mod:`~fastcpp.bench.peers` (optional libraries), :mod:`~fastcpp.bench.machine`
(where), :mod:`~fastcpp.bench.report` (table, JSON), :mod:`~fastcpp.bench.plot`
(PNG), :mod:`~fastcpp.bench.progress` (progress bar).
"""

from __future__ import annotations

import sys

from fastcpp.bench.cli import main

__all__ = ["console_main", "main"]


def console_main() -> None:
    """Entry point of the ``fastcpp-bench`` console script."""
    sys.exit(main())
