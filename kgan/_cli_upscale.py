"""Handler of ``kgan upscale``: a trained super-resolution model applied to a .png or .npy file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

INPUT_SUFFIXES = (".png", ".npy")


def _fail(message: str) -> int:
    print(f"kgan: error: {message}", file=sys.stderr)
    return 1


def existing_file(suffixes):
    """An argparse type: a path that exists and ends in one of ``suffixes`` (checked before TensorFlow loads)."""

    def parse(text):
        path = Path(text)
        if path.suffix.lower() not in suffixes:
            raise argparse.ArgumentTypeError(f"expected a {' or '.join(suffixes)} file, got {text!r}")
        if not path.is_file():
            raise argparse.ArgumentTypeError(f"no such file: {text!r}")
        return path

    return parse


def output_file(text):
    path = Path(text)
    if path.suffix.lower() not in INPUT_SUFFIXES:
        raise argparse.ArgumentTypeError(f"--out must end in .png or .npy, got {text!r}")
    return path


def _read_png(path: Path, channels: int):
    import tensorflow as tf

    image = tf.io.decode_png(tf.io.read_file(str(path)))  # uint8 (h, w, 1|2|3|4)
    if image.shape[-1] in (2, 4):  # drop alpha
        image = image[..., : image.shape[-1] - 1]
    if image.shape[-1] == 3 and channels == 1:
        image = tf.image.rgb_to_grayscale(image)
    elif image.shape[-1] == 1 and channels == 3:
        image = tf.image.grayscale_to_rgb(image)
    return image.numpy()


def upscale(args) -> int:
    import numpy as np

    from kgan.pixels import image_grid, save_png
    from kgan.apps import super_resolution as sr

    try:
        model = sr._generator_of(str(args.model))
    except (ValueError, TypeError, OSError) as err:
        return _fail(f"cannot use {args.model} as a super-resolution model: {err}")
    channels = model.inputs[-1].shape[-1]
    if args.input.suffix.lower() == ".png":
        images = _read_png(args.input, channels)
    else:
        try:
            images = np.load(args.input, allow_pickle=False)
        except (ValueError, OSError) as err:
            return _fail(f"cannot read {args.input}: {err}")
    try:
        result = sr.super_resolve(model, images, batch_size=args.batch_size)
    except (ValueError, TypeError) as err:
        return _fail(str(err))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.out.suffix.lower() == ".npy":
        np.save(args.out, result)
    else:
        save_png(str(args.out), result if result.ndim == 3 else image_grid(result))
    shape = "x".join(str(d) for d in np.shape(images)[-3:-1])
    print(f"wrote {args.out}: {np.shape(result)} from {np.shape(images)} ({shape} -> "
          f"{'x'.join(str(d) for d in np.shape(result)[-3:-1])})")
    return 0
