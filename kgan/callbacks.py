"""Keras callbacks for GAN training."""

from __future__ import annotations

import json
import math
import os
import shutil
import warnings
import weakref

import keras
import numpy as np
import tensorflow as tf

from kgan import pixels
from kgan._checks import positive_int

__all__ = ["BackupAndRestore", "DivergenceGuard", "GeneratorEMA", "ModelCheckpoint", "SampleGrid",
           "TerminateOnNonFinite", "non_finite_variables"]


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


class SampleGrid(keras.callbacks.Callback):
    """Render a fixed latent batch as a PNG grid before training and after every epoch.

    The same ``seed`` gives the same latent vectors every time, so the grids
    show how the generator's answer to one question changes as it trains:
    ``out_dir/epoch_000.png`` (untrained), ``epoch_001.png``, ... With
    ``log_dir`` the grids also go to TensorBoard (``samples`` image summary).

    ```python
    gan.fit(ds, epochs=10, callbacks=[kgan.callbacks.SampleGrid("runs/fmnist", n=64)])
    ```

    Args:
        out_dir: folder for the PNG files (created).
        n: images per grid.
        seed: seed of the fixed latent batch.
        every: write a grid every ``every`` epochs (the last epoch always).
        cols: images per row (default: a square).
        condition: for conditional GANs, ``n`` conditions (labels, ...).
        log_dir: a TensorBoard log folder, or None.
    """

    def __init__(self, out_dir, n: int = 64, seed: int = 0, every: int = 1, cols: int | None = None,
                 condition=None, log_dir=None):
        super().__init__()
        self.out_dir = os.fspath(out_dir)
        self.n = positive_int(n, "n")
        self.every = positive_int(every, "every")
        self.seed, self.cols, self.condition, self.log_dir = int(seed), cols, condition, log_dir
        if log_dir is not None:
            try:
                import tensorboard  # noqa: F401 - tf.summary.image needs it
            except ImportError:
                raise ImportError("SampleGrid(log_dir=...) writes TensorBoard images and needs tensorboard: "
                                  "pip install tensorboard (or 'kgan[tuner]'), or leave log_dir out.") from None
        if condition is not None and len(condition) != self.n:
            raise ValueError(f"SampleGrid got {len(condition)} conditions for n={self.n} images: pass one per image.")
        self.paths: list[str] = []
        self._writer = None
        self._last_epoch, self._offset = 0, None

    def _check_model(self):
        if not hasattr(self.model, "generate"):
            raise TypeError(f"SampleGrid works with a kgan.GAN; this model is a {type(self.model).__name__}.")

    def render(self, epoch: int) -> str:
        """Write the grid for ``epoch`` (0 = before training) and return its path."""
        self._check_model()
        images = self.model.generate(self.n, seed=self.seed, condition=self.condition)
        grid = pixels.image_grid(images, cols=self.cols)
        path = pixels.save_png(os.path.join(self.out_dir, f"epoch_{epoch:03d}.png"), grid)
        self.paths.append(path)
        if self.log_dir is not None:
            if self._writer is None:
                self._writer = tf.summary.create_file_writer(os.fspath(self.log_dir))
            with self._writer.as_default():
                tf.summary.image("samples", grid[np.newaxis], step=epoch)
            self._writer.flush()
        return path

    def on_train_begin(self, logs=None):
        # A second fit() with this callback continues the numbering instead of overwriting the
        # earlier grids (epoch_000 is the untrained generator, drawn once); a resumed run
        # (initial_epoch, BackupAndRestore) already gets absolute epoch numbers from Keras.
        self._offset = None
        if self._last_epoch == 0 and not os.path.exists(os.path.join(self.out_dir, "epoch_000.png")):
            self.render(0)

    def on_epoch_end(self, epoch, logs=None):
        if self._offset is None:
            self._offset = self._last_epoch if epoch + 1 <= self._last_epoch else 0
        number = epoch + 1 + self._offset
        self._last_epoch = number
        final = self.params.get("epochs") if self.params else None
        if number % self.every == 0 or (final is not None and epoch + 1 == final):
            self.render(number)


