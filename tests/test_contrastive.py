"""ContrastiveMatching (XMC-GAN's image-text InfoNCE) and the matching-aware D's joint embeddings and heads."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import kgan
from kgan.terms import contrastive
from kgan.terms.base import DISCRIMINATOR, GENERATOR, Step

TINY = dict(width=4, text_dim=4, embedding_dim=4, units=4, sequence_length=8)
CAPTIONS = ["a pair of trousers", "a leather bag", "a long dress", "a white sneaker"]


def _hand_infonce(image, text, temperature, both_ways=True):
    """NumPy: cosine scores / T, targets spread over identical captions, mean cross-entropy."""
    unit = lambda a: a / np.linalg.norm(a, axis=1, keepdims=True)  # noqa: E731
    scores = unit(image) @ unit(text).T / temperature
    same = np.all(text[:, None, :] == text[None, :, :], axis=-1).astype(float)
    targets = same / same.sum(1, keepdims=True)

    def ce(s):
        log_softmax = s - np.log(np.exp(s - s.max(1, keepdims=True)).sum(1, keepdims=True)) - s.max(1, keepdims=True)
        return -(targets * log_softmax).sum(1).mean()

    return 0.5 * (ce(scores) + ce(scores.T)) if both_ways else ce(scores)


def test_infonce_matches_a_hand_computation_and_prefers_the_own_caption():
    rng = np.random.default_rng(0)
    image, text = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    for both in (True, False):
        got = float(contrastive.contrastive_loss(image.astype("float32"), text.astype("float32"), 0.1, both))
        assert got == pytest.approx(_hand_infonce(image, text, 0.1, both), rel=1e-4)
    # Image i equal to caption i: far below chance (log 5), and far below a shuffled pairing.
    aligned = float(contrastive.contrastive_loss(text.astype("float32"), text.astype("float32"), 0.1))
    shuffled = float(contrastive.contrastive_loss(np.roll(text, 1, 0).astype("float32"), text.astype("float32"), 0.1))
    assert aligned < 0.5 < np.log(5) < shuffled


def test_identical_captions_share_the_target():
    # Captions 0 and 1 are the same string (equal embeddings): image 0 pointing at either is right.
    text = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]], "float32")
    image = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]], "float32")
    got = float(contrastive.contrastive_loss(image, text, 0.1, both_ways=False))
    # Rows 0 and 1: half of the target on each copy, and the scores tie: -log(1/2) at best.
    assert got == pytest.approx(_hand_infonce(image, text, 0.1, False), rel=1e-5)
    assert got == pytest.approx((2 * np.log(2) + 0.0) / 3, abs=1e-3)


def _step(phase, outputs):
    gan = type("G", (), {"seed_generator": None})()
    return Step(phase, None, None, None, None, outputs if phase == DISCRIMINATOR else None, outputs, gan)


def test_term_reads_real_pairs_for_d_and_fake_pairs_one_way_for_g():
    rng = np.random.default_rng(1)
    out = {"image_embedding": rng.normal(size=(4, 3)).astype("float32"),
           "text_embedding": rng.normal(size=(4, 3)).astype("float32")}
    term = kgan.terms.ContrastiveMatching(temperature=0.5)
    d = float(term.discriminator_loss(_step(DISCRIMINATOR, out)))
    g = float(term.generator_loss(_step(GENERATOR, out)))
    assert d == pytest.approx(_hand_infonce(out["image_embedding"], out["text_embedding"], 0.5), rel=1e-4)
    assert g == pytest.approx(_hand_infonce(out["image_embedding"], out["text_embedding"], 0.5, False), rel=1e-4)
    assert d != pytest.approx(g)  # D's is symmetric, G's image-to-caption only


def _tiny_t2i(**build):
    keras.utils.set_random_seed(0)
    vocab = kgan.nets.text_vectorizer(CAPTIONS).get_vocabulary()
    from kgan.apps import text_to_image as t2i

    return t2i.build(vocabulary=vocab, latent_dim=4, seed=0, **TINY, **build)


def test_joint_dim_adds_both_embeddings_and_the_term_trains_them():
    gan = _tiny_t2i(joint_dim=3)
    text = tf.constant(CAPTIONS)
    out = gan.discriminator([tf.zeros((4, 28, 28, 1)), text])
    assert out["image_embedding"].shape == (4, 3) and out["text_embedding"].shape == (4, 3)
    from kgan.apps import text_to_image as t2i

    t2i.compile(gan, feature_matching_weight=0.0, terms=[kgan.terms.ContrastiveMatching()])
    images = np.random.default_rng(0).uniform(-1, 1, (8, 28, 28, 1)).astype("float32")
    data = tf.data.Dataset.from_tensor_slices((images, tf.constant(CAPTIONS * 2))).batch(4)
    before = gan.discriminator.get_layer("discriminator_body").get_layer("text_embedding").get_weights()[0].copy()
    history = gan.fit(data, epochs=1, verbose=0)
    after = gan.discriminator.get_layer("discriminator_body").get_layer("text_embedding").get_weights()[0]
    assert {"contrastive_matching_d", "contrastive_matching_g"} <= set(history.history)
    assert not np.allclose(before, after)  # D's optimizer moved the text projection


def test_term_refuses_a_discriminator_without_embeddings():
    gan = _tiny_t2i()
    with pytest.raises(ValueError, match="joint_dim"):
        gan.compile(terms=[kgan.terms.ContrastiveMatching()])
    with pytest.raises(ValueError, match="temperature"):
        kgan.terms.ContrastiveMatching(temperature=0.0)


def test_projection_head_scores_are_the_unconditional_part_plus_the_text_match():
    gan = _tiny_t2i(head="projection")
    body = gan.discriminator.get_layer("discriminator_body")
    images, t = np.random.default_rng(2).uniform(-1, 1, (3, 28, 28, 1)).astype("float32"), np.eye(3, 4, dtype="float32")
    out = body([images, t], training=False)
    features = np.asarray(out["features"])
    w, b = body.get_layer("unconditional").get_weights()
    v = body.get_layer("text_projection").get_weights()[0]
    want = features @ w + b + np.sum(features * (t @ v), axis=1, keepdims=True)
    np.testing.assert_allclose(np.asarray(out["logits"]), want, rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="head must be one of"):
        _tiny_t2i(head="attention")


def test_config_round_trip():
    term = kgan.terms.ContrastiveMatching(weight=2.0, temperature=0.2)
    again = kgan.terms.ContrastiveMatching.from_config(term.get_config())
    assert (again.weight, again.temperature) == (2.0, 0.2)

