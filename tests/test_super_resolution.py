"""Super-resolution (SRGAN): networks, the content-loss term, training, super_resolve, saving, `kgan upscale`."""

import types

import keras
import numpy as np
import pytest
import tensorflow as tf

import kgan
from kgan import cli
from kgan.apps import super_resolution as sr


def _smooth_images(n=64, size=8, seed=0):
    """A trivial dataset: smooth ramps with random direction and offset, in [-1, 1]."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size] / (size - 1)
    a, b, c = rng.uniform(-1, 1, (3, n, 1, 1))
    images = np.clip(0.6 * a * xx + 0.6 * b * yy + 0.3 * c, -1, 1)
    return images[..., None].astype("float32")


@pytest.mark.parametrize(("low", "scale", "high"), [((14, 14, 1), 2, (28, 28, 1)), ((7, 7, 1), 4, (28, 28, 1)),
                                                    ((5, 6, 3), 2, (10, 12, 3))])
def test_generator_and_discriminator_shapes(low, scale, high):
    g = kgan.nets.sr_generator(low, scale, filters=4, blocks=1)
    x = np.random.default_rng(0).uniform(-1, 1, (2, *low)).astype("float32")
    assert tuple(g(x).shape) == (2, *high)
    # Untrained, the zero-initialised residual leaves exactly the bicubic upsampling.
    np.testing.assert_allclose(g(x), tf.image.resize(x, high[:2], method="bicubic"), atol=1e-5)
    conditional = kgan.nets.sr_generator(low, scale, filters=4, blocks=0, latent_dim=1, upsampled_skip=False)
    out = conditional([np.zeros((2, 1), "float32"), x])
    assert tuple(out.shape) == (2, *high) and np.abs(out).max() <= 1.0  # tanh output without the skip
    if high[0] % 4 == 0:
        d = kgan.nets.sr_discriminator(high, low, filters=4, dense=8)
        out = d([np.zeros((2, *high), "float32"), x])
        assert tuple(out["logits"].shape) == (2, 1) and tuple(out["features"].shape) == (2, 8)


def test_sub_pixel_layer_rearranges_channels_into_space():
    x = np.arange(2 * 2 * 4, dtype="float32").reshape(1, 2, 2, 4)
    y = np.asarray(kgan.nets.SubPixelUpsampling(2)(x))
    assert y.shape == (1, 4, 4, 1)
    # Each input pixel's 4 channels become a 2x2 block, in row-major order.
    np.testing.assert_array_equal(y[0, :2, :2, 0], x[0, 0, 0].reshape(2, 2))
    np.testing.assert_array_equal(y[0, 2:, 2:, 0], x[0, 1, 1].reshape(2, 2))
    with pytest.raises(ValueError, match="divisible by 4"):
        kgan.nets.SubPixelUpsampling(2).compute_output_shape((None, 2, 2, 6))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: kgan.nets.sr_generator((7, 7, 1), scale=3), "Unsupported upscaling factor 3"),
        (lambda: kgan.nets.sr_generator((7, 7), scale=2), r"\(height, width, channels\)"),
        (lambda: kgan.nets.sr_discriminator((30, 30, 1), stages=2), "divisible by 4"),
        (lambda: kgan.nets.sr_discriminator((28, 28, 1), (8, 8, 1)), "one integer factor"),
        (lambda: sr.downscale(np.zeros((2, 10, 10, 1)), 4), "not divisible by scale=4"),
        (lambda: sr.downscale(np.zeros((2, 8, 8, 1)), 3), "scale must be one of"),
        (lambda: sr.bicubic(np.full((2, 4, 4, 1), 9.0), 2), r"\[-1, 1\]"),
        (lambda: kgan.terms.ContentLoss(pixel="l3"), "choose one of"),
        (lambda: kgan.terms.ContentLoss(feature_model="vgg"), "keras.Model"),
    ],
)
def test_bad_arguments_are_named(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def _linear_features(kernel=(1.0, -2.0)):
    """A fixed 1x1 convolution to 2 channels: phi(x) = (k0 * x, k1 * x)."""
    x = keras.Input((4, 4, 1))
    conv = keras.layers.Conv2D(2, 1, use_bias=False, name="phi")
    model = keras.Model(x, conv(x))
    conv.set_weights([np.asarray(kernel, "float32").reshape(1, 1, 1, 2)])
    return model


def test_content_loss_matches_a_hand_computation():
    rng = np.random.default_rng(0)
    real, fake = rng.uniform(-1, 1, (2, 2, 4, 4, 1)).astype("float32")
    d = fake - real
    term = kgan.terms.ContentLoss(_linear_features(), pixel_weight=0.5, feature_weight=0.25)
    # Feature error: mean over both channels of (k d)^2 = mean(d^2) (1 + 4) / 2; energy: mean(x^2) (1 + 4) / 2.
    expected = 0.5 * np.mean(d**2) + 0.25 * np.mean(d**2) / np.mean(real**2)
    assert float(term(real, fake)) == pytest.approx(expected, rel=1e-5)
    step = types.SimpleNamespace(real=real, fake=fake)
    assert float(term.generator_loss(step)) == pytest.approx(expected, rel=1e-5)
    assert float(kgan.terms.ContentLoss(pixel="l1")(real, fake)) == pytest.approx(np.mean(np.abs(d)), rel=1e-6)
    assert float(kgan.terms.ContentLoss()(real, real)) == 0.0
    assert term.phases == ("generator",) and term.replaces_adversarial_loss == ()
    assert kgan.terms.ContentLoss(replace=True).replaces_adversarial_loss == ("generator",)


def test_content_loss_checks_the_feature_model_against_the_generator():
    gan = sr.build((4, 4, 1), scale=2, filters=4, blocks=0, d_filters=4)  # makes 8x8, phi takes 4x4
    with pytest.raises(ValueError, match="feature model takes images of shape"):
        gan.compile(terms=[kgan.terms.ContentLoss(_linear_features())])


@pytest.fixture(scope="module")
def tiny_srgan():
    """`sr.train` on smooth ramps (x2, 4x4 -> 8x8): content pre-training, then one adversarial epoch."""
    high = _smooth_images(96)
    gan = sr.train(high, scale=2, filters=8, blocks=1, pretrain_epochs=8, epochs=1, batch_size=16,
                   learning_rate=3e-3, adversarial_weight=1e-2, seed=0, verbose=0)
    return gan, high, sr.downscale(high, 2)


def test_training_beats_a_constant_image_and_bicubic(tiny_srgan):
    gan, high, low = tiny_srgan
    assert gan.terms[0].weight == 100.0 and gan.terms[0].feature_model is None  # 8x8: pixel loss only
    assert set(gan.history.history) >= {"d_loss", "g_loss", "content_loss"}
    out = kgan.apps.super_resolve(gan, low)
    assert out.shape == high.shape and out.dtype == np.float32
    assert out.min() >= -1 and out.max() <= 1
    constant = np.full_like(high, high.mean())
    assert kgan.metrics.psnr(out, high).mean() > kgan.metrics.psnr(constant, high).mean() + 10
    scores = sr.evaluate({"srgan": gan}, high, 2, low)
    assert set(scores) == {"bicubic", "srgan"} and scores["srgan"].psnr > scores["bicubic"].psnr


def test_a_generator_without_the_bicubic_skip_learns_from_scratch():
    high = _smooth_images(64)
    low = sr.downscale(high, 2)
    keras.utils.set_random_seed(1)
    g = kgan.nets.sr_generator((4, 4, 1), 2, filters=8, blocks=1, upsampled_skip=False, seed=1)
    before = kgan.metrics.psnr(sr.super_resolve(g, low), high).mean()
    sr.pretrain(g, high, low, epochs=15, batch_size=16, learning_rate=3e-3, verbose=0)
    after = kgan.metrics.psnr(sr.super_resolve(g, low), high).mean()
    constant = kgan.metrics.psnr(np.full_like(high, high.mean()), high).mean()
    assert after > before + 3 and after > constant + 3


def test_super_resolve_inputs(tiny_srgan):
    gan, high, low = tiny_srgan
    as_uint8 = np.round((low + 1) * 127.5).astype(np.uint8)
    out = sr.super_resolve(gan.generator, as_uint8[:3])
    assert out.dtype == np.uint8 and out.shape == (3, 8, 8, 1)
    assert sr.super_resolve(gan, low[0]).shape == (8, 8, 1)  # one image in, one out
    # The generator is fully convolutional: other sizes work (rebuilt for any size, same weights).
    wide = np.concatenate([low[:2], low[2:4]], axis=2)  # (2, 4, 8, 1)
    out = sr.super_resolve(gan, wide)
    assert out.shape == (2, 8, 16, 1)
    assert kgan.metrics.psnr(out, np.concatenate([high[:2], high[2:4]], axis=2)).min() > 20
    flexible = sr._any_size(gan.generator)  # same weights: same outputs at the trained size
    np.testing.assert_allclose(sr.super_resolve(flexible, low[:3]), sr.super_resolve(gan, low[:3]), atol=1e-6)
    with pytest.raises(ValueError, match=r"upscales images of shape \(4, 4, 1\)"):
        sr.super_resolve(gan, np.zeros((2, 4, 4, 3), "float32"))
    with pytest.raises(TypeError, match="super-resolution model"):
        sr.super_resolve(object(), low)
    with pytest.raises(ValueError, match="does not match high_res"):
        sr.train(high, scale=2, low_res=low[:, :2], epochs=0, pretrain_epochs=0)


def test_save_and_load_round_trip(tiny_srgan, tmp_path):
    gan, high, low = tiny_srgan
    gan.save(tmp_path / "srgan.keras")
    loaded = keras.models.load_model(tmp_path / "srgan.keras")
    np.testing.assert_allclose(sr.super_resolve(loaded, low), sr.super_resolve(gan, low), atol=1e-6)
    assert isinstance(loaded.terms[0], kgan.terms.ContentLoss) and loaded.terms[0].weight == 100.0
    gan.generator.save(tmp_path / "g.keras")
    np.testing.assert_allclose(sr.super_resolve(str(tmp_path / "g.keras"), low), sr.super_resolve(gan, low), atol=1e-6)


def test_content_loss_feature_model_weights_survive_saving(tmp_path):
    features = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(3, 3, padding="same")])
    gan = sr.build((4, 4, 1), scale=2, filters=4, blocks=0, d_filters=4)
    gan.compile(terms=[kgan.terms.ContentLoss(features, feature_weight=0.5)])
    gan.save(tmp_path / "gan.keras")
    loaded = keras.models.load_model(tmp_path / "gan.keras")
    term = loaded.terms[0]
    assert term.feature_weight == 0.5 and not term.feature_model.trainable
    for saved, original in zip(term.feature_model.get_weights(), features.get_weights(), strict=True):
        np.testing.assert_array_equal(saved, original)
    low = np.zeros((2, 4, 4, 1), "float32")
    np.testing.assert_allclose(sr.super_resolve(str(tmp_path / "gan.keras"), low), sr.super_resolve(gan, low))


def test_cli_upscale_writes_png_and_npy(tiny_srgan, tmp_path, capsys):
    gan, high, low = tiny_srgan
    gan.save(tmp_path / "srgan.keras")
    np.save(tmp_path / "low.npy", low[:4])
    assert cli.main(["upscale", str(tmp_path / "srgan.keras"), str(tmp_path / "low.npy"), "--out",
                     str(tmp_path / "high.npy")]) == 0
    np.testing.assert_allclose(np.load(tmp_path / "high.npy"), sr.super_resolve(gan, low[:4]), atol=1e-6)
    png = tmp_path / "low.png"
    kgan.apps.save_png(str(png), low[0])
    assert cli.main(["upscale", str(tmp_path / "srgan.keras"), str(png), "--out", str(tmp_path / "big.png")]) == 0
    assert tf.io.decode_png(tf.io.read_file(str(tmp_path / "big.png"))).shape == (8, 8, 1)
    assert "wrote" in capsys.readouterr().out


def test_cli_upscale_error_paths(tiny_srgan, tmp_path, capsys):
    gan, *_ = tiny_srgan
    model = tmp_path / "srgan.keras"
    gan.save(model)
    np.save(tmp_path / "wrong.npy", np.zeros((2, 6, 6, 3), "float32"))  # 3 channels for a grayscale model
    (tmp_path / "x.txt").write_text("")
    for argv, message in [
        ([str(tmp_path / "none.keras"), str(tmp_path / "wrong.npy"), "--out", "o.png"], "no such file"),
        ([str(model), str(tmp_path / "x.txt"), "--out", "o.png"], "expected a .png or .npy file"),
        ([str(model), str(tmp_path / "wrong.npy"), "--out", "o.jpg"], "--out must end in .png or .npy"),
        ([str(model), str(tmp_path / "wrong.npy")], "--out"),
    ]:
        with pytest.raises(SystemExit) as exit_info:
            cli.main(["upscale", *argv])
        err = capsys.readouterr().err
        assert exit_info.value.code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert cli.main(["upscale", str(model), str(tmp_path / "wrong.npy"), "--out", str(tmp_path / "o.png")]) == 1
    assert "upscales images of shape (4, 4, 1)" in capsys.readouterr().err
