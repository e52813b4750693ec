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
result = ssl.train((x_l, y_l), x_train, epochs=10)      # unlabeled: all training images
result.accuracy(x_test, y_test)                         # ~0.83 on Fashion-MNIST with 100 labels per class
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

__all__ = ["NETWORKS", "LogSumExp", "SemiSupervisedResult", "accuracy", "build_gan", "classifier", "discriminator",
           "labeled_subset", "mlp_discriminator", "train", "train_supervised"]

# "mlp": the paper's permutation-invariant MNIST networks (Gaussian noise in D), the measured best;
# "conv": a small convolutional D with dropout and a DCGAN generator, for images an MLP does not suit.
NETWORKS = ("mlp", "conv")
# Each network's optimizer: the paper's Adam(3e-3) for the MLPs; the DCGAN setting for the convolutions.
_DEFAULT_LEARNING_RATE = {"mlp": 3e-3, "conv": 2e-4}


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


def mlp_discriminator(image_shape=(28, 28, 1), num_classes: int = 10, units=(1000, 500, 250, 250, 250),
                      input_noise: float = 0.3, noise: float = 0.5, seed: int | None = None,
                      name: str = "ssl_mlp_discriminator") -> keras.Model:
    """The paper's (K+1)-class MLP discriminator: image -> ``{"logits", "class_logits", "features"}``.

    Salimans et al.'s semi-supervised MNIST network: dense ReLU layers of
    1000-500-250-250-250 units with Gaussian noise added to the input
    (``input_noise``) and to every later layer's input (``noise``), active only
    in training. The noise is the regulariser that lets 1,000 labels train a
    1.5M-weight classifier; there is no batch normalization, so a sample's
    output never depends on its batch. ``"features"`` is the last hidden layer
    (what feature matching reads). The paper's weight normalization is left out.

    ```python
    D = ssl.mlp_discriminator((28, 28, 1), num_classes=10, seed=0)
    D(images)["class_logits"].shape     # (n, 10)
    ```
    """
    from kgan.nets.mlp import _he, _image_shape, _mlp_image_body

    num_classes = positive_int(num_classes, "num_classes")
    images = keras.Input(_image_shape(image_shape, "mlp_discriminator"), name="image")
    features = _mlp_image_body(images, units, input_noise, noise, seed)
    x = keras.layers.GaussianNoise(noise, seed=None if seed is None else seed + 99, name="noise_out")(features)
    class_logits = keras.layers.Dense(num_classes, dtype="float32", kernel_initializer=_he(seed, len(units)),
                                      name="class_logits")(x)
    logits = LogSumExp(name="logits")(class_logits)
    return keras.Model(images, {"logits": logits, "class_logits": class_logits, "features": features}, name=name)


def _check_network(network: str) -> str:
    if network not in NETWORKS:
        raise ValueError(f"network must be one of {NETWORKS}, got {network!r}: 'mlp' is the paper's recipe "
                         "for 28x28 grayscale images; 'conv' suits larger or colour images.")
    return network


