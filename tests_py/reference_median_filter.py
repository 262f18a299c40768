"""Slow reference for median_filter: pad by the scipy mode with np.pad, sort
every window with np.sort (NaN last) and take element n // 2."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

# scipy.ndimage mode -> np.pad mode
_PAD = {
    "reflect": "symmetric",
    "mirror": "reflect",
    "nearest": "edge",
    "wrap": "wrap",
    "constant": "constant",
}


def median_filter_ref(image, size, mode="reflect", cval=0):
    """Median of every window, NumPy sort order (NaN above everything).

    ``cval`` must already be representable in the image dtype."""
    a = np.asarray(image)
    sr, sc = (size, size) if np.ndim(size) == 0 else size
    pads = ((sr // 2, sr - 1 - sr // 2), (sc // 2, sc - 1 - sc // 2))
    if a.size == 0:
        return a.copy()
    if mode == "mirror" and 1 in a.shape:
        # np.pad "reflect" cannot reflect a length-1 axis; scipy repeats it.
        a2 = a
        for ax, n in enumerate(a.shape):
            if n == 1:
                a2 = np.pad(
                    a2, [pads[ax] if d == ax else (0, 0) for d in range(2)], "edge"
                )
        pads = tuple(pads[ax] if a.shape[ax] > 1 else (0, 0) for ax in range(2))
        a = a2
    kw = (
        {"constant_values": np.asarray(cval).astype(a.dtype)}
        if mode == "constant"
        else {}
    )
    p = np.pad(a, pads, _PAD[mode], **kw)
    win = sliding_window_view(p, (sr, sc)).reshape(*np.asarray(image).shape, sr * sc)
    return np.sort(win, axis=-1)[..., (sr * sc) // 2]
