"""GAN-specific layers that Keras lacks."""

from __future__ import annotations

import keras
from keras import ops

__all__ = ["ProbabilityToLogit"]


@keras.saving.register_keras_serializable(package="kgan")
class ProbabilityToLogit(keras.layers.Layer):
    """Clamp a probability into ``[low, high]`` and return its logit.

    For discriminators that end in a probability (the classic 1-D tutorial's
    ``max(min(D, 0.99), 0.01)``): kgan's losses take logits, and
    ``log(sigmoid(logit(p))) == log(p)``, so the clamped-probability objective
    is reproduced exactly, including the zero gradient outside the clamp.

    ```python
    x = keras.layers.Dense(1, activation="tanh")(h)
    logits = kgan.layers.ProbabilityToLogit(0.01, 0.99)(x)
    ```
    """

    def __init__(self, low: float = 0.01, high: float = 0.99, **kwargs):
        super().__init__(**kwargs)
        if not 0.0 < low < high < 1.0:
            raise ValueError(f"Need 0 < low < high < 1 so the logit stays finite; got low={low}, high={high}.")
        self.low, self.high = float(low), float(high)

    def call(self, probabilities):
        p = ops.clip(probabilities, self.low, self.high)
        return ops.log(p) - ops.log1p(-p)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "low": self.low, "high": self.high}
