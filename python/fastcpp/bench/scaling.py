"""``--scaling``: how cost grows with work.

Each chosen workload that has a size axis (``Workload.scaling``) is timed at
n = 10, 100, … 10⁷ elements (``--quick``: up to 10⁵; the median filter at
sizes 3 … 25 on a fixed image) with fastcpp and its peers only. The table
shows time per element and fastcpp / best peer at every size; ``--plot``
draws time per element against n, log-log, one line per contender. A flat
line is a cost proportional to the work; a line falling to the right is a
fixed per-call cost being amortised; a step up is a cliff (cache, algorithm
switch).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from typing import Any

from fastcpp.bench.model import SCALING_N, Result, Workload

NO_AXIS = "no size axis: not swept"


def sizes_of(w: Workload, mode: str) -> tuple[int, ...]:
    return tuple((w.scaling_sizes or SCALING_N).pick(mode))


def run_scaling(args: argparse.Namespace, chosen: list[Workload]) -> int:
    from fastcpp.bench import cli, plot, report
    from fastcpp.bench.progress import Progress
    from fastcpp.bench.timing import measure

    mode, plan = cli.plan_for(args, cli.SCALING_PLANS)
    info = cli.header(mode, args, " --scaling")
    rows: list[Result] = []
    described: list[dict[str, Any]] = []
    skipped: list[dict[str, str]] = []
    with_axis = [w for w in chosen if w.scaling is not None]
    for w in chosen:
        if w.scaling is None:
            skipped.append({"workload": w.name, "note": NO_AXIS})
    steps = sum(len(sizes_of(w, mode)) for w in with_axis)
    started = time.perf_counter()
    with Progress(steps, enabled=not args.no_progress) as progress:
        for w in with_axis:
            note = cli.unavailable(w)
            if note:
                skipped.append({"workload": w.name, "note": note})
                progress.write(f"\n{w.name} — skipped: {note}")
                for _ in sizes_of(w, mode):
                    progress.advance()
                continue
            mine: list[Result] = []
            notes: list[str] = []
            for n in sizes_of(w, mode):
                progress.start(f"{w.name} {n}")
                try:
                    assert w.scaling is not None
                    case = w.scaling(n, mode)
                except Exception as exc:
                    msg = f"n={n}: could not build: {type(exc).__name__}: {exc}"
                    notes.append(msg.splitlines()[0][:200])
                    progress.advance()
                    continue
                timings = measure(case, plan, on_step=progress.status)
                mine.extend(report.results_for(w, case, timings))
                notes.extend(x for x in case.notes if x not in notes)
                del case, timings
                progress.advance()
            rows.extend(mine)
            described.append({"name": w.name, "title": w.title, "notes": notes})
            progress.write(table(w, mine, notes))
    elapsed = time.perf_counter() - started
    flat = sum(1 for x in skipped if x["note"] == NO_AXIS)
    print(
        f"\n{len(described)} workloads swept, {len(skipped) - flat} unavailable, "
        f"{flat} without a size axis, in {elapsed:.1f} s. "
        "Time per element = time per call / n."
    )
    config = cli.config_of(args, mode, plan, elapsed)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            f.write(report.to_json(info, config, rows, described, skipped))
        print(f"results written to {args.json}")
    if args.plot:
        plot.write_scaling(rows, args.plot, info)
        print(f"plot written to {args.plot}")
    sys.stdout.flush()
    return 0


def per_element(r: Result) -> float | None:
    if r.seconds is None or not r.n:
        return None
    return r.seconds / r.n


def table(w: Workload, rows: list[Result], notes: list[str]) -> str:
    """One line per size: fastcpp and best peer, per call and per element."""
    from fastcpp.bench.report import fmt_time

    by_x: dict[int, list[Result]] = {}
    for r in rows:
        by_x.setdefault(_x(r), []).append(r)
    axis = "size" if any(r.sweep is not None for r in rows) else "n"
    out = [
        f"\n{w.name} — {w.title} (scaling)",
        f"  {axis:>8}  {'fastcpp':>9}  {'per elem':>9}  {'best peer':<24}"
        f"{'per elem':>9}  fastcpp / best peer",
    ]
    for x, group in by_x.items():
        fc = next((r for r in group if r.role == "fastcpp"), None)
        if fc is None:
            continue
        best = next((r for r in group if r.contender == fc.best_peer), None)
        peer = f"{best.contender} {fmt_time(best.seconds)}" if best else "—"
        ratio = (
            f"{fc.ratio_vs_best_peer:.3g}"
            if fc.ratio_vs_best_peer is not None
            else ("WRONG" if fc.ok is False else "no correct peer")
        )
        out.append(
            f"  {x:>8}  {fmt_time(fc.seconds):>9}  {fmt_time(per_element(fc)):>9}  "
            f"{peer:<24}{fmt_time(per_element(best) if best else None):>9}  {ratio}"
        )
        wrong = [r.contender for r in group if r.ok is False]
        if wrong:
            out.append(f"            WRONG or failed: {', '.join(wrong)}")
    for note in notes:
        out.append(f"  note: {note}")
    return "\n".join(line.rstrip() for line in out)


def _x(r: Result) -> int:
    return r.sweep if r.sweep is not None else (r.n or 0)


def series(rows: list[Result]) -> dict[str, dict[str, list[tuple[int, float]]]]:
    """workload -> contender -> [(x, seconds per element)] for correct results."""
    out: dict[str, dict[str, list[tuple[int, float]]]] = {}
    for r in rows:
        pe = per_element(r)
        if pe is None or r.ok is False or r.role == "python" or not math.isfinite(pe):
            continue
        out.setdefault(r.workload, {}).setdefault(r.contender, []).append((_x(r), pe))
    return out
