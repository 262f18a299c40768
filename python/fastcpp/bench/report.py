"""From timings to results: speedups, ratios, the text table and the JSON file."""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from typing import Any

from fastcpp.bench.model import Case, Result, Workload
from fastcpp.bench.timing import Timing

#: Roles that compete with fastcpp for "best peer" (pure Python never does).
PEER_ROLES = ("numpy", "peer")
SCHEMA_VERSION = 2


def results_for(workload: Workload, case: Case, timings: list[Timing]) -> list[Result]:
    """One Result per contender, with speedup vs pure Python and, on the
    fastcpp row, the ratio fastcpp / best correct peer (< 1: fastcpp faster)."""
    rows: list[Result] = []
    for t in timings:
        c = t.contender
        note = c.note
        ok: bool | None = t.ok
        if t.error:
            note, ok = _join(t.error, note), False
        elif ok is False:
            note = _join(t.detail, note)
        rows.append(
            Result(
                workload=workload.name,
                title=workload.title,
                size=case.size,
                contender=c.name,
                role=c.role,
                seconds=t.seconds,
                repeats=len(t.samples),
                number=t.number,
                ok=ok,
                note=note,
                scale=c.scale,
                compile_seconds=t.compile_seconds,
                spread=t.spread,
            )
        )
    for r in rows:
        r.n, r.sweep, r.section = case.n, case.sweep, workload.section
        if case.bytes_read and r.seconds:
            r.gb_per_s = case.bytes_read / r.seconds / 1e9
    floor = next((r for r in rows if r.role == "floor" and r.seconds), None)
    valid = [r for r in rows if r.seconds is not None and r.ok]
    python = next((r for r in valid if r.role == "python"), None)
    peers = [r for r in valid if r.role in PEER_ROLES]
    best = min(peers, key=lambda r: r.seconds or math.inf, default=None)
    for r in rows:
        if python is not None and r.seconds and r.ok is not False and python.seconds:
            r.speedup_vs_python = python.seconds / r.seconds
        if r.role == "fastcpp" and r.ok and best is not None and best.seconds:
            assert r.seconds is not None
            r.ratio_vs_best_peer = r.seconds / best.seconds
            r.best_peer = best.contender
        if r.role == "fastcpp" and r.ok and r.seconds and floor is not None:
            assert floor.seconds is not None
            r.ratio_vs_floor = r.seconds / floor.seconds
    return rows


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def fmt_time(s: float | None) -> str:
    if s is None:
        return "—"
    for unit, f in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if s >= f:
            return f"{s / f:.3g} {unit}"
    return f"{s / 1e-9:.3g} ns"


def fmt_factor(x: float | None) -> str:
    if x is None:
        return "—"
    if x >= 1e5:
        return f"{x:.1e}×"
    if x >= 100:
        return f"{x:,.0f}×"
    return f"{x:.3g}×"


def _check(r: Result) -> str:
    if r.seconds is None:
        return "failed"
    return {True: "ok", False: "WRONG", None: "—"}[r.ok]


def ratio_sentence(r: Result) -> str:
    """'0.25 vs bottleneck (fastcpp 4× faster)'."""
    assert r.ratio_vs_best_peer is not None
    x = r.ratio_vs_best_peer
    if 0.97 <= x <= 1.03:
        verdict = "on par"
    elif x < 1:
        verdict = f"fastcpp {fmt_factor(1 / x)} faster"
    else:
        verdict = f"fastcpp {fmt_factor(x)} slower"
    return f"{x:.3g} vs {r.best_peer} ({verdict})"


def table(rows: list[Result], notes: dict[str, list[str]]) -> str:
    """The human-readable table, grouped by workload."""
    out: list[str] = []
    by_workload: dict[str, list[Result]] = {}
    for r in rows:
        by_workload.setdefault(r.workload, []).append(r)
    width = max((len(r.contender) for r in rows), default=10)
    for name, group in by_workload.items():
        head = group[0]
        out.append(f"\n{name} — {head.title}, {head.size}")
        out.append(
            f"  {'contender':<{width}}  {'time':>9}  {'vs python':>9}  "
            f"{'check':<6}  note"
        )
        for r in group:
            note = r.note
            if r.gb_per_s is not None and r.role != "python":
                note = _join(f"{r.gb_per_s:.3g} GB/s", note)
            if r.compile_seconds is not None:
                note = _join(
                    note, f"JIT compile {fmt_time(r.compile_seconds)} (not timed)"
                )
            out.append(
                f"  {r.contender:<{width}}  {fmt_time(r.seconds):>9}  "
                f"{fmt_factor(r.speedup_vs_python):>9}  {_check(r):<6}  {note}"
            )
        fc = next((r for r in group if r.role == "fastcpp"), None)
        if fc is not None and fc.ratio_vs_best_peer is not None:
            out.append(f"  → fastcpp / best peer = {ratio_sentence(fc)}")
        elif fc is not None and not fc.ok:
            out.append("  → fastcpp gave a wrong answer or failed: no ratio")
        floor = next((r for r in group if r.role == "floor" and r.seconds), None)
        if fc is not None and fc.ratio_vs_floor is not None and floor is not None:
            out.append(
                f"  → fastcpp / {floor.contender} = {fc.ratio_vs_floor:.3g} "
                f"(the floor: {floor.note})"
            )
        for note in notes.get(name, []):
            out.append(f"  note: {note}")
    return "\n".join(line.rstrip() for line in out)


