"""`GAN.train_step`/`test_step` on Keras' TensorFlow backend: a tape per player, ``optimizer.apply``.

The step's structure (D updates, then G updates, then the metrics) lives in `kgan.gan`; this
module holds only what TensorFlow needs around it: ``tf.GradientTape``, each player's
``optimizer.apply`` and the ``tf.distribute`` plumbing (per-replica seeds, the per-replica share
of the global-batch loss). `kgan._step_jax` is the same step, stateless, for the JAX trainer.

```python
logs = kgan._step_tf.train_step(gan, batch)   # what gan.train_step(batch) runs on TensorFlow
```
"""

from __future__ import annotations

import tensorflow as tf
from keras import ops

from kgan import _gan_keras, _nets, _replicas


def run_phase(optimizer, net, make_step, compute_loss, real, condition, seeds):
    """One player update under a tape: ``(loss, gradients all finite, the Step)``.

    The TensorFlow twin of `kgan._step_jax.run_phase`. oneDNN's fused MatMul+BiasAdd+ReLU turns
    a NaN input into 0 on some CPUs, so a NaN sample or weight can leave the loss finite while
    the gradients are not (KERAS-NOTES): the logged loss carries the finite flag, so per-batch
    NaN checks still see the divergence.
    """
    variables = net.trainable_variables
    with tf.GradientTape() as tape:
        step = make_step(real, condition, True, seeds)
        loss = compute_loss(step)
        # Per-replica share of the global-batch loss, scaled against float16 underflow inside
        # the tape (a no-op unless a LossScaleOptimizer, whose apply() unscales the gradients).
        scaled = optimizer.scale_loss(_replicas.scale_for_replicas(loss))
    grads = tape.gradient(scaled, variables)
    optimizer.apply(grads, variables)
    return loss, _nets.all_finite(grads), step


def train_step(gan, data):
    """One batch: ``gan.d_steps`` D updates, then ``gan.g_steps`` G updates; returns the logs."""
    real, condition = gan._unpack(data)
    seeds = _replicas.step_seeds(gan.seed_generator)
    d_finite = g_finite = True  # whether every update of the phase had finite gradients
    for _ in range(gan.d_steps):
        d_loss, finite, d_step = run_phase(gan.d_optimizer, gan.discriminator, gan._discriminator_step,
                                           gan.compute_discriminator_loss, real, condition, seeds)
        d_finite = ops.logical_and(d_finite, finite)
    for _ in range(gan.g_steps):
        g_loss, finite, g_step = run_phase(gan.g_optimizer, gan.generator, gan._generator_step,
                                           gan.compute_generator_loss, real, condition, seeds)
        g_finite = ops.logical_and(g_finite, finite)
    return gan._update_metrics(_gan_keras.reported(d_loss, d_finite, gan.d_optimizer),
                               _gan_keras.reported(g_loss, g_finite, gan.g_optimizer), d_step, g_step)


def test_step(gan, data):
    """Losses and D's scores on held-out real data, without updates."""
    real, condition = gan._unpack(data)
    seeds = _replicas.step_seeds(gan.seed_generator)
    return gan._evaluate_batch(real, condition, seeds)
