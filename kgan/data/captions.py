"""(image, caption) pipelines for text-to-image GANs, and captions for Fashion-MNIST.

Any source of pairs works: arrays of images with one caption each, or a
``tf.data`` dataset of ``(image, caption)`` elements.

```python
ds = kgan.data.caption_pairs(x_uint8, ["a red bird", ...], batch_size=64)     # your own pairs
ds = kgan.data.fashion_mnist_with_captions(batch_size=64)                     # the demo: composed captions
kgan.data.fashion_mnist_phrasings(1, "held_out")[:2]
# ['a pair of long pants', 'a pair of slim jeans']
```

Fashion-MNIST has labels, not captions. The demo composes each caption from
its class's description: a template ("a photo of {}") around a noun phrase
(article + optional attribute + one of the class's nouns: "a long-sleeved
pullover", "a pair of loose jeans"). Some phrasings are **held out** from
training: whole templates (`HELD_OUT_TEMPLATES`) and one or two
attribute-noun pairings per class (`HELD_OUT_PAIRS`, e.g. "long-sleeved
sweater" never appears in training although "long-sleeved" and "sweater" both do). Every
word of a held-out phrasing is in the training vocabulary, so held-out
captions measure whether the model composes known words, not whether it
guesses unknown ones.
"""

from __future__ import annotations

import itertools

import numpy as np
import tensorflow as tf

from kgan import pixels
from kgan._checks import positive_int

__all__ = [
    "CLASS_DESCRIPTIONS",
    "HELD_OUT_PAIRS",
    "HELD_OUT_TEMPLATES",
    "PHRASING_SPLITS",
    "TEMPLATES",
    "caption_pairs",
    "fashion_mnist_captions",
    "fashion_mnist_phrasings",
    "fashion_mnist_with_captions",
]

# Class -> (nouns, attributes). "pair of|x" nouns take the attribute after "pair of":
# "a pair of loose trousers". Attributes are shared across classes on purpose ("long",
# "leather", "winter", ...): the noun, not the adjective, names the class.
CLASS_DESCRIPTIONS: dict[int, tuple[tuple[str, ...], tuple[str, ...]]] = {
    0: (("t-shirt", "tee", "top"), ("short-sleeved", "plain", "cotton")),
    1: (("pair of|trousers", "pair of|pants", "pair of|jeans"), ("long", "loose", "slim")),
    2: (("pullover", "sweater", "jumper"), ("long-sleeved", "knitted", "warm")),
    3: (("dress", "gown", "frock"), ("sleeveless", "summer", "long")),
    4: (("coat", "jacket", "parka"), ("warm", "winter", "zipped")),
    5: (("sandal", "pair of|sandals", "flip-flop"), ("strappy", "open", "summer")),
    6: (("shirt", "blouse", "button-down shirt"), ("collared", "long-sleeved", "casual")),
    7: (("sneaker", "trainer", "running shoe"), ("sporty", "low", "white")),
    8: (("bag", "handbag", "purse"), ("leather", "large", "small")),
    9: (("ankle boot", "boot", "bootie"), ("leather", "heeled", "winter")),
}
TEMPLATES = ("{}", "a photo of {}", "a picture of {}", "this is {}", "{} on a dark background",
             "a grayscale photo of {}", "a small picture of {}")
# Held out: new sentence frames made of known words...
HELD_OUT_TEMPLATES = ("a grayscale picture of {}", "this is a photo of {}", "a small photo of {} on a dark background")
# ...and, per class, (attribute index, noun index) pairings never seen in training.
HELD_OUT_PAIRS = ((0, 1), (2, 2))
PHRASING_SPLITS = ("train", "held_out", "all")


def _article(phrase: str) -> str:
    return "an" if phrase[0] in "aeiou" else "a"


def _noun_phrase(noun: str, attribute: str | None) -> str:
    prefix, _, head = noun.rpartition("|")
    words = " ".join(w for w in (prefix, attribute, head) if w)
    return f"{_article(words)} {words}"


def fashion_mnist_phrasings(label: int, split: str = "train") -> list[str]:
    """Every caption of a Fashion-MNIST class in a split (``"train"``, ``"held_out"`` or ``"all"``).

    70 training and 50 held-out phrasings per class; see the module docstring.
    """
    if split not in PHRASING_SPLITS:
        raise ValueError(f"split must be one of {PHRASING_SPLITS}, got {split!r}.")
    if isinstance(label, bool) or not isinstance(label, (int, np.integer)) or label not in CLASS_DESCRIPTIONS:
        raise ValueError(f"label must be a Fashion-MNIST class 0-9, got {label!r}.")
    nouns, attributes = CLASS_DESCRIPTIONS[int(label)]
    out = []
    for template in TEMPLATES + HELD_OUT_TEMPLATES:
        for (a, attribute), (n, noun) in itertools.product(enumerate((None, *attributes), start=-1), enumerate(nouns)):
            held_out = template in HELD_OUT_TEMPLATES or (a, n) in HELD_OUT_PAIRS
            if split == "all" or held_out == (split == "held_out"):
                out.append(template.format(_noun_phrase(noun, attribute)))
    return out


