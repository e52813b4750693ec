"""The pluggable loss-term interface.

A term adds to the discriminator loss, the generator loss, or both, without
any change to ``GAN.train_step``. It receives a `Step` record with what the
step has already computed and returns an (unweighted) scalar; the GAN
multiplies it by ``term.weight``, adds it to the loss and reports the
unweighted value as a metric named after the term.

A minimal custom term, an L2 penalty on D's logits on real data:

```python
@keras.saving.register_keras_serializable(package="my")
class LogitPenalty(kgan.terms.Term):
    def discriminator_loss(self, step):
        return keras.ops.mean(keras.ops.square(step.d_real["logits"]))

gan.compile(terms=[LogitPenalty(weight=0.01)])   # reports `logit_penalty`
```
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import keras

from kgan import _nets
from kgan._serializable import ConfigObject

__all__ = ["Step", "Term", "DISCRIMINATOR", "GENERATOR"]  # TermState: the GAN's, not public

DISCRIMINATOR = "discriminator"
GENERATOR = "generator"


@dataclasses.dataclass
class Step:
    """What a term can read during one discriminator or generator update.

    Attributes:
        phase: ``"discriminator"`` or ``"generator"``.
        real: the real batch (float).
        fake: the generated batch for this update.
        z: the latent batch the fakes came from (a tensor, or a dict for
            structured codes).
        condition: the batch's condition (labels, text, ...) or None.
        d_real: D's outputs on ``real`` as a dict with at least ``"logits"``;
            None in the generator phase unless a term sets
            ``needs_real_in_generator_phase``.
        d_fake: D's outputs on ``fake``, a dict with at least ``"logits"``.
        gan: the `kgan.GAN` being trained (``gan.generator``,
            ``gan.discriminator``, ``gan.loss_fn``).
        training: False when called from ``test_step`` (evaluation).
        seed_generator: the seed for a term's own random draws (pass it as
            ``seed=`` to ``keras.random``); defaults to ``gan.seed_generator``
            and differs per replica under a tf.distribute strategy.
        network_losses: the updated player's own losses from this phase's
            calls (weight and activity regularizers, ``add_loss``), which
            ``compute_*_loss`` adds to the total.
        loss_scale: the phase optimizer's loss scale under mixed float16
            (a `keras.optimizers.LossScaleOptimizer`), else None; used by
            `input_gradient`.
        term_values: filled by ``compute_*_loss``: each term's unweighted
            value, reported as its metric.
    """

    phase: str
    real: Any
    fake: Any
    z: Any
    condition: Any
    d_real: dict | None
    d_fake: dict
    gan: Any
    training: bool = True
    seed_generator: Any = None
    network_losses: list = dataclasses.field(default_factory=list)
    loss_scale: Any = None
    term_values: dict = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        if self.seed_generator is None:
            self.seed_generator = self.gan.seed_generator

    @property
    def generator(self):
        return self.gan.generator

    @property
    def discriminator(self):
        return self.gan.discriminator

    def discriminate(self, x, training=None, update_state=None) -> dict:
        """Run D on ``x`` (with this step's condition); returns the output dict.

        ``update_state`` defaults to True in the discriminator phase and False in the
        generator phase, so that a G update never moves D's BatchNorm statistics.
        """
        training = self.training if training is None else training
        update_state = (self.phase == DISCRIMINATOR) if update_state is None else update_state
        return self.gan.discriminate(x, self.condition, training=training, update_state=update_state)

    def input_gradient(self, fn, x):
        """The gradient of ``sum(fn(x))`` with respect to ``x`` (float32), differentiable.

        For penalties on D's input gradient (WGAN-GP, R1/R2); loss-scaled under mixed float16.

        ```python
        grads = step.input_gradient(lambda x: step.discriminate(x)["logits"], step.real)
        ```
        """
        variables = stateful_variables(self.gan) if keras.backend.backend() == "jax" else ()
        return _nets.input_gradient(fn, x, self.loss_scale, variables)

    def run(self, net, inputs, update_state=False):
        """Call any network (a sub-model of D or G, an extractor) in this step's mode.

        In training mode its non-trainable state (BatchNorm moving statistics) keeps its
        values unless ``update_state=True``: terms read networks, they do not train them.

        ```python
        features = step.run(self._extractor, step.real)   # training mode, statistics untouched
        ```
        """
        return _nets.run(net, inputs, self.training, update_state)


class TermState(keras.layers.Layer):
    """The GAN's tracked view of its terms' variables (``gan.term_state``), so every trainer sees them.

    Keras' JAX trainer carries only the variables it finds in ``gan.non_trainable_variables``
    through its stateless step: a term's counter or running average that it does not see keeps
    its old value (R1's lazy counter stuck at 0). This layer lists the terms' variables among its
    ``variables`` (hence the GAN's), but not among its ``weights``, so ``get_weights`` is
    unchanged; and it saves nothing itself: the GAN keeps saving term state with its own
    variables, so ``.keras`` files keep their layout.

    ```python
    gan.compile(terms=[kgan.terms.R1Penalty(1.0, interval=4)])
    gan.term_state.variables       # [r1_penalty's update counter]
    ```
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.built = True  # no build: Keras' fit must not try to call it
        self.held = ()

    def hold(self, terms) -> None:
        """Show these terms' variables (called by ``GAN.compile`` once they are built)."""
        # A tuple of the terms themselves: not a variable Keras would track (and lock) as ours.
        object.__setattr__(self, "held", tuple(terms))

    @property
    def variables(self) -> list:
        seen, out = set(), []
        for v in (v for term in self.held for v in term.variables):
            if id(v) not in seen:
                seen.add(id(v))
                out.append(v)
        return out

    def save_own_variables(self, store):  # saved by the GAN (kgan._gan_saving), in its own order
        pass

    def load_own_variables(self, store):
        pass


def stateful_variables(gan) -> list:
    """Every variable a step may read or assign: the networks', the latent seed, term state, the
    optimizers' (what JAX's `kgan._nets.input_gradient` carries into its inner scope).

    ```python
    _nets.input_gradient(fn, x, None, stateful_variables(gan))
    ```
    """
    seen, out = set(), []
    optimizer = getattr(gan, "optimizer", None)
    for v in [*gan.variables, *([] if optimizer is None else optimizer.variables),
              *(v for term in gan.terms for v in term.variables)]:
        if id(v) not in seen:
            seen.add(id(v))
            out.append(v)
    return out


def warn_if_batch_norm_in_discriminator(term, gan) -> None:
    """Gradient penalties and BatchNormalization in D do not mix: say so once, at compile.

    A penalty on D's input gradient is defined per sample, but batch statistics tie the samples
    together; and TensorFlow's batch moments stop the gradient through the mean, which is exact
    for first derivatives but biases the second derivative the penalty's own gradient needs
    (measured: a TF-vs-JAX run of one D differs by 0.17 in the weights after 3 steps).
    """
    import warnings

    from kgan import _keras_private

    if any(isinstance(layer, keras.layers.BatchNormalization)
           for layer in _keras_private.flatten_layers(gan.discriminator)):
        warnings.warn(
            f"{type(term).__name__} with BatchNormalization in the discriminator: the penalty's gradient is "
            "biased (batch statistics mix the samples, and TensorFlow's batch moments drop part of the second "
            "derivative). Use a D without batch norm, e.g. kgan.nets.dcgan_discriminator(..., spectral_norm=True) "
            "or LayerNormalization, as the WGAN-GP and R1 papers do.", stacklevel=4)


def _snake_case(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class Term(ConfigObject):
    """Base class of loss terms. Override one or both loss methods.

    Args:
        weight: multiplies the term's value before it is added to the loss.
        name: metric name; defaults to the class name in snake_case. A term
            that contributes to both losses reports ``name_d`` and ``name_g``.

    Class attributes a subclass may set:
        needs_real_in_generator_phase: compute D on the real batch during the
            generator update (feature matching needs it); off by default so
            the step computes nothing unused.
        replaces_adversarial_loss: phases (``"discriminator"``,
            ``"generator"``) in which this term replaces the adversarial loss
            instead of adding to it.
        min_batch_size: the smallest batch (per replica) on which the term
            means something, e.g. 2 for one that compares samples; ``GAN.fit``
            refuses smaller batches with a clear error.

    A term that keeps state creates Keras variables in ``build(gan)`` (called
    by ``GAN.compile``) and lists them in ``variables``; they are saved and
    restored with the model.
    """

    needs_real_in_generator_phase: bool = False
    replaces_adversarial_loss: tuple[str, ...] = ()
    min_batch_size: int = 1

    def __init__(self, weight: float = 1.0, name: str | None = None):
        try:
            weight = float(weight)
        except (TypeError, ValueError):
            raise TypeError(f"{type(self).__name__}: weight must be a number, got {weight!r}.") from None
        if not weight >= 0.0:  # also NaN
            raise ValueError(
                f"{type(self).__name__}: weight must be >= 0, got {weight!r}: a negative weight rewards what the "
                "term penalises (0 switches it off). To change the sign of an objective, write a new Term."
            )
        self.weight = weight
        self.name = name or _snake_case(type(self).__name__)

    # -- what a subclass overrides -------------------------------------------------
    def discriminator_loss(self, step: Step):
        """Unweighted value to add to the D loss, or None."""
        return None

    def generator_loss(self, step: Step):
        """Unweighted value to add to the G loss, or None."""
        return None

    def build(self, gan) -> None:
        """Create state (Keras variables) once the GAN's networks are built."""

    @property
    def variables(self) -> list:
        return []

    # -- used by GAN -----------------------------------------------------------------
    @property
    def phases(self) -> tuple[str, ...]:
        """The phases this term takes part in (from the methods it overrides)."""
        own = type(self)
        phases = []
        if own.discriminator_loss is not Term.discriminator_loss:
            phases.append(DISCRIMINATOR)
        if own.generator_loss is not Term.generator_loss:
            phases.append(GENERATOR)
        return tuple(phases)

    def metric_name(self, phase: str) -> str:
        if len(self.phases) > 1:
            return f"{self.name}_{phase[0]}"
        return self.name

    def loss(self, phase: str, step: Step):
        return self.discriminator_loss(step) if phase == DISCRIMINATOR else self.generator_loss(step)

    def get_config(self) -> dict:
        return {"weight": self.weight, "name": self.name}


def get(identifier) -> Term:
    """A term from a term object or its config dict."""
    if isinstance(identifier, Term):
        return identifier
    if isinstance(identifier, dict):
        obj = keras.saving.deserialize_keras_object(identifier)
        if isinstance(obj, Term):
            return obj
    if isinstance(identifier, str):
        raise ValueError(f"Terms are objects, not names: got {identifier!r}. {_term_hint(identifier)}")
    raise TypeError(f"terms must be kgan.terms.Term instances; got {type(identifier).__name__}: {identifier!r}.")


def _term_hint(text: str) -> str:
    """Point a term name at the class it most likely means."""
    import difflib

    import kgan.terms

    classes = {_snake_case(n): n for n in kgan.terms.__all__ if isinstance(getattr(kgan.terms, n), type)
               and issubclass(getattr(kgan.terms, n), Term) and n != "Term"}
    match = difflib.get_close_matches(_snake_case(text).replace(" ", "_"), list(classes), n=1, cutoff=0.6)
    if match:
        return f"Pass an instance: terms=[kgan.terms.{classes[match[0]]}(...)]."
    return (f"Pass instances, e.g. terms=[kgan.terms.GradientPenalty(weight=10.0)]; available: "
            f"{', '.join(sorted(classes.values()))}.")
