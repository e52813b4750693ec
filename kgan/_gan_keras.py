"""What a `kgan.GAN` does so that Keras' own callbacks and tools work on it unchanged.

A GAN keeps two optimizers and its own metrics, where Keras expects one ``model.optimizer``
and metric names it knows. Two pieces bridge that gap:

* `PlayersOptimizer`, returned by ``gan.optimizer``: one learning-rate knob over both
  players for ``ReduceLROnPlateau`` and ``LearningRateScheduler`` (setting it scales both
  rates, so the D/G ratio is kept);
* `METRIC_DIRECTIONS` and `resolve_callback_modes`: which way each metric improves, given
  to ``EarlyStopping``/``ModelCheckpoint``/``ReduceLROnPlateau`` left at ``mode="auto"``
  (and to keras-tuner objectives named by a metric, in `kgan.tuning`);
* `LossView`: Keras' ``TerminateOnNaN`` reads ``logs["loss"]``, which a GAN does not log.

```python
gan.fit(ds, epochs=20, callbacks=[keras.callbacks.ReduceLROnPlateau("g_loss", factor=0.5),
                                  keras.callbacks.EarlyStopping("g_loss", patience=3)])
gan.optimizer.learning_rate          # D's rate; G's is kept in the same ratio to it
```
"""

from __future__ import annotations

import keras
import numpy as np

from kgan import _keras_private

#: Which way each GAN metric improves ("min"/"max"), as Keras' ``mode`` spells it. The losses are
#: "min" because that is what Keras users mean by monitoring a loss; but in a GAN each loss falls
#: when that player wins, not when the samples get better: a falling g_loss can mean D has
#: collapsed. ``d_real``/``d_fake`` have no direction (their equilibrium is 0.5, not an
#: extreme): Keras then asks for ``mode=``. Each term's metric (a loss) is "min" too.
METRIC_DIRECTIONS = {"d_loss": "min", "g_loss": "min", "d_real": None, "d_fake": None}


def metric_direction(name: str, term_metrics=()) -> str | None:
    """``"min"``, ``"max"`` or None (no sensible direction) for a GAN metric (``val_`` prefix allowed).

    Raises:
        KeyError: ``name`` is not a GAN metric.
    """
    base = name.removeprefix("val_")
    if base in term_metrics:
        return "min"
    return METRIC_DIRECTIONS[base]


def resolve_callback_modes(gan, callbacks) -> None:
    """Give ``mode="auto"`` callbacks that monitor a GAN metric its direction.

    Keras 3 infers ``mode`` only for metrics it finds inside its own compiled-metrics containers
    (with a private ``_direction``); putting the GAN's trackers in one would change ``gan.metrics``
    (a list of ``keras.metrics.Mean``) and ``evaluate()``'s order. Setting the public ``mode``
    before Keras reads it (lazily, at the first epoch end) gives the same result. A metric without
    a direction (``d_real``) is left to Keras' own error, which asks for ``mode=``.
    """
    terms = {term.metric_name(phase) for term in gan.terms for phase in term.phases}
    # Callbacks that write metrics into the logs (kgan.callbacks.SampleQuality: fd, kid, ...) say
    # which way each improves in ``logged_directions``.
    logged = {name: mode for cb in callbacks for name, mode in getattr(cb, "logged_directions", {}).items()}
    for callback in callbacks:
        monitor = getattr(callback, "monitor", None)
        if getattr(callback, "mode", None) != "auto" or not isinstance(monitor, str):
            continue
        try:
            direction = logged.get(monitor.removeprefix("val_")) or metric_direction(monitor, terms)
        except KeyError:
            continue
        if direction is not None:
            callback.mode = direction


class LossView(keras.callbacks.Callback):
    """Shows a callback that reads ``logs["loss"]`` (Keras' ``TerminateOnNaN``) the GAN's losses as one.

    A GAN logs ``d_loss`` and ``g_loss``, no ``loss``; the view adds ``loss = d_loss + g_loss``,
    NaN or infinite exactly when either is, to the logs that callback sees (and to no other).
    """

    def __init__(self, callback):
        super().__init__()
        self.callback = callback

    def set_model(self, model):
        super().set_model(model)
        self.callback.set_model(model)

    def set_params(self, params):
        super().set_params(params)
        self.callback.set_params(params)

    def on_train_batch_end(self, batch, logs=None):
        logs = dict(logs or {})
        if "loss" not in logs and "d_loss" in logs and "g_loss" in logs:
            logs["loss"] = float(np.asarray(logs["d_loss"])) + float(np.asarray(logs["g_loss"]))
        self.callback.on_train_batch_end(batch, logs)


