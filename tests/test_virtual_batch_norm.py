"""kgan.layers.VirtualBatchNormalization (Salimans et al. 2016, section 3.4)."""

import keras
import numpy as np
import pytest

import kgan

VBN = kgan.layers.VirtualBatchNormalization


def _numpy_vbn(x, ref, gamma, beta, eps=1e-5):
    """The paper's definition, written out: per channel, the reference's statistics (over its examples and
    pixels) mixed with the example's own (over its pixels) at weight 1/(N+1)."""
    n = ref.shape[0]
    axes = tuple(range(ref.ndim - 1))
    ref_mean, ref_sq = ref.mean(axis=axes), (ref ** 2).mean(axis=axes)
    out = np.empty_like(x)
    for i, example in enumerate(x):
        own_axes = tuple(range(example.ndim - 1))
        own_mean = example.mean(axis=own_axes) if own_axes else example
        own_sq = (example ** 2).mean(axis=own_axes) if own_axes else example ** 2
        mean = (own_mean + n * ref_mean) / (n + 1)
        var = (own_sq + n * ref_sq) / (n + 1) - mean ** 2
        out[i] = gamma * (example - mean) / np.sqrt(var + eps) + beta
    return out


def _model(shape):
    inputs = keras.Input(shape)
    return keras.Model(inputs, VBN(name="vbn")(inputs))


def _set_affine(layer, rng):
    channels = layer.gamma.shape[0]
    gamma, beta = rng.uniform(0.5, 2.0, channels).astype("float32"), rng.normal(size=channels).astype("float32")
    layer.gamma.assign(gamma)
    layer.beta.assign(beta)
    return gamma, beta


@pytest.mark.parametrize("shape", [(6,), (5, 4, 3)], ids=["dense", "conv"])
def test_matches_numpy_reference_and_ignores_the_rest_of_the_batch(shape):
    rng = np.random.default_rng(0)
    model = _model(shape)
    gamma, beta = _set_affine(model.get_layer("vbn"), rng)
    ref = rng.normal(1.0, 2.0, (16, *shape)).astype("float32")
    x = rng.normal(-0.5, 3.0, (7, *shape)).astype("float32")
    assert kgan.layers.set_vbn_reference(model, ref) == 1
    got = np.asarray(model(x))
    np.testing.assert_allclose(got, _numpy_vbn(x, ref, gamma, beta), rtol=1e-4, atol=1e-4)
    # An example's output depends on the reference and on itself only, unlike BatchNormalization's.
    alone = np.asarray(model(x[:1], training=True))
    others = np.concatenate([x[:1], rng.normal(10.0, 5.0, (5, *shape)).astype("float32")])
    np.testing.assert_allclose(alone[0], got[0], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.asarray(model(others, training=True))[0], got[0], rtol=1e-5, atol=1e-5)


def test_reference_batch_is_normalised_with_its_own_statistics_through_the_model():
    rng = np.random.default_rng(1)
    inputs = keras.Input((4,))
    h = VBN(name="first")(keras.layers.Dense(8, name="hidden")(inputs))
    model = keras.Model(inputs, VBN(name="second")(keras.layers.Dense(3)(h)))
    ref = rng.normal(3.0, 2.0, (32, 4)).astype("float32")
    assert kgan.layers.set_vbn_reference(model, ref) == 2
    # The second layer's reference is the first layer's normalised output (statistics 0 / 1) on ref.
    dense_out = np.asarray(model.get_layer("hidden")(ref))
    first = model.get_layer("first")
    np.testing.assert_allclose(np.asarray(first.reference_mean), dense_out.mean(0), rtol=1e-4, atol=1e-4)
    # The reference reaches the next layer normalised with its own statistics only (plain batch norm).
    own = (dense_out - dense_out.mean(0)) / np.sqrt(dense_out.var(0) + 1e-5)
    second_input = np.asarray(model.layers[3](own))  # the Dense(3) between the two VBN layers
    second = model.get_layer("second")
    np.testing.assert_allclose(np.asarray(second.reference_mean), second_input.mean(0), rtol=1e-3, atol=1e-4)
    assert float(second.reference_size) == 32.0


def test_first_training_batch_becomes_the_reference_when_none_was_set():
    layer = VBN()
    x = np.random.default_rng(2).normal(2.0, 3.0, (10, 5)).astype("float32")
    layer(x, training=False)  # inference calls (e.g. building) never set it
    assert not layer.has_reference
    out = np.asarray(layer(x, training=True))
    assert layer.has_reference and float(layer.reference_size) == 10.0
    np.testing.assert_allclose(np.asarray(layer.reference_mean), x.mean(0), rtol=1e-5)
    np.testing.assert_allclose(out.mean(0), 0.0, atol=1e-4)  # that batch: its own statistics only
    later = np.random.default_rng(3).normal(size=(4, 5)).astype("float32")
    layer(later, training=True)  # later batches leave it alone
    np.testing.assert_allclose(np.asarray(layer.reference_mean), x.mean(0), rtol=1e-5)


def test_save_load_round_trip(tmp_path):
    rng = np.random.default_rng(4)
    model = _model((4, 4, 2))
    _set_affine(model.get_layer("vbn"), rng)
    kgan.layers.set_vbn_reference(model, rng.normal(size=(8, 4, 4, 2)).astype("float32"))
    x = rng.normal(size=(3, 4, 4, 2)).astype("float32")
    model.save(tmp_path / "vbn.keras")
    loaded = keras.models.load_model(tmp_path / "vbn.keras")
    layer = loaded.get_layer("vbn")
    assert isinstance(layer, VBN) and layer.has_reference and layer.epsilon == 1e-5
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(model(x)), rtol=1e-6, atol=1e-6)


def test_trains_inside_a_gan_generator():
    keras.utils.set_random_seed(0)
    z = keras.Input((3,))
    h = kgan.layers.VirtualBatchNormalization(name="vbn")(keras.layers.Dense(8)(z))
    generator = keras.Model(z, keras.layers.Dense(2)(keras.layers.ReLU()(h)))
    gan = kgan.GAN(generator, kgan.nets.mlp(2, 1, hidden=(8,)), kgan.latent.Normal(3), seed=0)
    gan.compile()
    assert not generator.get_layer("vbn").has_reference  # compile builds G in inference mode only
    before = [np.array(w) for w in generator.trainable_weights]
    logs = gan.fit(np.random.default_rng(0).normal(size=(32, 2)).astype("float32"), batch_size=8, epochs=1,
                   verbose=0).history
    assert np.isfinite(logs["g_loss"][-1])
    # Every trainable G weight, VBN's gamma/beta included, got a gradient through the normalisation.
    assert all(not np.allclose(np.array(w), b) for w, b in zip(generator.trainable_weights, before, strict=True))
    assert float(generator.get_layer("vbn").reference_size) == 8.0  # the first G training batch


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="epsilon"):
        VBN(epsilon=0)
    with pytest.raises(ValueError, match="no VirtualBatchNormalization"):
        kgan.layers.set_vbn_reference(keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)]), np.zeros((2, 2)))
