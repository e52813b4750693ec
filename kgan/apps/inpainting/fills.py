"""Fills without a GAN: the baselines to compare `inpaint` with, and the Poisson blending it ends with.

Both rest on one solver, `_harmonic` (conjugate gradients on the pixel grid's
Laplacian): without a guide it is the diffusion fill, with ``G(z)`` as the guide
it is Poisson image editing. Every function takes ``(H, W)``, ``(H, W, C)`` or
``(N, H, W, C)`` images and returns float32 of the same shape, the known pixels
unchanged.

```python
from kgan.apps import inpainting
mask = inpainting.center_mask((28, 28))
filled = {name: fill(images, mask) for name, fill in inpainting.BASELINES.items()}  # mean, diffusion, nearest
blended = inpainting.poisson_blend(generated, images, mask)                          # G(z) into the hole
```
"""

from __future__ import annotations

import numpy as np

from kgan.apps.inpainting._inputs import _as_batch
from kgan.apps.inpainting.masks import _broadcast_mask

__all__ = ["BASELINES", "diffusion_fill", "mean_fill", "nearest_fill", "poisson_blend"]


def _baseline_inputs(image, mask):
    images = _as_batch(image, "image")
    return images, _broadcast_mask(mask, images), np.ndim(image)


def _restore_rank(out, ndim):
    if ndim == 2:
        return out[0, ..., 0]
    return out[0] if ndim == 3 else out


def mean_fill(image, mask) -> np.ndarray:
    """Fill the missing pixels with the mean of each image's known pixels (per channel).

    ``image``: ``(H, W)``, ``(H, W, C)`` or ``(N, H, W, C)`` in any range
    (uint8 is scaled to [-1, 1]); returns float32 of the same shape. The
    known pixels are returned unchanged.
    """
    images, mask, ndim = _baseline_inputs(image, mask)
    mean = (images * mask).sum(axis=(1, 2), keepdims=True) / mask.sum(axis=(1, 2), keepdims=True)
    return _restore_rank(np.where(mask > 0, images, mean).astype(np.float32), ndim)


def _laplacian(x):
    """The graph Laplacian of the 4-neighbour pixel grid, free (Neumann) at the image border.

    ``(L x)_p = deg(p) x_p - sum of x over p's neighbours``, on ``(N, H, W, C)``.
    """
    out = np.zeros_like(x)
    for axis in (1, 2):
        d = np.diff(x, axis=axis)  # x[q] - x[p] for each pair of neighbours along the axis
        lo = [slice(None)] * 4
        hi = [slice(None)] * 4
        lo[axis], hi[axis] = slice(None, -1), slice(1, None)
        out[tuple(lo)] -= d
        out[tuple(hi)] += d
    return out


def _harmonic(values, mask, guide=None, tol: float = 1e-6, max_iter: int | None = None) -> np.ndarray:
    """Solve ``L x = L guide`` on the missing pixels with ``x = values`` on the known ones.

    Without a guide, ``x`` is the harmonic (membrane) interpolation of the
    known pixels; with one, it is Poisson image editing. Conjugate gradients on
    the missing pixels (the system is symmetric positive definite because every
    missing region touches a known pixel), vectorised over images and channels,
    in float64.
    """
    known = mask > 0
    free = (~known).astype(np.float64)
    start = np.asarray(mean_fill(values, mask), np.float64)
    rhs = -_laplacian(start)
    if guide is not None:
        rhs += _laplacian(np.asarray(guide, np.float64))
    rhs *= free

    def apply(d):
        return _laplacian(d * free) * free

    x = np.zeros_like(rhs)
    r = rhs.copy()
    p = r.copy()
    rr = (r * r).sum(axis=(1, 2), keepdims=True)
    stop = (tol ** 2) * np.maximum((rhs * rhs).sum(axis=(1, 2), keepdims=True), 1e-30)
    limit = max_iter or 4 * (values.shape[1] + values.shape[2]) + 200
    for _ in range(limit):
        if (rr <= stop).all():
            break
        ap = apply(p)
        pap = (p * ap).sum(axis=(1, 2), keepdims=True)
        alpha = np.where(pap > 0, rr / np.where(pap > 0, pap, 1.0), 0.0)
        x += alpha * p
        r -= alpha * ap
        rr_new = (r * r).sum(axis=(1, 2), keepdims=True)
        beta = np.where(rr > 0, rr_new / np.where(rr > 0, rr, 1.0), 0.0)
        p = r + beta * p
        rr = rr_new
    return np.where(known, values, start + x * free)


def diffusion_fill(image, mask, tol: float = 1e-6) -> np.ndarray:
    """Harmonic (diffusion) fill: the smoothest surface through the known pixels.

    Each missing pixel ends up the mean of its four neighbours (Laplace's
    equation, the steady state of heat diffusion from the known pixels), so
    edges blur into the hole. Solved exactly (conjugate gradients to relative
    residual ``tol``), not by a fixed number of diffusion steps. A constant
    image is restored exactly; the known pixels are returned unchanged.
    Same shapes as `mean_fill`.
    """
    images, mask, ndim = _baseline_inputs(image, mask)
    return _restore_rank(_harmonic(images.astype(np.float64), mask, tol=tol).astype(np.float32), ndim)


def nearest_fill(image, mask) -> np.ndarray:
    """Nearest-neighbour fill: grow the known pixels into the hole one pixel layer at a time.

    Each pass gives every missing pixel that touches a filled pixel (4
    neighbours) the mean of its filled neighbours, so each missing pixel
    copies the nearest known pixels. Same shapes as `mean_fill`.
    """
    images, mask, ndim = _baseline_inputs(image, mask)
    filled = mask > 0
    out = np.where(filled, images, 0.0).astype(np.float64)
    while not filled.all():
        total = np.zeros_like(out)
        count = np.zeros_like(out)
        for axis in (1, 2):
            for shift in (1, -1):
                src = [slice(None)] * 4
                dst = [slice(None)] * 4
                src[axis], dst[axis] = (slice(None, -1), slice(1, None)) if shift == 1 else (slice(1, None), slice(None, -1))
                total[tuple(dst)] += np.where(filled, out, 0.0)[tuple(src)]
                count[tuple(dst)] += filled[tuple(src)]
        grow = ~filled & (count > 0)
        out = np.where(grow, total / np.maximum(count, 1), out)
        filled = filled | grow
    return _restore_rank(out.astype(np.float32), ndim)


BASELINES = {"mean": mean_fill, "diffusion": diffusion_fill, "nearest": nearest_fill}


def poisson_blend(generated, image, mask, tol: float = 1e-6) -> np.ndarray:
    """Poisson blending (Pérez et al. 2003) of ``generated`` into ``image``'s missing pixels.

    Keeps the gradients of ``generated`` inside the hole while matching the
    known pixels at its border: the result is ``generated`` plus the harmonic
    interpolation of the seam's mismatch ``image - generated``. Known pixels
    are returned exactly; the result is clipped to [-1, 1].
    """
    images, mask, ndim = _baseline_inputs(image, mask)
    generated = _as_batch(generated, "generated").astype(np.float64)
    if generated.shape != images.shape:
        raise ValueError(f"generated has shape {generated.shape}, image {images.shape}: they must match.")
    out = _harmonic(images.astype(np.float64), mask, guide=generated, tol=tol)
    out = np.where(mask > 0, images, np.clip(out, -1.0, 1.0))
    return _restore_rank(out.astype(np.float32), ndim)
