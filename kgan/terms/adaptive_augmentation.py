"""ADA's adaptive augmentation probability (Karras et al. 2020, "Training GANs with limited data")."""

from __future__ import annotations

import keras
from keras import ops

from kgan import _keras_private
from kgan.augment import DiffAugment
from kgan.terms.base import Step, Term


@keras.saving.register_keras_serializable(package="kgan")
class AdaptiveAugmentation(Term):
    """Drive D's augmentation probability ``p`` with ADA's overfitting heuristic; log it.

    ADA watches ``r_t = E[sign(D(real))]``: near 0 while D generalises, near 1 once D is sure
    of every training image (it overfits). Every ``interval`` D updates, ``p`` moves by
    ``sign(r_t - target) * images / ramp_images`` (``images``: real images seen since the last
    move; the paper counts all replicas' images), clipped to [0, 1], so ``p`` can cross its
    whole range in ``ramp_images`` images. ``p`` is the weight of the discriminator's
    `kgan.augment.DiffAugment` layer(s): saved with the model, it continues after
    ``gan.save``/``load_model`` and ``BackupAndRestore``. The running sums live in this
    term's Keras variables and are saved with the GAN.

    The term adds nothing to the loss (its weight is 0); its metric is ``p`` after the
    update, averaged over the epoch like every metric: ``augment_p`` in fit's logs.

    ```python
    D = kgan.nets.augmented(kgan.nets.dcgan_discriminator((28, 28, 1)), p=0.0)
    gan = kgan.GAN(G, D, latent=100)
    gan.compile(terms=[kgan.terms.AdaptiveAugmentation(target=0.6)])   # logs augment_p
    ```

    Args:
        target: the value of ``r_t`` to hold (the paper: 0.6).
        interval: D updates between two moves of ``p`` (the paper: 4).
        ramp_images: real images over which ``p`` can move from 0 to 1 (the paper: 500k).
        name: metric name.
    """

    def __init__(self, target: float = 0.6, interval: int = 4, ramp_images: int = 500_000,
                 name: str | None = "augment_p"):
        super().__init__(weight=0.0, name=name)
        if not -1.0 <= float(target) <= 1.0:
            raise ValueError(f"AdaptiveAugmentation: target={target}; r_t = E[sign(D(real))] lies in [-1, 1] "
                             "(the paper uses 0.6).")
        if int(interval) < 1 or float(ramp_images) <= 0:
            raise ValueError(f"AdaptiveAugmentation: need interval >= 1 and ramp_images > 0; got interval={interval}, "
                             f"ramp_images={ramp_images}.")
        self.target, self.interval, self.ramp_images = float(target), int(interval), int(ramp_images)
        self._layers, self._sums = [], []

    def build(self, gan):
        self._layers = [layer for layer in _keras_private.flatten_layers(gan.discriminator)
                        if isinstance(layer, DiffAugment)]
        if not self._layers:
            raise ValueError(
                "AdaptiveAugmentation adapts the probability of a DiffAugment layer, and the discriminator has none. "
                "Wrap it: kgan.GAN(G, kgan.nets.augmented(D, p=0.0), ...).")
        for layer in self._layers:
            if not layer.built:
                raise ValueError(f"The DiffAugment layer {layer.name!r} is not built: call the discriminator once "
                                 "(or build it with keras.Input) before compile.")
        # Signs summed, images counted and D updates counted since the last move of p.
        self._sums = [keras.Variable(0.0, trainable=False, aggregation="mean", name=f"{self.name}_{what}")
                      for what in ("signs", "images", "updates")]

    @property
    def variables(self):
        return list(self._sums)

    def discriminator_loss(self, step: Step):
        p = ops.cast(self._layers[0].p, "float32")
        if not step.training:  # evaluation: report p, move nothing
            return p
        logits = ops.reshape(ops.cast(step.d_real["logits"], "float32"), (-1,))
        signs, images, updates = self._sums
        signs_now = signs + ops.sum(ops.sign(ops.stop_gradient(logits)))
        images_now = images + ops.cast(ops.shape(logits)[0], "float32")
        updates_now = updates + 1.0
        due = updates_now >= float(self.interval)
        r_t = signs_now / ops.maximum(images_now, 1.0)
        moved = ops.clip(p + ops.sign(r_t - self.target) * images_now / float(self.ramp_images), 0.0, 1.0)
        new_p = ops.where(due, moved, p)
        for layer in self._layers:
            layer.p.assign(ops.cast(new_p, layer.p.dtype))
        for variable, value in zip(self._sums, (signs_now, images_now, updates_now), strict=True):
            variable.assign(ops.where(due, 0.0, value))
        return new_p

    def get_config(self):  # no weight: the term never adds to the loss
        return {"target": self.target, "interval": self.interval, "ramp_images": self.ramp_images, "name": self.name}
