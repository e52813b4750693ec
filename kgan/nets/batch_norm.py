"""Standing statistics: re-estimate a network's BatchNormalization statistics for its current weights.

A generator's BatchNormalization layers keep moving averages of their batch statistics
(momentum 0.99: about the last 100 training steps). Two things make those stale for sampling:
a generator that is still changing fast (early in training, or on a small dataset), and an
averaged generator (``compile(ema=...)``), whose weights are not the ones the statistics were
measured on. Brock et al. (2019, BigGAN) sample with *standing statistics* instead: run the
network in training mode on a number of batches and keep the average of its batch statistics.

```python
import keras, kgan

draws = keras.random.SeedGenerator(0)
batches = [gan.latent.sample(256, seed=draws) for _ in range(16)]
kgan.nets.standing_statistics(gan.generator, batches)      # the live G, for sampling
```

`kgan.GAN` does this for its averaged generator at the end of every ``fit`` (when the
generator takes latent vectors alone), so ``gan.generate`` samples the average with
statistics of its own weights.
"""

from __future__ import annotations

import keras

from kgan import _keras_private

__all__ = ["batch_norm_layers", "standing_statistics"]


def batch_norm_layers(model) -> list:
    """The BatchNormalization layers of ``model`` (nested models included) whose statistics move."""
    return [layer for layer in _keras_private.flatten_layers(model)
            if isinstance(layer, keras.layers.BatchNormalization) and not layer.renorm]


def standing_statistics(model, batches) -> int:
    """Set each BatchNormalization layer's moving mean and variance to the average of its batch statistics.

    Args:
        model: a Keras model (a generator), trainable or not; its weights are not changed,
            only the BatchNormalization layers' moving statistics.
        batches: an iterable of inputs for ``model`` (e.g. latent batches of 256; for a
            conditional generator ``[z, condition]`` pairs). 16 batches of 256 are plenty for
            the DCGAN generator; more batches, a steadier estimate.

    Returns the number of BatchNormalization layers re-estimated (0: nothing to do).

    The model runs in training mode, so each layer normalizes with the batch's own statistics
    (as during training) and its moving statistics become the running mean of those: after
    batch k its momentum is (k - 1) / k. Layers frozen with ``trainable=False`` are unfrozen for
    the duration and frozen again; their momentum is restored.
    """
    layers = batch_norm_layers(model)
    if not layers:
        return 0
    saved = [(layer.trainable, layer.momentum) for layer in layers]
    count = 0
    try:
        for layer in layers:
            layer.trainable = True  # Keras' BatchNormalization updates its statistics only when trainable
        for count, inputs in enumerate(batches, start=1):
            for layer in layers:
                layer.momentum = (count - 1) / count  # the running mean of the batch statistics
            model(inputs, training=True)
    finally:
        for layer, (trainable, momentum) in zip(layers, saved, strict=True):
            layer.trainable, layer.momentum = trainable, momentum
    if count == 0:
        raise ValueError("standing_statistics needs at least one batch of inputs; got an empty iterable.")
    return len(layers)
