"""The documentation covers the public API, and its examples run.

The site itself is built warning-free (and its pages' examples run) by
scripts/docs.sh, which the test command calls; these tests check what can be
checked without building it.
"""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

import fastcpp

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def documented_names() -> set[str]:
    text = (DOCS / "api.md").read_text(encoding="utf-8")
    return set(re.findall(r"^\.\. auto(?:function|class|data):: (\w+)", text, re.M))


def test_every_public_name_has_an_api_entry() -> None:
    missing = sorted(set(fastcpp.__all__) - documented_names())
    assert not missing, f"add these to docs/api.md: {missing}"


def test_api_page_names_exist() -> None:
    unknown = sorted(n for n in documented_names() if not hasattr(fastcpp, n))
    assert not unknown, f"docs/api.md documents names fastcpp lacks: {unknown}"


@pytest.mark.parametrize("path", sorted(p.name for p in ROOT.glob("*.md")))
def test_project_pages_stay_inside_the_repository(path: str) -> None:
    text = (ROOT / path).read_text(encoding="utf-8")
    assert "../shared" not in text


def test_docs_pages_stay_inside_the_repository() -> None:
    for page in DOCS.rglob("*.md"):
        assert "../shared" not in page.read_text(encoding="utf-8"), page


def objects_with_examples() -> list[tuple[str, object]]:
    """Every public function, class and method whose docstring has examples."""
    found: list[tuple[str, object]] = []
    for name in sorted(fastcpp.__all__):
        obj = getattr(fastcpp, name)
        if not callable(obj):
            continue
        found.append((name, obj))
        if isinstance(obj, type):
            for attr, member in sorted(vars(obj).items()):
                if not attr.startswith("_") and getattr(member, "__doc__", None):
                    found.append((f"{name}.{attr}", member))
    return [(n, o) for n, o in found if ">>>" in (getattr(o, "__doc__", None) or "")]


@pytest.mark.parametrize(
    ("name", "obj"),
    objects_with_examples(),
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_docstring_examples_run(name: str, obj: object) -> None:
    doc = obj.__doc__ or ""
    globs = {"np": __import__("numpy"), "fastcpp": fastcpp, **vars(fastcpp)}
    test = doctest.DocTestParser().get_doctest(doc, globs, name, None, 0)
    runner = doctest.DocTestRunner(
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    )
    out: list[str] = []
    runner.run(test, out=out.append)
    assert not runner.failures, "".join(out)
