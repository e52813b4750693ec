"""kgan.terms.FeatureMatching (Salimans et al. 2016)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import kgan
from kgan.terms.base import GENERATOR, Step


def _gan(loss_terms, shape=(28, 28, 1)):
    gan = kgan.GAN.dcgan(shape, latent_dim=4, width=4, seed=0)
    gan.compile(terms=loss_terms)
    return gan


def _step(gan, real, fake):
    d_real, d_fake = gan.discriminate(real, training=True), gan.discriminate(fake, training=True)
    return Step(GENERATOR, real, fake, None, None, d_real, d_fake, gan)


def test_zero_when_features_match_and_positive_otherwise():
    term = kgan.terms.FeatureMatching()
    gan = _gan([term])
    x = np.random.default_rng(0).uniform(-1, 1, (8, 28, 28, 1)).astype("float32")
    assert float(term.generator_loss(_step(gan, x, x))) == pytest.approx(0.0, abs=1e-6)
    assert float(term.generator_loss(_step(gan, x, -x))) > 0
    # Batch means, not per-sample distances: the same set in another order still matches.
    assert float(term.generator_loss(_step(gan, x, x[::-1]))) == pytest.approx(0.0, abs=1e-4)


def test_named_inner_layer_and_l1():
    term = kgan.terms.FeatureMatching(layer="down1_act", distance="l1", replace=False)
    gan = _gan([term])
    assert term._extractor is not None and not term.needs_real_in_generator_phase
    assert term.replaces_adversarial_loss == ()
    x = np.random.default_rng(0).uniform(-1, 1, (8, 28, 28, 1)).astype("float32")
    assert float(term.generator_loss(_step(gan, x, x))) == pytest.approx(0.0, abs=1e-6)
    assert float(term.generator_loss(_step(gan, x, x * 0.5))) > 0


def test_gradient_reaches_only_the_generator():
    term = kgan.terms.FeatureMatching()
    gan = _gan([term])
    real = tf.constant(np.random.default_rng(0).uniform(-1, 1, (8, 28, 28, 1)), tf.float32)
    z = gan.latent.sample(8, seed=keras.random.SeedGenerator(0))
    with tf.GradientTape(persistent=True) as tape:
        fake = gan.generate_from(z, training=True)
        loss = term.generator_loss(_step(gan, real, fake))
    g_grads = tape.gradient(loss, gan.generator.trainable_variables)
    d_grads = tape.gradient(loss, gan.discriminator.trainable_variables)
    assert any(g is not None and float(tf.reduce_sum(tf.abs(g))) > 0 for g in g_grads)
    # D's weights shape the features but the term never trains D: its update uses only the G optimizer.
    assert gan.terms[0].phases == (GENERATOR,)
    assert all(g is None or np.isfinite(g.numpy()).all() for g in d_grads)


def test_fit_replaces_the_adversarial_generator_loss_and_round_trips(tmp_path):
    keras.utils.set_random_seed(0)
    gan = _gan([kgan.terms.FeatureMatching(weight=2.0)])
    x = np.random.default_rng(0).integers(0, 256, (32, 28, 28), dtype=np.uint8)
    logs = gan.fit(kgan.data.images(x, batch_size=16), epochs=1, verbose=0).history
    assert "feature_matching" in logs
    # The G loss is the weighted term alone (adversarial part replaced).
    assert logs["g_loss"][-1] == pytest.approx(2.0 * logs["feature_matching"][-1], rel=1e-5)
    gan.save(tmp_path / "gan.keras")
    loaded = kgan.GAN.from_file(tmp_path / "gan.keras")
    term = loaded.terms[0]
    assert isinstance(term, kgan.terms.FeatureMatching) and term.weight == 2.0 and term.replace


def test_unknown_layer_is_a_clear_error():
    with pytest.raises(ValueError, match="no output or layer"):
        _gan([kgan.terms.FeatureMatching(layer="nope")])
    with pytest.raises(ValueError, match="distance"):
        kgan.terms.FeatureMatching(distance="cosine")


def test_subclassed_discriminator_with_a_features_output():
    class D(keras.Model):
        def __init__(self):
            super().__init__()
            self.body = keras.layers.Dense(4, activation="relu")
            self.head = keras.layers.Dense(1)

        def call(self, x, training=False):
            h = self.body(x)
            return {"logits": self.head(h), "features": h}

    gan = kgan.GAN(kgan.nets.mlp(2, 3, hidden=(4,)), D(), latent=2)
    gan.compile(terms=[kgan.terms.FeatureMatching()])
    assert gan.discriminator_output_keys() == ["features", "logits"]
    logs = gan.fit(np.random.default_rng(0).normal(size=(32, 3)).astype("float32"), batch_size=8, verbose=0).history
    # The paper's G objective is the term alone (replace=True, weight 1): G's loss is exactly its value.
    assert logs["feature_matching"][-1] > 0
    assert logs["g_loss"][-1] == pytest.approx(logs["feature_matching"][-1], rel=1e-6)
