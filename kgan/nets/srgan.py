"""SRGAN networks (Ledig et al. 2016): a residual generator with sub-pixel upsampling, and its discriminator.

```python
G = kgan.nets.sr_generator((7, 7, 1), scale=4)               # (n, 7, 7, 1) -> (n, 28, 28, 1)
D = kgan.nets.sr_discriminator((28, 28, 1), low_res_shape=(7, 7, 1))   # [hr, lr] -> one logit
```

The generator follows the paper's layout at a configurable size: a 9x9 convolution, ``blocks`` residual
blocks (conv-PReLU-conv + skip), a long skip over all of them, then one sub-pixel stage per factor of 2
(a convolution to 4x the channels rearranged into 2x the resolution, `SubPixelUpsampling`) and a 9x9
output convolution. Two deliberate differences, both for small networks trained briefly on a CPU:

- no batch normalisation (as in EDSR, Lim et al. 2017): BN adds nothing for SR and makes the output
  depend on the batch;
- the network predicts a residual on top of a bicubic upsampling of its input (``upsampled_skip``, as
  in VDSR), so an untrained network already gives exactly the bicubic baseline. Its output is not
  squashed by tanh; `kgan.apps.super_resolution.super_resolve` clips it to [-1, 1].

``latent_dim`` adds an unused latent input so the generator fits `kgan.GAN`'s ``[z, condition]``
convention (SRGAN is deterministic: the low-resolution image is the whole input).
"""

from __future__ import annotations

import keras
import tensorflow as tf

from kgan._checks import positive_int

__all__ = ["SCALES", "SubPixelUpsampling", "sr_discriminator", "sr_generator"]

SCALES = (2, 4)


