"""Differentiable augmentation of D's inputs (DiffAugment, Zhao et al. 2020; ADA's p, Karras et al. 2020).

With little data D memorises the training set and G's samples get worse. Augmenting every
image D sees, real *and* generated, in the D update *and* the G update, keeps D from
memorising without leaking the augmentation into G's samples: G is never asked to produce
augmented images, only to fool a D that sees everything augmented. The transforms are
differentiable, so G's gradient flows through them.

```python
D = kgan.nets.augmented(kgan.nets.dcgan_discriminator((28, 28, 1)))   # DiffAugment in front of D
x_aug = kgan.augment.DiffAugment("translation,cutout", seed=0)(x, training=True)
```

Images are ``(batch, height, width, channels)`` in [-1, 1]. The colour magnitudes are those of
the reference code (``DiffAugment_tf.py``), which was written for [-1, 1] images too; "zero"
padding and cutout therefore fill with 0, the middle grey of that range.
"""

from __future__ import annotations

import keras
from keras import ops

__all__ = ["DiffAugment", "POLICIES", "TRANSFORMS", "brightness", "saturation", "contrast", "translate", "cutout"]

#: Policy names -> the transforms they apply, in order (the reference's AUGMENT_FNS).
POLICIES = {
    "color": ("brightness", "saturation", "contrast"),
    "translation": ("translation",),
    "cutout": ("cutout",),
    # The colour transforms one by one (figures, ablations).
    "brightness": ("brightness",),
    "saturation": ("saturation",),
    "contrast": ("contrast",),
}
TRANSFORMS = ("brightness", "saturation", "contrast", "translation", "cutout")


# -- the transforms, with explicit per-sample parameters (testable without randomness) -------------
def _per_sample(values, x):
    """(batch,) values as a (batch, 1, 1, 1) tensor of x's dtype, for broadcasting."""
    return ops.reshape(ops.cast(values, x.dtype), (-1, 1, 1, 1))


def brightness(x, shift):
    """``x + shift`` per sample (the reference draws ``shift ~ U(-0.5, 0.5)``)."""
    return x + _per_sample(shift, x)


def saturation(x, factor):
    """Scale each pixel's distance to its channel mean by ``factor`` (reference: ``U(0, 2)``).

    Grey images (one channel) are unchanged: a pixel equals its channel mean.
    """
    mean = ops.mean(x, axis=-1, keepdims=True)
    return (x - mean) * _per_sample(factor, x) + mean


def contrast(x, factor):
    """Scale each image's distance to its own mean (over pixels and channels) by ``factor`` (``U(0.5, 1.5)``)."""
    mean = ops.mean(x, axis=(1, 2, 3), keepdims=True)
    return (x - mean) * _per_sample(factor, x) + mean


def translate(x, shift_y, shift_x):
    """Move each image down by ``shift_y`` and right by ``shift_x`` whole pixels, filling with 0.

    ``out[b, i, j] = x[b, i - shift_y[b], j - shift_x[b]]`` where that pixel exists, else 0.
    Two per-sample 0/1 selection matrices (a row and a column shift) applied by
    ``einsum``: exact, the gradient reaches every pixel that stays in the
    picture, and unlike a gather (``take_along_axis``) it also compiles under
    XLA inside the lazy R1/R2 penalties' conditional.
    """
    height, width = x.shape[1], x.shape[2]
    rows = ops.expand_dims(ops.arange(height, dtype="int32"), 0) - ops.reshape(ops.cast(shift_y, "int32"), (-1, 1))
    cols = ops.expand_dims(ops.arange(width, dtype="int32"), 0) - ops.reshape(ops.cast(shift_x, "int32"), (-1, 1))
    # pick_rows[b, i, h] = 1 where output row i reads input row h; an out-of-picture row matches no h: 0.
    pick_rows = ops.cast(ops.equal(rows[:, :, None], ops.arange(height, dtype="int32")[None, None, :]), x.dtype)
    pick_cols = ops.cast(ops.equal(cols[:, :, None], ops.arange(width, dtype="int32")[None, None, :]), x.dtype)
    x = ops.einsum("bih,bhwc->biwc", pick_rows, x)
    return ops.einsum("bjw,biwc->bijc", pick_cols, x)


