"""Helpers shared by the workload definitions."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

import fastcpp as _fastcpp
from fastcpp.bench import peers
from fastcpp.bench.model import Contender

#: The fastcpp module, typed as Any: workloads call kernels of every area by
#: their API.md names, and a build may lack some (the workload is then skipped
#: before anything is called), which static checking must not reject.
fastcpp: Any = _fastcpp

#: Largest input a pure-Python loop is timed on, per mode; its time is scaled
#: linearly to the workload's size (every pure-Python loop here is O(n)).
PYTHON_CAP = {"full": 10**6, "quick": 10**5, "tiny": 10**3}


def rng() -> np.random.Generator:
    """The same data on every run and machine."""
    return np.random.default_rng(20241122)


def human(n: float) -> str:
    """10**8 -> '10^8', 2_000_000 -> '2M', 512 -> '512'."""
    n = int(n)
    if n >= 10 and n == 10 ** (len(str(n)) - 1):
        return f"10^{len(str(n)) - 1}"
    for unit, div in (("M", 10**6), ("k", 10**3)):
        if n >= div and n % div == 0:
            return f"{n // div}{unit}"
    return str(n)


def python_n(n: int, mode: str) -> int:
    """Size the pure-Python contender is timed on."""
    return min(n, PYTHON_CAP[mode])


def pure_python(
    run: Callable[[], Any],
    expected: Any,
    timed_n: float,
    full_n: float,
    what: str = "n",
) -> Contender:
    """The pure-Python contender, timed at ``timed_n`` and scaled to ``full_n``."""
    scale = full_n / timed_n
    note = (
        "" if scale == 1 else f"timed at {what}={human(timed_n)}, scaled ×{scale:.3g}"
    )
    return Contender(
        "pure python", run, role="python", expected=expected, scale=scale, note=note
    )


def with_peer(
    label: str,
    contenders: list[Contender],
    notes: list[str],
    make: Callable[[Any], Contender | list[Contender] | None],
    submodule: str = "",
) -> None:
    """Add the contender(s) built by ``make(module)`` if the peer imports,
    else a 'not installed' note."""
    mod = peers.get(label, submodule)
    if mod is None:
        notes.append(peers.missing(label))
        return
    made = make(mod)
    if made is None:
        return
    contenders.extend(made if isinstance(made, list) else [made])


def join_notes(*parts: str) -> str:
    """Non-empty note parts joined with ', '."""
    return ", ".join(p for p in parts if p)
