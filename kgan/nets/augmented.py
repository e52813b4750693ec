"""A discriminator that sees every image through `kgan.augment.DiffAugment`.

```python
D = kgan.nets.augmented(kgan.nets.dcgan_discriminator((28, 28, 1)), seed=0)        # DiffAugment, p=1
gan = kgan.GAN(G, D, latent=100)
gan.compile(terms=[kgan.terms.AdaptiveAugmentation()])  # ADA: p adapts (start it with augmented(..., p=0.0))
```
"""

from __future__ import annotations

import keras

from kgan import _keras_private
from kgan.augment import DiffAugment

__all__ = ["augmented"]


def augmented(discriminator: keras.Model, policy="color,translation,cutout", p: float = 1.0, seed: int | None = None,
              input_shape=None, translation_ratio: float = 0.125, cutout_ratio: float = 0.5,
              name: str | None = None) -> keras.Model:
    """``discriminator`` with `kgan.augment.DiffAugment` in front of its image input.

    The result is a functional model ``inputs -> DiffAugment -> discriminator``: the
    discriminator is nested as it is (the same object and weights, trained through the new
    model), a condition input (``[x, condition]``) passes through untouched, and the output
    (logits or a dict with ``"logits"``, ``"features"``, ...) is the discriminator's. Use it
    as the GAN's discriminator; every D call in training mode is then augmented, in the D
    and the G update alike, and ``training=False`` calls are not.

    ```python
    D = kgan.nets.augmented(D, policy="translation,cutout", p=1.0, seed=0)
    D = kgan.nets.augmented(D, p=0.0)   # ADA: kgan.terms.AdaptiveAugmentation raises p as D overfits
    ```

    Args:
        discriminator: a functional or Sequential model whose first input is an image batch;
            a subclassed model needs ``input_shape``.
        policy, p, seed, translation_ratio, cutout_ratio: see `kgan.augment.DiffAugment`.
        input_shape: the image shape ``(height, width, channels)`` for a discriminator
            without symbolic inputs (subclassed, unbuilt).
        name: the new model's name (default ``<discriminator>_augmented``).

    Layers of the discriminator are one level down: ``augmented_D.get_layer(D.name)``.
    """
    if not isinstance(discriminator, keras.Model):
        raise TypeError(f"augmented() takes a keras.Model discriminator, got {type(discriminator).__name__}.")
    if any(isinstance(layer, DiffAugment) for layer in _keras_private.flatten_layers(discriminator)):
        raise ValueError(f"{discriminator.name} already has a DiffAugment layer: augment it once.")
    inputs = _fresh_inputs(discriminator, input_shape)
    images = DiffAugment(policy, p=p, translation_ratio=translation_ratio, cutout_ratio=cutout_ratio, seed=seed,
                         name="diff_augment")(inputs[0])
    outputs = discriminator([images, *inputs[1:]] if len(inputs) > 1 else images)
    return keras.Model(inputs if len(inputs) > 1 else inputs[0], outputs,
                       name=name or f"{discriminator.name}_augmented")


def _fresh_inputs(discriminator, input_shape):
    """New ``keras.Input`` tensors shaped like the discriminator's inputs (the first is the image)."""
    if input_shape is not None:
        return [keras.Input(tuple(input_shape), name="images")]
    try:
        existing = list(discriminator.inputs or [])
    except (AttributeError, ValueError):  # subclassed or unbuilt: no symbolic inputs
        existing = []
    if not existing:
        raise ValueError(
            f"augmented(): {discriminator.name} has no symbolic inputs (a subclassed or unbuilt model), so the image "
            "shape is unknown. Pass input_shape=(height, width, channels), or build D with keras.Input.")
    names = ["images"] + (["condition"] if len(existing) == 2 else [f"condition_{i}" for i in range(1, len(existing))])
    return [keras.Input(batch_shape=t.shape, dtype=t.dtype, name=n) for t, n in zip(existing, names, strict=True)]
