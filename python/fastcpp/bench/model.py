"""The data the benchmark passes around: contenders, cases, workloads, results."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

#: Roles a contender plays in a workload. ``python`` is the slow baseline the
#: speedups are relative to, ``fastcpp`` is us, ``peer`` is every other library
#: (NumPy included) and ``floor`` is an informative lower bound that does not
#: compute the answer (e.g. a loop calling ``math.fabs``) and is never checked.
ROLES = ("python", "numpy", "fastcpp", "peer", "floor")

#: Sentinel: a contender is checked against the workload's reference.
REFERENCE: Any = object()


@dataclass
class Contender:
    """One way of computing a workload's answer.

    ``run`` is the timed call (no arguments: inputs are bound in the closure).
    ``expected`` is what ``run`` must return; by default the workload's
    reference, overridden when the contender computes on a smaller input (pure
    Python, whose time is then multiplied by ``scale``) or a documented variant.
    ``compile`` is a JIT warm-up (numba, numbagg) timed once and reported as
    ``compile_seconds``, never included in ``seconds``.
    """

    name: str
    run: Callable[[], Any]
    role: str = "peer"
    expected: Any = REFERENCE
    scale: float = 1.0
    note: str = ""
    compile: Callable[[], Any] | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"role (={self.role!r}) must be one of {ROLES}")


@dataclass
class Case:
    """A workload instantiated at one size: the inputs live in the closures."""

    size: str
    reference: Any
    contenders: list[Contender]
    compare: Callable[[Any, Any], tuple[bool, str]]
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Sizes:
    """A value per run mode: the seeds' size, ``--quick``, test-only ``--tiny``."""

    full: Any
    quick: Any
    tiny: Any

    def pick(self, mode: str) -> Any:
        return getattr(self, mode)


@dataclass
class Workload:
    """A named task, its fastcpp requirements and how to build it at a size."""

    name: str
    title: str
    needs: tuple[str, ...]
    build: Callable[[str], Case]


@dataclass
class Result:
    """One row of the table and of the JSON ``results`` list."""

    workload: str
    title: str
    size: str
    contender: str
    role: str
    seconds: float | None
    repeats: int
    number: int
    ok: bool | None
    note: str = ""
    scale: float = 1.0
    compile_seconds: float | None = None
    spread: float | None = None
    speedup_vs_python: float | None = None
    ratio_vs_best_peer: float | None = None
    best_peer: str | None = None
