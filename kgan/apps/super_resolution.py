"""Super-resolution with SRGAN (Ledig et al. 2016): content-loss pre-training, then a conditional GAN.

The three-line path:

```python
import kgan
from kgan.apps import super_resolution as sr

hr, _ = kgan.data.image_arrays("fashion_mnist", limit=6000)
gan = sr.train(hr, scale=4, pretrain_epochs=3, epochs=3)      # 7x7 -> 28x28
big = kgan.apps.super_resolve(gan, sr.downscale(hr[:16], 4))   # (16, 28, 28, 1) in [-1, 1]
```

What `train` does, step by step (each step is public for full control):

1. ``low = downscale(high, scale)``: the training pairs are made by shrinking the real images (area
   averaging by default);
2. ``gan = build(low_shape, scale)``: a `kgan.GAN` whose generator is `kgan.nets.sr_generator` (the
   low-resolution image is the condition; the latent input is unused) and whose discriminator is the
   conditional `kgan.nets.sr_discriminator`;
3. ``pretrain(gan, high, low, content)``: plain Keras ``fit`` of the generator on the content loss alone
   (the paper's SRResNet stage), so the adversarial stage starts from a good super-resolver;
4. ``gan.compile(terms=[content])`` and ``gan.fit(high, low)``: the adversarial stage, with the content
   loss as a `kgan.terms.ContentLoss` term on G (weighted ``1 / adversarial_weight`` against the
   adversarial loss: the paper's ``content + 1e-3 * adversarial``).

The content loss's feature part uses a network the project trains, never a downloaded VGG: for
28x28 grayscale images, the convolutional features of the project's Fashion-MNIST classifier
(`fashion_mnist_features`). For other images it is the pixel loss alone unless you pass a
``feature_model``.
"""

from __future__ import annotations

import dataclasses

import keras
import numpy as np

from kgan import pixels
from kgan.nets.srgan import SCALES, sr_discriminator, sr_generator
from kgan.terms.content import ContentLoss

__all__ = [
    "SCALES",
    "bicubic",
    "build",
    "comparison_figure",
    "downscale",
    "evaluate",
    "fashion_mnist_features",
    "pretrain",
    "super_resolve",
    "train",
]

_DOWNSCALE_METHODS = ("area", "bicubic", "bilinear")


def _as_images(images, what: str = "images") -> tuple[np.ndarray, bool]:
    """``(n, h, w, c)`` float32 in [-1, 1] (uint8 is mapped there), and whether the input was uint8."""
    array = np.asarray(images)
    if array.ndim == 3:  # one (h, w, 1|3) image, or a grayscale batch (n, h, w)
        array = array[None] if array.shape[-1] in (1, 3) else array[..., None]
    if array.ndim != 4 or 0 in array.shape:
        raise ValueError(
            f"Expected {what} as (n, height, width, channels); got shape {array.shape}. Add a batch axis "
            "for one image: images[None]."
        )
    return pixels.as_model_range(array, f"The {what}"), array.dtype == np.uint8


def _check_scale(scale) -> int:
    if isinstance(scale, bool) or scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}; got {scale!r}.")
    return int(scale)


