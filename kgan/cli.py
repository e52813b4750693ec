"""The ``kgan`` command: parses arguments, calls the library, prints results.

    kgan train gaussian-1d [--variant modern|faithful] [--mu M] [--sigma S]
                           [--steps N] [--seed K] [--out DIR] [--json] [--quiet]
    kgan train dcgan [--data fashion_mnist] [--epochs N] [--out DIR] [--batch-size B]
                     [--loss NAME] [--seed K] [--image-size S] [--limit N]
    kgan train infogan [--data fashion_mnist] [--epochs N] [--out DIR] [--categorical K ...] [--continuous C]
    kgan sample MODEL [--n 64] [--out grid.png] [--npy images.npy] [--seed K] [--latent uniform|normal]
                      [--code cat0=3]
    kgan evaluate MODEL [--data fashion_mnist] [--n 10000] [--json]
    kgan export MODEL BASE --name NAME [--version V] [--format saved_model|onnx] [--overwrite] [--latent L] [--no-warmup]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error message (exit status 2)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _int_between(low, high=None):
    """An argparse type for integers in [low, high)."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < low or (high is not None and value >= high):
            bound = f"from {low} to {high - 1}" if high is not None else f">= {low}"
            raise argparse.ArgumentTypeError(f"expected an integer {bound}, got {text!r}")
        return value

    return parse


