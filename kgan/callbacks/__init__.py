"""Keras callbacks for GAN training.

One job per module, every public name importable from here:

- ``kgan.callbacks.samples``: ``SampleGrid`` (a PNG grid of a fixed latent
  batch per epoch), ``GeneratorEMA`` (an averaged generator for sampling);
- ``kgan.callbacks.quality``: ``SampleQuality`` (FD, KID, precision/recall, ...
  of generated samples in ``fit``'s logs, for EarlyStopping, checkpoints, tuners);
- ``kgan.callbacks.guard``: ``TerminateOnNonFinite``, ``DivergenceGuard`` (stop
  on NaN/inf or a collapsed D, put back the last good state) and
  ``non_finite_variables``;
- ``kgan.callbacks.checkpoints``: ``ModelCheckpoint`` and ``BackupAndRestore``,
  Keras' callbacks that never write NaN/inf weights, the latter resuming a
  killed run exactly.

```python
gan.fit(ds, epochs=20, callbacks=[
    kgan.callbacks.DivergenceGuard(),                        # first: the others never see a diverged state
    kgan.callbacks.BackupAndRestore("runs/x/backup"),        # run again after a crash: it resumes
    kgan.callbacks.SampleGrid("runs/x/samples"),
])
```
"""

# The underscore names are private helpers, importable here as they were before the split
# (tests and benchmarks use kgan.callbacks._state_variables).
from kgan.callbacks._state import _state_variables  # noqa: F401
from kgan.callbacks.checkpoints import BackupAndRestore, ModelCheckpoint
from kgan.callbacks.guard import (  # noqa: F401
    _FINITE_CHECKS,
    DivergenceGuard,
    TerminateOnNonFinite,
    _first_non_finite,
    _metric,
    non_finite_variables,
)
from kgan.callbacks.quality import SampleQuality
from kgan.callbacks.samples import GeneratorEMA, SampleGrid

__all__ = ["BackupAndRestore", "DivergenceGuard", "GeneratorEMA", "ModelCheckpoint", "SampleGrid", "SampleQuality",
           "TerminateOnNonFinite", "non_finite_variables"]