def downscale(images, scale: int, method: str = "area") -> np.ndarray:
    """Low-resolution versions of ``images``: each side divided by ``scale`` (area averaging by default).

    Returns float32 in [-1, 1] (uint8 input is mapped there first).
    """
    import tensorflow as tf

    images, _ = _as_images(images)
    scale = _check_scale(scale)
    if method not in _DOWNSCALE_METHODS:
        raise ValueError(f"method must be one of {_DOWNSCALE_METHODS}; got {method!r}.")
    h, w = images.shape[1:3]
    if h % scale or w % scale:
        raise ValueError(f"Image size {h}x{w} is not divisible by scale={scale}: crop the images first.")
    small = tf.image.resize(images, (h // scale, w // scale), method=method, antialias=method != "area")
    return np.clip(small.numpy(), -1.0, 1.0)


def bicubic(low_res, scale: int) -> np.ndarray:
    """The classic baseline: bicubic upsampling by ``scale``, clipped to [-1, 1]."""
    import tensorflow as tf

    low_res, _ = _as_images(low_res, "low-resolution images")
    scale = _check_scale(scale)
    h, w = low_res.shape[1:3]
    return np.clip(tf.image.resize(low_res, (h * scale, w * scale), method="bicubic").numpy(), -1.0, 1.0)


def comparison_figure(low_res, super_res, high_res=None, max_rows: int = 8, min_cell: int = 64) -> np.ndarray:
    """A labelled uint8 figure, one row per image: LR | bicubic | SR [| HR].

    LR is shown enlarged by pixel repetition (what the model was given), bicubic is
    the classic baseline from the same LR, SR the model's answer and HR the original
    when known. Cells are enlarged to at least ``min_cell`` pixels (`kgan.pixels.figure`).

    ```python
    small = sr.downscale(hr[:8], 4)
    png = sr.comparison_figure(small, kgan.apps.super_resolve(gan, small), hr[:8])
    kgan.pixels.save_png("sr.png", png)
    ```
    """
    low, _ = _as_images(low_res, "low-resolution images")
    high_sr, _ = _as_images(super_res, "super-resolved images")
    k = min(len(low), len(high_sr), int(max_rows))
    scale = high_sr.shape[1] // low.shape[1]
    if scale < 1 or high_sr.shape[1:3] != (low.shape[1] * scale, low.shape[2] * scale):
        raise ValueError(f"super_res {high_sr.shape[1:3]} is not a whole multiple of low_res {low.shape[1:3]}: "
                         "pass the model's input and output.")
    columns = {"LR": pixels.enlarge(low[:k], high_sr.shape[1]),
               "bicubic": np.clip(_resize(low[:k], high_sr.shape[1:3], "bicubic"), -1.0, 1.0),
               "SR": high_sr[:k]}
    if high_res is not None:
        hr, _ = _as_images(high_res, "high-resolution images")
        if hr.shape[1:] != high_sr.shape[1:]:
            raise ValueError(f"high_res images are {hr.shape[1:]}, the super-resolved ones {high_sr.shape[1:]}.")
        columns["HR"] = hr[:k]
    tiles = np.stack(list(columns.values()), axis=1).reshape(-1, *high_sr.shape[1:])
    return pixels.figure(tiles, cols=len(columns), col_labels=list(columns), min_cell=min_cell)


def _resize(images, size, method):
    import tensorflow as tf

    return tf.image.resize(images, size, method=method).numpy()


def fashion_mnist_features(classifier=None) -> keras.Model:
    """The content loss's feature model for 28x28x1 images: the project classifier's second conv block.

    The last activation before the classifier's second pooling (a 14x14x64 map, the analogue of the VGG
    ``conv2_2`` features used in the SRGAN paper): spatial enough to judge texture and edges, unlike
    the 128-d pooled ``"features"`` the Fréchet distance uses. Needs the shipped classifier
    (``rebuild_if_missing=False``: training one takes minutes, so it is never done silently here).
    """
    from kgan.metrics.classifiers import fashion_mnist_classifier, feature_extractor

    classifier = classifier if classifier is not None else fashion_mnist_classifier(rebuild_if_missing=False)
    pools = [i for i, layer in enumerate(classifier.layers) if isinstance(layer, keras.layers.MaxPooling2D)]
    if len(pools) < 2:
        raise ValueError("Expected the project's Fashion-MNIST classifier (two pooling layers); got another model.")
    layer = classifier.layers[pools[1] - 1].name
    features = feature_extractor(classifier, layer)
    features.trainable = False
    return features


def build(low_res_shape, scale: int = 4, filters: int = 32, blocks: int = 4, d_filters: int = 32, seed: int | None = 0,
          name: str = "srgan"):
    """An uncompiled SRGAN: a `kgan.GAN` with `kgan.nets.sr_generator` and `kgan.nets.sr_discriminator`.

    The generator takes ``[z, low_res]`` with a 1-d ``z`` that it ignores (`kgan.GAN` always draws a
    latent; SRGAN needs none). Fit it on ``(high_res, low_res)`` pairs: ``gan.fit(high, low)``.
    """
    from kgan import latent
    from kgan.gan import GAN

    scale = _check_scale(scale)
    low_res_shape = tuple(int(d) for d in low_res_shape)
    high_res_shape = (low_res_shape[0] * scale, low_res_shape[1] * scale, low_res_shape[2])
    generator = sr_generator(low_res_shape, scale, filters=filters, blocks=blocks, latent_dim=1, seed=seed)
    stages = 2 if high_res_shape[0] % 4 == 0 and high_res_shape[1] % 4 == 0 else 1
    discriminator = sr_discriminator(high_res_shape, low_res_shape, filters=d_filters, stages=stages,
                                     seed=None if seed is None else seed + 1000)
    return GAN(generator, discriminator, latent.Normal(1), seed=seed, name=name)


def _generator_of(model):
    """The super-resolution network inside ``model`` (a GAN, a generator or a ``.keras`` path)."""
    from kgan.gan import GAN

    if isinstance(model, str):
        import kgan.terms  # noqa: F401 - registers every term a saved GAN may hold before loading

        # compile=True: a saved GAN stores its terms' state (the content loss's feature model), which
        # only loads into a compiled GAN.
        model = keras.models.load_model(model)
    if isinstance(model, GAN):
        model = model.generator
    if not isinstance(model, keras.Model):
        raise TypeError(
            f"Expected a super-resolution model (a kgan.GAN from kgan.apps.super_resolution.train, its generator, "
            f"or a .keras path); got {type(model).__name__}."
        )
    inputs = model.inputs
    if len(inputs) not in (1, 2) or len(inputs[-1].shape) != 4:
        raise ValueError(
            f"{model.name} does not look like a super-resolution generator: it should take low-resolution "
            f"images (n, h, w, c), optionally after a latent input; its inputs are {[tuple(i.shape) for i in inputs]}."
        )
    return model


def _any_size(generator):
    """The same functional generator with a (None, None, c) image input, or None if it is not fully convolutional.

    `sr_generator` has only convolutions, PReLUs with per-channel weights, additions and resizing, so its
    weights fit any image size: a network trained on 7x7 crops upscales a 20x30 image too.
    """
    try:
        config = generator.get_config()
        image_input = generator.inputs[-1]
        for layer in config["layers"]:
            if layer["class_name"] == "InputLayer" and layer["config"]["batch_shape"][1:] == tuple(image_input.shape[1:]):
                shape = layer["config"]["batch_shape"]
                layer["config"]["batch_shape"] = (shape[0], None, None, shape[-1])
        flexible = keras.Model.from_config(config)
        flexible.set_weights(generator.get_weights())
        return flexible
    except Exception:  # noqa: BLE001 - any failure means "not size-agnostic": the caller explains
        return None


def super_resolve(generator_or_model, low_res_images, batch_size: int = 256) -> np.ndarray:
    """Upscale ``low_res_images`` with a trained super-resolution model.

    Args:
        generator_or_model: the `kgan.GAN` that `train` returns, its generator, any Keras model from
            low-resolution to high-resolution images, or the path of a saved ``.keras`` file.
        low_res_images: ``(n, h, w, c)`` (or ``(h, w, c)`` for one image) uint8 or floats in [-1, 1].
        batch_size: images per generator call.

    Returns the high-resolution images, clipped to [-1, 1] (uint8 if the input was uint8), one image
    (no batch axis) if one was given. Images of another size than the model was trained on work too when
    the network is fully convolutional (as `kgan.nets.sr_generator` is): it is rebuilt for any size.

    ```python
    big = kgan.apps.super_resolve(gan, small)     # (n, 4h, 4w, c) for a x4 model
    ```
    """
    single = np.ndim(low_res_images) == 3 and np.shape(low_res_images)[-1] in (1, 3)
    generator = _generator_of(generator_or_model)
    images, was_uint8 = _as_images(low_res_images, "low-resolution images")
    want = tuple(generator.inputs[-1].shape[1:])
    if any(w is not None and w != g for w, g in zip(want, images.shape[1:], strict=True)):
        generator = _any_size(generator) if want[-1] == images.shape[-1] else None
        if generator is None:
            raise ValueError(
                f"The model upscales images of shape {want}; got {images.shape[1:]}. Downscale the images to that "
                "size first (kgan.apps.super_resolution.downscale) or train a model for this size."
            )
    outputs = []
    for start in range(0, len(images), int(batch_size)):
        batch = images[start:start + int(batch_size)]
        inputs = batch if len(generator.inputs) == 1 else [np.zeros((len(batch), *generator.inputs[0].shape[1:]), "float32"), batch]
        outputs.append(np.asarray(generator(inputs, training=False)))
    result = np.clip(np.concatenate(outputs), -1.0, 1.0)
    if was_uint8:
        result = pixels.to_uint8(result)
    return result[0] if single else result


def _content_loss(feature_model, high_res_shape, feature_weight, pixel_weight=1.0) -> ContentLoss:
    if isinstance(feature_model, str):
        if feature_model != "fashion_mnist":
            raise ValueError(f"feature_model must be 'fashion_mnist', a keras.Model or None; got {feature_model!r}.")
        if tuple(high_res_shape) != (28, 28, 1):
            raise ValueError(
                f"The Fashion-MNIST feature model takes 28x28x1 images; these are {tuple(high_res_shape)}. Pass "
                "feature_model=None (pixel loss only) or a feature model for this size."
            )
        feature_model = fashion_mnist_features()
    return ContentLoss(feature_model, pixel_weight=pixel_weight, feature_weight=feature_weight)


def pretrain(gan_or_generator, high_res, low_res, content: ContentLoss | None = None, epochs: int = 5,
             batch_size: int = 32, learning_rate: float = 5e-4, callbacks=(), verbose="auto"):
    """The content-only stage: plain Keras ``fit`` of the generator on ``content(high_res, G(low_res))``.

    Trains the generator's weights in place (a throw-away Keras model shares them, so the generator
    itself stays uncompiled and saves cleanly inside the GAN). Returns the Keras ``History``.
    """
    generator = _generator_of(gan_or_generator)
    content = content if content is not None else ContentLoss()
    high, _ = _as_images(high_res, "high-resolution images")
    low, _ = _as_images(low_res, "low-resolution images")
    if len(high) != len(low):
        raise ValueError(f"Got {len(high)} high-resolution images but {len(low)} low-resolution ones: pass pairs.")
    student = keras.Model(generator.inputs, generator.outputs, name=f"{generator.name}_pretrain")
    student.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=content)
    x = low if len(generator.inputs) == 1 else [np.zeros((len(low), *generator.inputs[0].shape[1:]), "float32"), low]
    return student.fit(x, high, batch_size=batch_size, epochs=epochs, shuffle=True, callbacks=list(callbacks),
                       verbose=verbose)


def train(high_res, scale: int = 4, *, low_res=None, filters: int = 32, blocks: int = 4, pretrain_epochs: int = 5,
          epochs: int = 5, batch_size: int = 32, feature_model="auto", feature_weight: float = 0.1,
          adversarial_weight: float = 1e-3, learning_rate: float = 5e-4, gan_learning_rate: float = 1e-4,
          seed: int | None = 0, callbacks=(), verbose="auto"):
    """Train an SRGAN on high-resolution images; returns the trained `kgan.GAN`.

    Args:
        high_res: ``(n, h, w, c)`` uint8 or [-1, 1] images, ``h`` and ``w`` divisible by ``scale``.
        scale: 2 or 4.
        low_res: the matching low-resolution images; default ``downscale(high_res, scale)``.
        filters, blocks: generator size (see `kgan.nets.sr_generator`).
        pretrain_epochs: epochs of the content-only stage.
        epochs: epochs of the adversarial stage (0: a content-only model, "SRResNet").
        feature_model: a Keras model for the feature part of the content loss; ``"auto"`` picks
            `fashion_mnist_features` for 28x28x1 images and the pixel loss alone otherwise; None: pixel only.
        feature_weight: weight of the feature loss inside the content loss.
        adversarial_weight: the adversarial loss's weight relative to the content loss.
        learning_rate, gan_learning_rate: Adam rates of the two stages.
        seed: seeds the networks and the latent draws.
        callbacks: Keras callbacks for the adversarial stage's ``fit``.
    """
    scale = _check_scale(scale)
    high, _ = _as_images(high_res, "high-resolution images")
    low = downscale(high, scale) if low_res is None else _as_images(low_res, "low-resolution images")[0]
    if low.shape[1] * scale != high.shape[1] or low.shape[2] * scale != high.shape[2] or len(low) != len(high):
        raise ValueError(
            f"low_res {low.shape} does not match high_res {high.shape} at scale {scale}: pass pairs whose sides "
            "differ by exactly that factor."
        )
    if not adversarial_weight > 0:
        raise ValueError(f"adversarial_weight must be > 0 (use epochs=0 for a content-only model); got {adversarial_weight}.")
    if feature_model == "auto":
        feature_model = "fashion_mnist" if high.shape[1:] == (28, 28, 1) else None
    if seed is not None:
        keras.utils.set_random_seed(seed)
    gan = build(low.shape[1:], scale, filters=filters, blocks=blocks, seed=seed)
    content = _content_loss(feature_model, high.shape[1:], feature_weight)
    if pretrain_epochs:
        pretrain(gan, high, low, content, epochs=pretrain_epochs, batch_size=batch_size, learning_rate=learning_rate,
                 verbose=verbose)
    content.weight = 1.0 / adversarial_weight
    gan.compile(d_optimizer=keras.optimizers.Adam(gan_learning_rate, beta_1=0.9),
                g_optimizer=keras.optimizers.Adam(gan_learning_rate, beta_1=0.9), terms=[content])
    if epochs:
        gan.fit(high, low, batch_size=batch_size, epochs=epochs, shuffle=True, callbacks=list(callbacks), verbose=verbose)
    return gan


@dataclasses.dataclass
class Scores:
    """Mean PSNR (dB) and SSIM of one method on a held-out set."""

    psnr: float
    ssim: float


def evaluate(models: dict, high_res, scale: int, low_res=None) -> dict[str, Scores]:
    """PSNR/SSIM on held-out pairs for ``bicubic`` and each named model (``{"name": gan_or_generator}``)."""
    from kgan.metrics.restoration import psnr, ssim

    high, _ = _as_images(high_res, "high-resolution images")
    low = downscale(high, scale) if low_res is None else _as_images(low_res, "low-resolution images")[0]
    size = min(high.shape[1:3])
    window = 11 if size >= 11 else (size if size % 2 else size - 1)
    outputs = {"bicubic": bicubic(low, scale), **{name: super_resolve(m, low) for name, m in models.items()}}
    return {name: Scores(float(np.mean(psnr(out, high))), float(np.mean(ssim(out, high, filter_size=window))))
            for name, out in outputs.items()}
