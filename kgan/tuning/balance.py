"""`LearningRateBalance`: one object for a whole D/G learning-rate sweep.

It builds the keras-tuner tuner (random, Bayesian or Hyperband) around a `GANHyperModel`,
refuses to resume a directory that holds a sweep with other settings, runs or continues the
search, writes the trials table and figure, and hands back the best hyperparameters and GAN.

```python
from kgan import tuning

sweep = tuning.LearningRateBalance("gaussian-1d", tuner="bayesian", max_trials=20, directory="runs/tune")
sweep.search()                   # same call + same directory later: resumes, finished trials are kept
sweep.best_hyperparameters()     # {"d_learning_rate": ..., "g_learning_rate": ..., "w1": ..., "trial": ...}
```
"""

from __future__ import annotations

import json
import numbers
import os
from pathlib import Path

import keras_tuner

from kgan import _atomic
from kgan.gan import GAN
from kgan.tuning._extras import _require
from kgan.tuning.hypermodel import GANHyperModel
from kgan.tuning.presets import _preset
from kgan.tuning.space import SearchSpace, oracle_seed
from kgan.tuning.trials import results, results_table, write_results

__all__ = ["TUNERS", "LearningRateBalance"]

TUNERS = ("random", "bayesian", "hyperband")
_CONFIG_FILE = "kgan_tuning.json"


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
        seed: every trial's weights, latent draws and data; also the oracle's
            (as ``seed + 1``: keras-tuner takes 0 for "no seed"), so the same
            seed gives the same sequence of trials, 0 included.
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
                      project_name=self.project_name, overwrite=overwrite, seed=oracle_seed(seed),  # 0 works too
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
        # atomic: distributed workers may be reading it
        _atomic.atomic_write_text(self.project_dir / _CONFIG_FILE, json.dumps(config, indent=2) + "\n")

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
