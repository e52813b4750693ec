"""DCGAN generator and discriminator (Radford, Metz and Chintala, 2015).

The paper's architecture guidelines: strided convolutions instead of pooling
(transposed in G), batch normalisation in both networks except G's output and
D's input, ReLU in G with a tanh output, LeakyReLU(0.2) in D, no hidden dense
layers beyond G's projection of the code, weights drawn from N(0, 0.02).

```python
G = kgan.nets.dcgan_generator((64, 64, 3), latent_dim=100)    # the paper's 100-d code -> 64x64x3
D = kgan.nets.dcgan_discriminator((64, 64, 3))                # {"logits": (n, 1), "features": (n, k)}
```

Supported image shapes: 28x28, 32x32 and 64x64, with any number of channels.
"""

from __future__ import annotations

import keras

__all__ = ["SUPPORTED_SIZES", "dcgan_discriminator", "dcgan_generator"]

# Spatial size -> (size of the first feature map in G / last in D, number of stride-2 stages).
_LAYOUT = {28: (7, 2), 32: (4, 3), 64: (4, 4)}
SUPPORTED_SIZES = tuple(sorted(_LAYOUT))

# A kernel divisible by the stride: transposed convolutions then cover every output pixel
# equally, which avoids the checkerboard artefacts of the paper's 5x5 kernels.
_KERNEL = 4


def _check_image_shape(image_shape) -> tuple[int, int, int]:
    try:
        shape = tuple(int(d) for d in image_shape)
    except (TypeError, ValueError):
        shape = None
    if shape is None or len(shape) != 3 or shape[0] != shape[1] or shape[0] not in _LAYOUT or shape[2] < 1:
        raise ValueError(
            f"DCGAN nets support square images of {' / '.join(f'{s}x{s}' for s in SUPPORTED_SIZES)} pixels "
            f"with C >= 1 channels, given as (height, width, channels), e.g. (28, 28, 1), (32, 32, 3) or "
            f"(64, 64, 3); got image_shape={image_shape!r}. Resize the data "
            "(kgan.data.images(..., image_size=(32, 32))) or build your own networks."
        )
    return shape


def _init(seed, index):
    # One seed per layer: the same seed on every layer would give correlated kernels.
    return keras.initializers.RandomNormal(0.0, 0.02, seed=None if seed is None else seed + index)


def dcgan_generator(image_shape, latent_dim: int = 100, width: int = 64, seed: int | None = None,
                    name: str = "dcgan_generator") -> keras.Model:
    """DCGAN generator: latent vector -> image in [-1, 1] (tanh).

    The code is projected to a small feature map with ``width * 2**(hidden layers)``
    channels (``4 x 4 x 512`` for 64x64 images and ``width=64``; the paper's
    ``4 x 4 x 1024`` is ``width=128``), then each stride-2 transposed convolution
    doubles the size and halves the channels.

    Args:
        image_shape: ``(height, width, channels)``, 28x28, 32x32 or 64x64.
        latent_dim: size of the latent vector.
        width: channels of the last hidden layer; the others are multiples.
        seed: seeds the weight initialisation.
    """
    height, _, channels = _check_image_shape(image_shape)
    start, stages = _LAYOUT[height]
    if int(latent_dim) < 1 or int(width) < 1:
        raise ValueError(f"latent_dim and width must be >= 1, got latent_dim={latent_dim}, width={width}.")
    z = keras.Input((int(latent_dim),), name="latent")
    # 28x28 starts from 7x7 and has one stride-2 stage fewer: a stride-1 block keeps its depth.
    strides = ([1] if height == 28 else []) + [2] * (stages - 1)
    filters = width * 2 ** len(strides)
    x = keras.layers.Dense(start * start * filters, use_bias=False, kernel_initializer=_init(seed, 0), name="project")(z)
    x = keras.layers.Reshape((start, start, filters))(x)
    x = keras.layers.BatchNormalization(name="project_bn")(x)
    x = keras.layers.ReLU()(x)
    for i, stride in enumerate(strides, start=1):
        filters //= 2
        x = keras.layers.Conv2DTranspose(filters, _KERNEL, strides=stride, padding="same", use_bias=False,
                                         kernel_initializer=_init(seed, i), name=f"up{i}")(x)
        x = keras.layers.BatchNormalization(name=f"up{i}_bn")(x)
        x = keras.layers.ReLU()(x)
    x = keras.layers.Conv2DTranspose(channels, _KERNEL, strides=2, padding="same",
                                     kernel_initializer=_init(seed, len(strides) + 1), name="to_image")(x)
    images = keras.layers.Activation("tanh", dtype="float32", name="image")(x)
    return keras.Model(z, images, name=name)


def _spectral(layer, name, **kwargs):
    return keras.layers.SpectralNormalization(layer, power_iterations=1, name=name, **kwargs)


def dcgan_discriminator(image_shape, width: int = 64, seed: int | None = None, spectral_norm: bool = False,
                        name: str = "dcgan_discriminator") -> keras.Model:
    """DCGAN discriminator: image -> ``{"logits": (n, 1), "features": (n, k)}``.

    Stride-2 convolutions halve the size and double the channels down to a
    4x4 (7x7 for 28x28) map; ``"features"`` is that map flattened, which
    feature matching (`kgan.terms.FeatureMatching`) and linear probes read.
    The logits have no activation: kgan's losses take logits.

    Args:
        image_shape: ``(height, width, channels)``, 28x28, 32x32 or 64x64.
        width: channels of the first convolution; each later one doubles.
        seed: seeds the weight initialisation.
        spectral_norm: wrap every convolution and the logits layer in Keras'
            ``SpectralNormalization`` (Miyato et al. 2018) and drop batch
            normalization, as SN-GAN does: D's Lipschitz constant stays near 1,
            so it cannot grow its logits without bound (pairs well with
            ``loss="hinge"``).

    ```python
    d = kgan.nets.dcgan_discriminator((28, 28, 1), width=64, spectral_norm=True)
    ```
    """
    height, _, _ = _check_image_shape(image_shape)
    end, stages = _LAYOUT[height]
    if int(width) < 1:
        raise ValueError(f"width must be >= 1, got width={width}.")
    images = keras.Input(tuple(int(d) for d in image_shape), name="image")
    x = images
    for i in range(stages):
        # Without batch norm (SN) every convolution needs its bias.
        conv = keras.layers.Conv2D(width * 2 ** i, _KERNEL, strides=2, padding="same", use_bias=i == 0 or spectral_norm,
                                   kernel_initializer=_init(seed, i), name=f"down{i + 1}" + ("_conv" if spectral_norm else ""))
        x = _spectral(conv, f"down{i + 1}")(x) if spectral_norm else conv(x)
        if i > 0 and not spectral_norm:  # no batch norm on D's input layer (the paper's guideline)
            x = keras.layers.BatchNormalization(name=f"down{i + 1}_bn")(x)
        x = keras.layers.LeakyReLU(negative_slope=0.2, name=f"down{i + 1}_act")(x)
    assert x.shape[1] == end
    features = keras.layers.Flatten(name="features")(x)
    dense = keras.layers.Dense(1, kernel_initializer=_init(seed, stages), dtype="float32",
                               name="logits_dense" if spectral_norm else "logits")
    logits = _spectral(dense, "logits", dtype="float32")(features) if spectral_norm else dense(features)
    return keras.Model(images, {"logits": logits, "features": features}, name=name)
