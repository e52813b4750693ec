"""Every private Keras name kgan relies on, in one place.

Keras keeps some of what kgan needs behind underscore names: the hook methods
its checkpoint callbacks call, their file paths and counters, and the epoch a
resumed ``fit`` starts at. Those names can change in any Keras release without
notice. kgan code does not touch them directly: it calls the functions and
subclasses the base classes below, which turn each private hook into a clearly
named kgan one. ``PRIVATE_NAMES`` lists every name used, and
``tests/test_keras_private.py`` checks each row against the installed Keras
(it exists, its parameters, and that Keras still reads or calls it where kgan
relies on that), so an upgrade that breaks one fails that test loudly instead
of training or resuming wrongly.

The names, and why kgan needs them:

- ``keras.Model._initial_epoch``: the epoch ``fit`` starts at, read right after
  ``on_train_begin``; ``BackupAndRestore`` sets it to resume in the right epoch
  and clears it at the end (Keras leaves it set: a later ``fit`` would start there).
- ``keras.callbacks.ModelCheckpoint._save_model``: the hook that saves; kgan's
  ``ModelCheckpoint`` wraps it to refuse NaN/inf weights.
- ``keras.callbacks.ModelCheckpoint._get_file_path``: the file a save would
  write, named in the warning when a save is refused.
- ``keras.callbacks.BackupAndRestore._load_model``: the hook that restores a
  backup; kgan's version also reads the training position (epoch, batch).
- ``keras.callbacks.BackupAndRestore._save_model``: the hook that writes a
  backup; kgan's version writes atomically, with the position inside the
  weights file, and never writes NaN/inf weights.
- ``keras.callbacks.BackupAndRestore._current_epoch``: the epoch a backup
  records (Keras sets it to ``epoch + 1`` at an epoch end, before saving).
- ``keras.callbacks.BackupAndRestore._last_batch_seen``: Keras' batch counter
  for ``save_freq=N``; a batch kgan skips on resume must not count as trained.
- ``keras.callbacks.BackupAndRestore._weights_path``: the backup's weights
  file, which kgan writes (atomically) and Keras restores from.
- ``keras.callbacks.BackupAndRestore._training_metadata_path``: Keras' json of
  the backed-up epoch, still written for readers of Keras' format.
- ``keras.callbacks.BackupAndRestore._prev_weights_path`` and
  ``keras.callbacks.BackupAndRestore._prev_training_metadata_path``: their
  ``double_checkpoint`` copies, which Keras falls back to.

The engine's and the data checks' (no hooks: plain functions below):

- ``keras.layers.Layer._flatten_layers``: every nested layer, as Keras walks
  them (batch-dependent layers in D, VBN layers, BatchNorm inputs).
- ``keras.KerasTensor._keras_history``: the layer that produced a symbolic
  tensor, to walk back from G's output to its final activation (range checks).
- ``keras.layers.Layer._inbound_nodes``: a layer's inputs inside a functional
  graph (the same walk, through Reshape/Flatten).
- ``keras.layers.Layer._trainable_variables`` and
  ``keras.layers.Layer._non_trainable_variables``: the variables a GAN tracks
  itself (not its sub-models'), saved by ``GAN.save_own_variables``.
- ``tensorflow.distribute.MultiWorkerMirroredStrategy.extended._in_multi_worker_mode``:
  whether a multi-worker strategy really spans several workers (one worker
  behaves like MirroredStrategy, whose step outputs Keras reduces differently).

The saving workaround (a plain function below):

- ``keras.src.saving.saving_lib.get_attr_skipset``: Keras 3.15 caches its result
  under one key and looks it up under another, so every save (and load) builds
  fresh reference objects, an ``Optimizer`` among them, each keeping ~70 KB of
  native memory: ~140 KB per save of a GAN. ``cache_saving_skipsets`` files
  what Keras computed under the key it reads.

To use another private name: add a row to ``PRIVATE_NAMES`` and a line above,
and reach it through a function or base class here (the test checks the line).

```python
from kgan import _keras_private

_keras_private.set_initial_epoch(model, 3)          # fit() starts at epoch 3

class MyBackup(_keras_private.BackupAndRestoreHooks):
    def save_backup(self):                          # Keras: _save_model
        print("backing up epoch", self.current_epoch)
        super().save_backup()
```
"""

from __future__ import annotations

import dataclasses

import keras

__all__ = ["PRIVATE_NAMES", "BackupAndRestoreHooks", "ModelCheckpointHooks", "PrivateName", "cache_saving_skipsets",
           "flatten_layers",
           "in_multi_worker_mode", "keras_history", "node_inputs", "own_variables", "set_initial_epoch"]


