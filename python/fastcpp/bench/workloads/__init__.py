"""The benchmark's workloads, in table order, and selection by name or prefix."""

from __future__ import annotations

from fastcpp.bench.model import Workload
from fastcpp.bench.workloads import (
    accumulator,
    elementwise,
    geo,
    image,
    moving,
    reductions,
    rolling,
)

#: Every workload, in table order. A module adds its own list here; the
#: per-call section (small inputs, ``section="per-call"``) comes last.
ALL: list[Workload] = [
    *reductions.WORKLOADS,
    *accumulator.WORKLOADS,
    *rolling.WORKLOADS,
    *moving.WORKLOADS,
    *geo.WORKLOADS,
    *elementwise.WORKLOADS,
    *image.WORKLOADS,
    *moving.PERCALL,
    *reductions.PERCALL,
    *geo.PERCALL,
    *accumulator.PERCALL,
]


def select(patterns: list[str] | None) -> list[Workload]:
    """Workloads whose name equals or starts with one of ``patterns`` (in table
    order; ``None`` or empty means all). Comma-separated patterns are split.

    Raises
    ------
    ValueError
        If a pattern matches no workload (the message lists the names).
    """
    if not patterns:
        return list(ALL)
    wanted = [p.strip() for arg in patterns for p in arg.split(",") if p.strip()]
    chosen: list[Workload] = []
    for pattern in wanted:
        hits = [w for w in ALL if w.name == pattern] or [
            w for w in ALL if w.name.startswith(pattern)
        ]
        if not hits:
            names = ", ".join(w.name for w in ALL)
            raise ValueError(
                f"--only {pattern!r} matches no workload; choose from: {names}"
            )
        chosen.extend(w for w in hits if w not in chosen)
    return [w for w in ALL if w in chosen]
