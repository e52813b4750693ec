"""Divergence callbacks: stop a run that went NaN/inf or whose D collapsed, and say why.

``TerminateOnNonFinite`` stops on a non-finite logged value; ``DivergenceGuard``
also checks the weights and D's scores, and puts back the last good state.
``non_finite_variables`` is the weight check on its own (the checkpoint
callbacks use it before every save).

```python
guard = kgan.callbacks.DivergenceGuard()
gan.fit(ds, epochs=20, callbacks=[guard])
print(guard.message if guard.stopped else "trained")
bad = kgan.callbacks.non_finite_variables(gan)   # [] when every variable is finite
```
"""

from __future__ import annotations

import math
import weakref

import keras
import numpy as np
import tensorflow as tf

from kgan._checks import positive_int
from kgan.callbacks._state import _state_variables, training_steps

__all__ = ["DivergenceGuard", "TerminateOnNonFinite", "non_finite_variables"]


class TerminateOnNonFinite(keras.callbacks.Callback):
    """Stop training as soon as any logged loss or metric is NaN or infinite.

    Keras' ``TerminateOnNaN`` watches only ``loss``, which a GAN does not
    log; this one watches ``d_loss``, ``g_loss``, ``d_real``, ``d_fake`` and
    every term. After it fires, ``stopped`` is True and ``reason`` says which
    metric went bad at which batch.

    ```python
    gan.fit(ds, epochs=5, callbacks=[kgan.callbacks.TerminateOnNonFinite()])
    ```
    """

    def __init__(self, verbose: bool = True):
        super().__init__()
        self.verbose = verbose
        self.stopped = False
        self.reason = None

    def on_train_batch_end(self, batch, logs=None):
        bad = _first_non_finite(logs)
        if bad is None:
            return
        self.stopped = True
        self.reason = f"{bad[0]} became {bad[1]} at batch {batch}"
        self.model.stop_training = True
        if self.verbose:
            print(
                f"\nkgan: training stopped: {self.reason}. Training diverged: lower the "
                "learning rates, check the data for NaN/inf, or use a more stable loss."
            )


# ---------------------------------------------------------------------------- reliability
# With the checkpoint callbacks: a long run must never end with NaN weights on disk, lose
# more than one backup interval of work, or stop without saying why.

_FINITE_CHECKS = weakref.WeakKeyDictionary()  # model -> (variable ids, traced check)


def non_finite_variables(model) -> list[str]:
    """Paths of the model's float variables (networks and optimizer state) holding NaN or inf.

    ```python
    bad = kgan.callbacks.non_finite_variables(gan)   # [] when everything is finite
    ```
    """
    variables = [v for v in _state_variables(model) if v.dtype.startswith(("float", "bfloat"))]
    if not variables:
        return []
    key = tuple(id(v) for v in variables)
    cached = _FINITE_CHECKS.get(model)
    if cached is None or cached[0] != key:
        # One traced function for all variables: a per-variable eager check costs ~0.3 ms each.
        if keras.backend.backend() == "tensorflow":
            check = tf.function(lambda: tf.stack([tf.reduce_all(tf.math.is_finite(v.value)) for v in variables]),
                                autograph=False)
        else:  # JAX: the values are host-readable arrays already (CPU) or one copy each
            check = lambda: np.array([np.isfinite(np.asarray(v.value)).all() for v in variables])  # noqa: E731
        cached = _FINITE_CHECKS[model] = (key, check)
    finite = keras.ops.convert_to_numpy(cached[1]())
    return [v.path for v, ok in zip(variables, finite, strict=True) if not ok]


def _first_non_finite(logs) -> tuple[str, float] | None:
    for name, value in (logs or {}).items():
        try:
            value = float(value)
        except (TypeError, ValueError):
            continue
        if not math.isfinite(value):
            return name, value
    return None


def _metric(model, name):
    for metric in getattr(model, "metrics", []):
        if metric.name == name and hasattr(metric, "total") and hasattr(metric, "count"):
            return metric
    return None