@keras.saving.register_keras_serializable(package="kgan")
class SubPixelUpsampling(keras.layers.Layer):
    """Rearranges ``(h, w, c * s^2)`` into ``(h * s, w * s, c)`` (Shi et al. 2016's sub-pixel convolution).

    A wrapper of ``tf.nn.depth_to_space`` that saves with the model.

    ```python
    SubPixelUpsampling(2)(keras.ops.zeros((1, 7, 7, 16))).shape   # (1, 14, 14, 4)
    ```
    """

    def __init__(self, scale: int = 2, **kwargs):
        super().__init__(**kwargs)
        self.scale = positive_int(scale, "SubPixelUpsampling scale")

    def call(self, inputs):
        return tf.nn.depth_to_space(inputs, self.scale)

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        if c is not None and c % (self.scale**2):
            raise ValueError(
                f"SubPixelUpsampling({self.scale}) needs channels divisible by {self.scale**2}; got {c}."
            )
        grow = lambda d: None if d is None else d * self.scale  # noqa: E731
        return (n, grow(h), grow(w), None if c is None else c // self.scale**2)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


def _shape(value, what: str) -> tuple[int, int, int]:
    try:
        shape = tuple(int(d) for d in value)
    except (TypeError, ValueError):
        shape = None
    if shape is None or len(shape) != 3 or min(shape) < 1:
        raise ValueError(f"{what} must be (height, width, channels) with positive sizes, e.g. (7, 7, 1); got {value!r}.")
    return shape


def _check_scale(scale) -> int:
    if scale not in SCALES or isinstance(scale, bool):
        raise ValueError(
            f"Unsupported upscaling factor {scale!r}: the SRGAN generator upsamples by {' or '.join(map(str, SCALES))} "
            "(one or two x2 sub-pixel stages). For x8, chain two models or add a stage."
        )
    return int(scale)


def _conv(filters, kernel, name, seed, index):
    init = keras.initializers.HeNormal(seed=None if seed is None else seed + index)
    return keras.layers.Conv2D(filters, kernel, padding="same", kernel_initializer=init, name=name)


def sr_generator(low_res_shape, scale: int = 4, filters: int = 64, blocks: int = 16, upsampled_skip: bool = True,
                 latent_dim: int | None = None, seed: int | None = None, name: str = "sr_generator") -> keras.Model:
    """SRGAN generator: low-resolution images in [-1, 1] -> images ``scale`` times larger.

    Args:
        low_res_shape: ``(height, width, channels)`` of the input.
        scale: 2 or 4.
        filters: channels of the residual blocks (the paper: 64).
        blocks: number of residual blocks (the paper: 16).
        upsampled_skip: predict a residual over the bicubic upsampling of the input (see module docs).
        latent_dim: when set, the model takes ``[z, low_res]`` with an unused ``z`` of this size, for
            `kgan.GAN` (which calls conditional generators on ``[z, condition]``).
        seed: seeds the weight initialisation.

    Returns a functional model ``low_res -> high_res`` (or ``[z, low_res] -> high_res``).
    """
    height, width, channels = _shape(low_res_shape, "low_res_shape")
    scale = _check_scale(scale)
    filters, blocks = positive_int(filters, "filters"), int(blocks)
    if blocks < 0:
        raise ValueError(f"blocks must be >= 0, got {blocks}.")
    low_res = keras.Input((height, width, channels), name="low_res")
    x = _conv(filters, 9, "head", seed, 0)(low_res)
    x = head = keras.layers.PReLU(shared_axes=[1, 2], name="head_prelu")(x)
    for b in range(blocks):
        y = _conv(filters, 3, f"block{b}_conv1", seed, 10 + 2 * b)(x)
        y = keras.layers.PReLU(shared_axes=[1, 2], name=f"block{b}_prelu")(y)
        y = _conv(filters, 3, f"block{b}_conv2", seed, 11 + 2 * b)(y)
        x = keras.layers.Add(name=f"block{b}_add")([x, y])
    x = _conv(filters, 3, "body_out", seed, 1)(x)
    x = keras.layers.Add(name="long_skip")([head, x])
    for s in range(scale.bit_length() - 1):  # one x2 stage per factor of two
        x = _conv(filters * 4, 3, f"up{s}_conv", seed, 2 + s)(x)
        x = SubPixelUpsampling(2, name=f"up{s}_subpixel")(x)
        x = keras.layers.PReLU(shared_axes=[1, 2], name=f"up{s}_prelu")(x)
    if upsampled_skip:
        # Zero-initialised output: the untrained network returns the bicubic upsampling exactly.
        out = keras.layers.Conv2D(channels, 9, padding="same", kernel_initializer="zeros", name="residual")(x)
        base = keras.layers.UpSampling2D(scale, interpolation="bicubic", name="bicubic")(low_res)
        out = keras.layers.Add(name="high_res")([base, out])
    else:
        out = _conv(channels, 9, "tail", seed, 5)(x)
        out = keras.layers.Activation("tanh", name="high_res")(out)
    inputs = low_res
    if latent_dim is not None:
        inputs = [keras.Input((positive_int(latent_dim, "latent_dim"),), name="latent"), low_res]
    return keras.Model(inputs, out, name=name)


def sr_discriminator(high_res_shape, low_res_shape=None, filters: int = 32, stages: int = 2, dense: int = 128,
                     seed: int | None = None, name: str = "sr_discriminator") -> keras.Model:
    """SRGAN discriminator: high-resolution image (and its low-resolution condition) -> one logit.

    The paper's pattern at a configurable size: LeakyReLU(0.2) convolutions, each stage a stride-1 and a
    stride-2 convolution doubling the channels, then a dense layer and the logit. No batch normalisation,
    so `kgan.GAN` can run real and generated images through D in one call.

    With ``low_res_shape`` the model takes ``[high_res, low_res]``: the low-resolution image is upsampled
    (nearest) and stacked onto the channels, so D judges "is this a real high-resolution image *for this
    input*", the conditional reading that `kgan.GAN` (which passes the condition to D) calls for.

    Returns ``{"logits": (n, 1), "features": (n, dense)}``.
    """
    height, width, channels = _shape(high_res_shape, "high_res_shape")
    filters, stages, dense = positive_int(filters, "filters"), positive_int(stages, "stages"), positive_int(dense, "dense")
    if height % 2**stages or width % 2**stages:
        raise ValueError(
            f"sr_discriminator with stages={stages} halves the image {stages} times: height and width must be "
            f"divisible by {2**stages}; got {height}x{width}. Use fewer stages or crop the images."
        )
    image = keras.Input((height, width, channels), name="high_res")
    inputs, x = image, image
    if low_res_shape is not None:
        lh, lw, lc = _shape(low_res_shape, "low_res_shape")
        if height % lh or width % lw or height // lh != width // lw:
            raise ValueError(
                f"The low-resolution shape {low_res_shape!r} must divide the high-resolution shape "
                f"{high_res_shape!r} by one integer factor."
            )
        low_res = keras.Input((lh, lw, lc), name="low_res")
        inputs = [image, low_res]
        x = keras.layers.Concatenate(name="with_condition")(
            [image, keras.layers.UpSampling2D(height // lh, name="condition_up")(low_res)])
    x = keras.layers.LeakyReLU(0.2)(_conv(filters, 3, "conv0", seed, 0)(x))
    for s in range(stages):
        width_s = filters * 2**s
        init = keras.initializers.HeNormal(seed=None if seed is None else seed + 10 + s)
        x = keras.layers.Conv2D(width_s, 3, strides=2, padding="same", kernel_initializer=init, name=f"down{s}")(x)
        x = keras.layers.LeakyReLU(0.2)(x)
        x = keras.layers.LeakyReLU(0.2)(_conv(width_s * 2, 3, f"conv{s + 1}", seed, 20 + s)(x))
    x = keras.layers.Flatten()(x)
    features = keras.layers.LeakyReLU(0.2, name="features")(keras.layers.Dense(dense, name="dense")(x))
    logits = keras.layers.Dense(1, name="logits")(features)
    return keras.Model(inputs, {"logits": logits, "features": features}, name=name)
