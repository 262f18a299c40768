"""Is a contender's answer right? Comparisons returning ``(ok, detail)``.

Results may be Python numbers, lists, NumPy arrays or tuples of those; a
tuple is several outputs (e.g. the (means, stds) pair). NaN equals NaN;
shapes must match; ``exact`` also requires equal dtypes (a median filter
selects, it must not round).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

Compare = Callable[[Any, Any], "tuple[bool, str]"]


def _parts(x: Any) -> list[Any]:
    """A tuple is several outputs; anything else (list, array, number) is one."""
    return list(x) if isinstance(x, tuple) else [x]


def close(rtol: float = 1e-9, atol: float = 0.0) -> Compare:
    """np.allclose(got, expected, rtol, atol, equal_nan=True) on every part."""

    def compare(got: Any, expected: Any) -> tuple[bool, str]:
        g_parts, e_parts = _parts(got), _parts(expected)
        if len(g_parts) != len(e_parts):
            return False, f"{len(g_parts)} outputs, expected {len(e_parts)}"
        for i, (g, e) in enumerate(zip(g_parts, e_parts)):
            if isinstance(e, int) and not isinstance(e, bool) and isinstance(g, int):
                if g != e:
                    return False, f"output {i}: {g} != exact {e}"
                continue
            ga = np.asarray(g, dtype=np.float64)
            ea = np.asarray(e, dtype=np.float64)
            if ga.shape != ea.shape:
                return False, f"output {i}: shape {ga.shape}, expected {ea.shape}"
            if not np.allclose(ga, ea, rtol=rtol, atol=atol, equal_nan=True):
                with np.errstate(all="ignore"):
                    err = np.abs(ga - ea) / np.maximum(np.abs(ea), atol or 1e-300)
                worst = float(np.nanmax(err)) if err.size else float("nan")
                return False, f"output {i}: relative error up to {worst:.2g}"
        return True, ""

    return compare


def exact() -> Compare:
    """Equal values (NaN == NaN), equal shapes and equal dtypes."""

    def compare(got: Any, expected: Any) -> tuple[bool, str]:
        g_parts, e_parts = _parts(got), _parts(expected)
        if len(g_parts) != len(e_parts):
            return False, f"{len(g_parts)} outputs, expected {len(e_parts)}"
        for i, (g, e) in enumerate(zip(g_parts, e_parts)):
            ga, ea = np.asarray(g), np.asarray(e)
            if ga.dtype != ea.dtype:
                return False, f"output {i}: dtype {ga.dtype}, expected {ea.dtype}"
            if ga.shape != ea.shape:
                return False, f"output {i}: shape {ga.shape}, expected {ea.shape}"
            nan_ok = ga.dtype.kind in "fc"
            if not np.array_equal(ga, ea, equal_nan=nan_ok):
                return False, f"output {i}: {int(np.sum(ga != ea))} elements differ"
        return True, ""

    return compare
