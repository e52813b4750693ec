"""InfoGAN: the InfoCode prior, the Q head and the mutual-information term."""

import keras
import numpy as np
import pytest

import kgan
from kgan.terms.base import DISCRIMINATOR, Step

CODE = kgan.latent.InfoCode(noise=4, categorical=[3, 2], continuous=2)


def test_info_code_layout_and_fixed_codes():
    z = CODE.sample(64, seed=keras.random.SeedGenerator(0))
    assert z.shape == (64, 4 + 3 + 2 + 2) and CODE.dim == 11
    parts = CODE.split(z)
    for onehot, k in zip(parts["categorical"], (3, 2), strict=True):
        np.testing.assert_allclose(np.asarray(onehot).sum(1), 1.0)
        assert set(np.asarray(onehot).argmax(1)) == set(range(k))
    cont = np.asarray(parts["continuous"])
    assert cont.shape == (64, 2) and -1 <= cont.min() and cont.max() <= 1
    fixed = CODE.split(CODE.sample(5, seed=1, fixed={"cat1": 1, "cont0": -1.5}))
    assert np.asarray(fixed["categorical"][1]).argmax(1).tolist() == [1] * 5
    np.testing.assert_allclose(np.asarray(fixed["continuous"])[:, 0], -1.5)
    assert CODE.entropy() == pytest.approx(np.log(3) + np.log(2) + 2 * np.log(2))
    with pytest.raises(ValueError, match="Unknown code 'cat7'"):
        CODE.sample(2, fixed={"cat7": 0})
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        CODE.sample(2, fixed={"cat0": 3})
    with pytest.raises(ValueError, match=">= 2 values"):
        kgan.latent.InfoCode(categorical=[1])
    assert kgan.latent.InfoCode.from_config(CODE.get_config()).get_config() == CODE.get_config()


def _info_gan():
    keras.utils.set_random_seed(0)
    g = kgan.nets.mlp(CODE.dim, 6, hidden=(8,), name="g")
    d = kgan.nets.with_code_head(kgan.nets.mlp(6, 1, hidden=(8,), name="d"), CODE, hidden=8)
    gan = kgan.GAN(g, d, latent=CODE, seed=0)
    gan.compile(terms=[kgan.terms.MutualInformation(CODE)])
    return gan


def test_code_head_outputs():
    d = _info_gan().discriminator
    out = d(np.zeros((5, 6), "float32"))
    assert {k: tuple(v.shape) for k, v in out.items()} == {
        "logits": (5, 1), "cat0_logits": (5, 3), "cat1_logits": (5, 2), "cont_mean": (5, 2)}
    with pytest.raises(ValueError, match="add the head once"):
        kgan.nets.with_code_head(d, CODE)


def test_perfect_q_gives_minus_the_code_entropy():
    code = kgan.latent.InfoCode(noise=2, categorical=[10], continuous=0)
    z = code.sample(32, seed=0)
    onehot = code.split(z)["categorical"][0]
    gan = _info_gan()
    perfect = {"logits": np.zeros((32, 1), "float32"), "cat0_logits": 1e4 * (np.asarray(onehot) - 0.5)}
    step = Step(DISCRIMINATOR, None, None, z, None, None, perfect, gan)
    term = kgan.terms.MutualInformation(code)
    assert float(term.discriminator_loss(step)) == pytest.approx(-np.log(10), abs=1e-4)
    # An uninformed Q (uniform prediction) scores 0: no information.
    step.d_fake = {"logits": perfect["logits"], "cat0_logits": np.zeros((32, 10), "float32")}
    assert float(term.discriminator_loss(step)) == pytest.approx(0.0, abs=1e-5)


def test_short_fit_reports_the_term_and_round_trips(tmp_path):
    gan = _info_gan()
    x = np.random.default_rng(0).normal(size=(64, 6)).astype("float32")
    logs = gan.fit(x, batch_size=16, epochs=25, verbose=0).history
    assert {"mutual_information_d", "mutual_information_g"} <= set(logs)
    assert all(np.isfinite(v).all() for v in logs.values())
    mi = logs["mutual_information_d"]
    assert np.mean(mi[-5:]) < mi[0] - 0.1  # Q learns to recover the codes
    gan.save(tmp_path / "info.keras")
    loaded = kgan.GAN.from_file(tmp_path / "info.keras")
    assert isinstance(loaded.latent, kgan.latent.InfoCode)
    term = loaded.terms[0]
    assert isinstance(term, kgan.terms.MutualInformation) and term.continuous_weight == 0.1
    np.testing.assert_allclose(loaded.generate(4, seed=3), gan.generate(4, seed=3), atol=1e-6)


