"""``kgan tune``: a keras-tuner sweep of the D/G learning rates on a preset task (see kgan.tuning).

Thin: builds the `kgan.tuning.LearningRateBalance` a user would write in Python, runs it, prints the table.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from kgan.cli._args import (
    Parser,
    fail,
    finite_float,
    int_between,
    loss_name,
    positive_float,
    progress_verbose,
    unit_interval,
)


class RangeOrValues(argparse.Action):
    """``--flag V`` (fixed) or ``--flag LOW HIGH`` (a range), checked here so errors are one line, exit 2."""

    def __call__(self, parser, namespace, values, option_string=None):
        if len(values) == 2:
            low, high = values
            if low > high:
                parser.error(f"argument {option_string}: LOW > HIGH ({low:g} > {high:g}); write {option_string} "
                             f"{high:g} {low:g}")
            if low == high:
                parser.error(f"argument {option_string}: an empty range; give one value to fix it: "
                             f"{option_string} {low:g}")
            setattr(namespace, self.dest, (low, high))
        elif len(values) == 1:
            setattr(namespace, self.dest, values[0])
        else:
            parser.error(f"argument {option_string}: expected VALUE (fixed) or LOW HIGH (a range), "
                         f"got {len(values)} values")


def add_parser(commands) -> None:
    tune = commands.add_parser(
        "tune", help="keras-tuner sweep of the D/G learning rates (needs kgan[tuner])",
        description=("Sweep the discriminator/generator learning-rate balance with keras-tuner on a task. Writes "
                     "trials.md, trials.csv (hyperparameters, objective, training time), trials.png (objective over "
                     "the D/G learning-rate plane) and best_gan.keras to OUT/TASK/. The same command with the same "
                     "--out resumes the sweep. Distributed: set KERASTUNER_TUNER_ID, KERASTUNER_ORACLE_IP and "
                     "KERASTUNER_ORACLE_PORT (see docs/tuning.md)."))
    tasks = tune.add_subparsers(dest="task", metavar="TASK", parser_class=Parser)
    tasks.required = True

    g1d = tasks.add_parser("gaussian-1d", help="the 1-D tutorial's modern recipe; objective W1",
                           description="Sweep the 1-D task (kgan.tutorials.gaussian_1d's modern networks and data); "
                                       "objective: W1 on 10,000 samples.")
    _add_common(g1d)
    g1d.add_argument("--mu", type=finite_float, default=-1.0, help="target mean (default -1)")
    g1d.add_argument("--sigma", type=positive_float, default=1.0, help="target standard deviation (default 1)")
    g1d.add_argument("--steps-per-epoch", type=int_between(1), default=100, help="steps per epoch (default 100)")
    dcgan = tasks.add_parser("dcgan", help="kgan.GAN.dcgan on images; objective: Fréchet distance",
                             description="Sweep a DCGAN (kgan.GAN.dcgan) on an image dataset; objective: the Fréchet "
                                         "distance on the project classifier's features.")
    _add_common(dcgan)
    dcgan.add_argument("--data", default="fashion_mnist", help="dataset (default fashion_mnist)")
    dcgan.add_argument("--limit", type=int_between(1), default=10_000, help="use the first N images (default 10000)")
    dcgan.add_argument("--batch-size", type=int_between(1), default=64, help="images per batch (default 64)")
    # The network `kgan train dcgan` trains by default: tuned rates are for the network they were tuned on.
    dcgan.add_argument("--width", type=int_between(1), default=64,
                       help="network width (default 64, as kgan train dcgan; a smaller width sweeps faster: "
                            "then train with the same --width)")
    dcgan.add_argument("--latent-dim", type=int_between(1), default=100,
                       help="latent code size (default 100, as kgan train dcgan)")
    dcgan.add_argument("--image-size", type=int, choices=(28, 32, 64), default=None, help="resize images to SxS")
    dcgan.add_argument("--eval-n", type=int_between(2), default=1000,
                       help="images per set for the Fréchet distance (default 1000)")


def _add_common(task) -> None:
    """The sweep and search-space options of every task."""
    task.add_argument("--trials", type=int_between(1), default=20, help="trials in all (default 20)")
    task.add_argument("--tuner", choices=("random", "bayesian", "hyperband"), default="random",
                      help="keras-tuner's RandomSearch (default), BayesianOptimization or Hyperband")
    task.add_argument("--out", default="runs/tune", help="sweep directory; results in OUT/TASK (default runs/tune)")
    task.add_argument("--epochs", type=int_between(1), default=None,
                      help="epochs per trial (Hyperband: its max_epochs); default 10 (gaussian-1d), 2 (dcgan)")
    task.add_argument("--seed", type=int_between(0, 2**31 - 1000), default=0,
                      help="weights, latent draws and data of every trial (default 0)")
    space = task.add_argument_group("search space (one VALUE fixes a hyperparameter, LOW HIGH searches a range)")
    for flag, what in (("--d-lr", "D's Adam learning rate (log scale)"), ("--g-lr", "G's Adam learning rate (log scale)"),
                       ("--lr", "one learning rate, G's (with --ratio)"), ("--ratio", "D's rate / G's rate (with --lr)")):
        space.add_argument(flag, nargs="+", type=positive_float, action=RangeOrValues, default=None,
                           metavar="VALUE", help=what)
    space.add_argument("--beta-1", dest="beta_1", nargs="+", type=unit_interval, action=RangeOrValues,
                       default=None, metavar="VALUE", help="Adam's beta_1 in [0, 1) (default 0.5)")
    space.add_argument("--d-steps", nargs="+", type=int_between(1), default=None, metavar="N",
                       help="D updates per G update; several values are choices (default 1)")
    space.add_argument("--loss", nargs="+", type=loss_name, default=None, metavar="NAME",
                       help="adversarial loss; several names are choices (default: the task's)")
    task.add_argument("--overwrite", action="store_true", help="delete an earlier sweep in OUT/TASK and start over")
    task.add_argument("--json", action="store_true", help="print the best hyperparameters and objective as JSON "
                                                          "on the last line")
    task.add_argument("--quiet", action="store_true", help="no per-trial output and no table (a live progress bar "
                      "on a terminal, one line per epoch when the output is a file)")
    task.set_defaults(handler=run)


def _space(args) -> dict:
    space = {}
    for flag, name in (("d_lr", "d_learning_rate"), ("g_lr", "g_learning_rate"), ("lr", "learning_rate"),
                       ("ratio", "lr_ratio"), ("beta_1", "beta_1")):
        if getattr(args, flag) is not None:
            space[name] = getattr(args, flag)
    if args.d_steps:
        space["d_steps"] = args.d_steps if len(args.d_steps) > 1 else args.d_steps[0]
    if args.loss:
        space["loss"] = args.loss if len(args.loss) > 1 else args.loss[0]
    return space


def _usage_error(args, message) -> int:
    """A bad combination of flags, found after parsing: argparse's one-line message and status 2."""
    prog = f"kgan tune {args.task}"
    print(f"{prog}: error: {message} (see '{prog} --help')", file=sys.stderr)
    return 2