@dataclasses.dataclass(frozen=True)
class PrivateName:
    """One private Keras name kgan relies on (a row the test checks).

    Attributes:
        owner: the Keras class, as its public dotted path (``"keras.Model"``).
        name: the private attribute or method.
        why: what kgan needs it for (shown when the check fails).
        params: for a method, its parameter names, ``self`` included; Keras
            calls some hooks with keywords, so names matter, not just arity.
        instance: the attribute is set in ``__init__``: look for it on an
            instance, not on the class.
        used_in: the owner's methods whose source must still mention ``name``:
            where Keras calls the hook kgan overrides or reads the attribute
            kgan sets; a name that still exists but is no longer read is as
            broken as a missing one.
    """

    owner: str
    name: str
    why: str
    params: tuple[str, ...] | None = None
    instance: bool = False
    used_in: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.owner}.{self.name}"


_MC, _BR = "keras.callbacks.ModelCheckpoint", "keras.callbacks.BackupAndRestore"

PRIVATE_NAMES: tuple[PrivateName, ...] = (
    PrivateName("keras.Model", "_initial_epoch", instance=True, used_in=("fit",),
                why="the epoch fit() starts at, read after on_train_begin: a resumed run starts in its backup's epoch"),
    PrivateName(_MC, "_save_model", params=("self", "epoch", "batch", "logs"),
                used_in=("on_epoch_end", "on_train_batch_end"),
                why="the save hook kgan.callbacks.ModelCheckpoint wraps to refuse NaN/inf weights"),
    PrivateName(_MC, "_get_file_path", params=("self", "epoch", "batch", "logs"),
                why="the file a refused save would have written, for the warning"),
    PrivateName(_BR, "_load_model", params=("self",), used_in=("on_train_begin",),
                why="the restore hook kgan.callbacks.BackupAndRestore extends to read the training position"),
    PrivateName(_BR, "_save_model", params=("self",), used_in=("on_epoch_end", "on_train_batch_end"),
                why="the backup hook kgan replaces: atomic write, position inside the weights file, no NaN/inf"),
    PrivateName(_BR, "_current_epoch", instance=True, used_in=("on_epoch_end",),
                why="the epoch a backup records; Keras sets it to epoch + 1 at an epoch end, before saving"),
    PrivateName(_BR, "_last_batch_seen", instance=True, used_in=("_should_save_on_batch",),
                why="Keras' batch counter for save_freq=N: batches skipped on resume must not count"),
    PrivateName(_BR, "_weights_path", instance=True, used_in=("on_train_begin",),
                why="the backup weights file kgan writes and Keras restores from"),
    PrivateName(_BR, "_prev_weights_path", instance=True, used_in=("on_train_begin",),
                why="the double_checkpoint copy Keras falls back to"),
    PrivateName(_BR, "_training_metadata_path", instance=True, used_in=("on_train_begin",),
                why="Keras' json of the backed-up epoch, kept for readers of Keras' format"),
    PrivateName(_BR, "_prev_training_metadata_path", instance=True, used_in=("on_train_begin",),
                why="the double_checkpoint copy of that json"),
    PrivateName("keras.layers.Layer", "_flatten_layers", params=("self", "include_self", "recursive"),
                why="every nested layer: batch-dependent layers in D, VBN layers, BatchNorm inputs"),
    PrivateName("keras.KerasTensor", "_keras_history", instance=True,
                why="the layer that produced a symbolic tensor: the walk from G's output to its activation"),
    PrivateName("keras.layers.Layer", "_inbound_nodes", instance=True,
                why="a layer's inputs in a functional graph: the same walk through Reshape/Flatten"),
    PrivateName("keras.layers.Layer", "_trainable_variables", instance=True,
                why="the variables a GAN tracks itself (seed and term state), saved with it"),
    PrivateName("keras.layers.Layer", "_non_trainable_variables", instance=True,
                why="the same, non-trainable"),
    PrivateName("keras.src.saving.saving_lib", "get_attr_skipset", params=("obj_type",),
                why="its cache-key typo leaks ~70 KB per optimizer per save; cache_saving_skipsets fixes the cache"),
    PrivateName("tensorflow.distribute.MultiWorkerMirroredStrategy.extended", "_in_multi_worker_mode",
                instance=True, why="whether a multi-worker strategy spans several workers"),
)


def flatten_layers(model, include_self: bool = True) -> list:
    """Every layer nested in ``model`` (recursively), itself included by default, as Keras walks them."""
    return list(model._flatten_layers(include_self=include_self))


def keras_history(tensor):
    """``(layer, node_index, tensor_index)`` that produced a symbolic KerasTensor."""
    return tensor._keras_history


