"""Text to image (GAN-INT-CLS): captions, nets, the matching-aware term, OOV handling, save/load, CLI."""

import math
import re

import keras
import numpy as np
import pytest
import tensorflow as tf

import kgan
from kgan import cli
from kgan.apps import text_to_image as t2i
from kgan.data import captions as cap
from kgan.terms.base import DISCRIMINATOR, Step

TINY = dict(latent_dim=4, width=4, text_dim=4, embedding_dim=4, units=4, sequence_length=8)
CAPTIONS = ["a pair of trousers", "a leather bag", "a long dress", "a white sneaker"] * 2


def _images(n=8, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, 28, 28, 1), dtype=np.uint8)


@pytest.fixture(scope="module")
def trained():
    """A tiny text-to-image GAN fitted for two steps on 8 (image, caption) pairs."""
    keras.utils.set_random_seed(0)
    return t2i.train((_images(), CAPTIONS), epochs=1, batch_size=4, seed=0, verbose=0, interpolation_weight=1.0, **TINY)


# ----------------------------------------------------------------- captions
def test_phrasings_split_into_disjoint_train_and_held_out_sets_with_known_words():
    for k in range(10):
        train, held = cap.fashion_mnist_phrasings(k, "train"), cap.fashion_mnist_phrasings(k, "held_out")
        assert (len(train), len(held)) == (70, 50)
        assert not set(train) & set(held) and len(set(train)) == 70 and len(set(held)) == 50
        train_words = {w for c in train for w in c.split()}
        assert {w for c in held for w in c.split()} <= train_words  # held out = new combinations, no new words
    assert "a pair of trousers" in cap.fashion_mnist_phrasings(1, "train")
    assert "an ankle boot" in cap.fashion_mnist_phrasings(9, "train")
    with pytest.raises(ValueError, match="split"):
        cap.fashion_mnist_phrasings(1, "test")
    with pytest.raises(ValueError, match="class 0-9"):
        cap.fashion_mnist_phrasings(10)


def test_fashion_mnist_captions_name_the_class_and_are_reproducible():
    labels = [0, 1, 8, 8, 9]
    a, b = cap.fashion_mnist_captions(labels, seed=3), cap.fashion_mnist_captions(labels, seed=3)
    assert list(a) == list(b)
    for label, caption in zip(labels, a, strict=True):
        assert caption in cap.fashion_mnist_phrasings(label, "train")


def test_caption_pairs_scales_images_and_rejects_bad_captions():
    x, c = next(iter(cap.caption_pairs(_images(4), ["a", "b", "c", "d"], batch_size=4, shuffle=False)))
    assert x.shape == (4, 28, 28, 1) and x.dtype == tf.float32 and c.dtype == tf.string
    np.testing.assert_allclose(x.numpy(), _images(4) / 127.5 - 1.0, atol=1e-6)
    with pytest.raises(ValueError, match="one caption per image"):
        cap.caption_pairs(_images(4), ["a", "b"])
    with pytest.raises(ValueError, match="empty"):
        cap.caption_pairs(_images(2), ["a bag", "  "])


# ----------------------------------------------------------------- nets
def test_nets_take_raw_strings_and_output_the_right_shapes():
    vocab = kgan.nets.text_vectorizer(CAPTIONS).get_vocabulary()
    g = kgan.nets.text_conditional_generator((28, 28, 1), vocab, seed=0, **TINY)
    d = kgan.nets.matching_aware_discriminator((28, 28, 1), vocab, seed=0,
                                               **{k: v for k, v in TINY.items() if k != "latent_dim"})
    text = tf.constant(["a leather bag", "a pair of trousers", "a dress"])
    images = g([tf.zeros((3, 4)), text])
    assert images.shape == (3, 28, 28, 1) and float(np.abs(images).max()) <= 1.0
    out = d([images, text])
    assert out["logits"].shape == (3, 1) and out["features"].shape[0] == 3
    encoder = g.get_layer("text_encoder")
    assert encoder(text).shape == (3, 4)
    # The caption changes the image: same z, different text. Relative to the output's scale: an
    # untrained G with DCGAN's N(0, 0.02) weights and inference-mode BatchNorm outputs ~1e-10,
    # below allclose's absolute tolerance (this test was flaky with it).
    images = keras.ops.convert_to_numpy(images)
    assert np.abs(images[0] - images[1]).max() > 1e-3 * np.abs(images[:2]).max() > 0


