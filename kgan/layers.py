"""GAN-specific layers that Keras lacks."""

from __future__ import annotations

import keras
from keras import ops

__all__ = ["MinibatchDiscrimination", "ProbabilityToLogit"]


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


@keras.saving.register_keras_serializable(package="kgan")
class MinibatchDiscrimination(keras.layers.Layer):
    """Let D look at a whole batch: append closeness-to-the-rest features to each sample.

    Salimans et al. 2016, section 3.2: each sample's features ``f`` are
    projected by a learned tensor ``T`` to ``num_kernels`` rows ``M_b`` of
    length ``kernel_dim``; for each kernel,
    ``o_b(x_i) = sum_{j != i} exp(-||M_b(x_i) - M_b(x_j)||_1)``. A collapsed
    generator makes all samples close, which D can then see, so G is
    pushed to keep its samples diverse. The output is ``[f, o]``, shape
    ``(batch, features + num_kernels)``.

    The layer sets ``batch_dependent = True``: `kgan.GAN` then runs D on
    real and generated batches separately, so they are compared within
    their own batch (as the paper does).

    ```python
    h = keras.layers.Flatten()(conv_features)
    h = kgan.layers.MinibatchDiscrimination(num_kernels=100, kernel_dim=5)(h)
    logits = keras.layers.Dense(1)(h)
    ```
    """

    batch_dependent = True

    def __init__(self, num_kernels: int = 100, kernel_dim: int = 5, **kwargs):
        super().__init__(**kwargs)
        if int(num_kernels) < 1 or int(kernel_dim) < 1:
            raise ValueError(f"num_kernels and kernel_dim must be >= 1, got {num_kernels}, {kernel_dim}.")
        self.num_kernels, self.kernel_dim = int(num_kernels), int(kernel_dim)

    def build(self, input_shape):
        if len(input_shape) != 2 or input_shape[-1] is None:
            raise ValueError(
                f"MinibatchDiscrimination takes flat features (batch, features); got shape {tuple(input_shape)}. "
                "Put keras.layers.Flatten() before it."
            )
        self.kernel = self.add_weight(
            shape=(input_shape[-1], self.num_kernels * self.kernel_dim), name="kernel",
            initializer=keras.initializers.RandomNormal(0.0, 0.02))

    def call(self, features):
        m = ops.reshape(ops.matmul(features, self.kernel), (-1, self.num_kernels, self.kernel_dim))
        distances = ops.sum(ops.abs(ops.expand_dims(m, 1) - ops.expand_dims(m, 0)), axis=-1)  # (n, n, B)
        closeness = ops.sum(ops.exp(-distances), axis=1) - 1.0  # minus exp(0) of each sample with itself
        return ops.concatenate([features, ops.cast(closeness, features.dtype)], axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[-1] + self.num_kernels)

    def get_config(self):
        return {**super().get_config(), "num_kernels": self.num_kernels, "kernel_dim": self.kernel_dim}
