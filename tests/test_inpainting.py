"""Inpainting: the latent search, blending, the baselines, mask checks and `kgan inpaint`."""

import keras
import numpy as np
import pytest

import kgan
from kgan import cli
from kgan.apps import inpainting

SIZE = 8


def _tiny_gan(seed=0):
    """An 8x8 GAN whose generator reacts strongly to z (untrained DCGAN weights barely move the image)."""
    keras.utils.set_random_seed(seed)
    z = keras.Input((4,))
    x = keras.layers.Dense(SIZE * SIZE, kernel_initializer=keras.initializers.RandomNormal(0.0, 1.0, seed=seed))(z)
    g = keras.Model(z, keras.layers.Activation("tanh")(keras.layers.Reshape((SIZE, SIZE, 1))(x)), name="g")
    image = keras.Input((SIZE, SIZE, 1))
    d = keras.Model(image, keras.layers.Dense(1)(keras.layers.Flatten()(image)), name="d")
    gan = kgan.GAN(g, d, kgan.latent.Uniform(4, -1.0, 1.0), seed=seed)
    gan.compile()  # builds it, so that it saves without warnings
    return gan


@pytest.fixture(scope="module")
def gan():
    return _tiny_gan()


@pytest.fixture(scope="module")
def targets(gan):
    """Images the generator can make (codes inside the prior's support), so a good search can match them."""
    z = np.random.default_rng(1).uniform(-0.8, 0.8, (3, 4)).astype(np.float32)
    return np.asarray(gan.generate_from(z))


def test_search_lowers_the_contextual_loss_and_keeps_z_in_the_support(gan, targets):
    result = kgan.apps.inpaint(targets, "center", gan, steps=60, learning_rate=0.05, seed=0)
    assert result.images.shape == result.generated.shape == targets.shape
    assert result.latent.shape == (3, 4)
    assert (result.contextual_loss < 0.5 * result.initial_contextual_loss).all(), (
        result.initial_contextual_loss, result.contextual_loss)
    assert result.history.shape == (60,) and result.history[-1] < 0.5 * result.history[0]
    assert np.abs(result.latent).max() <= 1.0  # clipped to U(-1, 1)'s support
    assert np.isfinite(result.perceptual_loss).all() and result.perceptual_loss.shape == (3,)
    assert "contextual loss" in repr(result)


@pytest.mark.parametrize("blend", inpainting.BLENDS)
def test_known_pixels_are_preserved_exactly(gan, targets, blend):
    images = np.clip(targets + np.random.default_rng(2).normal(0, 0.1, targets.shape), -1, 1).astype(np.float32)
    mask = inpainting.random_mask((SIZE, SIZE), missing=0.5, n=3, seed=4)
    result = kgan.apps.inpaint(images, mask, gan, steps=5, blend=blend, restarts=2)
    known = np.broadcast_to(mask, images.shape) > 0
    np.testing.assert_array_equal(result.images[known], images[known])
    assert result.images.min() >= -1.0 and result.images.max() <= 1.0
    if blend == "paste":
        np.testing.assert_array_equal(result.images[~known], result.generated[~known])
    figure = result.figure(original=images, extra={"mean": inpainting.mean_fill(images, mask)})
    assert figure.dtype == np.uint8 and figure.shape[0] > 3 * SIZE


def test_single_uint8_image_and_a_gan_file(gan, tmp_path):
    path = tmp_path / "gan.keras"
    gan.save(path)
    image = np.random.default_rng(3).integers(0, 256, (SIZE, SIZE), dtype=np.uint8)  # grayscale (H, W)
    result = kgan.apps.inpaint(image, inpainting.center_mask((SIZE, SIZE)), str(path), steps=3)
    assert result.images.shape == (1, SIZE, SIZE, 1)
    known = result.mask > 0
    np.testing.assert_allclose(result.images[known], (image[..., None][None] / 127.5 - 1.0)[known], atol=1e-6)


