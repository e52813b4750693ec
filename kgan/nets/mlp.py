"""Multi-layer perceptrons: for low-dimensional GANs (the 1-D tutorial) and small images.

The image MLPs are Salimans et al.'s (2016) permutation-invariant MNIST
networks. On 28x28 grayscale images an InfoGAN step with them costs 0.07 s on
two CPU cores, against about 0.5 s with the InfoGAN paper's convolutional
networks, and they are the measured recipe for InfoGAN's categorical code on
Fashion-MNIST (docs/infogan.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np

from kgan._checks import positive_int

__all__ = ["mlp", "mlp_image_discriminator", "mlp_image_generator"]


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


def mlp_image_generator(image_shape=(28, 28, 1), latent_dim: int = 100, units: Sequence[int] = (500, 500),
                        seed: int | None = None, name: str = "mlp_image_generator") -> keras.Model:
    """Latent vector -> image in [-1, 1]: dense softplus layers with batch normalization, a tanh output.

    ```python
    G = kgan.nets.mlp_image_generator((28, 28, 1), latent_dim=74)   # 500-500 softplus, 784 tanh pixels
    ```
    """
    latent_dim = positive_int(latent_dim, "mlp_image_generator: latent_dim")
    shape = _image_shape(image_shape, "mlp_image_generator")
    units = [positive_int(u, f"mlp_image_generator: units[{i}]") for i, u in enumerate(units)]
    init = lambda i: keras.initializers.GlorotUniform(seed=None if seed is None else seed + i)  # noqa: E731
    z = keras.Input((latent_dim,), name="latent")
    x = z
    for i, size in enumerate(units):
        x = keras.layers.Dense(size, activation="softplus", kernel_initializer=init(i), name=f"dense{i + 1}")(x)
        x = keras.layers.BatchNormalization(name=f"dense{i + 1}_bn")(x)
    x = keras.layers.Dense(int(np.prod(shape)), activation="tanh", kernel_initializer=init(len(units)),
                           name="pixels")(x)
    return keras.Model(z, keras.layers.Reshape(shape, name="image")(x), name=name)


def mlp_image_discriminator(image_shape=(28, 28, 1), units: Sequence[int] = (1000, 500, 250, 250, 250),
                            input_noise: float = 0.0, noise: float = 0.0, seed: int | None = None,
                            name: str = "mlp_image_discriminator") -> keras.Model:
    """Image -> ``{"logits": (n, 1), "features": last hidden layer}``: dense ReLU layers.

    ``input_noise`` / ``noise``: standard deviations of Gaussian noise added
    (in training only) to the image and to each later layer's input, the
    paper's regulariser for few-label training (0: none). No batch
    normalization, so a sample's output never depends on its batch.

    ```python
    D = kgan.nets.with_code_head(kgan.nets.mlp_image_discriminator((28, 28, 1)), kgan.latent.InfoCode())
    ```
    """
    images = keras.Input(_image_shape(image_shape, "mlp_image_discriminator"), name="image")
    features = _mlp_image_body(images, units, input_noise, noise, seed)
    logits = keras.layers.Dense(1, dtype="float32", kernel_initializer=_he(seed, len(units)), name="logits")(features)
    return keras.Model(images, {"logits": logits, "features": features}, name=name)


def _mlp_image_body(images, units: Sequence[int] = (1000, 500, 250, 250, 250), input_noise: float = 0.0,
                   noise: float = 0.0, seed: int | None = None):
    """The hidden layers of `mlp_image_discriminator` on a Keras tensor; returns the last one (named "features")."""
    units = [positive_int(u, f"units[{i}]") for i, u in enumerate(units)]
    if not units:
        raise ValueError("units must name at least one hidden layer, e.g. (1000, 500, 250, 250, 250).")
    if input_noise < 0 or noise < 0:
        raise ValueError(f"input_noise and noise are standard deviations >= 0, got {input_noise} and {noise}.")
    x = keras.layers.Flatten(name="flatten")(images)
    for i, size in enumerate(units):
        sigma = input_noise if i == 0 else noise
        if sigma:
            x = keras.layers.GaussianNoise(sigma, seed=None if seed is None else seed + 100 + i, name=f"noise{i + 1}")(x)
        x = keras.layers.Dense(size, activation="relu", kernel_initializer=_he(seed, i), name=f"dense{i + 1}")(x)
    return keras.layers.Identity(name="features")(x)


def _he(seed, index):
    return keras.initializers.HeNormal(seed=None if seed is None else seed + index)


def _image_shape(image_shape, who):
    try:
        shape = tuple(int(d) for d in image_shape)
    except (TypeError, ValueError):
        shape = ()
    if len(shape) != 3 or min(shape) < 1:
        raise ValueError(f"{who}: image_shape must be (height, width, channels), e.g. (28, 28, 1); got {image_shape!r}.")
    return shape
