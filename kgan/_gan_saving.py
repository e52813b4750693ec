"""How a `kgan.GAN` saves and loads: its config, its compile config, and its own variables.

Keras restores a custom ``compile`` signature only through ``get_compile_config`` /
``compile_from_config``, and saves neither a SeedGenerator's state nor a term's variables:
this mixin covers all three, so ``gan.save("x.keras")`` and ``keras.models.load_model`` round-trip
with both optimizers' state and continue the same random stream. ``save``/``save_weights`` are
atomic (`kgan._atomic`): a kill or a full disk mid-save leaves the previous file intact.
"""

from __future__ import annotations

import os

import keras

from kgan import _atomic, _keras_private


def _local(filepath, suffix) -> bool:
    """A local file path Keras would write in one piece (not hf://, gs://, a file object or a folder)."""
    return isinstance(filepath, (str, os.PathLike)) and "://" not in os.fspath(filepath) and \
        os.fspath(filepath).endswith(suffix)


class SavingMixin:
    """The saving half of `kgan.GAN` (mixed into the class; not used on its own)."""

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "latent": keras.saving.serialize_keras_object(self.latent),
            "seed": self.seed,
            "recipe": self.recipe,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        for key in ("generator", "discriminator", "latent"):
            config[key] = keras.saving.deserialize_keras_object(config[key], custom_objects=custom_objects)
        return cls(**config)

    def get_compile_config(self):
        if not self.compiled:
            return None
        ser = keras.saving.serialize_keras_object
        return {
            "d_optimizer": ser(self.d_optimizer),
            "g_optimizer": ser(self.g_optimizer),
            "loss": ser(self.loss_fn),
            "terms": [ser(t) for t in self.terms],
            "d_steps": self.d_steps,
            "g_steps": self.g_steps,
            "ema": None if self.ema is None else self.ema.decay,
            **self._compile_kwargs,
        }

    def compile_from_config(self, config):
        des = keras.saving.deserialize_keras_object
        config = dict(config)
        config["d_optimizer"] = des(config["d_optimizer"])
        config["g_optimizer"] = des(config["g_optimizer"])
        config["loss"] = des(config["loss"])
        config["terms"] = [des(t) for t in config.get("terms", [])]
        self.compile(**config)

    def _state_variables(self):
        # Keras saves neither a SeedGenerator's state nor objects it does not track (terms);
        # both must survive save/load and BackupAndRestore so a resumed run draws what it would have.
        # The averaged generator (compile(ema=...)) is not a tracked layer either: its weights go here.
        own = _keras_private.own_variables(self)
        ema = [] if self.ema is None else self.ema.variables
        return own + [self.seed_generator.state] + [v for t in self.terms for v in t.variables] + ema

    def save_own_variables(self, store):
        for i, v in enumerate(self._state_variables()):
            store[str(i)] = v

    def load_own_variables(self, store):
        variables = self._state_variables()
        if len(store.keys()) != len(variables):
            raise ValueError(
                f"The saved GAN has {len(store.keys())} own variables (latent seed state, term state "
                f"and the averaged generator) but this one has {len(variables)}: compile it with the "
                "same terms and ema= before loading weights."
            )
        for i, v in enumerate(variables):
            v.assign(store[str(i)])

    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        """``keras.Model.save``, made atomic: written to a hidden temporary ``.keras`` in the same
        folder, then renamed. A kill or a full disk mid-save leaves the previous file as it was;
        a disk too full for the save raises `kgan.DiskFullError` before anything is written.

        ```python
        gan.save("runs/x/gan.keras")      # runs/x/.gan.keras.tmp-<pid>-<id>.keras while writing
        ```
        """
        if _local(filepath, ".keras") and zipped in (None, True) and (overwrite or not os.path.exists(filepath)):
            _atomic.save_model(self, filepath, zipped=zipped, **kwargs)
            return
        super().save(filepath, overwrite=overwrite, zipped=zipped, **kwargs)

    def save_weights(self, filepath, overwrite=True, max_shard_size=None):
        """``keras.Model.save_weights``, atomic like `save` for a single ``.weights.h5`` file."""
        if _local(filepath, ".weights.h5") and max_shard_size is None and (overwrite or not os.path.exists(filepath)):
            _atomic.save_weights(self, filepath)
            return
        super().save_weights(filepath, overwrite=overwrite, max_shard_size=max_shard_size)

    @classmethod
    def from_file(cls, path, **kwargs):
        """Load a GAN saved with ``gan.save(path)``; a clear error if it is something else.

        A truncated or non-zip ``.keras`` file raises `kgan.CorruptFileError` (a ValueError)
        saying so, where Keras would say "File not found".
        """
        path = os.fspath(path)
        if os.path.isdir(path):
            inside = os.path.join(path, "gan.keras")
            hint = f"load {inside}" if os.path.isfile(inside) else "pass the gan.keras file saved by gan.save"
            raise ValueError(f"{path} is a folder, not a saved GAN: {hint}.")
        if path.endswith((".h5", ".hdf5")):
            raise ValueError(f"{path} is an HDF5 file (weights or a legacy Keras model): a kgan GAN is saved as a "
                             ".keras file with gan.save('gan.keras'). For weights, build the GAN and call "
                             "gan.load_weights(path).")
        _atomic.check_keras_file(path)
        model = keras.models.load_model(path, **kwargs)
        if not isinstance(model, cls):
            raise TypeError(f"{path} holds a {type(model).__name__}, not a kgan GAN.")
        return model
