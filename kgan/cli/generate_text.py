"""``kgan generate-text``: captions -> a PNG grid (one row per caption) from a text-to-image GAN."""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from kgan.cli._args import fail, int_between


def add_parser(commands) -> None:
    gen = commands.add_parser(
        "generate-text", help="draw images for captions with a text-to-image GAN (kgan.apps.text_to_image)",
        description=("Generate images from captions with a text-to-image GAN saved by kgan.apps.text_to_image "
                     "(GAN-INT-CLS). Writes a PNG grid with one row per caption (N images each, the same latent "
                     "vectors in every row). Unknown words become the out-of-vocabulary token (a warning); a "
                     "caption with no known word is an error."))
    gen.add_argument("captions", metavar="CAPTION", nargs="+", type=caption,
                     help='one or more captions, e.g. "a pair of trousers" "a leather bag"')
    gen.add_argument("--model", required=True, type=model_file, help="a .keras text-to-image GAN")
    gen.add_argument("--out", default="text_samples.png", type=png_file,
                     help="PNG grid to write (default text_samples.png)")
    gen.add_argument("--n", type=int_between(1, 257), default=8, help="images per caption, 1-256 (default 8)")
    gen.add_argument("--seed", type=int_between(0, 2**31), default=0, help="latent seed (default 0)")
    gen.add_argument("--figure", type=png_file, default=None,
                     help="also write a PNG with each caption printed beside its row")
    gen.set_defaults(handler=run)


def caption(text: str) -> str:
    """argparse type: a caption with at least one non-space character."""
    if not text.strip():
        raise argparse.ArgumentTypeError("empty caption: say what to draw, e.g. \"a pair of trousers\"")
    return text


def model_file(text: str) -> str:
    """argparse type: an existing .keras file, kept as the text given (the messages say "model file")."""
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


def run(args) -> int:
    import kgan  # noqa: F401  (registers kgan's classes, so that .keras files load)
    from kgan.apps import text_to_image as t2i
    from kgan.pixels import image_grid, save_png

    path = Path(args.model)
    try:
        gan = t2i.load(path)
    except (ValueError, TypeError, OSError) as err:
        return fail(f"cannot use {path}: {err}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            images = t2i.generate(gan, args.captions, n_per_caption=args.n, seed=args.seed)
        except (ValueError, TypeError) as err:
            return fail(str(err))
    for warning in caught:  # unknown words: worth telling, not worth stopping for
        print(f"kgan: warning: {warning.message}", file=sys.stderr)
    try:
        save_png(args.out, image_grid(images.reshape(-1, *images.shape[2:]), cols=args.n))
        if args.figure:
            t2i.caption_figure(args.captions, images, args.figure)
    except OSError as err:
        return fail(f"cannot write the picture: {err}")
    print(f"wrote {args.out}: {len(args.captions)} row(s) of {args.n} images (seed {args.seed})"
          + (f", and {args.figure}" if args.figure else ""))
    for i, text in enumerate(args.captions):
        print(f"  row {i}: {text}")
    return 0
