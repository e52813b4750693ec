"""Model-state helpers shared by the guard and the checkpoint callbacks.

What "the whole training state" of a model is (the variables a restore must put
back) and how many training steps it has done, for a ``kgan.GAN`` and for any
other Keras model a callback is given.
"""

from __future__ import annotations

import keras

from kgan.gan import GAN


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


def training_steps(model, default=None):
    """Training steps done: ``GAN.steps`` for a kgan.GAN; for other models, their
    optimizer's iterations (divided by ``g_steps`` if they have one), or ``default``
    without an optimizer."""
    if isinstance(model, GAN):
        return model.steps
    optimizer = getattr(model, "g_optimizer", None) or getattr(model, "optimizer", None)
    if optimizer is None:
        return default
    return int(optimizer.iterations.numpy()) // max(1, getattr(model, "g_steps", 1))