def _finite_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def _positive_float(text):
    value = _finite_float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    from kgan import __version__

    parser = _Parser(
        prog="kgan",
        description="Train, sample and evaluate generative adversarial networks with Keras 3.",
        epilog="Run 'kgan COMMAND --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"kgan {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    train = commands.add_parser("train", help="train a GAN on a task", description="Train a GAN on a task.")
    tasks = train.add_subparsers(dest="task", metavar="TASK", parser_class=_Parser)
    tasks.required = True
    g1d = tasks.add_parser(
        "gaussian-1d",
        help="the classic 1-D tutorial: learn N(mu, sigma^2) with tiny MLPs (no data needed)",
        description=(
            "Learn a 1-D normal distribution (the classic TensorFlow GAN tutorial). Writes "
            "before.png, after.png, losses.png, metrics.json, generator.keras and gan.keras to --out."
        ),
    )
    g1d.add_argument("--variant", choices=("modern", "faithful"), default="modern",
                     help="'modern' (default): a recipe that converges in seconds; 'faithful': "
                          "the original tutorial's networks, losses and optimiser")
    g1d.add_argument("--mu", type=_finite_float, default=-1.0, help="target mean (default -1)")
    g1d.add_argument("--sigma", type=_positive_float, default=1.0, help="target standard deviation (default 1)")
    g1d.add_argument("--steps", type=_int_between(1), default=None,
                     help="adversarial training steps (default: 3000 modern, 10000 faithful)")
    g1d.add_argument("--seed", type=_int_between(0, 2**32), default=0, help="random seed (default 0)")
    g1d.add_argument("--out", default="runs/gaussian-1d", help="output directory (default runs/gaussian-1d)")
    g1d.add_argument("--json", action="store_true", help="print the metrics as one JSON object on the last line")
    g1d.add_argument("--quiet", action="store_true", help="no progress bar and no summary table")
    faithful = g1d.add_argument_group("faithful variant options (see docs: which choice reproduces what)")
    faithful.add_argument("--optimizer", choices=("momentum", "sgd"), default="momentum",
                          help="'momentum' (notebook: 0.6, decayed lr 0.001) or 'sgd' (article: lr 0.01)")
    faithful.add_argument("--noise", choices=("stratified", "uniform"), default="stratified",
                          help="'stratified' (notebook: linspace(-5, 5) + jitter) or 'uniform' (article: U(0, 1))")
    faithful.add_argument("--no-pretrain", dest="pretrain", action="store_false",
                          help="skip the 1000-step D pre-training on the normal pdf")
    g1d.set_defaults(handler=_train_gaussian_1d)
    _add_image_commands(commands, tasks)
    _add_export_command(commands)
    return parser


def _loss_name(text):
    from kgan import losses

    try:
        losses.get(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"unknown loss {text!r}; choose one of {', '.join(losses.names())}") from None
    return text


def _add_image_commands(commands, tasks):
    from kgan import _cli_images

    dcgan = tasks.add_parser(
        "dcgan", help="DCGAN on an image dataset (default Fashion-MNIST)",
        description=("Train a DCGAN (kgan.GAN.dcgan) on images. Writes samples/epoch_*.png (a fixed latent "
                     "batch per epoch), generator.keras, gan.keras and metrics.json to --out."))
    dcgan.add_argument("--data", default="fashion_mnist",
                       help="dataset name (TFDS or Keras), image folder or .npy file (default fashion_mnist)")
    dcgan.add_argument("--epochs", type=_int_between(1), default=5, help="passes over the data (default 5)")
    dcgan.add_argument("--batch-size", type=_int_between(1), default=64, help="images per batch (default 64)")
    dcgan.add_argument("--loss", type=_loss_name, default="non_saturating",
                       help="adversarial loss (default non_saturating; see kgan.losses.names())")
    dcgan.add_argument("--seed", type=_int_between(0, 2**31 - 1000), default=0, help="random seed (default 0)")
    dcgan.add_argument("--latent-dim", type=_int_between(1), default=100, help="latent code size (default 100)")
    dcgan.add_argument("--width", type=_int_between(1), default=64, help="network width (default 64)")
    dcgan.add_argument("--image-size", type=int, choices=(28, 32, 64), default=None,
                       help="resize images to SxS (DCGAN nets take 28, 32 or 64)")
    dcgan.add_argument("--limit", type=_int_between(1), default=None, help="use only the first N images")
    dcgan.add_argument("--out", default="runs/dcgan", help="output directory (default runs/dcgan)")
    dcgan.add_argument("--json", action="store_true", help="print a JSON summary on the last line")
    dcgan.add_argument("--quiet", action="store_true", help="no per-epoch lines and no summary")
    dcgan.set_defaults(handler=_cli_images.train_dcgan)

    infogan = tasks.add_parser(
        "infogan", help="InfoGAN on an image dataset: controllable categorical and continuous codes",
        description=("Train an InfoGAN (kgan.GAN.infogan + kgan.terms.MutualInformation). Writes "
                     "samples/epoch_*.png, traversal_cat*.png (rows: categorical values, columns: continuous "
                     "code 0 from -2 to 2), generator.keras, gan.keras and metrics.json to --out."))
    for action in dcgan._actions:  # the same data/training options as dcgan
        if action.dest not in ("help", "latent_dim", "out"):
            infogan._add_action(action)
    infogan.add_argument("--out", default="runs/infogan", help="output directory (default runs/infogan)")
    infogan.add_argument("--noise", type=_int_between(0), default=62, help="incompressible noise size (default 62)")
    infogan.add_argument("--categorical", type=_int_between(2), nargs="*", default=[10], metavar="K",
                         help="values of each categorical code (default: one code with 10)")
    infogan.add_argument("--continuous", type=_int_between(0), default=2, help="continuous codes (default 2)")
    infogan.add_argument("--continuous-weight", type=_positive_float, default=0.1,
                         help="weight of the continuous codes' likelihood (default 0.1; see docs)")
    infogan.set_defaults(handler=_cli_images.train_infogan)

    def model_command(name, help_text, description):
        cmd = commands.add_parser(name, help=help_text, description=description)
        cmd.add_argument("model", metavar="MODEL", help="a gan.keras file (or a generator.keras with --latent)")
        cmd.add_argument("--seed", type=_int_between(0, 2**31), default=0, help="latent seed (default 0)")
        cmd.add_argument("--latent", choices=("uniform", "normal"), default=None,
                         help="the prior of a bare generator.keras (uniform: U(-1, 1), the DCGAN preset's)")
        return cmd

    sample = model_command("sample", "draw images from a saved model",
                           "Draw images from a saved GAN: a PNG grid and/or the raw array (.npy, float in "
                           "[-1, 1], NHWC).")
    sample.add_argument("--n", type=_int_between(1), default=64, help="number of images (default 64)")
    sample.add_argument("--out", default=None, help="PNG grid to write (default samples.png unless --npy)")
    sample.add_argument("--npy", default=None, help="also write the images as a NumPy .npy file")
    sample.add_argument("--cols", type=_int_between(1), default=None, help="images per grid row")
    sample.add_argument("--code", action="append", default=None, metavar="NAME=VALUE",
                        help="InfoGAN: pin a code, e.g. --code cat0=3 --code cont1=-1.5 (the rest is sampled)")
    sample.set_defaults(handler=_cli_images.sample)

    evaluate = model_command("evaluate", "Fréchet distance and classifier score of a saved model",
                             "Evaluate generated images with the project's own classifier (no downloads): "
                             "Fréchet distance and classifier score, next to real test vs real train.")
    evaluate.add_argument("--data", default="fashion_mnist", help="the dataset it imitates (default fashion_mnist)")
    evaluate.add_argument("--n", type=_int_between(2), default=10_000, help="images per set (default 10000)")
    evaluate.add_argument("--json", action="store_true", help="print the report as JSON")
    evaluate.set_defaults(handler=_cli_images.evaluate)


def _add_export_command(commands):
    from kgan import _cli_export

    export = commands.add_parser(
        "export", help="write a SavedModel for TF Serving (or ONNX) to BASE/NAME/VERSION/",
        description=("Export a saved GAN or generator for serving: a plain TensorFlow SavedModel (signatures "
                     "serving_default and sample, plus codes and sample_codes for InfoGAN; TF Serving warm-up "
                     "requests) or an ONNX file, in TF Serving's layout BASE/NAME/VERSION/. Loading it needs "
                     "neither kgan nor Python code."))
    export.add_argument("model", metavar="MODEL", help="a gan.keras file, or a generator.keras (see --latent)")
    export.add_argument("base", metavar="BASE", help="the models folder, e.g. export (TF Serving's model base path is BASE/NAME)")
    export.add_argument("--name", required=True, help="model name: the NAME folder and TF Serving's /v1/models/NAME")
    export.add_argument("--version", type=_int_between(1), default=None,
                        help="version folder, a positive integer (default: the next free one, 1 for a new model)")
    export.add_argument("--format", choices=("saved_model", "onnx"), default="saved_model",
                        help="saved_model (default, for TF Serving) or onnx (BASE/NAME/VERSION/model.onnx, onnxruntime)")
    export.add_argument("--overwrite", action="store_true", help="replace an existing version folder")
    export.add_argument("--latent", choices=("uniform", "normal"), default=None,
                        help="the prior of a bare generator.keras, for the 'sample' signature (uniform: U(-1, 1))")
    export.add_argument("--no-warmup", dest="warmup", action="store_false",
                        help="skip assets.extra/tf_serving_warmup_requests (which needs tensorflow-serving-api)")
    export.set_defaults(handler=_cli_export.export)


def _train_gaussian_1d(args) -> int:
    from kgan.tutorials import gaussian_1d

    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        print(f"kgan: error: cannot create output directory {out}: {err.strerror}", file=sys.stderr)
        return 1
    started = time.perf_counter()
    result = gaussian_1d.train(
        variant=args.variant, mu=args.mu, sigma=args.sigma, steps=args.steps, seed=args.seed,
        pretrain=args.pretrain, optimizer=args.optimizer, noise=args.noise, verbose=not args.quiet,
    )
    if result.diverged:
        print(f"kgan: error: training diverged ({result.diverged}); nothing was saved. "
              "Try another --seed or fewer --steps.", file=sys.stderr)
        return 1
    try:
        summary = _write_outputs(result, args, out, started)
    except OSError as err:
        print(f"kgan: error: cannot write the results to {out}: {err}", file=sys.stderr)
        return 1
    if not args.quiet:
        _print_summary(summary, f"N({args.mu:g}, {args.sigma:g}^2)")
    if args.json:
        print(json.dumps(summary))
    return 0


def _write_outputs(result, args, out, started) -> dict:
    target = f"N({args.mu:g}, {args.sigma:g}^2)"
    result.plot(out / "before.png", "before", f"{args.variant}: before training, W1 = {result.metrics_before['w1']:.3f}")
    result.plot(out / "after.png", "after", f"{args.variant}: after {result.steps} steps, W1 = {result.metrics['w1']:.3f}")
    result.plot_losses(out / "losses.png", f"{args.variant} on {target}")
    result.gan.generator.save(out / "generator.keras")
    result.gan.save(out / "gan.keras")
    summary = {
        "task": "gaussian-1d",
        "variant": args.variant,
        "mu": args.mu,
        "sigma": args.sigma,
        "seed": args.seed,
        **{k: round(v, 6) for k, v in result.metrics.items()},
        "steps": result.steps,
        "seconds": round(result.seconds, 3),
        "steps_per_second": round(result.steps_per_second, 1),
        "total_seconds": round(time.perf_counter() - started, 3),
        "before": {k: round(v, 6) for k, v in result.metrics_before.items()},
        "out": str(out),
    }
    (out / "metrics.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def _print_summary(summary, target):
    before = summary["before"]
    rows = [("W1 (Wasserstein-1)", "w1"), ("KS statistic", "ks"), ("mean D on real", "d_real"),
            ("mean D on generated", "d_fake"), ("generated mean", "mean"), ("generated std", "std")]
    print(f"\ngaussian-1d ({summary['variant']}) against {target}, 10,000 samples")
    print(f"  {'':22}{'before':>10}{'after':>10}")
    for label, key in rows:
        print(f"  {label:22}{before[key]:>10.4f}{summary[key]:>10.4f}")
    print(f"  {summary['steps']} steps in {summary['seconds']:.1f} s ({summary['steps_per_second']:.0f} steps/s)")
    print(f"  wrote {summary['out']}/: before.png after.png losses.png metrics.json generator.keras gan.keras")


def main(argv=None) -> int:
    """Entry point of the ``kgan`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "command", None) == "sample" and not args.out and not args.npy:
        args.out = "samples.png"
    try:  # arguments are fully checked by the parser: anything raised below is reported as is
        return args.handler(args)
    except KeyboardInterrupt:
        print("kgan: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
