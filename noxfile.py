#!/usr/bin/env python3
# /// script
# dependencies = ["nox>=2025.10.14"]
# ///
"""Task runner: ``nox -s tests|lint|docs|bench``.

The README's two set-up commands stay the source of truth; these sessions call
the same scripts, so a contributor can run one piece at a time.
"""

from __future__ import annotations

import nox

nox.needs_version = ">=2025.10.14"
nox.options.default_venv_backend = "venv"


@nox.session(default=True)
def tests(session: nox.Session) -> None:
    """The whole test suite (C++ ctest + pytest), as CI runs it."""
    session.run("bash", "scripts/test.sh", external=True)


@nox.session(default=True)
def lint(session: nox.Session) -> None:
    """ruff (check + format), mypy, codespell, clang-format (dry run)."""
    session.install("ruff", "mypy", "codespell", "clang-format", "numpy")
    session.run("ruff", "check", "python", "tests_py", "scripts", "noxfile.py")
    session.run("ruff", "format", "--check", "python", "tests_py", "noxfile.py")
    session.run("mypy", "python/fastcpp")
    session.run("codespell", "README.md", "docs", "python", "cpp", "bindings")
    sources = [
        str(p)
        for d in ("cpp", "bindings", "tests_cpp")
        for p in __import__("pathlib").Path(d).rglob("*")
        if p.suffix in {".cpp", ".hpp"}
    ]
    session.run("clang-format", "--dry-run", "--Werror", *sources)


@nox.session(default=False)
def docs(session: nox.Session) -> None:
    """The documentation site, warning-free, with its doctests."""
    session.install(".[docs]", "pytest")
    session.run("bash", "scripts/docs.sh", *session.posargs, external=True)


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """The side-by-side benchmark (e.g. ``nox -s bench -- --simd x86-64-v3``)."""
    session.install(".[bench]")
    session.run("python", "-m", "fastcpp", "bench", *session.posargs)


if __name__ == "__main__":
    nox.main()