class GeneratorEMA(keras.callbacks.Callback):
    """Keep an exponential moving average of the generator's weights, for sampling.

    Averaged weights give smoother, often better samples than the last
    iterate (Yazici et al. 2019; used by ProGAN, BigGAN, StyleGAN). The
    average lives in ``ema_generator``, a copy of G updated after every
    training batch (with ``steps_per_execution = k``, once per block with
    ``decay**k``); BatchNormalization statistics are copied, not averaged.
    Training itself is unchanged. The average is kept by this callback, not
    saved in the GAN's ``.keras`` file: save ``ema_generator`` yourself.

    ```python
    ema = kgan.callbacks.GeneratorEMA(decay=0.999)
    gan.fit(ds, epochs=20, callbacks=[ema])
    ema.ema_generator.save("generator_ema.keras")
    images = ema.generate(64, seed=0)
    ```

    Args:
        decay: weight of the old average per update (0.999: about the last
            1000 updates).
        start: generator updates to wait before averaging (early weights
            are poor; with the default 0 the random initial weights fade as
            ``decay**t``); until then the copy just follows G.
    """

    def __init__(self, decay: float = 0.999, start: int = 0):
        super().__init__()
        if not 0.0 < decay < 1.0:
            raise ValueError(f"decay must be in (0, 1), got {decay}.")
        self.decay, self.start = float(decay), int(start)
        self.ema_generator = None
        self._seen = 0
        self._update = None

    def on_train_begin(self, logs=None):
        generator = self.model.generator
        if self.ema_generator is None:  # a second fit continues the same average
            self.ema_generator = keras.models.clone_model(generator)
            self.ema_generator.set_weights(generator.get_weights())
            self._seen = int(self.model.g_optimizer.iterations.numpy())
        pairs = list(zip(self.ema_generator.weights, generator.weights, strict=True))
        trainable = {id(v) for v in generator.trainable_weights}

        @tf.function
        def update(decay):
            for ema, live in pairs:
                if id(live) in trainable:
                    ema.assign(decay * ema + (1.0 - decay) * live)
                else:
                    ema.assign(live)

        self._update = update

    def on_train_batch_end(self, batch, logs=None):
        # Count G's optimizer updates, not callback calls: with steps_per_execution = k, Keras
        # calls this once per k steps, and the average must still decay once per update.
        iterations = int(self.model.g_optimizer.iterations.numpy())
        steps, self._seen = iterations - self._seen, iterations
        if steps <= 0:
            return
        self._update(tf.constant(0.0 if iterations <= self.start else self.decay ** steps))

    def generate(self, n: int, seed: int = 0) -> np.ndarray:
        """``n`` samples from the averaged generator, with the GAN's latent prior."""
        if self.ema_generator is None:
            raise RuntimeError("GeneratorEMA has no average yet: pass it to fit() first.")
        z = self.model.latent.sample(n, seed=keras.random.SeedGenerator(seed))
        return np.asarray(self.ema_generator(z, training=False))


# ---------------------------------------------------------------------------- reliability
# DivergenceGuard, ModelCheckpoint and BackupAndRestore: a long run must never end with NaN
# weights on disk, lose more than one backup interval of work, or stop without saying why.

def _state_variables(model) -> list:
    """Everything a restore must put back: the networks, the GAN's own state (latent seed,
    term variables) and every optimizer's iterations and slots, without duplicates."""
    found = list(model.weights)
    if hasattr(model, "_state_variables"):  # kgan.GAN: seed state and term variables
        found += list(model._state_variables())
    for name in ("optimizer", "d_optimizer", "g_optimizer"):
        optimizer = getattr(model, name, None)
        if isinstance(optimizer, keras.optimizers.Optimizer):
            found += list(optimizer.variables)
    seen, unique = set(), []
    for variable in found:
        if id(variable) not in seen:
            seen.add(id(variable))
            unique.append(variable)
    return unique


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
        check = tf.function(lambda: tf.stack([tf.reduce_all(tf.math.is_finite(v.value)) for v in variables]),
                            autograph=False)
        cached = _FINITE_CHECKS[model] = (key, check)
    finite = cached[1]().numpy()
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
        model = self.model
        optimizer = getattr(model, "g_optimizer", None) or getattr(model, "optimizer", None)
        if optimizer is None:
            return self._steps_seen
        return int(optimizer.iterations.numpy()) // max(1, getattr(model, "g_steps", 1))

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
        self._read = tf.function(lambda: [tf.identity(v.value) for v in variables], autograph=False)
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
        values = [value.numpy() for value in self._read()]
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
        count = float(metric.count.numpy()) / self.model.distribute_strategy.num_replicas_in_sync
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