def _discriminator_for(network, image_shape, num_classes, width, seed):
    if _check_network(network) == "mlp":
        return mlp_discriminator(image_shape, num_classes, seed=seed)
    return discriminator(image_shape, num_classes, width, seed=seed)


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
              seed: int | None = None, network: str = "mlp"):
    """A `kgan.GAN` with a (K+1)-class discriminator (uncompiled).

    ``network="mlp"``: the paper's `kgan.nets.mlp_image_generator` and `mlp_discriminator`
    with a U(0, 1) latent; ``"conv"``: a DCGAN generator and the convolutional
    `discriminator` (``width`` sets both) with a U(-1, 1) latent.
    """
    from kgan import latent as latent_lib
    from kgan.gan import GAN
    from kgan.nets import dcgan_generator

    d_seed = None if seed is None else seed + 1000
    disc = _discriminator_for(network, image_shape, num_classes, width, d_seed)
    if network == "mlp":
        from kgan.nets import mlp_image_generator

        return GAN(generator=mlp_image_generator(image_shape, latent_dim, seed=seed), discriminator=disc,
                   latent=latent_lib.Uniform(latent_dim, 0.0, 1.0), seed=seed, name="semi_supervised_gan")
    return GAN(generator=dcgan_generator(image_shape, latent_dim, width, seed=seed), discriminator=disc,
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


def _optimizer(network, learning_rate, total_steps):
    """Adam(beta_1=0.5); for the MLPs the paper's linear decay to 0 over the run (when its length is known)."""
    rate = _DEFAULT_LEARNING_RATE[network] if learning_rate is None else float(learning_rate)
    if rate <= 0:
        raise ValueError(f"learning_rate must be > 0, got {learning_rate}.")
    if network == "mlp" and total_steps:
        rate = keras.optimizers.schedules.PolynomialDecay(rate, int(total_steps), end_learning_rate=0.0)
    return keras.optimizers.Adam(rate, beta_1=0.5)


def _steps_per_epoch(data, steps_per_epoch):
    if steps_per_epoch:
        return int(steps_per_epoch)
    cardinality = int(data.cardinality())
    return cardinality if cardinality > 0 else None


def train(labeled, unlabeled, *, num_classes: int | None = None, epochs: int = 10, batch_size: int = 100,
          labeled_batch_size: int | None = None, latent_dim: int = 100, network: str = "mlp", width: int = 32,
          learning_rate: float | None = None, feature_matching: bool = True, seed: int = 0,
          steps_per_epoch: int | None = None, callbacks=None, verbose="auto") -> SemiSupervisedResult:
    """Train a (K+1)-class GAN on a few labels plus unlabeled images; return the classifier.

    The defaults are the paper's MNIST recipe: MLP networks with Gaussian
    noise in D, batch 100 (and 100 labelled examples per D update), Adam with
    ``beta_1=0.5`` at 3e-3 decayed linearly to 0 over the run, feature
    matching for G, and the labelled loss weighted 2:1 against the unlabeled
    one (the paper's ``L_supervised + 0.5 L_unsupervised``, since kgan's D loss
    sums the real and fake halves).

    Args:
        labeled: ``(images, labels)``, images uint8 or in [-1, 1], shape ``(n, H, W, C)``.
        unlabeled: images as an array (uint8 or [-1, 1]) or a ``tf.data.Dataset``
            of image batches in [-1, 1]. May include the labelled images.
        num_classes: K (default ``max(labels) + 1``).
        epochs, batch_size, steps_per_epoch: as in ``fit`` over the unlabeled data.
        labeled_batch_size: labelled examples per D update (default ``batch_size``).
        latent_dim: generator code size.
        network: ``"mlp"`` (the paper's networks) or ``"conv"`` (`discriminator`
            and a DCGAN generator of ``width``).
        learning_rate: both players' Adam rate (default 3e-3 for ``"mlp"``,
            2e-4 for ``"conv"``).
        feature_matching: G's objective is feature matching on D's
            ``"features"`` (the paper's choice for semi-supervised learning);
            False: the plain non-saturating G loss.
        seed: seeds weights, latent draws, the data order and the labelled draws.
    """
    from kgan.data.images import images
    from kgan.terms.feature_matching import FeatureMatching
    from kgan.terms.supervised import SupervisedClassification

    network = _check_network(network)
    x_l, y_l = _check_labeled(labeled)
    num_classes = num_classes or int(y_l.max()) + 1
    x_l = _as_model_range(x_l)
    batch_size = positive_int(batch_size, "batch_size")
    epochs = positive_int(epochs, "epochs")
    if isinstance(unlabeled, tf.data.Dataset):
        data = unlabeled
    else:
        data = images(np.asarray(unlabeled), batch_size, seed=seed,
                                value_range=None if np.asarray(unlabeled).dtype == np.uint8 else (-1.0, 1.0))
    steps = _steps_per_epoch(data, steps_per_epoch)
    total = None if steps is None else epochs * steps
    keras.utils.set_random_seed(seed)
    gan = build_gan(tuple(x_l.shape[1:]), num_classes, latent_dim, width, seed=seed, network=network)
    terms = [SupervisedClassification(x_l, y_l, num_classes=num_classes,
                                                 batch_size=labeled_batch_size or batch_size, weight=2.0)]
    if feature_matching:
        terms.append(FeatureMatching(layer="features"))
    gan.compile(d_optimizer=_optimizer(network, learning_rate, total),
                g_optimizer=_optimizer(network, learning_rate, total), terms=terms)
    history = gan.fit(data, epochs=epochs, steps_per_epoch=steps_per_epoch, callbacks=callbacks, verbose=verbose)
    return SemiSupervisedResult(classifier(gan.discriminator), gan, history.history)


def train_supervised(labeled, *, num_classes: int | None = None, epochs: int = 100, batch_size: int = 100,
                     network: str = "mlp", width: int = 32, learning_rate: float | None = None, seed: int = 0,
                     verbose="auto"):
    """The baseline: the same discriminator network, trained on the labelled examples alone.

    Cross-entropy on the class logits with the optimizer `train` gives D
    (Adam, ``beta_1=0.5``, the network's default rate, linear decay for the
    MLP) and the same regularisers (noise or dropout). Returns
    ``(classifier, history)``.
    """
    network = _check_network(network)
    x, y = _check_labeled(labeled)
    num_classes = num_classes or int(y.max()) + 1
    x = _as_model_range(x)
    epochs = positive_int(epochs, "epochs")
    batch_size = positive_int(batch_size, "batch_size")
    keras.utils.set_random_seed(seed)
    disc = _discriminator_for(network, tuple(x.shape[1:]), num_classes, width, seed + 1000)
    logits_model = keras.Model(disc.input, disc.output["class_logits"])
    total = epochs * -(-len(x) // batch_size)
    logits_model.compile(optimizer=_optimizer(network, learning_rate, total),
                         loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    history = logits_model.fit(x, y.astype(np.int32), batch_size=batch_size, epochs=epochs, shuffle=True,
                               verbose=verbose)
    return classifier(disc), history.history
