"""The ``kgan`` command: parses arguments, calls the library, prints results.

    kgan train gaussian-1d [--variant modern|faithful] [--mu M] [--sigma S] [--steps N] [--seed K]
                           [--out DIR] [--json] [--quiet]
                           [--optimizer momentum|sgd] [--noise stratified|uniform] [--no-pretrain]   (faithful)
                           [--strategy default|mirrored|multi-worker] [--cpu-devices N] [--deterministic]
    kgan train dcgan [--data fashion_mnist] [--epochs N] [--batch-size B] [--loss NAME] [--seed K]
                     [--latent-dim D] [--width W] [--image-size 28|32|64] [--limit N] [--out DIR]
                     [--json] [--quiet] [--no-guard] [--backup-every STEPS] [--restart]
                     [--strategy default|mirrored|multi-worker] [--cpu-devices N] [--deterministic]
                     (an interrupted run resumes from DIR/backup unless --restart)
    kgan train infogan [the dcgan flags except --latent-dim] [--noise N] [--categorical K ...]
                       [--continuous C] [--continuous-weight W] [--network mlp|dcgan]
    kgan sample MODEL [--n 64] [--out grid.png] [--npy images.npy] [--cols C] [--seed K]
                      [--latent uniform|normal] [--code cat0=3]
    kgan evaluate MODEL [--data fashion_mnist] [--n 10000] [--seed K] [--latent uniform|normal] [--json]
    kgan export MODEL BASE --name NAME [--version V] [--format saved_model|onnx] [--overwrite]
                           [--latent uniform|normal] [--no-warmup]
    kgan tune gaussian-1d|dcgan [--trials N] [--tuner random|bayesian|hyperband] [--out DIR] [--epochs N]
                                [--seed K] [--d-lr V [V]] [--g-lr V [V]] [--lr V [V]] [--ratio V [V]]
                                [--beta-1 V [V]] [--d-steps N ...] [--loss NAME ...] [--overwrite]
                                [--json] [--quiet]
                                gaussian-1d: [--mu M] [--sigma S] [--steps-per-epoch N]
                                dcgan: [--data D] [--limit N] [--batch-size B] [--width W]
                                       [--latent-dim D] [--image-size 28|32|64] [--eval-n N]
    kgan upscale MODEL INPUT(.png|.npy) --out OUT(.png|.npy) [--batch-size B]
    kgan inpaint MODEL IMAGE(.png|.npy) --out OUT.png [--mask center|random|MASK_FILE] [--figure F.png]
                 [--npy OUT.npy] [--steps N] [--restarts R] [--perceptual-weight L]
                 [--blend poisson|paste] [--seed K]
    kgan generate-text CAPTION [CAPTION ...] --model M.keras [--out grid.png] [--n N] [--seed K]
                       [--figure F.png]
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
    _add_reliability_options(tasks)
    _add_distribute_options(tasks)
    _add_export_command(commands)
    _add_tune_command(commands)
    _add_upscale_command(commands)
    _add_inpaint_command(commands)
    _add_generate_text_command(commands)
    return parser


def _add_reliability_options(tasks):
    """The divergence guard and backup/resume options of the image training tasks (docs/checkpoints.md)."""
    for name in ("dcgan", "infogan"):
        group = tasks.choices[name].add_argument_group("divergence guard, backup and resume (see docs/checkpoints.md)")
        group.add_argument("--no-guard", dest="guard", action="store_false",
                           help="switch off kgan.callbacks.DivergenceGuard (on by default: it stops on NaN/inf or "
                                "a collapsed D and restores the last good weights)")
        group.add_argument("--backup-every", type=_int_between(1), default=None, metavar="STEPS",
                           help="back up to OUT/backup every STEPS batches (default: at every epoch end)")
        group.add_argument("--restart", action="store_true",
                           help="delete OUT/backup and start over (by default an interrupted run resumes from it)")


def _add_distribute_options(tasks):
    """--strategy, --cpu-devices and --deterministic on every training task (kgan/_cli_distribute.py)."""
    from kgan import _cli_distribute

    _cli_distribute.add_options(*(tasks.choices[name] for name in ("gaussian-1d", "dcgan", "infogan")))


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
    infogan.add_argument("--network", choices=("mlp", "dcgan"), default="mlp",
                         help="mlp (default): the image MLPs, the measured recipe for 28x28 grayscale images; "
                              "dcgan: convolutions of --width, for larger or colour images")
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


def _add_upscale_command(commands):
    from kgan import _cli_upscale

    upscale = commands.add_parser(
        "upscale", help="super-resolve a .png or .npy with a trained SRGAN (kgan.apps.super_resolution)",
        description=("Upscale low-resolution images with a super-resolution model saved by "
                     "kgan.apps.super_resolution (a gan.keras, or its generator .keras). INPUT is one .png "
                     "image or a .npy batch (n, h, w, c), uint8 or floats in [-1, 1] (any size for kgan's "
                     "fully convolutional SR generator); a batch written to .png becomes a grid."))
    upscale.add_argument("model", metavar="MODEL", type=_cli_upscale.existing_file((".keras",)),
                         help="a .keras file saved after kgan.apps.super_resolution.train")
    upscale.add_argument("input", metavar="INPUT", type=_cli_upscale.existing_file(_cli_upscale.INPUT_SUFFIXES),
                         help="low-resolution image(s): a .png, or a .npy array")
    upscale.add_argument("--out", required=True, type=_cli_upscale.output_file,
                         help="where to write the result: .png (an image, or a grid for a batch) or .npy")
    upscale.add_argument("--batch-size", type=_int_between(1), default=256, help="images per generator call")
    upscale.set_defaults(handler=_cli_upscale.upscale)


def _add_inpaint_command(commands):
    from kgan import _cli_inpaint

    inpaint = commands.add_parser(
        "inpaint", help="fill the missing pixels of images with a saved GAN (kgan.apps.inpaint)",
        description=("Semantic inpainting (Yeh et al. 2016): search the GAN's latent space for the image that best "
                     "matches the known pixels while its discriminator finds it real, then Poisson-blend it into "
                     "the hole. IMAGE is one .png or a .npy (one image or a batch (n, h, w, c), uint8 or floats in "
                     "[-1, 1]) of the model's size. A mask file marks known pixels with 1 (.npy) or white (.png)."))
    inpaint.add_argument("model", metavar="MODEL", type=_cli_inpaint.model_file,
                         help="a gan.keras file (the discriminator is needed, a bare generator is not enough)")
    inpaint.add_argument("image", metavar="IMAGE", type=_cli_inpaint.image_file, help="image(s): a .png or a .npy")
    inpaint.add_argument("--mask", type=_cli_inpaint.mask_spec, default="center",
                         help="center (default: a centred square hole, half the side), random (80%% of the pixels "
                              "missing) or a .png/.npy mask file (1/white = known, 0/black = missing)")
    inpaint.add_argument("--out", required=True, type=_cli_inpaint._output(".png"),
                         help="PNG of the inpainted image (a grid for a batch)")
    inpaint.add_argument("--figure", type=_cli_inpaint._output(".png"), default=None,
                         help="also write a PNG with one row per image: masked input | G(z) | blended")
    inpaint.add_argument("--npy", type=_cli_inpaint._output(".npy"), default=None,
                         help="also write the inpainted images as .npy (float32, [-1, 1], NHWC)")
    inpaint.add_argument("--steps", type=_int_between(1), default=1000, help="Adam steps on z (default 1000)")
    inpaint.add_argument("--restarts", type=_int_between(1), default=1,
                         help="random starting codes per image; the best is kept (default 1)")
    inpaint.add_argument("--perceptual-weight", type=_cli_inpaint.non_negative_float, default=0.003,
                         help="lambda, the weight of the discriminator's loss (default 0.003, the paper's)")
    inpaint.add_argument("--blend", choices=("poisson", "paste"), default="poisson",
                         help="poisson (default) or paste (copy G(z) into the hole as is)")
    inpaint.add_argument("--seed", type=_int_between(0, 2**31), default=0,
                         help="seed of the starting codes and of a random mask (default 0)")
    inpaint.set_defaults(handler=_cli_inpaint.inpaint)


def _add_generate_text_command(commands):
    from kgan import _cli_text

    gen = commands.add_parser(
        "generate-text", help="draw images for captions with a text-to-image GAN (kgan.apps.text_to_image)",
        description=("Generate images from captions with a text-to-image GAN saved by kgan.apps.text_to_image "
                     "(GAN-INT-CLS). Writes a PNG grid with one row per caption (N images each, the same latent "
                     "vectors in every row). Unknown words become the out-of-vocabulary token (a warning); a "
                     "caption with no known word is an error."))
    gen.add_argument("captions", metavar="CAPTION", nargs="+", type=_cli_text.caption,
                     help='one or more captions, e.g. "a pair of trousers" "a leather bag"')
    gen.add_argument("--model", required=True, type=_cli_text.model_file, help="a .keras text-to-image GAN")
    gen.add_argument("--out", default="text_samples.png", type=_cli_text.png_file,
                     help="PNG grid to write (default text_samples.png)")
    gen.add_argument("--n", type=_int_between(1, 257), default=8, help="images per caption, 1-256 (default 8)")
    gen.add_argument("--seed", type=_int_between(0, 2**31), default=0, help="latent seed (default 0)")
    gen.add_argument("--figure", type=_cli_text.png_file, default=None,
                     help="also write a PNG with each caption printed beside its row")
    gen.set_defaults(handler=_cli_text.generate_text)


def _add_tune_command(commands):
    from kgan import _cli_tune

    tune = commands.add_parser(
        "tune", help="keras-tuner sweep of the D/G learning rates (needs kgan[tuner])",
        description=("Sweep the discriminator/generator learning-rate balance with keras-tuner on a task. Writes "
                     "trials.md, trials.csv (hyperparameters, objective, training time), trials.png (objective over "
                     "the D/G learning-rate plane) and best_gan.keras to OUT/TASK/. The same command with the same "
                     "--out resumes the sweep. Distributed: set KERASTUNER_TUNER_ID, KERASTUNER_ORACLE_IP and "
                     "KERASTUNER_ORACLE_PORT (see docs/tuning.md)."))
    tasks = tune.add_subparsers(dest="task", metavar="TASK", parser_class=_Parser)
    tasks.required = True

    def common(task):
        task.add_argument("--trials", type=_int_between(1), default=20, help="trials in all (default 20)")
        task.add_argument("--tuner", choices=("random", "bayesian", "hyperband"), default="random",
                          help="keras-tuner's RandomSearch (default), BayesianOptimization or Hyperband")
        task.add_argument("--out", default="runs/tune", help="sweep directory; results in OUT/TASK (default runs/tune)")
        task.add_argument("--epochs", type=_int_between(1), default=None,
                          help="epochs per trial (Hyperband: its max_epochs); default 10 (gaussian-1d), 2 (dcgan)")
        task.add_argument("--seed", type=_int_between(0, 2**31 - 1000), default=0,
                          help="weights, latent draws and data of every trial (default 0)")
        space = task.add_argument_group("search space (one VALUE fixes a hyperparameter, LOW HIGH searches a range)")
        for flag, what in (("--d-lr", "D's Adam learning rate (log scale)"), ("--g-lr", "G's Adam learning rate (log scale)"),
                           ("--lr", "one learning rate, G's (with --ratio)"), ("--ratio", "D's rate / G's rate (with --lr)")):
            space.add_argument(flag, nargs="+", type=_positive_float, action=_cli_tune.RangeOrValues, default=None,
                               metavar="VALUE", help=what)
        space.add_argument("--beta-1", dest="beta_1", nargs="+", type=_unit_interval, action=_cli_tune.RangeOrValues,
                           default=None, metavar="VALUE", help="Adam's beta_1 in [0, 1) (default 0.5)")
        space.add_argument("--d-steps", nargs="+", type=_int_between(1), default=None, metavar="N",
                           help="D updates per G update; several values are choices (default 1)")
        space.add_argument("--loss", nargs="+", type=_loss_name, default=None, metavar="NAME",
                           help="adversarial loss; several names are choices (default: the task's)")
        task.add_argument("--overwrite", action="store_true", help="delete an earlier sweep in OUT/TASK and start over")
        task.add_argument("--json", action="store_true", help="print the best hyperparameters and objective as JSON "
                                                              "on the last line")
        task.add_argument("--quiet", action="store_true", help="no per-trial output and no table")
        task.set_defaults(handler=_cli_tune.tune)

    g1d = tasks.add_parser("gaussian-1d", help="the 1-D tutorial's modern recipe; objective W1",
                           description="Sweep the 1-D task (kgan.tutorials.gaussian_1d's modern networks and data); "
                                       "objective: W1 on 10,000 samples.")
    common(g1d)
    g1d.add_argument("--mu", type=_finite_float, default=-1.0, help="target mean (default -1)")
    g1d.add_argument("--sigma", type=_positive_float, default=1.0, help="target standard deviation (default 1)")
    g1d.add_argument("--steps-per-epoch", type=_int_between(1), default=100, help="steps per epoch (default 100)")
    dcgan = tasks.add_parser("dcgan", help="kgan.GAN.dcgan on images; objective: Fréchet distance",
                             description="Sweep a DCGAN (kgan.GAN.dcgan) on an image dataset; objective: the Fréchet "
                                         "distance on the project classifier's features.")
    common(dcgan)
    dcgan.add_argument("--data", default="fashion_mnist", help="dataset (default fashion_mnist)")
    dcgan.add_argument("--limit", type=_int_between(1), default=10_000, help="use the first N images (default 10000)")
    dcgan.add_argument("--batch-size", type=_int_between(1), default=64, help="images per batch (default 64)")
    dcgan.add_argument("--width", type=_int_between(1), default=32, help="network width (default 32)")
    dcgan.add_argument("--latent-dim", type=_int_between(1), default=64, help="latent code size (default 64)")
    dcgan.add_argument("--image-size", type=int, choices=(28, 32, 64), default=None, help="resize images to SxS")
    dcgan.add_argument("--eval-n", type=_int_between(2), default=1000,
                       help="images per set for the Fréchet distance (default 1000)")


def _unit_interval(text):
    value = _finite_float(text)
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1), got {text!r}")
    return value


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
