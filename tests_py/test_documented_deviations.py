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
