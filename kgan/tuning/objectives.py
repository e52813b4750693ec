"""Objectives: a trained GAN's sample quality as the number keras-tuner minimises.

A GAN has no validation loss that says how good it is, so each trial is scored on samples
after training: W1 to a 1-D target (`Wasserstein1`), Fréchet distance to real images
(`FrechetDistance`), or any ``gan -> float`` of yours (`Score`). A training metric's name
(``"g_loss"``, ``"val_d_loss"``) is accepted too (`TrainingMetric`: its last epoch's value), as
in Keras; a GAN's losses say who is winning, not how good the samples are, so prefer a score.

```python
import kgan
from kgan import tuning

w1 = tuning.Wasserstein1(kgan.metrics.NormalDistribution(-1, 1), n=10_000)
w1(gan)                                        # a float, lower is better
w1.objective                                   # keras_tuner.Objective("w1", "min")
mine = tuning.Score(lambda gan: my_distance(gan), name="my_distance")
```
"""

from __future__ import annotations

import re

import keras_tuner
import numpy as np

from kgan import _gan_keras

__all__ = ["FrechetDistance", "Score", "TrainingMetric", "Wasserstein1"]


class Score:
    """A sample-quality score of a trained GAN, reported to keras-tuner as an objective.

    Subclass it (or pass ``fn``): ``Score(lambda gan: my_distance(gan), name="my_distance")``.
    Lower is better unless ``direction="max"``.
    """

    def __init__(self, fn=None, name: str = "score", direction: str = "min"):
        if direction not in ("min", "max"):
            raise ValueError(f"direction must be 'min' or 'max', got {direction!r}.")
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise ValueError(f"A score's name must be an identifier such as 'w1', got {name!r}.")
        self.fn, self.name, self.direction = fn, name, direction

    def __call__(self, gan) -> float:
        if self.fn is None:
            raise NotImplementedError("Subclasses of Score implement __call__(gan) -> float.")
        return float(self.fn(gan))

    @property
    def objective(self):
        """The ``keras_tuner.Objective`` for this score."""
        return keras_tuner.Objective(self.name, direction=self.direction)

    def get_config(self) -> dict:
        return {"name": self.name, "direction": self.direction}


class Wasserstein1(Score):
    """W1 between ``n`` generated samples and a 1-D target (`kgan.metrics.wasserstein_1d`)."""

    def __init__(self, target=None, n: int = 10_000, seed: int = 1, name: str = "w1"):
        from kgan.metrics import NormalDistribution

        super().__init__(name=name)
        self.target = target if target is not None else NormalDistribution(-1.0, 1.0)
        self.n, self.seed = int(n), int(seed)

    def __call__(self, gan) -> float:
        from kgan.metrics import wasserstein_1d

        return wasserstein_1d(gan.generate(self.n, seed=self.seed), self.target)

    def get_config(self):
        return {**super().get_config(), "target": repr(self.target), "n": self.n, "seed": self.seed}


class FrechetDistance(Score):
    """Fréchet distance of ``n`` generated images to ``n`` test images, on the project classifier's features.

    The reference statistics are computed once per process. Compare only sweeps with the same ``n``
    (the estimate is biased upwards at small n; every trial of a sweep uses the same n).
    """

    def __init__(self, data: str = "fashion_mnist", n: int = 1000, seed: int = 0, classifier=None,
                 name: str = "frechet_distance"):
        super().__init__(name=name)
        self.data, self.n, self.seed, self.classifier = data, int(n), int(seed), classifier
        self._metric = self._reference = None

    def _prepare(self):
        from kgan.apps.evaluation import project_classifier
        from kgan.data.images import image_arrays
        from kgan.metrics import classifiers
        from kgan.metrics.images import FrechetDistance as Frechet

        classifier = self.classifier if self.classifier is not None else project_classifier(self.data)
        x_test, _ = image_arrays(self.data, "test")
        rng = np.random.default_rng(self.seed)
        n = min(self.n, len(x_test))
        self._metric = Frechet(classifiers.feature_extractor(classifier), resize=True)
        self._reference = self._metric.statistics(x_test[rng.choice(len(x_test), n, replace=False)])
        self.n = n

    def __call__(self, gan) -> float:
        if self._metric is None:
            self._prepare()
        return self._metric(self._reference, gan.generate(self.n, seed=self.seed))

    def __deepcopy__(self, memo):  # the classifier and statistics are shared, not copied
        return self

    def get_config(self):
        return {**super().get_config(), "data": self.data, "n": self.n, "seed": self.seed}


class TrainingMetric(Score):
    """A metric ``fit`` logs (``"g_loss"``, ``"val_d_loss"``, a term's), scored at its last epoch's value.

    What ``objective="g_loss"`` means, as for a Keras model; the direction is the metric's
    (`kgan._gan_keras.METRIC_DIRECTIONS`: the losses are minimised). Caveat: each GAN loss falls
    when that player wins, not when the samples improve.

    ```python
    tuning.GANHyperModel("gaussian-1d", objective="g_loss").objective   # Objective("g_loss", "min")
    ```
    """

    def __init__(self, name: str, direction: str | None = None):
        if direction is None:
            try:
                direction = _gan_keras.metric_direction(name)
            except KeyError:
                direction = "min"  # a term's metric: a loss
            if direction is None:
                raise ValueError(
                    f"{name!r} has no better direction (D's mean score; its equilibrium is 0.5): pass "
                    f"kgan.tuning.TrainingMetric({name!r}, direction='min' or 'max') if you mean one.")
        super().__init__(name=name, direction=direction)

    def __call__(self, gan) -> float:
        logged = getattr(getattr(gan, "history", None), "history", None) or {}
        if not logged.get(self.name):
            hint = " (val_ metrics need validation_data in search())" if self.name.startswith("val_") else ""
            raise ValueError(f"The objective {self.name!r} was not logged by fit{hint}; logged: {sorted(logged)}.")
        return float(logged[self.name][-1])


def is_metric_name(objective) -> bool:
    """Whether a string objective names a GAN training metric rather than a sample-quality score."""
    return isinstance(objective, str) and (
        objective.removeprefix("val_") in _gan_keras.METRIC_DIRECTIONS or objective.startswith("val_"))