def summary(rows: list[Result]) -> str:
    """One line per workload (fastcpp time, best peer, ratio); the per-call
    section as a matrix function × n."""
    main = [r for r in rows if r.role == "fastcpp" and r.section != "per-call"]
    per_call = [r for r in rows if r.role == "fastcpp" and r.section == "per-call"]
    parts = []
    if main:
        parts.append(_summary_lines(main))
    if per_call:
        parts.append(per_call_matrix(per_call))
    return "\n".join(parts)


def _ratio_text(r: Result) -> str:
    if r.ratio_vs_best_peer is not None:
        return ratio_sentence(r)
    if r.ratio_vs_floor is not None:
        return f"{r.ratio_vs_floor:.3g} vs the floor"
    return "no correct peer ran" if r.ok else "fastcpp WRONG or failed"


def _summary_lines(fcs: list[Result]) -> str:
    width = max(len(r.workload) for r in fcs)
    lines = [
        "",
        "summary (ratio = fastcpp time / best correct peer time; < 1 is a win)",
        f"  {'workload':<{width}}  {'fastcpp':>9}  {'vs python':>9}  "
        "ratio vs best peer",
    ]
    for r in fcs:
        lines.append(
            f"  {r.workload:<{width}}  {fmt_time(r.seconds):>9}  "
            f"{fmt_factor(r.speedup_vs_python):>9}  {_ratio_text(r)}"
        )
    return "\n".join(lines)


def split_per_call(name: str) -> tuple[str, str]:
    """'percall_move_mean_100' -> ('move_mean', '100')."""
    body = name.removeprefix("percall_")
    head, _, n = body.rpartition("_")
    return (head, n) if n.isdigit() else (body, "")


def per_call_matrix(fcs: list[Result]) -> str:
    """fastcpp / best peer per call, one row per function, one column per n."""
    cells: dict[str, dict[str, str]] = {}
    against: dict[str, set[str]] = {}
    for r in fcs:
        fn, n = split_per_call(r.workload)
        if r.ratio_vs_best_peer is not None:
            cell = f"{r.ratio_vs_best_peer:.2f} ({fmt_time(r.seconds)})"
            against.setdefault(fn, set()).add(r.best_peer or "?")
        elif r.ratio_vs_floor is not None:
            cell = f"{r.ratio_vs_floor:.2f} ({fmt_time(r.seconds)})"
            against.setdefault(fn, set()).add("call floor")
        else:
            cell = "WRONG" if r.ok is False else "—"
        cells.setdefault(fn, {})[n] = cell
    cols = sorted({n for row in cells.values() for n in row}, key=lambda n: int(n or 0))
    width = max(len(fn) for fn in cells)
    lines = [
        "",
        "per-call cost on small inputs (fastcpp / best peer, fastcpp's time per "
        "call in brackets; < 1 is a win)",
        f"  {'function':<{width}}  "
        + "".join(f"{('n=' + n) if n else '':<22}" for n in cols)
        + "vs",
    ]
    for fn, row in cells.items():
        lines.append(
            f"  {fn:<{width}}  "
            + "".join(f"{row.get(n, ''):<22}" for n in cols)
            + ", ".join(sorted(against.get(fn, set())))
        )
    return "\n".join(line.rstrip() for line in lines)


def to_json(
    machine: dict[str, Any],
    config: dict[str, Any],
    rows: list[Result],
    workloads: list[dict[str, Any]],
    skipped: list[dict[str, str]],
) -> str:
    """The ``--json`` document.

    Keys: schema, machine, config, workloads, results (one object per
    contender and workload, see :class:`~fastcpp.bench.model.Result`), skipped.
    """
    doc = {
        "schema": SCHEMA_VERSION,
        "machine": machine,
        "config": config,
        "workloads": workloads,
        "results": [asdict(r) for r in rows],
        "skipped": skipped,
    }
    return json.dumps(
        doc, indent=2, ensure_ascii=False, allow_nan=False, default=_jsonable
    )


def _jsonable(x: Any) -> Any:
    if hasattr(x, "item"):
        return x.item()
    return str(x)
