"""``kgan tune``: a keras-tuner sweep of the D/G learning rates on a preset task (see kgan.tuning).

Thin: builds the `kgan.tuning.LearningRateBalance` a user would write in Python, runs it, prints the table.
"""

from __future__ import annotations

import argparse
import json
import os
import sys


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


def _fail(message: str, status: int = 1) -> int:
    print(f"kgan: error: {message}", file=sys.stderr)
    return status


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
    prog = f"kgan tune {args.task}"
    print(f"{prog}: error: {message} (see '{prog} --help')", file=sys.stderr)
    return 2


def tune(args) -> int:
    if (args.lr is None) != (args.ratio is None):
        return _usage_error(args, "--lr and --ratio go together (G's rate and D's rate / G's rate)")
    if args.lr is not None and (args.d_lr is not None or args.g_lr is not None):
        return _usage_error(args, "give --d-lr/--g-lr or --lr/--ratio, not both")
    try:
        from kgan import tuning
    except ImportError as err:
        return _fail(str(err))

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
        return _fail(str(err))
    worker = tuning._is_worker()
    try:
        written = sweep.search(verbose=0 if args.quiet else 1)
    except (FileNotFoundError, ValueError, RuntimeError) as err:  # data not found, too many failures, ...
        return _fail(str(err).strip().splitlines()[0])
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
        return _fail("no trial completed (all diverged): narrow the learning-rate ranges (--d-lr/--g-lr).")
    best = sweep.best_hyperparameters()
    best_path = sweep.project_dir / "best_gan.keras"
    sweep.best_gan().save(best_path)
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
