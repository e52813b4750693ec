import numpy as np
import pytest
from scipy import stats

from kgan import metrics


def test_two_sample_statistics_match_scipy():
    rng = np.random.default_rng(0)
    a, b = rng.normal(0, 1, 3000), rng.normal(0.3, 1.5, 2000)
    assert metrics.wasserstein_1d(a, b) == pytest.approx(stats.wasserstein_distance(a, b), rel=1e-10)
    assert metrics.ks_statistic(a, b) == pytest.approx(stats.ks_2samp(a, b).statistic, rel=1e-10)


def test_against_a_normal_distribution_matches_scipy():
    rng = np.random.default_rng(1)
    x = rng.normal(-1.0, 1.0, 10_000)
    target = metrics.NormalDistribution(-1.0, 1.0)
    assert metrics.ks_statistic(x, target) == pytest.approx(stats.kstest(x, stats.norm(-1, 1).cdf).statistic, rel=1e-9)
    # scipy's W1 needs a reference sample; with 2M draws its own error is ~1e-3.
    reference = rng.normal(-1.0, 1.0, 2_000_000)
    assert metrics.wasserstein_1d(x, target) == pytest.approx(stats.wasserstein_distance(x, reference), abs=2e-3)
    # A scipy frozen distribution works as the reference too.
    assert metrics.wasserstein_1d(x, stats.norm(-1, 1)) == pytest.approx(metrics.wasserstein_1d(x, target), abs=1e-6)


def test_w1_of_a_shifted_distribution_is_the_shift():
    target = metrics.NormalDistribution(0.0, 2.0)
    u = (np.arange(20_000) + 0.5) / 20_000
    quantiles = stats.norm(0, 2).ppf(u)  # an almost perfect sample of the target
    assert metrics.wasserstein_1d(quantiles, target) < 2e-3
    assert metrics.wasserstein_1d(quantiles + 0.5, target) == pytest.approx(0.5, abs=2e-3)


def test_far_outliers_are_counted_in_full():
    target = metrics.NormalDistribution(0.0, 1.0)
    u = (np.arange(1000) + 0.5) / 1000
    x = stats.norm.ppf(u)
    x_out = x.copy()
    x_out[-1] = 1000.0
    # Moving one of 1000 samples by ~997 adds ~0.997 to W1.
    assert metrics.wasserstein_1d(x_out, target) - metrics.wasserstein_1d(x, target) == pytest.approx(
        (1000.0 - x[-1]) / 1000, rel=1e-3)


def test_bad_samples_are_explained():
    target = metrics.NormalDistribution()
    with pytest.raises(ValueError, match="NaN"):
        metrics.wasserstein_1d(np.array([0.0, np.nan]), target)
    with pytest.raises(ValueError, match="1-D"):
        metrics.ks_statistic(np.zeros((4, 2)), target)
    with pytest.raises(ValueError, match="empty"):
        metrics.ks_statistic(np.zeros(0), target)
    with pytest.raises(TypeError, match="cdf"):
        metrics.wasserstein_1d(np.zeros(3), object())
    with pytest.raises(ValueError, match="sigma"):
        metrics.NormalDistribution(0.0, 0.0)


def test_evaluate_1d_reports_distances_and_d_scores():
    from conftest import tiny_gan

    gan = tiny_gan(latent_dim=1)
    result = metrics.evaluate_1d(gan, metrics.NormalDistribution(-1, 1), n=500)
    assert set(result) == {"w1", "ks", "d_real", "d_fake", "mean", "std"}
    # Each entry is what its definition says, on the same draws (seed 0) evaluate_1d makes.
    fake = gan.generate(500, seed=0).reshape(-1)
    target = metrics.NormalDistribution(-1, 1)
    real = target.sample(500, seed=0).astype("float32")[:, None]
    sigmoid = lambda logits: 1 / (1 + np.exp(-np.asarray(logits, "float64")))  # noqa: E731 - the minimax score
    assert result["d_real"] == pytest.approx(sigmoid(gan.discriminate(real)["logits"]).mean(), rel=1e-5)
    assert result["d_fake"] == pytest.approx(sigmoid(gan.discriminate(fake[:, None])["logits"]).mean(), rel=1e-5)
    assert result["mean"] == pytest.approx(fake.mean(), rel=1e-5) and result["std"] == pytest.approx(fake.std(), rel=1e-5)
    assert result["w1"] == pytest.approx(metrics.wasserstein_1d(fake, target), rel=1e-6)
    assert result["ks"] == pytest.approx(metrics.ks_statistic(fake, target), rel=1e-6)
    assert result["d_real"] != result["d_fake"]  # not one batch scored twice
