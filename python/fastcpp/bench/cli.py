"""``python -m fastcpp bench`` / ``fastcpp-bench``: arguments and the run loop."""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

from fastcpp.bench import simd

PLANS: dict[str, dict[str, Any]] = {
    # repeats, min_repeats, min_sample (s), budget per contender (s)
    "full": dict(repeats=7, min_repeats=3, min_sample=0.05, budget=4.0),
    "quick": dict(repeats=5, min_repeats=3, min_sample=0.005, budget=0.3),
    "tiny": dict(repeats=2, min_repeats=1, min_sample=0.0, budget=0.0),
}
#: --scaling times 7 sizes per workload (the median filter 23): shorter
#: samples, but at least 5 of them, so that one slow sample on a shared
#: machine does not make a step between two neighbouring sizes.
SCALING_PLANS: dict[str, dict[str, Any]] = {
    "full": dict(repeats=9, min_repeats=5, min_sample=0.02, budget=2.0),
    "quick": dict(repeats=3, min_repeats=2, min_sample=0.003, budget=0.1),
    "tiny": dict(repeats=1, min_repeats=1, min_sample=0.0, budget=0.0),
}

EPILOG = """\
Workload names (--only takes names or prefixes, e.g. --only median_filter move_):
  see --list.
Times are medians of interleaved repeats; pure Python is timed on a smaller
input and scaled linearly (the note says so). Each answer is checked against a
NumPy reference: a wrong one is marked WRONG and never counts as a win.
--simd LEVEL re-runs the bench in a child process with FASTCPP_SIMD=LEVEL
and checks with fastcpp.simd_level() that fastcpp took that path.
--scaling times each workload at n = 10 ... 10^7 (--quick: ... 10^5; the
median filter at sizes 3 ... 25) against its peers: a table of time per
element, and with --plot a log-log chart of it.
Exit codes: 0 done, 2 bad arguments, --plot without matplotlib, or a --simd
level this CPU or this fastcpp cannot run.
"""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m fastcpp bench",
        description="Time fastcpp against pure Python, NumPy and the installed peers\n"
        "(bottleneck, pandas, polars, numba, numbagg, scipy, scikit-learn,\n"
        "scikit-image, OpenCV, coreforecast, RunStats, crick, river, xsum).",
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
    p.add_argument(
        "--simd",
        choices=simd.LEVELS,
        metavar="LEVEL",
        help="run fastcpp on this code path (FASTCPP_SIMD): "
        + ", ".join(simd.LEVELS)
        + "; never above what the CPU runs",
    )
    p.add_argument(
        "--scaling",
        action="store_true",
        help="time each workload over input sizes n = 10 ... 10^7 (median "
        "filter: sizes 3 ... 25) against its peers; --plot draws time per "
        "element, log-log",
    )
    p.add_argument("--list", action="store_true", help="list the workloads and exit")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--tiny", action="store_true", help=argparse.SUPPRESS)  # tests only
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser().parse_args(argv)
    args.argv = argv
    if args.simd and not args.list:
        why = simd.problem(args.simd)
        if why:
            print(f"fastcpp bench: {why}", file=sys.stderr)
            return 2
        if simd.needs_reexec(args.simd):
            return simd.reexec(args.simd, argv)
        why, note = simd.verify(args.simd)
        if why:
            print(f"fastcpp bench: {why}", file=sys.stderr)
            return 2
        if note:
            print(f"fastcpp bench: note: {note}", file=sys.stderr)

    from fastcpp.bench import workloads

    if args.list:
        width = max(len(w.name) for w in workloads.ALL)
        for w in workloads.ALL:
            tags = [] if w.scaling is None else ["scaling"]
            if w.section != "main":
                tags.append(w.section)
            tag = f"  [{', '.join(tags)}]" if tags else ""
            print(f"{w.name:<{width}}  {w.title}{tag}")
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
    if args.scaling:
        from fastcpp.bench.scaling import run_scaling

        return run_scaling(args, chosen)
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


def _has(obj: Any, dotted: str) -> bool:
    for part in dotted.split("."):
        if not hasattr(obj, part):
            return False
        obj = getattr(obj, part)
    return True


def unavailable(w: Any) -> str | None:
    """Why workload ``w`` cannot run on this fastcpp (None: it can)."""
    import fastcpp

    absent = [name for name in w.needs if not _has(fastcpp, name)]
    if absent:
        return ", ".join(f"fastcpp.{name} not available" for name in absent)
    if w.probe is not None:
        return w.probe()
    return None


def header(mode: str, args: argparse.Namespace, extra: str = "") -> dict[str, Any]:
    """Print the machine header; return the machine description."""
    from fastcpp.bench import machine

    info = machine.describe()
    flags = {"full": "", "quick": " --quick", "tiny": " --tiny"}[mode]
    if args.simd:
        flags += f" --simd {args.simd}"
    print("fastcpp bench" + flags + extra)
    for line in machine.summary_lines(info):
        print(f"  {line}")
    sys.stdout.flush()
    return info


def config_of(args: argparse.Namespace, mode: str, plan: Any, elapsed: float) -> dict:
    import fastcpp

    return {
        "mode": mode,
        "scaling": bool(args.scaling),
        "simd_requested": args.simd,
        "threads": fastcpp.get_num_threads(),
        "repeats": plan.repeats,
        "min_sample": plan.min_sample,
        "argv": args.argv,
        "elapsed_seconds": elapsed,
    }


def plan_for(args: argparse.Namespace, plans: dict[str, dict[str, Any]]) -> tuple:
    from fastcpp.bench.timing import Plan

    mode = "tiny" if args.tiny else "quick" if args.quick else "full"
    plan = Plan(**plans[mode])
    if args.repeats is not None:
        plan.repeats = args.repeats
        plan.min_repeats = min(plan.min_repeats, args.repeats)
    return mode, plan


def run(args: argparse.Namespace, chosen: list[Any]) -> int:
    from fastcpp.bench import plot, report
    from fastcpp.bench.progress import Progress
    from fastcpp.bench.timing import measure

    mode, plan = plan_for(args, PLANS)
    info = header(mode, args)
    chosen = [w for w in chosen if w.build is not None]

    rows: list[Any] = []
    notes: dict[str, list[str]] = {}
    described: list[dict[str, Any]] = []
    skipped: list[dict[str, str]] = []
    started = time.perf_counter()
    with Progress(len(chosen), enabled=not args.no_progress) as progress:
        for w in chosen:
            progress.start(w.name)
            note = unavailable(w)
            if note:
                skipped.append({"workload": w.name, "note": note})
                progress.write(f"\n{w.name} — skipped: {note}")
                progress.advance()
                continue
            try:
                assert w.build is not None
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
    config = config_of(args, mode, plan, elapsed)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            f.write(report.to_json(info, config, rows, described, skipped))
        print(f"results written to {args.json}")
    if args.plot:
        plot.write(rows, args.plot, info)
        print(f"plot written to {args.plot}")
    return 0
