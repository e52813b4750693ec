"""``kgan generate-text``: captions -> a PNG grid (one row per caption) from a text-to-image GAN."""

from __future__ import annotations

import argparse
import functools
import sys
import warnings
from pathlib import Path

from kgan.cli._args import fail, int_between


def add_parser(commands) -> None:
    gen = commands.add_parser(
        "generate-text", help="draw images for captions with a text-to-image GAN (kgan.apps.text_to_image)",
        usage="kgan generate-text [-h] MODEL CAPTION [CAPTION ...] [--out OUT] [--n N] [--seed SEED] [--figure PNG]",
        description=("Generate images from captions with a text-to-image GAN saved by kgan.apps.text_to_image "
                     "(GAN-INT-CLS). Writes a PNG grid with one row per caption (N images each, the same latent "
                     "vectors in every row). Unknown words become the out-of-vocabulary token (a warning); a "
                     "caption with no known word is an error."))
    # MODEL first, as in every other command. Both positionals are optional to argparse so that the
    # old form, `CAPTION ... --model M`, still parses; `_resolve` sorts them out (and checks them).
    gen.add_argument("model", metavar="MODEL", nargs="?", help="a .keras text-to-image GAN")
    gen.add_argument("captions", metavar="CAPTION", nargs="*",
                     help='one or more captions, e.g. "a pair of trousers" "a leather bag"')
    gen.add_argument("--model", dest="model_option", metavar="MODEL", type=model_file, default=None,
                     help="deprecated: give MODEL first instead (still accepted, with a warning)")
    gen.add_argument("--out", default="text_samples.png", type=png_file,
                     help="PNG grid to write (default text_samples.png)")
    gen.add_argument("--n", type=int_between(1, 257), default=8, help="images per caption, 1-256 (default 8)")
    gen.add_argument("--seed", type=int_between(0, 2**31), default=0, help="latent seed (default 0)")
    gen.add_argument("--figure", type=png_file, default=None,
                     help="also write a PNG with each caption printed beside its row")
    gen.set_defaults(handler=run, check=functools.partial(_resolve, gen))


def _resolve(parser, args) -> None:
    """Set ``args.model`` and ``args.captions`` from either form; a usage error exits 2, before TensorFlow."""
    given = ([args.model] if args.model is not None else []) + args.captions
    if args.model_option is not None:  # the old form: every positional is a caption
        model, captions = args.model_option, given
    else:
        if not given or Path(given[0]).suffix != ".keras":
            parser.error(f"expected MODEL (a .keras file) before the captions, got {given[0]!r}: "
                         "kgan generate-text MODEL CAPTION [CAPTION ...] (or the deprecated --model MODEL)"
                         if given else "expected MODEL (a .keras file) and at least one CAPTION")
        model, captions = given[0], given[1:]
    try:
        model = model_file(model)
        captions = [caption(text) for text in captions]
    except argparse.ArgumentTypeError as err:
        parser.error(str(err))
    if not captions:
        parser.error('expected at least one CAPTION after MODEL, e.g. "a pair of trousers"')
    if args.model_option is not None:
        print(f"{parser.prog}: warning: --model is deprecated; give the model first: "
              f"kgan generate-text {model} CAPTION [CAPTION ...]", file=sys.stderr)
    args.model, args.captions = model, captions


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
