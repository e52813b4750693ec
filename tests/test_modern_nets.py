"""Issue 18's network and sampling options: spectral normalization in kgan's DCGAN
discriminator, the averaged generator saved with the GAN (compile(ema=...)), truncation."""

import keras
import numpy as np
import pytest

import kgan


def _top_singular_value(kernel) -> float:
    kernel = np.asarray(kernel)
    return float(np.linalg.svd(kernel.reshape(-1, kernel.shape[-1]), compute_uv=False)[0])


def test_spectral_norm_discriminator_keeps_each_layer_at_lipschitz_one():
    d = kgan.nets.dcgan_discriminator((28, 28, 1), width=8, seed=0, spectral_norm=True)
    wrapped = [layer for layer in d.layers if isinstance(layer, keras.layers.SpectralNormalization)]
    assert [layer.name for layer in wrapped] == ["down1", "down2", "logits"]
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in d.layers)  # SN-GAN's D
    assert all(layer.layer.use_bias for layer in wrapped)  # no batch norm: every layer keeps its bias
    before = [_top_singular_value(layer.layer.kernel) for layer in wrapped]
    assert max(before) < 0.6  # DCGAN's N(0, 0.02) kernels start far below norm 1 ...
    x = np.random.default_rng(0).normal(size=(8, 28, 28, 1)).astype("float32")
    for _ in range(30):  # ... and SN scales them to 1 (one power iteration per training call)
        d(x, training=True)
    np.testing.assert_allclose([_top_singular_value(layer.layer.kernel) for layer in wrapped], 1.0, rtol=0.05)
    plain = kgan.nets.dcgan_discriminator((28, 28, 1), width=8, seed=0)
    assert sorted(plain(x)) == sorted(d(x)) == ["features", "logits"]  # the same outputs for terms to read
    preset = kgan.GAN.dcgan((28, 28, 1), latent_dim=4, width=8, seed=0, spectral_norm=True).discriminator
    assert [layer.name for layer in preset.layers if isinstance(layer, keras.layers.SpectralNormalization)] == [
        "down1", "down2", "logits"]


def test_spectral_norm_gan_trains_and_round_trips(tmp_path):
    keras.utils.set_random_seed(0)
    d = kgan.nets.dcgan_discriminator((28, 28, 1), width=4, seed=1, spectral_norm=True)
    gan = kgan.GAN(kgan.nets.dcgan_generator((28, 28, 1), 8, 4, seed=0), d, latent=kgan.latent.Uniform(8, -1, 1))
    gan.compile(loss="hinge")
    gan.fit(np.random.default_rng(0).uniform(-1, 1, (32, 28, 28, 1)).astype("float32"), batch_size=16, epochs=1,
            verbose=0)
    gan.save(tmp_path / "gan.keras")
    loaded = keras.models.load_model(tmp_path / "gan.keras")
    x = np.random.default_rng(1).uniform(-1, 1, (4, 28, 28, 1)).astype("float32")
    np.testing.assert_allclose(loaded.discriminate(x)["logits"], gan.discriminate(x)["logits"], rtol=1e-5)
    u = [w for w in loaded.discriminator.non_trainable_weights if "vector_u" in w.path]
    assert len(u) == 3  # the power iteration's vectors travel with the file


# ---------------------------------------------------------------- the saved EMA generator (compile(ema=...))
def _ema_gan(decay=0.5, **compile_kwargs):
    from conftest import tiny_gan

    return tiny_gan(ema=decay, **compile_kwargs)


