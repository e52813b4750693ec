"""Fréchet distance, classifier score and the project's Fashion-MNIST classifier."""

import os

import keras
import numpy as np
import pytest

import kgan
from kgan.data import _idx

needs_fashion_mnist = pytest.mark.skipif(
    not os.path.isdir(_idx.DEBIAN_LOCATIONS["fashion_mnist"][0]), reason="apt-get install dataset-fashion-mnist")


def _identity_features(shape=(4, 4, 1)):
    x = keras.Input(shape)
    return keras.Model(x, keras.layers.Flatten()(x))


def test_frechet_distance_formula_against_scipy():
    linalg = pytest.importorskip("scipy.linalg")
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(200, 5)), rng.normal(size=(200, 5)) @ rng.normal(size=(5, 5)) + 1.0
    mu1, s1, mu2, s2 = a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False)
    covmean = linalg.sqrtm(s1 @ s2).real
    expected = np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2 - 2 * covmean)
    assert kgan.metrics.frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-6)


def test_frechet_distance_is_zero_for_identical_sets_and_grows_with_a_shift():
    fd = kgan.metrics.FrechetDistance(_identity_features())
    images = np.random.default_rng(0).uniform(-1, 0.5, (500, 4, 4, 1)).astype("float32")
    assert fd(images, images) == pytest.approx(0.0, abs=1e-6)
    distances = [fd(images, images + shift) for shift in (0.1, 0.2, 0.4)]
    assert distances[0] > 0 and distances[0] < distances[1] < distances[2]
    # A shift of every feature by s adds d * s^2 (16 features here).
    assert distances[2] == pytest.approx(16 * 0.4**2, rel=1e-4)
    stats = fd.statistics(images)  # precomputed statistics give the same number
    assert fd(stats, images + 0.2) == pytest.approx(distances[1])


def test_frechet_distance_checks_shapes_and_values():
    fd = kgan.metrics.FrechetDistance(_identity_features())
    with pytest.raises(ValueError, match="resize=True"):
        fd.features(np.zeros((4, 8, 8, 1), "float32"))
    assert fd.__class__(fd.feature_model, resize=True).features(np.zeros((4, 8, 8, 1), "float32")).shape == (4, 16)
    with pytest.raises(ValueError, match="NaN"):
        fd.features(np.full((4, 4, 4, 1), np.nan, "float32"))
    # uint8 input is read as 0..255 and mapped to [-1, 1].
    np.testing.assert_allclose(fd.features(np.full((2, 4, 4, 1), 255, np.uint8)), 1.0)


class _Lookup(keras.layers.Layer):
    """Row ``round(1000 * pixel0)`` of a fixed table: a 'classifier' with chosen outputs."""

    def __init__(self, table):
        super().__init__()
        self.table = np.asarray(table, "float32")

    def call(self, x):
        index = keras.ops.cast(keras.ops.round(x[:, 0, 0, 0] * 1000), "int32")
        return keras.ops.take(keras.ops.convert_to_tensor(self.table), index, axis=0)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.table.shape[1])


def _fixed_classifier(probabilities):
    x = keras.Input((2, 2, 1))
    images = (np.arange(len(probabilities), dtype="float32") / 1000)[:, None, None, None] * np.ones((1, 2, 2, 1))
    return keras.Model(x, _Lookup(probabilities)(x)), images.astype("float32")


def test_classifier_score_bounds():
    k = 10
    confident = np.eye(k)[np.arange(100) % k]  # every image sure of its class, classes balanced
    model, images = _fixed_classifier(confident)
    assert kgan.metrics.ClassifierScore(model, splits=1)(images) == pytest.approx(k, rel=1e-3)
    model, images = _fixed_classifier(np.full((100, k), 1 / k))  # no confidence at all
    assert kgan.metrics.ClassifierScore(model, splits=1)(images) == pytest.approx(1.0, abs=1e-6)
    model, images = _fixed_classifier(np.eye(k)[np.zeros(100, int)])  # confident, one class only
    assert kgan.metrics.ClassifierScore(model, splits=1)(images) == pytest.approx(1.0, abs=1e-6)
    logits = np.log(confident * 0.98 + 0.002)  # logits are detected and soft-maxed
    model, images = _fixed_classifier(logits)
    assert kgan.metrics.ClassifierScore(model, splits=2)(images) > 8
    # Told explicitly, the logits are soft-maxed too; read as probabilities they would be garbage.
    assert kgan.metrics.ClassifierScore(model, splits=2, from_logits=True)(images) > 8
    with pytest.raises(ValueError, match="splits"):
        kgan.metrics.ClassifierScore(model, splits=0)
    model, images = _fixed_classifier(np.full((10, 1), 0.7))
    with pytest.raises(ValueError, match="one output per class"):
        kgan.metrics.ClassifierScore(model, splits=1)(images)


@needs_fashion_mnist
def test_the_shipped_classifier_reaches_90_percent():
    classifier = kgan.metrics.fashion_mnist_classifier(rebuild_if_missing=False)
    x, y = kgan.data.image_arrays("fashion_mnist", "test")
    probs = kgan.metrics.ClassifierScore(classifier).probabilities(x)
    assert probs.shape == (10000, 10)
    assert (probs.argmax(1) == y).mean() >= 0.90
    features = kgan.metrics.feature_extractor(classifier)
    assert features.output.shape[-1] == 128
    with pytest.raises(ValueError, match="no layer 'nope'"):
        kgan.metrics.feature_extractor(classifier, "nope")


@needs_fashion_mnist
def test_evaluate_reports_real_reference_rows():
    from kgan.apps import evaluation

    classifier = kgan.metrics.fashion_mnist_classifier(rebuild_if_missing=False)  # never a 10-minute rebuild here
    x, _ = kgan.data.image_arrays("fashion_mnist", "train", limit=300)
    report = evaluation.evaluate(x.astype("float32") / 127.5 - 1, data="fashion_mnist", n=300, classifier=classifier)
    rows = {r["name"]: r for r in report.rows}
    # Real training images against the real test set: small distance, score near the real one.
    assert rows["generated vs real test"]["frechet_distance"] < 5 * rows["real train vs real test"]["frechet_distance"] + 1
    noise = np.random.default_rng(0).uniform(-1, 1, (300, 28, 28, 1)).astype("float32")
    bad = evaluation.evaluate(noise, data="fashion_mnist", n=300, classifier=classifier)
    assert bad.rows[0]["frechet_distance"] > 10 * rows["real train vs real test"]["frechet_distance"]
    # Noise is no garment: no real image lies in its manifold (recall 0) and it covers almost no real ball.
    # Precision is not 0 (measured 0.28): a few real outliers have huge k-NN balls that take in noise too,
    # the weakness density and coverage were designed against.
    noisy = bad.rows[0]
    assert noisy["recall"] == 0.0 and noisy["coverage"] < 0.05 and noisy["density"] < 0.3
    assert noisy["precision"] < 0.5 * rows["generated vs real test"]["precision"]
    assert bad.rows[0]["kid"] > 20 * abs(rows["real train vs real test"]["kid"]) + 0.1
    # Real images against real images: most of each set lies in the other's manifold.
    assert rows["generated vs real test"]["precision"] > 0.6 and rows["generated vs real test"]["recall"] > 0.6
    table = bad.table()
    assert "Fréchet distance" in table and "kernel distance (KID)" in table and " ± " in table
    assert "coverage" in table and "real train vs real test" in table
    with pytest.raises(ValueError, match="no evaluation classifier"):
        evaluation.evaluate(noise, data="cifar10", n=10)
