"""keras-tuner sweeps of the discriminator/generator learning-rate balance.

A GAN has no validation loss that says how good it is, and the ratio of D's to
G's learning rate decides whether it trains at all. This module makes
keras-tuner's own machinery (``HyperModel``, oracles, ``Objective``, trial
directories, resumption, chief/worker distribution) work for `kgan.GAN`:

```python
from kgan import tuning   # needs keras-tuner: pip install "kgan[tuner]"

sweep = tuning.LearningRateBalance("gaussian-1d", tuner="bayesian", max_trials=20, directory="runs/tune")
sweep.search()                    # same call + same directory later: resumes, finished trials are kept
print(sweep.results_table())      # also written to runs/tune/<project>/trials.md, trials.csv, trials.png
gan = sweep.best_gan()            # the best trial's GAN, trained
```

Your own networks: a function ``build_gan(hp) -> kgan.GAN`` (left uncompiled:
the sweep compiles it with Adam optimizers at the trial's learning rates,
``beta_1``, loss and ``d_steps``), your data and a sample-quality score:

```python
def build_gan(hp):
    return kgan.GAN(make_generator(), make_discriminator(), kgan.latent.Normal(64), seed=0)

sweep = tuning.LearningRateBalance(build_gan, objective=tuning.FrechetDistance("fashion_mnist"),
                                   d_learning_rate=(1e-5, 1e-3), g_learning_rate=(1e-5, 1e-3),
                                   loss=["non_saturating", "hinge"], directory="runs/tune-mine")
sweep.search(dataset, epochs=3)
```

`GANHyperModel` is a plain ``keras_tuner.HyperModel``: keras-tuner's tuners
take it unchanged (``keras_tuner.Hyperband(GANHyperModel("gaussian-1d"),
objective=hypermodel.objective, max_epochs=9)``), and `results`,
`results_table`, `plot_trials` read any such tuner.

This module is not imported by ``import kgan`` (keras-tuner is an optional
extra); ``kgan.tuning`` or ``from kgan import tuning`` imports it on first use.
"""

from __future__ import annotations

import csv
import difflib
import importlib.util
import json
import math
import numbers
import os
import re
import time
from pathlib import Path

import keras
import numpy as np

from kgan import _data_checks
from kgan import callbacks as callbacks_lib
from kgan import losses as losses_lib
from kgan.gan import GAN

_INSTALL_HINT = 'pip install "kgan[tuner]"'

try:
    import keras_tuner
except ImportError as _err:  # the optional extra is missing: say how to get it
    raise ImportError(
        f"kgan.tuning needs keras-tuner, which is not installed ({_err}). Install it with: {_INSTALL_HINT}"
    ) from _err

__all__ = [
    "DCGAN",
    "PRESETS",
    "TUNERS",
    "FrechetDistance",
    "GANHyperModel",
    "Gaussian1D",
    "LearningRateBalance",
    "Score",
    "SearchSpace",
    "Wasserstein1",
    "plot_trials",
    "results",
    "results_table",
    "write_results",
]

TUNERS = ("random", "bayesian", "hyperband")
_CONFIG_FILE = "kgan_tuning.json"


def _require(module: str, why: str):
    if importlib.util.find_spec(module) is None:
        raise ImportError(f"{why} needs the '{module}' package, which is not installed. Install it with: {_INSTALL_HINT}")


# keras-tuner imports tensorboard in every trial on this TensorFlow: fail here, not in trial 1.
_require("tensorboard", "keras-tuner (kgan.tuning)")


# ============================================================================ search space
_RATE_NAMES = ("d_learning_rate", "g_learning_rate")
_RATIO_NAMES = ("learning_rate", "lr_ratio")
_NAMES = (*_RATE_NAMES, *_RATIO_NAMES, "beta_1", "d_steps", "loss")
_EXAMPLES = {
    "d_learning_rate": "(1e-5, 1e-2)", "g_learning_rate": "(1e-5, 1e-2)", "learning_rate": "(1e-5, 1e-2)",
    "lr_ratio": "(0.25, 4.0)", "beta_1": "(0.0, 0.9) or 0.5", "d_steps": "[1, 2, 5] or (1, 5) or 1",
    "loss": '["non_saturating", "least_squares"] or "hinge"',
}


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


