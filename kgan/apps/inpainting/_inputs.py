"""Image input checks shared by the masks, the fills, the search and the figure.

One function, `_as_batch`: any image or batch becomes float32 ``(N, H, W, C)``
(uint8 scaled to [-1, 1] by `kgan.pixels.from_uint8`), with one wording for
each mistake. It checks finiteness but not the [-1, 1] range: the baseline fills
accept images in any range, only `inpaint` insists on the GAN's.
"""

from __future__ import annotations

import numpy as np

from kgan import pixels


def _as_batch(images, what="image", expected=None) -> np.ndarray:
    """float32 ``(N, H, W, C)``; ``expected`` = the generator's ``(H, W, C)`` resolves 2-D/3-D inputs."""
    arr = np.asarray(images)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{what} must be a numeric array, got dtype {arr.dtype}.")
    if expected is not None:
        h, w, c = expected
        if arr.ndim == 2 and c == 1:
            arr = arr[None, ..., None]
        elif arr.ndim == 3 and arr.shape == (h, w, c):
            arr = arr[None]
        elif arr.ndim == 3 and c == 1 and arr.shape[1:] == (h, w):
            arr = arr[..., None]
        if arr.ndim != 4 or arr.shape[1:] != (h, w, c):
            raise ValueError(
                f"{what} has shape {np.shape(images)}, but the generator makes images of shape {(h, w, c)}: pass "
                f"one image {(h, w, c)} or a batch (N, {h}, {w}, {c}) (grayscale also (H, W) or (N, H, W)). "
                "Resize the images to the GAN's size first."
            )
    else:
        if arr.ndim == 2:
            arr = arr[None, ..., None]
        elif arr.ndim == 3:
            arr = arr[None]
        if arr.ndim != 4:
            raise ValueError(f"{what} must be (H, W), (H, W, C) or a batch (N, H, W, C); got shape {arr.shape}.")
    if arr.size == 0:
        raise ValueError(f"{what} is empty (shape {arr.shape}).")
    if arr.dtype == np.uint8:
        return pixels.from_uint8(arr)
    arr = arr.astype(np.float32)
    if not np.isfinite(arr).all():
        raise ValueError(f"{what} contains NaN or infinite values.")
    return arr
