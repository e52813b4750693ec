"""Argument checks shared by the public constructors (one wording for one mistake)."""

from __future__ import annotations

import numbers


def positive_int(value, what: str) -> int:
    """``value`` as an int if it is a positive integer (NumPy integers too), else a ValueError naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{what} must be a positive integer, got {value!r}.")
    return int(value)
