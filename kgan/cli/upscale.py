"""``kgan upscale``: a trained super-resolution model applied to a .png or .npy file."""

from __future__ import annotations

import argparse
from pathlib import Path

from kgan.cli._args import existing_file, fail, file_name, int_between

INPUT_SUFFIXES = (".png", ".npy")


def add_parser(commands) -> None:
    upscale = commands.add_parser(
        "upscale", help="super-resolve a .png or .npy with a trained SRGAN (kgan.apps.super_resolution)",
        description=("Upscale low-resolution images with a super-resolution model saved by "
                     "kgan.apps.super_resolution (a gan.keras, or its generator .keras). INPUT is one .png "
                     "image or a .npy batch (n, h, w, c), uint8 or floats in [-1, 1] (any size for kgan's "
                     "fully convolutional SR generator); a batch written to .png becomes a grid."))
    upscale.add_argument("model", metavar="MODEL", type=existing_file((".keras",)),
                         help="a .keras file saved after kgan.apps.super_resolution.train")
    upscale.add_argument("input", metavar="INPUT", type=existing_file(INPUT_SUFFIXES),
                         help="low-resolution image(s): a .png, or a .npy array")
    upscale.add_argument("--out", required=True, type=output_file,
                         help="where to write the result: .png (an image, or a grid for a batch) or .npy")
    upscale.add_argument("--batch-size", type=int_between(1), default=256, help="images per generator call")
    upscale.add_argument("--figure", type=file_name(".png"), default=None,
                         help="also write a labelled PNG, one row per image (8 at most): LR | bicubic | SR")
    upscale.set_defaults(handler=run)


def output_file(text):
    """argparse type: the --out path, a .png or a .npy."""
    path = Path(text)
    if path.suffix.lower() not in INPUT_SUFFIXES:
        raise argparse.ArgumentTypeError(f"--out must end in .png or .npy, got {text!r}")
    return path


def _read_png(path: Path, channels: int):
    import tensorflow as tf

    image = tf.io.decode_image(tf.io.read_file(str(path)), expand_animations=False)  # uint8 (h, w, 1|2|3|4)
    if image.shape[-1] in (2, 4):  # drop alpha
        image = image[..., : image.shape[-1] - 1]
    if image.shape[-1] == 3 and channels == 1:
        image = tf.image.rgb_to_grayscale(image)
    elif image.shape[-1] == 1 and channels == 3:
        image = tf.image.grayscale_to_rgb(image)
    return image.numpy()


def run(args) -> int:
    import numpy as np

    from kgan import _atomic
    from kgan.apps import super_resolution as sr
    from kgan.pixels import image_file_problem, image_grid, save_png

    try:
        model = sr._generator_of(str(args.model))
    except (ValueError, TypeError, OSError) as err:
        return fail(f"cannot use {args.model} as a super-resolution model: {err}")
    channels = model.inputs[-1].shape[-1]
    if args.input.suffix.lower() == ".png":
        if problem := image_file_problem(args.input):
            return fail(f"cannot read {args.input}: it is {problem}. Pass a .png image or a .npy array (n, h, w, c).")
        images = _read_png(args.input, channels)
    else:
        try:
            images = np.load(args.input, allow_pickle=False)
        except (ValueError, OSError) as err:
            return fail(f"cannot read {args.input}: {err}")
    try:
        result = sr.super_resolve(model, images, batch_size=args.batch_size)
    except (ValueError, TypeError) as err:
        return fail(str(err))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.out.suffix.lower() == ".npy":
        _atomic.atomic_save_npy(args.out, result)
    else:
        save_png(str(args.out), result if result.ndim == 3 else image_grid(result))
    if args.figure:
        save_png(str(args.figure), sr.comparison_figure(images, result))
    shape = "x".join(str(d) for d in np.shape(images)[-3:-1])
    print(f"wrote {args.out}: {np.shape(result)} from {np.shape(images)} ({shape} -> "
          f"{'x'.join(str(d) for d in np.shape(result)[-3:-1])})" + (f", and {args.figure}" if args.figure else ""))
    return 0
