"""Settings read from the environment: FASTCPP_SIMD, FASTCPP_NUM_THREADS."""

from __future__ import annotations

import warnings

from fastcpp._core import _settings_warnings


def warn_ignored_settings() -> None:
    """One RuntimeWarning per FASTCPP_* environment value the core ignored.

    The core reads the variables once and keeps going with its defaults; the
    message names the value and what is accepted.
    """
    for message in _settings_warnings():
        warnings.warn(message, RuntimeWarning, stacklevel=3)
