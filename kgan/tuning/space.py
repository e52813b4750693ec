"""The search space of a sweep: which hyperparameters vary and over what, validated up front.

A bad range fails here with the fix in the message, before any trial runs or any directory
is written; each trial then registers the space with keras-tuner (`SearchSpace.declare`).

```python
from kgan.tuning import SearchSpace

space = SearchSpace(learning_rate=(1e-4, 1e-3), lr_ratio=(0.25, 8))   # G's rate and D's rate / G's
values = space.declare(keras_tuner.HyperParameters())                 # both rates spelled out
```
"""

from __future__ import annotations

import difflib
import math
import numbers

from kgan import losses as losses_lib

__all__ = ["SearchSpace"]

_RATE_NAMES = ("d_learning_rate", "g_learning_rate")
_RATIO_NAMES = ("learning_rate", "lr_ratio")
_NAMES = (*_RATE_NAMES, *_RATIO_NAMES, "beta_1", "d_steps", "loss")
_EXAMPLES = {
    "d_learning_rate": "(1e-5, 1e-2)", "g_learning_rate": "(1e-5, 1e-2)", "learning_rate": "(1e-5, 1e-2)",
    "lr_ratio": "(0.25, 4.0)", "beta_1": "(0.0, 0.9) or 0.5", "d_steps": "[1, 2, 5] or (1, 5) or 1",
    "loss": '["non_saturating", "least_squares"] or "hinge"',
}


def oracle_seed(seed: int) -> int:
    """The seed kgan gives a keras-tuner oracle for the user's ``seed``: ``seed + 1``.

    keras-tuner's oracles treat a seed of 0 as "no seed" and draw a random one
    (``seed or random.randint(...)``), so kgan's default seed 0 gave a different
    sequence of trials on every run. Shifting by one keeps every seed distinct
    and makes 0 reproducible like any other.

    ```python
    keras_tuner.RandomSearch(hypermodel, ..., seed=oracle_seed(0))   # seed 1: reproducible
    ```
    """
    return int(seed) + 1


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


