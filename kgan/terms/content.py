"""Content loss for image-to-image generators (SRGAN, Ledig et al. 2016, section 2.2)."""

from __future__ import annotations

import keras
from keras import ops

from kgan.terms.base import GENERATOR, Step, Term

PIXEL_LOSSES = ("mse", "l1")


@keras.saving.register_keras_serializable(package="kgan")
class ContentLoss(Term):
    """The generator's output must match the paired real image: pixel loss + feature loss.

    ``pixel_weight * mean((G(c) - x)^2) + feature_weight * mean((phi(G(c)) - phi(x))^2) / mean(phi(x)^2)``
    (the feature error relative to the real features' energy, a batch mean) where ``x`` is
    the real image paired with the condition ``c`` (the batch is ``(x, c)``; for super-resolution ``c`` is
    the low-resolution image) and ``phi`` a frozen feature model (SRGAN uses VGG; kgan uses a network the
    project trains itself, e.g. the Fashion-MNIST classifier's convolutional features). Without a feature
    model the term is the pixel loss alone.

    ```python
    phi = kgan.metrics.feature_extractor(kgan.metrics.fashion_mnist_classifier(), layer="...")
    gan.compile(terms=[kgan.terms.ContentLoss(phi, feature_weight=0.1, weight=1000.0)])  # content + 1e-3 adversarial
    ```

    The term is also a plain loss function ``term(real, generated)``, so the content-only pre-training
    can be ordinary Keras: ``generator.compile(optimizer, loss=term); generator.fit(low_res, high_res)``.

    Args:
        feature_model: a Keras model from images to features, or None (pixel loss only). It is never
            trained (run in inference mode); its weights are saved with the GAN.
        pixel: ``"mse"`` (the paper) or ``"l1"``.
        pixel_weight, feature_weight: the two parts' weights inside the term.
        replace: True: the term is G's whole objective (the adversarial G loss is dropped).
        weight: multiplies the term in the G loss (relative to the adversarial loss, which has weight 1:
            the paper's ``content + 1e-3 * adversarial`` is ``weight=1000``, same updates under Adam).
        name: metric name (default ``content_loss``).
    """

    def __init__(self, feature_model=None, pixel: str = "mse", pixel_weight: float = 1.0, feature_weight: float = 1.0,
                 replace: bool = False, weight: float = 1.0, name: str | None = None):
        super().__init__(weight=weight, name=name)
        if pixel not in PIXEL_LOSSES:
            raise ValueError(f"ContentLoss: pixel={pixel!r}; choose one of {PIXEL_LOSSES}.")
        if isinstance(feature_model, dict):  # from a saved config
            feature_model = keras.saving.deserialize_keras_object(feature_model)
        if feature_model is not None and not isinstance(feature_model, keras.Model):
            raise TypeError(
                f"ContentLoss: feature_model must be a keras.Model from images to features (or None), got "
                f"{type(feature_model).__name__}. Build one with kgan.metrics.feature_extractor(classifier, layer)."
            )
        self.feature_model, self.pixel = feature_model, pixel
        self.pixel_weight, self.feature_weight = float(pixel_weight), float(feature_weight)
        self.replace = bool(replace)
        self.replaces_adversarial_loss = (GENERATOR,) if self.replace else ()
        if self.feature_model is not None:
            self.feature_model.trainable = False

    def build(self, gan):
        if self.feature_model is None:
            return
        try:
            produced = tuple(gan.generator.output.shape[1:])
        except (AttributeError, ValueError):
            return  # subclassed generator: shapes show at the first step
        wanted = tuple(self.feature_model.inputs[0].shape[1:])
        if any(w is not None and p is not None and w != p for w, p in zip(wanted, produced, strict=False)) or \
                len(wanted) != len(produced):
            raise ValueError(
                f"ContentLoss: the feature model takes images of shape {wanted} but the generator makes {produced}. "
                "Use a feature model for this image size, or feature_model=None (pixel loss only)."
            )

    @property
    def variables(self) -> list:
        # Listed so that GAN.save stores the feature model's weights with the term (terms are not tracked).
        return [] if self.feature_model is None else list(self.feature_model.weights)

    def __call__(self, real, generated):
        """The (unweighted) content loss between real images and generated ones, a scalar."""
        real, generated = ops.cast(real, "float32"), ops.cast(generated, "float32")
        diff = generated - real
        value = self.pixel_weight * ops.mean(ops.square(diff) if self.pixel == "mse" else ops.abs(diff))
        if self.feature_model is not None and self.feature_weight:
            # Targets come from the real image: no gradient there (phi is frozen anyway).
            target = ops.stop_gradient(ops.cast(self.feature_model(real, training=False), "float32"))
            error = ops.mean(ops.square(ops.cast(self.feature_model(generated, training=False), "float32") - target))
            # Relative to the features' own energy, so feature_weight means the same for any feature model
            # (SRGAN rescales its VGG features by a hand-picked 1/12.75 for the same reason).
            value = value + self.feature_weight * error / (ops.mean(ops.square(target)) + 1e-8)
        return value

    def generator_loss(self, step: Step):
        return self(step.real, step.fake)

    def __repr__(self):
        features = None if self.feature_model is None else self.feature_model.name
        return (f"ContentLoss(feature_model={features!r}, pixel={self.pixel!r}, pixel_weight={self.pixel_weight}, "
                f"feature_weight={self.feature_weight}, replace={self.replace}, weight={self.weight}, name={self.name!r})")

    def get_config(self):
        return {
            **super().get_config(),
            "feature_model": None if self.feature_model is None else keras.saving.serialize_keras_object(self.feature_model),
            "pixel": self.pixel,
            "pixel_weight": self.pixel_weight,
            "feature_weight": self.feature_weight,
            "replace": self.replace,
        }