def run(args) -> int:
    if (args.lr is None) != (args.ratio is None):
        return _usage_error(args, "--lr and --ratio go together (G's rate and D's rate / G's rate)")
    if args.lr is not None and (args.d_lr is not None or args.g_lr is not None):
        return _usage_error(args, "give --d-lr/--g-lr or --lr/--ratio, not both")
    try:
        from kgan import tuning
    except ImportError as err:
        return fail(str(err))

    if args.task == "gaussian-1d":
        preset = tuning.Gaussian1D(mu=args.mu, sigma=args.sigma, steps_per_epoch=args.steps_per_epoch)
    else:
        preset = tuning.DCGAN(data=args.data, width=args.width, latent_dim=args.latent_dim, batch_size=args.batch_size,
                              limit=args.limit, image_size=args.image_size, eval_samples=args.eval_n)
    epochs = args.epochs or (10 if args.task == "gaussian-1d" else 2)
    try:
        space = tuning.SearchSpace.from_dict(_space(args), preset.defaults)
    except ValueError as err:
        return _usage_error(args, str(err).rstrip("."))
    try:
        sweep = tuning.LearningRateBalance(preset, tuner=args.tuner, max_trials=args.trials, directory=args.out,
                                           overwrite=args.overwrite, epochs=epochs, seed=args.seed, space=space)
    except (ValueError, ImportError, RuntimeError) as err:
        return fail(str(err))
    worker = tuning._is_worker()
    try:
        written = sweep.search(verbose=progress_verbose(args))
    except (OSError, ValueError, RuntimeError) as err:  # data not found, disk full, too many failures, ...
        return fail(str(err).strip().splitlines()[0])
    if worker:
        print(f"worker {os.environ.get('KERASTUNER_TUNER_ID')}: ran {sweep.hypermodel.fit_calls} trial(s); "
              f"the chief writes the results to {sweep.project_dir}")
        return 0
    rows = sweep.results()
    completed = [r for r in rows if r["status"] == "COMPLETED"]
    if not args.quiet:
        print(f"\n{len(rows)} trials in {sweep.project_dir} ({len(completed)} completed), objective "
              f"{sweep.hypermodel.score.name} (lower is better):\n")
        print(sweep.results_table())
    if not completed:
        return fail("no trial completed (all diverged): narrow the learning-rate ranges (--d-lr/--g-lr).")
    best = sweep.best_hyperparameters()
    best_path = sweep.project_dir / "best_gan.keras"
    try:
        sweep.best_gan().save(best_path)  # atomic: a kill or a full disk leaves the previous file whole
    except OSError as err:  # kgan.DiskFullError: one line
        return fail(f"cannot save the best GAN: {err}")
    if not args.quiet:
        print(f"\nbest: trial {best['trial']}, " + ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}"
                                                          for k, v in best.items() if k != "trial"))
        print(f"wrote {written['markdown']}, {written['csv']}, {written['figure']}, {best_path}")
    if args.json:
        objective = sweep.hypermodel.score.name
        print(json.dumps({
            "task": args.task, "tuner": args.tuner, "trials": len(rows), "completed": len(completed),
            "objective": objective, "value": best[objective],
            "best": {k: v for k, v in best.items() if k not in (objective, "trial")}, "best_trial": best["trial"],
            "out": str(sweep.project_dir), "table": str(written["markdown"]), "figure": str(written["figure"]),
            "best_gan": str(best_path),
        }))
    return 0
