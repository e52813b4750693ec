"""Historical averaging (Salimans et al. 2016, section 3.3)."""

from __future__ import annotations

import math

import keras
from keras import ops

from kgan.terms.base import Step, Term


@keras.saving.register_keras_serializable(package="kgan")
class HistoricalAveraging(Term):
    """Pull each network's weights towards their running average over past updates.

    The paper adds ``||theta - (1/t) sum_i theta_i||^2`` to each player's cost,
    a fictitious-play idea that damps oscillations. Here the value is the
    *mean* squared deviation per weight, so one ``weight`` works for networks
    of any size (the paper's sum is this value times the number of weights).
    The averages live in Keras variables: they are saved with the model and
    survive ``BackupAndRestore`` (compiling again starts a new average).

    ```python
    gan.compile(terms=[kgan.terms.HistoricalAveraging(weight=1.0)])   # reports historical_averaging_d/_g
    ```

    Args:
        weight: multiplies the mean squared deviation.
        networks: ``"both"`` (the paper), ``"discriminator"`` or ``"generator"``.
    """

    _CHOICES = ("both", "discriminator", "generator")

    def __init__(self, weight: float = 1.0, networks: str = "both", name: str | None = None):
        super().__init__(weight=weight, name=name)
        if networks not in self._CHOICES:
            raise ValueError(f"HistoricalAveraging: networks={networks!r}; choose one of {self._CHOICES}.")
        self.networks = networks
        self._averages = {}
        self._counts = {}

    @property
    def phases(self):
        return {"both": ("discriminator", "generator"), "discriminator": ("discriminator",),
                "generator": ("generator",)}[self.networks]

    def build(self, gan):
        self._averages, self._counts = {}, {}
        for phase, net in (("discriminator", gan.discriminator), ("generator", gan.generator)):
            if phase not in self.phases:
                continue
            # "mean" aggregation: every replica computes the same (mirrored) update.
            self._averages[phase] = [
                keras.Variable(ops.convert_to_numpy(v.value), trainable=False, aggregation="mean",
                               name=f"{self.name}_{phase[0]}_{i}")
                for i, v in enumerate(net.trainable_variables)
            ]
            # Count 0: the first update folds in the compile-time weights once (not twice).
            self._counts[phase] = keras.Variable(0.0, trainable=False, aggregation="mean",
                                                 name=f"{self.name}_{phase[0]}_count")

    @property
    def variables(self):
        return [v for phase in self._averages for v in (*self._averages[phase], self._counts[phase])]

    def _value(self, phase, step: Step):
        net = step.discriminator if phase == "discriminator" else step.generator
        weights, averages = net.trainable_variables, self._averages[phase]
        squares = [ops.sum(ops.square(w - ops.stop_gradient(a))) for w, a in zip(weights, averages, strict=True)]
        value = ops.sum(ops.stack(squares)) / float(sum(math.prod(w.shape) for w in weights))
        if step.training:  # fold the current weights into the running average (after reading it)
            count = self._counts[phase]
            for w, a in zip(weights, averages, strict=True):
                a.assign(a + (ops.stop_gradient(w) - a) / (count + 1.0))
            count.assign(count + 1.0)
        return value

    def discriminator_loss(self, step: Step):
        return self._value("discriminator", step)

    def generator_loss(self, step: Step):
        return self._value("generator", step)

    def get_config(self):
        return {**super().get_config(), "networks": self.networks}
