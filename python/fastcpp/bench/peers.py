"""Optional peers: imported on first use, a missing one is a note, never an error."""

from __future__ import annotations

import importlib
from types import ModuleType

#: Peer label -> importable module (the label is what the table shows).
PEERS: dict[str, str] = {
    "bottleneck": "bottleneck",
    "pandas": "pandas",
    "numbagg": "numbagg",
    "numba": "numba",
    "scipy": "scipy",
    "scikit-learn": "sklearn",
    "opencv": "cv2",
    "runstats": "runstats",
    "polars": "polars",
    "coreforecast": "coreforecast",
    "crick": "crick",
    "river": "river",
    "xsum": "xsum",
    "scikit-image": "skimage",
}

_cache: dict[str, ModuleType | None] = {}
_why: dict[str, str] = {}


def get(label: str, submodule: str = "") -> ModuleType | None:
    """The peer's module (or ``module.submodule``), or None when not importable."""
    name = PEERS[label] + (f".{submodule}" if submodule else "")
    if name not in _cache:
        try:
            _cache[name] = importlib.import_module(name)
        except Exception as exc:  # ImportError, or a broken install
            _cache[name] = None
            _why[label] = f"{type(exc).__name__}: {exc}".splitlines()[0]
    return _cache[name]


def missing(label: str) -> str:
    """The note shown when a peer is skipped."""
    why = _why.get(label, "")
    if why and not why.startswith(("ModuleNotFoundError", "ImportError")):
        return f"{label} skipped (import failed: {why})"
    return f"{label} not installed: skipped"


#: Distribution names to ask for a version without importing the peer.
_DISTS: dict[str, tuple[str, ...]] = {
    "scikit-learn": ("scikit-learn",),
    "scikit-image": ("scikit-image",),
    "opencv": (
        "opencv-python-headless",
        "opencv-python",
        "opencv-contrib-python-headless",
        "opencv-contrib-python",
    ),
}


def versions() -> dict[str, str | None]:
    """Installed version of every known peer (None when missing), read from the
    package metadata so that nothing heavy (numba, pandas) is imported."""
    from importlib import metadata

    out: dict[str, str | None] = {}
    for label in PEERS:
        out[label] = None
        for dist in _DISTS.get(label, (label,)):
            try:
                out[label] = metadata.version(dist)
                break
            except metadata.PackageNotFoundError:
                continue
    return out
