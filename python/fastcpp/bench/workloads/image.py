"""2-D median filter of a 512² image: sizes 3/5/9, uint8 and float32, mode nearest."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from fastcpp.bench import peers
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
        if dtype == "uint8":
            with_peer(
                "scikit-image",
                cs,
                notes,
                lambda rank: _skimage(rank, img, np.ones((size, size), bool), ref),
                submodule="filters.rank",
            )
        return Case(f"{side}²", ref, cs, exact(), notes, n=side * side)

    return build


def _skimage(
    rank, img: np.ndarray, footprint: np.ndarray, ref: np.ndarray
) -> Contender:
    """scikit-image crops the neighbourhood at the borders (no mode): checked
    on the interior only, where every mode agrees."""
    r = footprint.shape[0] // 2
    return Contender(
        "scikit-image",
        lambda: rank.median(img, footprint=footprint),
        expected=ref[r:-r, r:-r],
        convert=lambda got: got[r:-r, r:-r],
        note="filters.rank.median (uint8/16 only; borders cropped: interior checked)",
    )


# --- --scaling: filter sizes 3 … 25 on a fixed image ------------------------------
SWEEP = Sizes(full=tuple(range(3, 26)), quick=tuple(range(3, 26, 2)), tiny=(3, 4, 5))
SWEEP_SIDE = Sizes(full=512, quick=128, tiny=32)
SCIPY_TIMED_MAX = 9


def _sweep(dtype: str):
    def build(size: int, mode: str) -> Case:
        side = SWEEP_SIDE.pick(mode)
        img = _image(side, dtype)
        notes: list[str] = []
        cs = [
            Contender(
                "fastcpp",
                lambda: fastcpp.median_filter(img, size, mode="nearest"),
                role="fastcpp",
            )
        ]
        ndi = peers.get("scipy", "ndimage")
        if ndi is not None:
            ref = ndi.median_filter(img, size=size, mode="nearest")
            if size <= SCIPY_TIMED_MAX:  # O(size²) per pixel: seconds above
                cs.append(
                    Contender(
                        "scipy",
                        lambda: ndi.median_filter(img, size=size, mode="nearest"),
                    )
                )
            else:
                notes.append(
                    f"scipy timed up to size {SCIPY_TIMED_MAX} (O(size²) per "
                    "pixel); above, only the reference"
                )
        elif size % 2:
            notes.append(peers.missing("scipy"))
            ref = _np_median_filter(img, size)
        else:
            raise RuntimeError("even sizes need scipy for the reference")

        def opencv_contender(cv2):
            if size % 2 == 0 or (dtype == "float32" and size > 5):
                return None
            return Contender("opencv", lambda: cv2.medianBlur(img, size))

        with_peer("opencv", cs, notes, opencv_contender)
        return Case(
            f"{side}², size {size}",
            ref,
            cs,
            exact(),
            notes,
            n=side * side,
            sweep=size,
        )

    return build


# --- beyond 2-D squares: volumes, footprints, NaN, colour ---------------------------
VOLUME = Sizes(full=128, quick=64, tiny=12)
DISK_SIDE = Sizes(full=1024, quick=512, tiny=64)
NAN_SIDE = Sizes(full=512, quick=256, tiny=32)
NAN_CROP = Sizes(full=64, quick=32, tiny=16)  # generic_filter timed on a crop
RGB_SIDE = Sizes(full=1024, quick=512, tiny=64)


def _probe(call) -> str | None:
    try:
        call()
    except (TypeError, ValueError, NotImplementedError) as exc:
        msg = f"{type(exc).__name__}: {exc}".splitlines()[0][:120]
        return f"fastcpp.median_filter cannot do this yet ({msg})"
    return None


def _disk(radius: int) -> np.ndarray:
    y, x = np.mgrid[-radius : radius + 1, -radius : radius + 1]
    return x * x + y * y <= radius * radius


def _scipy_reference(ndi_call):
    """scipy.ndimage is the contract for these options (API.md, Image)."""
    ndimage = peers.get("scipy", "ndimage")
    if ndimage is None:
        raise RuntimeError("the reference needs scipy.ndimage")
    return ndi_call(ndimage)


def build_volume(mode: str) -> Case:
    side = VOLUME.pick(mode)
    vol = rng().random((side, side, side), dtype=np.float32)
    ref = _scipy_reference(lambda ndi: ndi.median_filter(vol, size=5))
    notes = ["reference: scipy.ndimage.median_filter (mode reflect)"]
    cs = [
        Contender("fastcpp", lambda: fastcpp.median_filter(vol, 5), role="fastcpp"),
    ]
    with_peer(
        "scipy",
        cs,
        notes,
        lambda ndi: Contender("scipy", lambda: ndi.median_filter(vol, size=5)),
        submodule="ndimage",
    )
    return Case(f"{side}³ float32, size 5", ref, cs, exact(), notes, n=side**3)


def build_disk(mode: str) -> Case:
    side = DISK_SIDE.pick(mode)
    img = _image(side, "uint8")
    fp = _disk(3)
    ref = _scipy_reference(lambda ndi: ndi.median_filter(img, footprint=fp))
    notes = ["reference: scipy.ndimage.median_filter (mode reflect)"]
    cs = [
        Contender(
            "fastcpp",
            lambda: fastcpp.median_filter(img, footprint=fp),
            role="fastcpp",
        ),
    ]
    with_peer(
        "scipy",
        cs,
        notes,
        lambda ndi: Contender("scipy", lambda: ndi.median_filter(img, footprint=fp)),
        submodule="ndimage",
    )
    with_peer(
        "scikit-image",
        cs,
        notes,
        lambda rank: _skimage(rank, img, fp, ref),
        submodule="filters.rank",
    )
    return Case(f"{side}² uint8, disk r=3", ref, cs, exact(), notes, n=side * side)


def _nan_image(side: int) -> np.ndarray:
    g = rng()
    img = g.random((side, side), dtype=np.float32)
    img[g.random((side, side)) < 0.1] = np.nan
    return img


def _np_nan_omit(img: np.ndarray, size: int) -> np.ndarray:
    """index n_valid//2 of each window's sorted non-NaN values (mode reflect =
    NumPy 'symmetric'); NaN where the whole window is NaN."""
    r = size // 2
    view = sliding_window_view(np.pad(img, r, mode="symmetric"), (size, size))
    flat = view.reshape(*view.shape[:2], -1)
    ordered = np.sort(flat, axis=-1)  # NaN last
    valid = np.sum(~np.isnan(flat), axis=-1)
    pick = np.take_along_axis(ordered, (valid // 2)[..., None], axis=-1)[..., 0]
    return np.where(valid > 0, pick, np.nan).astype(img.dtype)


def _upper_nanmedian(values: np.ndarray) -> float:
    v = np.sort(values[~np.isnan(values)])
    return float(v[v.size // 2]) if v.size else np.nan


def build_nan_omit(mode: str) -> Case:
    side, crop = NAN_SIDE.pick(mode), NAN_CROP.pick(mode)
    img = _nan_image(side)
    small = img[:crop, :crop].copy()
    ref = _np_nan_omit(img, 5)
    notes = [
        "the median of the non-NaN values, element n_valid//2 (np.nanmedian "
        "would average the two middle ones)"
    ]
    cs = [
        Contender(
            "numpy",
            lambda: _np_nan_omit(img, 5),
            role="numpy",
            note="sliding_window_view + sort",
        ),
        Contender(
            "fastcpp",
            lambda: fastcpp.median_filter(img, 5, nan_policy="omit"),
            role="fastcpp",
        ),
    ]

    def scipy_contenders(ndi):
        out = [
            Contender(
                "scipy generic_filter",
                lambda: ndi.generic_filter(small, _upper_nanmedian, size=5),
                expected=_np_nan_omit(small, 5),
                scale=(side * side) / (crop * crop),
                note=f"Python function per pixel, timed on a {crop}² crop, scaled",
            )
        ]
        if hasattr(ndi, "vectorized_filter"):

            def per_window(w, axis):
                flat = w.reshape(*w.shape[: w.ndim - 2], -1)
                ordered = np.sort(flat, axis=-1)
                valid = np.sum(~np.isnan(flat), axis=-1)
                pick = np.take_along_axis(
                    ordered, np.maximum(valid // 2, 0)[..., None], axis=-1
                )[..., 0]
                return np.where(valid > 0, pick, np.nan)

            out.append(
                Contender(
                    "scipy vectorized_filter",
                    lambda: ndi.vectorized_filter(img, per_window, size=5).astype(
                        img.dtype
                    ),
                    note="NumPy sort per window block",
                )
            )
        return out

    with_peer("scipy", cs, notes, scipy_contenders, submodule="ndimage")
    return Case(
        f"{side}² float32, 10% NaN, size 5", ref, cs, exact(), notes, n=side * side
    )


def build_rgb(mode: str) -> Case:
    side = RGB_SIDE.pick(mode)
    img = rng().integers(0, 256, (side, side, 3), dtype=np.uint8)
    ref = _scipy_reference(
        lambda ndi: ndi.median_filter(img, size=(5, 5, 1), mode="nearest")
    )
    notes = ["reference: scipy.ndimage.median_filter, size (5, 5, 1), nearest"]
    cs = [
        Contender(
            "fastcpp",
            lambda: fastcpp.median_filter(img, 5, axes=(0, 1), mode="nearest"),
            role="fastcpp",
        ),
    ]
    with_peer(
        "scipy",
        cs,
        notes,
        lambda ndi: Contender(
            "scipy",
            lambda: ndi.median_filter(img, size=5, axes=(0, 1), mode="nearest"),
            note="axes=(0, 1)",
        ),
        submodule="ndimage",
    )
    with_peer(
        "opencv",
        cs,
        notes,
        lambda cv2: Contender(
            "opencv", lambda: cv2.medianBlur(img, 5), note="medianBlur, 3 channels"
        ),
    )
    return Case(f"{side}²×3 uint8, size 5", ref, cs, exact(), notes, n=side * side * 3)


WORKLOADS = [
    *(
        Workload(
            f"median_filter_{dtype}_{size}",
            f"2-D median filter, {dtype}, size {size}",
            ("median_filter",),
            _builder(dtype, size),
        )
        for dtype in DTYPES
        for size in SIZES
    ),
    *(
        Workload(
            f"median_filter_sizes_{dtype}",
            f"2-D median filter, {dtype}, sizes 3 … 25 (--scaling only)",
            ("median_filter",),
            None,
            scaling=_sweep(dtype),
            scaling_sizes=SWEEP,
        )
        for dtype in DTYPES
    ),
    Workload(
        "median_filter_3d",
        "3-D median filter of a float32 volume",
        ("median_filter",),
        build_volume,
        probe=lambda: _probe(
            lambda: fastcpp.median_filter(np.zeros((3, 3, 3), np.float32), 3)
        ),
    ),
    Workload(
        "median_filter_disk",
        "median filter with a disk footprint, uint8",
        ("median_filter",),
        build_disk,
        probe=lambda: _probe(
            lambda: fastcpp.median_filter(
                np.zeros((8, 8), np.uint8), footprint=_disk(1)
            )
        ),
    ),
    Workload(
        "median_filter_nan_omit",
        "median of the non-NaN values (nan_policy='omit'), float32",
        ("median_filter",),
        build_nan_omit,
        probe=lambda: _probe(
            lambda: fastcpp.median_filter(
                np.zeros((8, 8), np.float32), 3, nan_policy="omit"
            )
        ),
    ),
    Workload(
        "median_filter_rgb",
        "colour image, each channel filtered (axes=(0, 1))",
        ("median_filter",),
        build_rgb,
        probe=lambda: _probe(
            lambda: fastcpp.median_filter(np.zeros((8, 8, 3), np.uint8), 3, axes=(0, 1))
        ),
    ),
]
