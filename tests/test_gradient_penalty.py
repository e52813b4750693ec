"""kgan.terms.GradientPenalty (WGAN-GP) against hand computations."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import real_batch

import kgan


def test_gradient_penalty_matches_numpy_on_a_nonlinear_critic():
    # C(x) = v . tanh(W x): grad_x C = W^T (v * (1 - tanh(W x)^2)), computed by hand per interpolate.
    rng = np.random.default_rng(0)
    w, v = rng.normal(size=(2, 5)).astype("float32"), rng.normal(size=(5, 1)).astype("float32")
    d = keras.Sequential([keras.Input((2,)), keras.layers.Dense(5, activation="tanh", use_bias=False),
                          keras.layers.Dense(1, use_bias=False)])
    d.set_weights([w, v])
    gan = kgan.GAN(kgan.nets.mlp(2, 2, hidden=(4,)), d, 2, seed=5)
    gan.compile(loss="wasserstein")
    real, fake = real_batch(8, data_dim=2, seed=1), real_batch(8, data_dim=2, seed=2) + 2.0
    copy = keras.random.SeedGenerator(0)
    copy.state.assign(gan.seed_generator.state.value)
    alpha = keras.ops.convert_to_numpy(keras.random.uniform((8, 1), seed=copy))  # the draw the term will make
    assert len(np.unique(alpha)) == 8  # one coefficient per sample
    mixed = real + alpha * (fake - real)
    grads = (v[:, 0] * (1 - np.tanh(mixed @ w) ** 2)) @ w.T
    expected = np.mean((np.sqrt(np.sum(grads**2, axis=1) + 1e-12) - 1.0) ** 2)
    step = kgan.terms.Step("discriminator", real, fake, None, None, None, {"logits": None}, gan)
    assert float(kgan.terms.GradientPenalty().discriminator_loss(step)) == pytest.approx(expected, rel=1e-4)


def test_gradient_penalty_stays_differentiable_where_the_gradient_is_zero():
    d = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, kernel_initializer="zeros")])  # flat critic
    gan = kgan.GAN(kgan.nets.mlp(2, 1, hidden=(4,)), d, 2)
    gan.compile(loss="wasserstein")
    x = real_batch(8)
    step = kgan.terms.Step("discriminator", x, x + 1.0, None, None, None, {"logits": None}, gan)
    with tf.GradientTape() as tape:
        penalty = kgan.terms.GradientPenalty().discriminator_loss(step)
    grads = tape.gradient(penalty, d.trainable_variables)
    assert float(penalty) == pytest.approx(1.0, abs=1e-5)  # (sqrt(0 + eps) - 1)^2
    assert all(np.all(np.isfinite(g.numpy())) for g in grads if g is not None)  # epsilon inside the sqrt


def test_gradient_penalty_by_hand_on_a_linear_critic():
    d = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, use_bias=False)])
    d.layers[0].set_weights([np.array([[3.0], [4.0]], dtype="float32")])  # ||grad|| = 5 everywhere
    gan = kgan.GAN(kgan.nets.mlp(2, 2, hidden=(4,)), d, 2)
    gan.compile(loss="wasserstein")
    x = real_batch(8, data_dim=2)
    step = kgan.terms.Step("discriminator", x, x + 1.0, None, None, None, {"logits": None}, gan)
    gp = kgan.terms.GradientPenalty(weight=10.0)
    assert float(gp.discriminator_loss(step)) == pytest.approx((5.0 - 1.0) ** 2, rel=1e-5)
    assert gp.phases == ("discriminator",) and gp.metric_name("discriminator") == "gradient_penalty"
