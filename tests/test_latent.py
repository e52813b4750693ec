import keras
import numpy as np
import pytest

from kgan import latent


def np_(x):
    return keras.ops.convert_to_numpy(x)


def test_normal_and_uniform_shapes_and_statistics():
    z = np_(latent.Normal(3, mean=1.0, stddev=2.0).sample(20000, seed=1))
    assert z.shape == (20000, 3)
    assert abs(z.mean() - 1.0) < 0.05 and abs(z.std() - 2.0) < 0.05
    u = np_(latent.Uniform(2, low=-3.0, high=5.0).sample(5000, seed=1))
    assert u.shape == (5000, 2) and u.min() >= -3.0 and u.max() < 5.0


def test_stratified_is_evenly_spaced_plus_small_jitter():
    z = np_(latent.Stratified(1, -5.0, 5.0, jitter=0.01).sample(200, seed=3))[:, 0]
    grid = np.linspace(-5.0, 5.0, 200)
    assert z.shape == (200,)
    assert np.all(z - grid >= 0) and np.all(z - grid < 0.01)


def test_stratified_multi_dim_columns_are_shuffled_grids():
    z = np_(latent.Stratified(3, 0.0, 1.0, jitter=0.0).sample(50, seed=4))
    grid = np.linspace(0.0, 1.0, 50)
    for col in z.T:
        assert np.allclose(np.sort(col), grid, atol=1e-6)
    assert not np.allclose(z[:, 0], z[:, 1])


def test_same_seed_same_draw():
    a = np_(latent.Normal(4).sample(8, seed=keras.random.SeedGenerator(5)))
    b = np_(latent.Normal(4).sample(8, seed=keras.random.SeedGenerator(5)))
    assert np.array_equal(a, b)


@pytest.mark.parametrize("prior", [latent.Normal(3, 0.5, 2.0), latent.Uniform(2, -2, 2), latent.Stratified(1, -4, 4, 0.1)])
def test_priors_round_trip_through_keras_serialization(prior):
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(prior))
    assert type(restored) is type(prior) and restored.get_config() == prior.get_config()


def test_bad_priors_give_clear_errors():
    with pytest.raises(ValueError, match="positive integer"):
        latent.Normal(0)
    with pytest.raises(ValueError, match="high > low"):
        latent.Uniform(2, 1.0, 1.0)
    with pytest.raises(TypeError, match="kgan.latent"):
        latent.get("normal")
    assert isinstance(latent.get(7), latent.Normal) and latent.get(7).dim == 7