def test_mask_and_input_errors_name_the_problem(gan, targets, tmp_path):
    with pytest.raises(ValueError, match="must be 0 \\(missing\\) or 1 \\(known\\)"):
        kgan.apps.inpaint(targets, np.full((SIZE, SIZE), 0.5), gan, steps=1)
    with pytest.raises(ValueError, match="does not fit images"):
        kgan.apps.inpaint(targets, np.ones((SIZE + 1, SIZE)), gan, steps=1)
    with pytest.raises(ValueError, match="no known pixel"):
        kgan.apps.inpaint(targets, np.zeros((SIZE, SIZE)), gan, steps=1)
    with pytest.raises(ValueError, match="'center' or 'random'"):
        kgan.apps.inpaint(targets, "middle", gan, steps=1)
    with pytest.raises(ValueError, match="generator makes images of shape \\(8, 8, 1\\)"):
        kgan.apps.inpaint(np.zeros((2, 28, 28, 1), np.float32), "center", gan, steps=1)
    with pytest.raises(ValueError, match="in \\[-1, 1\\]"):
        kgan.apps.inpaint(targets * 100, "center", gan, steps=1)
    with pytest.raises(ValueError, match="blend"):
        kgan.apps.inpaint(targets, "center", gan, steps=1, blend="alpha")
    with pytest.raises(TypeError, match="discriminator"):
        kgan.apps.inpaint(targets, "center", gan.generator, steps=1)
    gan.generator.save(tmp_path / "g.keras")
    with pytest.raises(TypeError, match="not a kgan GAN"):
        kgan.apps.inpaint(targets, "center", tmp_path / "g.keras", steps=1)
    with pytest.raises(FileNotFoundError):
        kgan.apps.inpaint(targets, "center", tmp_path / "missing.keras", steps=1)


def test_masks():
    center = inpainting.center_mask((28, 28, 1))
    assert center.shape == (28, 28, 1) and center.sum() == 28 * 28 - 14 * 14
    assert center[7:21, 7:21].max() == 0 and center[:7].min() == 1
    masks = inpainting.random_mask((28, 28), missing=0.8, n=50, seed=0)
    assert masks.shape == (50, 28, 28, 1) and abs(1 - masks.mean() - 0.8) < 0.01
    assert not np.array_equal(masks[0], masks[1])
    np.testing.assert_array_equal(masks, inpainting.random_mask((28, 28), missing=0.8, n=50, seed=0))
    with pytest.raises(ValueError, match="size"):
        inpainting.center_mask((28, 28), size=1.5)


def test_contextual_weights_follow_the_hole():
    mask = inpainting.center_mask((16, 16), size=0.25)[None]  # hole 4x4 at [6:10, 6:10]
    w = inpainting.contextual_weights(mask, window=3)
    assert w[0, 6:10, 6:10].max() == 0  # missing pixels never count
    assert w[0, :4].max() == 0 and w[0, :, :4].max() == 0  # far from the hole: no weight
    np.testing.assert_allclose(w[0, 5, 7, 0], 3 / 9)  # 3 of its 9 neighbours are missing
    np.testing.assert_allclose(w[0, 5, 5, 0], 1 / 9)  # the corner touches one


def test_baselines_restore_what_they_can_exactly():
    mask = inpainting.center_mask((12, 12))
    constant = np.full((2, 12, 12, 1), 0.3, np.float32)
    for fill in inpainting.BASELINES.values():
        np.testing.assert_allclose(fill(constant, mask), constant, atol=1e-6)
    # A linear ramp is harmonic: diffusion restores it exactly inside an interior hole; the mean cannot.
    ramp = np.tile(np.linspace(-1, 1, 12, dtype=np.float32)[None, :, None], (12, 1, 1))
    np.testing.assert_allclose(inpainting.diffusion_fill(ramp, mask), ramp, atol=1e-5)
    assert np.abs(inpainting.mean_fill(ramp, mask) - ramp).max() > 0.1
    # Mean fill uses the known pixels' mean; every fill keeps the known pixels and the input's rank.
    rng = np.random.default_rng(0)
    image = rng.uniform(-1, 1, (12, 12)).astype(np.float32)
    known = mask[..., 0] > 0
    np.testing.assert_allclose(inpainting.mean_fill(image, mask)[~known], image[known].mean(), rtol=1e-5)
    for fill in inpainting.BASELINES.values():
        out = fill(image, mask)
        assert out.shape == image.shape
        np.testing.assert_array_equal(out[known], image[known])
    # Diffusion: every missing pixel is the mean of its four neighbours.
    out = inpainting.diffusion_fill(image, mask)
    r, c = 5, 6
    np.testing.assert_allclose(out[r, c], (out[r - 1, c] + out[r + 1, c] + out[r, c - 1] + out[r, c + 1]) / 4, atol=1e-5)
    # Nearest: a hole in a half-black, half-white image takes each side's value.
    halves = np.where(np.arange(12) < 6, -1.0, 1.0)[None, :].repeat(12, 0).astype(np.float32)
    hole = np.ones((12, 12), np.float32)
    hole[4:8, 2:4] = 0
    hole[4:8, 8:10] = 0
    np.testing.assert_array_equal(inpainting.nearest_fill(halves, hole), halves)