def test_ema_follows_the_hand_average_of_each_generator_update():
    from conftest import real_batch

    gan = _ema_gan(0.5, g_optimizer=keras.optimizers.SGD(0.1))
    average = [w.copy() for w in gan.generator.get_weights()]  # the average starts at G's compile-time weights
    snapshots = []
    record = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: snapshots.append([w.copy() for w in gan.generator.get_weights()]))
    gan.fit(real_batch(20), batch_size=4, epochs=1, shuffle=False, verbose=0, callbacks=[record])
    assert len(snapshots) == 5 and not np.allclose(snapshots[-1][0], average[0])
    for t, weights in enumerate(snapshots, start=1):
        decay = min(0.5, (1 + t) / (10 + t))  # the warm-up: 2/11, 3/12, 4/13, 5/14, 6/15
        average = [decay * a + (1 - decay) * w for a, w in zip(average, weights, strict=True)]
    for got, want in zip(gan.ema.generator.get_weights(), average, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert not gan.ema.generator.trainable and len(gan.trainable_weights) == len(
        gan.generator.trainable_weights + gan.discriminator.trainable_weights)  # the copy is not trained


@pytest.mark.parametrize("steps_per_execution", [1, 3])
def test_ema_decays_once_per_generator_update(steps_per_execution):
    from conftest import real_batch

    gan = _ema_gan(0.9, g_optimizer=keras.optimizers.SGD(0.0), steps_per_execution=steps_per_execution)
    live = [w.copy() for w in gan.generator.get_weights()]  # lr 0: G's weights stay these
    for v in gan.ema.variables:
        v.assign(np.zeros(v.shape, "float32"))  # start the average at 0
    gan.fit(real_batch(24), batch_size=4, epochs=2, shuffle=False, verbose=0)
    # Twelve updates from 0: the old average keeps prod_t min(0.9, (1+t)/(10+t)); the warm-up
    # reaches the cap 0.9 at t = 80, so every factor here is the warm-up's.
    kept = np.prod([(1 + t) / (10 + t) for t in range(1, 13)])
    for averaged, w in zip(gan.ema.generator.get_weights(), live, strict=True):
        np.testing.assert_allclose(averaged, (1.0 - kept) * w, rtol=1e-6, atol=1e-7)


def test_ema_warm_up_reaches_the_given_decay():
    from kgan import _gan_ema

    assert _gan_ema.warmed_up_decay(0.999, 1) == 2 / 11
    assert _gan_ema.warmed_up_decay(0.999, 1000) == 1001 / 1010  # still warming up
    assert _gan_ema.warmed_up_decay(0.99, 1000) == 0.99  # capped
    assert _gan_ema.block_decay(0.5, 10, 3) == 0.5**3


def test_generate_samples_the_average_unless_told_otherwise(tmp_path):
    from conftest import real_batch

    gan = _ema_gan(0.9, g_optimizer=keras.optimizers.SGD(0.5))
    gan.fit(real_batch(32), batch_size=8, epochs=2, verbose=0)
    z = gan.latent.sample(6, seed=keras.random.SeedGenerator(3))
    np.testing.assert_allclose(gan.generate(6, seed=3), gan.ema.generator(z), rtol=1e-6)
    np.testing.assert_allclose(gan.generate(6, seed=3, ema=False), gan.generator(z), rtol=1e-6)
    assert not np.allclose(gan.generate(6, seed=3), gan.generate(6, seed=3, ema=False))
    # Saved with the model: the loaded GAN samples the same average.
    gan.save(tmp_path / "gan.keras")
    loaded = kgan.GAN.from_file(tmp_path / "gan.keras")
    assert loaded.ema.decay == 0.9
    np.testing.assert_allclose(loaded.generate(6, seed=3), gan.generate(6, seed=3), rtol=1e-6)
    # ... and through a weights file (BackupAndRestore's route) into a GAN compiled the same way.
    gan.save_weights(tmp_path / "w.weights.h5")
    fresh = _ema_gan(0.9, g_optimizer=keras.optimizers.SGD(0.5))
    fresh.load_weights(tmp_path / "w.weights.h5")
    np.testing.assert_allclose(fresh.generate(6, seed=3), gan.generate(6, seed=3), rtol=1e-6)
    with pytest.raises(ValueError, match="ema=False"):
        _ema_gan(None).generate(2, ema=True)  # asked for an average the GAN does not keep


def test_ema_arguments_are_checked():
    with pytest.raises(ValueError, match=r"in \(0, 1\)"):
        _ema_gan(1.0)
    with pytest.raises(TypeError, match="decay"):
        _ema_gan("fast")


# ---------------------------------------------------------------- truncation
def test_truncated_normal_draws_are_exact_and_bounded():
    from scipy import stats

    z = np.asarray(kgan.latent.Normal(4, mean=1.0, stddev=2.0).sample(50_000, seed=0, truncation=1.5)).ravel()
    assert z.min() >= 1.0 - 3.0 and z.max() <= 1.0 + 3.0
    truncated = stats.truncnorm(-1.5, 1.5, loc=1.0, scale=2.0)
    assert z.std() == pytest.approx(truncated.std(), rel=0.01)  # not a clip: no mass piled at the bounds
    assert stats.kstest(z, truncated.cdf).statistic < 0.01
    assert np.mean(np.abs(z - 1.0) > 2.9) < 0.02  # a clip would put ~13% of draws at +-3
    with pytest.raises(ValueError, match="positive"):
        kgan.latent.Normal(4).sample(2, truncation=0)


def test_generate_with_truncation_stays_near_the_mode_and_needs_a_normal_prior():
    from conftest import tiny_gan

    gan = tiny_gan()
    z = gan.latent.sample(5, seed=keras.random.SeedGenerator(1), truncation=0.5)
    np.testing.assert_allclose(gan.generate(5, seed=1, truncation=0.5), gan.generator(z), rtol=1e-6)
    uniform = kgan.GAN(kgan.nets.mlp(2, 1, hidden=(4,)), kgan.nets.mlp(1, 1, hidden=(4,)), kgan.latent.Uniform(2))
    with pytest.raises(ValueError, match="Normal prior"):
        uniform.generate(3, truncation=1.0)


def test_kgan_sample_and_export_use_the_average_and_sample_truncates(tmp_path, capsys):
    import tensorflow as tf

    from kgan import cli

    gan = kgan.GAN(kgan.nets.mlp(2, 4 * 4, hidden=(8,), output_activation="tanh"), kgan.nets.mlp(16, 1, hidden=(8,)),
                   kgan.latent.Normal(2), seed=0)
    gan.compile(ema=0.5, g_optimizer=keras.optimizers.SGD(0.5))
    gan.fit(np.random.default_rng(0).uniform(-1, 1, (32, 16)).astype("float32"), batch_size=8, epochs=2, verbose=0)
    assert not np.allclose(gan.generate(4, seed=0), gan.generate(4, seed=0, ema=False))
    gan.save(tmp_path / "gan.keras")
    assert cli.main(["sample", str(tmp_path / "gan.keras"), "--n", "4", "--npy", str(tmp_path / "s.npy")]) == 0
    np.testing.assert_allclose(np.load(tmp_path / "s.npy"), gan.generate(4, seed=0), rtol=1e-5)  # the average
    assert cli.main(["sample", str(tmp_path / "gan.keras"), "--n", "4", "--truncation", "0.5", "--npy",
                     str(tmp_path / "t.npy")]) == 0
    np.testing.assert_allclose(np.load(tmp_path / "t.npy"), gan.generate(4, seed=0, truncation=0.5), rtol=1e-5)
    written = kgan.export.saved_model(gan, tmp_path / "export", name="m", warmup=False)
    served = tf.saved_model.load(str(written)).signatures["serving_default"]
    z = np.asarray(gan.latent.sample(3, seed=1))
    np.testing.assert_allclose(served(latent=tf.constant(z))["images"].numpy(), gan.ema.generator(z), rtol=1e-5)


def test_a_stateless_training_call_keeps_batch_statistics_but_advances_random_layers():
    """The G update runs D with update_state=False: BatchNorm statistics stay, but DiffAugment and
    Dropout must not replay the draws the next D update will make."""
    from kgan import _nets

    inputs = keras.Input((8, 8, 1))
    x = kgan.layers.DiffAugment("translation", seed=0)(inputs)
    x = keras.layers.BatchNormalization()(keras.layers.Flatten()(x))
    net = keras.Model(inputs, keras.layers.Dropout(0.5, seed=1)(x))
    images = np.random.default_rng(0).normal(size=(4, 8, 8, 1)).astype("float32")
    statistics = [np.array(v) for v in net.non_trainable_variables if "moving" in v.path]
    first = np.asarray(_nets.run(net, images, training=True, update_state=False))
    second = np.asarray(_nets.run(net, images, training=True, update_state=False))
    assert not np.allclose(first, second)  # fresh shifts and dropout masks each call
    assert all(np.array_equal(np.array(v), s) for v, s in zip(
        [v for v in net.non_trainable_variables if "moving" in v.path], statistics, strict=True))


@pytest.mark.parametrize("term", [kgan.terms.GradientPenalty(), kgan.terms.R1Penalty(), kgan.terms.R2Penalty()])
def test_gradient_penalties_warn_about_batch_norm_in_the_discriminator(term):
    with pytest.warns(UserWarning, match=f"{type(term).__name__} with BatchNormalization in the discriminator"):
        kgan.GAN.dcgan((28, 28, 1), latent_dim=4, width=2, seed=0).compile(terms=[term])
    import warnings

    with warnings.catch_warnings(record=True) as caught:  # no batch norm (spectral norm instead): no warning
        warnings.simplefilter("always")
        kgan.GAN.dcgan((28, 28, 1), latent_dim=4, width=2, seed=0, spectral_norm=True).compile(terms=[term])
    assert not [w for w in caught if "BatchNormalization" in str(w.message)]


def test_kgan_train_dcgan_recipe_modern_adds_diffaugment_the_average_and_a_smaller_batch(tmp_path):
    import json

    from kgan import cli

    np.save(tmp_path / "x.npy", np.random.default_rng(0).integers(0, 256, (64, 28, 28), dtype=np.uint8))
    for recipe, batch in (("paper", 64), ("modern", 32)):
        out = tmp_path / recipe
        argv = ["train", "dcgan", "--data", str(tmp_path / "x.npy"), "--epochs", "1",
                "--width", "2", "--latent-dim", "4", "--out", str(out), "--quiet", "--recipe", recipe]
        assert cli.main(argv) == 0
        assert json.loads((out / "metrics.json").read_text())["batch_size"] == batch  # the recipe's default
        gan = kgan.GAN.from_file(out / "gan.keras")
        augments = [layer for layer in gan.discriminator.layers if isinstance(layer, kgan.layers.DiffAugment)]
        if recipe == "paper":
            assert gan.ema is None and not augments
        else:
            assert gan.ema.decay == 0.999 and len(augments) == 1 and augments[0].policy == "color,translation,cutout"
            z = gan.latent.sample(3, seed=keras.random.SeedGenerator(0))  # generator.keras is the average
            np.testing.assert_allclose(keras.models.load_model(out / "generator.keras")(z), gan.ema.generator(z),
                                       atol=1e-6)
            assert not np.allclose(gan.generate(4, seed=0), gan.generate(4, seed=0, ema=False))  # the average
