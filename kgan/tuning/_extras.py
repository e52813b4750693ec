"""The optional ``kgan[tuner]`` extra: a missing package becomes an ImportError naming the install command.

Private: `kgan.tuning` checks keras-tuner and tensorboard on import, `LearningRateBalance` checks
scikit-learn and scipy when a Bayesian sweep is asked for.
"""

from __future__ import annotations

import importlib.util

_INSTALL_HINT = 'pip install "kgan[tuner]"'


def _require(module: str, why: str):
    if importlib.util.find_spec(module) is None:
        raise ImportError(f"{why} needs the '{module}' package, which is not installed. Install it with: {_INSTALL_HINT}")
