"""Every use of a private Keras (or tf.distribute) name, in one place.

kgan needs a few things Keras does not expose publicly. Each is wrapped here, and
``PRIVATE_NAMES`` lists them; ``tests/test_keras_private.py`` checks each one exists on the
installed Keras, so an upgrade that renames one fails that test loudly instead of training
wrongly. setup.cfg pins ``keras`` below the next version not yet verified.
"""

from __future__ import annotations

import keras

#: (owner, attribute, why kgan needs it): one row per private name used anywhere in kgan.
PRIVATE_NAMES = (
    (keras.layers.Layer, "_flatten_layers", "walk every nested layer (batch-dependent layers, VBN, BatchNorm inputs)"),
    (keras.KerasTensor, "_keras_history", "walk back from a model's output to its final activation (data range checks)"),
    (keras.layers.Layer, "_inbound_nodes", "the inputs of a layer inside a functional graph (same walk)"),
    (keras.layers.Layer, "_trainable_variables", "a model's own variables, not its sub-models' (GAN seed/term state)"),
    (keras.layers.Layer, "_non_trainable_variables", "same, the non-trainable ones"),
    ("tf.distribute.MultiWorkerMirroredStrategy.extended", "_in_multi_worker_mode",
     "a MultiWorkerMirroredStrategy on one worker behaves like MirroredStrategy"),
)


def flatten_layers(model, include_self: bool = False):
    """Every layer nested in ``model`` (recursively), as Keras itself walks them."""
    return list(model._flatten_layers(include_self=include_self))


def keras_history(tensor):
    """``(layer, node_index, tensor_index)`` that produced a symbolic KerasTensor."""
    return tensor._keras_history


def node_inputs(layer, node_index: int):
    """The symbolic input tensors of ``layer``'s call number ``node_index`` in a functional graph."""
    return layer._inbound_nodes[node_index].input_tensors


def in_multi_worker_mode(strategy) -> bool:
    """Whether a MultiWorkerMirroredStrategy really spans several workers."""
    return strategy.extended._in_multi_worker_mode()


def own_variables(layer) -> list:
    """The variables a layer tracks itself, without those of its sub-layers and sub-models."""
    return list(layer._trainable_variables) + list(layer._non_trainable_variables)
