"""Run the ```pycon examples of every page as doctests (scripts/docs.sh).

Each Markdown page is one test: its pycon blocks run in order, sharing one
namespace, as a reader would type them. Fences end an example's expected
output, so pages need no blank line before a closing fence.
"""

from __future__ import annotations

import doctest
import re
import textwrap
from pathlib import Path

import pytest

FENCE = re.compile(
    r"^(?P<indent>[ \t]*)```pycon[^\n]*\n(?P<body>.*?)^(?P=indent)```", re.S | re.M
)
FLAGS = (
    doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE | doctest.IGNORE_EXCEPTION_DETAIL
)


def pytest_collect_file(
    file_path: Path, parent: pytest.Collector
) -> pytest.Item | None:
    if file_path.suffix == ".md" and "_build" not in file_path.parts:
        return MarkdownPage.from_parent(parent, path=file_path)
    return None


class MarkdownPage(pytest.File):
    def collect(self):  # type: ignore[no-untyped-def]
        text = self.path.read_text(encoding="utf-8")
        blocks = [textwrap.dedent(m["body"]) for m in FENCE.finditer(text)]
        if blocks:
            yield PageExamples.from_parent(self, name=self.path.name, blocks=blocks)


class PageExamples(pytest.Item):
    def __init__(self, *, blocks: list[str], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.blocks = blocks
        self._report: list[str] = []

    def runtest(self) -> None:
        parser = doctest.DocTestParser()
        runner = doctest.DocTestRunner(optionflags=FLAGS)
        namespace: dict[str, object] = {}
        for i, block in enumerate(self.blocks):
            test = parser.get_doctest(
                block, namespace, f"{self.name}[{i}]", str(self.path), 0
            )
            runner.run(test, out=self._report.append, clear_globs=False)
            namespace = test.globs  # the next block sees this one's names
        if runner.failures:
            raise AssertionError("".join(self._report))

    def setup(self) -> None:
        self._report = []

    def reportinfo(self):  # type: ignore[no-untyped-def]
        return self.path, 0, f"examples on {self.name}"
