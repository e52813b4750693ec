"""Zero-centred gradient penalties R1 and R2 (Mescheder et al. 2018), with lazy regularization."""

from __future__ import annotations

import keras
from keras import ops

from kgan._checks import positive_int
from kgan.terms.base import Step, Term, warn_if_batch_norm_in_discriminator

__all__ = ["R1Penalty", "R2Penalty"]


class _ZeroCentred(Term):
    """``weight/2 * E[||grad_x D(x)||^2]`` on the batch `_batch` picks; see `R1Penalty`."""

    def __init__(self, weight: float = 10.0, interval: int = 1, name: str | None = None):
        super().__init__(weight=weight, name=name)
        self.interval = positive_int(interval, f"{type(self).__name__}: interval")
        self._updates = None

    def _batch(self, step: Step):
        raise NotImplementedError

    def build(self, gan):
        warn_if_batch_norm_in_discriminator(self, gan)
        # The D updates seen so far; saved with the model so a resumed run keeps its rhythm.
        self._updates = None
        if self.interval > 1:
            self._updates = keras.Variable(0, dtype="int64", trainable=False, aggregation="only_first_replica",
                                           name=f"{self.name}_updates")

    @property
    def variables(self):
        return [] if self._updates is None else [self._updates]

    def _penalty(self, step: Step):
        # D in training mode but with its BatchNorm statistics untouched: the penalty reads D
        # a second time on a batch the adversarial loss has already shown it.
        grads = step.input_gradient(lambda x: step.discriminate(x, update_state=False)["logits"], self._batch(step))
        squared = ops.sum(ops.square(grads), axis=tuple(range(1, len(grads.shape))))
        return 0.5 * ops.mean(squared)

    def discriminator_loss(self, step: Step):
        if self.interval == 1 or not step.training:
            return self._penalty(step)
        updates = self._updates
        due = ops.equal(ops.mod(updates.value, self.interval), 0)
        # A graph-level conditional: off-steps run neither the inner gradient nor its backward pass.
        value = ops.cond(due, lambda: float(self.interval) * self._penalty(step), lambda: ops.zeros((), "float32"))
        updates.assign(updates + 1)
        return value

    def get_config(self):
        return {**super().get_config(), "interval": self.interval}


@keras.saving.register_keras_serializable(package="kgan")
class R1Penalty(_ZeroCentred):
    """R1: penalise D's input gradient on real data (Mescheder, Geiger & Nowozin 2018).

    Adds to D's loss ``weight/2 * E_x[||grad_x D(x)||^2]`` over the real batch, with ``D(x)`` the
    logit. Zero-centred (unlike WGAN-GP's ``(||g|| - 1)^2``): at equilibrium D is flat on the
    data, and "Which Training Methods for GANs do actually Converge?" shows this makes the
    non-saturating GAN locally convergent. ``weight`` is the paper's gamma (10 there; StyleGAN2
    and R3GAN tune it per dataset, often 0.1-10).

    Lazy regularization (Karras et al. 2020, StyleGAN2): ``interval=k`` computes the penalty
    only on every k-th D update (the first, k+1-th, ...), multiplied by k so its average
    strength is unchanged; the other updates add 0 and skip the double backward entirely (a
    ``keras.ops.cond`` on a counter of D updates kept in a Keras variable, saved with the model).

    The logged metric ``r1_penalty`` is the unweighted value added to the loss: ``k * R1`` on the
    updates that compute it and 0 on the others, so its epoch mean estimates R1 itself. In
    evaluation (``val_r1_penalty``) R1 is computed on every batch, unscaled.

    ```python
    gan.compile(loss="relativistic", terms=[kgan.terms.R1Penalty(weight=1.0, interval=16)])
    ```

    The gradient of D's summed logits is each sample's own only if D treats samples
    independently (no BatchNormalization in D).
    """

    def _batch(self, step):
        return step.real


@keras.saving.register_keras_serializable(package="kgan")
class R2Penalty(_ZeroCentred):
    """R2: `R1Penalty` on generated data, ``weight/2 * E_z[||grad_x D(x)||^2 at x = G(z)]``.

    Mescheder et al. 2018 define both; R3GAN (Huang et al. 2024) uses R1 and R2 together with
    the relativistic loss. Same ``interval`` option and metric (``r2_penalty``) as R1.

    ```python
    gan.compile(loss="relativistic", terms=[kgan.terms.R1Penalty(0.1), kgan.terms.R2Penalty(0.1)])
    ```
    """

    def _batch(self, step):
        return step.fake
