"""Pixels: "[-1, 1] inside, uint8 outside", image grids and PNG files, written once.

kgan's models see images as floats in [-1, 1]; files, figures and serving see uint8.
Every conversion between the two goes through this module so the rounding is the same
everywhere (a PNG, an exported ``images_uint8`` output and a figure agree to the bit).

```python
from kgan import pixels
x = pixels.from_uint8(uint8_images)            # float32 in [-1, 1]
png = pixels.save_png("grid.png", pixels.image_grid(gan.generate(16, seed=0)))
```
"""

from __future__ import annotations

import math
import os

import numpy as np

__all__ = ["as_model_range", "from_uint8", "image_grid", "save_png", "tensor_from_uint8", "tensor_to_uint8", "to_uint8"]


def to_uint8(images) -> np.ndarray:
    """[-1, 1] floats -> uint8 in [0, 255]: ``round((x + 1) * 127.5)``, values outside clipped."""
    images = np.asarray(images, dtype=np.float32)
    return np.clip(np.round((images + 1.0) * 127.5), 0, 255).astype(np.uint8)


def from_uint8(images) -> np.ndarray:
    """uint8 (or 0-255 numbers) -> float32 in [-1, 1]: ``x / 127.5 - 1``."""
    return np.asarray(images).astype(np.float32) / 127.5 - 1.0


def tensor_to_uint8(images):
    """`to_uint8` inside a TensorFlow graph (export signatures, tf.data)."""
    import tensorflow as tf

    return tf.cast(tf.clip_by_value(tf.round((images + 1.0) * 127.5), 0.0, 255.0), tf.uint8)


def tensor_from_uint8(images):
    """`from_uint8` inside a TensorFlow graph (tf.data pipelines)."""
    import tensorflow as tf

    return tf.cast(images, tf.float32) / 127.5 - 1.0


def as_model_range(images, what: str = "The images", tolerance: float = 0.01) -> np.ndarray:
    """Images as float32 in [-1, 1]: uint8 is converted, floats must already be in range.

    Raises a ValueError naming ``what`` for non-numeric data, NaN/inf, or floats
    outside [-1, 1] (with the formula that fixes 0-255 or [0, 1] floats).
    """
    images = np.asarray(images)
    if images.dtype == np.uint8:
        return from_uint8(images)
    if not (np.issubdtype(images.dtype, np.floating) or np.issubdtype(images.dtype, np.integer)):
        raise TypeError(f"{what} must be uint8 or float images, got dtype {images.dtype}.")
    images = images.astype(np.float32, copy=False)
    if not np.isfinite(images).all():
        raise ValueError(f"{what} contain NaN or infinite values (a diverged generator?).")
    if images.size and (images.min() < -1 - tolerance or images.max() > 1 + tolerance):
        low, high = float(images.min()), float(images.max())
        hint = "x * 2 - 1" if low >= 0 and high <= 1 + tolerance else "x / 127.5 - 1"
        raise ValueError(
            f"{what} must be uint8 or floats in [-1, 1] (kgan's convention); these span [{low:.3g}, {high:.3g}]. "
            f"Scale them first, e.g. {hint}."
        )
    return images


def image_grid(images, cols: int | None = None, pad: int = 2, pad_value: int = 255) -> np.ndarray:
    """Tile ``(n, h, w, c)`` images in [-1, 1] (or uint8) into one ``(H, W, c)`` uint8 image.

    ``cols`` defaults to a square-ish layout; cells are separated by ``pad`` pixels.
    """
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4:
        raise ValueError(f"Expected a batch of images (n, h, w[, c]), got shape {images.shape}.")
    if images.dtype != np.uint8:
        images = to_uint8(images)
    n, h, w, c = images.shape
    cols = int(cols or math.ceil(math.sqrt(n)))
    rows = math.ceil(n / cols)
    out = np.full((rows * h + (rows + 1) * pad, cols * w + (cols + 1) * pad, c), pad_value, dtype=np.uint8)
    for i in range(n):
        r, k = divmod(i, cols)
        y, x = pad + r * (h + pad), pad + k * (w + pad)
        out[y:y + h, x:x + w] = images[i]
    return out


def save_png(path: str, image) -> str:
    """Write an ``(H, W, C)`` uint8 image (or a [-1, 1] float image) as PNG; creates folders.

    Written atomically: to a temporary name in the same folder, then renamed, so a reader
    never sees half a file.
    """
    import tensorflow as tf

    image = np.asarray(image)
    if image.ndim == 2:
        image = image[..., None]
    if image.dtype != np.uint8:
        image = to_uint8(image)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    partial = os.path.join(folder, f".{os.path.basename(path)}.partial-{os.getpid()}")
    try:
        tf.io.write_file(partial, tf.io.encode_png(image))
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    return path