def test_mismatched_code_and_missing_head_are_clear_errors():
    g = kgan.nets.mlp(CODE.dim, 6, hidden=(8,))
    gan = kgan.GAN(g, kgan.nets.mlp(6, 1, hidden=(8,)), latent=CODE)
    with pytest.raises(ValueError, match="with_code_head"):
        gan.compile(terms=[kgan.terms.MutualInformation(CODE)])
    other = kgan.latent.InfoCode(noise=5, categorical=[2, 2], continuous=2)
    with pytest.raises(ValueError, match="not the GAN's latent prior"):
        _info_gan().compile(terms=[kgan.terms.MutualInformation(other)])


def test_code_traversal_layout():
    from kgan.apps import latent

    g = kgan.nets.mlp(CODE.dim, 4 * 4, hidden=(8,))
    x = keras.Input((4, 4, 1))
    d = keras.Model(x, keras.layers.Dense(1)(keras.layers.Flatten()(x)))
    image_gan = kgan.GAN(keras.Sequential([g, keras.layers.Reshape((4, 4, 1))]),
                         kgan.nets.with_code_head(d, CODE), latent=CODE)
    grid = latent.code_traversal(image_gan, categorical=0, continuous=1, steps=5)
    assert grid.shape == (3 * 4 + 4 * 2, 5 * 4 + 6 * 2, 1)  # 3 values of cat0 x 5 steps of cont1
    assert latent.code_traversal(image_gan, categorical=1, continuous=None).shape == (2 * 4 + 3 * 2, 4 + 2 * 2, 1)
    with pytest.raises(ValueError, match="continuous=5"):
        latent.code_traversal(image_gan, continuous=5)
    with pytest.raises(TypeError, match="InfoCode"):
        latent.code_traversal(kgan.GAN.dcgan((28, 28, 1), width=2))


def test_int_seed_gives_independent_draws_within_one_sample():
    code = kgan.latent.InfoCode(noise=3, categorical=[5, 5], continuous=2)
    parts = code.split(code.sample(64, seed=0))
    a, b = (np.asarray(c).argmax(1) for c in parts["categorical"])
    assert not np.array_equal(a, b)  # two codes of the same size must not be one random stream
    np.testing.assert_allclose(code.sample(8, seed=0), code.sample(8, seed=0))  # still reproducible


def test_infogan_preset_builds_either_network():
    for network in ("mlp", "dcgan"):
        gan = kgan.GAN.infogan((28, 28, 1), noise=3, categorical=(4,), continuous=1, width=2, seed=0, network=network)
        images = np.asarray(gan.generate(3, seed=1))
        assert images.shape == (3, 28, 28, 1) and images.min() >= -1.0 and images.max() <= 1.0
        out = gan.discriminator(images, training=False)
        assert set(out) == {"logits", "features", "cat0_logits", "cont_mean"}
        assert out["logits"].shape == (3, 1) and out["cat0_logits"].shape == (3, 4) and out["cont_mean"].shape == (3, 1)
    with pytest.raises(ValueError, match="network must be one of"):
        kgan.GAN.infogan((28, 28, 1), network="resnet")


def test_image_mlps_noise_only_in_training_and_shape_errors():
    d = kgan.nets.mlp_image_discriminator((8, 8, 1), units=(6, 5), input_noise=0.3, noise=0.5, seed=0)
    x = np.random.default_rng(0).uniform(-1, 1, (4, 8, 8, 1)).astype("float32")
    clean = np.asarray(d(x, training=False)["logits"])
    np.testing.assert_allclose(np.asarray(d(x, training=False)["logits"]), clean)
    assert not np.allclose(np.asarray(d(x, training=True)["logits"]), clean)
    assert d(x)["features"].shape == (4, 5)
    assert not [layer for layer in kgan.nets.mlp_image_discriminator((8, 8, 1), units=(6,)).layers
                if "noise" in layer.name]  # no noise layers unless asked for
    with pytest.raises(ValueError, match="image_shape must be"):
        kgan.nets.mlp_image_generator((28, 28), latent_dim=4)
    with pytest.raises(ValueError, match="at least one hidden layer"):
        kgan.nets.mlp_image_discriminator((8, 8, 1), units=())
