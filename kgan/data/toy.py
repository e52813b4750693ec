"""Toy low-dimensional data as ``tf.data`` pipelines."""

from __future__ import annotations

import math

import tensorflow as tf

from kgan._checks import positive_int

__all__ = ["gaussian_1d"]


def gaussian_1d(
    mu: float = -1.0,
    sigma: float = 1.0,
    batch_size: int = 200,
    num_batches: int | None = None,
    seed: int | None = 0,
) -> tf.data.Dataset:
    """Batches of shape ``(batch_size, 1)`` drawn from N(mu, sigma²).

    Infinite unless ``num_batches`` is given (then pass no ``steps_per_epoch``
    to ``fit``). Reproducible for a given ``seed``: every batch comes from a
    stateless draw keyed by ``tf.data.Dataset.random(seed)``.

    ```python
    ds = kgan.data.gaussian_1d(mu=-1, sigma=1, batch_size=200)
    gan.fit(ds, epochs=10, steps_per_epoch=100)
    ```
    """
    if not (isinstance(mu, (int, float)) and math.isfinite(mu)):
        raise ValueError(f"mu must be a finite number, got {mu!r}.")
    if not (isinstance(sigma, (int, float)) and math.isfinite(sigma) and sigma > 0):
        raise ValueError(f"sigma must be a positive finite number, got {sigma!r}.")
    batch_size = positive_int(batch_size, "batch_size")
    if num_batches is not None:
        num_batches = positive_int(num_batches, "num_batches (or None for an endless dataset)")

    def draw(key):
        return tf.random.stateless_normal((batch_size, 1), seed=key, mean=mu, stddev=sigma)

    ds = tf.data.Dataset.random(seed=seed).batch(2).map(draw, num_parallel_calls=tf.data.AUTOTUNE)
    if num_batches is not None:
        ds = ds.take(num_batches)
    return ds.prefetch(tf.data.AUTOTUNE)
