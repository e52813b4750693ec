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
