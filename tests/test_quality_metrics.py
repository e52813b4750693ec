"""KID, precision/recall, density/coverage, the FD trace term, float64 SSIM/PSNR and SampleQuality.

Each metric is checked against an independent, loop-level NumPy computation of its paper's
formula on fixed features (n < d included), and on the cases with known answers.
"""

import itertools

import keras
import numpy as np
import pytest

import kgan
from kgan.metrics import images as image_metrics


def _features(n, d, seed, shift=0.0):
    return np.random.default_rng(seed).normal(shift, 1.0, size=(n, d))


# ---------------------------------------------------------------- independent reference computations
def _kid_by_pairs(x, y):
    """Unbiased MMD² with k(a, b) = (a·b/d + 1)^3, one pair at a time."""
    d = x.shape[1]
    k = lambda a, b: (a @ b / d + 1.0) ** 3  # noqa: E731
    m, n = len(x), len(y)
    xx = sum(k(x[i], x[j]) for i, j in itertools.permutations(range(m), 2)) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i, j in itertools.permutations(range(n), 2)) / (n * (n - 1))
    xy = sum(k(a, b) for a in x for b in y) / (m * n)
    return xx + yy - 2 * xy


def _kth_radius(points, k):
    out = []
    for i, p in enumerate(points):
        dist = sorted(np.linalg.norm(p - q) for j, q in enumerate(points) if j != i)
        out.append(dist[k - 1])
    return np.array(out)


def _pr_by_loops(real, fake, k):
    r_real, r_fake = _kth_radius(real, k), _kth_radius(fake, k)
    precision = np.mean([any(np.linalg.norm(f - r) <= rad for r, rad in zip(real, r_real, strict=True)) for f in fake])
    recall = np.mean([any(np.linalg.norm(r - f) <= rad for f, rad in zip(fake, r_fake, strict=True)) for r in real])
    return precision, recall


def _dc_by_loops(real, fake, k):
    radii = _kth_radius(real, k)
    inside = np.array([[np.linalg.norm(f - r) < rad for r, rad in zip(real, radii, strict=True)] for f in fake])
    return inside.sum() / (k * len(fake)), inside.any(axis=0).mean()


# ---------------------------------------------------------------- KID
@pytest.mark.parametrize("m, n, d", [(12, 15, 4), (5, 7, 20)])  # the second has n < d
def test_kid_matches_the_pairwise_formula(m, n, d):
    x, y = _features(m, d, 0), _features(n, d, 1, shift=0.3)
    mean, std = kgan.metrics.kernel_distance(x, y, subsets=1, subset_size=1000)
    np.testing.assert_allclose(mean, _kid_by_pairs(x, y), rtol=1e-12)
    assert std == 0.0


def test_kid_of_a_set_with_itself_is_slightly_negative_and_exact():
    # Unbiased: the within-set terms skip the diagonal, the cross term cannot; a known negative value.
    x = _features(10, 3, 2)
    kernel = (x @ x.T / 3 + 1.0) ** 3
    expected = 2 * (kernel.sum() - np.trace(kernel)) / 90 - 2 * kernel.mean()
    mean, _ = kgan.metrics.kernel_distance(x, x, subsets=1, subset_size=100)
    assert expected < 0
    np.testing.assert_allclose(mean, expected, rtol=1e-12)


def test_kid_is_unbiased_near_zero_for_one_distribution_and_large_for_two():
    means = [kgan.metrics.kernel_distance(_features(400, 16, s), _features(400, 16, 100 + s), subsets=20,
                                          subset_size=200, seed=s)[0] for s in range(6)]
    shifted, _ = kgan.metrics.kernel_distance(_features(400, 16, 0), _features(400, 16, 1, shift=0.5), subsets=20,
                                              subset_size=200, seed=0)
    assert min(means) < 0 < max(means)  # an unbiased estimate of 0 falls on both sides
    assert max(abs(v) for v in means) < 0.05 * shifted


def test_kid_subsets_average_the_subset_estimates_with_their_spread():
    x, y = _features(300, 8, 3), _features(250, 8, 4, shift=0.2)
    mean, std = kgan.metrics.kernel_distance(x, y, subsets=50, subset_size=100, seed=7)
    full, _ = kgan.metrics.kernel_distance(x, y, subsets=1, subset_size=10_000)
    assert std > 0 and abs(mean - full) < 3 * std / np.sqrt(50) + 1e-3
    assert (mean, std) == kgan.metrics.kernel_distance(x, y, subsets=50, subset_size=100, seed=7)  # seeded