class ModelCheckpoint(keras.callbacks.ModelCheckpoint):
    """``keras.callbacks.ModelCheckpoint`` that never writes NaN/inf weights.

    Same arguments as Keras' callback. Before each save, every variable of
    the networks and of both optimizers is checked; a non-finite one skips
    the save with a warning naming it (the previous checkpoint stays), and
    ``skipped`` counts such refusals.

    ```python
    ckpt = kgan.callbacks.ModelCheckpoint("runs/x/gan-{epoch:02d}.keras")
    gan.fit(ds, epochs=10, callbacks=[kgan.callbacks.DivergenceGuard(), ckpt])
    ```
    Put it after a `DivergenceGuard`: the guard restores good weights first.
    """

    def __init__(self, filepath, **kwargs):
        super().__init__(filepath, **kwargs)
        self.skipped = 0

    def _save_model(self, epoch, batch, logs):
        bad = non_finite_variables(self.model)
        if bad:
            self.skipped += 1
            warnings.warn(
                f"kgan.callbacks.ModelCheckpoint: not saving {self._get_file_path(epoch, batch, logs)}: "
                f"{len(bad)} variable(s) hold NaN/inf ({', '.join(bad[:3])}{', ...' if len(bad) > 3 else ''}). "
                "Training diverged; add kgan.callbacks.DivergenceGuard before this callback.", stacklevel=2)
            return
        super()._save_model(epoch, batch, logs)