class DivergenceGuard(TerminateOnNonFinite):
    """Stop a diverging GAN, put back its last good state and say what happened.

    Training stops (``model.stop_training = True``) when

    * a logged loss or metric (``d_loss``, ``g_loss``, ``d_real``,
      ``d_fake``, every term) becomes NaN or infinite, checked after every
      batch;
    * a weight or optimizer variable becomes NaN or infinite, checked at
      every snapshot (below) - this catches, e.g., a NaN BatchNormalization
      statistic that no training loss reads;
    * D collapses: the discriminator's mean scores on real and generated
      data, ``d_real`` and ``d_fake``, are both within ``tolerance`` of 0 or 1
      (D is certain about everything, e.g. D(x) = 1 and D(G(z)) = 0) for
      ``patience`` consecutive training steps. The per-step values are read
      from the GAN's ``d_real``/``d_fake`` metrics (their running total and
      count), so they are exact per block of steps, not the epoch's running
      mean. Only for losses whose D outputs a probability (sigmoid losses:
      ``non_saturating``, ``minimax``); a critic's unbounded value
      (``wasserstein``, ``hinge``, ``least_squares``) has no extremes.

    Good state is kept in memory: all variables of G and D, both optimizers'
    iterations and slots and the GAN's seed and term state, copied at the
    start of training, at every epoch end and, with ``snapshot_every=N``,
    every N steps - but only when every value is finite and D is not in a
    collapse streak. On a stop the last snapshot is assigned back
    (``restore=True``), so ``gan.save`` afterwards writes a good model.

    ```python
    guard = kgan.callbacks.DivergenceGuard(patience=200)
    gan.fit(ds, epochs=20, callbacks=[guard])
    if guard.stopped:
        print(guard.reason, guard.restored_from)
    ```

    Args:
        patience: consecutive steps of D collapse that stop training.
        tolerance: "pinned": a mean D probability within this of 0 or 1.
        snapshot_every: also snapshot every this many steps (None: at epoch
            ends only). Each snapshot copies every variable to host memory:
            a few milliseconds per million parameters.
        restore: assign the last good snapshot back when training stops.
        collapse: watch for D collapse (False: non-finite values only).
        verbose: print the explanation when it stops.

    After a stop: ``stopped`` is True, ``reason`` says what happened,
    ``stopped_at`` is ``{"epoch", "batch", "step"}`` and ``restored_from``
    the same for the snapshot put back (None if nothing was restored).
    """

    def __init__(self, patience: int = 200, tolerance: float = 0.02, snapshot_every: int | None = None,
                 restore: bool = True, collapse: bool = True, verbose: bool = True):
        super().__init__(verbose=verbose)
        self.patience = positive_int(patience, "patience")
        if not 0.0 < float(tolerance) < 0.5:
            raise ValueError(f"tolerance must be in (0, 0.5), got {tolerance}.")
        self.tolerance = float(tolerance)
        self.snapshot_every = None if snapshot_every is None else positive_int(snapshot_every, "snapshot_every")
        self.restore, self.collapse = bool(restore), bool(collapse)
        self.kind = self.stopped_at = self.restored_from = self.message = None
        self._snapshot = self._snapshot_at = None
        self._variables = []
        self._streak = 0
        self._streak_start = None
        self._epoch = self._steps_seen = self._since_snapshot = 0
        self._previous = {}

    # -------------------------------------------------------------- bookkeeping
    def _step(self) -> int:
        """Training steps done so far (absolute: a resumed run continues the count)."""
        return training_steps(self.model, default=self._steps_seen)

    def _where(self, batch=None) -> dict:
        return {"epoch": self._epoch, "batch": batch, "step": self._step()}

    def _watch_collapse(self) -> bool:
        loss = getattr(self.model, "loss_fn", None)
        # With G trained on another objective (feature matching replacing its adversarial loss,
        # Salimans et al.), D winning outright is expected, not a collapse.
        g_replaced = any("generator" in getattr(t, "replaces_adversarial_loss", ()) for t in getattr(self.model, "terms", []))
        return self.collapse and not g_replaced and (loss is None or getattr(loss, "probabilistic", False))

    def on_train_begin(self, logs=None):
        self.stopped, self.reason, self.kind = False, None, None
        self.stopped_at = self.restored_from = self.message = None
        self._variables = _state_variables(self.model)
        variables = self._variables
        # One traced read of every variable: ~10x cheaper than a .numpy() call per variable.
        if keras.backend.backend() == "tensorflow":
            self._read = tf.function(lambda: [tf.identity(v.value) for v in variables], autograph=False)
        else:  # JAX arrays are immutable: a snapshot holds the values themselves
            self._read = lambda: [v.value for v in variables]
        self._epoch, self._steps_seen, self._since_snapshot = 0, 0, 0
        self._streak, self._streak_start = 0, None
        self._previous = {}  # metric name -> (total, count) at the last check
        self._snapshot = self._snapshot_at = None

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        self._previous = {}
        if self._snapshot is None and not self.stopped:
            # The first snapshot is taken here, not in on_train_begin: a BackupAndRestore later in
            # the callbacks list restores the resumed state in its on_train_begin, after ours.
            self._take_snapshot(batch=None)

    # -------------------------------------------------------------- snapshots
    def _take_snapshot(self, batch) -> bool:
        """Copy every variable if all are finite; False (and nothing copied) otherwise."""
        values = [np.array(keras.ops.convert_to_numpy(value)) for value in self._read()]
        for variable, value in zip(self._variables, values, strict=True):
            if np.issubdtype(value.dtype, np.floating) and not np.isfinite(value).all():
                self._stop("weights", f"the variable {variable.path} holds NaN/inf values", batch)
                return False
        if self._streak == 0:  # never keep a state in which D is already collapsing
            self._snapshot, self._snapshot_at = values, self._where(batch)
        return True

    def _restore(self):
        if not self.restore or self._snapshot is None:
            return
        for variable, value in zip(self._variables, self._snapshot, strict=True):
            variable.assign(value)
        self.restored_from = dict(self._snapshot_at)

    # -------------------------------------------------------------- checks
    def on_train_batch_end(self, batch, logs=None):
        if self.stopped:
            return
        steps = self._count_steps(batch)
        self._steps_seen += steps
        bad = _first_non_finite(logs)
        if bad is not None:
            self._stop("non_finite", f"{bad[0]} became {bad[1]}", batch)
            return
        if steps and self._watch_collapse() and self._collapse_check(steps, batch):
            return
        if self.snapshot_every is not None:
            self._since_snapshot += steps
            if self._since_snapshot >= self.snapshot_every:
                self._since_snapshot = 0
                self._take_snapshot(batch)

    def _count_steps(self, batch) -> int:
        """Steps run since the last call, from the d_real metric's count (1 per step; robust to
        steps_per_execution and to batches a resumed run skips); batch indices as a fallback."""
        metric = _metric(self.model, "d_real")
        if metric is None:
            last = self._previous.get("_batch", -1)
            self._previous["_batch"] = batch
            return max(0, batch - last)
        # Metric variables are summed across replicas: each step adds one count per replica.
        # (One SPMD program on JAX: one count per step.)
        replicas = self.model.distribute_strategy.num_replicas_in_sync if keras.backend.backend() == "tensorflow" else 1
        count = float(keras.ops.convert_to_numpy(metric.count)) / replicas
        last = self._previous.get("_count", 0.0)
        self._previous["_count"] = count
        return int(round(count - last)) if count >= last else int(round(count))

    def _block_mean(self, name):
        metric = _metric(self.model, name)
        if metric is None:
            return None
        total, count = float(metric.total.numpy()), float(metric.count.numpy())
        last_total, last_count = self._previous.get(name, (0.0, 0.0))
        if count < last_count:  # the metric was reset
            last_total, last_count = 0.0, 0.0
        self._previous[name] = (total, count)
        return None if count <= last_count else (total - last_total) / (count - last_count)

    def _pinned(self, value) -> bool:
        return value <= self.tolerance or value >= 1.0 - self.tolerance

    def _collapse_check(self, steps, batch) -> bool:
        d_real, d_fake = self._block_mean("d_real"), self._block_mean("d_fake")
        if d_real is None or d_fake is None:
            return False
        if self._pinned(d_real) and self._pinned(d_fake):
            if self._streak == 0:
                self._streak_start = self._step() - steps + 1
            self._streak += steps
            self._last_scores = (d_real, d_fake)
        else:
            self._streak, self._streak_start = 0, None
        if self._streak >= self.patience:
            self._stop("collapse", (
                f"the discriminator collapsed: D(x) = {d_real:.4f} and D(G(z)) = {d_fake:.4f} stayed within "
                f"{self.tolerance:g} of 0 or 1 for {self._streak} consecutive steps (since step "
                f"{self._streak_start})"), batch)
            return True
        return False

    def on_epoch_end(self, epoch, logs=None):
        if self.stopped:
            return
        bad = _first_non_finite(logs)
        if bad is not None:
            self._stop("non_finite", f"{bad[0]} became {bad[1]}", None)
            return
        self._since_snapshot = 0
        self._take_snapshot(batch=None)

    # -------------------------------------------------------------- stopping
    _ADVICE = {
        "non_finite": ("lower both learning rates (e.g. halve them), add a gradient penalty "
                       "(kgan.terms.GradientPenalty) or use a bounded loss (least_squares, hinge), and check "
                       "the data for NaN/inf"),
        "weights": ("lower both learning rates, add a gradient penalty (kgan.terms.GradientPenalty), and check "
                    "custom layers/terms for divisions by zero or log(0)"),
        "collapse": ("lower D's learning rate or raise G's (the TTUR balance: kgan.tuning), add a gradient penalty "
                     "or spectral normalization to D, use one-sided label smoothing or a loss that keeps "
                     "gradients when D wins (least_squares, wasserstein + GradientPenalty)"),
    }

    def _stop(self, kind, reason, batch):
        self.stopped, self.kind, self.reason = True, kind, reason
        self.stopped_at = self._where(batch)
        self.model.stop_training = True
        self._restore()
        where = f"epoch {self.stopped_at['epoch'] + 1}" + (
            f", batch {batch + 1}" if batch is not None else " end") + f" (step {self.stopped_at['step']})"
        if self.restored_from is not None:
            at = self.restored_from
            when = ("the start of training" if at["epoch"] == 0 and at["batch"] is None and at["step"] == 0
                    else f"epoch {at['epoch'] + 1}" + (f", batch {at['batch'] + 1}" if at["batch"] is not None
                                                        else " end") + f" (step {at['step']})")
            restored = f"Restored the last good weights and both optimizers' state, from {when}."
        elif self.restore:
            restored = "No finite state was seen, so nothing was restored."
        else:
            restored = "Nothing was restored (restore=False)."
        self.message = (f"kgan: training stopped at {where}: {reason}. {restored} "
                        f"What to try: {self._ADVICE[kind]}.")
        if self.verbose:
            print("\n" + self.message)

