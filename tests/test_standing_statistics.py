"""Standing statistics: BatchNormalization statistics re-estimated for a network's current weights."""

import keras
import numpy as np
import pytest

import kgan
from kgan import _gan_ema


def dense_bn(inputs=1, seed=0):
    """z (2,) [+ c (1,)] -> Dense(3) -> BatchNormalization -> ReLU -> Dense(1)."""
    keras.utils.set_random_seed(seed)
    z = [keras.Input((2,), name="z")] + [keras.Input((1,), name="c")] * (inputs - 1)
    x = z[0] if inputs == 1 else keras.layers.Concatenate()(z)
    h = keras.layers.BatchNormalization(name="bn")(keras.layers.Dense(3, name="dense")(x))
    return keras.Model(z if inputs > 1 else z[0], keras.layers.Dense(1, name="out")(keras.layers.ReLU()(h)))


def hand_standing_statistics(model, batches):
    """The mean over batches of the Dense layer's batch mean and (biased) variance."""
    h = [keras.ops.convert_to_numpy(model.get_layer("dense")(b)) for b in batches]
    return np.mean([x.mean(axis=0) for x in h], axis=0), np.mean([x.var(axis=0) for x in h], axis=0)


def test_standing_statistics_are_the_mean_batch_statistics_and_leave_a_frozen_model_frozen():
    model = dense_bn()
    model.trainable = False
    before = {w.path: keras.ops.convert_to_numpy(w) for w in model.weights}
    rng = np.random.default_rng(0)
    batches = [rng.normal(i, 1 + i, (64, 2)).astype("float32") for i in range(3)]  # different statistics each

    assert kgan.nets.standing_statistics(model, batches) == 1
    mean, variance = hand_standing_statistics(model, batches)
    bn = model.get_layer("bn")
    # Keras' own momentum (0.99) would leave the statistics near their initial 0 and 1.
    np.testing.assert_allclose(keras.ops.convert_to_numpy(bn.moving_mean), mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(bn.moving_variance), variance, rtol=1e-5, atol=1e-6)
    assert not bn.trainable and bn.momentum == 0.99 and model.trainable_weights == []  # frozen again
    for w in model.weights:  # only the moving statistics changed
        if "moving" not in w.path:
            np.testing.assert_array_equal(keras.ops.convert_to_numpy(w), before[w.path])


def test_standing_statistics_need_a_batch_and_skip_models_without_batch_norm():
    with pytest.raises(ValueError, match="at least one batch"):
        kgan.nets.standing_statistics(dense_bn(), [])
    assert dense_bn().get_layer("bn").momentum == 0.99  # restored after the error too
    assert kgan.nets.standing_statistics(kgan.nets.mlp(2, 1, hidden=(4,)), [np.zeros((4, 2), "float32")]) == 0


def test_fit_reestimates_the_averaged_generators_statistics_for_its_own_weights():
    from conftest import real_batch

    gan = kgan.GAN(dense_bn(), kgan.nets.mlp(1, 1, hidden=(8,)), kgan.latent.Normal(2), seed=0)
    gan.compile(ema=0.9)
    gan.fit(real_batch(32), batch_size=8, epochs=2, verbose=0)

    average = gan.ema.generator
    draws = keras.random.SeedGenerator(0)  # GeneratorAverage.standing_statistics' defaults: 16 x 256, seed 0
    mean, variance = hand_standing_statistics(average, [gan.latent.sample(256, seed=draws) for _ in range(16)])
    bn, live_bn = average.get_layer("bn"), gan.generator.get_layer("bn")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(bn.moving_mean), mean, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(bn.moving_variance), variance, rtol=1e-4, atol=1e-5)
    # Not the live G's copied statistics (measured on other weights, with momentum 0.99).
    assert not np.allclose(keras.ops.convert_to_numpy(bn.moving_mean), keras.ops.convert_to_numpy(live_bn.moving_mean))
    assert not average.trainable and average.trainable_weights == []


def test_a_conditional_average_is_left_to_the_user():
    average = _gan_ema.GeneratorAverage(dense_bn(inputs=2), 0.9)
    before = keras.ops.convert_to_numpy(average.generator.get_layer("bn").moving_mean)
    assert average.standing_statistics(kgan.latent.Normal(2)) == 0  # it would need conditions
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(average.generator.get_layer("bn").moving_mean), before)