def test_kernel_distance_class_on_images_equals_the_function_on_their_features():
    encoder = keras.Sequential([keras.Input((6, 6, 1)), keras.layers.Flatten(), keras.layers.Dense(5)])
    a = np.random.default_rng(0).uniform(-1, 1, (20, 6, 6, 1)).astype("float32")
    b = np.random.default_rng(1).uniform(-1, 1, (25, 6, 6, 1)).astype("float32")
    kid = kgan.metrics.KernelDistance(encoder, subsets=1, subset_size=100)
    expected = _kid_by_pairs(kid.features(a), kid.features(b))
    np.testing.assert_allclose(kid(a, b)[0], expected, rtol=1e-10)
    np.testing.assert_allclose(kid(kid.features(a), b)[0], expected, rtol=1e-10)  # features in place of images


# ---------------------------------------------------------------- precision / recall, density / coverage
@pytest.mark.parametrize("n_real, n_fake, d", [(30, 25, 3), (12, 14, 40)])
def test_precision_recall_match_the_loops(n_real, n_fake, d):
    real, fake = _features(n_real, d, 5), _features(n_fake, d, 6, shift=0.4)
    result = kgan.metrics.precision_recall(real, fake, k=3)
    np.testing.assert_allclose(result, _pr_by_loops(real, fake, 3))
    assert 0 < result[0] < 1 or 0 < result[1] < 1  # a case that tells a wrong radius apart


def test_density_coverage_match_the_loops():
    real, fake = _features(40, 4, 8), _features(35, 4, 9, shift=0.5)
    result = kgan.metrics.density_coverage(real, fake, k=5)
    np.testing.assert_allclose(result, _dc_by_loops(real, fake, 5))
    assert 0 < result[1] < 1


def test_a_set_against_itself_and_disjoint_sets():
    x = _features(50, 6, 10)
    assert kgan.metrics.precision_recall(x, x) == (1.0, 1.0)
    far = x + 100.0
    assert kgan.metrics.precision_recall(x, far) == (0.0, 0.0)
    assert kgan.metrics.density_coverage(x, far) == (0.0, 0.0)
    density, coverage = kgan.metrics.density_coverage(x, x, k=5)
    assert coverage == 1.0
    np.testing.assert_allclose(density, _dc_by_loops(x, x, 5)[0])


def test_duplicates_are_neighbours_but_the_point_itself_is_not():
    x = np.array([[0.0], [0.0], [1.0], [3.0]])  # 1st-NN radii: 0, 0, 1, 2
    np.testing.assert_array_equal(kgan.metrics.manifold.knn_radii(x, 1), [0.0, 0.0, 1.0, 2.0])


def test_blocked_distances_agree_across_block_boundaries(monkeypatch):
    from kgan.metrics import manifold

    real, fake = _features(70, 5, 11), _features(60, 5, 12, shift=0.3)
    whole = manifold.precision_recall(real, fake), manifold.density_coverage(real, fake)
    monkeypatch.setattr(manifold, "_BLOCK", 16)
    assert (manifold.precision_recall(real, fake), manifold.density_coverage(real, fake)) == whole


@pytest.mark.parametrize("call, message", [
    (lambda: kgan.metrics.precision_recall(np.zeros((5, 3)), np.zeros((5, 4))), "different sizes"),
    (lambda: kgan.metrics.precision_recall(np.zeros((3, 3)), np.zeros((9, 3))), "more than k"),
    (lambda: kgan.metrics.density_coverage(np.full((9, 3), np.nan), np.zeros((9, 3))), "NaN"),
    (lambda: kgan.metrics.kernel_distance(np.zeros((9, 3, 3)), np.zeros((9, 3))), "feature array"),
    (lambda: kgan.metrics.kernel_distance(np.zeros((9, 3)), np.zeros((9, 3)), subsets=0), "subsets"),
    (lambda: kgan.metrics.precision_recall(np.zeros((9, 3)), np.zeros((9, 3)), k=0), "positive integer"),
    (lambda: kgan.metrics.sample_quality(np.zeros((9, 3)), np.zeros((9, 3)), metrics=("fid",)), "known: fd"),
])
def test_bad_input_is_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ---------------------------------------------------------------- sample_quality, FD numerics
def test_sample_quality_computes_each_named_metric_as_its_function_does():
    real, fake = _features(60, 4, 13), _features(50, 4, 14, shift=0.3)
    values = kgan.metrics.sample_quality(real, fake, metrics=tuple(kgan.metrics.METRICS), seed=3, kid_subsets=5,
                                         kid_subset_size=30)
    assert values["fd"] == pytest.approx(image_metrics.frechet_distance(
        real.mean(0), np.cov(real, rowvar=False), fake.mean(0), np.cov(fake, rowvar=False)))
    assert (values["kid"], values["kid_std"]) == kgan.metrics.kernel_distance(real, fake, 5, 30, seed=3)
    assert (values["precision"], values["recall"]) == kgan.metrics.precision_recall(real, fake, 3)
    assert (values["density"], values["coverage"]) == kgan.metrics.density_coverage(real, fake, 5)
    assert set(kgan.metrics.sample_quality(real, fake, metrics=("recall",))) == {"recall"}


