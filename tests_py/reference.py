"""Slow, obviously-correct references: one NumPy/pandas/scipy expression per
kernel. Tests compare fastcpp against these, never against itself."""

from __future__ import annotations

import math

import numpy as np


def fsum(a) -> float:
    return math.fsum(np.asarray(a, dtype=np.float64).ravel().tolist())