def prepare_fit_arguments(gan, args: tuple, kwargs: dict):
    """``fit``'s (args, kwargs) with its callbacks made GAN-aware: modes resolved, TerminateOnNaN viewed."""
    positional = len(args) > 4  # fit(x, y, batch_size, epochs, verbose, callbacks, ...)
    callbacks = args[4] if positional else kwargs.get("callbacks")
    if isinstance(callbacks, keras.callbacks.CallbackList) or (callbacks is None and gan.ema is None):
        return args, kwargs
    callbacks = list(callbacks or [])
    resolve_callback_modes(gan, callbacks)
    callbacks = [LossView(c) if isinstance(c, keras.callbacks.TerminateOnNaN) else c for c in callbacks]
    if gan.ema is not None:  # last: after BackupAndRestore has restored the weights and the step count
        from kgan import _gan_ema

        callbacks.append(_gan_ema.AverageUpdate(gan.ema))
    if positional:
        return (*args[:4], callbacks, *args[5:]), kwargs
    return args, {**kwargs, "callbacks": callbacks}


def uses_float16(net) -> bool:
    """Whether a network computes in float16 (a mixed_float16 policy), so its gradients need loss scaling."""
    return any(getattr(layer, "compute_dtype", None) == "float16" for layer in _keras_private.flatten_layers(net))


def with_loss_scaling(optimizer, net):
    """``optimizer`` wrapped in a ``LossScaleOptimizer`` when ``net`` computes in float16."""
    # Keras wraps only `model.optimizer` in a LossScaleOptimizer; a GAN keeps two of its own, and
    # without scaling float16 gradients below ~6e-8 become 0 silently (KERAS-NOTES).
    if uses_float16(net) and not isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer


def loss_scale(optimizer):
    """The optimizer's dynamic loss scale when it is a ``LossScaleOptimizer`` (for `kgan.terms.Step`), else None."""
    return optimizer.dynamic_scale if isinstance(optimizer, keras.optimizers.LossScaleOptimizer) else None


def reported(loss, finite, optimizer):
    """The phase's loss to log: NaN when its gradients were not all finite (``GAN.train_step``)."""
    # A LossScaleOptimizer skips non-finite steps itself (float16 overflow is routine there).
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return loss
    return keras.ops.where(finite, loss, keras.ops.cast(float("nan"), loss.dtype))


def check_compile_kwargs(kwargs) -> None:
    """``keras.Model.compile`` arguments that have no meaning for a GAN, refused with what to use."""
    for key in ("optimizer", "metrics", "loss_weights", "weighted_metrics"):
        if key in kwargs:
            raise TypeError(
                f"GAN.compile() takes no {key!r}: use d_optimizer/g_optimizer, loss and "
                "terms; its metrics are fixed (d_loss, g_loss, d_real, d_fake, terms)."
            )


def check_metric_names(terms, fixed_names) -> None:
    """Each term's metric needs a name of its own (two would share one Keras tracker)."""
    names = [t.metric_name(p) for t in terms for p in t.phases]
    clashes = {n for n in names if names.count(n) > 1} | (set(fixed_names) & set(names))
    if clashes:
        raise ValueError(f"Two metrics would share the name(s) {sorted(clashes)}: give the terms distinct name=...")


def term_trackers(terms) -> dict:
    """A ``keras.metrics.Mean`` per (term, phase), named as the term reports itself."""
    return {(id(term), phase): keras.metrics.Mean(name=term.metric_name(phase))
            for term in terms for phase in term.phases}


