"""Behaviours pinned to hand-computed values (issue 17): each test fails on a plausible bug."""

import math
import os
import types

import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import real_batch, tiny_gan

import kgan
from kgan.terms.base import DISCRIMINATOR, Step

_NO_GAN = types.SimpleNamespace(seed_generator=None)  # Step only reads gan.seed_generator


# 1. MutualInformation: the continuous codes' Gaussian negative log-likelihood part.
def test_mutual_information_continuous_part_is_the_gaussian_nll():
    code = kgan.latent.InfoCode(noise=2, categorical=[3], continuous=2)
    z = np.asarray(code.sample(8, seed=0))
    c = np.asarray(code.split(z)["continuous"])
    uniform = np.zeros((8, 3), "float32")  # an uninformed categorical Q contributes exactly 0
    mean = (c + np.array([0.5, -1.0], "float32")).astype("float32")  # errors 0.5 and 1 on every sample
    term = kgan.terms.MutualInformation(code, continuous_weight=0.1)
    step = Step(DISCRIMINATOR, None, None, z, None, None,
                {"logits": np.zeros((8, 1), "float32"), "cat0_logits": uniform, "cont_mean": mean}, _NO_GAN)
    log2pi = math.log(2 * math.pi)
    # Unit variance: 0.1 * sum_j (0.5 * (err_j^2 + log 2 pi) - log 2).
    expected = 0.1 * sum(0.5 * (e * e + log2pi) - math.log(2.0) for e in (0.5, 1.0))
    assert float(term.discriminator_loss(step)) == pytest.approx(expected, abs=1e-5)
    assert expected == pytest.approx(0.1 * (0.5 * 1.25 + log2pi - 2 * math.log(2.0)))
    # A predicted log-variance: 0.5 * (logvar + err^2 * exp(-logvar) + log 2 pi) - log 2.
    logvar = np.full((8, 2), [math.log(4.0), 0.0], "float32")
    step.d_fake = {**step.d_fake, "cont_logvar": logvar}
    expected = 0.1 * ((0.5 * (math.log(4.0) + 0.25 / 4.0 + log2pi) - math.log(2.0))
                      + (0.5 * (0.0 + 1.0 + log2pi) - math.log(2.0)))
    assert float(term.generator_loss(step)) == pytest.approx(expected, abs=1e-5)


# 2. Export's images_uint8 = round((x + 1) * 127.5) (half to even, as tf.round and np.round), clipped.
def _half_boundaries():
    """float32 x in (-1, 1) whose float32 (x + 1) * 127.5 is exactly k + 0.5 (even and odd k)."""
    found = []
    for k in range(255):
        x0 = np.float32((2 * k + 1) / 255.0 - 1.0)
        for x in (x0, np.nextafter(x0, np.float32(-2)), np.nextafter(x0, np.float32(2))):
            if (np.float32(x) + np.float32(1.0)) * np.float32(127.5) == np.float32(k + 0.5):
                found.append(np.float32(x))
                break
    return found


def test_export_uint8_is_round_of_x_plus_1_times_127_5(tmp_path):
    halves = _half_boundaries()
    assert np.float32(0.0) in halves and len(halves) > 20
    # 127.5 -> 128 (even); a half with even floor rounds down, one with odd floor rounds up.
    even = next(x for x in halves if int((x + 1) * 127.5) % 2 == 0 and x != 0)
    odd = next(x for x in halves if int((x + 1) * 127.5) % 2 == 1)
    values = np.array([-1.0, 1.0, -1.0001, 1.0001, -1.5, 2.0, 0.0, even, odd, 0.3, -0.7, 0.999],
                      "float32")
    expected = np.array([0, 255, 0, 255, 0, 255, 128, int((even + 1) * 127.5), int((odd + 1) * 127.5) + 1,
                         round(1.3 * 127.5), round(0.3 * 127.5), round(1.999 * 127.5)], "uint8")
    z = keras.Input((len(values),))
    generator = keras.Model(z, keras.layers.Reshape((1, len(values), 1))(z), name="identity_g")
    path = kgan.export.saved_model(generator, tmp_path, name="px", warmup=False)
    out = tf.saved_model.load(str(path)).signatures["serving_default"](latent=tf.constant(values[None]))
    got = out["images_uint8"].numpy().reshape(-1)
    assert out["images_uint8"].dtype == tf.uint8
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(kgan.pixels.to_uint8(values), expected)  # the NumPy twin agrees