def cutout(x, top, left, size_y, size_x):
    """Zero the ``size_y x size_x`` rectangle whose top-left corner is ``(top[b], left[b])`` (clipped to the image)."""
    height, width = x.shape[1], x.shape[2]
    rows = ops.expand_dims(ops.arange(height, dtype="int32"), 0) - ops.reshape(ops.cast(top, "int32"), (-1, 1))
    cols = ops.expand_dims(ops.arange(width, dtype="int32"), 0) - ops.reshape(ops.cast(left, "int32"), (-1, 1))
    in_rows = ops.logical_and(rows >= 0, rows < size_y)[:, :, None, None]
    in_cols = ops.logical_and(cols >= 0, cols < size_x)[:, None, :, None]
    return ops.where(ops.logical_and(in_rows, in_cols), ops.zeros_like(x), x)


def _scaled(size, ratio):
    return int(size * ratio + 0.5)  # the reference's rounding


def parse_policy(policy) -> tuple[str, ...]:
    """``"color,translation"`` (or a list of names) -> the transforms it applies, in order."""
    names = policy.split(",") if isinstance(policy, str) else list(policy)
    names = [str(n).strip() for n in names if str(n).strip()]
    unknown = [n for n in names if n not in POLICIES]
    if unknown or not names:
        problem = f"unknown policy name(s) {unknown}" if unknown else "an empty policy"
        raise ValueError(f"DiffAugment: {problem} in {policy!r}; choose from {', '.join(POLICIES)} "
                         "(comma-separated, e.g. 'color,translation,cutout'). To switch augmentation off, use p=0.")
    return tuple(t for n in names for t in POLICIES[n])