class SearchSpace:
    """The hyperparameters a GAN user tunes, validated; registered with keras-tuner per trial.

    Each argument is a ``(low, high)`` range to search, a list of choices, or
    a single value to fix it. Learning rates are searched on a log scale,
    either as two rates (``d_learning_rate``, ``g_learning_rate``) or as
    ``learning_rate`` (G's) times ``lr_ratio`` (D's rate / G's rate; the
    two-time-scale rule is a ratio above 1).

    ```python
    SearchSpace(d_learning_rate=(1e-5, 1e-2), g_learning_rate=(1e-5, 1e-2))        # the D/G plane
    SearchSpace(learning_rate=(1e-4, 1e-3), lr_ratio=(0.25, 8), beta_1=(0.0, 0.9))  # one rate and the ratio
    SearchSpace(d_learning_rate=2e-4, g_learning_rate=(1e-5, 1e-3), d_steps=[1, 2, 5], loss=["hinge", "least_squares"])
    ```

    Args:
        d_learning_rate, g_learning_rate: Adam learning rates of D and G.
        learning_rate, lr_ratio: the alternative parametrisation (give both
            or neither; not together with the two rates).
        beta_1: Adam's ``beta_1`` in [0, 1).
        d_steps: D updates per G update (positive integers).
        loss: adversarial loss names (``kgan.losses.names()``).
        defaults: values used for arguments left out (the preset's); a
            left-out learning rate defaults to a range.
    """

    def __init__(self, *, d_learning_rate=None, g_learning_rate=None, learning_rate=None, lr_ratio=None,
                 beta_1=None, d_steps=None, loss=None, defaults: dict | None = None):
        given = {"d_learning_rate": d_learning_rate, "g_learning_rate": g_learning_rate,
                 "learning_rate": learning_rate, "lr_ratio": lr_ratio, "beta_1": beta_1, "d_steps": d_steps,
                 "loss": loss}
        given = {k: v for k, v in given.items() if v is not None}
        defaults = dict(defaults or {})
        if any(k in given for k in _RATIO_NAMES):
            if any(k in given for k in _RATE_NAMES):
                raise ValueError(
                    "Give either d_learning_rate/g_learning_rate (two rates) or learning_rate/lr_ratio (one rate "
                    f"and the D/G ratio), not both; got {sorted(given)}.")
            missing = [k for k in _RATIO_NAMES if k not in given]
            if missing:
                raise ValueError(f"learning_rate and lr_ratio go together: also give {missing[0]}, e.g. "
                                 f"{missing[0]}={_EXAMPLES[missing[0]]}.")
            self.parametrisation = "ratio"
        else:
            self.parametrisation = "rates"
        names = _RATIO_NAMES if self.parametrisation == "ratio" else _RATE_NAMES
        self.specs = {}
        for name in (*names, "beta_1", "d_steps", "loss"):
            value = given.get(name, defaults.get(name))
            if value is None:
                value = (1e-5, 1e-2) if name.endswith("learning_rate") else {"beta_1": 0.5, "d_steps": 1,
                                                                              "loss": "non_saturating"}[name]
            self.specs[name] = self._check(name, value)

    @classmethod
    def from_dict(cls, space: dict | None, defaults: dict | None = None) -> SearchSpace:
        """A space from a dict of the arguments above; unknown names are an error naming the valid ones."""
        space = dict(space or {})
        unknown = [k for k in space if k not in _NAMES]
        if unknown:
            close = difflib.get_close_matches(unknown[0], _NAMES, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"Unknown search-space argument {unknown[0]!r}{hint}; the tunable names are "
                             f"{', '.join(_NAMES)}.")
        return cls(**space, defaults=defaults)

    # ------------------------------------------------------------------ validation
    @staticmethod
    def _check(name, value):
        """``("fixed", v)``, ``("range", (lo, hi))`` or ``("choice", [..])``; a clear ValueError otherwise."""
        example = _EXAMPLES[name]
        if isinstance(value, tuple):
            if len(value) != 2:
                raise ValueError(f"{name}={value!r}: a range is (low, high), e.g. {name}={example}.")
            low, high = value
            kind = "range"
        elif isinstance(value, list):
            if not value:
                raise ValueError(f"{name}=[]: give at least one choice, e.g. {name}={example}.")
            kind = "choice"
        else:
            kind = "fixed"
        items = list(value) if kind != "fixed" else [value]
        for item in items:
            SearchSpace._check_value(name, item, example)
        if kind == "range":
            if low > high:
                raise ValueError(f"{name}={value!r}: low > high; write ({high!r}, {low!r}).")
            if low == high:
                raise ValueError(f"{name}={value!r}: an empty range; fix it with {name}={low!r} instead.")
            if name == "d_steps":
                return ("range", (int(low), int(high)))
            return ("range", (float(low), float(high)))
        if kind == "choice":
            if len(set(items)) != len(items):
                raise ValueError(f"{name}={value!r} repeats a choice; list each once.")
            return ("choice", items) if len(items) > 1 else ("fixed", items[0])
        return ("fixed", value)

    @staticmethod
    def _check_value(name, item, example):
        if name == "loss":
            if not isinstance(item, str):
                raise ValueError(f"loss must be loss names, got {item!r}; e.g. loss={example}.")
            try:
                losses_lib.get(item)
            except ValueError:
                raise ValueError(f"loss={item!r} is not a kgan loss; choose from {', '.join(losses_lib.names())}.") from None
            return
        if name == "d_steps":
            if isinstance(item, bool) or not isinstance(item, numbers.Integral) or item < 1:
                raise ValueError(f"d_steps must be positive integers, got {item!r}; e.g. d_steps={example}.")
            return
        if not _is_number(item):
            raise ValueError(f"{name} must be finite numbers, got {item!r}; e.g. {name}={example}.")
        if name == "beta_1" and not 0.0 <= item < 1.0:
            raise ValueError(f"beta_1 must be in [0, 1), got {item!r}; e.g. beta_1={example}.")
        if name != "beta_1" and item <= 0:
            raise ValueError(f"{name} must be positive (it is searched on a log scale), got {item!r}; "
                             f"e.g. {name}={example}.")

    # ------------------------------------------------------------------ keras-tuner
    @property
    def tuned(self) -> list[str]:
        """Names of the hyperparameters that vary (not fixed)."""
        return [name for name, (kind, _) in self.specs.items() if kind != "fixed"]

    def declare(self, hp) -> dict:
        """Register the space with a ``keras_tuner.HyperParameters`` and return this trial's values.

        Returns ``{"d_learning_rate", "g_learning_rate", "beta_1", "d_steps", "loss"}`` (the two rates
        are derived in the ratio parametrisation).
        """
        values = {}
        for name, (kind, spec) in self.specs.items():
            if kind == "fixed":
                values[name] = hp.Fixed(name, spec)
            elif kind == "choice":
                values[name] = hp.Choice(name, spec)
            elif name == "d_steps":
                values[name] = hp.Int(name, spec[0], spec[1])
            else:
                log = name != "beta_1"
                values[name] = hp.Float(name, spec[0], spec[1], sampling="log" if log else "linear")
        return self.rates(values)

    def rates(self, values: dict) -> dict:
        """Trial values with both learning rates spelled out."""
        values = dict(values)
        if self.parametrisation == "ratio":
            values["g_learning_rate"] = float(values["learning_rate"])
            values["d_learning_rate"] = float(values["learning_rate"]) * float(values["lr_ratio"])
        return values

    def get_config(self) -> dict:
        return {name: list(spec) if kind != "fixed" else spec for name, (kind, spec) in self.specs.items()}

    def __repr__(self):
        parts = ", ".join(f"{k}={tuple(s) if kind == 'range' else s!r}" for k, (kind, s) in self.specs.items())
        return f"SearchSpace({parts})"
