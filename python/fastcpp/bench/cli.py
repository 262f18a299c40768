"""``python -m fastcpp bench`` / ``fastcpp-bench``: arguments and the run loop."""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

PLANS: dict[str, dict[str, Any]] = {
    # repeats, min_repeats, min_sample (s), budget per contender (s)
    "full": dict(repeats=7, min_repeats=3, min_sample=0.05, budget=4.0),
    "quick": dict(repeats=5, min_repeats=3, min_sample=0.005, budget=0.3),
    "tiny": dict(repeats=2, min_repeats=1, min_sample=0.0, budget=0.0),
}

EPILOG = """\
Workload names (--only takes names or prefixes, e.g. --only median_filter move_):
  see --list.
Times are medians of interleaved repeats; pure Python is timed on a smaller
input and scaled linearly (the note says so). Each answer is checked against a
NumPy reference: a wrong one is marked WRONG and never counts as a win.
Exit codes: 0 done, 2 bad arguments or --plot without matplotlib.
"""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m fastcpp bench",
        description="Time fastcpp against pure Python, NumPy and the installed peers\n"
        "(bottleneck, pandas, numba, numbagg, scipy, scikit-learn, OpenCV, RunStats).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="smaller sizes and fewer repeats: the whole run in well under a minute",
    )
    p.add_argument(
        "--only",
        nargs="+",
        action="extend",
        metavar="NAME",
        help="run only these workloads (exact names or prefixes, "
        "space- or comma-separated)",
    )
    p.add_argument(
        "--json", metavar="FILE", help="write machine-readable results to FILE"
    )
    p.add_argument(
        "--plot",
        metavar="FILE.png",
        help="write a bar chart (log scale, one panel per workload); needs matplotlib",
    )
    p.add_argument(
        "--threads",
        type=int,
        metavar="N",
        help="threads for fastcpp (fastcpp.set_num_threads) and numba",
    )
    p.add_argument(
        "--repeats",
        type=int,
        metavar="R",
        help="samples per contender (default 7, --quick 5)",
    )
    p.add_argument("--list", action="store_true", help="list the workloads and exit")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--tiny", action="store_true", help=argparse.SUPPRESS)  # tests only
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser().parse_args(argv)
    args.argv = argv

    from fastcpp.bench import workloads

    if args.list:
        width = max(len(w.name) for w in workloads.ALL)
        for w in workloads.ALL:
            print(f"{w.name:<{width}}  {w.title}")
        return 0
    try:
        chosen = workloads.select(args.only)
    except ValueError as exc:
        print(f"fastcpp bench: {exc}", file=sys.stderr)
        return 2
    from fastcpp.bench import plot

    if args.plot and not plot.available():
        print(
            "fastcpp bench: --plot needs matplotlib, which is not installed "
            "(pip install 'fastcpp[bench]' or pip install matplotlib); "
            "nothing was run.",
            file=sys.stderr,
        )
        return 2
    if args.threads is not None and args.threads < 1:
        print(
            f"fastcpp bench: --threads (={args.threads}) must be >= 1", file=sys.stderr
        )
        return 2
    if args.repeats is not None and args.repeats < 1:
        print(
            f"fastcpp bench: --repeats (={args.repeats}) must be >= 1", file=sys.stderr
        )
        return 2
    _apply_threads(args.threads)
    return run(args, chosen)


def _apply_threads(n: int | None) -> None:
    if n is None:
        return
    import fastcpp

    fastcpp.set_num_threads(n)
    if "numba" in sys.modules:
        numba = sys.modules["numba"]
        numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
    else:  # read by numba at import time
        os.environ["NUMBA_NUM_THREADS"] = str(n)


def run(args: argparse.Namespace, chosen: list[Any]) -> int:
    import fastcpp
    from fastcpp.bench import machine, plot, report
    from fastcpp.bench.progress import Progress
    from fastcpp.bench.timing import Plan, measure

    mode = "tiny" if args.tiny else "quick" if args.quick else "full"
    plan = Plan(**PLANS[mode])
    if args.repeats is not None:
        plan.repeats = args.repeats
        plan.min_repeats = min(plan.min_repeats, args.repeats)
    info = machine.describe()
    print("fastcpp bench" + {"full": "", "quick": " --quick", "tiny": " --tiny"}[mode])
    for line in machine.summary_lines(info):
        print(f"  {line}")
    sys.stdout.flush()

    rows: list[Any] = []
    notes: dict[str, list[str]] = {}
    described: list[dict[str, Any]] = []
    skipped: list[dict[str, str]] = []
    started = time.perf_counter()
    with Progress(len(chosen), enabled=not args.no_progress) as progress:
        for w in chosen:
            progress.start(w.name)
            absent = [name for name in w.needs if not hasattr(fastcpp, name)]
            if absent:
                note = ", ".join(f"fastcpp.{name} not available" for name in absent)
                skipped.append({"workload": w.name, "note": note})
                progress.write(f"\n{w.name} — skipped: {note}")
                progress.advance()
                continue
            try:
                case = w.build(mode)
            except Exception as exc:  # an input/reference problem: report, go on
                note = f"could not build: {type(exc).__name__}: {exc}"
                skipped.append({"workload": w.name, "note": note})
                progress.write(f"\n{w.name} — skipped: {note}")
                progress.advance()
                continue
            timings = measure(case, plan, on_step=progress.status)
            new = report.results_for(w, case, timings)
            rows.extend(new)
            notes[w.name] = case.notes
            described.append(
                {
                    "name": w.name,
                    "title": w.title,
                    "size": case.size,
                    "notes": case.notes,
                }
            )
            progress.write(report.table(new, notes))
            del case, timings
            progress.advance()
    print(report.summary(rows))
    elapsed = time.perf_counter() - started
    print(
        f"\n{len(described)} workloads timed, {len(skipped)} skipped, "
        f"in {elapsed:.1f} s. "
        "Read ratios, not absolute times: see docs/benchmarks.md."
    )
    config = {
        "mode": mode,
        "threads": fastcpp.get_num_threads(),
        "repeats": plan.repeats,
        "min_sample": plan.min_sample,
        "argv": args.argv,
        "elapsed_seconds": elapsed,
    }
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            f.write(report.to_json(info, config, rows, described, skipped))
        print(f"results written to {args.json}")
    if args.plot:
        plot.write(rows, args.plot, info)
        print(f"plot written to {args.plot}")
    return 0