class SearchSpace:
    """The hyperparameters a GAN user tunes, validated; registered with keras-tuner per trial.

    Each argument is a ``(low, high)`` range to search, a list of choices, or
    a single value to fix it. Learning rates are searched on a log scale,
    either as two rates (``d_learning_rate``, ``g_learning_rate``) or as
    ``learning_rate`` (G's) times ``lr_ratio`` (D's rate / G's rate; the
    two-time-scale rule is a ratio above 1).

    ```python
    SearchSpace(d_learning_rate=(1e-5, 1e-2), g_learning_rate=(1e-5, 1e-2))        # the D/G plane
    SearchSpace(learning_rate=(1e-4, 1e-3), lr_ratio=(0.25, 8), beta_1=(0.0, 0.9))  # one rate and the ratio
    SearchSpace(d_learning_rate=2e-4, g_learning_rate=(1e-5, 1e-3), d_steps=[1, 2, 5], loss=["hinge", "least_squares"])
    ```

    Args:
        d_learning_rate, g_learning_rate: Adam learning rates of D and G.
        learning_rate, lr_ratio: the alternative parametrisation (give both
            or neither; not together with the two rates).
        beta_1: Adam's ``beta_1`` in [0, 1).
        d_steps: D updates per G update (positive integers).
        loss: adversarial loss names (``kgan.losses.names()``).
        defaults: values used for arguments left out (the preset's); a
            left-out learning rate defaults to a range.
    """

    def __init__(self, *, d_learning_rate=None, g_learning_rate=None, learning_rate=None, lr_ratio=None,
                 beta_1=None, d_steps=None, loss=None, defaults: dict | None = None):
        given = {"d_learning_rate": d_learning_rate, "g_learning_rate": g_learning_rate,
                 "learning_rate": learning_rate, "lr_ratio": lr_ratio, "beta_1": beta_1, "d_steps": d_steps,
                 "loss": loss}
        given = {k: v for k, v in given.items() if v is not None}
        defaults = dict(defaults or {})
        if any(k in given for k in _RATIO_NAMES):
            if any(k in given for k in _RATE_NAMES):
                raise ValueError(
                    "Give either d_learning_rate/g_learning_rate (two rates) or learning_rate/lr_ratio (one rate "
                    f"and the D/G ratio), not both; got {sorted(given)}.")
            missing = [k for k in _RATIO_NAMES if k not in given]
            if missing:
                raise ValueError(f"learning_rate and lr_ratio go together: also give {missing[0]}, e.g. "
                                 f"{missing[0]}={_EXAMPLES[missing[0]]}.")
            self.parametrisation = "ratio"
        else:
            self.parametrisation = "rates"
        names = _RATIO_NAMES if self.parametrisation == "ratio" else _RATE_NAMES
        self.specs = {}
        for name in (*names, "beta_1", "d_steps", "loss"):
            value = given.get(name, defaults.get(name))
            if value is None:
                value = (1e-5, 1e-2) if name.endswith("learning_rate") else {"beta_1": 0.5, "d_steps": 1,
                                                                              "loss": "non_saturating"}[name]
            self.specs[name] = self._check(name, value)

    @classmethod
    def from_dict(cls, space: dict | None, defaults: dict | None = None) -> SearchSpace:
        """A space from a dict of the arguments above; unknown names are an error naming the valid ones."""
        space = dict(space or {})
        unknown = [k for k in space if k not in _NAMES]
        if unknown:
            close = difflib.get_close_matches(unknown[0], _NAMES, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"Unknown search-space argument {unknown[0]!r}{hint}; the tunable names are "
                             f"{', '.join(_NAMES)}.")
        return cls(**space, defaults=defaults)

    # ------------------------------------------------------------------ validation
    @staticmethod
    def _check(name, value):
        """``("fixed", v)``, ``("range", (lo, hi))`` or ``("choice", [..])``; a clear ValueError otherwise."""
        example = _EXAMPLES[name]
        if isinstance(value, tuple):
            if len(value) != 2:
                raise ValueError(f"{name}={value!r}: a range is (low, high), e.g. {name}={example}.")
            low, high = value
            kind = "range"
        elif isinstance(value, list):
            if not value:
                raise ValueError(f"{name}=[]: give at least one choice, e.g. {name}={example}.")
            kind = "choice"
        else:
            kind = "fixed"
        items = list(value) if kind != "fixed" else [value]
        for item in items:
            SearchSpace._check_value(name, item, example)
        if kind == "range":
            if low > high:
                raise ValueError(f"{name}={value!r}: low > high; write ({high!r}, {low!r}).")
            if low == high:
                raise ValueError(f"{name}={value!r}: an empty range; fix it with {name}={low!r} instead.")
            if name == "d_steps":
                return ("range", (int(low), int(high)))
            return ("range", (float(low), float(high)))
        if kind == "choice":
            if len(set(items)) != len(items):
                raise ValueError(f"{name}={value!r} repeats a choice; list each once.")
            return ("choice", items) if len(items) > 1 else ("fixed", items[0])
        return ("fixed", value)

    @staticmethod
    def _check_value(name, item, example):
        if name == "loss":
            if not isinstance(item, str):
                raise ValueError(f"loss must be loss names, got {item!r}; e.g. loss={example}.")
            try:
                losses_lib.get(item)
            except ValueError:
                raise ValueError(f"loss={item!r} is not a kgan loss; choose from {', '.join(losses_lib.names())}.") from None
            return
        if name == "d_steps":
            if isinstance(item, bool) or not isinstance(item, numbers.Integral) or item < 1:
                raise ValueError(f"d_steps must be positive integers, got {item!r}; e.g. d_steps={example}.")
            return
        if not _is_number(item):
            raise ValueError(f"{name} must be finite numbers, got {item!r}; e.g. {name}={example}.")
        if name == "beta_1" and not 0.0 <= item < 1.0:
            raise ValueError(f"beta_1 must be in [0, 1), got {item!r}; e.g. beta_1={example}.")
        if name != "beta_1" and item <= 0:
            raise ValueError(f"{name} must be positive (it is searched on a log scale), got {item!r}; "
                             f"e.g. {name}={example}.")

    # ------------------------------------------------------------------ keras-tuner
    @property
    def tuned(self) -> list[str]:
        """Names of the hyperparameters that vary (not fixed)."""
        return [name for name, (kind, _) in self.specs.items() if kind != "fixed"]

    def declare(self, hp) -> dict:
        """Register the space with a ``keras_tuner.HyperParameters`` and return this trial's values.

        Returns ``{"d_learning_rate", "g_learning_rate", "beta_1", "d_steps", "loss"}`` (the two rates
        are derived in the ratio parametrisation).
        """
        values = {}
        for name, (kind, spec) in self.specs.items():
            if kind == "fixed":
                values[name] = hp.Fixed(name, spec)
            elif kind == "choice":
                values[name] = hp.Choice(name, spec)
            elif name == "d_steps":
                values[name] = hp.Int(name, spec[0], spec[1])
            else:
                log = name != "beta_1"
                values[name] = hp.Float(name, spec[0], spec[1], sampling="log" if log else "linear")
        return self.rates(values)

    def rates(self, values: dict) -> dict:
        """Trial values with both learning rates spelled out."""
        values = dict(values)
        if self.parametrisation == "ratio":
            values["g_learning_rate"] = float(values["learning_rate"])
            values["d_learning_rate"] = float(values["learning_rate"]) * float(values["lr_ratio"])
        return values

    def get_config(self) -> dict:
        return {name: list(spec) if kind != "fixed" else spec for name, (kind, spec) in self.specs.items()}

    def __repr__(self):
        parts = ", ".join(f"{k}={tuple(s) if kind == 'range' else s!r}" for k, (kind, s) in self.specs.items())
        return f"SearchSpace({parts})"


