"""GAN-specific layers that Keras lacks."""

from __future__ import annotations

import keras
from keras import ops

from kgan import _keras_private
from kgan.augment import DiffAugment  # re-exported: kgan.layers.DiffAugment

__all__ = ["DiffAugment", "MinibatchDiscrimination", "ProbabilityToLogit", "VirtualBatchNormalization", "set_vbn_reference"]


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


def _vbn_collecting_layers(model):
    return [layer for layer in _keras_private.flatten_layers(model) if isinstance(layer, VirtualBatchNormalization)]


def set_vbn_reference(model, reference_batch):
    """Make ``reference_batch`` the reference of every `VirtualBatchNormalization` in ``model``.

    Runs the batch through ``model`` once (eagerly); each VBN layer stores the
    statistics of the activations it receives and normalises them with those
    alone, so later layers see the reference as the paper defines it.
    Returns the number of VBN layers set.

    ```python
    kgan.layers.set_vbn_reference(G, gan.latent.sample(128, seed=keras.random.SeedGenerator(0)))
    ```

    The stored statistics are those of the current weights. The paper runs
    the reference through the current network at every step; refreshing
    every epoch is a cheap approximation:
    ``keras.callbacks.LambdaCallback(on_epoch_begin=lambda *_: set_vbn_reference(G, z_ref))``.
    """
    layers = _vbn_collecting_layers(model)
    if not layers:
        raise ValueError(f"{model.name} has no VirtualBatchNormalization layer.")
    for layer in layers:
        layer._collecting = True
    try:
        model(reference_batch, training=False)
    finally:
        for layer in layers:
            layer._collecting = False
    return len(layers)


@keras.saving.register_keras_serializable(package="kgan")
class VirtualBatchNormalization(keras.layers.Layer):
    """Batch normalisation against a fixed reference batch (Salimans et al. 2016, section 3.4).

    Batch normalisation makes each sample's output depend on the rest of its
    batch, which in a generator shows up as samples of one batch sharing
    colours or textures. VBN normalises each example ``x`` with the
    statistics of a reference batch of ``N`` examples chosen once, combined
    with ``x`` itself at weight ``1 / (N + 1)``::

        mean    = (N * ref_mean    + mean(x))    / (N + 1)
        mean_sq = (N * ref_mean_sq + mean(x**2)) / (N + 1)
        y = gamma * (x - mean) / sqrt(mean_sq - mean**2 + epsilon) + beta

    per channel (the last axis; for images ``mean(x)`` is over the example's
    pixels, the reference's over its examples and pixels). An example's
    output therefore never depends on the other examples of its batch.

    The reference statistics are non-trainable weights, saved with the model.
    They are set by `set_vbn_reference(model, reference_batch)`, which runs
    the reference batch through the whole model; if that was never called,
    the first batch the layer sees in training (``training=True``) becomes
    the reference. Until a reference exists, inference calls normalise each
    example by itself alone (outputs are then not meaningful).

    ```python
    x = keras.layers.Dense(7 * 7 * 128)(z)
    x = kgan.layers.VirtualBatchNormalization()(x)       # instead of BatchNormalization
    ...
    kgan.layers.set_vbn_reference(G, z_reference)        # once, before training
    ```

    Args:
        epsilon: added to the variance.
        center, scale: learn ``beta`` / ``gamma`` (as in BatchNormalization).
    """

    def __init__(self, epsilon: float = 1e-5, center: bool = True, scale: bool = True, **kwargs):
        super().__init__(**kwargs)
        if not float(epsilon) > 0:
            raise ValueError(f"epsilon must be > 0, got {epsilon}.")
        self.epsilon, self.center, self.scale = float(epsilon), bool(center), bool(scale)
        self._collecting = False  # set by set_vbn_reference for one eager call

    def build(self, input_shape):
        if len(input_shape) < 2 or input_shape[-1] is None:
            raise ValueError(f"VirtualBatchNormalization needs a known last (channel) axis, got {tuple(input_shape)}.")
        channels = int(input_shape[-1])
        self.gamma = self.add_weight(shape=(channels,), initializer="ones", name="gamma") if self.scale else None
        self.beta = self.add_weight(shape=(channels,), initializer="zeros", name="beta") if self.center else None
        self.reference_mean = self.add_weight(shape=(channels,), initializer="zeros", trainable=False,
                                              name="reference_mean")
        self.reference_mean_square = self.add_weight(shape=(channels,), initializer="ones", trainable=False,
                                                     name="reference_mean_square")
        # N; 0 means "no reference yet".
        self.reference_size = self.add_weight(shape=(), initializer="zeros", trainable=False, name="reference_size")

    @property
    def has_reference(self) -> bool:
        return bool(ops.convert_to_numpy(self.reference_size) > 0)

    def call(self, inputs, training=None):
        x = ops.cast(inputs, "float32")
        rank = len(x.shape)
        all_but_channels = tuple(range(rank - 1))
        example_axes = tuple(range(1, rank - 1))
        batch_mean = ops.mean(x, axis=all_but_channels)
        batch_mean_square = ops.mean(ops.square(x), axis=all_but_channels)
        batch_size = ops.cast(ops.shape(x)[0], "float32")
        if self._collecting:  # the reference batch: its own statistics only (the paper), stored
            self.reference_mean.assign(batch_mean)
            self.reference_mean_square.assign(batch_mean_square)
            self.reference_size.assign(batch_size)
            mean, mean_square = batch_mean, batch_mean_square
        else:
            n = self.reference_size
            own = 1.0 / (n + 1.0)
            if training:
                # No reference yet: this batch becomes it and, being the reference, is normalised with its
                # own statistics alone (own weight 0). No tf.cond: `where` keeps the graph simple.
                unset = n <= 0.0
                self.reference_mean.assign(ops.where(unset, batch_mean, self.reference_mean))
                self.reference_mean_square.assign(ops.where(unset, batch_mean_square, self.reference_mean_square))
                self.reference_size.assign(ops.where(unset, batch_size, n))
                own = ops.where(unset, 0.0, own)
            mean = own * (ops.mean(x, axis=example_axes, keepdims=True) if example_axes else x)
            mean_square = own * (ops.mean(ops.square(x), axis=example_axes, keepdims=True) if example_axes
                                 else ops.square(x))
            mean = mean + (1.0 - own) * self.reference_mean
            mean_square = mean_square + (1.0 - own) * self.reference_mean_square
        variance = ops.maximum(mean_square - ops.square(mean), 0.0)  # rounding can make it slightly negative
        y = (x - mean) * ops.rsqrt(variance + self.epsilon)
        if self.gamma is not None:
            y = y * self.gamma
        if self.beta is not None:
            y = y + self.beta
        return ops.cast(y, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon, "center": self.center, "scale": self.scale}