def test_text_vectorizer_errors():
    with pytest.raises(ValueError, match="either"):
        kgan.nets.text_vectorizer()
    with pytest.raises(ValueError, match="No captions"):
        kgan.nets.text_vectorizer(["", "  "])
    with pytest.raises(ValueError, match="no words"):
        kgan.nets.text_vectorizer(vocabulary=["", "[UNK]"])
    with pytest.raises(ValueError, match="kind"):
        kgan.nets.text_encoder(["bag"], kind="lstm")


# ----------------------------------------------------------------- terms
def _numeric_conditional_gan(loss="non_saturating"):
    """G([z, c]) -> x (n, 2); D([x, c]) -> logits = (x1 + x2) * c exactly (fixed weights)."""
    z, c = keras.Input((2,)), keras.Input((1,))
    g = keras.Model([z, c], keras.layers.Dense(2)(keras.layers.Concatenate()([z, c])))
    x, cd = keras.Input((2,)), keras.Input((1,))
    summed = keras.layers.Dense(1, use_bias=False, kernel_initializer="ones")(x)
    d = keras.Model([x, cd], keras.layers.Multiply()([summed, cd]))
    gan = kgan.GAN(g, d, kgan.latent.Normal(2), seed=0)
    gan.compile(loss=loss)
    return gan


@pytest.mark.parametrize("loss, fake_half", [
    ("non_saturating", lambda v: np.mean(np.log1p(np.exp(v)))),   # -log(1 - sigmoid(l))
    ("hinge", lambda v: np.mean(np.maximum(0.0, 1.0 + v))),
    ("wasserstein", np.mean),
    ("least_squares", lambda v: 0.5 * np.mean(v ** 2)),
])
def test_matching_aware_value_matches_hand_computation(loss, fake_half):
    gan = _numeric_conditional_gan(loss)
    real = np.array([[1.0, 2.0], [0.5, -1.0], [-2.0, 0.0], [0.25, 0.25]], "float32")
    cond = np.array([[1.0], [-2.0], [0.5], [3.0]], "float32")
    step = Step(DISCRIMINATOR, tf.constant(real), None, None, tf.constant(cond), None, {"logits": None}, gan,
                training=False)
    value = float(kgan.terms.MatchingAware().discriminator_loss(step))
    # Rolled by one: sample i meets sample i-1's condition.
    wrong_logits = real.sum(1) * np.roll(cond[:, 0], 1)
    assert wrong_logits.tolist() == [9.0, -0.5, 4.0, 0.25]
    assert value == pytest.approx(fake_half(wrong_logits), rel=1e-5)
    shifted = float(kgan.terms.MatchingAware(shift=2).discriminator_loss(step))
    assert shifted == pytest.approx(fake_half(real.sum(1) * np.roll(cond[:, 0], 2)), rel=1e-5)


def test_matching_aware_adds_to_the_d_loss_and_is_reported():
    real = np.random.default_rng(0).normal(size=(8, 2)).astype("float32")
    cond = np.arange(8, dtype="float32")[:, None] / 8
    logs = {}
    for weight in (0.0, 2.0):  # the same networks (D's weights are fixed, G's seeded) and the same z
        keras.utils.set_random_seed(0)
        gan = _numeric_conditional_gan()
        gan.compile(terms=[kgan.terms.MatchingAware(weight=weight)])
        logs[weight] = gan.fit(real, cond, batch_size=8, epochs=1, shuffle=False, verbose=0).history  # one step
    # D's loss grows by weight x the reported (unweighted) term; its value is the mismatched-pair
    # half computed by hand: softplus(logits of real images with the captions shifted by one).
    value = logs[2.0]["matching_aware"][0]
    assert logs[2.0]["d_loss"][0] - logs[0.0]["d_loss"][0] == pytest.approx(2.0 * value, rel=1e-4)
    wrong_logits = real.sum(1) * np.roll(cond[:, 0], 1)
    assert value == pytest.approx(np.mean(np.log1p(np.exp(wrong_logits))), rel=1e-5)