@keras.saving.register_keras_serializable(package="kgan")
class DiffAugment(keras.layers.Layer):
    """Differentiable augmentation with per-sample random parameters, in training mode only.

    Each transform of the policy is applied to each image with probability ``p`` (a
    non-trainable weight, saved with the model; `kgan.terms.AdaptiveAugmentation` moves it
    as ADA does). ``p=1`` is DiffAugment. Every image gets its own parameters, so the real
    and generated halves of one concatenated batch are augmented independently from the
    same distribution. ``training=False`` (inference, evaluation) returns the input as is.

    Transforms (the reference's magnitudes): ``brightness`` adds ``U(-0.5, 0.5)``;
    ``saturation`` scales the distance to the channel mean by ``U(0, 2)``; ``contrast`` the
    distance to the image mean by ``U(0.5, 1.5)``; ``translation`` shifts by up to
    ``translation_ratio`` of the size in each direction, filling with 0; ``cutout`` zeroes a
    square of ``cutout_ratio`` of the size at a random place.

    ```python
    inputs = keras.Input((28, 28, 1))
    x = kgan.augment.DiffAugment("color,translation,cutout", p=1.0, seed=0)(inputs)
    ...   # or wrap an existing D: kgan.nets.augmented(D)
    ```

    Args:
        policy: comma-separated names from `POLICIES` (``color`` is brightness, saturation
            and contrast).
        p: probability of applying each transform to each image, in [0, 1].
        translation_ratio: the largest shift, as a fraction of the height/width.
        cutout_ratio: the side of the cut-out square, as a fraction of the height/width.
        seed: seeds the layer's `keras.random.SeedGenerator` (None: a random seed).
    """

    def __init__(self, policy="color,translation,cutout", p: float = 1.0, translation_ratio: float = 0.125,
                 cutout_ratio: float = 0.5, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.transforms = parse_policy(policy)
        self.policy = ",".join(policy.split(",") if isinstance(policy, str) else policy).replace(" ", "")
        if not 0.0 <= float(p) <= 1.0:
            raise ValueError(f"DiffAugment: p={p} is a probability; use a value in [0, 1].")
        for label, ratio in (("translation_ratio", translation_ratio), ("cutout_ratio", cutout_ratio)):
            if not 0.0 < float(ratio) <= 1.0:
                raise ValueError(f"DiffAugment: {label}={ratio}; use a fraction of the image size in (0, 1].")
        self._initial_p = float(p)
        self.translation_ratio, self.cutout_ratio = float(translation_ratio), float(cutout_ratio)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed, name="diff_augment_seed")

    def build(self, input_shape):
        if len(input_shape) != 4 or None in tuple(input_shape)[1:]:
            raise ValueError(
                f"DiffAugment works on image batches (batch, height, width, channels) of a known size; got "
                f"shape {tuple(input_shape)}. Put it at the image input of D (kgan.nets.augmented does).")
        # "mean": under a tf.distribute strategy every replica computes the same (mirrored) update.
        self.p = self.add_weight(shape=(), initializer=keras.initializers.Constant(self._initial_p),
                                 trainable=False, aggregation="mean", name="p")

    @property
    def probability(self) -> float:
        """The current ``p`` as a Python float."""
        return float(ops.convert_to_numpy(self.p)) if self.built else self._initial_p

    def call(self, images, training=None):
        if not training:
            return images
        x, batch = images, ops.shape(images)[0]
        height, width = x.shape[1], x.shape[2]
        p = ops.cast(self.p, "float32")
        for name in self.transforms:
            if name == "translation":
                shift_y, shift_x = _scaled(height, self.translation_ratio), _scaled(width, self.translation_ratio)
                out = translate(x, keras.random.randint((batch,), -shift_y, shift_y + 1, seed=self.seed_generator),
                                keras.random.randint((batch,), -shift_x, shift_x + 1, seed=self.seed_generator))
            elif name == "cutout":
                size_y, size_x = _scaled(height, self.cutout_ratio), _scaled(width, self.cutout_ratio)
                # The reference's centre range: [0, size + (1 - size % 2)), square centred on it.
                centre_y = keras.random.randint((batch,), 0, height + 1 - size_y % 2, seed=self.seed_generator)
                centre_x = keras.random.randint((batch,), 0, width + 1 - size_x % 2, seed=self.seed_generator)
                out = cutout(x, centre_y - size_y // 2, centre_x - size_x // 2, size_y, size_x)
            else:
                low, high = {"brightness": (-0.5, 0.5), "saturation": (0.0, 2.0), "contrast": (0.5, 1.5)}[name]
                magnitude = keras.random.uniform((batch,), low, high, seed=self.seed_generator)
                out = {"brightness": brightness, "saturation": saturation, "contrast": contrast}[name](x, magnitude)
            # Each transform on each image with probability p (ADA); uniform draws lie in [0, 1): p=1 is always.
            chosen = keras.random.uniform((batch,), seed=self.seed_generator) < p
            x = ops.where(ops.reshape(chosen, (-1, 1, 1, 1)), out, x)
        return x

    def compute_output_shape(self, input_shape):
        return input_shape

    # The seed's state is saved too (Keras saves no SeedGenerator), so a resumed run draws what it would have.
    def save_own_variables(self, store):
        for i, v in enumerate((self.p, self.seed_generator.state)):
            store[str(i)] = v

    def load_own_variables(self, store):
        for i, v in enumerate((self.p, self.seed_generator.state)[: len(store.keys())]):
            v.assign(store[str(i)])

    def get_config(self):
        return {**super().get_config(), "policy": self.policy, "p": self.probability,
                "translation_ratio": self.translation_ratio, "cutout_ratio": self.cutout_ratio, "seed": self.seed}
