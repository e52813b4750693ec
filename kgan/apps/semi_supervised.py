"""Semi-supervised classification with a (K+1)-class discriminator (Salimans et al. 2016, section 5).

D outputs K class logits ``l``; the "fake" class is implicit with logit 0, so
``D(x) = Z(x) / (Z(x) + 1)`` with ``Z(x) = sum_k exp(l_k)``, which is a
sigmoid of the real/fake logit ``logsumexp(l)``. kgan's ordinary adversarial
loss on that logit is then exactly the paper's unsupervised loss; the
supervised cross-entropy on a few labelled examples is the pluggable term
`kgan.terms.SupervisedClassification`; G learns by feature matching. The
unlabeled data teaches D features of real images, which the few labels then
only have to name.

```python
from kgan.apps import semi_supervised as ssl
(x_l, y_l), _ = ssl.labeled_subset(x_train, y_train, per_class=100, seed=0)
result = ssl.train((x_l, y_l), x_train, epochs=5)       # unlabeled: all training images
result.accuracy(x_test, y_test)
result.classifier.predict(x_test)                       # softmax over the K classes
```
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from kgan._checks import positive_int

__all__ = ["LogSumExp", "SemiSupervisedResult", "accuracy", "build_gan", "classifier", "discriminator",
           "labeled_subset", "train", "train_supervised"]


@keras.saving.register_keras_serializable(package="kgan")
class LogSumExp(keras.layers.Layer):
    """``log(sum_k exp(l_k))`` over the last axis, kept as ``(batch, 1)``: the real/fake logit of a (K+1)-class D.

    With the fake class's logit fixed at 0, ``sigmoid(logsumexp(l)) = Z / (Z + 1)``
    is the probability of "real", so kgan's losses apply unchanged.
    """

    def call(self, logits):
        return ops.logsumexp(ops.cast(logits, "float32"), axis=-1, keepdims=True)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], 1)


def discriminator(image_shape=(28, 28, 1), num_classes: int = 10, width: int = 32, dropout: float = 0.5,
                  input_dropout: float = 0.2, seed: int | None = None, name: str = "ssl_discriminator") -> keras.Model:
    """A (K+1)-class discriminator: image -> ``{"logits", "class_logits", "features"}``.

    Convolutions (no batch normalisation, so a sample's output never depends on
    its batch, and D can see real, generated and labelled batches alike) with
    dropout, as in the paper's semi-supervised networks; ``"features"`` is the
    global average of the last convolution (what feature matching reads).

    Args:
        image_shape: ``(height, width, channels)``, any size >= 12x12.
        num_classes: K, the real classes.
        width: channels of the first convolutions; later ones double.
        dropout: after each downsampling block (regularises the few-label fit).
        input_dropout: on the input image.
        seed: seeds the initialisation and dropout.
    """
    num_classes = positive_int(num_classes, "num_classes")
    width = positive_int(width, "width")
    shape = tuple(int(d) for d in image_shape)
    if len(shape) != 3 or min(shape[:2]) < 12:
        raise ValueError(f"image_shape must be (height, width, channels) with sides >= 12, got {image_shape!r}.")
    init = lambda i: keras.initializers.HeNormal(seed=None if seed is None else seed + i)  # noqa: E731
    drop_seed = lambda i: None if seed is None else seed + 100 + i  # noqa: E731
    images = keras.Input(shape, name="image")
    x = keras.layers.Dropout(input_dropout, seed=drop_seed(0), name="input_dropout")(images)
    # Downsample early: full-resolution convolutions dominate the cost on a CPU.
    layers = [(width, 4, 2), (2 * width, 3, 1), (2 * width, 4, 2)]
    for i, (filters, kernel, stride) in enumerate(layers):
        x = keras.layers.Conv2D(filters, kernel, strides=stride, padding="same", kernel_initializer=init(i),
                                name=f"conv{i + 1}")(x)
        x = keras.layers.LeakyReLU(0.2, name=f"conv{i + 1}_act")(x)
        if stride == 2:
            x = keras.layers.Dropout(dropout, seed=drop_seed(i + 1), name=f"conv{i + 1}_dropout")(x)
    x = keras.layers.Conv2D(2 * width, 3, padding="valid", kernel_initializer=init(9), name="conv_last")(x)
    x = keras.layers.LeakyReLU(0.2, name="conv_last_act")(x)
    features = keras.layers.GlobalAveragePooling2D(name="features")(x)
    class_logits = keras.layers.Dense(num_classes, dtype="float32", kernel_initializer=init(10),
                                      name="class_logits")(features)
    logits = LogSumExp(name="logits")(class_logits)
    return keras.Model(images, {"logits": logits, "class_logits": class_logits, "features": features}, name=name)


def classifier(disc: keras.Model, name: str | None = None) -> keras.Model:
    """The K-class softmax classifier inside a (K+1)-class D (shares its weights)."""
    try:
        class_logits = disc.output["class_logits"]
    except (AttributeError, KeyError, TypeError, ValueError):
        raise ValueError("classifier() needs a functional discriminator with a 'class_logits' output, "
                         "e.g. kgan.apps.semi_supervised.discriminator().") from None
    probabilities = keras.layers.Softmax(name="probabilities")(class_logits)
    return keras.Model(disc.input, probabilities, name=name or f"{disc.name}_classifier")


def labeled_subset(x, y, per_class: int, seed: int = 0, num_classes: int | None = None):
    """``per_class`` examples of each class, drawn with ``seed``.

    Returns ``((x_labeled, y_labeled), rest_index)``: the labelled arrays and
    the indices of the other examples (usable as unlabeled data).
    """
    per_class = positive_int(per_class, "per_class")
    y = np.asarray(y).astype(np.int64)
    num_classes = num_classes or int(y.max()) + 1
    rng = np.random.default_rng(seed)
    picked = []
    for c in range(num_classes):
        index = np.flatnonzero(y == c)
        if len(index) < per_class:
            raise ValueError(f"Class {c} has {len(index)} examples, fewer than per_class={per_class}.")
        picked.append(rng.choice(index, per_class, replace=False))
    picked = rng.permutation(np.concatenate(picked))
    rest = np.setdiff1d(np.arange(len(y)), picked)
    return (np.asarray(x)[picked], y[picked]), rest


def build_gan(image_shape=(28, 28, 1), num_classes: int = 10, latent_dim: int = 100, width: int = 32,
              seed: int | None = None):
    """A `kgan.GAN`: a DCGAN generator and a (K+1)-class `discriminator` (uncompiled)."""
    from kgan import latent as latent_lib
    from kgan.gan import GAN
    from kgan.nets import dcgan_generator

    return GAN(generator=dcgan_generator(image_shape, latent_dim, width, seed=seed),
               discriminator=discriminator(image_shape, num_classes, width, seed=None if seed is None else seed + 1000),
               latent=latent_lib.Uniform(latent_dim, -1.0, 1.0), seed=seed, name="semi_supervised_gan")


@dataclass
class SemiSupervisedResult:
    """What `train` returns: the classifier, the GAN it came from, the fit history."""

    classifier: keras.Model
    gan: object
    history: dict

    def accuracy(self, x, y, batch_size: int = 1000) -> float:
        """Classification accuracy on ``(x, y)`` (uint8 or [-1, 1] float images)."""
        return accuracy(self.classifier, x, y, batch_size)


def _as_model_range(x) -> np.ndarray:
    from kgan.terms.supervised import _as_model_range as convert

    return convert(x)


def accuracy(model: keras.Model, x, y, batch_size: int = 1000) -> float:
    """Fraction of ``x`` that ``model`` (class probabilities or logits) labels as ``y``."""
    x = _as_model_range(x)
    predicted = np.concatenate([np.argmax(np.asarray(model(x[i:i + batch_size], training=False)), axis=-1)
                                for i in range(0, len(x), batch_size)])
    return float(np.mean(predicted == np.asarray(y).reshape(-1)))


def _check_labeled(labeled):
    try:
        x, y = labeled
    except (TypeError, ValueError):
        raise ValueError("labeled must be an (images, labels) pair.") from None
    return x, np.asarray(y)


def train(labeled, unlabeled, *, num_classes: int | None = None, epochs: int = 5, batch_size: int = 64,
          labeled_batch_size: int | None = None, latent_dim: int = 100, width: int = 32, feature_matching: bool = True,
          seed: int = 0, steps_per_epoch: int | None = None, callbacks=None, verbose="auto") -> SemiSupervisedResult:
    """Train a (K+1)-class GAN on a few labels plus unlabeled images; return the classifier.

    Args:
        labeled: ``(images, labels)``, images uint8 or in [-1, 1], shape ``(n, H, W, C)``.
        unlabeled: images as an array (uint8 or [-1, 1]) or a ``tf.data.Dataset``
            of image batches in [-1, 1]. May include the labelled images.
        num_classes: K (default ``max(labels) + 1``).
        epochs, batch_size, steps_per_epoch: as in ``fit`` over the unlabeled data.
        labeled_batch_size: labelled examples per D update (default ``batch_size``).
        latent_dim, width: generator code size and network width.
        feature_matching: G's objective is feature matching on D's
            ``"features"`` (the paper's choice for semi-supervised learning);
            False: the plain non-saturating G loss.
        seed: seeds weights, latent draws, the data order and the labelled draws.
    """
    import kgan

    x_l, y_l = _check_labeled(labeled)
    num_classes = num_classes or int(y_l.max()) + 1
    x_l = _as_model_range(x_l)
    if isinstance(unlabeled, tf.data.Dataset):
        data = unlabeled
    else:
        data = kgan.data.images(np.asarray(unlabeled), positive_int(batch_size, "batch_size"), seed=seed,
                                value_range=None if np.asarray(unlabeled).dtype == np.uint8 else (-1.0, 1.0))
    keras.utils.set_random_seed(seed)
    gan = build_gan(tuple(x_l.shape[1:]), num_classes, latent_dim, width, seed=seed)
    terms = [kgan.terms.SupervisedClassification(x_l, y_l, num_classes=num_classes,
                                                 batch_size=labeled_batch_size or batch_size)]
    if feature_matching:
        terms.append(kgan.terms.FeatureMatching(layer="features"))
    gan.compile(terms=terms)
    history = gan.fit(data, epochs=epochs, steps_per_epoch=steps_per_epoch, callbacks=callbacks, verbose=verbose)
    return SemiSupervisedResult(classifier(gan.discriminator), gan, history.history)


def train_supervised(labeled, *, num_classes: int | None = None, epochs: int = 100, batch_size: int = 64,
                     width: int = 32, seed: int = 0, learning_rate: float = 2e-4, verbose="auto"):
    """The baseline: the same network as `discriminator`, trained on the labelled examples alone.

    Cross-entropy on the class logits with ``Adam(learning_rate, beta_1=0.5)``,
    the discriminator's optimizer in `train`. Returns ``(classifier, history)``.
    """
    x, y = _check_labeled(labeled)
    num_classes = num_classes or int(y.max()) + 1
    x = _as_model_range(x)
    keras.utils.set_random_seed(seed)
    disc = discriminator(tuple(x.shape[1:]), num_classes, width, seed=seed + 1000)
    logits_model = keras.Model(disc.input, disc.output["class_logits"])
    logits_model.compile(optimizer=keras.optimizers.Adam(learning_rate, beta_1=0.5),
                         loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    history = logits_model.fit(x, y.astype(np.int32), batch_size=batch_size, epochs=epochs, shuffle=True,
                               verbose=verbose)
    return classifier(disc), history.history
