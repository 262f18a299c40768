"""Where fastcpp is right and a peer's oracle is not: each deviation tested
and said in the docstring."""

from __future__ import annotations

import numpy as np
import pytest

import fastcpp


@pytest.mark.parametrize(
    ("func", "inf"), [("move_argmin", np.inf), ("move_argmax", -np.inf)]
)
def test_arg_of_a_window_whose_only_numbers_are_infinite(func, inf):
    # Window [nan, inf, nan]: the only non-NaN value is the inf, one step
    # back from the newest element. bottleneck (and its slow reference, which
    # replaces NaN by +-inf) points at the NaN (0); fastcpp at the inf (1).
    a = np.array([np.nan, inf, np.nan, 1.0, np.nan])
    got = getattr(fastcpp, func)(a, 3, min_count=1)
    np.testing.assert_array_equal(got, [np.nan, 0.0, 1.0, 0.0, 1.0])
    doc = getattr(fastcpp, func).__doc__
    assert "bottleneck" in doc
    assert "inf" in doc
    bn = pytest.importorskip("bottleneck")
    assert getattr(bn, func)(a, 3, min_count=1)[2] == 0.0  # the deviation


def test_ema_follows_the_recursion_where_pandas_3_deviates():
    # pandas 3.0-3.1.1 at alpha = 0.5 with adjust=False and a NaN gap gives
    # the new value the weight 1 - decay (0.875 here) instead of the weights
    # (1 - alpha)**3 and alpha of its documented recursion.
    x = [np.nan, 2.0, np.nan, np.nan, 8.0, 4.0]
    np.testing.assert_allclose(fastcpp.ema(x, 0.5), [np.nan, 2, 2, 2, 6.8, 5.4])
    assert "alpha=0.5" in fastcpp.ema.__doc__
    pd = pytest.importorskip("pandas")
    got = pd.Series(x).ewm(alpha=0.5, adjust=False).mean().to_numpy()
    release = tuple(int(p) for p in pd.__version__.split(".")[:3] if p.isdigit())
    if (3, 0, 0) <= release <= (3, 1, 1):
        assert got[4] != pytest.approx(6.8)  # the deviation (pandas: 7.25)
