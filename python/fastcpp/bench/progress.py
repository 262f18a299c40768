"""Progress while the bench runs: tqdm, else rich, else plain lines on stderr."""

from __future__ import annotations

import importlib
import sys
from typing import Any


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class Progress:
    """One step per workload; ``status`` shows what is being timed inside it.

    A live bar (tqdm, else rich) only when stderr is a terminal; in logs and
    pipes one plain line per workload instead.
    """

    def __init__(self, total: int, enabled: bool = True) -> None:
        self.total, self.done, self.enabled = total, 0, enabled
        self._bar: Any = None
        self._rich: Any = None
        self._task: Any = None
        if not enabled or not _is_terminal(sys.stderr):
            return
        # optional dependencies, imported by name (no stubs needed)
        try:
            tqdm = importlib.import_module("tqdm").tqdm
            self._bar = tqdm(
                total=total,
                file=sys.stderr,
                unit="workload",
                dynamic_ncols=True,
                leave=False,
            )
            return
        except ImportError:
            pass
        try:
            rich_progress = importlib.import_module("rich.progress")
            self._rich = rich_progress.Progress(transient=True, console=None)
            self._rich.start()
            self._task = self._rich.add_task("bench", total=total)
        except ImportError:
            pass

    def start(self, name: str) -> None:
        """A workload begins."""
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.set_description(name)
        elif self._rich is not None:
            self._rich.update(self._task, description=name)
        else:
            print(
                f"[{self.done + 1}/{self.total}] {name} ...",
                file=sys.stderr,
                flush=True,
            )

    def status(self, text: str) -> None:
        """What is being timed right now."""
        if self._bar is not None:
            self._bar.set_postfix_str(text[:40])

    def write(self, text: str) -> None:
        """Print a finished block of the report above the bar (stdout)."""
        if self._bar is not None:
            self._bar.write(text, file=sys.stdout)
        elif self._rich is not None:
            self._rich.console.print(text, markup=False, highlight=False)
        else:
            print(text, flush=True)

    def advance(self) -> None:
        """A workload is finished."""
        self.done += 1
        if self._bar is not None:
            self._bar.update(1)
        elif self._rich is not None:
            self._rich.advance(self._task)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        elif self._rich is not None:
            self._rich.stop()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
