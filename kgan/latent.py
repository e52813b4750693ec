"""Latent priors: where the generator's input noise ``z`` comes from.

A prior knows its dimension and draws a batch with a Keras seed (an int, a
``keras.random.SeedGenerator`` or None), so a GAN's latent draws are
reproducible and saved with the model.

```python
prior = kgan.latent.Normal(64)
z = prior.sample(16, seed=keras.random.SeedGenerator(0))   # shape (16, 64)
```
"""

from __future__ import annotations

import math

import keras
import tensorflow as tf
from keras import ops

from kgan._checks import positive_int
from kgan._serializable import ConfigObject

__all__ = ["InfoCode", "Prior", "Normal", "Uniform", "Stratified", "from_name", "get", "NAMES"]


def _seed_stream(seed):
    """An int (or None) seed as a SeedGenerator, so several draws in one ``sample`` differ."""
    return seed if isinstance(seed, keras.random.SeedGenerator) else keras.random.SeedGenerator(seed)


class Prior(ConfigObject):
    """Base class of latent priors.

    Subclasses implement ``sample(batch_size, seed)`` returning a float32
    tensor of shape ``(batch_size, dim)`` and ``get_config``.
    """

    def __init__(self, dim: int):
        self.dim = positive_int(dim, "Latent dimension `dim`")

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of one latent vector (what the generator's input must accept)."""
        return (self.dim,)

    def sample(self, batch_size, seed=None):
        raise NotImplementedError

    def get_config(self) -> dict:
        return {"dim": self.dim}


@keras.saving.register_keras_serializable(package="kgan")
class Normal(Prior):
    """Isotropic Gaussian N(mean, stddev²) in ``dim`` dimensions. The usual choice.

    ```python
    kgan.latent.Normal(100).sample(2).shape   # TensorShape([2, 100])
    ```
    """

    def __init__(self, dim: int, mean: float = 0.0, stddev: float = 1.0):
        super().__init__(dim)
        if not stddev > 0:
            raise ValueError(f"stddev must be positive, got {stddev}.")
        self.mean, self.stddev = float(mean), float(stddev)

    def sample(self, batch_size, seed=None, truncation=None):
        """``(batch_size, dim)`` draws; with ``truncation=t``, from N truncated to ``mean ± t·stddev``.

        The truncation trick (Brock et al. 2019, BigGAN): sampling closer to the mode trades
        variety for fidelity. Draws are exact (inverse CDF of a uniform on the kept mass),
        not clipped, so no value piles up at the bounds.
        """
        if truncation is None:
            return keras.random.normal((batch_size, self.dim), mean=self.mean, stddev=self.stddev, seed=seed)
        t = float(truncation)
        if not t > 0:
            raise ValueError(f"truncation must be a positive number of standard deviations, got {truncation!r}.")
        edge = 0.5 * math.erfc(t / math.sqrt(2.0))  # P(Z < -t)
        u = keras.random.uniform((batch_size, self.dim), minval=edge, maxval=1.0 - edge, seed=seed)
        z = math.sqrt(2.0) * keras.ops.erfinv(2.0 * u - 1.0)
        return self.mean + self.stddev * keras.ops.clip(z, -t, t)  # clip: float32 rounding at the edges only

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


@keras.saving.register_keras_serializable(package="kgan")
class Uniform(Prior):
    """Uniform on [low, high)^dim; DCGAN's 100-d code uses ``Uniform(100, -1, 1)``."""

    def __init__(self, dim: int, low: float = -1.0, high: float = 1.0):
        super().__init__(dim)
        if not high > low:
            raise ValueError(f"Uniform prior needs high > low, got low={low}, high={high}.")
        self.low, self.high = float(low), float(high)

    def sample(self, batch_size, seed=None):
        return keras.random.uniform(
            (batch_size, self.dim), minval=self.low, maxval=self.high, seed=seed
        )

    def get_config(self):
        return {**super().get_config(), "low": self.low, "high": self.high}


@keras.saving.register_keras_serializable(package="kgan")
class Stratified(Prior):
    """Evenly spaced noise plus a little jitter, as in the classic 1-D tutorial.

    A batch of ``n`` is ``linspace(low, high, n) + jitter * U(0, 1)``, so the
    generator sees the whole input range at every step (the tutorial's
    ``np.linspace(-5, 5, M) + np.random.random(M) * 0.01``). With ``dim > 1``
    each column is stratified independently and shuffled (a Latin hypercube).
    """

    def __init__(self, dim: int = 1, low: float = -5.0, high: float = 5.0, jitter: float = 0.01):
        super().__init__(dim)
        if not high > low:
            raise ValueError(f"Stratified prior needs high > low, got low={low}, high={high}.")
        if jitter < 0:
            raise ValueError(f"jitter must be >= 0, got {jitter}.")
        self.low, self.high, self.jitter = float(low), float(high), float(jitter)

    def sample(self, batch_size, seed=None):
        seed = _seed_stream(seed)
        if keras.backend.backend() == "tensorflow":
            grid = tf.linspace(self.low, self.high, batch_size)  # works for a dynamic batch size
        else:  # JAX: shapes are static inside the jitted step
            grid = ops.linspace(self.low, self.high, int(batch_size))
        grid = ops.cast(grid, "float32")[:, None]
        if self.dim > 1:
            # Independent random order per column; argsort of uniforms is a permutation.
            keys = keras.random.uniform((batch_size, self.dim), seed=seed)
            order = ops.argsort(keys, axis=0)
            grid = ops.take_along_axis(ops.tile(grid, (1, self.dim)), order, axis=0)
        jitter = keras.random.uniform((batch_size, self.dim), seed=seed)
        return grid + self.jitter * jitter

    def get_config(self):
        return {**super().get_config(), "low": self.low, "high": self.high, "jitter": self.jitter}


@keras.saving.register_keras_serializable(package="kgan")
class InfoCode(Prior):
    """InfoGAN's structured latent: incompressible noise plus categorical and continuous codes.

    One flat vector per sample, laid out as ``[noise | one-hot categorical
    codes | continuous codes]``, so any generator taking a vector works
    unchanged; `split` recovers the parts for `kgan.terms.MutualInformation`.
    Noise is N(0, 1); each categorical code uniform over its values;
    continuous codes uniform on [-1, 1] (Chen et al. 2016).

    ```python
    code = kgan.latent.InfoCode(noise=62, categorical=[10], continuous=2)   # dim 74
    z = code.sample(16, seed=0)
    code.split(z)["categorical"][0].shape   # (16, 10) one-hot
    z = code.sample(16, seed=0, fixed={"cat0": 3, "cont1": -1.5})          # pin some codes
    ```
    """

    def __init__(self, noise: int = 62, categorical=(10,), continuous: int = 2):
        self.noise = int(noise)
        if self.noise < 0:
            raise ValueError(f"InfoCode: noise must be >= 0, got {noise}.")
        if isinstance(categorical, int):
            categorical = (categorical,)
        self.categorical = tuple(int(k) for k in categorical)
        if any(k < 2 for k in self.categorical):
            raise ValueError(f"InfoCode: every categorical code needs >= 2 values, got {list(self.categorical)}.")
        self.continuous = int(continuous)
        if self.continuous < 0:
            raise ValueError(f"InfoCode: continuous must be >= 0, got {continuous}.")
        if not self.categorical and not self.continuous:
            raise ValueError("InfoCode needs at least one categorical or continuous code (else use Normal).")
        super().__init__(self.noise + sum(self.categorical) + self.continuous)

    @property
    def code_names(self) -> list[str]:
        """``cat0, cat1, ..., cont0, cont1, ...``: the names `sample(fixed=...)` accepts."""
        return [f"cat{i}" for i in range(len(self.categorical))] + [f"cont{i}" for i in range(self.continuous)]

    def entropy(self) -> float:
        """H(c) in nats: log K per categorical code plus log 2 per U(-1, 1) continuous code."""
        return sum(math.log(k) for k in self.categorical) + self.continuous * math.log(2.0)

    def _check_fixed(self, fixed):
        for name, value in fixed.items():
            if name not in self.code_names:
                raise ValueError(f"Unknown code {name!r}; this InfoCode has {self.code_names}.")
            if name.startswith("cat") and (int(value) != value or not 0 <= value < self.categorical[int(name[3:])]):
                raise ValueError(f"{name}={value}: must be an integer in [0, {self.categorical[int(name[3:])]}).")

    def sample(self, batch_size, seed=None, fixed=None):
        fixed = dict(fixed or {})
        self._check_fixed(fixed)
        seed = _seed_stream(seed)
        parts = [keras.random.normal((batch_size, self.noise), seed=seed)] if self.noise else []
        for i, k in enumerate(self.categorical):
            if f"cat{i}" in fixed:
                values = ops.full((batch_size,), int(fixed[f"cat{i}"]), dtype="int32")
            else:
                values = keras.random.randint((batch_size,), 0, k, seed=seed)
            parts.append(ops.one_hot(values, k))
        if self.continuous:
            cont = keras.random.uniform((batch_size, self.continuous), -1.0, 1.0, seed=seed)
            for j in range(self.continuous):
                if f"cont{j}" in fixed:
                    column = ops.one_hot(ops.full((batch_size,), j, dtype="int32"), self.continuous)
                    cont = cont * (1.0 - column) + column * float(fixed[f"cont{j}"])
            parts.append(cont)
        return ops.concatenate([ops.cast(p, "float32") for p in parts], axis=-1)

    def split(self, z) -> dict:
        """``{"noise": (n, noise), "categorical": [one-hot (n, k) ...], "continuous": (n, c)}``."""
        out = {"noise": z[:, : self.noise], "categorical": []}
        start = self.noise
        for k in self.categorical:
            out["categorical"].append(z[:, start:start + k])
            start += k
        out["continuous"] = z[:, start:start + self.continuous]
        return out

    def get_config(self):
        return {"noise": self.noise, "categorical": list(self.categorical), "continuous": self.continuous}


# The priors a saved bare generator may be sampled with, by name (the command line's --latent).
NAMES = ("normal", "uniform")


def from_name(name: str, dim: int, argument: str = "latent") -> Prior:
    """``"normal"``: N(0, 1); ``"uniform"``: U(-1, 1), the DCGAN preset's code.

    ``argument`` names the caller's parameter in the error message.
    """
    if name == "normal":
        return Normal(dim)
    if name == "uniform":
        return Uniform(dim, -1.0, 1.0)
    raise ValueError(f"{argument}={name!r}: use one of {NAMES} ('uniform' is U(-1, 1)) or a kgan.latent prior.")


def get(identifier) -> Prior:
    """A prior from a prior object, a config dict, or an int (``Normal(int)``)."""
    if isinstance(identifier, Prior):
        return identifier
    if isinstance(identifier, int) and not isinstance(identifier, bool):
        return Normal(identifier)
    if isinstance(identifier, dict):
        obj = keras.saving.deserialize_keras_object(identifier)
        if isinstance(obj, Prior):
            return obj
    raise TypeError(
        "latent must be a kgan.latent prior such as kgan.latent.Normal(128), "
        f"or an int latent dimension; got {type(identifier).__name__}: {identifier!r}."
    )