# 3. A failed export leaves neither BASE/NAME/V nor a staging folder.
def test_failed_export_leaves_no_version_folder(tmp_path, monkeypatch):
    z = keras.Input((4,))
    generator = keras.Model(z, keras.layers.Reshape((2, 2, 1))(z), name="g4")
    from kgan.export import serving

    atomic = serving.write_atomically

    def write_then_fail(target, write):
        def failing(staging):
            write(staging)  # the real SavedModel goes into the staging folder...
            assert (staging / "saved_model.pb").exists() and staging.parent == target.parent
            raise OSError("simulated failure after staging")  # ...then the export fails

        return atomic(target, failing)

    monkeypatch.setattr(serving, "write_atomically", write_then_fail)
    with pytest.raises(OSError, match="simulated failure"):
        kgan.export.saved_model(generator, tmp_path, name="m", version=1, warmup=False)
    assert not (tmp_path / "m" / "1").exists()
    assert os.listdir(tmp_path / "m") == []  # no hidden .1.partial-* leftover either


# 4. GeneratorEMA decays once per G update, whatever steps_per_execution.
@pytest.mark.parametrize("steps_per_execution", [1, 3])
def test_generator_ema_decays_once_per_generator_update(steps_per_execution):
    gan = tiny_gan(g_optimizer=keras.optimizers.SGD(0.0), steps_per_execution=steps_per_execution)
    live = [w.copy() for w in gan.generator.get_weights()]  # lr 0: G's weights stay these
    ema = kgan.callbacks.GeneratorEMA(decay=0.5)
    ema.set_model(gan)
    ema.on_train_begin()
    ema.ema_generator.set_weights([np.zeros_like(w) for w in live])  # start the average at 0
    gan.fit(real_batch(24), batch_size=4, epochs=1, shuffle=False, verbose=0, callbacks=[ema])
    assert int(gan.g_optimizer.iterations.numpy()) == 6
    # Six updates of ema <- 0.5 ema + 0.5 w from 0: (1 - 0.5**6) w.
    for averaged, w in zip(ema.ema_generator.get_weights(), live, strict=True):
        np.testing.assert_allclose(averaged, (1.0 - 0.5**6) * w, rtol=1e-6, atol=1e-7)


# 5. HistoricalAveraging: the stored average is the mean of the weight snapshots, and the value.
def test_historical_averaging_mean_of_snapshots_and_value():
    term = kgan.terms.HistoricalAveraging(weight=1.0)
    # Large steps: the weights move well away from their history, so the value is not tiny.
    gan = tiny_gan(terms=[term], d_optimizer=keras.optimizers.SGD(0.5), g_optimizer=keras.optimizers.SGD(0.5))
    snapshots = {"discriminator": [], "generator": []}

    class Record(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            snapshots["discriminator"].append([v.numpy().copy() for v in gan.discriminator.trainable_variables])
            snapshots["generator"].append([v.numpy().copy() for v in gan.generator.trainable_variables])

    gan.fit(real_batch(20), batch_size=4, epochs=1, shuffle=False, verbose=0, callbacks=[Record()])
    for phase, net in (("discriminator", gan.discriminator), ("generator", gan.generator)):
        history = snapshots[phase]
        assert len(history) == 5 and term._counts[phase].numpy() == 5
        means = [np.mean([snap[i] for snap in history], axis=0) for i in range(len(history[0]))]
        for average, mean in zip(term._averages[phase], means, strict=True):
            np.testing.assert_allclose(average.numpy(), mean, rtol=1e-5, atol=1e-6)
        weights = [v.numpy() for v in net.trainable_variables]
        expected = sum(np.sum((w - m) ** 2) for w, m in zip(weights, means, strict=True)) / sum(w.size for w in weights)
        assert expected > 1e-4
        step = Step(phase, None, None, None, None, None, {}, gan, training=False)
        value = term.discriminator_loss(step) if phase == DISCRIMINATOR else term.generator_loss(step)
        assert float(value) == pytest.approx(expected, rel=1e-4)
        assert term._counts[phase].numpy() == 5  # evaluation does not fold


# 6. generate(n > batch_size, condition=...) keeps each condition with its sample.
def test_generate_in_chunks_keeps_conditions_in_order():
    keras.utils.set_random_seed(0)
    z, cond = keras.Input((2,), name="z"), keras.Input((1,), name="cond")
    pick = keras.layers.Dense(1, use_bias=False, name="pick")
    g = keras.Model([z, cond], pick(keras.layers.Concatenate()([z, cond])), name="echo_g")
    pick.set_weights([np.array([[0.0], [0.0], [1.0]], "float32")])  # output = the condition
    x, cond2 = keras.Input((1,)), keras.Input((1,))
    d = keras.Model([x, cond2], keras.layers.Dense(1)(keras.layers.Concatenate()([x, cond2])), name="d")
    gan = kgan.GAN(g, d, kgan.latent.Normal(2), seed=0)
    condition = np.arange(10, dtype="float32")[:, None] * 3.0 + 1.0
    out = gan.generate(10, seed=0, condition=condition, batch_size=3)
    np.testing.assert_array_equal(out, condition)
