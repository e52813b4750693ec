"""What every feature-based image metric shares: images to model inputs, batched features, checks.

`FeatureMetric` is the base of `FrechetDistance`, `KernelDistance` and `ManifoldMetrics`:
it turns images (``(n, h, w, c)`` in [-1, 1] or uint8) into float64 feature rows with one
feature model, and lets a precomputed feature array stand in for an image set, so the
reference set is encoded once.
"""

from __future__ import annotations

import numpy as np

from kgan import pixels


def as_model_input(images, model, resize: bool) -> np.ndarray:
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4:
        raise ValueError(f"Expected images (n, height, width, channels), got shape {images.shape}.")
    images = pixels.as_model_range(images, "The images")
    want = tuple(model.inputs[0].shape[1:]) if getattr(model, "inputs", None) else None
    if want is None or all(w is None or w == g for w, g in zip(want, images.shape[1:], strict=False)):
        return images  # a model with flexible (None) sizes takes the images as they are
    if images.shape[-1] != want[-1] and not resize:
        raise ValueError(f"The model expects {want[-1]}-channel images; got {images.shape[-1]} channels.")
    if not resize:
        raise ValueError(
            f"The model expects images of shape {want}, got {images.shape[1:]}. Pass resize=True to "
            "resize (and convert channels) before evaluation."
        )
    import tensorflow as tf

    size = [g if w is None else w for w, g in zip(want[:2], images.shape[1:3], strict=True)]
    out = tf.image.resize(images, size, antialias=True)
    if out.shape[-1] == 3 and want[-1] == 1:
        out = tf.image.rgb_to_grayscale(out)
    elif out.shape[-1] == 1 and want[-1] == 3:
        out = tf.image.grayscale_to_rgb(out)
    return np.clip(out.numpy(), -1.0, 1.0)


def model_outputs(model, images, batch_size, keys) -> np.ndarray:
    """Model outputs; from a dict output, the first of ``keys`` it has."""
    chunks = []
    for start in range(0, len(images), batch_size):
        out = model(images[start:start + batch_size], training=False)
        if isinstance(out, dict):
            key = next((k for k in keys if k in out), None)
            if key is None:
                raise ValueError(f"The model returns a dict with keys {sorted(out)}; expected one of {list(keys)}.")
            out = out[key]
        chunks.append(np.asarray(out, dtype=np.float64).reshape(len(images[start:start + batch_size]), -1))
    return np.concatenate(chunks)


def check_features(features, name: str, minimum: int = 1) -> np.ndarray:
    """``features`` as a finite float64 ``(n, d)`` array with at least ``minimum`` rows, or a clear error."""
    x = np.asarray(features, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"{name} must be a feature array (n, d); got shape {x.shape}. Encode images first with "
                         "a feature model (e.g. metric.features(images)), or pass images to the metric object.")
    if len(x) < minimum:
        raise ValueError(f"{name} needs at least {minimum} feature rows; got {len(x)}.")
    if not np.isfinite(x).all():
        raise ValueError(f"{name} contains NaN/inf features: the images or the feature model produced non-finite "
                         "values (check the generator's output for NaN).")
    return x


def check_feature_pair(a, b, what: str, minimum: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Two feature sets checked as in `check_features`, with the same feature size."""
    a = check_features(a, f"{what}: the first set", minimum)
    b = check_features(b, f"{what}: the second set", minimum)
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"{what}: the feature sets have different sizes ({a.shape[1]} vs {b.shape[1]}): both must "
                         "come from the same feature model.")
    return a, b


class FeatureMetric:
    """Base of the feature-space metrics: one feature model, images or features in.

    Args:
        feature_model: a Keras model from images to feature vectors (a dict output uses its
            ``"features"`` entry).
        batch_size: images per forward pass.
        resize: resize/convert images whose shape differs from the model's input.
    """

    def __init__(self, feature_model, batch_size: int = 500, resize: bool = False):
        self.feature_model = feature_model
        self.batch_size = int(batch_size)
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}.")
        self.resize = bool(resize)

    def features(self, images) -> np.ndarray:
        """Feature vectors ``(n, d)`` (float64) of the images."""
        return model_outputs(self.feature_model, as_model_input(images, self.feature_model, self.resize), self.batch_size,
                        keys=("features",))

    def as_features(self, images_or_features) -> np.ndarray:
        """Features of an image set; a 2-D array is taken as features already computed."""
        if isinstance(images_or_features, np.ndarray) and images_or_features.ndim == 2:
            return images_or_features
        return self.features(images_or_features)
