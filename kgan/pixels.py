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

import numpy as np

from kgan import _atomic

__all__ = ["as_model_range", "enlarge", "figure", "from_uint8", "image_file_problem", "image_grid", "save_png",
           "tensor_from_uint8", "tensor_to_uint8", "to_uint8"]


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


def enlarge(images, min_size: int = 64) -> np.ndarray:
    """Repeat pixels (nearest neighbour) by the smallest whole factor that makes images ``min_size`` px or more.

    The factor is taken on the shorter side; images already that large are returned
    as they are. Works on one image ``(h, w[, c])`` or a batch ``(n, h, w, c)``; keeps
    the dtype (no new pixel values: an enlarged figure shows exactly the pixels).

    ```python
    pixels.enlarge(np.zeros((16, 28, 28, 1)), 64).shape     # (16, 84, 84, 1): factor 3
    ```
    """
    images = np.asarray(images)
    if images.ndim not in (2, 3, 4):
        raise ValueError(f"Expected an image (h, w[, c]) or a batch (n, h, w, c), got shape {images.shape}.")
    rows, cols = (1, 2) if images.ndim == 4 else (0, 1)
    factor = max(1, math.ceil(int(min_size) / max(1, min(images.shape[rows], images.shape[cols]))))
    if factor == 1:
        return images
    return np.repeat(np.repeat(images, factor, axis=rows), factor, axis=cols)


def figure(images, cols: int | None = None, *, col_labels=None, row_labels=None, min_cell: int = 64,
           pad: int = 2) -> np.ndarray:
    """A readable uint8 figure: `image_grid` of the images enlarged to ``min_cell`` px, with labels.

    ``col_labels`` are written above the columns ("masked", "filled", ...) and
    ``row_labels`` left of the rows; the grid's pixels are exactly the enlarged images
    (the labels go in margins of their own). For `save_png`.

    ```python
    png = pixels.figure(np.stack([masked, filled, original], 1).reshape(-1, 28, 28, 1), cols=3,
                        col_labels=["masked", "filled", "original"])
    pixels.save_png("inpainting.png", png)
    ```
    """
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4:
        raise ValueError(f"Expected a batch of images (n, h, w[, c]), got shape {images.shape}.")
    n = len(images)
    cols = int(cols or math.ceil(math.sqrt(n)))
    big = enlarge(images, min_cell)
    grid = image_grid(big, cols=cols, pad=pad)
    cell_h, cell_w = big.shape[1:3]
    if row_labels:
        centres = [pad + r * (cell_h + pad) + cell_h / 2 for r in range(len(row_labels))]
        width = 12 + 7 * max(len(str(label)) for label in row_labels)
        margin = _text_strip(row_labels, centres, (grid.shape[0], width), grid.shape[-1], vertical=True)
        grid = np.concatenate([margin, grid], axis=1)
    if col_labels:
        offset = grid.shape[1] - (cols * (cell_w + pad) + pad)  # the row labels' margin
        centres = [offset + pad + k * (cell_w + pad) + cell_w / 2 for k in range(len(col_labels))]
        header = _text_strip(col_labels, centres, (20, grid.shape[1]), grid.shape[-1], vertical=False)
        grid = np.concatenate([header, grid], axis=0)
    return grid


def _text_strip(labels, centres, shape, channels, vertical) -> np.ndarray:
    """A white ``shape`` (height, width) uint8 strip with each label centred at its pixel position."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    height, width = shape
    fig = Figure(figsize=(width / 100, height / 100), dpi=100, facecolor="white")
    for label, centre in zip(labels, centres, strict=False):
        if vertical:  # row labels: centred on the row, right-aligned against the grid
            fig.text(1 - 6 / width, 1 - centre / height, str(label), ha="right", va="center", fontsize=8)
        else:
            fig.text(centre / width, 0.5, str(label), ha="center", va="center", fontsize=8)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    rgb = np.asarray(canvas.buffer_rgba())[..., :3]
    strip = np.full((height, width, 3), 255, np.uint8)  # the canvas may round a pixel off either way
    h, w = min(height, rgb.shape[0]), min(width, rgb.shape[1])
    strip[:h, :w] = rgb[:h, :w]
    if channels == 1:
        return strip.mean(axis=-1, keepdims=True).round().astype(np.uint8)
    if channels == 4:
        return np.concatenate([strip, np.full((height, width, 1), 255, np.uint8)], axis=-1)
    return strip


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
    with _atomic.atomic_path(path) as tmp:  # folders created; a kill leaves the previous PNG
        tf.io.write_file(tmp, tf.io.encode_png(image))
    return path


# File signatures of the formats TensorFlow's decode_image reads.
_SIGNATURES = ((b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpeg"), (b"GIF87a", "gif"), (b"GIF89a", "gif"),
               (b"BM", "bmp"))
_PNG_END = b"IEND\xaeB`\x82"


def image_file_problem(path) -> str | None:
    """Why ``path`` cannot be decoded as an image, or None when it looks whole.

    Reads the first and last bytes only (cheap enough for every file of a large folder): an
    empty file, a file that is not PNG/JPEG/GIF/BMP (an HTML error page saved as ``.jpg``),
    or a PNG cut short by an interrupted copy.

    ```python
    pixels.image_file_problem("notes.png")   # "not an image (it starts with b'hello')"
    ```
    """
    import os

    try:
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            head = f.read(16)
            f.seek(max(0, size - 12))
            tail = f.read()
    except OSError as err:
        return f"unreadable ({err.strerror or err})"
    if size == 0:
        return "an empty file"
    kind = next((name for magic, name in _SIGNATURES if head.startswith(magic)), None)
    if kind is None:
        return f"not a PNG, JPEG, GIF or BMP image (it starts with {head[:8]!r})"
    if kind == "png" and _PNG_END not in tail:
        return "a truncated PNG (its end is missing)"
    return None
