"""``kgan inpaint``: fill the missing pixels of images with a saved GAN (kgan.apps.inpaint).

The argument types below run while the command line is parsed, so a bad path,
file type or number ends with argparse's one-line message and exit status 2
before any model is loaded.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

IMAGE_SUFFIXES = (".png", ".npy")


def _fail(message: str) -> int:
    print(f"kgan: error: {message}", file=sys.stderr)
    return 1


def _existing(text, suffixes, what):
    path = Path(text)
    if path.suffix.lower() not in suffixes:
        raise argparse.ArgumentTypeError(f"{what} must be a {' or '.join(suffixes)} file, got {text!r}")
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"no such file: {text!r}")
    return path


def model_file(text):
    return _existing(text, (".keras",), "MODEL")


def image_file(text):
    return _existing(text, IMAGE_SUFFIXES, "IMAGE")


def mask_spec(text):
    """``center``, ``random`` or an existing .png/.npy mask file."""
    if text in ("center", "random"):
        return text
    if Path(text).suffix.lower() not in IMAGE_SUFFIXES:
        raise argparse.ArgumentTypeError(f"expected 'center', 'random' or a .png/.npy mask file, got {text!r}")
    return _existing(text, IMAGE_SUFFIXES, "--mask")


def non_negative_float(text):
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0.0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a finite number >= 0, got {text!r}")
    return value


def _output(suffix):
    def parse(text):
        if Path(text).suffix.lower() != suffix:
            raise argparse.ArgumentTypeError(f"expected a {suffix} file name, got {text!r}")
        return Path(text)

    return parse


def _read_png(path: Path):
    import numpy as np
    import tensorflow as tf

    try:
        return np.asarray(tf.io.decode_png(tf.io.read_file(str(path))))
    except tf.errors.OpError as err:
        raise ValueError(f"cannot read {path} as a PNG: {err.message.splitlines()[0]}") from None


def _channels(image, channels):
    """A uint8 PNG (H, W, c) with the generator's channel count (RGBA -> RGB -> gray as needed)."""
    import numpy as np

    if image.shape[-1] in (2, 4):  # drop the alpha channel
        image = image[..., :-1]
    if image.shape[-1] == channels:
        return image
    if channels == 1:
        return np.round(image.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32))[..., None].astype(np.uint8)
    if image.shape[-1] == 1:
        return np.repeat(image, channels, axis=-1)
    raise ValueError(f"the image has {image.shape[-1]} channels, the model makes {channels}.")


def _load_images(path: Path, channels: int):
    import numpy as np

    if path.suffix.lower() == ".npy":
        try:
            return np.load(path, allow_pickle=False)
        except (ValueError, OSError) as err:
            raise ValueError(f"cannot read {path} as a NumPy array: {err}") from None
    return _channels(_read_png(path), channels)


def _load_mask(spec):
    import numpy as np

    if isinstance(spec, str):
        return spec
    if spec.suffix.lower() == ".npy":
        try:
            return np.load(spec, allow_pickle=False)
        except (ValueError, OSError) as err:
            raise ValueError(f"cannot read the mask {spec} as a NumPy array: {err}") from None
    png = _read_png(spec)
    return (png[..., :1] >= 128).astype(np.float32)  # white = known, black = missing


def inpaint(args) -> int:
    import numpy as np

    import kgan
    from kgan import pixels
    from kgan.apps import inpainting

    try:
        gan = inpainting._load_gan(args.model)
    except (TypeError, ValueError, OSError) as err:
        return _fail(f"cannot use {args.model}: {err}")
    try:
        shape = inpainting._output_shape(gan)
        images = _load_images(args.image, shape[-1])
        mask = _load_mask(args.mask)
        result = kgan.apps.inpaint(images, mask, gan, steps=args.steps, restarts=args.restarts, seed=args.seed,
                                   blend=args.blend, perceptual_weight=args.perceptual_weight)
    except (TypeError, ValueError) as err:
        return _fail(str(err))
    written = []
    try:
        out = result.images[0] if len(result.images) == 1 else pixels.image_grid(result.images)
        written.append(kgan.apps.save_png(str(args.out), out))
        if args.figure:
            written.append(kgan.apps.save_png(str(args.figure), result.figure(max_rows=len(result.images))))
        if args.npy:
            args.npy.parent.mkdir(parents=True, exist_ok=True)
            np.save(args.npy, result.images.astype(np.float32))
            written.append(str(args.npy))
    except OSError as err:
        return _fail(f"cannot write the results: {err}")
    print(f"inpainted {len(result.images)} image(s) {result.images.shape[1:]} with {args.model} "
          f"({args.steps} steps, {result.seconds:.1f} s): contextual loss {float(result.initial_contextual_loss.mean()):.4g}"
          f" -> {float(result.contextual_loss.mean()):.4g}, perceptual loss {float(result.perceptual_loss.mean()):.4g}; "
          f"wrote {', '.join(written)}")
    return 0
