"""A supervised classification term for discriminators that also classify (semi-supervised GANs)."""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from kgan import pixels
from kgan._checks import positive_int
from kgan.terms.base import Step, Term

__all__ = ["SupervisedClassification"]


def _as_model_range(images) -> np.ndarray:
    """uint8 images -> float32 in [-1, 1]; float images must already be in [-1, 1]."""
    images = np.asarray(images)
    if not (images.dtype == np.uint8 or np.issubdtype(images.dtype, np.floating)):
        raise TypeError(f"SupervisedClassification: images must be uint8 or float, got dtype {images.dtype}.")
    return pixels.as_model_range(images, "SupervisedClassification: the images", tolerance=0.001)


@keras.saving.register_keras_serializable(package="kgan")
class SupervisedClassification(Term):
    """Cross-entropy of D's class logits on a small labelled set, added to the D loss.

    The supervised half of the semi-supervised GAN (Salimans et al. 2016,
    section 5): D outputs K class logits besides its real/fake logit, and
    every discriminator update also draws ``batch_size`` labelled examples
    (with replacement) and minimises ``-log p(y | x)`` on them. The unlabeled
    data is what ``fit`` iterates over, so ``train_step`` is unchanged.

    The labelled set is kept in non-trainable variables, so a saved GAN
    carries it and resumes training with the same labels.

    ```python
    term = kgan.terms.SupervisedClassification(x_labeled, y_labeled, batch_size=64)
    gan.compile(terms=[term, kgan.terms.FeatureMatching()])    # D reports "class_logits"
    gan.fit(unlabeled_dataset, epochs=10)
    ```

    Args:
        images: labelled examples, uint8 (scaled to [-1, 1]) or float in
            [-1, 1]; shape ``(n, *sample_shape)``.
        labels: integer class ids in ``[0, num_classes)``, shape ``(n,)``.
        num_classes: K; default ``max(labels) + 1``.
        batch_size: labelled examples per discriminator update.
        output: the key of D's output dict holding the ``(batch, K)`` class
            logits.
        weight: multiplies the cross-entropy in the D loss.
        name: metric name (default ``supervised_classification``).
    """

    def __init__(self, images=None, labels=None, num_classes: int | None = None, batch_size: int = 64,
                 output: str = "class_logits", weight: float = 1.0, name: str | None = None,
                 num_labeled: int | None = None, sample_shape=None):
        super().__init__(weight=weight, name=name)
        self.batch_size = positive_int(batch_size, "SupervisedClassification: batch_size")
        self.output = str(output)
        if images is None:  # from a saved config: the variables are restored by load_model
            if num_labeled is None or sample_shape is None or num_classes is None:
                raise ValueError("SupervisedClassification needs images and labels (the labelled set).")
            self._images = None
            self._labels = None
            self.num_labeled, self.sample_shape = int(num_labeled), tuple(int(d) for d in sample_shape)
            self.num_classes = int(num_classes)
        else:
            images = _as_model_range(images)
            labels = np.asarray(labels)
            if labels.ndim != 1 or len(labels) != len(images):
                raise ValueError(
                    f"SupervisedClassification: need one integer label per image; got {len(images)} images and "
                    f"labels of shape {labels.shape}."
                )
            if len(images) == 0:
                raise ValueError("SupervisedClassification: the labelled set is empty.")
            if not np.issubdtype(labels.dtype, np.integer):
                raise TypeError(f"SupervisedClassification: labels must be integer class ids, got {labels.dtype}.")
            self.num_classes = int(num_classes) if num_classes is not None else int(labels.max()) + 1
            if labels.min() < 0 or labels.max() >= self.num_classes:
                raise ValueError(f"SupervisedClassification: labels must be in [0, {self.num_classes}); got "
                                 f"[{labels.min()}, {labels.max()}].")
            self._images, self._labels = images, labels.astype(np.int32)
            self.num_labeled, self.sample_shape = len(images), tuple(images.shape[1:])
        self._x = self._y = None

    def build(self, gan):
        keys = gan.discriminator_output_keys()
        if keys is not None and self.output not in keys:
            raise ValueError(
                f"SupervisedClassification reads D's {self.output!r} output, but the discriminator returns {keys}. "
                f"Return {{'logits': ..., {self.output!r}: (batch, {self.num_classes}) class logits}} from D, e.g. "
                "kgan.apps.semi_supervised.discriminator(...)."
            )
        try:
            expected = tuple(gan.discriminator.inputs[0].shape[1:])
        except (AttributeError, IndexError, TypeError, ValueError):
            expected = None
        if expected is not None and None not in expected and expected != self.sample_shape:
            raise ValueError(f"SupervisedClassification: the labelled images have shape {self.sample_shape}, "
                             f"the discriminator takes {expected}.")
        images = self._images if self._images is not None else np.zeros((self.num_labeled, *self.sample_shape),
                                                                         np.float32)
        labels = self._labels if self._labels is not None else np.zeros((self.num_labeled,), np.int32)
        self._x = keras.Variable(images, trainable=False, name=f"{self.name}_images")
        self._y = keras.Variable(labels, trainable=False, dtype="int32", name=f"{self.name}_labels")

    @property
    def variables(self):
        return [v for v in (self._x, self._y) if v is not None]

    def discriminator_loss(self, step: Step):
        index = keras.random.randint((self.batch_size,), 0, self.num_labeled, seed=step.seed_generator)
        x = ops.take(self._x, index, axis=0)
        y = ops.take(self._y, index, axis=0)
        logits = step.discriminate(x)[self.output]
        if logits.shape[-1] is not None and logits.shape[-1] != self.num_classes:
            raise ValueError(f"SupervisedClassification: D's {self.output!r} has {logits.shape[-1]} classes, the "
                             f"labels {self.num_classes}.")
        return ops.mean(keras.losses.sparse_categorical_crossentropy(y, ops.cast(logits, "float32"),
                                                                     from_logits=True))

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes, "batch_size": self.batch_size,
                "output": self.output, "num_labeled": self.num_labeled, "sample_shape": list(self.sample_shape)}
