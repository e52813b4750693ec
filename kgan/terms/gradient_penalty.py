"""WGAN-GP's gradient penalty (Gulrajani et al. 2017)."""

from __future__ import annotations

import keras
from keras import ops

from kgan.terms.base import Step, Term, warn_if_batch_norm_in_discriminator


@keras.saving.register_keras_serializable(package="kgan")
class GradientPenalty(Term):
    """Penalise D's gradient norm on random interpolates of real and fake data.

    ``weight * E[(||grad_x D(x_hat)||_2 - target)^2]`` with
    ``x_hat = real + alpha * (fake - real)``, ``alpha ~ U(0, 1)`` drawn per
    sample. ``epsilon`` sits inside the square root so the norm stays
    differentiable when a gradient is exactly zero.

    ```python
    gan.compile(loss="wasserstein", terms=[kgan.terms.GradientPenalty(weight=10.0)])
    ```
    Reported as the metric ``gradient_penalty`` (unweighted).
    """

    def __init__(self, weight: float = 10.0, target: float = 1.0, epsilon: float = 1e-12, name: str | None = None):
        super().__init__(weight=weight, name=name)
        self.target = float(target)
        self.epsilon = float(epsilon)

    def build(self, gan):
        warn_if_batch_norm_in_discriminator(self, gan)

    def discriminator_loss(self, step: Step):
        real = ops.cast(step.real, step.fake.dtype)
        rank = len(real.shape)
        alpha = keras.random.uniform(
            (ops.shape(real)[0],) + (1,) * (rank - 1), dtype=real.dtype, seed=step.seed_generator
        )
        mixed = real + alpha * (step.fake - real)
        # Differentiable, and loss-scaled under mixed float16 so the inner gradient cannot underflow.
        grads = step.input_gradient(lambda x: step.discriminate(x)["logits"], mixed)
        squared = ops.sum(ops.square(grads), axis=tuple(range(1, rank)))
        norm = ops.sqrt(squared + self.epsilon)
        return ops.mean(ops.square(norm - self.target))

    def get_config(self):
        return {**super().get_config(), "target": self.target, "epsilon": self.epsilon}