def test_terms_refuse_unconditional_gans_and_bad_arguments():
    g, d = kgan.nets.mlp(2, 1, hidden=(4,)), kgan.nets.mlp(1, 1, hidden=(4,))
    gan = kgan.GAN(g, d, kgan.latent.Normal(2))
    for term in (kgan.terms.MatchingAware(), kgan.terms.TextInterpolation()):
        with pytest.raises(ValueError, match="conditional"):
            gan.compile(terms=[term])
    with pytest.raises(ValueError, match="shift"):
        kgan.terms.MatchingAware(shift=0)
    with pytest.raises(ValueError, match="beta"):
        kgan.terms.TextInterpolation(beta=2.0)
    # Interpolation needs the text nets' nested encoder/body models.
    with pytest.raises(ValueError, match="text_encoder"):
        _numeric_conditional_gan().compile(terms=[kgan.terms.TextInterpolation()])


# ----------------------------------------------------------------- training and generation
def test_tiny_fit_reports_gan_and_term_metrics(trained):
    assert isinstance(trained.gan, kgan.GAN)
    for key in ("d_loss", "g_loss", "d_real", "d_fake", "matching_aware", "text_interpolation", "feature_matching"):
        assert len(trained.history[key]) == 1 and math.isfinite(trained.history[key][0]), key
    assert set(t2i.vocabulary(trained.gan)) == {w for c in CAPTIONS for w in c.split()}


def test_generate_and_interpolate_shapes_and_determinism(trained):
    images = t2i.generate(trained.gan, ["a leather bag", "a long dress"], n_per_caption=3, seed=1)
    assert images.shape == (2, 3, 28, 28, 1)
    np.testing.assert_array_equal(images, t2i.generate(trained.gan, ["a leather bag", "a long dress"], 3, seed=1))
    row = t2i.interpolate(trained.gan, "a leather bag", "a long dress", steps=4, seed=1)
    assert row.shape == (4, 28, 28, 1)
    # The ends of the interpolation are the two captions' own images (same z).
    z_first = t2i.generate(trained.gan, ["a leather bag", "a long dress"], 1, seed=1)
    np.testing.assert_allclose(row[0], z_first[0, 0], atol=1e-5)
    np.testing.assert_allclose(row[-1], z_first[1, 0], atol=1e-5)


def test_generate_and_interpolate_sample_the_average_and_truncate():
    keras.utils.set_random_seed(0)
    gan = t2i.train((_images(), CAPTIONS), epochs=2, batch_size=4, seed=0, verbose=0, ema=0.5, **TINY).gan
    assert t2i.train((_images(), CAPTIONS), epochs=1, batch_size=4, verbose=0, **TINY).gan.ema.decay == 0.999
    captions = ["a leather bag", "a long dress"]
    z = tf.tile(gan.latent.sample(3, seed=keras.random.SeedGenerator(1)), (2, 1))
    text = tf.constant(np.repeat(captions, 3))
    for ema, net in ((None, gan.ema.generator), (True, gan.ema.generator), (False, gan.generator)):
        want = np.asarray(net([z, text], training=False)).reshape(2, 3, 28, 28, 1)
        np.testing.assert_allclose(t2i.generate(gan, captions, 3, seed=1, ema=ema), want, atol=1e-6)
    assert not np.allclose(t2i.generate(gan, captions, 3, seed=1), t2i.generate(gan, captions, 3, seed=1, ema=False))
    # interpolate's ends are the average's images too
    row = t2i.interpolate(gan, *captions, steps=3, seed=1)
    np.testing.assert_allclose(row[0], t2i.generate(gan, captions, 1, seed=1)[0, 0], atol=1e-5)
    # truncation: z from the prior cut at +-t (here a tiny t: every image near G(0, caption))
    tight = t2i.generate(gan, captions, 3, seed=1, truncation=0.01)
    at_zero = np.asarray(gan.ema.generator([tf.zeros((2, 4)), tf.constant(captions)], training=False))
    np.testing.assert_allclose(tight, np.repeat(at_zero[:, None], 3, axis=1), atol=2e-3)
    with pytest.raises(ValueError, match="ema=False"):
        t2i.generate(t2i.train((_images(), CAPTIONS), epochs=1, batch_size=4, verbose=0, ema=None, **TINY).gan,
                     captions, 1, ema=True)


