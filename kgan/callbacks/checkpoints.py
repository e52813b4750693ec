"""Checkpoint callbacks: Keras' ModelCheckpoint and BackupAndRestore, made safe for GANs.

Neither ever writes NaN/inf weights, and both write atomically (a temporary file, then a
rename): a kill or a full disk mid-save leaves the previous checkpoint whole, and a full disk
is a warning, not the end of the run. ``BackupAndRestore`` also resumes a killed run exactly
where its last backup left it, mid-epoch included. Both reach the
Keras-private hooks they extend through ``kgan._keras_private``.

```python
backup = kgan.callbacks.BackupAndRestore("runs/x/backup", save_freq=100)
ckpt = kgan.callbacks.ModelCheckpoint("runs/x/gan-{epoch:02d}.keras")
gan.fit(ds, epochs=20, callbacks=[kgan.callbacks.DivergenceGuard(), backup, ckpt])
```
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import warnings

import keras

from kgan import _atomic, _keras_private
from kgan.callbacks._state import training_steps
from kgan.callbacks.guard import non_finite_variables

__all__ = ["BackupAndRestore", "ModelCheckpoint"]


class ModelCheckpoint(_keras_private.ModelCheckpointHooks):
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

    Each file is written to a hidden temporary name beside it and then renamed, so a kill
    mid-save never leaves a half-written checkpoint under a real name (nor destroys the one
    it replaces). A disk too full for a save skips it with a warning (``skipped`` counts it
    too) and training goes on.
    """

    def __init__(self, filepath, **kwargs):
        super().__init__(filepath, **kwargs)
        self.skipped = 0

    def save_checkpoint(self, epoch, batch, logs):
        bad = non_finite_variables(self.model)
        if bad:
            self.skipped += 1
            warnings.warn(  # stacklevel 3: the Keras code that asked for the save, past the adapter
                f"kgan.callbacks.ModelCheckpoint: not saving {self.checkpoint_path(epoch, batch, logs)}: "
                f"{len(bad)} variable(s) hold NaN/inf ({', '.join(bad[:3])}{', ...' if len(bad) > 3 else ''}). "
                "Training diverged; add kgan.callbacks.DivergenceGuard before this callback.", stacklevel=3)
            return
        try:
            with _atomic_saves(self.model):  # Keras calls model.save/save_weights: make both atomic
                super().save_checkpoint(epoch, batch, logs)
        except _atomic.DiskFullError as err:
            self.skipped += 1
            warnings.warn(f"kgan.callbacks.ModelCheckpoint: {err}", stacklevel=3)


@contextlib.contextmanager
def _atomic_saves(model):
    """Route ``model.save``/``model.save_weights`` through `kgan._atomic` for the duration (any
    keras.Model, not only a GAN, whose own methods are atomic already)."""
    model.save = lambda filepath, overwrite=True, **kw: _atomic.save_model(model, filepath, **kw)
    model.save_weights = lambda filepath, overwrite=True, **kw: (
        _atomic.save_weights(model, filepath, **kw) if str(filepath).endswith(".weights.h5") and
        kw.get("max_shard_size") is None else type(model).save_weights(model, filepath, overwrite, **kw))
    try:
        yield
    finally:
        del model.save, model.save_weights