def node_inputs(layer, node_index: int):
    """The symbolic input tensors of ``layer``'s call number ``node_index`` in a functional graph."""
    return layer._inbound_nodes[node_index].input_tensors


def own_variables(layer) -> list:
    """The variables a layer tracks itself, without those of its sub-layers and sub-models."""
    return list(layer._trainable_variables) + list(layer._non_trainable_variables)


def in_multi_worker_mode(strategy) -> bool:
    """Whether a MultiWorkerMirroredStrategy really spans several workers."""
    return strategy.extended._in_multi_worker_mode()


_SKIPSET_TYPES = ("Operation", "Layer", "Functional", "Sequential", "Metric", "Optimizer", "Loss", "Cross", "Feature")


def cache_saving_skipsets() -> None:
    """Make Keras' per-save attribute skip sets cached, as Keras meant (call after a save or load).

    Keras 3.15's ``saving_lib.get_attr_skipset`` stores its result under
    ``saving_attr_skipset_<type>`` but looks it up under ``saving_attr_skiplist_<type>``:
    it never hits, and every save builds a reference ``Optimizer(1.0)`` (and Layer,
    Metric, Loss) again, each keeping ~70 KB of native memory (RSS +141 KB per save
    of a GAN with two optimizers, measured). Filing the computed sets under the key
    Keras reads stops that; a no-op once Keras fixes the typo or renames the keys.
    """
    from keras.src.backend.common import global_state

    for obj_type in _SKIPSET_TYPES:
        computed = global_state.get_global_attribute(f"saving_attr_skipset_{obj_type}")
        if computed is not None and global_state.get_global_attribute(f"saving_attr_skiplist_{obj_type}") is None:
            global_state.set_global_attribute(f"saving_attr_skiplist_{obj_type}", computed)


# ---------------------------------------------------------------------------- keras.Model

def set_initial_epoch(model, epoch: int | None) -> None:
    """Make ``fit`` start at ``epoch`` (None: at its ``initial_epoch`` argument).

    Keras reads ``model._initial_epoch`` once, after the callbacks'
    ``on_train_begin``: set it there to move the start of the current ``fit``.
    """
    model._initial_epoch = epoch


# ---------------------------------------------------------------------------- callbacks

class ModelCheckpointHooks(keras.callbacks.ModelCheckpoint):
    """``keras.callbacks.ModelCheckpoint`` whose private save hook is ``save_checkpoint``.

    Override ``save_checkpoint`` and call ``super().save_checkpoint(...)`` for
    Keras' own save (which still applies ``save_best_only`` and the rest).
    """

    def _save_model(self, epoch, batch, logs):  # called by Keras (keywords), see PRIVATE_NAMES
        self.save_checkpoint(epoch, batch, logs)

    def save_checkpoint(self, epoch, batch, logs):
        """Save now, if Keras' settings say so (Keras: ``_save_model``)."""
        super()._save_model(epoch, batch, logs)

    def checkpoint_path(self, epoch, batch, logs) -> str:
        """The file a save at this point writes (Keras: ``_get_file_path``)."""
        return self._get_file_path(epoch, batch, logs)


class BackupAndRestoreHooks(keras.callbacks.BackupAndRestore):
    """``keras.callbacks.BackupAndRestore`` with its private hooks and state under kgan names.

    ``load_backup``/``save_backup`` are Keras' ``_load_model``/``_save_model``;
    ``current_epoch`` and ``last_batch_seen`` its counters; the ``*_path``
    properties its backup files.
    """

    def _load_model(self):  # called by Keras' on_train_begin
        self.load_backup()

    def load_backup(self):
        """Restore the weights and optimizer state from the backup, and the start epoch."""
        super()._load_model()

    def _save_model(self):  # called by Keras at epoch ends and every save_freq batches
        self.save_backup()

    def save_backup(self):
        """Write a backup of the weights and the epoch."""
        super()._save_model()

    @property
    def current_epoch(self) -> int:
        """The epoch a backup records (after an epoch end: the next one)."""
        return self._current_epoch

    @current_epoch.setter
    def current_epoch(self, epoch: int) -> None:
        self._current_epoch = epoch

    @property
    def last_batch_seen(self):
        """Keras' index of the last batch it counted towards ``save_freq``."""
        return self._last_batch_seen

    @last_batch_seen.setter
    def last_batch_seen(self, batch) -> None:
        self._last_batch_seen = batch

    @property
    def weights_path(self) -> str:
        return self._weights_path

    @property
    def previous_weights_path(self) -> str:
        return self._prev_weights_path

    @property
    def metadata_path(self) -> str:
        return self._training_metadata_path

    @property
    def previous_metadata_path(self) -> str:
        return self._prev_training_metadata_path
