"""Text to image (Reed et al. 2016, GAN-INT-CLS): train on (image, caption) pairs, generate from captions.

```python
from kgan.apps import text_to_image as t2i

data = kgan.data.fashion_mnist_with_captions(batch_size=64)      # (images, captions) batches
gan = t2i.train(data, epochs=8).gan                               # builds, compiles and fits a kgan.GAN
images = t2i.generate(gan, ["a pair of trousers", "a leather bag"], n_per_caption=8, seed=0)   # (2, 8, 28, 28, 1)
row = t2i.interpolate(gan, "a sneaker", "an ankle boot", steps=8)                              # (8, 28, 28, 1)
gan.save("t2i.keras")         # the vocabulary is inside: keras.models.load_model("t2i.keras") generates from strings
```

The model is a plain `kgan.GAN`: the caption is the GAN's condition (G gets
``[z, captions]``, D gets ``[images, captions]``), the matching-aware loss is
the `kgan.terms.MatchingAware` term and GAN-INT's interpolation the
`kgan.terms.TextInterpolation` term (opt-in: ``interpolation_weight=1.0``). The networks take raw strings: their
``TextVectorization`` layers hold the vocabulary learnt from the training
captions. Captions at generation time are checked (`check_captions`): an empty
caption, or one with no word in the vocabulary, is an error; unknown words in
an otherwise known caption become the out-of-vocabulary token, with a warning.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field

import keras
import numpy as np
import tensorflow as tf

from kgan import _atomic, _gan_ema
from kgan import latent as latent_lib
from kgan._checks import positive_int
from kgan.gan import GAN
from kgan.nets import text as text_nets
from kgan.terms import matching_aware

__all__ = ["TrainResult", "build", "caption_figure", "check_captions", "compile", "generate", "interpolate",
           "load", "train", "vocabulary"]


def build(captions=None, *, vocabulary=None, image_shape=(28, 28, 1), latent_dim: int = 100, width: int = 32,
          text_dim: int = 64, embedding_dim: int = 32, units: int = 64, encoder: str = "gru",
          sequence_length: int = 16, max_tokens: int | None = 2000, head: str = "concat",
          joint_dim: int | None = None, seed: int | None = None,
          name: str = "text_to_image") -> GAN:
    """An uncompiled text-to-image `kgan.GAN` with a ``Normal(latent_dim)`` prior.

    Args:
        captions: training captions (strings, or a ``tf.data`` dataset of
            strings) to learn the vocabulary from; or give ``vocabulary``.
        vocabulary: a word list.
        image_shape: 28x28, 32x32 or 64x64 images (DCGAN nets).
        width: network width (the DCGAN nets' ``width``).
        text_dim: size of the compressed text embedding in G and D.
        embedding_dim, units, encoder: word embedding size, GRU (or Conv1D)
            units, ``"gru"`` or ``"conv"``.
        sequence_length, max_tokens: words kept per caption; vocabulary cap.
        head, joint_dim: the discriminator's (`kgan.nets.matching_aware_discriminator`).
        seed: seeds the weights and the GAN's latent draws.
    """
    if vocabulary is None:
        vocabulary = text_nets.text_vectorizer(captions, max_tokens=max_tokens, sequence_length=sequence_length)
    elif captions is not None:
        raise ValueError("Pass captions=... or vocabulary=..., not both.")
    common = dict(text_dim=text_dim, embedding_dim=embedding_dim, units=units, kind=encoder,
                  sequence_length=sequence_length, seed=seed)
    generator = text_nets.text_conditional_generator(image_shape, vocabulary, latent_dim, width, **common)
    discriminator = text_nets.matching_aware_discriminator(image_shape, vocabulary, width, head=head, joint_dim=joint_dim,
                                                           **common)
    return GAN(generator, discriminator, latent=latent_lib.Normal(int(latent_dim)), seed=seed, name=name)


def compile(gan: GAN, *, matching_weight: float = 1.0, interpolation_weight: float = 0.0,
            interpolation_beta: float = 0.5, feature_matching_weight: float = 1.0, **kwargs) -> GAN:
    """``gan.compile`` with GAN-CLS (``matching_weight > 0``) and GAN-INT (``interpolation_weight > 0``) terms.

    The defaults are the recipe the benchmark measured (docs/text-to-image.md):
    GAN-CLS plus feature matching; GAN-INT is opt-in (``interpolation_weight=1.0``,
    the paper's GAN-INT-CLS) because a short run with it and without feature
    matching collapsed to one image per caption.

    ``feature_matching_weight > 0`` adds `kgan.terms.FeatureMatching` to G's
    adversarial loss (``replace=False``): G also matches the mean of D's
    features on real (image, caption) pairs, which keeps it from ignoring ``z``.
    ``kwargs`` go to `kgan.GAN.compile` (optimizers, ``loss``, extra ``terms``).
    Weights of 0 leave a term out: all 0 is a plain conditional GAN.
    """
    from kgan.terms.feature_matching import FeatureMatching

    terms = list(kwargs.pop("terms", ()))
    if matching_weight:
        terms.append(matching_aware.MatchingAware(weight=matching_weight))
    if interpolation_weight:
        terms.append(matching_aware.TextInterpolation(beta=interpolation_beta, weight=interpolation_weight))
    if feature_matching_weight:
        terms.append(FeatureMatching(weight=feature_matching_weight, replace=False))
    gan.compile(terms=terms, **kwargs)
    return gan


@dataclass
class TrainResult:
    """What `train` returns: the trained GAN, Keras' history and the wall time."""

    gan: GAN
    history: dict = field(default_factory=dict)
    seconds: float = 0.0


def _as_dataset(data, batch_size, seed):
    from kgan.data.captions import caption_pairs

    if isinstance(data, tf.data.Dataset):
        spec = data.element_spec
        if not (isinstance(spec, tuple) and len(spec) == 2 and spec[1].dtype == tf.string):
            raise ValueError(
                f"The dataset must yield (images, captions) batches with string captions; its elements are {spec}."
            )
        return data
    if isinstance(data, (tuple, list)) and len(data) == 2:
        return caption_pairs(data[0], data[1], batch_size=batch_size, seed=seed)
    raise TypeError("data must be a tf.data.Dataset of (images, captions) batches or an (images, captions) pair.")


def train(data, epochs: int = 5, *, gan: GAN | None = None, batch_size: int = 64, seed: int | None = 0,
          matching_weight: float = 1.0, interpolation_weight: float = 0.0, feature_matching_weight: float = 1.0,
          terms=(), ema: float | None = 0.999, callbacks=(), verbose: int = 2,
          steps_per_epoch: int | None = None, **build_kwargs) -> TrainResult:
    """Build (unless ``gan`` is given), compile and fit a text-to-image GAN; returns a `TrainResult`.

    Args:
        data: a ``tf.data.Dataset`` of ``(images, captions)`` batches (images
            in [-1, 1]), or an ``(images, captions)`` pair of arrays.
        epochs: passes over the data.
        gan: continue training this GAN (already compiled) instead of building one.
        batch_size: for array data.
        seed: seeds weights, latent draws and array shuffling.
        matching_weight, interpolation_weight, feature_matching_weight: see `compile`.
        terms: more `kgan.terms` for a new GAN (e.g. ``FeatureMatching(replace=False)``).
        ema: keep an averaged generator with this decay (`kgan.GAN.compile`'s ``ema``;
            None for none); `generate` and `interpolate` sample it. The default is the
            measured recipe: 0.751 held-out-caption accuracy against 0.708 for the live G.
        **build_kwargs: passed to `build` (``width``, ``latent_dim``, ``text_dim``, ...).
    """
    epochs = positive_int(epochs, "epochs")
    dataset = _as_dataset(data, batch_size, seed)
    if gan is None:
        image_shape = tuple(int(d) for d in dataset.element_spec[0].shape[1:])
        captions = dataset.map(lambda images, captions: captions)  # one pass to learn the vocabulary
        gan = build(captions, image_shape=image_shape, seed=seed, **build_kwargs)
        compile(gan, matching_weight=matching_weight, interpolation_weight=interpolation_weight,
                feature_matching_weight=feature_matching_weight, terms=terms, ema=ema)
    elif build_kwargs or terms:
        given = sorted(build_kwargs) + (["terms"] if terms else [])
        raise ValueError(f"{given} configure a new GAN; they cannot change the given gan=.")
    started = time.perf_counter()
    history = gan.fit(dataset, epochs=epochs, callbacks=list(callbacks), verbose=verbose,
                      steps_per_epoch=steps_per_epoch)
    return TrainResult(gan, history.history, time.perf_counter() - started)


def load(path) -> GAN:
    """A text-to-image GAN from a ``.keras`` file, with a clear error for anything else."""
    model = keras.models.load_model(path)
    if not isinstance(model, GAN) or not _is_text_gan(model):
        raise TypeError(f"{path} holds a {type(model).__name__} that is not a text-to-image kgan GAN "
                        "(a GAN whose generator takes [z, caption strings]).")
    return model


def _is_text_gan(gan) -> bool:
    inputs = getattr(gan.generator, "inputs", None) or []
    return len(inputs) == 2 and inputs[1].dtype == "string"


def vocabulary(model) -> list[str]:
    """The words the model knows (learnt from its training captions)."""
    return text_nets.vocabulary_of(model)


def _as_gan(model) -> GAN:
    if isinstance(model, GAN) and _is_text_gan(model):
        return model
    if isinstance(model, (str, bytes)) or hasattr(model, "__fspath__"):
        return load(model)
    raise TypeError(f"Expected a text-to-image kgan.GAN (or a path to one), got {type(model).__name__}.")


def check_captions(model, captions) -> list[str]:
    """Validate captions for ``model``; returns them as a list.

    Errors (ValueError): no captions, an empty caption, or a caption with no
    word in the model's vocabulary (it would give an arbitrary image rather
    than one about the caption). Warnings: unknown words in a caption that has
    known ones (they become the out-of-vocabulary token ``[UNK]``) and words
    past the model's ``sequence_length`` (cut).
    """
    gan = _as_gan(model)
    if isinstance(captions, str):
        captions = [captions]
    captions = [c.decode() if isinstance(c, bytes) else c for c in list(captions)]
    if not captions:
        raise ValueError("No captions given.")
    bad = [c for c in captions if not isinstance(c, str)]
    if bad:
        raise TypeError(f"Captions must be strings, got {bad[0]!r}.")
    vectorizer = text_nets._find_vectorizer(gan.generator)
    length = vectorizer.get_config()["output_sequence_length"]
    for i, caption in enumerate(captions):
        if not caption.strip():
            raise ValueError(f"Caption {i} is empty: say what to draw, e.g. \"a pair of trousers\".")
        words = caption.split()
        ids = np.asarray(vectorizer(tf.constant(words)))  # one row per word: tells which word is unknown
        unknown = [w for w, row in zip(words, ids, strict=True) if not (row > 1).any() and (row == 1).any()]
        known = [w for w, row in zip(words, ids, strict=True) if (row > 1).any()]
        if not known:
            vocab = vocabulary(gan)
            raise ValueError(
                f"No word of caption {i} ({caption!r}) is in the model's vocabulary of {len(vocab)} words, so "
                f"the image would not depend on it. Use words it was trained on, e.g. {', '.join(vocab[:12])}."
            )
        if unknown:
            warnings.warn(f"Caption {i} ({caption!r}): unknown words {unknown} are read as the out-of-vocabulary "
                          "token [UNK].", stacklevel=2)
        if length and len(words) > length:
            warnings.warn(f"Caption {i} has {len(words)} words; the model reads only the first {length}.", stacklevel=2)
    return captions


def generate(model, captions, n_per_caption: int = 8, seed: int | None = 0, ema=None,
             truncation: float | None = None) -> np.ndarray:
    """``n_per_caption`` images for each caption: an array ``(len(captions), n_per_caption, H, W, C)`` in [-1, 1].

    ``model`` is a text-to-image GAN or a path to one; the same ``seed`` gives
    the same images, and caption ``i`` uses the same latent vectors as
    caption ``j`` (so rows differ only by their text). ``ema``: as in
    `kgan.GAN.generate` (the averaged generator when the GAN keeps one;
    ``False`` for the live one). ``truncation``: draw z from the Normal prior
    truncated to ``± truncation`` standard deviations (more typical images, less variety).
    """
    gan = _as_gan(model)
    captions = check_captions(gan, captions)
    n = positive_int(n_per_caption, "n_per_caption")
    generator = _gan_ema.sampling_generator(gan, ema)
    seed_generator = keras.random.SeedGenerator(seed) if seed is not None else gan.seed_generator
    z = keras.ops.tile(_gan_ema.sample_latent(gan.latent, n, seed_generator, truncation), (len(captions), 1))
    text = tf.constant(np.repeat(np.array(captions, dtype=object), n).astype(str))
    images = np.concatenate([keras.ops.convert_to_numpy(generator([z[i:i + 1024], text[i:i + 1024]], training=False))
                             for i in range(0, len(text), 1024)])
    return images.reshape(len(captions), n, *images.shape[1:])


def interpolate(model, caption_a: str, caption_b: str, steps: int = 8, n: int = 1, seed: int | None = 0,
                ema=None) -> np.ndarray:
    """Images along the line between two captions' embeddings (GAN-INT), with fixed latent vectors.

    Returns ``(n, steps, H, W, C)`` (``(steps, H, W, C)`` for ``n=1``): step 0 is
    ``caption_a``, the last step ``caption_b``. ``ema`` as in `generate`.
    """
    gan = _as_gan(model)
    caption_a, caption_b = check_captions(gan, [caption_a, caption_b])
    steps = positive_int(steps, "steps")
    n = positive_int(n, "n")
    generator = _gan_ema.sampling_generator(gan, ema)
    encoder, body = generator.get_layer(text_nets.TEXT_ENCODER), generator.get_layer(text_nets.GENERATOR_BODY)
    ends = encoder(tf.constant([caption_a, caption_b]), training=False)
    alphas = np.linspace(0.0, 1.0, steps, dtype=np.float32)[:, None]
    t = (1.0 - alphas) * ends[0:1] + alphas * ends[1:2]  # (steps, text_dim)
    z = gan.latent.sample(n, seed=keras.random.SeedGenerator(seed) if seed is not None else gan.seed_generator)
    z = np.repeat(keras.ops.convert_to_numpy(z), steps, axis=0)
    images = keras.ops.convert_to_numpy(body([z, np.tile(keras.ops.convert_to_numpy(t), (n, 1))], training=False))
    images = images.reshape(n, steps, *images.shape[1:])
    return images[0] if n == 1 else images


def caption_figure(captions, images, path, title: str | None = None, dpi: int = 100) -> str:
    """Write a PNG with each caption beside its row of images (``images``: ``(len(captions), n, H, W, C)``)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from kgan.pixels import image_grid

    images = np.asarray(images)
    if images.ndim != 5 or len(images) != len(captions):
        raise ValueError(f"images must be (len(captions), n, H, W, C); got {images.shape} for {len(captions)} captions.")
    rows = len(captions)
    fig, axes = plt.subplots(rows, 2, figsize=(2.6 + 0.45 * images.shape[1], 0.5 * rows + (0.3 if title else 0.1)),
                             gridspec_kw={"width_ratios": [2.6, 0.45 * images.shape[1]]}, squeeze=False)
    for row, (caption, batch) in enumerate(zip(captions, images, strict=True)):
        text_ax, image_ax = axes[row]
        text_ax.axis("off")
        text_ax.text(1.0, 0.5, caption, ha="right", va="center", fontsize=8, transform=text_ax.transAxes)
        grid = image_grid(batch, cols=len(batch), pad=1)
        image_ax.imshow(grid.squeeze(-1) if grid.shape[-1] == 1 else grid, cmap="gray", vmin=0, vmax=255)
        image_ax.axis("off")
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout(pad=0.2, h_pad=0.1, w_pad=0.3)
    with _atomic.atomic_path(path) as tmp:  # creates the folder; a kill leaves the previous figure whole
        fig.savefig(tmp, dpi=dpi)
    plt.close(fig)
    return str(path)