# ============================================================================ objectives
class Score:
    """A sample-quality score of a trained GAN, reported to keras-tuner as an objective.

    Subclass it (or pass ``fn``): ``Score(lambda gan: my_distance(gan), name="my_distance")``.
    Lower is better unless ``direction="max"``.
    """

    def __init__(self, fn=None, name: str = "score", direction: str = "min"):
        if direction not in ("min", "max"):
            raise ValueError(f"direction must be 'min' or 'max', got {direction!r}.")
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise ValueError(f"A score's name must be an identifier such as 'w1', got {name!r}.")
        self.fn, self.name, self.direction = fn, name, direction

    def __call__(self, gan) -> float:
        if self.fn is None:
            raise NotImplementedError("Subclasses of Score implement __call__(gan) -> float.")
        return float(self.fn(gan))

    @property
    def objective(self):
        """The ``keras_tuner.Objective`` for this score."""
        return keras_tuner.Objective(self.name, direction=self.direction)

    def get_config(self) -> dict:
        return {"name": self.name, "direction": self.direction}


class Wasserstein1(Score):
    """W1 between ``n`` generated samples and a 1-D target (`kgan.metrics.wasserstein_1d`)."""

    def __init__(self, target=None, n: int = 10_000, seed: int = 1, name: str = "w1"):
        from kgan.metrics import NormalDistribution

        super().__init__(name=name)
        self.target = target if target is not None else NormalDistribution(-1.0, 1.0)
        self.n, self.seed = int(n), int(seed)

    def __call__(self, gan) -> float:
        from kgan.metrics import wasserstein_1d

        return wasserstein_1d(gan.generate(self.n, seed=self.seed), self.target)

    def get_config(self):
        return {**super().get_config(), "target": repr(self.target), "n": self.n, "seed": self.seed}


class FrechetDistance(Score):
    """Fréchet distance of ``n`` generated images to ``n`` test images, on the project classifier's features.

    The reference statistics are computed once per process. Compare only sweeps with the same ``n``
    (the estimate is biased upwards at small n; every trial of a sweep uses the same n).
    """

    def __init__(self, data: str = "fashion_mnist", n: int = 1000, seed: int = 0, classifier=None,
                 name: str = "frechet_distance"):
        super().__init__(name=name)
        self.data, self.n, self.seed, self.classifier = data, int(n), int(seed), classifier
        self._metric = self._reference = None

    def _prepare(self):
        from kgan.apps.evaluation import project_classifier
        from kgan.data.images import image_arrays
        from kgan.metrics import classifiers
        from kgan.metrics.images import FrechetDistance as Frechet

        classifier = self.classifier if self.classifier is not None else project_classifier(self.data)
        x_test, _ = image_arrays(self.data, "test")
        rng = np.random.default_rng(self.seed)
        n = min(self.n, len(x_test))
        self._metric = Frechet(classifiers.feature_extractor(classifier), resize=True)
        self._reference = self._metric.statistics(x_test[rng.choice(len(x_test), n, replace=False)])
        self.n = n

    def __call__(self, gan) -> float:
        if self._metric is None:
            self._prepare()
        return self._metric(self._reference, gan.generate(self.n, seed=self.seed))

    def __deepcopy__(self, memo):  # the classifier and statistics are shared, not copied
        return self

    def get_config(self):
        return {**super().get_config(), "data": self.data, "n": self.n, "seed": self.seed}


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


