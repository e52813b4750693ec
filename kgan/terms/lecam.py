"""LeCam regularization (Tseng et al. 2021, "Regularizing Generative Adversarial Networks under Limited Data")."""

from __future__ import annotations

import keras
from keras import ops

from kgan.terms.base import Step, Term

__all__ = ["LeCam"]


@keras.saving.register_keras_serializable(package="kgan")
class LeCam(Term):
    """Pull D's logits on real data towards its recent fake average, and the reverse.

    Two anchors follow exponential moving averages of D's mean logit, ``alpha_R`` on real and
    ``alpha_F`` on generated data; D's loss gains (paper, eq. 3)::

        weight * ( E_x[(D(x) - alpha_F)^2] + E_z[(D(G(z)) - alpha_R)^2] )

    which bounds how far D can separate the two on small data sets (a LeCam divergence) and
    curbs D overfitting. In each training D update the anchors are updated first, with this
    batch's means, then used, as in the authors' code: ``alpha <- decay * alpha + (1 - decay) *
    mean(logits)``, except that the first update sets each anchor to its batch mean (no bias
    towards the initial 0). The anchors live in Keras variables created in ``build``: they are
    saved with the model and restored by ``keras.models.load_model``. Evaluation
    (``test_step``) reads them without updating them. The authors' code also clips each
    difference at 0 from one side (``relu``); this is the paper's two-sided formula.

    ```python
    gan.compile(loss="hinge", terms=[kgan.terms.LeCam(weight=0.3, decay=0.99)])   # reports `lecam`
    ```

    Args:
        weight: lambda (0.3 in the authors' BigGAN CIFAR-10 scripts).
        decay: the anchors' EMA decay, in [0, 1).
    """

    def __init__(self, weight: float = 0.3, decay: float = 0.99, name: str | None = None):
        super().__init__(weight=weight, name=name or "lecam")
        decay = float(decay)
        if not 0.0 <= decay < 1.0:
            raise ValueError(f"LeCam: decay must be in [0, 1), got {decay!r} (the paper uses 0.99).")
        self.decay = decay
        self._anchors = []
        self._updates = None

    def build(self, gan):
        # "mean" aggregation: under a tf.distribute strategy each replica proposes the EMA of its
        # own batch mean; their average is the EMA of the global batch mean.
        self._anchors = [keras.Variable(0.0, trainable=False, aggregation="mean", name=f"{self.name}_{which}")
                         for which in ("real_anchor", "fake_anchor")]
        self._updates = keras.Variable(0.0, trainable=False, aggregation="mean", name=f"{self.name}_updates")

    @property
    def variables(self):
        return [*self._anchors, self._updates] if self._updates is not None else []

    @property
    def anchors(self) -> tuple[float, float]:
        """``(alpha_R, alpha_F)`` as floats."""
        return tuple(float(ops.convert_to_numpy(a)) for a in self._anchors)

    def discriminator_loss(self, step: Step):
        real, fake = (ops.cast(out["logits"], "float32") for out in (step.d_real, step.d_fake))
        if step.training:
            decay = ops.where(self._updates.value > 0, self.decay, 0.0)  # the first update takes the mean
            for anchor, logits in zip(self._anchors, (real, fake), strict=True):
                anchor.assign(decay * anchor.value + (1.0 - decay) * ops.stop_gradient(ops.mean(logits)))
            self._updates.assign(self._updates.value + 1.0)
        # Read after the update (ordered in a tf.function: same variable, program order).
        alpha_real, alpha_fake = (ops.stop_gradient(ops.convert_to_tensor(a.value)) for a in self._anchors)
        return ops.mean(ops.square(real - alpha_fake)) + ops.mean(ops.square(fake - alpha_real))

    def get_config(self):
        return {**super().get_config(), "decay": self.decay}
