"""Side by side: the fastcpp / best-peer ratios of several ``--json`` runs.

``python -m fastcpp.bench.compare docs/bench.json docs/bench-v3.json`` prints a
Markdown table, one row per workload and one column pair (fastcpp time, ratio)
per run, headed by each run's SIMD level — the README's per-level table — then
the per-call section as one row per function, its ratios at n = 10/100/1000 in
one cell per run.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from fastcpp.bench.report import fmt_time, split_per_call


def load(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def label(doc: dict[str, Any]) -> str:
    m = doc["machine"]
    return str(m.get("fastcpp_simd") or "?")


def _cell(r: dict[str, Any] | None) -> tuple[str, str]:
    if r is None:
        return "—", "—"
    if r.get("ratio_vs_best_peer") is not None:
        return fmt_time(
            r["seconds"]
        ), f"{r['ratio_vs_best_peer']:.3g} vs {r['best_peer']}"
    if r.get("ratio_vs_floor") is not None:
        return fmt_time(r["seconds"]), f"{r['ratio_vs_floor']:.3g} vs floor"
    return fmt_time(r.get("seconds")), "WRONG" if r.get("ok") is False else "—"


def _fastcpp_rows(doc: dict[str, Any], per_call: bool) -> dict[str, dict[str, Any]]:
    return {
        r["workload"]: r
        for r in doc["results"]
        if r["role"] == "fastcpp" and (r.get("section") == "per-call") == per_call
    }


def table(docs: list[dict[str, Any]]) -> str:
    """Markdown: workload, size, then time and ratio for each run."""
    runs = [_fastcpp_rows(d, per_call=False) for d in docs]
    names: list[str] = []
    sizes: dict[str, str] = {}
    for run in runs:
        for name, r in run.items():
            if name not in names:
                names.append(name)
                sizes[name] = r.get("size", "")
    head = ["workload", "size"]
    for d in docs:
        head += [f"fastcpp ({label(d)})", f"ratio ({label(d)})"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name in names:
        cells = [f"`{name}`", sizes[name]]
        for run in runs:
            cells += list(_cell(run.get(name)))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _ratio(r: dict[str, Any] | None) -> str:
    if r is None:
        return "—"
    value = r.get("ratio_vs_best_peer")
    if value is None:
        value = r.get("ratio_vs_floor")
    if value is None:
        return "WRONG" if r.get("ok") is False else "—"
    return f"{value:.2f}"


def per_call_table(docs: list[dict[str, Any]]) -> str:
    """Markdown: one row per function; per run, its ratios at each n joined by
    ' / ' (n ascending) and the peer they are against."""
    runs = [_fastcpp_rows(d, per_call=True) for d in docs]
    functions: dict[str, list[str]] = {}
    peers: dict[str, str] = {}
    for run in runs:
        for name, r in run.items():
            fn, n = split_per_call(name)
            sizes = functions.setdefault(fn, [])
            if n not in sizes:
                sizes.append(n)
            peers.setdefault(fn, r.get("best_peer") or "call floor")
    if not functions:
        return ""
    head = ["per call", "n"] + [f"ratio ({label(d)})" for d in docs] + ["vs"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for fn, sizes in functions.items():
        sizes.sort(key=lambda n: int(n or 0))
        cells = [f"`{fn}`", " / ".join(sizes)]
        for run in runs:
            cells.append(
                " / ".join(
                    _ratio(run.get(f"percall_{fn}_{n}" if n else f"percall_{fn}"))
                    for n in sizes
                )
            )
        cells.append(peers[fn])
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    paths = sys.argv[1:] if argv is None else argv
    if not paths:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    docs = [load(p) for p in paths]
    for p, d in zip(paths, docs):
        m = d["machine"]
        print(
            f"<!-- {p}: {m.get('cpu')}, {m.get('cores_usable')} cores, "
            f"SIMD {m.get('fastcpp_simd')} (CPU max {m.get('cpu_simd_max')}) -->"
        )
    print(table(docs))
    calls = per_call_table(docs)
    if calls:
        print()
        print(calls)
    return 0


if __name__ == "__main__":
    sys.exit(main())
