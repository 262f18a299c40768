"""Slow reference for median_filter: pad by the scipy mode with np.pad, sort
every window with np.sort (NaN last) and take element n // 2."""

from __future__ import annotations

import zlib

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


def _axis_index(p, n, mode):
    """scipy.ndimage's image index of padded position p (-1: the constant)."""
    if 0 <= p < n:
        return p
    if mode == "constant":
        return -1
    if mode == "nearest" or n == 1:
        return 0 if p < 0 else n - 1
    if mode == "wrap":
        return p % n
    if mode == "reflect":
        p %= 2 * n
        return p if p < n else 2 * n - 1 - p
    p %= 2 * n - 2  # mirror
    return p if p < n else 2 * n - 2 - p


def _axis_counts(start, s, n, mode):
    """Multiplicity of each image index (last entry: the constant border) in
    the padded positions [start, start + s), counted over one period of the
    extension times the number of whole periods plus the rest one by one."""
    counts = np.zeros(n + 1, dtype=np.int64)
    if mode in ("constant", "nearest"):
        lo, hi = max(start, 0), min(start + s, n)
        counts[lo:hi] += 1
        before = max(0, min(start + s, 0) - start)
        after = max(0, start + s - max(start, n))
        if mode == "constant":
            counts[n] += before + after
        else:
            counts[0] += before
            counts[n - 1] += after
        return counts
    period = 1 if n == 1 else {"wrap": n, "reflect": 2 * n, "mirror": 2 * n - 2}[mode]
    q = s // period
    for p in range(period):
        counts[_axis_index(p, n, mode)] += q
    for p in range(start + q * period, start + s):
        counts[_axis_index(p, n, mode)] += 1
    return counts


def median_filter_weighted_ref(image, size, mode="reflect", cval=0, rank=None):
    """Element `rank` (default: the median) of every sorted window for windows
    of any size, from per-axis multiplicities: O(image) memory per pixel."""
    a = np.asarray(image)
    sr, sc = (size, size) if np.ndim(size) == 0 else size
    rank = (sr * sc) // 2 if rank is None else rank
    values = np.append(a.reshape(-1, a.shape[1]), np.zeros((a.shape[0], 1), a.dtype), 1)
    values = np.append(values, np.zeros((1, a.shape[1] + 1), a.dtype), 0)
    values[-1, :] = values[:, -1] = np.asarray(cval).astype(a.dtype)
    flat = values.ravel()
    order = np.argsort(flat, kind="stable")  # NaN last, as np.sort
    out = np.empty_like(a)
    for i in range(a.shape[0]):
        wr = _axis_counts(i - sr // 2, sr, a.shape[0], mode)
        for j in range(a.shape[1]):
            wc = _axis_counts(j - sc // 2, sc, a.shape[1], mode)
            cum = np.cumsum(np.outer(wr, wc).ravel()[order])
            out[i, j] = flat[order[np.searchsorted(cum, rank, side="right")]]
    return out


def _keys(a):
    """Order-preserving unsigned keys of a float array: -0.0 below +0.0, every
    NaN the largest key (the order fastcpp selects in)."""
    u = np.dtype(f"u{a.itemsize}")
    bits = a.view(u)
    sign = u.type(1 << (8 * a.itemsize - 1))
    k = np.where(bits & sign, ~bits, bits | sign)
    return np.where(np.isnan(a), np.iinfo(u).max, k).astype(u)


def _from_keys(k, dtype):
    u = k.dtype
    sign = u.type(1 << (8 * u.itemsize - 1))
    bits = np.where(k & sign, k ^ sign, ~k).astype(u)
    return np.where(k == np.iinfo(u).max, np.nan, bits.view(dtype)).astype(dtype)


def nan_omit_median_ref(image, size, mode="reflect", cval=0.0, footprint=None):
    """nan_policy="omit" median of an N-D float image (box `size`, an int or
    one per axis, or a boolean `footprint`): element n_valid // 2 of each
    window's sorted non-NaN values (-0.0 below +0.0), NaN where the whole
    window is NaN. Vectorised: pad with np.pad, sort every window's keys,
    pick per window. Axes of length 1 need mode != "mirror"."""
    a = np.asarray(image)
    if footprint is not None:
        fp = np.asarray(footprint, bool)
        sizes = fp.shape
    else:
        sizes = (size,) * a.ndim if np.ndim(size) == 0 else tuple(size)
        fp = np.ones(sizes, bool)
    if a.size == 0:
        return a.copy()
    pads = [(s // 2, s - 1 - s // 2) for s in sizes]
    kw = (
        {"constant_values": np.asarray(cval).astype(a.dtype)}
        if mode == "constant"
        else {}
    )
    p = _keys(np.pad(a, pads, _PAD[mode], **kw))
    win = sliding_window_view(p, sizes).reshape(*a.shape, -1)[..., fp.ravel()]
    ordered = np.sort(win, axis=-1)  # NaN last
    valid = np.sum(win != np.iinfo(p.dtype).max, axis=-1)
    pick = np.take_along_axis(ordered, (valid // 2)[..., None], axis=-1)[..., 0]
    return _from_keys(pick, a.dtype)


def nan_image(shape, dtype, fraction, rng):
    """Few distinct values (ties), +-0.0 and +-inf, `fraction` of them NaN."""
    a = (np.round(rng.standard_normal(shape) * 4) / 4).astype(dtype)
    special = rng.random(shape)
    a[special < 0.05] = -0.0
    a[(special >= 0.05) & (special < 0.08)] = np.inf
    a[(special >= 0.08) & (special < 0.11)] = -np.inf
    a[rng.random(shape) < fraction] = np.nan
    return a


def assert_same_floats(got, want, msg=""):
    """Equal values and bits (so -0.0 differs from +0.0); NaN where NaN."""
    assert got.dtype == want.dtype, msg
    assert got.shape == want.shape, msg
    nan = np.isnan(want)
    np.testing.assert_array_equal(np.isnan(got), nan, err_msg=msg)
    u = np.dtype(f"u{got.itemsize}")
    np.testing.assert_array_equal(got.view(u)[~nan], want.view(u)[~nan], err_msg=msg)


def stable_rng(*key: object) -> np.random.Generator:
    """A generator seeded by the key, the same in every run (hash() of a str
    is salted per process, which made the cases differ from run to run)."""
    return np.random.default_rng(zlib.crc32(repr(key).encode()))