def test_out_of_vocabulary_captions(trained):
    with pytest.warns(UserWarning, match=re.escape("unknown words ['shiny']")):
        images = t2i.generate(trained.gan, ["a shiny leather bag"], 2, seed=0)
    assert images.shape == (1, 2, 28, 28, 1)
    with pytest.raises(ValueError, match="No word of caption 0"):
        t2i.generate(trained.gan, ["xyzzy plugh"], 2)
    with pytest.raises(ValueError, match="empty"):
        t2i.generate(trained.gan, ["a bag", "   "], 2)
    with pytest.raises(ValueError, match="No captions"):
        t2i.generate(trained.gan, [], 2)


def test_keras_save_load_round_trip_keeps_the_vocabulary(trained, tmp_path):
    path = tmp_path / "t2i.keras"
    trained.gan.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded, kgan.GAN)
    assert t2i.vocabulary(loaded) == t2i.vocabulary(trained.gan)
    before = t2i.generate(trained.gan, ["a pair of trousers"], 2, seed=5)
    np.testing.assert_allclose(t2i.generate(loaded, ["a pair of trousers"], 2, seed=5), before, atol=1e-6)
    assert [type(t).__name__ for t in loaded.terms] == ["MatchingAware", "TextInterpolation", "FeatureMatching"]
    with pytest.raises(ValueError, match="No word"):  # the loaded vocabulary still rejects unknown captions
        t2i.generate(str(path), ["plugh"], 1)


# ----------------------------------------------------------------- command line
def test_cli_generate_text(trained, tmp_path, capsys):
    model = tmp_path / "t2i.keras"
    trained.gan.save(model)
    out = tmp_path / "grid.png"
    assert cli.main(["generate-text", "a pair of trousers", "a leather bag", "--model", str(model),
                     "--out", str(out), "--n", "3", "--figure", str(tmp_path / "fig.png")]) == 0
    grid = tf.io.decode_png(tf.io.read_file(str(out))).numpy()
    assert grid.shape == (2 + 2 * 30, 2 + 3 * 30, 1)  # 2 rows x 3 images of 28 px, 2 px padding
    assert (tmp_path / "fig.png").stat().st_size > 0
    assert "row 1: a leather bag" in capsys.readouterr().out
    assert cli.main(["generate-text", "plugh", "--model", str(model), "--out", str(out)]) == 1
    assert "No word of caption 0" in capsys.readouterr().err
    other = tmp_path / "plain.keras"
    kgan.nets.mlp(2, 1, hidden=(4,)).save(other)
    assert cli.main(["generate-text", "a bag", "--model", str(other), "--out", str(out)]) == 1
    assert "not a text-to-image" in capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [
    (["generate-text", "  ", "--model", "m.keras"], "empty caption"),
    (["generate-text", "a bag", "--model", "missing.keras"], "no such model file"),
    (["generate-text", "a bag", "--model", "m.h5"], "expected a .keras"),
    (["generate-text", "a bag"], "--model"),
    (["generate-text", "a bag", "--model", "m.keras", "--n", "0"], "--n"),
])
def test_cli_generate_text_argument_errors(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.keras").write_bytes(b"")
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv + (["--out", "x.png"] if "--out" not in argv else []))
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
