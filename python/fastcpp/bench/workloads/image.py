"""2-D median filter of a 512² image: sizes 3/5/9, uint8 and float32, mode nearest."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from fastcpp.bench.checks import exact
from fastcpp.bench.model import Case, Contender, Sizes, Workload
from fastcpp.bench.workloads._common import fastcpp, rng, with_peer

SIDE = Sizes(full=512, quick=256, tiny=32)
PY_SIDE = Sizes(full=48, quick=24, tiny=8)  # pure Python runs on a crop, scaled by area
SIZES = (3, 5, 9)
DTYPES = ("uint8", "float32")
ROWS_PER_CHUNK = 64


def _image(side: int, dtype: str) -> np.ndarray:
    g = rng()
    if dtype == "uint8":
        return g.integers(0, 256, (side, side), dtype=np.uint8)
    return g.random((side, side), dtype=np.float32)


def _np_median_filter(img: np.ndarray, size: int) -> np.ndarray:
    """Exact reference: edge padding ('nearest'), sliding windows, np.median per
    chunk of rows. size² is odd, so the median is an element: the cast back to
    the input dtype is exact."""
    r = size // 2
    padded = np.pad(img, r, mode="edge")
    view = sliding_window_view(padded, (size, size))
    rows = [
        np.median(
            view[i : i + ROWS_PER_CHUNK].reshape(
                *view[i : i + ROWS_PER_CHUNK].shape[:2], -1
            ),
            axis=-1,
        )
        for i in range(0, view.shape[0], ROWS_PER_CHUNK)
    ]
    return np.concatenate(rows).astype(img.dtype)


def _py_median_filter(img: list[list], size: int) -> list[list]:
    h, w, r = len(img), len(img[0]), size // 2
    mid = size * size // 2
    out = []
    for i in range(h):
        rows = [img[min(max(i + di, 0), h - 1)] for di in range(-r, r + 1)]
        line = []
        for j in range(w):
            cols = [min(max(j + dj, 0), w - 1) for dj in range(-r, r + 1)]
            window = sorted(row[c] for row in rows for c in cols)
            line.append(window[mid])
        out.append(line)
    return out


def _builder(dtype: str, size: int):
    def build(mode: str) -> Case:
        side, crop = SIDE.pick(mode), PY_SIDE.pick(mode)
        img = _image(side, dtype)
        small = img[:crop, :crop]
        small_list = small.tolist()
        ref = _np_median_filter(img, size)
        notes: list[str] = []
        cs = [
            Contender(
                "pure python",
                lambda: np.array(_py_median_filter(small_list, size), dtype=img.dtype),
                role="python",
                expected=_np_median_filter(small, size),
                scale=(side * side) / (crop * crop),
                note=f"sorted() per pixel on a {crop}² crop, scaled by area",
            ),
            Contender(
                "numpy",
                lambda: _np_median_filter(img, size),
                role="numpy",
                note="sliding_window_view + median",
            ),
            Contender(
                "fastcpp",
                lambda: fastcpp.median_filter(img, size, mode="nearest"),
                role="fastcpp",
            ),
        ]
        with_peer(
            "scipy",
            cs,
            notes,
            lambda ndi: Contender(
                "scipy",
                lambda: ndi.median_filter(img, size=size, mode="nearest"),
                note="ndimage.median_filter",
            ),
            submodule="ndimage",
        )

        def opencv_contender(cv2):
            if dtype == "float32" and size > 5:
                notes.append(
                    "opencv skipped: medianBlur takes float32 only for size 3 and 5"
                )
                return None
            return Contender(
                "opencv",
                lambda: cv2.medianBlur(img, size),
                note="medianBlur (edges replicated = nearest)",
            )

        with_peer("opencv", cs, notes, opencv_contender)
        return Case(f"{side}²", ref, cs, exact(), notes)

    return build


WORKLOADS = [
    Workload(
        f"median_filter_{dtype}_{size}",
        f"2-D median filter, {dtype}, size {size}",
        ("median_filter",),
        _builder(dtype, size),
    )
    for dtype in DTYPES
    for size in SIZES
]