def fashion_mnist_captions(labels, split: str = "train", seed: int | None = 0) -> np.ndarray:
    """One caption per label, drawn uniformly from the class's phrasings in ``split``.

    ```python
    kgan.data.fashion_mnist_captions([1, 8], seed=0)   # e.g. ['a photo of a pair of slim pants', 'a large purse']
    ```
    """
    labels = np.asarray(labels).reshape(-1)
    rng = np.random.default_rng(seed)
    tables = {k: fashion_mnist_phrasings(k, split) for k in np.unique(labels).tolist()}
    return np.array([tables[k][rng.integers(len(tables[k]))] for k in labels.tolist()], dtype=object).astype(str)


def _phrasing_table(split: str):
    rows = [fashion_mnist_phrasings(k, split) for k in range(10)]
    width = max(len(r) for r in rows)
    table = tf.constant([r + [""] * (width - len(r)) for r in rows])
    counts = tf.constant([len(r) for r in rows], dtype=tf.int64)
    return table, counts


def _scale(images):
    return pixels.tensor_from_uint8(images)


def fashion_mnist_with_captions(batch_size: int = 64, *, split: str = "train", phrasings: str = "train",
                                limit: int | None = None, seed: int | None = 0, shuffle: bool = True) -> tf.data.Dataset:
    """Fashion-MNIST as ``(images, captions)`` batches: images in [-1, 1], captions as strings.

    Each image gets a fresh caption of its class every epoch, drawn from the
    ``phrasings`` split (``"train"`` for training; ``"held_out"`` to evaluate).

    Args:
        batch_size: pairs per batch (the last partial batch is dropped, so shapes stay fixed).
        split: the image split, ``"train"`` or ``"test"``.
        phrasings: ``"train"``, ``"held_out"`` or ``"all"`` (see `fashion_mnist_phrasings`).
        limit: use only the first ``limit`` images.
        seed: seeds the shuffling and the caption draws.
    """
    from kgan.data.images import image_arrays

    batch_size = positive_int(batch_size, "batch_size")
    table, counts = _phrasing_table(phrasings)  # raises on an unknown phrasings split, before loading
    x, y = image_arrays("fashion_mnist", split, limit=limit)
    pairs = tf.data.Dataset.from_tensor_slices((x, y.astype(np.int64)))
    if shuffle:
        pairs = pairs.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    # A random stream that differs every epoch, so each image meets many phrasings of its class.
    draws = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True)

    def caption(pair, draw):
        image, label = pair
        return image, table[label, tf.math.floormod(draw, counts[label])]

    ds = tf.data.Dataset.zip(pairs, draws).map(caption, num_parallel_calls=tf.data.AUTOTUNE)
    return ds.batch(batch_size, drop_remainder=True).map(lambda i, c: (_scale(i), c)).prefetch(tf.data.AUTOTUNE)


def caption_pairs(images, captions, batch_size: int = 64, *, shuffle: bool = True, seed: int | None = 0,
                  drop_remainder: bool = True) -> tf.data.Dataset:
    """``(images, captions)`` batches from arrays: images uint8 (or floats in [0, 1] / [-1, 1]), one caption each.

    ```python
    ds = kgan.data.caption_pairs(x_train, captions, batch_size=64)   # fit a text-to-image GAN on it
    ```
    """
    from kgan.data.images import _as_nhwc, _infer_value_range

    batch_size = positive_int(batch_size, "batch_size")
    x = _as_nhwc(images)
    captions = np.asarray(captions).reshape(-1)
    if captions.dtype.kind not in "USO":
        raise TypeError(f"captions must be strings, got an array of {captions.dtype}.")
    captions = captions.astype(str)
    if len(captions) != len(x):
        raise ValueError(f"Got {len(x)} images but {len(captions)} captions: give one caption per image.")
    empty = [i for i, c in enumerate(captions.tolist()) if not c.strip()]
    if empty:
        raise ValueError(f"{len(empty)} captions are empty (first at index {empty[0]}): drop those pairs or caption them.")
    low, high = _infer_value_range(x)
    scaled = ((x.astype(np.float32) - low) / (high - low) * 2.0 - 1.0).astype(np.float32)
    ds = tf.data.Dataset.from_tensor_slices((scaled, captions))
    if shuffle:
        ds = ds.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    return ds.batch(batch_size, drop_remainder=drop_remainder).prefetch(tf.data.AUTOTUNE)
