"""Plain-Python references of pandas' ewm recursions (pandas/_libs/window/
aggregations.pyx: ``ewm`` and ``ewmcov``), 1-D, IEEE inf, for the cases
pandas itself cannot be the oracle (times with adjust=False and alpha = 0.5,
where pandas 3.0-3.1.1 deviates from its own recursion)."""

from __future__ import annotations

import math

import numpy as np


def _decays(n, alpha, times, halflife):
    if times is None:
        return [1.0 - alpha] * n
    t = np.asarray(times)
    if t.dtype.kind == "M":
        unit = np.datetime_data(t.dtype)[0]
        t = t.view(np.int64).astype(np.float64)
        halflife = np.timedelta64(halflife) / np.timedelta64(1, unit)
    d = np.diff(np.asarray(t, dtype=np.float64)) / halflife
    return [math.nan] + [0.5 ** float(v) for v in d]


def ewm_mean_ref(
    x, alpha, adjust=False, ignore_na=False, min_periods=0, times=None, halflife=None
):
    x = [float(v) for v in np.asarray(x, dtype=np.float64)]
    if times is not None:
        alpha = 0.5
    decay = _decays(len(x), alpha, times, halflife)
    new_w = 1.0 if adjust else alpha
    minp = max(min_periods, 1)
    out, m, old_w, nobs, started = [], math.nan, 1.0, 0, False
    for i, v in enumerate(x):
        obs = v == v
        nobs += obs
        if started:
            if obs or not ignore_na:
                old_w *= decay[i]
                if obs:
                    if m != v:
                        m = (old_w * m + new_w * v) / (old_w + new_w)
                    old_w = old_w + new_w if adjust else 1.0
        elif obs:
            m, started = v, True
        out.append(m if nobs >= minp else math.nan)
    return np.array(out)


def ewm_cov_ref(x, y, alpha, adjust=False, ignore_na=False, min_periods=0, bias=False):
    x = [float(v) for v in np.asarray(x, dtype=np.float64)]
    y = [float(v) for v in np.asarray(y, dtype=np.float64)]
    beta = 1.0 - alpha
    new_w = 1.0 if adjust else alpha
    minp = max(min_periods, 1)
    out = []
    mx = my = math.nan
    cov, sum_w, sum_w2, old_w, nobs, started = 0.0, 1.0, 1.0, 1.0, 0, False
    for a, b in zip(x, y, strict=True):
        obs = a == a and b == b
        nobs += obs
        if not started:
            if obs:
                mx, my, started = a, b, True
        elif obs or not ignore_na:
            sum_w *= beta
            sum_w2 *= beta * beta
            old_w *= beta
            if obs:
                omx, omy = mx, my
                if mx != a:
                    mx = (old_w * omx + new_w * a) / (old_w + new_w)
                if my != b:
                    my = (old_w * omy + new_w * b) / (old_w + new_w)
                cov = (
                    old_w * (cov + (omx - mx) * (omy - my))
                    + new_w * ((a - mx) * (b - my))
                ) / (old_w + new_w)
                sum_w += new_w
                sum_w2 += new_w * new_w
                old_w += new_w
                if not adjust:
                    sum_w /= old_w
                    sum_w2 /= old_w * old_w
                    old_w = 1.0
        if nobs < minp:
            out.append(math.nan)
        elif bias:
            out.append(cov)
        else:
            num = sum_w * sum_w
            den = num - sum_w2
            out.append(num / den * cov if den > 0 else math.nan)
    return np.array(out)
