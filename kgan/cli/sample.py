"""``kgan sample``: draw images from a saved model; also the MODEL/--seed/--latent options evaluate shares."""

from __future__ import annotations

from pathlib import Path

from kgan.cli._args import fail, int_between, positive_float


def model_command(commands, name, help_text, description):
    """A command on a saved model: MODEL, --seed and --latent (sample and evaluate)."""
    cmd = commands.add_parser(name, help=help_text, description=description)
    cmd.add_argument("model", metavar="MODEL", help="a gan.keras file (or a generator.keras with --latent)")
    cmd.add_argument("--seed", type=int_between(0, 2**31), default=0, help="latent seed (default 0)")
    cmd.add_argument("--latent", choices=("uniform", "normal"), default=None,
                     help="the prior of a bare generator.keras (uniform: U(-1, 1), the DCGAN preset's)")
    return cmd


def load_sampler(args):
    """The `kgan.apps.evaluation` sampler of MODEL; exits with status 1 and one line when it cannot be used."""
    from kgan import _atomic
    from kgan.apps import evaluation

    path = Path(args.model)
    if not path.exists():
        raise SystemExit(fail(f"no such model file: {path}"))
    try:
        _atomic.check_keras_file(path)  # a truncated file: "corrupt", not Keras' "File not found"
        return evaluation.load_sampler(path, latent=args.latent)
    except (ValueError, TypeError) as err:
        raise SystemExit(fail(str(err))) from None


def add_parser(commands) -> None:
    sample = model_command(commands, "sample", "draw images from a saved model",
                           "Draw images from a saved GAN: a PNG grid and/or the raw array (.npy, float in "
                           "[-1, 1], NHWC).")
    sample.add_argument("--n", type=int_between(1), default=64, help="number of images (default 64)")
    sample.add_argument("--out", default=None, help="PNG grid to write (default samples.png unless --npy)")
    sample.add_argument("--npy", default=None, help="also write the images as a NumPy .npy file")
    sample.add_argument("--cols", type=int_between(1), default=None, help="images per grid row")
    sample.add_argument("--code", action="append", default=None, metavar="NAME=VALUE",
                        help="InfoGAN: pin a code, e.g. --code cat0=3 --code cont1=-1.5 (the rest is sampled)")
    sample.add_argument("--truncation", type=positive_float, default=None, metavar="T",
                        help="Normal priors: draw z within +-T standard deviations (less variety, more "
                             "fidelity; BigGAN's truncation trick)")
    sample.set_defaults(handler=run)


def run(args) -> int:
    import numpy as np

    from kgan import _atomic, pixels

    if not args.out and not args.npy:  # --out's default depends on --npy, so it is filled in here
        args.out = "samples.png"
    sampler = load_sampler(args)
    try:
        images = sampler.generate(args.n, seed=args.seed, fixed=_parse_codes(args.code), truncation=args.truncation)
    except ValueError as err:
        return fail(str(err))
    if not np.isfinite(images).all():
        return fail("the generator produced NaN/inf values: the model is broken (diverged training?).")
    if args.out and images.ndim not in (3, 4):
        return fail(f"{args.model}'s generator makes samples of shape {images.shape[1:]}, not images "
                    "(height, width[, channels]), so there is no PNG grid to draw: write them with --npy FILE.")
    written = []
    try:  # atomic writes: a kill or a full disk leaves any previous file whole
        if args.out:
            written.append(pixels.save_png(args.out, pixels.image_grid(images, cols=args.cols)))
        if args.npy:
            written.append(_atomic.atomic_save_npy(args.npy, images.astype(np.float32)))
    except OSError as err:  # DiskFullError included
        return fail(f"cannot write the samples: {err}")
    print(f"{args.n} images {images.shape[1:]} from {args.model} (seed {args.seed}): wrote {', '.join(written)}")
    return 0


def _parse_codes(pairs) -> dict | None:
    """``["cat0=3", "cont1=-1.5"]`` -> ``{"cat0": 3, "cont1": -1.5}``."""
    if not pairs:
        return None
    fixed = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        try:
            number = float(value)
        except ValueError:
            sep = ""
        else:
            fixed[name.strip()] = int(number) if name.strip().startswith("cat") and number == int(number) else number
        if not sep:
            raise ValueError(f"--code {pair!r}: write NAME=VALUE, e.g. cat0=3 or cont1=-1.5.")
    return fixed
