import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import kgan  # noqa: E402


def tiny_gan(latent_dim=2, data_dim=1, hidden=(8,), seed=0, **compile_kwargs):
    """A small MLP GAN on vectors of size data_dim, compiled (defaults unless overridden)."""
    keras.utils.set_random_seed(seed)
    g = kgan.nets.mlp(latent_dim, data_dim, hidden=hidden, name="g")
    d = kgan.nets.mlp(data_dim, 1, hidden=hidden, name="d")
    gan = kgan.GAN(g, d, kgan.latent.Normal(latent_dim), seed=seed)
    gan.compile(**compile_kwargs)
    return gan


def real_batch(n=16, data_dim=1, seed=0):
    return np.random.default_rng(seed).normal(-1.0, 1.0, size=(n, data_dim)).astype("float32")


@pytest.fixture
def make_gan():
    return tiny_gan
