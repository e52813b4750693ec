"""Image inpainting with a trained GAN (Yeh et al. 2016), and the simple fills to compare it with.

Semantic inpainting searches the generator's latent space for the code whose
image best matches the known pixels (the *contextual* loss) while the
discriminator still finds it real (the *perceptual* loss), then blends that
image into the hole. Nothing is trained: any unconditional `kgan.GAN` works.

```python
gan = kgan.GAN.from_file("runs/dcgan/gan.keras")
result = kgan.apps.inpaint(images, "center", gan)        # or a mask array: 1 = known pixel, 0 = missing
kgan.apps.save_png("inpainted.png", result.figure())    # masked input | G(z) | blended

from kgan.apps import inpainting
filled = inpainting.diffusion_fill(images, result.mask)  # a baseline, same mask
```

**Mask convention**: ``1`` marks a known pixel, ``0`` a missing one (the
``M`` of the paper). A mask is ``(H, W)``, ``(H, W, 1)``, ``(H, W, C)``,
``(N, H, W)`` or ``(N, H, W, 1|C)`` and is broadcast over the images; its
values must be exactly 0 or 1 (bool is fine). A mask that marks the *hole*
with 1 is the inverse: pass ``1 - mask``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from kgan import pixels
from kgan import latent as latent_lib
from kgan._checks import positive_int

__all__ = [
    "BASELINES",
    "BLENDS",
    "MASKS",
    "WEIGHTINGS",
    "InpaintResult",
    "center_mask",
    "contextual_weights",
    "diffusion_fill",
    "inpaint",
    "masked_view",
    "mean_fill",
    "nearest_fill",
    "poisson_blend",
    "random_mask",
]

MASKS = ("center", "random")
BLENDS = ("poisson", "paste")
WEIGHTINGS = ("importance", "uniform")


# ---------------------------------------------------------------- masks
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


# ---------------------------------------------------------------- input checks
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
        return arr.astype(np.float32) / 127.5 - 1.0
    arr = arr.astype(np.float32)
    if not np.isfinite(arr).all():
        raise ValueError(f"{what} contains NaN or infinite values.")
    return arr


def _check_range(images, what="image"):
    low, high = float(images.min()), float(images.max())
    if low < -1.001 or high > 1.001:
        raise ValueError(
            f"{what} values must be in [-1, 1] (the GAN's range) or uint8 in [0, 255]; got [{low:.3g}, {high:.3g}]. "
            "Scale floats in [0, 1] with x * 2 - 1, in [0, 255] with x / 127.5 - 1."
        )


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


def _baseline_inputs(image, mask):
    images = _as_batch(image, "image")
    return images, _broadcast_mask(mask, images), np.ndim(image)


def _restore_rank(out, ndim):
    if ndim == 2:
        return out[0, ..., 0]
    return out[0] if ndim == 3 else out


# ---------------------------------------------------------------- baselines
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


# ---------------------------------------------------------------- the latent search
def contextual_weights(mask, window: int = 7) -> np.ndarray:
    """Yeh et al.'s importance weights: for a known pixel, the fraction of missing pixels in its window.

    ``W_i = M_i * mean over the window x window neighbourhood of (1 - M)``
    (neighbours outside the image do not count), so known pixels next to the
    hole matter most and known pixels far from it not at all. ``mask``:
    ``(N, H, W, C)`` 0/1.
    """
    window = positive_int(window, "window")
    mask = np.asarray(mask, np.float32)
    missing = tf.nn.avg_pool2d(1.0 - mask, window, strides=1, padding="SAME")  # SAME averages over in-image pixels
    return (mask * np.asarray(missing)).astype(np.float32)


@dataclass
class InpaintResult:
    """What `inpaint` found, one entry per image.

    Attributes:
        images: the blended result ``(N, H, W, C)`` in [-1, 1]: the known
            pixels exactly as given, the hole from the generator.
        generated: the raw generation ``G(z)`` for the best code.
        latent: the best code ``z`` per image.
        mask: the mask used, broadcast to the images' shape (1 = known).
        contextual_loss, perceptual_loss: the final losses per image
            (weighted L1 to the known pixels; the adversarial generator loss).
        initial_contextual_loss: the contextual loss of the starting code.
        history: mean contextual loss over all searched codes at each step.
        settings: the search's settings (steps, weights, blend, ...).
    """

    images: np.ndarray
    generated: np.ndarray
    latent: np.ndarray
    mask: np.ndarray
    contextual_loss: np.ndarray
    perceptual_loss: np.ndarray
    initial_contextual_loss: np.ndarray
    history: np.ndarray
    settings: dict = field(default_factory=dict)
    seconds: float = 0.0

    def masked(self, fill: float = 0.0) -> np.ndarray:
        """The input as the search saw it: missing pixels set to ``fill`` (mid-grey)."""
        return np.where(self.mask > 0, self.images, np.float32(fill)).astype(np.float32)

    def figure(self, original=None, extra=None, max_rows: int = 8) -> np.ndarray:
        """A uint8 picture, one row per image: masked input | [extra ...] | G(z) | blended | [original].

        ``extra``: a dict ``{name: images}`` of other fills (baselines) to
        show between the input and the GAN's result.
        """
        k = min(len(self.images), max_rows)
        columns = [self.masked()[:k], *[np.asarray(v)[:k] for v in (extra or {}).values()],
                   self.generated[:k], self.images[:k]]
        if original is not None:
            columns.append(_as_batch(original, "original")[:k])
        tiles = np.stack(columns, axis=1).reshape(-1, *self.images.shape[1:])
        return pixels.image_grid(tiles, cols=len(columns))

    def __repr__(self):
        return (f"InpaintResult({len(self.images)} image(s) {self.images.shape[1:]}, contextual loss "
                f"{float(self.initial_contextual_loss.mean()):.4g} -> {float(self.contextual_loss.mean()):.4g}, "
                f"perceptual loss {float(self.perceptual_loss.mean()):.4g}, {self.settings.get('steps')} steps)")


def _load_gan(gan):
    from kgan.gan import GAN

    if isinstance(gan, (str, Path)):
        path = Path(gan)
        if not path.exists():
            raise FileNotFoundError(f"no such model file: {path}")
        model = keras.models.load_model(path)
        if not isinstance(model, GAN):
            raise TypeError(
                f"{path} holds a {type(model).__name__}, not a kgan GAN: inpainting needs the discriminator as "
                "well as the generator (the perceptual loss). Use the gan.keras file saved beside a generator.keras."
            )
        gan = model
    if not isinstance(gan, GAN):
        raise TypeError(
            f"gan must be a kgan.GAN or the path of a saved gan.keras, got {type(gan).__name__}. A bare "
            "generator is not enough: the perceptual loss needs the discriminator."
        )
    if gan._generator_needs_condition():
        raise ValueError("inpaint needs an unconditional GAN (generator input z only); this one takes a condition.")
    return gan


def _output_shape(gan) -> tuple[int, int, int]:
    try:
        shape = tuple(gan.generator.output.shape[1:])
    except (AttributeError, ValueError):
        shape = tuple(gan.generate(1, seed=0).shape[1:])
    if len(shape) != 3 or None in shape:
        raise ValueError(f"inpaint needs a generator of images (H, W, C); this one outputs {shape}.")
    return tuple(int(d) for d in shape)


def _support(prior, clip):
    """The box z is clipped to after each step: the prior's support (Uniform), or none."""
    if clip is False or clip is None:
        return None
    if clip is True or clip == "auto":
        if isinstance(prior, latent_lib.Uniform):
            return prior.low, prior.high
        return None
    low, high = clip
    return float(low), float(high)


