"""Restoration metrics: PSNR and SSIM per image, on the whole image or on a masked region.

```python
import kgan
kgan.metrics.psnr(restored, original)              # dB per image; inf where identical
kgan.metrics.ssim(restored, original, mask=holes)  # SSIM over the masked region only
```

Images are NumPy arrays or tensors ``(n, h, w, c)`` (or one image ``(h, w, c)``) whose values lie in
``value_range`` (kgan's convention is ``(-1, 1)``; pass ``(0, 255)`` for 8-bit pictures). Both functions
return a float64 NumPy array with one value per image (shape ``(n,)``; ``(1,)`` for a single image).

A ``mask`` (1/True = evaluate this pixel) restricts the score to a region, e.g. the filled hole of an
inpainting: it may be ``(n, h, w, 1)``, ``(n, h, w)``, ``(h, w)`` or ``(h, w, 1)`` (one mask for every
image). Without a mask the numbers are ``tf.image.psnr`` / ``tf.image.ssim``'s formulas (Gaussian window 11,
sigma 1.5, k1 0.01, k2 0.03), computed in float64, so they compare with published values; with or
without a mask the arithmetic is the same, and an all-ones mask gives the unmasked value exactly.
"""

from __future__ import annotations

import numpy as np

__all__ = ["psnr", "ssim"]


def _range(value_range) -> tuple[float, float]:
    try:
        low, high = (float(v) for v in value_range)
    except (TypeError, ValueError):
        raise ValueError(f"value_range must be a pair (low, high), got {value_range!r}.") from None
    if not high > low:
        raise ValueError(f"value_range must have high > low, got {value_range!r}.")
    return low, high


def _images(a, b, value_range):
    """Both image batches as float64 ``(n, h, w, c)`` shifted to ``[0, high - low]``, plus that span."""
    low, high = _range(value_range)
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"The two image batches must have the same shape; got {a.shape} and {b.shape}.")
    if a.ndim == 3:
        a, b = a[None], b[None]
    if a.ndim != 4 or a.shape[0] == 0:
        raise ValueError(
            f"Expected images (n, height, width, channels) or one image (height, width, channels); got shape "
            f"{a.shape}. Add a channel axis to grayscale batches: images[..., None]."
        )
    for name, x in (("a", a), ("b", b)):
        if not np.isfinite(x).all():
            raise ValueError(f"Image batch {name} contains NaN/inf values: nothing to compare.")
        # A small overshoot (bicubic ringing, rounding) is harmless; a different scale is a mistake
        # that would make every number meaningless, so name it.
        slack = 0.1 * (high - low)
        if x.min() < low - slack or x.max() > high + slack:
            raise ValueError(
                f"Image batch {name} spans [{x.min():g}, {x.max():g}] but value_range is ({low:g}, {high:g}). "
                "Pass the range the images use, e.g. value_range=(0, 255) for 8-bit pictures."
            )
    return a - low, b - low, high - low


def _mask(mask, shape) -> np.ndarray | None:
    """The mask as float64 ``(n, h, w, 1)`` of 0/1, checked against images of ``shape``."""
    if mask is None:
        return None
    m = np.asarray(mask)
    n, h, w, _ = shape
    if m.ndim == 2:
        m = m[None, :, :, None]
    elif m.ndim == 3:
        m = m[None] if m.shape == (h, w, 1) else m[..., None]
    if m.ndim != 4 or m.shape[1:3] != (h, w) or m.shape[-1] != 1 or m.shape[0] not in (1, n):
        raise ValueError(
            f"The mask must be (n, h, w, 1), (n, h, w), (h, w) or (h, w, 1) for images of shape {shape}; got "
            f"{np.shape(mask)}."
        )
    m = np.broadcast_to(m.astype(np.float64), (n, h, w, 1))
    if not np.isin(m, (0.0, 1.0)).all():
        raise ValueError("The mask must hold only 0/1 (or False/True): 1 marks the pixels to evaluate.")
    empty = np.flatnonzero(m.reshape(n, -1).sum(axis=1) == 0)
    if empty.size:
        raise ValueError(f"The mask selects no pixel for image(s) {empty[:5].tolist()}: nothing to evaluate there.")
    return m


