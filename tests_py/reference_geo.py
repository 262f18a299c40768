"""NumPy references for the elementwise and geometry kernels (issue 4).

Each is the plain NumPy expression of the seed programs, evaluated in float64;
float32 inputs are references as float64 computations rounded to float32."""

from __future__ import annotations

import numpy as np


def as_f64(a) -> np.ndarray:
    return np.asarray(a, dtype=np.float64)


def result_dtype(*arrays) -> np.dtype:
    """float32 when every array input is float32 (any byte order), else float64."""
    arrays = [np.asarray(a) for a in arrays]
    if arrays and all(a.dtype.kind == "f" and a.dtype.itemsize == 4 for a in arrays):
        return np.dtype(np.float32)
    return np.dtype(np.float64)


def scale_and_shift(a, scale, shift=0.0):
    return as_f64(a) * scale + shift


def circle_area(r):
    return np.pi * as_f64(r) ** 2


def gaussian(a, sigma):
    with np.errstate(all="ignore"):
        return np.exp(-(as_f64(a) ** 2) / (2 * sigma**2))


def polar_to_cartesian(r, theta):
    with np.errstate(invalid="ignore"):
        r, theta = as_f64(r), as_f64(theta)
        return r * np.cos(theta), r * np.sin(theta)


def distances(points):
    p = as_f64(points)
    if p.ndim == 1:
        p = p.reshape(-1, 2)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.linalg.norm(p, axis=-1)


def haversine_vectorized(lat1, lon1, lat2, lon2, radius=6371.0):
    """The seed's vectorised haversine (degrees in, radius' unit out)."""
    lat1, lon1, lat2, lon2 = map(np.radians, map(as_f64, [lat1, lon1, lat2, lon2]))
    dlat = lat2 - lat1
    dlon = lon2 - lon1
    with np.errstate(invalid="ignore"):
        a = np.sin(dlat / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin(dlon / 2) ** 2
        c = 2 * np.arcsin(np.sqrt(a))
    return radius * c


def nearest_k(lat, lon, lats, lons, k=5, radius=6371.0):
    """All distances, then a stable argsort (NaN sorts last, ties by index)."""
    d = haversine_vectorized(lat, lon, lats, lons, radius)
    idx = np.argsort(d, kind="stable")[:k]
    return idx, d[idx]
