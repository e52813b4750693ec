"""The latent search of Yeh et al. (2016) and `inpaint`, which runs it and blends the result.

For each image, Adam moves the generator's code ``z`` to minimise the
*contextual* loss (weighted L1 to the known pixels, `contextual_weights`) plus
``perceptual_weight`` times the *perceptual* loss (the GAN's own generator loss
on ``D(G(z))``); the best of ``restarts`` codes is then blended into the hole
(`poisson_blend`, or pasted). Nothing is trained and no GAN weight changes.

```python
from kgan.apps import inpainting
result = inpainting.inpaint(images, "center", gan, steps=500)   # also kgan.apps.inpaint
result.images                                                     # (N, H, W, C) in [-1, 1]
```
"""

from __future__ import annotations

import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from kgan import latent as latent_lib
from kgan import pixels
from kgan._checks import positive_int
from kgan.apps.inpainting._inputs import _as_batch
from kgan.apps.inpainting.fills import poisson_blend
from kgan.apps.inpainting.masks import _broadcast_mask
from kgan.apps.inpainting.result import InpaintResult
from kgan.gan import GAN

__all__ = ["BLENDS", "WEIGHTINGS", "contextual_weights", "inpaint"]

BLENDS = ("poisson", "paste")
WEIGHTINGS = ("importance", "uniform")


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


def _load_gan(gan):
    """The GAN to search with (a GAN or a gan.keras path), checked: unconditional, with its discriminator.

    Also used by `kgan inpaint` (as ``inpainting._load_gan``) to check the model before reading images.
    """
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
    """The generator's image shape ``(H, W, C)`` (also read by `kgan inpaint`)."""
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


def _search(gan, y, w, z0, steps, learning_rate, perceptual_weight, support, progress=None):
    """Adam on z for ``steps`` steps in a tf.function; returns final z, losses and the history.

    ``progress``: a `keras.utils.Progbar` over the steps; the steps then run in chunks
    (the same ops in the same order: the result does not change) so that it can move.
    """
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
    def run(count):  # a tensor: chunks of another length reuse the same graph
        history = tf.TensorArray(tf.float32, size=count)
        for i in tf.range(count):
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
    if progress is None:
        history = run(tf.constant(steps))
    else:
        chunk, parts, done = max(1, -(-steps // 50)), [], 0  # about 50 updates of the bar
        while done < steps:
            parts.append(run(tf.constant(min(chunk, steps - done))).numpy())
            done += len(parts[-1])
            progress.update(done, values=[("contextual_loss", float(parts[-1][-1]))], finalize=done == steps)
        history = np.concatenate(parts)
    generated, contextual, perceptual = losses(z.value)
    return (np.asarray(z.value), np.asarray(generated), np.asarray(contextual), np.asarray(perceptual),
            np.asarray(start), np.asarray(history))


def inpaint(image, mask, gan, *, steps: int = 1000, learning_rate: float = 0.01, perceptual_weight: float = 0.003,
            weighting: str = "importance", window: int = 7, restarts: int = 1, blend: str = "poisson",
            clip="auto", batch_size: int = 256, seed: int = 0, verbose=False) -> InpaintResult:
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
        verbose: progress, as in ``fit``: ``0``/``False`` (default) silent,
            ``1``/``True``/``"auto"`` a live `keras.utils.Progbar` per batch
            of codes, ``2`` one line per batch (for log files).

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
    if verbose not in (0, 1, 2, "auto"):
        raise ValueError(f"verbose={verbose!r}: use 0 (silent), 1 or 'auto' (a progress bar) or 2 (a line per batch).")
    if not float(learning_rate) > 0:
        raise ValueError(f"learning_rate must be positive, got {learning_rate}.")
    if not float(perceptual_weight) >= 0:
        raise ValueError(f"perceptual_weight must be >= 0, got {perceptual_weight}.")
    images = _as_batch(image, "image", _output_shape(gan))
    # Floats outside [-1, 1] (tolerance as before: 0.001) are a scaling mistake, not pixels to match.
    images = pixels.as_model_range(images, "The images", tolerance=0.001)
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
        bar = None
        if verbose:
            print(f"Codes {begin + 1}-{begin + len(rows)}/{len(order)}", flush=True)
            bar = keras.utils.Progbar(steps, verbose=2 if verbose == 2 else 1, unit_name="step")
        z, gen, ctx, per, start, hist = _search(gan, images[idx], weights[idx], z0[rows], steps,
                                                float(learning_rate), float(perceptual_weight), support, bar)
        for key, value in zip(outputs, (z, gen, ctx, per, start), strict=True):
            outputs[key].append(value)
        history += hist * len(rows) / len(order)
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
