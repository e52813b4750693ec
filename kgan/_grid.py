"""Turn batches of images in [-1, 1] into one uint8 picture, and write PNGs (no PIL needed)."""

from __future__ import annotations

import math
import os

import numpy as np
import tensorflow as tf


def to_uint8(images) -> np.ndarray:
    """[-1, 1] floats -> uint8 in [0, 255] (values outside are clipped)."""
    images = np.asarray(images, dtype=np.float32)
    return np.clip(np.round((images + 1.0) * 127.5), 0, 255).astype(np.uint8)


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
    """Write an ``(H, W, C)`` uint8 image (or a [-1, 1] float image) as PNG; creates folders."""
    image = np.asarray(image)
    if image.ndim == 2:
        image = image[..., None]
    if image.dtype != np.uint8:
        image = to_uint8(image)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tf.io.write_file(path, tf.io.encode_png(image))
    return path