def psnr(a, b, mask=None, value_range=(-1, 1)) -> np.ndarray:
    """Peak signal-to-noise ratio in dB per image: ``10 log10(span^2 / MSE)``; ``inf`` where identical.

    ``span`` is ``high - low`` of ``value_range``. With a ``mask`` the MSE is the mean over the masked
    pixels (and all channels) only.

    ```python
    kgan.metrics.psnr(np.zeros((1, 8, 8, 1)), np.full((1, 8, 8, 1), 0.2))   # MSE 0.04 -> 10*log10(4/0.04) = 20 dB
    ```
    """
    a, b, span = _images(a, b, value_range)
    m = _mask(mask, a.shape)
    if m is None:
        m = np.ones(a.shape[:-1] + (1,))  # the whole image, in the same float64 arithmetic as a mask
    channels = a.shape[-1]
    mse = (m * (a - b) ** 2).reshape(len(a), -1).sum(axis=1) / (m.reshape(len(a), -1).sum(axis=1) * channels)
    with np.errstate(divide="ignore"):
        return 10.0 * np.log10(span**2 / mse)


def _gaussian(size: int, sigma: float) -> np.ndarray:
    x = np.arange(size, dtype=np.float64) - (size - 1) / 2.0
    g = np.exp(-(x**2) / (2 * sigma**2))
    g /= g.sum()
    return np.outer(g, g)


def _filter(x, kernel):
    """'valid' 2-D correlation of every (n, ., ., c) channel with ``kernel`` (as tf.image.ssim does)."""
    from numpy.lib.stride_tricks import sliding_window_view

    windows = sliding_window_view(x, kernel.shape, axis=(1, 2))  # (n, h', w', c, k, k)
    return np.einsum("nhwckl,kl->nhwc", windows, kernel)


def ssim(a, b, mask=None, value_range=(-1, 1), filter_size: int = 11, filter_sigma: float = 1.5) -> np.ndarray:
    """Structural similarity per image (1 for identical images, lower is worse; can go below 0).

    Without a mask this is ``tf.image.ssim``'s formula in float64 (mean of the SSIM map over the valid window positions and
    the channels). With a ``mask`` each window position is weighted by how much of its Gaussian window
    covers masked pixels (the mask filtered with the same window), so a window fully inside the region
    counts fully, one that only grazes it counts little, and an all-ones mask gives exactly the unmasked
    value. Images must be at least ``filter_size`` pixels on each side; pass a smaller odd
    ``filter_size`` for tiny images.

    ```python
    kgan.metrics.ssim(images, images)          # array of 1.0
    kgan.metrics.ssim(filled, originals, mask=holes)
    ```
    """
    a, b, span = _images(a, b, value_range)
    filter_size = int(filter_size)
    if filter_size < 1 or filter_size % 2 == 0:
        raise ValueError(f"filter_size must be a positive odd integer, got {filter_size}.")
    if min(a.shape[1:3]) < filter_size:
        raise ValueError(
            f"SSIM with filter_size={filter_size} needs images at least {filter_size}x{filter_size}; got "
            f"{a.shape[1]}x{a.shape[2]}. Pass a smaller odd filter_size (e.g. 7) for tiny images."
        )
    m = _mask(mask, a.shape)
    # tf.image.ssim's formula, written out in float64 (TF's float32 differs by up to 2e-4 on flat images) and
    # so that the map can be weighted by a mask.
    kernel = _gaussian(filter_size, float(filter_sigma))
    c1, c2 = (0.01 * span) ** 2, (0.03 * span) ** 2
    mu_a, mu_b = _filter(a, kernel), _filter(b, kernel)
    var_a = _filter(a * a, kernel) - mu_a**2
    var_b = _filter(b * b, kernel) - mu_b**2
    cov = _filter(a * b, kernel) - mu_a * mu_b
    luminance = (2 * mu_a * mu_b + c1) / (mu_a**2 + mu_b**2 + c1)
    structure = (2 * cov + c2) / (var_a + var_b + c2)
    ssim_map = (luminance * structure).mean(axis=-1)  # (n, h', w'), channels averaged like tf.image.ssim
    if m is None:
        return ssim_map.reshape(len(a), -1).mean(axis=1)
    weight = _filter(m, kernel)[..., 0]
    return (weight * ssim_map).reshape(len(a), -1).sum(axis=1) / weight.reshape(len(a), -1).sum(axis=1)