def test_poisson_blend_recovers_an_image_from_a_shifted_copy():
    # The generation has the right gradients but the wrong brightness: Poisson blending fixes the offset.
    image = np.random.default_rng(5).uniform(-0.5, 0.5, (2, 10, 10, 1)).astype(np.float32)
    mask = inpainting.center_mask((10, 10))
    blended = inpainting.poisson_blend(image + 0.3, image, mask)
    np.testing.assert_allclose(blended, image, atol=1e-5)


def test_cli_inpaint_writes_results(gan, targets, tmp_path, capsys):
    gan.save(tmp_path / "gan.keras")
    np.save(tmp_path / "x.npy", targets)
    mask = np.ones((SIZE, SIZE), np.float32)
    mask[2:6, 2:6] = 0
    np.save(tmp_path / "m.npy", mask)
    code = cli.main([
        "inpaint", str(tmp_path / "gan.keras"), str(tmp_path / "x.npy"), "--mask", str(tmp_path / "m.npy"),
        "--out", str(tmp_path / "out.png"), "--npy", str(tmp_path / "out.npy"), "--figure", str(tmp_path / "f.png"),
        "--steps", "5"])
    assert code == 0
    out = np.load(tmp_path / "out.npy")
    assert out.shape == targets.shape
    np.testing.assert_array_equal(out[:, mask > 0], targets[:, mask > 0])
    assert (tmp_path / "out.png").stat().st_size > 0 and (tmp_path / "f.png").stat().st_size > 0
    assert "inpainted 3 image(s)" in capsys.readouterr().out
    # A readable file of the wrong size: a one-line error, exit status 1.
    np.save(tmp_path / "big.npy", np.zeros((28, 28, 1), np.float32))
    assert cli.main(["inpaint", str(tmp_path / "gan.keras"), str(tmp_path / "big.npy"), "--out",
                     str(tmp_path / "o.png")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("kgan: error:") and "generator makes images" in err and err.count("\n") == 1


@pytest.mark.parametrize("args, message", [
    (["missing.keras", "{x}", "--out", "o.png"], "no such file"),
    (["{gan}", "{x}.txt", "--out", "o.png"], "must be a .png or .npy"),
    (["{gan}", "{x}", "--out", "o.png", "--mask", "middle"], "'center', 'random' or a .png/.npy"),
    (["{gan}", "{x}", "--out", "o.png", "--mask", "nope.png"], "no such file"),
    (["{gan}", "{x}", "--out", "o.png", "--steps", "0"], "--steps"),
    (["{gan}", "{x}", "--out", "o.jpg"], "expected a .png"),
    (["{gan}", "{x}", "--out", "o.png", "--perceptual-weight", "-1"], ">= 0"),
    (["{gan}", "{x}"], "--out"),
])
def test_cli_inpaint_bad_arguments_exit_2(args, message, tmp_path, capsys):
    (tmp_path / "gan.keras").write_bytes(b"")  # never loaded: arguments are checked first
    np.save(tmp_path / "x.npy", np.zeros((SIZE, SIZE), np.float32))
    args = [a.format(gan=tmp_path / "gan.keras", x=tmp_path / "x.npy") for a in args]
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["inpaint", *args])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
