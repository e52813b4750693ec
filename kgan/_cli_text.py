"""Handler of ``kgan generate-text``: captions -> a PNG grid (one row per caption) from a text-to-image GAN."""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path


def caption(text: str) -> str:
    """argparse type: a caption with at least one non-space character."""
    if not text.strip():
        raise argparse.ArgumentTypeError("empty caption: say what to draw, e.g. \"a pair of trousers\"")
    return text


def model_file(text: str) -> str:
    """argparse type: an existing .keras file."""
    path = Path(text)
    if path.suffix != ".keras":
        raise argparse.ArgumentTypeError(f"expected a .keras model file, got {text!r}")
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"no such model file: {text!r}")
    return text


def png_file(text: str) -> str:
    """argparse type: a path ending in .png."""
    if Path(text).suffix.lower() != ".png":
        raise argparse.ArgumentTypeError(f"the picture is written as PNG: give a .png path, got {text!r}")
    return text


def _fail(message: str) -> int:
    print(f"kgan: error: {message}", file=sys.stderr)
    return 1


def generate_text(args) -> int:
    import kgan  # noqa: F401  (registers kgan's classes, so that .keras files load)
    from kgan.pixels import image_grid, save_png
    from kgan.apps import text_to_image as t2i

    path = Path(args.model)
    try:
        gan = t2i.load(path)
    except (ValueError, TypeError, OSError) as err:
        return _fail(f"cannot use {path}: {err}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            images = t2i.generate(gan, args.captions, n_per_caption=args.n, seed=args.seed)
        except (ValueError, TypeError) as err:
            return _fail(str(err))
    for warning in caught:  # unknown words: worth telling, not worth stopping for
        print(f"kgan: warning: {warning.message}", file=sys.stderr)
    try:
        save_png(args.out, image_grid(images.reshape(-1, *images.shape[2:]), cols=args.n))
        if args.figure:
            t2i.caption_figure(args.captions, images, args.figure)
    except OSError as err:
        return _fail(f"cannot write the picture: {err}")
    print(f"wrote {args.out}: {len(args.captions)} row(s) of {args.n} images (seed {args.seed})"
          + (f", and {args.figure}" if args.figure else ""))
    for i, caption in enumerate(args.captions):
        print(f"  row {i}: {caption}")
    return 0