def _rotation(d, seed):
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(d, d)))
    return q


@pytest.mark.parametrize("low", [1e-12, 1e-6])
def test_frechet_trace_term_is_exact_on_ill_conditioned_commuting_covariances(low):
    # S1 and S2 share eigenvectors, so FD = |mu1 - mu2|^2 + sum (sqrt(a_i) - sqrt(b_i))^2 exactly.
    d = 64
    q = _rotation(d, 0)
    a = np.geomspace(low, 1.0, d)
    b = np.random.default_rng(1).permutation(np.geomspace(low, 10.0, d))
    s1, s2 = (q * a) @ q.T, (q * b) @ q.T
    mu = np.zeros(d)
    exact = np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    assert abs(image_metrics.frechet_distance(mu, s1, mu, s2) - exact) < 1e-11 * exact  # the eigvalsh route: 7e-9


def test_frechet_distance_with_fewer_samples_than_dimensions():
    # n < d: singular covariances (rank n - 1); the same set twice must still give 0.
    x = _features(10, 30, 15)
    stats = x.mean(0), np.cov(x, rowvar=False)
    assert image_metrics.frechet_distance(*stats, *stats) < 1e-10


# ---------------------------------------------------------------- SSIM / PSNR in float64
def test_unmasked_ssim_and_psnr_equal_an_all_ones_mask_on_flat_images():
    flat = np.full((2, 16, 16, 1), 0.3)
    other = flat + np.random.default_rng(0).normal(0, 1e-3, flat.shape)
    ones = np.ones((16, 16))
    np.testing.assert_allclose(kgan.metrics.ssim(flat, other), kgan.metrics.ssim(flat, other, mask=ones),
                               rtol=0, atol=1e-12)
    np.testing.assert_allclose(kgan.metrics.psnr(flat, other), kgan.metrics.psnr(flat, other, mask=ones),
                               rtol=0, atol=1e-12)


# ---------------------------------------------------------------- feature models
def test_feature_model_resolves_names_layers_and_plain_models():
    x = inputs = keras.Input((4, 4, 1))
    x = keras.layers.Flatten()(x)
    features = keras.layers.Dense(3, name="features")(x)
    clf = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(features))
    extractor = kgan.metrics.feature_model(clf)
    assert extractor.output.shape[-1] == 3
    plain = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten()])
    assert kgan.metrics.feature_model(plain) is plain
    with pytest.raises(ValueError, match="ships 'fashion_mnist'"):
        kgan.metrics.feature_model("imagenet")


def test_inception_weights_are_never_downloaded(tmp_path):
    with pytest.raises(FileNotFoundError, match="never downloads"):
        kgan.metrics.inception_v3_features(tmp_path / "missing.h5")
    not_weights = tmp_path / "junk.weights.h5"
    not_weights.write_bytes(b"not an h5 file")
    with pytest.raises((ValueError, OSError)):
        kgan.metrics.inception_v3_features(not_weights, input_shape=(75, 75, 3))


def test_inception_features_load_a_local_notop_file(tmp_path):
    source = keras.applications.InceptionV3(include_top=False, weights=None, input_shape=(75, 75, 3), pooling="avg")
    path = tmp_path / "inception_notop.weights.h5"
    source.save_weights(path)
    model = kgan.metrics.inception_v3_features(path, input_shape=(75, 75, 3))
    images = np.random.default_rng(0).uniform(-1, 1, (2, 75, 75, 3)).astype("float32")
    np.testing.assert_allclose(model(images), source(images), atol=1e-5)
    assert model.output.shape[-1] == 2048


# ---------------------------------------------------------------- SampleQuality in fit
def _image_gan():
    keras.utils.set_random_seed(0)
    gan = kgan.GAN.dcgan((28, 28, 1), latent_dim=8, width=4, seed=0)
    return gan


def _encoder():
    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.AveragePooling2D(7), keras.layers.Flatten()],
                            name="pool_features")


