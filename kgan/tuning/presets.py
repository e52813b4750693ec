"""Presets: ready-made tuning tasks (networks, data, objective and untuned defaults) by name.

``"gaussian-1d"`` is the 1-D tutorial's modern recipe scored by W1; ``"dcgan"`` is
`kgan.GAN.dcgan` on `kgan.data.images` scored by Fréchet distance. Each preset also says
which ranges a sweep searches by default and what the untuned rates are (the figure's star).

```python
from kgan import tuning

preset = tuning.Gaussian1D(mu=-1.0, sigma=1.0, steps_per_epoch=100)
sweep = tuning.LearningRateBalance(preset, max_trials=20)      # or LearningRateBalance("gaussian-1d")
tuning.PRESETS["dcgan"](data="fashion_mnist", width=32).untuned
```
"""

from __future__ import annotations

import math

from kgan.gan import GAN
from kgan.tuning.objectives import FrechetDistance, Score, Wasserstein1

__all__ = ["DCGAN", "PRESETS", "Gaussian1D"]


class Gaussian1D:
    """The 1-D tutorial's modern recipe (`kgan.tutorials.gaussian_1d.build_modern`) as a tuning preset.

    Networks, data and metric are the tutorial's: 32-unit LeakyReLU MLPs,
    batches of 512 from N(mu, sigma²), least-squares loss, Adam whose rate
    decays on a cosine over the trial's steps; the objective is W1 on 10,000
    samples. Its untuned defaults are ``d_learning_rate = g_learning_rate = 1e-3``, ``beta_1 = 0.5``.
    """

    name = "gaussian-1d"
    schedule = "cosine"
    steps_per_execution = 50
    defaults = {"d_learning_rate": (1e-4, 3e-2), "g_learning_rate": (1e-4, 3e-2), "beta_1": 0.5, "d_steps": 1,
                "loss": "least_squares"}
    untuned = {"d_learning_rate": 1e-3, "g_learning_rate": 1e-3, "beta_1": 0.5, "d_steps": 1, "loss": "least_squares"}

    def __init__(self, mu: float = -1.0, sigma: float = 1.0, batch_size: int = 512, steps_per_epoch: int = 100,
                 eval_samples: int = 10_000):
        from kgan.metrics import NormalDistribution

        self.target = NormalDistribution(mu, sigma)  # validates mu and sigma
        self.mu, self.sigma = float(mu), float(sigma)
        self.batch_size, self.steps_per_epoch, self.eval_samples = int(batch_size), int(steps_per_epoch), int(eval_samples)
        if self.steps_per_epoch % self.steps_per_execution and self.steps_per_epoch > self.steps_per_execution:
            self.steps_per_execution = math.gcd(self.steps_per_epoch, self.steps_per_execution)
        self.steps_per_execution = min(self.steps_per_execution, self.steps_per_epoch)

    def build(self, hp, seed):
        from kgan.tutorials import gaussian_1d

        # The tutorial's networks (compiled there with its own Adam; the sweep recompiles them).
        return gaussian_1d.build_modern(self.mu, self.sigma, seed=seed, steps_per_execution=self.steps_per_execution)

    def data(self, seed):
        from kgan.data import gaussian_1d

        return gaussian_1d(self.mu, self.sigma, batch_size=self.batch_size, seed=seed)

    def objective(self) -> Score:
        return Wasserstein1(self.target, n=self.eval_samples)

    def get_config(self):
        return {"preset": self.name, "mu": self.mu, "sigma": self.sigma, "batch_size": self.batch_size,
                "steps_per_epoch": self.steps_per_epoch, "eval_samples": self.eval_samples}


