"""The ground floor under the engine: running networks and reading their shapes.

Used by `kgan.gan`, the terms (through `kgan.terms.Step`), the data checks and the apps;
imports nothing of kgan's but `kgan._keras_private` (which imports none), so anything may
import it without a circle.
"""

from __future__ import annotations

import keras

from kgan import _keras_private

#: The names of D's outputs that InfoGAN's Q head writes and the mutual-information term reads.
CONTINUOUS_MEAN = "cont_mean"
CONTINUOUS_LOGVAR = "cont_logvar"


#: The nested models of the text-to-image networks (kgan.nets.text) that TextInterpolation mixes.
TEXT_ENCODER, GENERATOR_BODY, DISCRIMINATOR_BODY = "text_encoder", "generator_body", "discriminator_body"


def categorical_key(i: int) -> str:
    """The D output holding the logits of categorical code ``i``."""
    return f"cat{i}_logits"


def run(net, inputs, training, update_state=True):
    """Call ``net``; with ``update_state=False`` its non-trainable variables (BatchNorm moving
    statistics) keep their values, through Keras' ``stateless_call``.

    The generator update runs D in training mode this way, so that it changes G alone. Random
    layers' seed states (Dropout, `kgan.layers.DiffAugment`) still advance: otherwise this call
    would draw exactly what the next stateful call draws.
    """
    if update_state or not training or not net.non_trainable_variables:
        return net(inputs, training=training)
    outputs, new_values = net.stateless_call(net.trainable_variables, net.non_trainable_variables, inputs,
                                             training=training)
    seeds = _seed_states(net)
    for variable, value in zip(net.non_trainable_variables, new_values, strict=True):
        if id(variable) in seeds:
            variable.assign(value)
    return outputs


def _seed_states(net) -> set:
    """ids of the state variables of the SeedGenerators the layers of ``net`` hold."""
    return {id(value.state) for layer in _keras_private.flatten_layers(net) for value in vars(layer).values()
            if isinstance(value, keras.random.SeedGenerator)}


def static_shape(model):
    """The shape of a model's first input (``(None, 28, 28, 1)``), or None when unknown."""
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        return None
    if not inputs:
        return None
    return tuple(inputs[0].shape)


def not_a_generator(model, what: str) -> str | None:
    """Why a bare Keras model cannot be a latent-to-sample generator (None when it can).

    Used where a file may hold any Keras model (``kgan sample``/``export``): a classifier or
    a discriminator takes samples, not latent vectors, and would otherwise be "sampled".
    """
    shape = static_shape(model)
    if shape is None or len(shape) == 2:
        return None
    return (f"{what} is a Keras model that takes inputs of shape {shape[1:]}, not latent vectors (batch, dim): "
            "it is not a generator (a classifier or a discriminator?). Pass a gan.keras file saved by kgan, "
            "or the generator.keras beside it.")


def input_count(model):
    """How many inputs a functional model takes; None when unknown (subclassed, unbuilt)."""
    try:
        return len(model.inputs) if model.inputs else None
    except (AttributeError, ValueError):
        return None


def is_conditional(net) -> bool:
    """Whether a network takes a condition beside its first input (``[z, condition]``, ``[x, condition]``)."""
    return (input_count(net) or 1) > 1


def symbolic_output(model):
    """A functional or Sequential model's output structure (KerasTensors); None for subclassed ones."""
    try:
        return model.output
    except (AttributeError, ValueError):  # Sequential models only list `outputs`
        pass
    try:
        outputs = model.outputs
    except (AttributeError, ValueError):
        return None
    return outputs[0] if outputs and len(outputs) == 1 else outputs or None


def is_batch_dependent(layer) -> bool:
    """Whether a layer's output for one sample depends on the rest of the batch.

    Real and fake must then go through D separately, or the statistics of one leak into the other.
    """
    return isinstance(layer, keras.layers.BatchNormalization) or getattr(layer, "batch_dependent", False)


def discriminator_outputs(out, who: str = "discriminator") -> dict:
    """D's output as a dict with at least ``"logits"`` (a bare tensor becomes ``{"logits": t}``).

    The contract every loss and term relies on: one logit per sample, shape ``(batch, 1)`` or
    ``(batch,)``; a dict needs a ``"logits"`` entry; lists are refused (ambiguous).
    """
    if isinstance(out, dict):
        if "logits" not in out:
            raise ValueError(
                f"The {who} returned a dict without a 'logits' entry (keys: {sorted(out)}). "
                "Return {'logits': ..., 'features': ..., ...}."
            )
        outputs = dict(out)
    elif isinstance(out, (list, tuple)):
        raise ValueError(
            f"The {who} returned a {type(out).__name__} of {len(out)} outputs; return one "
            "logit tensor, or a dict with 'logits' and named extras."
        )
    else:
        outputs = {"logits": out}
    shape = tuple(outputs["logits"].shape)  # TensorShape or a symbolic KerasTensor's tuple
    if len(shape) not in (1, 2) or (len(shape) == 2 and shape[-1] not in (1, None)):
        raise ValueError(
            f"The {who} must output one logit per sample, shape (batch, 1) or (batch,); "
            f"got shape {tuple(shape)}. End it with keras.layers.Dense(1) (no activation: "
            "kgan's losses take logits)."
        )
    return outputs


_PROBABILITIES = ("sigmoid", "softmax")
_SHAPE_ONLY = (keras.layers.Reshape, keras.layers.Flatten, keras.layers.Identity, keras.layers.Permute)


def _probability_name(layer):
    """"sigmoid"/"softmax" when ``layer`` ends in one (Dense(..., activation=...), Activation, Softmax)."""
    if isinstance(layer, keras.layers.Softmax):
        return "softmax"
    name = getattr(getattr(layer, "activation", None), "__name__", None)
    return name if name in _PROBABILITIES else None


