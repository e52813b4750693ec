"""`GANHyperModel`: a ``keras_tuner.HyperModel`` that builds, compiles, trains and scores a `kgan.GAN`.

It is what makes keras-tuner's own tuners work for GANs: ``build(hp)`` compiles the GAN at the
trial's learning rates, ``fit`` trains it and reports the sample-quality objective, and a
diverged trial is reported as failed instead of stopping the sweep.

```python
import keras_tuner
from kgan import tuning

hypermodel = tuning.GANHyperModel("gaussian-1d", epochs=9)
tuner = keras_tuner.Hyperband(hypermodel, objective=hypermodel.objective, max_epochs=9, directory="runs/hb")
tuner.search()
```
"""

from __future__ import annotations

import math
import numbers
import time

import keras
import keras_tuner

from kgan import _data_checks
from kgan import callbacks as callbacks_lib
from kgan.gan import GAN
from kgan.tuning.objectives import TrainingMetric, is_metric_name
from kgan.tuning.presets import _objective, _preset
from kgan.tuning.space import SearchSpace

__all__ = ["GANHyperModel"]


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
        objective: a `Score` (default: the preset's: W1 or Fréchet distance),
            or the name of a metric ``fit`` logs (``"g_loss"``, ``"val_d_loss"``:
            its last epoch's value, minimised; see `TrainingMetric`).
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
        # keras-tuner cannot infer a direction for "g_loss" (it knows Keras' metric names only); the GAN's
        # metric table gives it.
        self.score = TrainingMetric(objective) if is_metric_name(objective) else _objective(objective, self.preset)
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
            _data_checks.check_fit_data(model, x, batch_size=kwargs.get("batch_size"),
                                        steps_per_epoch=kwargs.get("steps_per_epoch"))
        except ValueError as err:
            raise keras_tuner.errors.FatalValueError(str(err)) from None
        guard = callbacks_lib.TerminateOnNonFinite(verbose=False)
        start = time.perf_counter()
        # The guard comes first so the tuner's own callbacks see a stopped run.
        model.fit(x, *args, epochs=epochs, callbacks=[guard, *(callbacks or [])], verbose=verbose, **kwargs)
        train_seconds = time.perf_counter() - start
        steps = model.steps
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
