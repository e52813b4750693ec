"""How a `kgan.GAN` saves and loads: its config, its compile config, and its own variables.

Keras restores a custom ``compile`` signature only through ``get_compile_config`` /
``compile_from_config``, and saves neither a SeedGenerator's state nor a term's variables:
this mixin covers all three, so ``gan.save("x.keras")`` and ``keras.models.load_model`` round-trip
with both optimizers' state and continue the same random stream.
"""

from __future__ import annotations

import keras

from kgan import _keras_private


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
        own = _keras_private.own_variables(self)
        return own + [self.seed_generator.state] + [v for t in self.terms for v in t.variables]

    def save_own_variables(self, store):
        for i, v in enumerate(self._state_variables()):
            store[str(i)] = v

    def load_own_variables(self, store):
        variables = self._state_variables()
        if len(store.keys()) != len(variables):
            raise ValueError(
                f"The saved GAN has {len(store.keys())} own variables (latent seed state and "
                f"term state) but this one has {len(variables)}: compile it with the same terms "
                "before loading weights."
            )
        for i, v in enumerate(variables):
            v.assign(store[str(i)])

    @classmethod
    def from_file(cls, path, **kwargs):
        """Load a GAN saved with ``gan.save(path)``; a clear error if it is something else."""
        model = keras.models.load_model(path, **kwargs)
        if not isinstance(model, cls):
            raise TypeError(f"{path} holds a {type(model).__name__}, not a kgan GAN.")
        return model
