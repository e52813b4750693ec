import keras
import numpy as np
import pytest

import kgan


def test_gaussian_1d_batches_are_reproducible_normal_draws():
    ds = kgan.data.gaussian_1d(mu=2.0, sigma=0.5, batch_size=1000, num_batches=3, seed=7)
    batches = [b.numpy() for b in ds]
    assert len(batches) == 3 and batches[0].shape == (1000, 1) and batches[0].dtype == np.float32
    x = np.concatenate(batches)
    assert abs(x.mean() - 2.0) < 0.05 and abs(x.std() - 0.5) < 0.05
    again = np.concatenate([b.numpy() for b in kgan.data.gaussian_1d(2.0, 0.5, 1000, 3, seed=7)])
    assert np.array_equal(x, again)
    assert not np.array_equal(batches[0], batches[1])


@pytest.mark.parametrize("kwargs,match", [
    ({"sigma": 0.0}, "sigma"), ({"mu": float("nan")}, "mu"), ({"batch_size": 0}, "batch_size"),
    ({"num_batches": 0}, "num_batches"),
])
def test_gaussian_1d_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        kgan.data.gaussian_1d(**kwargs)


def test_probability_to_logit_clamps_and_inverts_sigmoid():
    layer = kgan.layers.ProbabilityToLogit(0.01, 0.99)
    p = np.array([[-0.5], [0.0], [0.3], [0.99], [1.0]], dtype="float32")
    logits = keras.ops.convert_to_numpy(layer(p))
    expected_p = np.clip(p, 0.01, 0.99)
    np.testing.assert_allclose(1 / (1 + np.exp(-logits)), expected_p, rtol=1e-5)
    restored = keras.layers.deserialize(keras.layers.serialize(layer))
    assert (restored.low, restored.high) == (0.01, 0.99)
    with pytest.raises(ValueError, match="0 < low < high < 1"):
        kgan.layers.ProbabilityToLogit(0.0, 1.0)


def test_mlp_builds_the_requested_layers():
    model = kgan.nets.mlp(1, 1, hidden=(6, 5), activation="tanh", output_activation="tanh")
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    assert [d.units for d in dense] == [6, 5, 1]
    assert all(d.activation is keras.activations.tanh for d in dense)
    with pytest.raises(ValueError, match="hidden"):
        kgan.nets.mlp(1, 1, hidden=(0,))


def test_minibatch_discrimination_sees_the_batch(tmp_path):
    import keras

    layer = kgan.layers.MinibatchDiscrimination(num_kernels=3, kernel_dim=2)
    x = np.random.default_rng(0).normal(size=(4, 5)).astype("float32")
    out = np.asarray(layer(x))
    assert out.shape == (4, 5 + 3)
    np.testing.assert_allclose(out[:, :5], x)  # the input passes through
    # Closeness of sample 0 depends on the other samples: change them and it changes.
    other = np.asarray(layer(np.concatenate([x[:1], x[1:] * 10])))
    assert not np.allclose(out[0, 5:], other[0, 5:])
    # A collapsed batch (all samples equal) gives the maximal closeness n - 1 for every kernel.
    np.testing.assert_allclose(np.asarray(layer(np.repeat(x[:1], 4, 0)))[:, 5:], 3.0, rtol=1e-6)
    # A GAN whose D holds one runs D on real and fake separately.
    inputs = keras.Input((1,))
    d = keras.Model(inputs, keras.layers.Dense(1)(kgan.layers.MinibatchDiscrimination(2, 2)(inputs)))
    gan = kgan.GAN(kgan.nets.mlp(1, 1, hidden=(4,)), d, latent=1)
    gan.compile()
    gan.fit(np.zeros((32, 1), "float32"), batch_size=8, epochs=1, verbose=0)
    assert gan._joint_d_call is False
    gan.save(tmp_path / "gan.keras")
    assert kgan.GAN.from_file(tmp_path / "gan.keras").discriminator.layers[1].num_kernels == 2
    with pytest.raises(ValueError, match="Flatten"):
        kgan.layers.MinibatchDiscrimination()(np.zeros((2, 3, 3), "float32"))
