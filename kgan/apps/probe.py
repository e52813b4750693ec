"""A trained discriminator as a feature extractor: the DCGAN paper's linear probe.

The paper (section 5.1) takes every convolutional layer of D, max-pools each
to a 4x4 grid, concatenates the results and fits a linear classifier on a few
labels. The same classifier on raw pixels is the baseline the features must
beat.

```python
from kgan.apps import probe
x, y = kgan.data.image_arrays("fashion_mnist", "train")
x_test, y_test = kgan.data.image_arrays("fashion_mnist", "test")
result = probe.linear_probe(gan.discriminator, (x, y), (x_test, y_test), labels_per_class=100)
print(result)   # D features: 0.8xx, raw pixels: 0.7xx
```
Needs scikit-learn (``pip install 'kgan[tuner]'`` or ``scikit-learn``).
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np

from kgan import pixels

__all__ = ["ProbeResult", "discriminator_features", "linear_probe", "pick_labelled"]


def _conv_activations(discriminator) -> list:
    """D's activation layers with 4-D (image-like) outputs, in order."""
    found = []
    for layer in discriminator.layers:
        is_activation = isinstance(layer, (keras.layers.LeakyReLU, keras.layers.ReLU, keras.layers.Activation))
        try:
            rank = len(layer.output.shape)
        except (AttributeError, ValueError):
            continue
        if is_activation and rank == 4:
            found.append(layer)
    return found


def _grid_max_pool(maps: np.ndarray, grid: int) -> np.ndarray:
    """Max over a ``grid x grid`` partition of each map (sizes need not divide evenly)."""
    rows = np.array_split(np.arange(maps.shape[1]), min(grid, maps.shape[1]))
    cols = np.array_split(np.arange(maps.shape[2]), min(grid, maps.shape[2]))
    cells = [maps[:, r[0]:r[-1] + 1, c[0]:c[-1] + 1].max(axis=(1, 2)) for r in rows for c in cols]
    return np.concatenate(cells, axis=1)


def discriminator_features(discriminator, images, grid: int = 4, layers=None, batch_size: int = 500) -> np.ndarray:
    """Features of ``images`` ((n, h, w, c), [-1, 1] or uint8) from D's convolutional layers.

    Args:
        discriminator: a functional Keras model (e.g. `kgan.nets.dcgan_discriminator`).
        grid: each layer's maps are max-pooled to ``grid x grid``.
        layers: names of the layers to read; default every activation layer
            with image-shaped output (DCGAN: each LeakyReLU).
    """
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[..., None]
    if images.dtype == np.uint8:
        images = pixels.from_uint8(images)
    chosen = [discriminator.get_layer(n) for n in layers] if layers else _conv_activations(discriminator)
    if not chosen:
        raise ValueError(
            "The discriminator has no activation layer with image-shaped output to read; pass layers=[names]."
        )
    extractor = keras.Model(discriminator.input, [layer.output for layer in chosen])
    out = []
    for start in range(0, len(images), batch_size):
        maps = extractor(images[start:start + batch_size].astype(np.float32), training=False)
        maps = maps if isinstance(maps, (list, tuple)) else [maps]
        out.append(np.concatenate([_grid_max_pool(np.asarray(m), grid) for m in maps], axis=1))
    return np.concatenate(out)


def pick_labelled(labels, per_class: int, seed: int = 0) -> np.ndarray:
    """Indices of ``per_class`` random examples of every class (the few labels a probe may use)."""
    labels = np.asarray(labels).reshape(-1)
    rng = np.random.default_rng(seed)
    picked = []
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        if len(members) < per_class:
            raise ValueError(f"Class {c} has only {len(members)} examples; per_class={per_class}.")
        picked.append(rng.choice(members, per_class, replace=False))
    return np.sort(np.concatenate(picked))


@dataclass
class ProbeResult:
    feature_accuracy: float
    pixel_accuracy: float
    labels_per_class: int
    feature_dim: int

    def __str__(self):
        return (f"linear probe, {self.labels_per_class} labels per class: D features ({self.feature_dim}-d) "
                f"{self.feature_accuracy:.4f}, raw pixels {self.pixel_accuracy:.4f}")


def _fit_and_score(x_train, y_train, x_test, y_test, seed) -> float:
    try:
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler
    except ImportError:
        raise ImportError("The linear probe needs scikit-learn: pip install scikit-learn") from None
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000, random_state=seed))
    model.fit(x_train.reshape(len(x_train), -1), y_train)
    return float(model.score(x_test.reshape(len(x_test), -1), y_test))


def linear_probe(discriminator, train, test, labels_per_class: int = 100, seed: int = 0, grid: int = 4) -> ProbeResult:
    """Accuracy of a linear classifier on D's features versus on raw pixels, from few labels.

    Args:
        discriminator: a trained D.
        train, test: ``(images, labels)`` pairs; ``labels_per_class`` examples
            per class are drawn from ``train`` (with ``seed``), all of ``test``
            is scored.
    """
    (x_train, y_train), (x_test, y_test) = train, test
    idx = pick_labelled(y_train, labels_per_class, seed)
    x_few, y_few = np.asarray(x_train)[idx], np.asarray(y_train)[idx]
    f_few = discriminator_features(discriminator, x_few, grid)
    f_test = discriminator_features(discriminator, x_test, grid)
    as_floats = lambda x: pixels.from_uint8(x) if np.asarray(x).dtype == np.uint8 else np.asarray(x)  # noqa: E731
    return ProbeResult(
        feature_accuracy=_fit_and_score(f_few, y_few, f_test, y_test, seed),
        pixel_accuracy=_fit_and_score(as_floats(x_few), y_few, as_floats(x_test), y_test, seed),
        labels_per_class=labels_per_class,
        feature_dim=f_few.shape[1],
    )
