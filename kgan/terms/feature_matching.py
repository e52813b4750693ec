"""Feature matching (Salimans et al. 2016, "Improved techniques for training GANs", section 3.1)."""

from __future__ import annotations

import keras
from keras import ops

from kgan.distribute import global_mean
from kgan.terms.base import GENERATOR, Step, Term

DISTANCES = ("l2", "l1")


@keras.saving.register_keras_serializable(package="kgan")
class FeatureMatching(Term):
    """The generator matches the batch mean of D's intermediate features on real data.

    ``||E_x f(x) - E_z f(G(z))||^2`` with ``f`` an intermediate layer of D and
    the expectations taken as batch means (the paper's definition; ``"l1"``
    uses the absolute difference instead). Instead of fooling the current D,
    G matches the statistics D finds informative, which makes training more
    stable (and pairs well with semi-supervised D).

    ```python
    D = kgan.nets.dcgan_discriminator((28, 28, 1))      # returns {"logits", "features"}
    gan.compile(terms=[kgan.terms.FeatureMatching()])   # replaces the adversarial G loss
    gan.compile(terms=[kgan.terms.FeatureMatching(layer="down2_act", replace=False, weight=0.1)])
    ```

    Args:
        layer: a key of D's output dict (default ``"features"``) or the name
            of a layer inside D (read through a sub-model sharing D's weights).
        weight: multiplies the value in the G loss.
        distance: ``"l2"`` (squared Euclidean, the paper) or ``"l1"``.
        replace: True (the paper): the term is G's whole objective; False:
            it is added to the adversarial G loss.
        name: metric name (default ``feature_matching``).
    """

    def __init__(self, layer: str = "features", weight: float = 1.0, distance: str = "l2", replace: bool = True,
                 name: str | None = None):
        super().__init__(weight=weight, name=name)
        if distance not in DISTANCES:
            raise ValueError(f"FeatureMatching: distance={distance!r}; choose one of {DISTANCES}.")
        self.layer, self.distance, self.replace = str(layer), distance, bool(replace)
        self.replaces_adversarial_loss = (GENERATOR,) if self.replace else ()
        self._extractor = None

    def build(self, gan):
        """Find the features: an output of D, or a layer inside it."""
        self._extractor = None
        keys = gan.discriminator_output_keys()
        if keys is None or self.layer in keys:  # unknown (conditional subclassed D): checked at the first step
            self.needs_real_in_generator_phase = True  # D's own call on real data provides them
            return
        try:
            layer = gan.discriminator.get_layer(self.layer)
            layer.output  # noqa: B018 - subclassed models' layers have no symbolic output to read
        except (ValueError, AttributeError):
            raise ValueError(
                f"FeatureMatching(layer={self.layer!r}): the discriminator has no output or layer of that name "
                f"(outputs: {keys}). Return a dict with a 'features' entry from D, or name one of its layers "
                "(functional models: [l.name for l in D.layers])."
            ) from None
        self.needs_real_in_generator_phase = False
        self._extractor = keras.Model(gan.discriminator.input, layer.output, name=f"{self.name}_features")

    def _features(self, step: Step):
        if self._extractor is None:
            return step.d_real[self.layer], step.d_fake[self.layer]
        # Features in training mode, without moving D's BatchNorm statistics.
        inputs = (lambda x: x) if step.condition is None else (lambda x: [x, step.condition])
        return (step.run(self._extractor, inputs(step.real), update_state=False),
                step.run(self._extractor, inputs(step.fake), update_state=False))

    def generator_loss(self, step: Step):
        real, fake = self._features(step)
        flat = lambda t: ops.reshape(ops.cast(t, "float32"), (ops.shape(t)[0], -1))  # noqa: E731
        # Real statistics are targets: no gradient flows into them (G's update only changes G anyway).
        # Means over the global batch: under a tf.distribute strategy a replica holds only its share.
        gap = global_mean(flat(ops.stop_gradient(real))) - global_mean(flat(fake))
        return ops.sum(ops.square(gap)) if self.distance == "l2" else ops.sum(ops.abs(gap))

    def get_config(self):
        return {**super().get_config(), "layer": self.layer, "distance": self.distance, "replace": self.replace}