def probability_output(model, key: str = "logits"):
    """``(layer, "sigmoid" | "softmax")`` when ``model``'s logits output ends in one, else None.

    Reads functional and Sequential models (walking back through reshaping layers and into
    nested models); subclassed models are not inspected.
    """
    if isinstance(model, keras.Sequential):  # its last layers, whether built or not
        for layer in reversed(model.layers):
            if not isinstance(layer, _SHAPE_ONLY):
                return _layer_probability(layer, key)
        return None
    out = symbolic_output(model)
    tensor = out.get(key) if isinstance(out, dict) else out
    for _ in range(16):  # a short walk back; nets rarely end in more reshaping layers
        try:
            layer, node_index, _ = _keras_private.keras_history(tensor)
        except (AttributeError, TypeError, ValueError):
            return None
        if layer is model:
            return None
        if not isinstance(layer, _SHAPE_ONLY):
            return _layer_probability(layer, key)
        inputs = _keras_private.node_inputs(layer, node_index)
        if len(inputs) != 1:
            return None
        tensor = inputs[0]
    return None


def _layer_probability(layer, key):
    if isinstance(layer, keras.Model):
        return probability_output(layer, key)
    name = _probability_name(layer)
    return None if name is None else (layer, name)


def check_logits_activation(discriminator) -> None:
    """Refuse a discriminator whose logits output ends in a sigmoid or softmax (as in keras.io examples)."""
    found = probability_output(discriminator)
    if found is not None:
        layer, name = found
        raise ValueError(
            f"The discriminator's output layer {layer.name!r} applies a {name}, but kgan's losses take logits "
            "(raw scores: they apply the sigmoid themselves, stably), so D's output would be squashed twice "
            f"and training would go wrong without an error. Remove the activation: end D with "
            f"keras.layers.Dense(1) (no activation). To keep a pretrained sigmoid D, append "
            "kgan.layers.ProbabilityToLogit() (it clamps the probability and returns its logit)."
        )


def weight_penalties(net) -> list:
    """The network's weight regularizers (kernel/bias regularizers) evaluated now."""
    return [v.regularizer(v) for v in net.trainable_weights if getattr(v, "regularizer", None) is not None]


def call_losses(net) -> list:
    """Losses the network's latest call added (activity regularizers, ``add_loss`` in layers).

    ``net.losses`` lists them first, then one entry per regularized weight; Keras clears them at
    the next call, so a phase that calls a network twice collects them after each call.
    """
    losses = list(net.losses)
    regularized = sum(1 for v in net.trainable_weights if getattr(v, "regularizer", None) is not None)
    return losses[: len(losses) - regularized]


def all_finite(tensors):
    """A scalar bool tensor: every (non-None) tensor in the list is free of NaN and inf.

    ```python
    finite = all_finite(grads)     # False when any gradient holds a NaN or an inf
    ```
    """
    # Sparse gradients (tf.IndexedSlices of Embedding layers) are checked on their values, never made dense.
    values = [t.values if hasattr(t, "indices") and hasattr(t, "values") else t for t in tensors if t is not None]
    checks = [keras.ops.all(keras.ops.isfinite(t)) for t in values]
    return keras.ops.all(keras.ops.stack(checks)) if checks else keras.ops.convert_to_tensor(True)


def input_gradient(fn, x, loss_scale=None, variables=()):
    """``d sum(fn(x)) / dx`` as float32, differentiable (for gradient penalties inside a step).

    Under mixed float16 the inner gradient underflows like any other: pass the phase's loss
    scale and the sum is scaled before differentiation and the gradient unscaled after. The one
    place that names a backend's autodiff, so a term stays backend-neutral.

    ``variables``: on JAX, every variable ``fn`` may read or assign (`kgan.terms.Step` passes the
    GAN's). ``jax.grad`` runs ``fn`` in a fresh ``keras.StatelessScope`` holding their current
    values; what ``fn`` assigns (D's BatchNorm statistics when a penalty calls D with
    ``update_state=True``) is returned out of ``jax.grad`` and assigned again in the caller's
    scope, so the state moves as it does on TensorFlow and no inner tracer leaks.

    ```python
    grads = input_gradient(lambda x: D(x), real)    # (batch, ...) like real
    ```
    """
    scale = None if loss_scale is None else keras.ops.cast(loss_scale, "float32")

    def total(x):
        out = keras.ops.sum(keras.ops.cast(fn(x), "float32"))
        return out if scale is None else out * scale

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:  # nested in the phase's tape, so the result is differentiable
            tape.watch(x)
            value = total(x)
        grads = tape.gradient(value, x)
    elif backend == "jax":
        grads = _jax_input_gradient(total, x, list(variables))
    else:
        raise NotImplementedError(f"input_gradient on Keras' {backend!r} backend: kgan supports tensorflow and jax.")
    grads = keras.ops.cast(grads, "float32")
    return grads if scale is None else grads / scale


def _jax_input_gradient(total, x, variables):
    import jax

    current = [v.value for v in variables]  # the caller's (outer scope's) values

    def scoped(x):
        with keras.StatelessScope(state_mapping=list(zip(variables, current, strict=True))) as scope:
            before = [scope.get_current_value(v) for v in variables]
            out = total(x)
        changed = {i: scope.get_current_value(v) for i, v in enumerate(variables)
                   if scope.get_current_value(v) is not before[i]}
        return out, changed

    grads, changed = jax.grad(scoped, has_aux=True)(x)
    for i, value in changed.items():
        variables[i].assign(value)  # recorded by the caller's StatelessScope
    return grads