def check_learning_rates(**optimizers) -> None:
    """A ValueError for a constant learning rate that is not positive (Keras accepts it silently: a
    negative rate climbs the loss, 0 freezes the player). Schedules are left to themselves."""
    for role, optimizer in optimizers.items():
        if _uses_schedule(optimizer):
            continue
        rate = float(keras.ops.convert_to_numpy(getattr(optimizer, "inner_optimizer", optimizer).learning_rate))
        if rate < 0 or rate != rate:
            raise ValueError(f"{role} has learning rate {rate:g}: it must be >= 0 (a negative rate climbs the loss). "
                             f"Pass e.g. {role}=keras.optimizers.Adam(2e-4, beta_1=0.5).")


def _uses_schedule(optimizer) -> bool:
    inner = getattr(optimizer, "inner_optimizer", optimizer)  # a LossScaleOptimizer's own optimizer
    return isinstance(inner.get_config().get("learning_rate"), dict)  # a serialized LearningRateSchedule


class PlayersOptimizer:
    """``gan.optimizer``: both players' optimizers behind the one ``learning_rate`` Keras' callbacks use.

    Reading ``learning_rate`` gives the discriminator's rate (the reference);
    setting it sets D's and scales G's by the same factor, so the D/G ratio is
    kept: ``ReduceLROnPlateau(factor=0.5)`` halves both, a
    ``LearningRateScheduler`` whose schedule returns ``r`` gives D ``r`` and G
    ``r * g_rate / d_rate``. ``iterations`` counts generator updates.

    ```python
    gan.compile(d_optimizer=keras.optimizers.Adam(4e-4), g_optimizer=keras.optimizers.Adam(1e-4))
    gan.optimizer.learning_rate = 2e-4     # D: 2e-4, G: 5e-5
    ```

    It is deliberately not a ``keras.optimizers.Optimizer``: Keras would then treat it as the
    model's one optimizer (build it on all weights, wrap it in a LossScaleOptimizer, save its
    variables as ``optimizer/``). The two real optimizers stay ``gan.d_optimizer`` and
    ``gan.g_optimizer``, built in ``compile`` and saved under those names; this front holds no
    state, so saving skips it and ``.keras`` files keep their layout.
    """

    def __init__(self, gan):
        self._gan = gan

    @property
    def players(self) -> dict:
        return {"d_optimizer": self._gan.d_optimizer, "g_optimizer": self._gan.g_optimizer}

    @property
    def learning_rate(self):
        return self._gan.d_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        for role, optimizer in self.players.items():
            if _uses_schedule(optimizer):
                raise TypeError(
                    f"Cannot set the GAN's learning rate: its {role} takes its rate from a "
                    "keras.optimizers.schedules.LearningRateSchedule, which Keras cannot change. Drop the "
                    "ReduceLROnPlateau/LearningRateScheduler callback, or compile with float learning rates."
                )
        d, g = self._gan.d_optimizer, self._gan.g_optimizer
        old = float(keras.ops.convert_to_numpy(d.learning_rate))
        if not old > 0:
            raise ValueError(f"The discriminator's learning rate is {old}: the D/G ratio to keep is undefined.")
        factor = float(value) / old
        g_rate = float(keras.ops.convert_to_numpy(g.learning_rate)) * factor
        d.learning_rate = float(value)
        g.learning_rate = g_rate

    @property
    def iterations(self):
        return self._gan.g_optimizer.iterations

    @property
    def variables(self) -> list:
        return [v for optimizer in self.players.values() for v in optimizer.variables]

    @property
    def built(self) -> bool:
        return all(optimizer.built for optimizer in self.players.values())

    def build(self, variables=None):
        """Build each player's optimizer on its own network (``variables``, all the GAN's, is ignored)."""
        for optimizer, net in ((self._gan.d_optimizer, self._gan.discriminator),
                               (self._gan.g_optimizer, self._gan.generator)):
            if not optimizer.built:
                optimizer.build(net.trainable_variables)

    def __repr__(self):
        rates = {k: float(np.asarray(keras.ops.convert_to_numpy(o.learning_rate))) for k, o in self.players.items()}
        return f"<PlayersOptimizer {rates}>"


def refuse_optimizer(value) -> None:
    """The ``GAN.optimizer`` setter: Keras' compile resets it to None; anything else is a mistake."""
    if value is not None:
        raise TypeError(
            "A GAN has two optimizers: compile(d_optimizer=..., g_optimizer=...). gan.optimizer is "
            "a read-only front over both (for Keras' learning-rate callbacks)."
        )
