#!/usr/bin/env bash
# The documentation site (docs/, Sphinx + MyST + numpydoc), built warning-free,
# and every example on its pages run as a doctest. Needs fastcpp importable and
# the `docs` extra installed (scripts/test.sh does both; `nox -s docs` too).
#   scripts/docs.sh            build into docs/_build/html and run the examples
#   scripts/docs.sh --shots    also screenshot a few pages (headless Chromium)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-python}
OUT=${DOCS_OUT:-docs/_build/html}
"$PY" -m sphinx -W --keep-going -q -b html docs "$OUT"
echo "docs: built $OUT (warning-free)"
"$PY" -m pytest docs -q -p no:cacheprovider \
    -o addopts='' -o testpaths=docs -p no:run-parallel
if [ "${1:-}" = "--shots" ]; then
    "$PY" scripts/docs_screenshots.py "$OUT"
fi
