"""Multi-layer perceptrons for low-dimensional GANs (the 1-D tutorial)."""

from __future__ import annotations

from collections.abc import Sequence

import keras

from kgan._checks import positive_int

__all__ = ["mlp"]


def mlp(
    input_dim: int,
    output_dim: int = 1,
    hidden: Sequence[int] = (32, 32),
    activation="leaky_relu",
    output_activation=None,
    kernel_initializer="glorot_uniform",
    name: str | None = None,
) -> keras.Model:
    """A functional MLP ``input_dim -> hidden... -> output_dim``.

    Example, the tutorial's 1-6-5-1 tanh networks:

    ```python
    g = kgan.nets.mlp(1, 1, hidden=(6, 5), activation="tanh", output_activation="tanh")
    d = kgan.nets.mlp(1, 1, hidden=(32, 32))   # logits out: no output activation
    ```
    """
    input_dim, output_dim = positive_int(input_dim, "mlp: input_dim"), positive_int(output_dim, "mlp: output_dim")
    hidden = [positive_int(h, f"mlp: hidden[{i}]") for i, h in enumerate(hidden)]
    inputs = keras.Input((input_dim,), name="inputs")
    x = inputs
    for i, units in enumerate(hidden):
        x = keras.layers.Dense(units, activation=activation, kernel_initializer=kernel_initializer, name=f"dense_{i}")(x)
    outputs = keras.layers.Dense(
        output_dim, activation=output_activation, kernel_initializer=kernel_initializer, name="output"
    )(x)
    return keras.Model(inputs, outputs, name=name)
