"""DiffAugment (kgan.augment), kgan.nets.augmented and kgan.terms.AdaptiveAugmentation."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import ops

import kgan
from kgan import augment

SHAPE = (8, 8, 3)


def images(n=4, shape=SHAPE, seed=0, low=-1.0):
    return np.random.default_rng(seed).uniform(low, 1.0, (n, *shape)).astype("float32")


def tiny_gan(p=1.0, policy="color,translation,cutout", terms=(), seed=0, shape=(8, 8, 1), **compile_kwargs):
    """A small conv GAN on 8x8 images whose D is wrapped by kgan.nets.augmented."""
    keras.utils.set_random_seed(seed)
    x = keras.Input(shape)
    h = keras.layers.Flatten()(keras.layers.Conv2D(4, 3, padding="same", activation="relu")(x))
    d = keras.Model(x, keras.layers.Dense(1)(h), name="d")
    gan = kgan.GAN(generator(shape), kgan.nets.augmented(d, policy=policy, p=p, seed=seed), latent=4, seed=seed)
    gan.compile(terms=list(terms), **compile_kwargs)
    return gan


def generator(shape=(8, 8, 1)):
    z = keras.Input((4,))
    return keras.Model(z, keras.layers.Reshape(shape)(keras.layers.Dense(int(np.prod(shape)), activation="tanh")(z)),
                       name="g")


def layer_of(gan):
    return gan.discriminator.get_layer("diff_augment")


# -- the transforms, with explicit parameters --------------------------------------------------------
def test_translation_by_a_known_shift_moves_a_known_image_exactly():
    x = images(2)
    out = ops.convert_to_numpy(augment.translate(x, np.array([1, -2]), np.array([0, 3])))
    expected = np.zeros_like(x)
    expected[0, 1:, :] = x[0, :-1, :]                 # down 1
    expected[1, :-2, 3:] = x[1, 2:, :-3]              # up 2, right 3
    np.testing.assert_array_equal(out, expected)


def test_cutout_zeroes_exactly_the_given_square():
    x = images(2, low=0.1)  # no zeros of its own
    out = ops.convert_to_numpy(augment.cutout(x, np.array([2, -1]), np.array([3, 6]), 4, 4))
    expected = x.copy()
    expected[0, 2:6, 3:7] = 0.0
    expected[1, 0:3, 6:8] = 0.0  # clipped at the top and right edges
    np.testing.assert_array_equal(out, expected)


def test_colour_ops_match_a_numpy_hand_computation():
    x = images(2)
    shift, factor = np.array([0.3, -0.2], "float32"), np.array([0.5, 1.7], "float32")
    np.testing.assert_allclose(ops.convert_to_numpy(augment.brightness(x, shift)), x + shift[:, None, None, None],
                               rtol=1e-6)
    channel_mean = x.mean(axis=-1, keepdims=True)
    np.testing.assert_allclose(ops.convert_to_numpy(augment.saturation(x, factor)),
                               (x - channel_mean) * factor[:, None, None, None] + channel_mean, rtol=1e-5, atol=1e-6)
    image_mean = x.mean(axis=(1, 2, 3), keepdims=True)
    np.testing.assert_allclose(ops.convert_to_numpy(augment.contrast(x, factor)),
                               (x - image_mean) * factor[:, None, None, None] + image_mean, rtol=1e-5, atol=1e-6)


# -- the layer ---------------------------------------------------------------------------------------
def test_layer_draws_the_reference_magnitudes_per_sample():
    x = images(64)
    bright = ops.convert_to_numpy(kgan.layers.DiffAugment("brightness", seed=0)(x, training=True)) - x
    offsets = bright[:, 0, 0, 0]
    np.testing.assert_allclose(bright, np.broadcast_to(offsets[:, None, None, None], x.shape), atol=1e-6)
    assert offsets.min() >= -0.5 and offsets.max() < 0.5 and offsets.std() > 0.2  # U(-0.5, 0.5), per image
    centred = x - x.mean(axis=(1, 2, 3), keepdims=True)
    out = ops.convert_to_numpy(kgan.layers.DiffAugment("contrast", seed=0)(x, training=True))
    factors = (out - out.mean(axis=(1, 2, 3), keepdims=True))[:, 0, 0, 0] / centred[:, 0, 0, 0]
    assert factors.min() >= 0.5 - 1e-4 and factors.max() < 1.5 + 1e-4 and len(np.unique(factors.round(4))) > 32


def test_layer_cutout_zeroes_one_half_size_square_and_nothing_else():
    x = images(32, shape=(8, 8, 1), low=0.1)
    out = ops.convert_to_numpy(kgan.layers.DiffAugment("cutout", seed=1)(x, training=True))
    for original, cut in zip(x, out, strict=True):
        zero = cut[..., 0] == 0
        rows, cols = np.nonzero(zero.any(axis=1))[0], np.nonzero(zero.any(axis=0))[0]
        assert zero.sum() == len(rows) * len(cols) and 1 <= len(rows) <= 4 and 1 <= len(cols) <= 4  # one rectangle
        assert zero.sum() == 16 or rows[0] == 0 or rows[-1] == 7 or cols[0] == 0 or cols[-1] == 7  # 4x4 unless clipped
        np.testing.assert_array_equal(cut[~zero], original[~zero])


@pytest.mark.parametrize("policy", augment.TRANSFORMS)
def test_every_transform_passes_gradient_to_its_input(policy):
    x = tf.constant(images(4))
    weights = tf.constant(images(4, seed=1))
    layer = kgan.layers.DiffAugment(policy, seed=0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        total = ops.sum(layer(x, training=True) * weights)
    grad = ops.convert_to_numpy(tape.gradient(total, x))
    assert np.all(np.isfinite(grad)) and np.count_nonzero(grad) > 0.4 * grad.size


def test_inference_and_p_zero_are_the_identity():
    x = images(8)
    layer = kgan.layers.DiffAugment(seed=0)
    for call in (lambda: layer(x), lambda: layer(x, training=False)):
        np.testing.assert_array_equal(ops.convert_to_numpy(call()), x)
    np.testing.assert_array_equal(ops.convert_to_numpy(kgan.layers.DiffAugment(p=0.0, seed=0)(x, training=True)), x)
    gan = tiny_gan()
    inner = gan.discriminator.get_layer("d")
    real = images(8, shape=(8, 8, 1))
    np.testing.assert_allclose(gan.discriminate(real, training=False)["logits"], inner(real, training=False), rtol=1e-6)
    assert not np.allclose(gan.discriminate(real, training=True)["logits"], inner(real, training=False))


def test_per_sample_parameters_differ_within_a_batch_and_are_seeded():
    x = np.repeat(images(1), 16, axis=0)  # sixteen copies of one image
    out = ops.convert_to_numpy(kgan.layers.DiffAugment(seed=3)(x, training=True))
    assert len({o.tobytes() for o in out}) == 16
    again = ops.convert_to_numpy(kgan.layers.DiffAugment(seed=3)(x, training=True))
    np.testing.assert_array_equal(out, again)


def test_real_and_fake_halves_of_the_joint_call_are_augmented_alike():
    """The engine runs D once on [real; fake]: both halves must be augmented, independently."""
    keras.utils.set_random_seed(0)
    x = keras.Input((8, 8, 1))
    d = keras.Model(x, {"logits": keras.layers.Dense(1)(keras.layers.Flatten()(x)), "seen": x}, name="d")
    gan = kgan.GAN(generator(), kgan.nets.augmented(d, policy="brightness", seed=0), latent=4)
    real, fake = np.zeros((64, 8, 8, 1), "float32"), np.ones((64, 8, 8, 1), "float32")
    d_real, d_fake, _ = gan._discriminate_pair(real, fake, None, training=True)
    assert gan._joint_d_call
    shift_real = ops.convert_to_numpy(d_real["seen"])[:, 0, 0, 0] - 0.0
    shift_fake = ops.convert_to_numpy(d_fake["seen"])[:, 0, 0, 0] - 1.0
    for shifts in (shift_real, shift_fake):  # both U(-0.5, 0.5)
        assert shifts.min() >= -0.5 and shifts.max() < 0.5 and 0.2 < shifts.std() < 0.4
    assert abs(np.corrcoef(shift_real, shift_fake)[0, 1]) < 0.4  # independent draws, not one shared per pair


def test_errors_name_the_problem_and_the_fix():
    with pytest.raises(ValueError, match="color, translation, cutout"):
        kgan.layers.DiffAugment("colour,translation")
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        kgan.layers.DiffAugment(p=1.5)
    with pytest.raises(ValueError, match="height, width, channels"):
        kgan.layers.DiffAugment()(np.zeros((2, 4), "float32"), training=True)
    d = kgan.nets.mlp(4, 1, hidden=(4,))
    gan = kgan.GAN(kgan.nets.mlp(2, 4, hidden=(4,)), d, latent=2)
    with pytest.raises(ValueError, match="kgan.nets.augmented"):
        gan.compile(terms=[kgan.terms.AdaptiveAugmentation()])


# -- the wrapper inside a GAN ------------------------------------------------------------------------
def test_conditional_dict_discriminator_is_wrapped_and_its_condition_untouched():
    x, c = keras.Input((8, 8, 1)), keras.Input((3,))
    h = keras.layers.Concatenate()([keras.layers.Flatten()(x), c])
    d = keras.Model([x, c], {"logits": keras.layers.Dense(1)(h), "features": h}, name="cd")
    wrapped = kgan.nets.augmented(d, policy="translation", seed=0)
    assert len(wrapped.inputs) == 2 and wrapped.get_layer("cd") is d
    out = wrapped([np.ones((4, 8, 8, 1), "float32"), np.full((4, 3), 7.0, "float32")], training=True)
    features = ops.convert_to_numpy(out["features"])
    np.testing.assert_array_equal(features[:, -3:], 7.0)  # the condition passes as it is
    assert set(out) == {"logits", "features"}


def test_generator_gets_gradient_through_the_augmented_discriminator_in_a_train_step():
    gan = tiny_gan(policy="translation,cutout")  # no colour: G's gradient comes through the gathers and masks
    before = [ops.convert_to_numpy(w).copy() for w in gan.generator.trainable_weights]
    gan.train_on_batch(images(16, shape=(8, 8, 1)))
    after = [ops.convert_to_numpy(w) for w in gan.generator.trainable_weights]
    assert all(np.abs(a - b).max() > 0 for a, b in zip(after, before, strict=True))
    assert gan.discriminator.name == "d_augmented" and isinstance(layer_of(gan), kgan.layers.DiffAugment)


def test_augmented_discriminator_with_lazy_r1_compiles_with_xla():
    # Was "InvertPermutation: 0 is duplicated": a gather's gradient inside the lazy penalty's cond.
    gan = tiny_gan(policy="translation", terms=[kgan.terms.R1Penalty(1.0, interval=2)], jit_compile=True)
    history = gan.fit(images(32, shape=(8, 8, 1)), batch_size=16, epochs=1, verbose=0)
    assert history.history["r1_penalty"][0] > 0  # the on-step ran the penalty, under XLA


# -- ADA ---------------------------------------------------------------------------------------------
def _ada_step(term, gan, logits):
    step = kgan.terms.Step("discriminator", None, None, None, None, {"logits": ops.convert_to_tensor(logits)},
                           {"logits": ops.convert_to_tensor(logits)}, gan)
    return float(ops.convert_to_numpy(term.discriminator_loss(step)))


def test_ada_moves_p_by_the_exact_step_towards_the_target():
    term = kgan.terms.AdaptiveAugmentation(target=0.6, interval=2, ramp_images=1000)
    gan = tiny_gan(p=0.5, terms=[term])
    layer, positive, negative = layer_of(gan), np.ones((8, 1), "float32"), -np.ones((8, 1), "float32")
    assert _ada_step(term, gan, positive) == pytest.approx(0.5)  # not due yet: every 2nd D update
    assert _ada_step(term, gan, positive) == pytest.approx(0.5 + 16 / 1000) == layer.probability  # r_t = 1 > 0.6
    _ada_step(term, gan, negative)
    assert _ada_step(term, gan, negative) == pytest.approx(0.5) == layer.probability  # r_t = -1 < 0.6: back down
    mixed = np.array([1.0] * 6 + [-1.0] * 2, "float32")  # r_t = 0.5 < 0.6: down
    _ada_step(term, gan, mixed)
    assert _ada_step(term, gan, mixed) == pytest.approx(0.5 - 16 / 1000)
    layer.p.assign(0.999)
    _ada_step(term, gan, positive)
    assert _ada_step(term, gan, positive) == 1.0  # clipped


def test_ada_p_is_logged_saved_and_restored(tmp_path):
    term = kgan.terms.AdaptiveAugmentation(interval=1, ramp_images=160)
    gan = tiny_gan(p=0.0, terms=[term])
    gan.discriminator.get_layer("d").layers[-1].bias.assign([10.0])  # D(real) > 0 throughout: r_t = 1
    history = gan.fit(images(64, shape=(8, 8, 1)), batch_size=16, epochs=2, verbose=0).history
    p = layer_of(gan).probability
    assert set(history) == {"d_loss", "g_loss", "d_real", "d_fake", "augment_p"}
    # +16/160 per D update, 4 updates an epoch; the metric is the epoch's mean of p after each update.
    np.testing.assert_allclose(history["augment_p"], [0.25, 0.65], rtol=1e-5)
    assert p == pytest.approx(0.8)
    path = tmp_path / "gan.keras"
    gan.save(path)
    loaded = keras.models.load_model(path)
    assert layer_of(loaded).probability == p and loaded.terms[0].get_config() == term.get_config()
    np.testing.assert_array_equal(ops.convert_to_numpy(layer_of(loaded).seed_generator.state),
                                  ops.convert_to_numpy(layer_of(gan).seed_generator.state))
    layer_of(loaded).p.assign(0.0)
    loaded.load_weights(_weights(gan, tmp_path))  # the BackupAndRestore path: weights files
    assert layer_of(loaded).probability == p
    assert loaded.evaluate(images(16, shape=(8, 8, 1)), batch_size=16, verbose=0, return_dict=True)["augment_p"] == \
        pytest.approx(p)  # evaluation reports p and moves nothing
    assert layer_of(loaded).probability == p


def _weights(gan, folder):
    path = folder / "gan.weights.h5"
    gan.save_weights(path)
    return path


def test_backup_and_restore_resumes_with_p(tmp_path):
    def run(epochs):
        gan = tiny_gan(p=0.0, terms=[kgan.terms.AdaptiveAugmentation(interval=1, ramp_images=160)])
        gan.discriminator.get_layer("d").layers[-1].bias.assign([10.0])  # r_t = 1: p rises 0.1 per D update
        backup = kgan.callbacks.BackupAndRestore(tmp_path / "backup", delete_checkpoint=False, verbose=False)
        gan.fit(images(64, shape=(8, 8, 1)), batch_size=16, epochs=epochs, verbose=0, callbacks=[backup])
        return layer_of(gan).probability

    assert run(1) == pytest.approx(0.4)
    assert run(2) == pytest.approx(0.8)  # resumed at epoch 2 from p=0.4, not from 0