class BackupAndRestore(_keras_private.BackupAndRestoreHooks):
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
      a disk too full for a backup skips it with a warning (the previous
      backup stays) instead of crashing inside h5py;
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
    def load_backup(self):
        try:
            super().load_backup()  # weights, both optimizers, seed state; the epoch from the json file
        except (ValueError, KeyError, TypeError) as err:  # Keras: "A total of 6 objects could not be loaded"
            raise ValueError(
                f"{self.backup_dir} holds a backup of another model or other settings: its weights do not fit "
                f"this GAN (Keras: {str(err).split('.')[0][:100]}). Resume with the interrupted run's networks and "
                "compile() arguments, or start over: delete the folder or give BackupAndRestore another one."
            ) from None
        position = self.read_position(self.backup_dir)
        if position is None:
            return
        self.current_epoch = int(position["epoch"])
        _keras_private.set_initial_epoch(self.model, self.current_epoch)
        self._to_skip = int(position.get("batches_done", 0))
        self.resumed_from = position

    def on_train_begin(self, logs=None):
        self.resumed_from, self._to_skip, self._batches_done = None, 0, 0
        _atomic.make_folder(self.backup_dir)  # a file in the way fails now, not at the first backup
        super().on_train_begin(logs)
        if self.resumed_from is None:
            return
        steps = (self.params or {}).get("steps")
        if steps and self._to_skip >= steps:  # backed up after an epoch's last batch: start the next epoch
            self.current_epoch += 1
            _keras_private.set_initial_epoch(self.model, self.current_epoch)
            self._to_skip = 0
        if self.verbose:
            within = f", batch {self._to_skip}" if self._to_skip else ""
            step = f" (step {self.resumed_from['step']})" if self.resumed_from.get("step") is not None else ""
            print(f"kgan: resumed from the backup in {self.backup_dir}: epoch {self.current_epoch + 1}{within}{step}.")
        if self._to_skip:
            self._install_skip()

    def _install_skip(self):
        """Wrap ``model.train_function`` so the first calls only read (and drop) the batches the
        backed-up run had already trained in this epoch; then put the original back."""
        model, original = self.model, self.model.train_function
        block = int(model.steps_per_execution or 1)
        self._original_train_function = original

        def skip_or_train(*args):  # (iterator), or (state, iterator) -> (logs, state) on JAX
            if self._to_skip <= 0:
                self._skipped_call = False
                return original(*args)
            for _ in range(min(block, self._to_skip)):
                next(args[-1])
            self._to_skip -= block
            self._skipped_call = True
            if self._to_skip <= 0:
                self._uninstall_skip()
            if len(args) == 1:
                return {m.name: m.result() for m in model.metrics}
            state = args[0]  # JAX: the variables live in the state; the metrics are its last group
            with keras.StatelessScope(state_mapping=list(zip(model.metrics_variables, state[-1], strict=True))):
                return {m.name: m.result() for m in model.metrics}, state

        model.train_function = skip_or_train

    def _uninstall_skip(self):
        if self._original_train_function is not None:
            self.model.train_function = self._original_train_function
            self._original_train_function = None

    # -------------------------------------------------------------- backup
    def on_epoch_begin(self, epoch, logs=None):
        self.current_epoch = epoch
        self._batches_done = 0

    def on_train_batch_end(self, batch, logs=None):
        self._batches_done = batch + 1
        if self._skipped_call:  # nothing was trained: nothing new to back up
            self._skipped_call = False
            self.last_batch_seen = batch  # so Keras' save_freq count skips it too
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

    def save_backup(self):
        bad = non_finite_variables(self.model)
        if bad:
            self.skipped_backups += 1
            warnings.warn(f"kgan.callbacks.BackupAndRestore: not backing up: {len(bad)} variable(s) hold NaN/inf "
                          f"({', '.join(bad[:3])}); the previous backup stays.", stacklevel=3)
            return
        try:
            self._write_backup()
        except _atomic.DiskFullError as err:
            self.skipped_backups += 1
            warnings.warn(f"kgan.callbacks.BackupAndRestore: not backing up: {err}", stacklevel=3)

    def _write_backup(self):
        import h5py
        import keras

        _atomic.make_folder(self.backup_dir)
        with contextlib.suppress(FileNotFoundError):  # left by a kill in kgan <= 0.1's non-atomic backup
            os.remove(os.path.join(self.backup_dir, "incoming.weights.h5"))
        if self.double_checkpoint:
            for path, previous in ((self.weights_path, self.previous_weights_path),
                                   (self.metadata_path, self.previous_metadata_path)):
                if os.path.exists(path):
                    with _atomic.atomic_path(previous, need=os.path.getsize(path)) as tmp:
                        shutil.copyfile(path, tmp)
        model = self.model
        position = {"epoch": self.current_epoch, "batches_done": self._batches_done, "step": training_steps(model)}
        # Write-then-rename: a kill during the save leaves the old backup whole. The position
        # travels inside the weights file, so weights and position can never disagree.
        with _atomic.atomic_path(self.weights_path, need=_atomic.bytes_needed(model, self.weights_path)) as tmp:
            keras.saving.save_weights(model, tmp)
            with h5py.File(tmp, "a") as f:
                f.attrs[self._METADATA_ATTR] = json.dumps(position)
        _keras_private.cache_saving_skipsets()  # Keras 3.15 leaks ~70 KB per optimizer per save otherwise
        _atomic.atomic_write_text(  # for keras.callbacks.BackupAndRestore readers
            self.metadata_path, json.dumps({"epoch": self.current_epoch, "batch": self.last_batch_seen}))

    def on_train_end(self, logs=None):
        self._uninstall_skip()
        super().on_train_end(logs)
        # Keras leaves the resumed epoch on the model: a later fit() would silently start there.
        _keras_private.set_initial_epoch(self.model, None)
