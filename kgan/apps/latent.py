"""Walks and arithmetic in a trained generator's latent space (the DCGAN paper's figures).

```python
from kgan.apps import latent
strip = latent.interpolation_strip(gan, rows=4, steps=10)          # uint8 picture, one walk per row
kgan.apps.save_png("walk.png", strip)

groups = latent.codes_by_class(gan, kgan.metrics.fashion_mnist_classifier(), classes=[7, 5, 9])
result = latent.vector_arithmetic(gan, plus=[groups[9], groups[5]], minus=[groups[7]])
kgan.apps.save_png("arithmetic.png", result.figure())   # ankle boot - sneaker + sandal = ?
```
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np

from kgan import pixels

__all__ = ["ArithmeticResult", "code_traversal", "code_traversal_figure", "codes_by_class", "interpolate", "interpolation_strip", "slerp", "vector_arithmetic"]

METHODS = ("linear", "slerp")


def slerp(z0, z1, t) -> np.ndarray:
    """Spherical interpolation: along the great circle between ``z0`` and ``z1`` (rows of a batch).

    Prefer it for Gaussian and uniform priors in many dimensions: a straight line
    passes through the low-norm middle, where the generator saw few codes.
    """
    z0, z1 = np.asarray(z0, np.float64), np.asarray(z1, np.float64)
    t = np.asarray(t, np.float64).reshape(-1, *([1] * z0.ndim))
    u0 = z0 / np.linalg.norm(z0, axis=-1, keepdims=True)
    u1 = z1 / np.linalg.norm(z1, axis=-1, keepdims=True)
    omega = np.arccos(np.clip(np.sum(u0 * u1, axis=-1, keepdims=True), -1.0, 1.0))
    sin = np.sin(omega)
    parallel = sin < 1e-6  # (anti)parallel endpoints: the circle is undefined, fall back to a line
    safe = np.where(parallel, 1.0, sin)
    out = np.where(parallel, (1 - t) * z0 + t * z1, (np.sin((1 - t) * omega) * z0 + np.sin(t * omega) * z1) / safe)
    return out


def interpolate(z0, z1, steps: int = 8, method: str = "slerp") -> np.ndarray:
    """``steps`` codes from ``z0`` to ``z1`` inclusive: shape ``(steps, *z0.shape)``."""
    if method not in METHODS:
        raise ValueError(f"method={method!r}: use one of {METHODS}.")
    if int(steps) < 2:
        raise ValueError(f"steps must be >= 2 (both endpoints), got {steps}.")
    z0, z1 = np.asarray(z0, np.float32), np.asarray(z1, np.float32)
    if z0.shape != z1.shape:
        raise ValueError(f"Endpoints of different shapes: {z0.shape} and {z1.shape}.")
    t = np.linspace(0.0, 1.0, int(steps))
    if method == "linear":
        return (z0[None] * (1 - t.reshape(-1, *([1] * z0.ndim))) + z1[None] * t.reshape(-1, *([1] * z0.ndim))).astype(
            np.float32)
    return slerp(z0, z1, t).astype(np.float32)


def _decode(gan, codes) -> np.ndarray:
    codes = np.asarray(codes, np.float32)
    return np.asarray(gan.generate_from(codes, training=False))


def _draw(gan, n, seed) -> np.ndarray:
    return np.asarray(gan.latent.sample(n, seed=keras.random.SeedGenerator(seed)))


def interpolation_strip(gan, rows: int = 4, steps: int = 8, method: str = "slerp", seed: int = 0,
                        endpoints=None) -> np.ndarray:
    """A picture of latent walks: each row decodes ``steps`` codes between two endpoints.

    Args:
        gan: a trained `kgan.GAN` (unconditional).
        rows: walks to show (endpoints drawn from the GAN's prior with ``seed``).
        steps: images per walk, endpoints included.
        method: ``"slerp"`` (default) or ``"linear"``.
        endpoints: optional ``(z_start, z_end)`` arrays of shape ``(rows, dim)``.

    Returns a uint8 image ``(H, W, C)`` for `kgan.apps.save_png`.
    """
    if endpoints is None:
        codes = _draw(gan, 2 * rows, seed)
        starts, ends = codes[:rows], codes[rows:]
    else:
        starts, ends = (np.asarray(e, np.float32) for e in endpoints)
    walks = np.concatenate([interpolate(a, b, steps, method) for a, b in zip(starts, ends, strict=True)])
    return pixels.image_grid(_decode(gan, walks), cols=steps)


def codes_by_class(gan, classifier, classes, per_class: int = 3, pool: int = 2000, seed: int = 0,
                   strict: bool = True) -> dict:
    """Latent codes whose images a classifier assigns most confidently to each class.

    The DCGAN paper picked its exemplars (smiling woman, neutral man, ...) by
    hand; with a classifier (e.g. `kgan.metrics.fashion_mnist_classifier`) this
    picks them reproducibly: draw ``pool`` codes, keep the ``per_class`` most
    confident for each class in ``classes``.

    Returns ``{class: codes of shape (per_class, dim)}``; with ``strict=False``
    classes with too few samples are left out instead of raising.
    """
    codes = _draw(gan, pool, seed)
    images = _decode(gan, codes)
    probs = np.concatenate([np.asarray(classifier(images[i:i + 500], training=False)) for i in range(0, pool, 500)])
    predicted = probs.argmax(axis=1)
    out = {}
    for c in classes:
        members = np.flatnonzero(predicted == c)
        if len(members) < per_class:
            if not strict:
                continue
            raise ValueError(
                f"Only {len(members)} of {pool} samples are classified as class {c}; need {per_class}. "
                "Raise pool=, or train the GAN longer (it may not produce this class)."
            )
        best = members[np.argsort(-probs[members, c])[:per_class]]
        out[c] = codes[best]
    return out


@dataclass
class ArithmeticResult:
    """What `vector_arithmetic` computed; ``figure()`` lays it out as the DCGAN paper does."""

    operand_images: list  # one (k, h, w, c) array per operand: the exemplars
    mean_images: np.ndarray  # the decoded mean code of each operand
    signs: list  # "+" or "-" per operand
    code: np.ndarray  # the resulting code (dim,)
    images: np.ndarray  # decoded result and its noisy neighbours

    def figure(self) -> np.ndarray:
        """One row per operand (its exemplars, then its decoded mean), last row the results."""
        k = max(len(imgs) for imgs in self.operand_images) + 1
        width = max(k, len(self.images))
        blank = np.full_like(self.images[:1], -1.0)
        rows = []
        for imgs, mean in zip(self.operand_images, self.mean_images, strict=True):
            row = list(imgs) + [blank[0]] * (width - 1 - len(imgs)) + [mean]
            rows.extend(row)
        rows.extend(list(self.images) + [blank[0]] * (width - len(self.images)))
        return pixels.image_grid(np.stack(rows), cols=width)


def vector_arithmetic(gan, plus, minus=(), samples: int = 8, noise: float = 0.25, seed: int = 0) -> ArithmeticResult:
    """Add and subtract mean codes, then decode: ``mean(plus[0]) - mean(minus[0]) + mean(plus[1]) ...``.

    As in the DCGAN paper, each concept is the mean of a few exemplar codes
    (single codes are unstable), and the result is shown with ``samples - 1``
    neighbours: the result code plus uniform noise of scale ``noise``.

    Args:
        gan: a trained `kgan.GAN`.
        plus, minus: lists of code arrays ``(k, dim)``, one per concept.
        samples: images of the result (the first is the exact result code).
        noise: scale of the uniform jitter for the neighbours.
    """
    plus, minus = [np.atleast_2d(np.asarray(p, np.float32)) for p in plus], [
        np.atleast_2d(np.asarray(m, np.float32)) for m in minus]
    if not plus:
        raise ValueError("vector_arithmetic needs at least one code group in plus=[...].")
    dims = {g.shape[1:] for g in plus + minus}
    if len(dims) != 1:
        raise ValueError(f"All code groups must have the same code shape, got {sorted(dims)}.")
    means = [g.mean(axis=0) for g in plus + minus]
    signs = ["+"] * len(plus) + ["-"] * len(minus)
    code = sum(m if s == "+" else -m for m, s in zip(means, signs, strict=True))
    rng = np.random.default_rng(seed)
    jitter = rng.uniform(-noise, noise, size=(samples - 1, *code.shape)).astype(np.float32)
    results = np.concatenate([code[None], code[None] + jitter])
    return ArithmeticResult(
        operand_images=[_decode(gan, g) for g in plus + minus],
        mean_images=_decode(gan, np.stack(means)),
        signs=signs,
        code=code,
        images=_decode(gan, results),
    )


def code_traversal(gan, categorical: int = 0, continuous: int | None = 0, steps: int = 9, span=(-2.0, 2.0),
                   seed: int = 0) -> np.ndarray:
    """InfoGAN's figure: rows over a categorical code's values, columns over a continuous code.

    Everything else (noise and the other codes) is drawn once with ``seed`` and
    kept fixed, so each row shows what the categorical code controls and each
    column what the continuous code does, from ``span[0]`` to ``span[1]``
    (beyond the [-1, 1] training range, as in the paper).

    Args:
        gan: a `kgan.GAN` whose latent prior is a `kgan.latent.InfoCode`.
        categorical: index of the categorical code for the rows.
        continuous: index of the continuous code for the columns (None: one
            column, a fixed random value).
        steps: columns.

    Returns a uint8 image ``(H, W, C)``; rows x columns = K x steps. For a file to
    look at, `code_traversal_figure` enlarges and labels the same picture.
    """
    images, values, _ = _traversal(gan, categorical, continuous, steps, span, seed)
    return pixels.image_grid(images, cols=len(values))


def code_traversal_figure(gan, categorical: int = 0, continuous: int | None = 0, steps: int = 9, span=(-2.0, 2.0),
                          seed: int = 0, min_cell: int = 64) -> np.ndarray:
    """`code_traversal` as a readable figure: cells of ``min_cell`` px or more, rows and columns labelled.

    Rows are labelled with the categorical code's value (``cat0=3``), columns with the
    continuous code's (``c0=-2.0``).

    ```python
    kgan.pixels.save_png("traversal.png", latent.code_traversal_figure(gan, categorical=0, continuous=0))
    ```
    """
    images, values, k = _traversal(gan, categorical, continuous, steps, span, seed)
    cols = [f"c{continuous}={v:+.1f}" for v in values] if values[0] is not None else None
    return pixels.figure(images, cols=len(values), col_labels=cols, row_labels=[f"cat{categorical}={c}" for c in range(k)],
                         min_cell=min_cell)


def _traversal(gan, categorical, continuous, steps, span, seed):
    """The decoded traversal images (rows x columns, row-major), the column values and the row count."""
    from kgan.latent import InfoCode

    code = gan.latent
    if not isinstance(code, InfoCode):
        raise TypeError(f"code_traversal needs a GAN whose latent is a kgan.latent.InfoCode, not {code!r}.")
    if not 0 <= categorical < len(code.categorical):
        raise ValueError(f"categorical={categorical}: this code has {len(code.categorical)} categorical code(s).")
    if continuous == 0 and code.continuous == 0:
        continuous = None  # the default asks for code 0; without continuous codes, one column
    if continuous is not None and not 0 <= continuous < code.continuous:
        raise ValueError(f"continuous={continuous}: this code has {code.continuous} continuous code(s).")
    base = np.asarray(code.sample(1, seed=keras.random.SeedGenerator(seed)))[0]
    values = np.linspace(span[0], span[1], steps) if continuous is not None else [None]
    k = code.categorical[categorical]
    start = code.noise + sum(code.categorical[:categorical])
    cont_start = code.noise + sum(code.categorical)
    rows = []
    for c in range(k):
        for v in values:
            z = base.copy()
            z[start:start + k] = np.eye(k)[c]
            if v is not None:
                z[cont_start + continuous] = v
            rows.append(z)
    return _decode(gan, np.stack(rows)), list(values), k
