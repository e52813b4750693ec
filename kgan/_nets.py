"""The ground floor under the engine: running networks and reading their shapes.

Used by `kgan.gan`, the terms (through `kgan.terms.Step`), the data checks and the apps;
imports nothing of kgan's, so anything may import it without a circle.
"""

from __future__ import annotations

import keras

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

    The generator update runs D in training mode this way, so that it changes G alone.
    """
    if update_state or not training or not net.non_trainable_variables:
        return net(inputs, training=training)
    outputs, _ = net.stateless_call(net.trainable_variables, net.non_trainable_variables, inputs, training=training)
    return outputs


def static_shape(model):
    """The shape of a model's first input (``(None, 28, 28, 1)``), or None when unknown."""
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        return None
    if not inputs:
        return None
    return tuple(inputs[0].shape)


def input_count(model):
    """How many inputs a functional model takes; None when unknown (subclassed, unbuilt)."""
    try:
        return len(model.inputs) if model.inputs else None
    except (AttributeError, ValueError):
        return None


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