class DCGAN:
    """`kgan.GAN.dcgan` on `kgan.data.images` as a tuning preset; objective: Fréchet distance.

    The network is `kgan.GAN.dcgan`'s default (width 64, latent 100, as ``kgan train dcgan``:
    rates tuned on one network need not suit another); the data is small for sweeps (the
    first ``limit`` images). A smaller ``width`` sweeps faster (train with the same). Untuned
    defaults: the DCGAN paper's ``Adam(2e-4, beta_1=0.5)`` for both, non-saturating loss.
    """

    name = "dcgan"
    schedule = None
    steps_per_execution = 1
    defaults = {"d_learning_rate": (1e-5, 2e-3), "g_learning_rate": (1e-5, 2e-3), "beta_1": 0.5, "d_steps": 1,
                "loss": "non_saturating"}
    untuned = {"d_learning_rate": 2e-4, "g_learning_rate": 2e-4, "beta_1": 0.5, "d_steps": 1, "loss": "non_saturating"}
    steps_per_epoch = None  # one pass over the (limited) data

    def __init__(self, data: str = "fashion_mnist", width: int = 64, latent_dim: int = 100, batch_size: int = 64,
                 limit: int | None = 10_000, image_size: int | None = None, eval_samples: int = 1000):
        self.data_name, self.width, self.latent_dim = data, int(width), int(latent_dim)
        self.batch_size, self.limit, self.image_size, self.eval_samples = int(batch_size), limit, image_size, int(eval_samples)
        self._shape = None

    def _dataset(self, seed):
        from kgan.data import images

        size = (self.image_size, self.image_size) if self.image_size else None
        return images(self.data_name, self.batch_size, seed=seed, limit=self.limit, image_size=size)

    def build(self, hp, seed):
        if self._shape is None:
            self._shape = tuple(self._dataset(seed).element_spec.shape[1:])
        return GAN.dcgan(self._shape, latent_dim=self.latent_dim, width=self.width, seed=seed)

    def data(self, seed):
        return self._dataset(seed)

    def objective(self) -> Score:
        return FrechetDistance(self.data_name, n=self.eval_samples)

    def get_config(self):
        return {"preset": self.name, "data": self.data_name, "width": self.width, "latent_dim": self.latent_dim,
                "batch_size": self.batch_size, "limit": self.limit, "image_size": self.image_size,
                "eval_samples": self.eval_samples}


PRESETS = {"gaussian-1d": Gaussian1D, "dcgan": DCGAN}


def _preset(build_gan):
    if isinstance(build_gan, str):
        key = build_gan.lower().replace("_", "-")
        if key not in PRESETS:
            raise ValueError(f"Unknown preset {build_gan!r}; choose one of {', '.join(PRESETS)} or pass a function "
                             "build_gan(hp) -> kgan.GAN.")
        return PRESETS[key]()
    if isinstance(build_gan, (Gaussian1D, DCGAN)):
        return build_gan
    if callable(build_gan):
        return None
    raise TypeError(f"build_gan must be a preset name ({', '.join(PRESETS)}), a preset object or a function "
                    f"build_gan(hp) -> kgan.GAN; got {type(build_gan).__name__}.")


# Here, not in objectives.py: an objective given by name ("w1", "frechet_distance") is a preset's score.
def _objective(objective, preset) -> Score:
    if objective is None:
        if preset is None:
            raise ValueError("A custom build_gan needs objective=...: kgan.tuning.Wasserstein1(target) for 1-D "
                             "data, kgan.tuning.FrechetDistance('fashion_mnist') for images, or "
                             "kgan.tuning.Score(fn, name).")
        return preset.objective()
    if isinstance(objective, Score):
        return objective
    if isinstance(objective, str):
        key = objective.lower()
        names = {"w1": Gaussian1D, "wasserstein": Gaussian1D, "fid": DCGAN, "frechet_distance": DCGAN}
        if key not in names:
            raise ValueError(f"Unknown objective {objective!r}: use 'w1', 'frechet_distance' or a kgan.tuning.Score.")
        if not isinstance(preset, names[key]):  # a name says nothing about the target data: ask for it
            raise ValueError(f"objective={objective!r} names the {names[key].name} "
                             "preset's score; for this GAN pass kgan.tuning.Wasserstein1(target) or "
                             "kgan.tuning.FrechetDistance(data).")
        return preset.objective()
    if callable(objective):
        name = getattr(objective, "__name__", "score")
        return Score(objective, name=name if name.isidentifier() else "score")
    raise TypeError(f"objective must be a kgan.tuning.Score, a name or a callable gan -> float; got {objective!r}.")
