"""Screenshot pages of the built documentation with headless Chromium.

    python scripts/docs_screenshots.py docs/_build/html [--out docs/_build/shots]

A person then looks at the PNGs (navigation, tables, code blocks, the API
entries). Needs Debian's `chromium`; prints where each screenshot went.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

PAGES = [
    "index.html",
    "getting-started.html",
    "porting.html",
    "api.html",
    "guide/rolling.html",
    "benchmarks.html",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", type=Path, help="the built site (docs/_build/html)")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=1800)
    args = parser.parse_args(argv)
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        print("docs_screenshots: chromium not found (apt-get install chromium)")
        return 2
    out = args.out or args.html.parent / "shots"
    out.mkdir(parents=True, exist_ok=True)
    for page in PAGES:
        source = (args.html / page).resolve()
        if not source.exists():
            print(f"docs_screenshots: {page} was not built")
            return 1
        png = out / (page.replace("/", "_").removesuffix(".html") + ".png")
        subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                f"--window-size={args.width},{args.height}",
                f"--screenshot={png}",
                source.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        print(png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
