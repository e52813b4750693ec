"""kgan.apps.semi_supervised and kgan.terms.SupervisedClassification (Salimans et al. 2016, section 5)."""

import numpy as np
import pytest

import kgan
from kgan.apps import semi_supervised as ssl
from kgan.terms.base import DISCRIMINATOR, Step


def _images(n, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, 28, 28, 1), dtype=np.uint8)


def _gan(terms, seed=0):
    gan = ssl.build_gan((28, 28, 1), num_classes=3, latent_dim=4, width=4, seed=seed, network="conv")
    gan.compile(terms=terms)
    return gan


def test_discriminator_outputs_and_the_implicit_fake_class():
    disc = ssl.discriminator((28, 28, 1), num_classes=3, width=4, seed=0)
    out = disc(_images(5).astype("float32") / 127.5 - 1.0, training=False)
    assert out["class_logits"].shape == (5, 3) and out["logits"].shape == (5, 1) and out["features"].shape == (5, 8)
    logits = np.asarray(out["class_logits"], np.float64)
    # Fake class with logit 0: P(real) = Z / (Z + 1), Z = sum exp(l_k), is the sigmoid of the real/fake logit.
    z = np.exp(logits).sum(-1, keepdims=True)
    p_real = 1.0 / (1.0 + np.exp(-np.asarray(out["logits"], np.float64)))
    np.testing.assert_allclose(p_real, z / (z + 1.0), rtol=1e-5)
    probabilities = np.asarray(ssl.classifier(disc)(_images(5).astype("float32") / 127.5 - 1.0))
    np.testing.assert_allclose(probabilities.sum(-1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(probabilities, np.exp(logits) / z, rtol=1e-4)


def test_mlp_discriminator_is_the_papers_network_with_noise_only_in_training():
    disc = ssl.mlp_discriminator((28, 28, 1), num_classes=3, units=(16, 8), seed=0)
    x = _images(6).astype("float32") / 127.5 - 1.0
    out = disc(x, training=False)
    assert out["class_logits"].shape == (6, 3) and out["logits"].shape == (6, 1) and out["features"].shape == (6, 8)
    # Inference is deterministic and per-sample (no batch statistics); training adds Gaussian noise.
    np.testing.assert_allclose(np.asarray(disc(x[:2], training=False)["class_logits"]),
                               np.asarray(out["class_logits"])[:2], rtol=1e-5, atol=1e-6)
    noisy = np.asarray(disc(x, training=True)["class_logits"])
    assert not np.allclose(noisy, np.asarray(out["class_logits"]))
    assert [layer.name for layer in disc.layers if "noise" in layer.name] == ["noise1", "noise2", "noise_out"]
    generator = kgan.nets.mlp_image_generator((28, 28, 1), latent_dim=4, units=(8,), seed=0)
    images = np.asarray(generator(np.random.default_rng(0).uniform(size=(5, 4)).astype("float32")))
    assert images.shape == (5, 28, 28, 1) and images.min() >= -1.0 and images.max() <= 1.0
    with pytest.raises(ValueError, match="network must be one of"):
        ssl.build_gan(network="resnet")


def test_supervised_term_is_the_cross_entropy_of_the_labelled_examples():
    x = _images(1)
    term = kgan.terms.SupervisedClassification(x, np.array([2]), num_classes=3, batch_size=4)
    gan = _gan([term])
    step = Step(DISCRIMINATOR, None, None, None, None, None, None, gan, training=False)
    value = float(term.discriminator_loss(step))
    logits = np.asarray(gan.discriminator(x.astype("float32") / 127.5 - 1.0, training=False)["class_logits"])[0]
    by_hand = np.log(np.exp(logits.astype(np.float64)).sum()) - logits[2]  # -log softmax(l)[y]
    assert value == pytest.approx(by_hand, rel=1e-4)


def test_labelled_set_is_checked():
    with pytest.raises(ValueError, match=r"labels must be in \[0, 3\)"):
        kgan.terms.SupervisedClassification(_images(2), np.array([0, 3]), num_classes=3)
    with pytest.raises(ValueError, match="one integer label per image"):
        kgan.terms.SupervisedClassification(_images(2), np.array([0]))
    with pytest.raises(ValueError, match=r"in \[-1, 1\]"):
        kgan.terms.SupervisedClassification(np.full((2, 28, 28, 1), 255.0, np.float32), np.array([0, 1]))
    plain = kgan.GAN.dcgan((28, 28, 1), latent_dim=4, width=4, seed=0)  # D has no class logits
    with pytest.raises(ValueError, match="class_logits"):
        plain.compile(terms=[kgan.terms.SupervisedClassification(_images(2), np.array([0, 1]))])


def test_labeled_subset_takes_per_class_examples_and_leaves_the_rest():
    y = np.repeat(np.arange(4), 10)
    x = np.arange(40)
    (x_l, y_l), rest = ssl.labeled_subset(x, y, per_class=3, seed=0)
    assert sorted(np.bincount(y_l).tolist()) == [3, 3, 3, 3]
    np.testing.assert_array_equal(y[x_l], y_l)
    assert len(rest) == 28 and not set(rest) & set(x_l.tolist())
    with pytest.raises(ValueError, match="fewer than per_class"):
        ssl.labeled_subset(x, y, per_class=11)


def test_tiny_fit_returns_a_classifier_and_round_trips(tmp_path):
    x, y = _images(48), np.arange(48) % 3
    result = ssl.train((x[:9], y[:9]), x, epochs=1, batch_size=8, latent_dim=4, steps_per_epoch=2, verbose=0)
    assert {"supervised_classification", "feature_matching", "d_loss"} <= set(result.history)
    assert result.history["g_loss"][-1] == pytest.approx(result.history["feature_matching"][-1], rel=1e-5)
    # The paper's schedule: the learning rate decays linearly to 0 over the run (here 2 updates).
    assert float(result.gan.d_optimizer.learning_rate) == pytest.approx(0.0, abs=1e-9)
    assert result.classifier(x[:4].astype("float32") / 127.5 - 1.0).shape == (4, 3)
    predicted = np.argmax(np.asarray(result.classifier(x.astype("float32") / 127.5 - 1.0)), axis=-1)
    assert result.accuracy(x, y) == pytest.approx(np.mean(predicted == y))  # the share the classifier gets right
    result.gan.save(tmp_path / "ssl.keras")
    loaded = kgan.GAN.from_file(tmp_path / "ssl.keras")
    term = loaded.terms[0]
    assert isinstance(term, kgan.terms.SupervisedClassification) and term.num_labeled == 9
    np.testing.assert_allclose(np.asarray(term.variables[0]), x[:9].astype("float32") / 127.5 - 1.0, atol=1e-6)
    np.testing.assert_array_equal(np.asarray(term.variables[1]), y[:9])


def test_labels_only_baseline_uses_the_same_network():
    x, y = _images(16), np.arange(16) % 3
    for network, same in (("mlp", ssl.mlp_discriminator((28, 28, 1), 3)),
                          ("conv", ssl.discriminator((28, 28, 1), 3, 4))):
        model, history = ssl.train_supervised((x, y), epochs=2, batch_size=8, network=network, width=4, verbose=0)
        assert len(history["loss"]) == 2
        assert model.output_shape == (None, 3)
        assert [w.shape for w in model.weights] == [w.shape for w in same.weights]