def test_sample_quality_logs_the_exact_metrics_of_the_models_samples():
    gan = _image_gan()
    gan.compile()
    reference = np.random.default_rng(1).uniform(-1, 1, (64, 28, 28, 1)).astype("float32")
    quality = kgan.callbacks.SampleQuality(_encoder(), reference, n=40, metrics=("fd", "kid", "precision"),
                                           seed=5, kid_subsets=3, kid_subset_size=20)
    history = gan.fit(reference, batch_size=16, epochs=1, verbose=0, callbacks=[quality])
    encoder = kgan.metrics.FrechetDistance(_encoder())
    expected = kgan.metrics.sample_quality(encoder.features(reference), encoder.features(gan.generate(40, seed=5)),
                                           ("fd", "kid", "precision"), seed=5, kid_subsets=3, kid_subset_size=20)
    for name in ("fd", "kid", "kid_std", "precision"):
        assert history.history[name][0] == pytest.approx(expected[name], rel=1e-6)
    assert quality.history[0]["epoch"] == 1 and quality.history[0]["seconds"] > 0


def test_sample_quality_drives_early_stopping_and_csv_logger(tmp_path):
    gan = _image_gan()
    # G's weights never move (learning rate 0; only its BatchNorm statistics drift a little), so fd stays
    # within min_delta: EarlyStopping with patience 1 must stop after epoch 2, reading fd from the logs
    # SampleQuality wrote.
    gan.compile(g_optimizer=keras.optimizers.SGD(0.0))
    reference = np.random.default_rng(1).uniform(-1, 1, (32, 28, 28, 1)).astype("float32")
    quality = kgan.callbacks.SampleQuality(_encoder(), reference, n=32, metrics=("fd", "kid"), kid_subsets=2,
                                           kid_subset_size=16)
    history = gan.fit(reference, batch_size=16, epochs=6, verbose=0, callbacks=[
        quality, keras.callbacks.EarlyStopping(monitor="fd", patience=1, min_delta=1e-3),  # no mode=: fd is "min"
        keras.callbacks.CSVLogger(tmp_path / "log.csv")])
    assert len(history.history["fd"]) == 2
    assert history.history["fd"][0] == pytest.approx(history.history["fd"][1], abs=1e-4) and history.history["fd"][0] > 0
    header = (tmp_path / "log.csv").read_text().splitlines()[0].split(",")
    assert {"fd", "kid", "kid_std"} <= set(header)


def test_monitors_left_at_auto_learn_each_logged_metrics_direction():
    gan = _image_gan()
    gan.compile()
    reference = np.random.default_rng(1).uniform(-1, 1, (32, 28, 28, 1)).astype("float32")
    quality = kgan.callbacks.SampleQuality(_encoder(), reference, n=16, metrics=("kid", "coverage"), kid_subsets=2,
                                           kid_subset_size=8)
    kid_stop = keras.callbacks.EarlyStopping(monitor="kid", patience=5)
    coverage_stop = keras.callbacks.EarlyStopping(monitor="coverage", patience=5)
    gan.fit(reference, batch_size=16, epochs=1, verbose=0, callbacks=[quality, kid_stop, coverage_stop])
    assert (kid_stop.mode, coverage_stop.mode) == ("min", "max")


def test_sample_quality_every_and_the_last_epoch():
    gan = _image_gan()
    gan.compile()
    reference = np.random.default_rng(1).uniform(-1, 1, (32, 28, 28, 1)).astype("float32")
    quality = kgan.callbacks.SampleQuality(_encoder(), reference, n=16, every=2, metrics="fd")
    gan.fit(reference, batch_size=16, epochs=3, verbose=0, callbacks=[quality])
    assert [h["epoch"] for h in quality.history] == [2, 3]


def test_sample_quality_uses_the_ema_generator():
    gan = _image_gan()
    gan.compile()
    reference = np.random.default_rng(1).uniform(-1, 1, (32, 28, 28, 1)).astype("float32")
    ema = kgan.callbacks.GeneratorEMA(decay=0.5)
    quality = kgan.callbacks.SampleQuality(_encoder(), reference, n=16, metrics="fd", ema=ema, seed=2)
    history = gan.fit(reference, batch_size=16, epochs=1, verbose=0, callbacks=[ema, quality])
    encoder = kgan.metrics.FrechetDistance(_encoder())
    expected = encoder(encoder.features(reference), ema.generate(16, seed=2))
    other = encoder(encoder.features(reference), gan.generate(16, seed=2))
    assert history.history["fd"][0] == pytest.approx(expected, rel=1e-6) and expected != pytest.approx(other)


def test_sample_quality_bad_arguments():
    with pytest.raises(ValueError, match="known: fd"):
        kgan.callbacks.SampleQuality(_encoder(), np.zeros((4, 28, 28, 1)), metrics=("fid",))
    with pytest.raises(ValueError, match="one per sample"):
        kgan.callbacks.SampleQuality(_encoder(), np.zeros((4, 28, 28, 1)), n=10, condition=np.zeros(5))
