"""InfoGAN's mutual-information term (Chen et al. 2016)."""

from __future__ import annotations

import math

import keras
from keras import ops

from kgan._nets import CONTINUOUS_LOGVAR, CONTINUOUS_MEAN, categorical_key  # noqa: F401 (names of Q's outputs)
from kgan.terms.base import Step, Term

_LOG_2PI = math.log(2.0 * math.pi)


@keras.saving.register_keras_serializable(package="kgan")
class MutualInformation(Term):
    """The variational lower bound on I(c; G(z, c)), added to both the D/Q and the G loss.

    Value (minimised) = ``categorical_weight * sum_i (CE_i - log K_i)
    + continuous_weight * sum_j (NLL_j - log 2)``: the cross-entropy of Q's
    categorical predictions and the Gaussian negative log-likelihood of its
    continuous predictions on generated images, minus the codes' entropy.
    So the reported value is minus the lower bound L_I: for categorical codes
    it falls to ``-H(c)`` (``-log 10`` for one 10-way code) when Q recovers
    them; a continuous code with Q's unit variance contributes at least
    ``0.5 log(2 pi) - log 2 ~ 0.23`` (times its weight) even when recovered.

    Q is part of D (`kgan.nets.with_code_head`), so the D-phase value trains Q
    with the discriminator's optimizer; the G-phase value pushes G to make its
    codes recoverable.

    Weights: the paper uses 1 for categorical codes and "smaller" for
    continuous ones; with Q's unit-variance Gaussian (the InfoGAN reference
    code), ``continuous_weight=0.1`` keeps the continuous part from dominating
    the categorical one and the adversarial loss (a common choice in public
    re-implementations); raise it if continuous codes are ignored.

    ```python
    code = kgan.latent.InfoCode(noise=62, categorical=[10], continuous=2)
    gan = kgan.GAN(G, kgan.nets.with_code_head(D, code), latent=code)
    gan.compile(terms=[kgan.terms.MutualInformation(code)])    # reports mutual_information_d/_g
    ```
    """

    def __init__(self, code, categorical_weight: float = 1.0, continuous_weight: float = 0.1, weight: float = 1.0,
                 name: str | None = None):
        super().__init__(weight=weight, name=name)
        from kgan import latent as latent_lib

        self.code = code if isinstance(code, latent_lib.InfoCode) else latent_lib.get(code)
        if not isinstance(self.code, latent_lib.InfoCode):
            raise TypeError(f"MutualInformation needs a kgan.latent.InfoCode, got {self.code!r}.")
        self.categorical_weight = float(categorical_weight)
        self.continuous_weight = float(continuous_weight)

    def build(self, gan):
        if gan.latent.get_config() != self.code.get_config():
            raise ValueError(f"MutualInformation's code {self.code!r} is not the GAN's latent prior {gan.latent!r}.")
        keys = gan.discriminator_output_keys()
        needed = [categorical_key(i) for i in range(len(self.code.categorical))]
        needed += [CONTINUOUS_MEAN] if self.code.continuous else []
        missing = [k for k in needed if keys is not None and k not in keys]
        if missing:
            raise ValueError(
                f"The discriminator has no Q outputs {missing}: wrap it with kgan.nets.with_code_head(D, code)."
            )

    def _value(self, step: Step):
        parts = self.code.split(step.z)
        out = step.d_fake
        total = ops.zeros(())
        for i, (onehot, k) in enumerate(zip(parts["categorical"], self.code.categorical, strict=True)):
            logits = ops.cast(out[categorical_key(i)], "float32")
            ce = ops.mean(keras.losses.categorical_crossentropy(onehot, logits, from_logits=True))
            total = total + self.categorical_weight * (ce - math.log(k))
        if self.code.continuous:
            mean = ops.cast(out[CONTINUOUS_MEAN], "float32")
            logvar = ops.cast(out[CONTINUOUS_LOGVAR], "float32") if CONTINUOUS_LOGVAR in out else ops.zeros_like(mean)
            nll = 0.5 * (logvar + ops.square(parts["continuous"] - mean) * ops.exp(-logvar) + _LOG_2PI)
            total = total + self.continuous_weight * ops.sum(ops.mean(nll, axis=0) - math.log(2.0))
        return total

    def discriminator_loss(self, step: Step):
        return self._value(step)

    def generator_loss(self, step: Step):
        return self._value(step)

    def get_config(self):
        return {**super().get_config(), "code": keras.saving.serialize_keras_object(self.code),
                "categorical_weight": self.categorical_weight, "continuous_weight": self.continuous_weight}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["code"] = keras.saving.deserialize_keras_object(config["code"])
        return cls(**config)
