"""PSNR and SSIM (kgan.metrics.restoration) against known values, tf.image and masks."""

import numpy as np
import pytest
import tensorflow as tf

import kgan


def _pair(shape=(3, 24, 24, 1), noise=0.2, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.uniform(-1, 1, shape)
    return a, np.clip(a + rng.normal(0, noise, shape), -1, 1)


def test_identical_images_give_inf_psnr_and_ssim_one():
    a, _ = _pair()
    assert np.isinf(kgan.metrics.psnr(a, a)).all()
    np.testing.assert_allclose(kgan.metrics.ssim(a, a), 1.0, atol=1e-6)
    np.testing.assert_allclose(kgan.metrics.ssim(a, a, mask=np.ones((24, 24))), 1.0, atol=1e-9)


def test_psnr_of_a_known_mse():
    # Every pixel off by 0.2 in [-1, 1] (span 2): MSE 0.04 -> 10 log10(4 / 0.04) = 20 dB.
    a, b = np.zeros((2, 8, 8, 1)), np.full((2, 8, 8, 1), 0.2)
    np.testing.assert_allclose(kgan.metrics.psnr(a, b), 20.0, rtol=1e-5)
    # 0-255 pictures off by 1: 10 log10(255^2) = 48.13 dB.
    np.testing.assert_allclose(kgan.metrics.psnr(a[0] + 10, a[0] + 11, value_range=(0, 255)), 48.1308, atol=1e-3)


def test_masked_psnr_only_sees_the_masked_pixels():
    a = np.zeros((2, 8, 8, 3))
    b = a.copy()
    b[:, :4] = 0.2  # top half wrong by 0.2, bottom half exact
    mask = np.zeros((8, 8), bool)
    mask[:4] = True
    np.testing.assert_allclose(kgan.metrics.psnr(a, b, mask=mask), 20.0, rtol=1e-9)
    assert np.isinf(kgan.metrics.psnr(a, b, mask=~mask)).all()
    # The whole image: half the squared error -> 3 dB better.
    np.testing.assert_allclose(kgan.metrics.psnr(a, b), 20.0 + 10 * np.log10(2), rtol=1e-5)


def test_ssim_matches_tf_image_ssim_and_an_all_ones_mask():
    a, b = _pair((2, 20, 20, 3), noise=0.3)
    expected = tf.image.ssim(tf.constant(a + 1, tf.float32), tf.constant(b + 1, tf.float32), max_val=2.0).numpy()
    np.testing.assert_allclose(kgan.metrics.ssim(a, b), expected, rtol=1e-5)
    np.testing.assert_allclose(kgan.metrics.ssim(a, b, mask=np.ones((2, 20, 20, 1))), expected, rtol=1e-4)
    assert (kgan.metrics.ssim(a, b) < 0.95).all()


def test_masked_ssim_separates_a_damaged_region_from_an_intact_one():
    a, _ = _pair((1, 28, 28, 1))
    b = a.copy()
    b[:, 8:20, 8:20] = 0.0  # a mean-filled hole
    hole = np.zeros((28, 28), bool)
    hole[8:20, 8:20] = True
    inside, whole = kgan.metrics.ssim(b, a, mask=hole)[0], kgan.metrics.ssim(b, a)[0]
    outside = kgan.metrics.ssim(b, a, mask=~hole)[0]
    # Windows that straddle the hole's border count in both, partly: the split is clear, not total.
    assert inside < 0.4 < whole < 0.7 < outside < 0.95


def test_metrics_give_per_image_values():
    a, b = _pair((4, 16, 16, 1))
    b[2] = a[2]
    values = kgan.metrics.psnr(a, b)
    assert values.shape == (4,) and np.isinf(values[2]) and np.isfinite(values[[0, 1, 3]]).all()
    assert kgan.metrics.ssim(a, b, filter_size=7).shape == (4,)
    assert kgan.metrics.psnr(a[0], b[0]).shape == (1,)  # one (h, w, c) image


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: kgan.metrics.psnr(np.zeros((2, 8, 8, 1)), np.zeros((2, 8, 8, 3))), "same shape"),
        (lambda: kgan.metrics.psnr(np.zeros((2, 8, 8, 1)), np.full((2, 8, 8, 1), 200.0)), "value_range"),
        (lambda: kgan.metrics.psnr(np.zeros(8), np.zeros(8)), "channels"),
        (lambda: kgan.metrics.psnr(np.zeros((1, 8, 8, 1)), np.zeros((1, 8, 8, 1)), mask=np.zeros((8, 8))),
         "no pixel"),
        (lambda: kgan.metrics.psnr(np.zeros((1, 8, 8, 1)), np.zeros((1, 8, 8, 1)), mask=np.ones((4, 4))), "mask"),
        (lambda: kgan.metrics.ssim(np.zeros((1, 8, 8, 1)), np.zeros((1, 8, 8, 1))), "smaller odd filter_size"),
        (lambda: kgan.metrics.psnr(np.zeros((1, 8, 8, 1)), np.zeros((1, 8, 8, 1)), value_range=(1, 0)), "high > low"),
    ],
)
def test_bad_input_is_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()