def _per_sample_generator_loss(loss_fn, logits):
    # kgan's losses average over the batch: one single-sample batch per image (eager, once per search).
    return np.array([float(loss_fn.generator_loss(logits[i:i + 1])) for i in range(int(logits.shape[0]))], np.float32)


def _search(gan, y, w, z0, steps, learning_rate, perceptual_weight, support):
    """Adam on z for ``steps`` steps in one tf.function; returns final z, losses and the history."""
    z = keras.Variable(z0, name="inpaint_z")
    optimizer = keras.optimizers.Adam(learning_rate=learning_rate)
    optimizer.build([z])
    y, w = tf.constant(y), tf.constant(w)
    loss_fn = gan.loss_fn

    def losses(code, per_sample=True):
        generated = tf.cast(gan.generate_from(code, training=False), tf.float32)
        contextual = tf.reduce_sum(tf.abs(w * (generated - y)), axis=[1, 2, 3])
        logits = tf.reshape(tf.cast(gan.discriminate(generated, training=False)["logits"], tf.float32), [-1])
        if per_sample:
            return generated, contextual, _per_sample_generator_loss(loss_fn, logits)
        # kgan's generator losses are batch means of per-sample terms: n x the mean is their sum.
        return generated, contextual, tf.cast(loss_fn.generator_loss(logits), tf.float32) * tf.cast(
            tf.shape(logits)[0], tf.float32)

    @tf.function
    def run():
        history = tf.TensorArray(tf.float32, size=steps)
        for i in tf.range(steps):
            with tf.GradientTape() as tape:
                _, contextual, perceptual = losses(z.value, per_sample=False)
                # Each code only affects its own image (G and D run in inference mode, so no
                # batch statistics mix them): the sum optimises every image independently.
                total = tf.reduce_sum(contextual) + perceptual_weight * perceptual
            optimizer.apply([tape.gradient(total, z.value)], [z])
            if support is not None:
                z.assign(tf.clip_by_value(z.value, support[0], support[1]))
            history = history.write(i, tf.reduce_mean(contextual))
        return history.stack()

    start = losses(tf.constant(z0))[1]
    history = run()
    generated, contextual, perceptual = losses(z.value)
    return (np.asarray(z.value), np.asarray(generated), np.asarray(contextual), np.asarray(perceptual),
            np.asarray(start), np.asarray(history))


