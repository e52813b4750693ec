"""Latent walks and arithmetic, the discriminator probe, samplers."""

import keras
import numpy as np
import pytest

import kgan
from kgan.apps import evaluation, latent, probe


@pytest.fixture(scope="module")
def small_gan():
    gan = kgan.GAN.dcgan((28, 28, 1), latent_dim=6, width=4, seed=0)
    gan.compile()
    return gan


def test_interpolation_endpoints_and_methods():
    z0, z1 = np.array([1.0, 0.0, 0.0]), np.array([0.0, 2.0, 0.0])
    for method in ("linear", "slerp"):
        path = latent.interpolate(z0, z1, steps=5, method=method)
        assert path.shape == (5, 3)
        np.testing.assert_allclose(path[0], z0, atol=1e-6)
        np.testing.assert_allclose(path[-1], z1, atol=1e-6)
    np.testing.assert_allclose(latent.interpolate(z0, z1, 3, "linear")[1], [0.5, 1.0, 0.0])
    # slerp keeps the norm of equal-norm endpoints all along the path (a line would shrink it).
    a, b = np.array([3.0, 0.0]), np.array([0.0, 3.0])
    np.testing.assert_allclose(np.linalg.norm(latent.interpolate(a, b, 7, "slerp"), axis=1), 3.0, rtol=1e-5)
    assert np.linalg.norm(latent.interpolate(a, b, 3, "linear")[1]) < 2.5
    # Parallel endpoints fall back to the straight line instead of dividing by zero.
    assert np.isfinite(latent.interpolate(a, 2 * a, 4, "slerp")).all()
    with pytest.raises(ValueError, match="method"):
        latent.interpolate(a, b, 3, "cubic")
    with pytest.raises(ValueError, match="steps"):
        latent.interpolate(a, b, 1)


def test_interpolation_strip_layout(small_gan):
    strip = latent.interpolation_strip(small_gan, rows=3, steps=6, seed=1)
    assert strip.dtype == np.uint8
    assert strip.shape == (3 * 28 + 4 * 2, 6 * 28 + 7 * 2, 1)
    # Each row starts and ends at the decoded endpoints.
    z = np.asarray(small_gan.latent.sample(6, seed=keras.random.SeedGenerator(1)))
    first = kgan.apps.image_grid(small_gan.generate_from(z[:1]).numpy())[2:30, 2:30]
    np.testing.assert_array_equal(strip[2:30, 2:30], first)


def test_vector_arithmetic_decodes_the_mean_code_sum(small_gan):
    rng = np.random.default_rng(0)
    a, b, c = (rng.uniform(-1, 1, (3, 6)).astype("float32") for _ in range(3))
    result = latent.vector_arithmetic(small_gan, plus=[a, c], minus=[b], samples=4, noise=0.1)
    np.testing.assert_allclose(result.code, a.mean(0) - b.mean(0) + c.mean(0), rtol=1e-5)
    np.testing.assert_allclose(result.images[0], small_gan.generate_from(result.code[None]).numpy()[0], atol=1e-5)
    assert result.images.shape == (4, 28, 28, 1) and result.signs == ["+", "+", "-"]
    figure = result.figure()
    assert figure.shape == (4 * 28 + 5 * 2, 4 * 28 + 5 * 2, 1)  # 3 operand rows + results, 3 + mean columns
    with pytest.raises(ValueError, match="same code shape"):
        latent.vector_arithmetic(small_gan, plus=[a, np.zeros((2, 5))])


def test_codes_by_class_picks_the_most_confident(small_gan):
    pool = small_gan.generate_from(small_gan.latent.sample(64, seed=keras.random.SeedGenerator(0))).numpy()
    threshold = float(np.median(pool.mean(axis=(1, 2, 3))))
    x = keras.Input((28, 28, 1))
    mean = keras.layers.Lambda(lambda t: keras.ops.mean(t, axis=(1, 2, 3))[:, None] - threshold)(x)
    # A two-class "classifier": images brighter than the pool's median are class 1.
    classifier = keras.Model(x, keras.layers.Lambda(lambda m: keras.ops.softmax(keras.ops.concatenate([-1e3 * m, 1e3 * m], 1)))(mean))
    groups = latent.codes_by_class(small_gan, classifier, classes=[0, 1], per_class=2, pool=64, seed=0)
    means = {c: small_gan.generate_from(groups[c]).numpy().mean() for c in (0, 1)}
    assert groups[0].shape == (2, 6) and means[1] > means[0]
    with pytest.raises(ValueError, match="classified as class 5"):
        latent.codes_by_class(small_gan, classifier, classes=[5], pool=16)


def test_linear_probe_on_digits():
    datasets = pytest.importorskip("sklearn.datasets")
    digits = datasets.load_digits()
    images = np.kron(digits.images, np.ones((3, 3)))  # 8x8 -> 24x24
    images = np.pad(images, ((0, 0), (2, 2), (2, 2)))[..., None] / 16.0 * 2 - 1  # 28x28 in [-1, 1]
    labels = digits.target
    d = kgan.nets.dcgan_discriminator((28, 28, 1), width=4, seed=0)
    features = probe.discriminator_features(d, images[:5])
    assert features.shape == (5, 4 * 4 * 4 + 4 * 4 * 8)  # two conv layers max-pooled to 4x4
    train, test = (images[:1000], labels[:1000]), (images[1000:], labels[1000:])
    result = probe.linear_probe(d, train, test, labels_per_class=20, seed=0)
    assert result.pixel_accuracy > 0.8  # digits are easy from pixels
    assert result.feature_accuracy > 0.5  # even a random D's conv features carry the digit
    assert "raw pixels" in str(result)
    idx = probe.pick_labelled(labels, 3, seed=0)
    assert np.bincount(labels[idx]).tolist() == [3] * 10
    with pytest.raises(ValueError, match="only"):
        probe.pick_labelled(labels[:20], 5)


def test_load_sampler_from_gan_and_bare_generator(small_gan, tmp_path):
    small_gan.save(tmp_path / "gan.keras")
    small_gan.generator.save(tmp_path / "generator.keras")
    sampler = evaluation.load_sampler(tmp_path / "gan.keras")
    np.testing.assert_allclose(sampler.generate(4, seed=2), sampler.generate(4, seed=2))
    assert isinstance(sampler.latent, kgan.latent.Uniform)
    with pytest.raises(ValueError, match="does not record its latent prior"):
        evaluation.load_sampler(tmp_path / "generator.keras")
    bare = evaluation.load_sampler(tmp_path / "generator.keras", latent="uniform")
    np.testing.assert_allclose(bare.generate(4, seed=2), sampler.generate(4, seed=2), atol=1e-6)
    with pytest.raises(ValueError, match="latent="):
        evaluation.load_sampler(tmp_path / "generator.keras", latent="cauchy")