class BackupAndRestore(keras.callbacks.BackupAndRestore):
    """``keras.callbacks.BackupAndRestore`` that resumes a GAN exactly where the backup left it.

    Kill a run (SIGKILL, preemption, Ctrl-C) and start the same script again:
    training continues from the last backup with G and D, both optimizers'
    iterations and slots, the epoch counter and the GAN's latent seed state
    restored. What Keras' own callback lacks, added here:

    * mid-epoch backups (``save_freq=N`` batches) resume at the next batch of
      that epoch: the batches already trained are read from the data and
      skipped, not trained twice (Keras restarts the epoch);
    * a backup is written to a temporary file and renamed, with the training
      position stored inside the weights file, so a kill during a save
      leaves the previous backup intact and never a weights/epoch mismatch;
    * a backup is never written with NaN/inf weights (a warning instead);
    * a run resumed in a later epoch records that epoch in its own backups
      (Keras would write epoch 0 until the first epoch end).

    ```python
    backup = kgan.callbacks.BackupAndRestore("runs/x/backup", save_freq=100)
    gan.fit(ds, epochs=20, callbacks=[backup])    # run again after a crash: it resumes
    print(backup.resumed_from)                     # {"epoch": 3, "batches_done": 200, ...} or None
    ```

    The state is resumed exactly, so a resumed run ends with the same
    weights as an uninterrupted one when the data order of an epoch does not
    depend on how many epochs this process has run (no shuffle, or
    ``shuffle(..., reshuffle_each_iteration=False)``). tf.data's reshuffling
    is keyed on the iterators this process created, which no checkpoint
    holds: after a resume the order differs (equally random), so the result
    is statistically, not bitwise, the same.

    Args:
        backup_dir: folder of the backup (a local path; used by this run only).
        save_freq: ``"epoch"``, or back up every this many batches.
        double_checkpoint: also keep the previous backup (``*.bkp``), used
            if the latest cannot be read.
        delete_checkpoint: delete the backup when ``fit`` ends.
        verbose: print a line when resuming.

    After ``on_train_begin``, ``resumed_from`` is the position resumed from
    (``{"epoch": completed epochs, "batches_done": ..., "step": ...}``) or None.
    """

    _METADATA_ATTR = "kgan_training_metadata"

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False, delete_checkpoint=True,
                 verbose: bool = True):
        super().__init__(os.fspath(backup_dir), save_freq=save_freq, double_checkpoint=double_checkpoint,
                         delete_checkpoint=delete_checkpoint)
        self.verbose = verbose
        self.resumed_from = None
        self.skipped_backups = 0
        self._batches_done = 0
        self._to_skip = 0
        self._skipped_call = False
        self._original_train_function = None

    @classmethod
    def read_position(cls, backup_dir) -> dict | None:
        """The training position stored in ``backup_dir``'s backup (None if there is none):
        ``{"epoch": completed epochs, "batches_done": batches of the next epoch, "step": ...}``."""
        path = os.path.join(os.fspath(backup_dir), "latest.weights.h5")
        if not os.path.exists(path):
            return None
        import h5py

        with h5py.File(path, "r") as f:
            text = f.attrs.get(cls._METADATA_ATTR)
        if text is None:  # written by keras.callbacks.BackupAndRestore: the json file
            meta_path = os.path.join(os.fspath(backup_dir), "training_metadata.json")
            if not os.path.exists(meta_path):
                return {"epoch": 0, "batches_done": 0, "step": None}
            with open(meta_path) as f:
                meta = json.load(f)
            return {"epoch": int(meta.get("epoch", 0)), "batches_done": 0, "step": None}
        return json.loads(text)

    # -------------------------------------------------------------- restore
    def _load_model(self):
        super()._load_model()  # weights, both optimizers, seed state; the epoch from the json file
        position = self.read_position(self.backup_dir)
        if position is None:
            return
        self.model._initial_epoch = self._current_epoch = int(position["epoch"])
        self._to_skip = int(position.get("batches_done", 0))
        self.resumed_from = position

    def on_train_begin(self, logs=None):
        self.resumed_from, self._to_skip, self._batches_done = None, 0, 0
        super().on_train_begin(logs)
        if self.resumed_from is None:
            return
        steps = (self.params or {}).get("steps")
        if steps and self._to_skip >= steps:  # backed up after an epoch's last batch: start the next epoch
            self.model._initial_epoch = self._current_epoch = self._current_epoch + 1
            self._to_skip = 0
        if self.verbose:
            within = f", batch {self._to_skip}" if self._to_skip else ""
            step = f" (step {self.resumed_from['step']})" if self.resumed_from.get("step") is not None else ""
            print(f"kgan: resumed from the backup in {self.backup_dir}: epoch {self._current_epoch + 1}{within}{step}.")
        if self._to_skip:
            self._install_skip()

    def _install_skip(self):
        """Wrap ``model.train_function`` so the first calls only read (and drop) the batches the
        backed-up run had already trained in this epoch; then put the original back."""
        model, original = self.model, self.model.train_function
        block = int(model.steps_per_execution or 1)
        self._original_train_function = original

        def skip_or_train(iterator):
            if self._to_skip <= 0:
                self._skipped_call = False
                return original(iterator)
            for _ in range(min(block, self._to_skip)):
                next(iterator)
            self._to_skip -= block
            self._skipped_call = True
            if self._to_skip <= 0:
                self._uninstall_skip()
            return {m.name: m.result() for m in model.metrics}

        model.train_function = skip_or_train

    def _uninstall_skip(self):
        if self._original_train_function is not None:
            self.model.train_function = self._original_train_function
            self._original_train_function = None

    # -------------------------------------------------------------- backup
    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch
        self._batches_done = 0

    def on_train_batch_end(self, batch, logs=None):
        self._batches_done = batch + 1
        if self._skipped_call:  # nothing was trained: nothing new to back up
            self._skipped_call = False
            self._last_batch_seen = batch
            return
        super().on_train_batch_end(batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        steps = (self.params or {}).get("steps")
        finished = not self.model.stop_training or steps is None or self._batches_done >= steps
        self._batches_done = 0
        if not finished:
            # Stopped mid-epoch (e.g. by DivergenceGuard, which may have put back an older state):
            # recording this epoch as done would make a re-run skip it. The last backup stays.
            return
        super().on_epoch_end(epoch, logs)

    def _save_model(self):
        bad = non_finite_variables(self.model)
        if bad:
            self.skipped_backups += 1
            warnings.warn(f"kgan.callbacks.BackupAndRestore: not backing up: {len(bad)} variable(s) hold NaN/inf "
                          f"({', '.join(bad[:3])}); the previous backup stays.", stacklevel=2)
            return
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint:
            for path, previous in ((self._weights_path, self._prev_weights_path),
                                   (self._training_metadata_path, self._prev_training_metadata_path)):
                if os.path.exists(path):
                    shutil.copyfile(path, previous)
        model = self.model
        optimizer = getattr(model, "g_optimizer", None) or getattr(model, "optimizer", None)
        step = None if optimizer is None else int(optimizer.iterations.numpy()) // max(1, getattr(model, "g_steps", 1))
        position = {"epoch": self._current_epoch, "batches_done": self._batches_done, "step": step}
        # Write-then-rename: a kill during the save leaves the old backup whole. The position
        # travels inside the weights file, so weights and position can never disagree.
        incoming = os.path.join(self.backup_dir, "incoming.weights.h5")
        model.save_weights(incoming, overwrite=True)
        import h5py

        with h5py.File(incoming, "a") as f:
            f.attrs[self._METADATA_ATTR] = json.dumps(position)
        os.replace(incoming, self._weights_path)
        incoming = self._training_metadata_path + ".incoming"
        with open(incoming, "w") as f:  # for keras.callbacks.BackupAndRestore readers
            json.dump({"epoch": self._current_epoch, "batch": self._last_batch_seen}, f)
        os.replace(incoming, self._training_metadata_path)

    def on_train_end(self, logs=None):
        self._uninstall_skip()
        super().on_train_end(logs)
        # Keras leaves the resumed epoch on the model: a later fit() would silently start there.
        self.model._initial_epoch = None
