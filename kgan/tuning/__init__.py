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

One job per module: `kgan.tuning.space` (`SearchSpace`, validated), `kgan.tuning.objectives`
(`Score`, `Wasserstein1`, `FrechetDistance`), `kgan.tuning.presets` (`Gaussian1D`, `DCGAN`,
`PRESETS`), `kgan.tuning.hypermodel` (`GANHyperModel`), `kgan.tuning.trials` (`results`,
`results_table`, `plot_trials`, `write_results`) and `kgan.tuning.balance`
(`LearningRateBalance`, `TUNERS`); every public name is importable from ``kgan.tuning`` itself.

This module is not imported by ``import kgan`` (keras-tuner is an optional
extra); ``kgan.tuning`` or ``from kgan import tuning`` imports it on first use.
"""

from kgan.tuning._extras import _INSTALL_HINT, _require

# Before any submodule: they all import keras_tuner, and importing one runs this package first.
try:
    import keras_tuner  # noqa: F401
except ImportError as _err:  # the optional extra is missing: say how to get it
    raise ImportError(
        f"kgan.tuning needs keras-tuner, which is not installed ({_err}). Install it with: {_INSTALL_HINT}"
    ) from _err

# keras-tuner imports tensorboard in every trial on this TensorFlow: fail here, not in trial 1.
_require("tensorboard", "keras-tuner (kgan.tuning)")

# The public names, from the module that does each job; `_is_worker` stays private but is re-exported
# because kgan._cli_tune asks kgan.tuning._is_worker() (does this process run trials for a chief?).
from kgan.tuning.balance import TUNERS, LearningRateBalance  # noqa: E402
from kgan.tuning.balance import _is_worker as _is_worker  # noqa: E402
from kgan.tuning.hypermodel import GANHyperModel  # noqa: E402
from kgan.tuning.objectives import FrechetDistance, Score, TrainingMetric, Wasserstein1  # noqa: E402
from kgan.tuning.presets import DCGAN, PRESETS, Gaussian1D  # noqa: E402
from kgan.tuning.space import SearchSpace  # noqa: E402
from kgan.tuning.trials import plot_trials, results, results_table, write_results  # noqa: E402

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
    "TrainingMetric",
    "Wasserstein1",
    "plot_trials",
    "results",
    "results_table",
    "write_results",
]
