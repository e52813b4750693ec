"""Masks: the paper's two holes, and the check that makes any mask fit a batch of images.

``1`` marks a known pixel, ``0`` a missing one (the ``M`` of Yeh et al.).

```python
from kgan.apps import inpainting
hole = inpainting.center_mask((28, 28))                      # (28, 28, 1): a centred 14x14 hole
holes = inpainting.random_mask((28, 28), missing=0.8, n=16)  # (16, 28, 28, 1): 80% missing, per image
picture = inpainting.masked_view(images, hole)               # missing pixels mid-grey, for a figure
```
"""

from __future__ import annotations

import numpy as np

from kgan._checks import positive_int
from kgan.apps.inpainting._inputs import _as_batch

__all__ = ["MASKS", "center_mask", "masked_view", "random_mask"]

MASKS = ("center", "random")


def center_mask(image_shape, size: float = 0.5) -> np.ndarray:
    """A mask with a missing centred square: ``(H, W, 1)`` float32, 1 = known.

    Args:
        image_shape: ``(H, W)`` or ``(H, W, C)``.
        size: side of the hole as a fraction of the image side (default 0.5:
            a quarter of the area, the paper's central block).
    """
    h, w = _spatial(image_shape)
    if not 0.0 < float(size) < 1.0:
        raise ValueError(f"size must be a fraction of the image side in (0, 1), got {size}.")
    mask = np.ones((h, w, 1), np.float32)
    hh, hw = max(1, round(h * size)), max(1, round(w * size))
    top, left = (h - hh) // 2, (w - hw) // 2
    mask[top:top + hh, left:left + hw] = 0.0
    return mask


def random_mask(image_shape, missing: float = 0.8, n: int | None = None, seed: int = 0) -> np.ndarray:
    """Pixels missing independently with probability ``missing`` (the paper's random mask: 80%).

    Returns ``(H, W, 1)``, or ``(n, H, W, 1)`` with a different mask per image
    when ``n`` is given; float32, 1 = known. Every mask keeps at least one
    known pixel.
    """
    h, w = _spatial(image_shape)
    if not 0.0 < float(missing) < 1.0:
        raise ValueError(f"missing must be a fraction in (0, 1), got {missing}.")
    rng = np.random.default_rng(seed)
    count = 1 if n is None else positive_int(n, "n")
    masks = (rng.random((count, h, w, 1)) >= missing).astype(np.float32)
    for m in masks:
        if not m.any():  # possible for tiny images: keep one known pixel
            m[rng.integers(h), rng.integers(w)] = 1.0
    return masks[0] if n is None else masks


def _spatial(image_shape) -> tuple[int, int]:
    try:
        shape = tuple(int(d) for d in image_shape)
    except (TypeError, ValueError):
        shape = ()
    if len(shape) not in (2, 3) or min(shape) < 1:
        raise ValueError(f"image_shape must be (H, W) or (H, W, C) with positive sizes, got {image_shape!r}.")
    return shape[0], shape[1]


def masked_view(images, mask, fill: float = 0.0) -> np.ndarray:
    """The images with their missing pixels set to ``fill`` (0: mid-grey in [-1, 1]), for pictures."""
    images = _as_batch(images, "images")
    mask = _broadcast_mask(mask, images)
    return np.where(mask > 0, images, np.float32(fill)).astype(np.float32)


def _broadcast_mask(mask, images, seed: int = 0) -> np.ndarray:
    """A 0/1 float32 mask of the images' shape ``(N, H, W, C)``, validated."""
    n, h, w, c = images.shape
    if isinstance(mask, str):
        if mask == "center":
            mask = center_mask((h, w))
        elif mask == "random":
            mask = random_mask((h, w), n=n, seed=seed)
        else:
            raise ValueError(f"mask={mask!r}: use {' or '.join(map(repr, MASKS))}, or an array (1 = known, 0 = missing).")
    arr = np.asarray(mask)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"mask must be a numeric or bool array (1 = known, 0 = missing), got dtype {arr.dtype}.")
    shape = arr.shape
    if arr.ndim == 2 and shape == (h, w):
        arr = arr[None, ..., None]
    elif arr.ndim == 3 and shape[:2] == (h, w) and shape[2] in (1, c):
        arr = arr[None]
    elif arr.ndim == 3 and shape == (n, h, w):
        arr = arr[..., None]
    elif arr.ndim == 4 and shape[0] in (1, n) and shape[1:3] == (h, w) and shape[3] in (1, c):
        pass
    else:
        raise ValueError(
            f"mask has shape {shape}, which does not fit images of shape {images.shape}: use (H, W), (H, W, 1), "
            f"(H, W, C), (N, H, W) or (N, H, W, 1|C) with H, W = {h}, {w}."
        )
    values = arr.astype(np.float32)
    bad = ~((values == 0) | (values == 1))
    if bad.any():
        raise ValueError(
            f"mask values must be 0 (missing) or 1 (known); found {values[bad].flat[0]!r}. Threshold a soft mask "
            "(mask > 0.5), and if yours marks the hole with 1, pass 1 - mask."
        )
    values = np.broadcast_to(values, images.shape).astype(np.float32)
    empty = np.flatnonzero(values.reshape(n, -1, c).max(axis=1).min(axis=1) == 0)
    if empty.size:
        raise ValueError(
            f"the mask of image {int(empty[0])} has no known pixel (in some channel): there is nothing to match. "
            "The convention is 1 = known, 0 = missing; if your mask marks the hole with 1, pass 1 - mask."
        )
    return values
