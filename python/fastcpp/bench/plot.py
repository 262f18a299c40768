"""``--plot FILE.png``: horizontal bars of time, log scale, one panel per workload.

matplotlib is optional (the ``bench`` extra): :func:`available` is checked
before the benchmark starts so a missing matplotlib fails fast (exit code 2)
instead of after minutes of timing.
"""

from __future__ import annotations

import math
from typing import Any

from fastcpp.bench.model import Result

COLORS = {
    "fastcpp": "#d62728",
    "python": "#7f7f7f",
    "numpy": "#1f77b4",
    "peer": "#2ca02c",
    "floor": "#c7c7c7",
}


#: --scaling lines: one colour per peer across all panels.
PEER_COLORS = {
    "numpy": "#1f77b4",
    "bottleneck": "#2ca02c",
    "polars": "#9467bd",
    "pandas": "#8c564b",
    "numba": "#ff7f0e",
    "numbagg": "#bcbd22",
    "coreforecast": "#17becf",
    "scipy": "#e377c2",
    "opencv": "#7f7f7f",
    "scikit-learn": "#393b79",
    "crick": "#637939",
}


def available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def write(rows: list[Result], path: str, machine: dict[str, Any]) -> None:
    """Draw every workload with at least one timed contender into ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    from fastcpp.bench.report import fmt_time

    groups: dict[str, list[Result]] = {}
    for r in rows:
        if r.seconds is not None:
            groups.setdefault(r.workload, []).append(r)
    cols = min(3, max(1, len(groups)))
    nrows = max(1, math.ceil(len(groups) / cols))
    tallest = max((len(g) for g in groups.values()), default=1)
    fig, axes = plt.subplots(
        nrows, cols, figsize=(5.2 * cols, (0.35 * tallest + 1.1) * nrows), squeeze=False
    )
    for ax, (name, group) in zip(axes.flat, groups.items()):
        labels = [r.contender for r in group]
        secs = [r.seconds or 0.0 for r in group]
        bars = ax.barh(
            range(len(group)),
            secs,
            color=[COLORS.get(r.role, "#2ca02c") for r in group],
        )
        for bar, r in zip(bars, group):
            if r.ok is False:
                bar.set_hatch("//")
                bar.set_edgecolor("black")
                bar.set_facecolor("white")
        ax.set_yticks(range(len(group)))
        ax.set_yticklabels(
            [
                f"{lab}  WRONG" if r.ok is False else lab
                for lab, r in zip(labels, group)
            ],
            fontsize=8,
        )
        ax.invert_yaxis()
        ax.set_xscale("log")
        lo, hi = min(secs), max(secs)
        ax.set_xlim(lo / 3, max(hi * 6, lo * 30))  # room for the labels, >= 1 decade
        ax.xaxis.set_major_locator(LogLocator(base=10))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: fmt_time(x)))
        ax.xaxis.set_minor_formatter(NullFormatter())
        for i, (sec, r) in enumerate(zip(secs, group)):
            ax.text(
                sec * 1.1,
                i,
                fmt_time(sec),
                va="center",
                fontsize=7,
                fontweight="bold" if r.role == "fastcpp" else "normal",
            )
        for tick, r in zip(ax.get_yticklabels(), group):
            if r.role == "fastcpp":
                tick.set_fontweight("bold")
        ax.set_title(f"{name} ({group[0].size})", fontsize=9)
        ax.tick_params(axis="x", labelsize=7)
        ax.grid(axis="x", which="major", alpha=0.3)
        ax.set_xlabel("seconds (log, lower is better)", fontsize=7)
    for ax in list(axes.flat)[len(groups) :]:
        ax.set_visible(False)
    fig.suptitle(
        f"fastcpp {machine.get('fastcpp')} bench — {machine.get('cpu')}, "
        f"{machine.get('cores_usable')} cores, SIMD {machine.get('fastcpp_simd')}",
        fontsize=10,
    )
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.5 / fig.get_figheight()))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_scaling(rows: list[Result], path: str, machine: dict[str, Any]) -> None:
    """``--scaling --plot``: time per element against n (or filter size),
    log-log, one panel per workload, one line per contender."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, MaxNLocator, NullFormatter

    from fastcpp.bench.report import fmt_time
    from fastcpp.bench.scaling import series

    data = series(rows)
    roles = {(r.workload, r.contender): r.role for r in rows}
    swept = {r.workload for r in rows if r.sweep is not None}
    cols = min(3, max(1, len(data)))
    nrows = max(1, math.ceil(len(data) / cols))
    fig, axes = plt.subplots(
        nrows, cols, figsize=(5.2 * cols, 3.6 * nrows), squeeze=False
    )
    palette = ["#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"]
    names = sorted({c for lines in data.values() for c in lines} - set(PEER_COLORS))
    colors = {**{c: palette[i % len(palette)] for i, c in enumerate(names)}}
    colors.update(PEER_COLORS)
    for ax, (name, lines) in zip(axes.flat, data.items()):
        for contender, pts in lines.items():
            pts.sort()
            xs, ys = [p[0] for p in pts], [p[1] for p in pts]
            ours = roles.get((name, contender)) == "fastcpp"
            color = COLORS["fastcpp"] if ours else colors[contender]
            ax.plot(
                xs,
                ys,
                marker="o",
                markersize=3,
                linewidth=2.2 if ours else 1.2,
                color=color,
                label=contender,
                zorder=3 if ours else 2,
            )
        if name in swept:  # filter sizes 3 … 25: linear, integer ticks
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        else:
            ax.set_xscale("log")
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: fmt_time(y)))
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("filter size" if name in swept else "n (elements)", fontsize=7)
        ax.set_ylabel(
            "time per pixel" if name in swept else "time per element", fontsize=7
        )
        ax.tick_params(labelsize=7)
        ax.grid(which="major", alpha=0.3)
        ax.legend(fontsize=6)
    for ax in list(axes.flat)[len(data) :]:
        ax.set_visible(False)
    fig.suptitle(
        f"fastcpp {machine.get('fastcpp')} --scaling — {machine.get('cpu')}, "
        f"{machine.get('cores_usable')} cores, SIMD {machine.get('fastcpp_simd')} "
        "(lower is better)",
        fontsize=10,
    )
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.5 / fig.get_figheight()))
    fig.savefig(path, dpi=110)
    plt.close(fig)