def inpaint(image, mask, gan, *, steps: int = 1000, learning_rate: float = 0.01, perceptual_weight: float = 0.003,
            weighting: str = "importance", window: int = 7, restarts: int = 1, blend: str = "poisson",
            clip="auto", batch_size: int = 256, seed: int = 0, verbose: bool = False) -> InpaintResult:
    """Semantic inpainting (Yeh et al. 2016): search G's latent space for the best fitting image, then blend.

    For each image ``y`` with mask ``M`` (1 = known pixel), Adam minimises
    over the code ``z``

        ``||W * (G(z) - y)||_1 + perceptual_weight * L_adv(D(G(z)))``

    where ``W`` weights each known pixel by how many missing pixels surround it
    (``weighting="importance"``, the paper's choice; ``"uniform"``: ``W = M``)
    and ``L_adv`` is the GAN's own generator loss (``gan.loss_fn``, e.g.
    ``-log D(G(z))``) so that the fill stays realistic. After each step ``z``
    is clipped to the prior's support (U(low, high); no clipping for a Normal
    prior). Then ``G(z)`` is blended into the hole (Poisson blending by default,
    as in the paper; the known pixels are never changed).

    ```python
    result = kgan.apps.inpaint(images, "center", gan, steps=500)
    result.images            # (N, H, W, C) in [-1, 1]: the inpainted images
    result.contextual_loss   # per image, next to result.initial_contextual_loss
    ```

    Args:
        image: one image ``(H, W, C)`` (grayscale also ``(H, W)``) or a batch
            ``(N, H, W, C)`` of the generator's size, floats in [-1, 1] or uint8.
        mask: 1 = known, 0 = missing: an array (see the module docs for the
            shapes), ``"center"`` (`center_mask`) or ``"random"``
            (`random_mask`, 80% missing, drawn with ``seed``).
        gan: a trained unconditional `kgan.GAN`, or the path of a saved
            ``gan.keras``.
        steps: Adam steps (the paper uses 1500).
        learning_rate: Adam's learning rate on ``z``.
        perceptual_weight: lambda, the weight of the perceptual loss (paper:
            0.003). 0 matches the known pixels only.
        weighting: ``"importance"`` or ``"uniform"`` (see above).
        window: side of the importance weights' neighbourhood (paper: 7).
        restarts: codes searched per image from different random starts; the
            one with the lowest final total loss is kept.
        blend: ``"poisson"`` or ``"paste"`` (copy ``G(z)`` into the hole as is).
        clip: ``"auto"`` (the prior's support), ``None`` or ``(low, high)``.
        batch_size: codes optimised together (bounds memory).
        seed: seeds the starting codes (and a ``"random"`` mask).
        verbose: print one line per batch.

    Returns:
        An `InpaintResult` (batched arrays, also for a single image).
    """
    gan = _load_gan(gan)
    steps, restarts = positive_int(steps, "steps"), positive_int(restarts, "restarts")
    batch_size = positive_int(batch_size, "batch_size")
    if blend not in BLENDS:
        raise ValueError(f"blend={blend!r}: use one of {BLENDS}.")
    if weighting not in WEIGHTINGS:
        raise ValueError(f"weighting={weighting!r}: use one of {WEIGHTINGS}.")
    if not float(learning_rate) > 0:
        raise ValueError(f"learning_rate must be positive, got {learning_rate}.")
    if not float(perceptual_weight) >= 0:
        raise ValueError(f"perceptual_weight must be >= 0, got {perceptual_weight}.")
    images = _as_batch(image, "image", _output_shape(gan))
    _check_range(images)
    masks = _broadcast_mask(mask, images, seed=seed)
    weights = contextual_weights(masks, window) if weighting == "importance" else masks
    n = len(images)
    support = _support(gan.latent, clip)

    started = time.perf_counter()
    # Restart r of image i is row r * n + i: one batch holds every start of a group of images.
    z0 = np.asarray(gan.latent.sample(n * restarts, seed=keras.random.SeedGenerator(seed)), np.float32)
    order = np.arange(n * restarts)
    image_of = order % n
    outputs = {key: [] for key in ("z", "generated", "contextual", "perceptual", "start")}
    history = np.zeros(steps)
    for begin in range(0, len(order), batch_size):
        rows = order[begin:begin + batch_size]
        idx = image_of[rows]
        z, gen, ctx, per, start, hist = _search(gan, images[idx], weights[idx], z0[rows], steps,
                                                float(learning_rate), float(perceptual_weight), support)
        for key, value in zip(outputs, (z, gen, ctx, per, start), strict=True):
            outputs[key].append(value)
        history += hist * len(rows) / len(order)
        if verbose:
            print(f"inpaint: codes {begin + len(rows)}/{len(order)}: contextual loss {float(start.mean()):.4g} -> "
                  f"{float(ctx.mean()):.4g} ({time.perf_counter() - started:.1f} s)")
    found = {key: np.concatenate(value) for key, value in outputs.items()}
    total = (found["contextual"] + perceptual_weight * found["perceptual"]).reshape(restarts, n)
    best = total.argmin(axis=0) * n + np.arange(n)  # row of each image's best restart
    generated = found["generated"][best]
    if blend == "poisson":
        blended = poisson_blend(generated, images, masks)
    else:
        blended = np.where(masks > 0, images, generated).astype(np.float32)
    return InpaintResult(
        images=blended,
        generated=generated,
        latent=found["z"][best],
        mask=masks,
        contextual_loss=found["contextual"][best],
        perceptual_loss=found["perceptual"][best],
        initial_contextual_loss=found["start"][best],
        history=history.astype(np.float32),
        settings={"steps": steps, "learning_rate": float(learning_rate), "perceptual_weight": float(perceptual_weight),
                  "weighting": weighting, "window": window, "restarts": restarts, "blend": blend,
                  "clip": None if support is None else list(support), "seed": seed},
        seconds=time.perf_counter() - started,
    )
