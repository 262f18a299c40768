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
    ``convert`` turns the warm-up result into what ``compare`` reads (e.g. a
    polars Series into NumPy) when a user of that library would not convert:
    it runs once, untimed.
    """

    name: str
    run: Callable[[], Any]
    role: str = "peer"
    expected: Any = REFERENCE
    scale: float = 1.0
    note: str = ""
    compile: Callable[[], Any] | None = None
    convert: Callable[[Any], Any] | None = None

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
    #: Elements of work (time per element = seconds / n in --scaling).
    n: int | None = None
    #: The --scaling x value when it is not n (the median filter's size).
    sweep: int | None = None
    #: Bytes one call must read: the table then shows GB/s for fastcpp and
    #: the floor (reductions, against the memory-bandwidth limit).
    bytes_read: int | None = None


@dataclass(frozen=True)
class Sizes:
    """A value per run mode: the seeds' size, ``--quick``, test-only ``--tiny``."""

    full: Any
    quick: Any
    tiny: Any

    def pick(self, mode: str) -> Any:
        return getattr(self, mode)


#: --scaling sweep: input sizes n (elements) per run mode.
SCALING_N = Sizes(
    full=(10, 100, 1000, 10**4, 10**5, 10**6, 10**7),
    quick=(10, 100, 1000, 10**4, 10**5),
    tiny=(10, 100, 1000),
)

#: Sections of the report, in print order.
SECTIONS = ("main", "per-call")


@dataclass
class Workload:
    """A named task, its fastcpp requirements and how to build it at a size.

    ``needs`` are fastcpp attributes (dotted for private ones, e.g.
    ``_core._plain_sum``); a missing one skips the workload with a note, so a
    row for a function that has not landed yet is harmless. ``probe`` checks
    what ``needs`` cannot (an option such as ``lengths=``): it returns None
    when supported, else the note to skip with. ``scaling`` builds the case
    at ``n`` elements for ``--scaling`` (fastcpp and its peers only); None:
    the workload has no size axis. ``section`` groups the summary.
    """

    name: str
    title: str
    needs: tuple[str, ...]
    build: Callable[[str], Case] | None  # None: a --scaling sweep only
    probe: Callable[[], str | None] | None = None
    scaling: Callable[[int, str], Case] | None = None
    scaling_sizes: Sizes | None = None  # default: SCALING_N
    section: str = "main"


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
    n: int | None = None
    sweep: int | None = None
    gb_per_s: float | None = None
    ratio_vs_floor: float | None = None
    section: str = "main"
