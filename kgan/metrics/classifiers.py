"""The project's own Fashion-MNIST classifier: the feature model for evaluation, no downloads.

Evaluation in the literature uses Inception-v3 weights, which cannot be
fetched here (and mean little for 28x28 grayscale clothes). kgan trains a small
convnet instead, with a reproducible recipe, and ships the result in the
package; its 128-d ``"features"`` layer feeds the Fréchet distance and its
softmax the classifier score.

```python
clf = kgan.metrics.fashion_mnist_classifier()        # shipped weights, test accuracy >= 0.90
fd = kgan.metrics.FrechetDistance(kgan.metrics.feature_extractor(clf))
```

Rebuild it (about 30 minutes on two idle CPU cores; test accuracy 0.927)::

    python benchmarks/fashion_mnist_classifier.py
"""

from __future__ import annotations

import os
from importlib import resources

import keras

from kgan import pixels

__all__ = [
    "FASHION_MNIST_CLASSES",
    "build_fashion_mnist_classifier",
    "fashion_mnist_classifier",
    "feature_extractor",
    "train_fashion_mnist_classifier",
]

FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                         "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
_ASSET = "fashion_mnist_classifier.keras"
_CACHE = os.path.join(os.path.expanduser("~"), ".cache", "kgan", _ASSET)


def build_fashion_mnist_classifier(seed: int = 0) -> keras.Model:
    """A small convnet for 28x28x1 images in [-1, 1]; ``"features"`` (128-d) feeds the metrics."""
    init = lambda i: keras.initializers.HeNormal(seed=seed + i)  # noqa: E731 - one seed per layer
    x = inputs = keras.Input((28, 28, 1), name="image")
    for i, filters in enumerate((32, 32, None, 64, 64, None, 128)):
        if filters is None:
            x = keras.layers.MaxPooling2D()(x)
            continue
        x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False, kernel_initializer=init(i))(x)
        x = keras.layers.BatchNormalization()(x)
        x = keras.layers.ReLU()(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dense(128, activation="relu", kernel_initializer=init(10), name="features")(x)
    x = keras.layers.Dropout(0.3, seed=seed)(x)
    outputs = keras.layers.Dense(10, activation="softmax", kernel_initializer=init(11), name="probabilities")(x)
    return keras.Model(inputs, outputs, name="fashion_mnist_classifier")


def train_fashion_mnist_classifier(epochs: int = 12, batch_size: int = 128, seed: int = 0,
                                   path: str | None = None, verbose: int = 2):
    """Train the classifier on the Fashion-MNIST training set; returns ``(model, test_accuracy)``.

    Deterministic given ``seed`` (same data order, initial weights and dropout
    masks); random horizontal flips and one-pixel shifts regularise it.
    """
    from kgan.data.images import image_arrays, images

    keras.utils.set_random_seed(seed)
    train = images("fashion_mnist", batch_size, labels=True, seed=seed)
    augment = keras.Sequential([keras.layers.RandomFlip("horizontal", seed=seed),
                                keras.layers.RandomTranslation(1 / 28, 1 / 28, fill_mode="constant",
                                                               fill_value=-1.0, seed=seed)])
    train = train.map(lambda x, y: (augment(x, training=True), y))
    x_test, y_test = image_arrays("fashion_mnist", "test")
    x_test = pixels.from_uint8(x_test)
    model = build_fashion_mnist_classifier(seed)
    steps = epochs * (60_000 // batch_size)
    schedule = keras.optimizers.schedules.CosineDecay(2e-3, steps)
    model.compile(keras.optimizers.Adam(schedule), "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(train, epochs=epochs, verbose=verbose)
    _, accuracy = model.evaluate(x_test, y_test, batch_size=1000, verbose=0)
    if path:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        keras.saving.save_model(model, path, include_optimizer=False)  # a feature model: weights only, 4x smaller
    return model, float(accuracy)


def _shipped_path() -> str | None:
    candidate = resources.files("kgan") / "assets" / _ASSET
    return str(candidate) if candidate.is_file() else None


def fashion_mnist_classifier(rebuild_if_missing: bool = True) -> keras.Model:
    """The project's Fashion-MNIST classifier (softmax output, a ``"features"`` layer).

    Loaded from the copy shipped in the package; when that is missing (a trimmed
    install), from ``~/.cache/kgan``; otherwise trained once (about 30 minutes on
    two CPU cores) and cached there.
    """
    for path in (_shipped_path(), _CACHE):
        if path and os.path.isfile(path):
            return keras.models.load_model(path, compile=False)
    if not rebuild_if_missing:
        raise FileNotFoundError(
            f"No Fashion-MNIST classifier in the package or {_CACHE}: call "
            "fashion_mnist_classifier(rebuild_if_missing=True) or run benchmarks/fashion_mnist_classifier.py."
        )
    print(f"kgan: training the Fashion-MNIST evaluation classifier once (cached in {_CACHE}) ...")
    model, accuracy = train_fashion_mnist_classifier(path=_CACHE, verbose=0)
    print(f"kgan: classifier test accuracy {accuracy:.4f}")
    return model


def feature_extractor(classifier: keras.Model, layer: str = "features") -> keras.Model:
    """A model from ``classifier``'s input to its ``layer`` output (default: the penultimate ``"features"``)."""
    try:
        output = classifier.get_layer(layer).output
    except ValueError:
        names = [lyr.name for lyr in classifier.layers]
        raise ValueError(f"The classifier has no layer {layer!r}; its layers: {names}.") from None
    return keras.Model(classifier.input, output, name=f"{classifier.name}_{layer}")