# ============================================================================ presets
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

    Defaults are small for sweeps (width 32, latent 64, first ``limit`` images). Untuned
    defaults: the DCGAN paper's ``Adam(2e-4, beta_1=0.5)`` for both, non-saturating loss.
    """

    name = "dcgan"
    schedule = None
    steps_per_execution = 1
    defaults = {"d_learning_rate": (1e-5, 2e-3), "g_learning_rate": (1e-5, 2e-3), "beta_1": 0.5, "d_steps": 1,
                "loss": "non_saturating"}
    untuned = {"d_learning_rate": 2e-4, "g_learning_rate": 2e-4, "beta_1": 0.5, "d_steps": 1, "loss": "non_saturating"}
    steps_per_epoch = None  # one pass over the (limited) data

    def __init__(self, data: str = "fashion_mnist", width: int = 32, latent_dim: int = 64, batch_size: int = 64,
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


# ============================================================================ the HyperModel
class GANHyperModel(keras_tuner.HyperModel):
    """A ``keras_tuner.HyperModel`` whose models are `kgan.GAN`s and whose objective is sample quality.

    ``build(hp)`` declares the `SearchSpace`, builds the GAN (preset or
    ``build_gan(hp)``) with every trial's weights drawn from the same
    ``seed``, and compiles it with two Adam optimizers at the trial's
    rates (unless ``build_gan`` returned a compiled GAN: then it is used as
    is). ``fit(hp, model, ...)`` trains with ``model.fit`` and returns
    ``{objective: value, "train_seconds", "eval_seconds", "steps"}``; a trial
    whose losses become NaN/inf is reported to keras-tuner as failed.

    Args:
        build_gan: ``"gaussian-1d"``, ``"dcgan"``, a `Gaussian1D`/`DCGAN`
            preset, or a function ``build_gan(hp) -> kgan.GAN``.
        objective: a `Score` (default: the preset's: W1 or Fréchet distance).
        space: a `SearchSpace` or a dict of its arguments (default: the
            preset's ranges).
        epochs: training epochs per trial when ``search`` passes none
            (Hyperband passes its own). With a schedule, the learning rate
            decays over ``epochs * steps_per_epoch`` steps.
        steps_per_epoch: batches per epoch (default: the preset's).
        seed: weights, latent draws and data of every trial.
        schedule: ``"cosine"`` or None (constant rates); default: the preset's.
    """

    def __init__(self, build_gan="gaussian-1d", objective=None, space=None, *, epochs: int = 10,
                 steps_per_epoch: int | None = None, seed: int = 0, schedule: str | None = "preset",
                 name: str | None = None):
        super().__init__(name=name, tunable=True)
        self.preset = _preset(build_gan)
        self.build_gan = None if self.preset is not None else build_gan
        self.score = _objective(objective, self.preset)
        defaults = self.preset.defaults if self.preset is not None else None
        self.space = space if isinstance(space, SearchSpace) else SearchSpace.from_dict(space, defaults)
        if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) or epochs < 1:
            raise ValueError(f"epochs must be a positive integer, got {epochs!r}.")
        self.epochs = int(epochs)
        if steps_per_epoch is not None and (isinstance(steps_per_epoch, bool) or not isinstance(steps_per_epoch, numbers.Integral)
                                            or steps_per_epoch < 1):
            raise ValueError(f"steps_per_epoch must be a positive integer or None, got {steps_per_epoch!r}.")
        self.steps_per_epoch = steps_per_epoch if steps_per_epoch is not None else getattr(self.preset, "steps_per_epoch", None)
        self.seed = int(seed)
        if schedule == "preset":
            schedule = getattr(self.preset, "schedule", None)
        if schedule not in (None, "cosine"):
            raise ValueError(f"schedule must be 'cosine' or None, got {schedule!r}.")
        self.schedule = schedule
        # GANs built and trained by this process (resumption builds none for finished trials; a distributed
        # worker reports how many trials it ran).
        self.build_calls = self.fit_calls = 0

    @property
    def objective(self):
        """The ``keras_tuner.Objective`` to give a tuner."""
        return self.score.objective

    def _optimizer(self, rate, beta_1):
        if self.schedule == "cosine" and self.steps_per_epoch:
            # The tutorial's recipe: the decay settles the game instead of orbiting the equilibrium.
            rate = keras.optimizers.schedules.CosineDecay(rate, self.epochs * self.steps_per_epoch, alpha=0.01)
        return keras.optimizers.Adam(rate, beta_1=beta_1)

    def build(self, hp):
        values = self.space.declare(hp)
        self.build_calls += 1
        keras.utils.set_random_seed(self.seed)  # same initial weights in every trial: only the hyperparameters differ
        if self.preset is not None:
            gan = self.preset.build(hp, self.seed)
            compiled = False
        else:
            gan = self.build_gan(hp)
            if not isinstance(gan, GAN):
                raise keras_tuner.errors.FatalTypeError(
                    f"build_gan(hp) must return a kgan.GAN, got {type(gan).__name__}.")
            compiled = gan.compiled
        if not compiled:
            gan.compile(
                d_optimizer=self._optimizer(values["d_learning_rate"], values["beta_1"]),
                g_optimizer=self._optimizer(values["g_learning_rate"], values["beta_1"]),
                loss=values["loss"], d_steps=values["d_steps"],
                steps_per_execution=getattr(self.preset, "steps_per_execution", 1),
            )
        return gan

    def fit(self, hp, model, x=None, *args, epochs=None, callbacks=None, verbose=0, **kwargs):
        if x is None:
            if self.preset is None:
                raise keras_tuner.errors.FatalValueError(
                    "No training data: call search(dataset, ...) with your data (a tf.data.Dataset of real batches).")
            x = self.preset.data(self.seed)
        epochs = self.epochs if epochs is None else int(epochs)
        self.fit_calls += 1
        if self.steps_per_epoch is not None:
            kwargs.setdefault("steps_per_epoch", self.steps_per_epoch)
        try:  # bad data is the user's to fix, not a failed trial: stop the whole search with the reason
            _data_checks.check_fit_data(model, x, batch_size=kwargs.get("batch_size"))
        except ValueError as err:
            raise keras_tuner.errors.FatalValueError(str(err)) from None
        guard = callbacks_lib.TerminateOnNonFinite(verbose=False)
        start = time.perf_counter()
        # The guard comes first so the tuner's own callbacks see a stopped run.
        model.fit(x, *args, epochs=epochs, callbacks=[guard, *(callbacks or [])], verbose=verbose, **kwargs)
        train_seconds = time.perf_counter() - start
        steps = int(model.g_optimizer.iterations.numpy()) // max(1, model.g_steps)
        if guard.stopped:
            raise keras_tuner.errors.FailedTrialError(f"diverged: {guard.reason}")
        start = time.perf_counter()
        try:
            value = float(self.score(model))
        except ValueError as err:  # NaN/inf samples: the generator diverged without NaN losses
            raise keras_tuner.errors.FailedTrialError(f"diverged: {err}") from None
        if not math.isfinite(value):
            raise keras_tuner.errors.FailedTrialError(f"diverged: {self.score.name} is {value}")
        return {self.score.name: value, "train_seconds": train_seconds,
                "eval_seconds": time.perf_counter() - start, "steps": steps}

    def get_config(self) -> dict:
        """What defines the sweep: a resumed sweep must match it (see `LearningRateBalance`)."""
        builder = self.preset.get_config() if self.preset is not None else {
            "build_gan": getattr(self.build_gan, "__qualname__", repr(self.build_gan))}
        return {**builder, "objective": self.score.get_config(), "space": self.space.get_config(),
                "epochs": self.epochs, "steps_per_epoch": self.steps_per_epoch, "seed": self.seed,
                "schedule": self.schedule}


# ============================================================================ results
def _trials(tuner_or_dir):
    """The trials of a tuner (or a project directory), in id order."""
    oracle = getattr(tuner_or_dir, "oracle", None)
    if isinstance(oracle, keras_tuner.Oracle):
        return [oracle.trials[k] for k in sorted(oracle.trials)]
    project = Path(tuner_or_dir.project_dir if oracle is not None else tuner_or_dir)
    from keras_tuner.engine.trial import Trial

    found = [Trial.load(str(p)) for p in sorted(project.glob("trial_*/trial.json"))]
    return sorted(found, key=lambda t: t.trial_id)


def _why(message: str | None) -> str:
    if not message:
        return ""
    match = re.search(r"FailedTrialError: (.*)", message)
    lines = [line for line in message.strip().splitlines() if line.strip()]
    return (match.group(1) if match else lines[-1] if lines else "").strip()


def results(tuner_or_dir, objective: str | None = None) -> list[dict]:
    """One dict per trial: ``trial``, ``status``, the hyperparameters (both learning rates spelled
    out), the objective, ``train_seconds``, ``eval_seconds``, ``steps``, ``epochs`` and ``note``
    (why a trial failed).

    ``tuner_or_dir``: a keras-tuner tuner, a `LearningRateBalance`, or a
    project directory (``directory/project_name``) written by one.
    """
    tuner = getattr(tuner_or_dir, "tuner", tuner_or_dir)
    if objective is None:
        objective = getattr(getattr(getattr(tuner, "oracle", None), "objective", None), "name", None)
    rows = []
    for trial in _trials(tuner):
        values = dict(trial.hyperparameters.values)
        row = {"trial": trial.trial_id, "status": str(trial.status)}
        if "learning_rate" in values and "lr_ratio" in values:
            values.setdefault("g_learning_rate", values["learning_rate"])
            values.setdefault("d_learning_rate", values["learning_rate"] * values["lr_ratio"])
        for key in ("d_learning_rate", "g_learning_rate", "learning_rate", "lr_ratio", "beta_1", "d_steps", "loss"):
            if key in values:
                row[key] = values[key]
        for key, value in values.items():
            if key not in row and not key.startswith("tuner/"):
                row[key] = value
        if "tuner/epochs" in values:
            row["epochs"] = values["tuner/epochs"]
            row["initial_epoch"] = values["tuner/initial_epoch"]
        metrics = trial.metrics
        names = [objective] if objective else []
        for name in (*names, "train_seconds", "eval_seconds", "steps"):
            if name and metrics.exists(name):
                value = float(metrics.get_last_value(name))
                row[name] = int(value) if name == "steps" else value
        if objective and objective not in row:
            row[objective] = None
        row["note"] = _why(trial.message) if trial.status != "COMPLETED" else ""
        rows.append(row)
    return rows


def _format(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def results_table(tuner_or_dir, objective: str | None = None, sort: bool = True) -> str:
    """The trials as a Markdown table, best first (failed trials last)."""
    tuner = getattr(tuner_or_dir, "tuner", tuner_or_dir)
    objective = objective or getattr(getattr(getattr(tuner, "oracle", None), "objective", None), "name", None)
    rows = results(tuner, objective)
    if not rows:
        return "(no trials yet)"
    if sort and objective:
        rows.sort(key=lambda r: (r.get(objective) is None, r.get(objective) or 0.0))
    columns = list(dict.fromkeys(k for r in rows for k in r))
    if objective in columns:  # the objective right after the status
        columns.remove(objective)
        columns.insert(2, objective)
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for r in rows:
        lines.append("| " + " | ".join(_format(r.get(c)).replace("|", "/") for c in columns) + " |")
    return "\n".join(lines)


def plot_trials(tuner_or_dir, path, objective: str | None = None, default=None, title: str | None = None):
    """The objective over the D/G learning-rate plane, saved as PNG.

    Each trial is a dot at (G's rate, D's rate) coloured by its objective
    (log scale, darker is better); the best is ringed, failed trials are red
    crosses, the dashed diagonal is D = G, and ``default`` (a ``(d_rate,
    g_rate)`` pair, or ``(d_rate, g_rate, objective)``) is marked with a star. If only one rate varies, the
    objective is plotted against it instead.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm

    tuner = getattr(tuner_or_dir, "tuner", tuner_or_dir)
    objective = objective or getattr(getattr(getattr(tuner, "oracle", None), "objective", None), "name", None)
    rows = [r for r in results(tuner, objective) if "d_learning_rate" in r and "g_learning_rate" in r]
    ok = [r for r in rows if r["status"] == "COMPLETED" and r.get(objective) is not None]
    bad = [r for r in rows if r not in ok]
    fig, ax = plt.subplots(figsize=(6.2, 4.8), dpi=100)
    d_vary = len({r["d_learning_rate"] for r in rows}) > 1
    g_vary = len({r["g_learning_rate"] for r in rows}) > 1
    if d_vary and g_vary or not rows:
        if ok:
            values = np.array([r[objective] for r in ok])
            positive = values[values > 0]
            norm = LogNorm(positive.min(), max(positive.max(), positive.min() * 1.0001)) if positive.size else None
            dots = ax.scatter([r["g_learning_rate"] for r in ok], [r["d_learning_rate"] for r in ok], c=values,
                              cmap="viridis", norm=norm, s=60, edgecolors="k", linewidths=0.5, zorder=3)
            fig.colorbar(dots, ax=ax, label=f"{objective} (lower is better)")
            best = ok[int(np.argmin(values))]
            ax.scatter([best["g_learning_rate"]], [best["d_learning_rate"]], s=260, facecolors="none",
                       edgecolors="tab:red", linewidths=2, zorder=4, label=f"best: {objective} {best[objective]:.4g}")
        if bad:
            ax.scatter([r["g_learning_rate"] for r in bad], [r["d_learning_rate"] for r in bad], marker="x",
                       color="tab:red", s=50, zorder=3, label=f"failed / diverged ({len(bad)})")
        if default is not None:
            label = "untuned default" + (f": {objective} {default[2]:.4g}" if len(default) > 2 else "")
            ax.scatter([default[1]], [default[0]], marker="*", s=220, color="tab:orange", edgecolors="k",
                       zorder=5, label=label)
        ax.set_xscale("log")
        ax.set_yscale("log")
        lo = min([r[k] for r in rows for k in ("d_learning_rate", "g_learning_rate")] or [1e-5])
        hi = max([r[k] for r in rows for k in ("d_learning_rate", "g_learning_rate")] or [1e-2])
        ax.plot([lo, hi], [lo, hi], ls="--", color="0.5", lw=1, label="D rate = G rate")
        ax.set_xlabel("G learning rate")
        ax.set_ylabel("D learning rate")
    else:  # one rate varies: the objective against it; neither: against the trial number
        key = "d_learning_rate" if d_vary else "g_learning_rate" if g_vary else None
        xs = [r[key] if key else i for i, r in enumerate(rows)]
        ax.scatter([x for x, r in zip(xs, rows, strict=True) if r in ok], [r[objective] for r in ok],
                   color="tab:blue", zorder=3, label="trials")
        for x, r in zip(xs, rows, strict=True):
            if r in bad:
                ax.axvline(x, color="tab:red", lw=0.8, ls=":")
        if key:
            ax.set_xscale("log")
        if ok and min(r[objective] for r in ok) > 0:
            ax.set_yscale("log")
        ax.set_xlabel(key.replace("_", " ") if key else "trial")
        ax.set_ylabel(f"{objective} (lower is better)")
    ax.set_title(title or f"{len(rows)} trials: {objective} over the D/G learning rates")
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def write_results(tuner_or_dir, directory=None, objective: str | None = None, default=None) -> dict:
    """Write ``trials.csv``, ``trials.md`` and ``trials.png`` (to the tuner's project directory by default).

    Returns the paths written.
    """
    tuner = getattr(tuner_or_dir, "tuner", tuner_or_dir)
    out = Path(directory or (tuner.project_dir if hasattr(tuner, "project_dir") else tuner))
    out.mkdir(parents=True, exist_ok=True)
    objective = objective or getattr(getattr(getattr(tuner, "oracle", None), "objective", None), "name", None)
    rows = results(tuner, objective)
    columns = list(dict.fromkeys(k for r in rows for k in r))
    with open(out / "trials.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    (out / "trials.md").write_text(results_table(tuner, objective) + "\n")
    plot_trials(tuner, out / "trials.png", objective, default=default)
    return {"csv": out / "trials.csv", "markdown": out / "trials.md", "figure": out / "trials.png"}


# ============================================================================ the sweep
class LearningRateBalance:
    """A keras-tuner sweep of a GAN's D/G learning-rate balance, with its results table and figure.

    Wraps a keras-tuner tuner (``.tuner``: ``RandomSearch``,
    ``BayesianOptimization`` or ``Hyperband``) around a `GANHyperModel`.
    Anything the keras-tuner tuner has (``get_best_hyperparameters``,
    ``results_summary``, ``oracle``, ...) is available on this object too.

    ```python
    sweep = kgan.tuning.LearningRateBalance("gaussian-1d", max_trials=20, directory="runs/tune")
    sweep.search()
    sweep.best_hyperparameters()   # {"d_learning_rate": ..., "g_learning_rate": ..., ...}
    ```

    Args:
        build_gan: a preset name (``"gaussian-1d"``, ``"dcgan"``), a preset
            object (`Gaussian1D`, `DCGAN`) or a function ``build_gan(hp) -> kgan.GAN``.
        objective: a `Score`, ``"w1"`` or ``"frechet_distance"`` (default: the preset's).
        tuner: ``"random"``, ``"bayesian"`` or ``"hyperband"``.
        max_trials: trials to run in all (Hyperband: at most this many;
            its brackets decide the rest).
        directory, project_name: results go to ``directory/project_name``.
            Running again with the same directory continues the sweep
            (``overwrite=False``): finished trials are not redone.
        overwrite: start over, deleting an earlier sweep there.
        epochs: epochs per trial (Hyperband: its ``max_epochs``).
        steps_per_epoch: batches per epoch (default: the preset's).
        seed: every trial's weights, latent draws and data; also the oracle's seed.
        space: a `SearchSpace` or dict; or give its arguments directly
            (``d_learning_rate=(1e-5, 1e-2)``, ``beta_1=0.5``, ...).
        max_consecutive_failed_trials: diverged trials in a row before keras-tuner
            stops the sweep (default: never, up to ``max_trials``).
        **tuner_kwargs: passed to the keras-tuner tuner (``factor=`` for
            Hyperband, ``num_initial_points=`` for Bayesian optimisation, ...).
    """

    def __init__(self, build_gan="gaussian-1d", *, objective=None, tuner: str = "random", max_trials: int = 20,
                 directory="runs/tune", project_name: str | None = None, overwrite: bool = False,
                 epochs: int = 10, steps_per_epoch: int | None = None, seed: int = 0, space=None,
                 schedule="preset", max_consecutive_failed_trials: int | None = None, tuner_kwargs: dict | None = None,
                 **space_kwargs):
        if tuner not in TUNERS:
            raise ValueError(f"tuner must be one of {', '.join(TUNERS)}, got {tuner!r}.")
        if isinstance(max_trials, bool) or not isinstance(max_trials, numbers.Integral) or max_trials < 1:
            raise ValueError(f"max_trials must be a positive integer, got {max_trials!r}.")
        if space is not None and space_kwargs:
            raise ValueError("Give the search space either as space=... or as keyword arguments, not both.")
        preset = _preset(build_gan)
        if space is None:
            space = SearchSpace.from_dict(space_kwargs, preset.defaults if preset is not None else None)
        self.hypermodel = GANHyperModel(preset if preset is not None else build_gan, objective, space, epochs=epochs,
                                        steps_per_epoch=steps_per_epoch, seed=seed, schedule=schedule)
        self.kind = tuner
        self.max_trials = int(max_trials)
        self.project_name = project_name or (preset.name if preset is not None else "kgan")
        self.directory = os.fspath(directory)
        # What a resumed sweep must share (a larger max_trials just continues it).
        config = {"tuner": tuner, **self.hypermodel.get_config()}
        self._check_resume(config, overwrite)
        common = dict(hypermodel=self.hypermodel, objective=self.hypermodel.objective, directory=self.directory,
                      project_name=self.project_name, overwrite=overwrite, seed=seed,
                      max_consecutive_failed_trials=max_consecutive_failed_trials or self.max_trials + 1,
                      **(tuner_kwargs or {}))
        if tuner == "random":
            self.tuner = keras_tuner.RandomSearch(max_trials=self.max_trials, **common)
        elif tuner == "bayesian":
            _require("sklearn", "Bayesian optimisation (keras_tuner.BayesianOptimization)")
            _require("scipy", "Bayesian optimisation (keras_tuner.BayesianOptimization)")
            self.tuner = keras_tuner.BayesianOptimization(max_trials=self.max_trials, **common)
        else:
            self.tuner = keras_tuner.Hyperband(max_epochs=self.hypermodel.epochs, **common)
            # Hyperband's brackets set its trial count; the base Oracle's max_trials caps it.
            self.tuner.oracle.max_trials = self.max_trials
        self._write_config(config)

    # ------------------------------------------------------------------ resumption
    @property
    def project_dir(self) -> Path:
        return Path(self.directory) / self.project_name

    def _check_resume(self, config, overwrite):
        path = self.project_dir / _CONFIG_FILE
        if overwrite or not path.exists():
            return
        saved = json.loads(path.read_text())
        mine = json.loads(json.dumps(config))  # tuples -> lists, as saved
        changed = sorted(k for k in set(saved) | set(mine) if saved.get(k) != mine.get(k))
        if changed:
            diff = "; ".join(f"{k}: {saved.get(k)!r} there, {mine.get(k)!r} now" for k in changed)
            raise ValueError(
                f"{self.project_dir} holds a sweep with other settings ({diff}). Use the same settings to "
                "resume it, another directory/project_name for a new sweep, or overwrite=True (--overwrite) "
                "to start over.")

    def _write_config(self, config):
        if _is_worker():
            return
        self.project_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.project_dir / f".{_CONFIG_FILE}.{os.getpid()}"
        tmp.write_text(json.dumps(config, indent=2) + "\n")
        os.replace(tmp, self.project_dir / _CONFIG_FILE)  # atomic: distributed workers may be reading it

    # ------------------------------------------------------------------ running
    def search(self, data=None, epochs: int | None = None, verbose=0, write: bool = True, **fit_kwargs):
        """Run (or continue) the sweep, then write the results table and figure.

        Args:
            data: training data for a custom ``build_gan`` (presets make their own).
            epochs: epochs per trial (default: the constructor's; Hyperband sets its own). With a
                learning-rate schedule (the 1-D preset's cosine decay) it must be the constructor's.
            verbose: keras-tuner's and ``fit``'s verbosity (0: quiet).
            write: write ``trials.csv``, ``trials.md`` and ``trials.png`` afterwards.
            **fit_kwargs: passed to ``GAN.fit`` (``callbacks=``, ``steps_per_epoch=``, ...).

        In keras-tuner's distributed mode (``KERASTUNER_TUNER_ID`` etc.), the
        chief serves the oracle until every trial is done and then writes the
        results; workers run trials and write nothing.
        """
        if epochs is not None and self.hypermodel.schedule and epochs != self.hypermodel.epochs:
            raise ValueError(
                f"search(epochs={epochs}) differs from the epochs={self.hypermodel.epochs} the learning-rate "
                "schedule spans: give epochs to LearningRateBalance(...) instead.")
        if epochs is not None and self.kind != "hyperband":
            fit_kwargs["epochs"] = epochs
        args = () if data is None else (data,)
        self.tuner.search(*args, verbose=verbose, **fit_kwargs)
        if write and not _is_worker():
            return self.write_results()
        return None

    def write_results(self) -> dict:
        """Write ``trials.csv``, ``trials.md`` and ``trials.png`` to the project directory."""
        untuned = getattr(self.hypermodel.preset, "untuned", None)
        default = (untuned["d_learning_rate"], untuned["g_learning_rate"]) if untuned else None
        return write_results(self.tuner, self.project_dir, self.hypermodel.score.name, default=default)

    # ------------------------------------------------------------------ results
    def results(self) -> list[dict]:
        """One dict per trial (see `results`)."""
        return results(self.tuner, self.hypermodel.score.name)

    def results_table(self) -> str:
        """The trials as a Markdown table, best first."""
        return results_table(self.tuner, self.hypermodel.score.name)

    def _best_trial(self):
        trials = self.tuner.oracle.get_best_trials(1)
        if not trials or trials[0].status != "COMPLETED":
            raise RuntimeError(f"No trial in {self.project_dir} completed (all diverged or none ran): narrow the "
                               "learning-rate ranges, or run search() first.")
        return trials[0]

    def best_hyperparameters(self) -> dict:
        """The best trial's hyperparameters (both learning rates spelled out) and objective."""
        trial = self._best_trial()
        values = {k: v for k, v in trial.hyperparameters.values.items() if not k.startswith("tuner/")}
        values = self.hypermodel.space.rates(values) if "lr_ratio" in values else values
        return {**values, self.hypermodel.score.name: float(trial.score), "trial": trial.trial_id}

    def best_gan(self) -> GAN:
        """The best trial's GAN, trained (its weights at the end of the trial)."""
        self._best_trial()
        return self.tuner.get_best_models(1)[0]

    def __getattr__(self, name):  # the rest of keras-tuner's Tuner API
        if name == "tuner":
            raise AttributeError(name)
        return getattr(self.tuner, name)


def _is_worker() -> bool:
    """True in keras-tuner's distributed mode on a worker (not the chief)."""
    return "KERASTUNER_ORACLE_IP" in os.environ and "chief" not in os.environ.get("KERASTUNER_TUNER_ID", "")
