"""``kgan train gaussian-1d|dcgan|infogan``: the training tasks' parsers and handlers.

Thin: each handler builds what the user would write in Python, runs it and reports.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from kgan import _atomic
from kgan.cli import _distribute
from kgan.cli._args import Parser, fail, finite_float, int_between, loss_name, positive_float, progress_verbose


def add_parser(commands) -> None:
    """``kgan train TASK``: one sub-command per task, each with the reliability and device options it takes."""
    train = commands.add_parser("train", help="train a GAN on a task", description="Train a GAN on a task.")
    tasks = train.add_subparsers(dest="task", metavar="TASK", parser_class=Parser)
    tasks.required = True
    _add_gaussian_1d(tasks)
    dcgan = _add_dcgan(tasks)
    _add_infogan(tasks, dcgan)  # before the groups below: it copies dcgan's own options only
    for name in ("dcgan", "infogan"):
        _add_reliability_options(tasks.choices[name])
    _distribute.add_options(*(tasks.choices[name] for name in ("gaussian-1d", "dcgan", "infogan")))


# ----------------------------------------------------------------- gaussian-1d
def _add_gaussian_1d(tasks) -> None:
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
    g1d.add_argument("--mu", type=finite_float, default=-1.0, help="target mean (default -1)")
    g1d.add_argument("--sigma", type=positive_float, default=1.0, help="target standard deviation (default 1)")
    g1d.add_argument("--steps", type=int_between(1), default=None,
                     help="adversarial training steps (default: 3000 modern, 10000 faithful)")
    g1d.add_argument("--seed", type=int_between(0, 2**32), default=0, help="random seed (default 0)")
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
    g1d.set_defaults(handler=train_gaussian_1d)


def train_gaussian_1d(args) -> int:
    from kgan.tutorials import gaussian_1d

    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        return fail(f"cannot create output directory {out}: {err.strerror}")
    started = time.perf_counter()
    result = gaussian_1d.train(
        variant=args.variant, mu=args.mu, sigma=args.sigma, steps=args.steps, seed=args.seed,
        pretrain=args.pretrain, optimizer=args.optimizer, noise=args.noise, verbose=not args.quiet,
    )
    if result.diverged:
        return fail(f"training diverged ({result.diverged}); nothing was saved. Try another --seed or fewer --steps.")
    try:
        summary = _write_outputs(result, args, out, started)
    except OSError as err:
        return fail(f"cannot write the results to {out}: {err}")
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
    _atomic.save_model(result.gan.generator, out / "generator.keras")  # atomic, like gan.save
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
    _atomic.atomic_write_text(out / "metrics.json", json.dumps(summary, indent=2) + "\n")
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


# ----------------------------------------------------------------- dcgan, infogan
def _add_dcgan(tasks):
    dcgan = tasks.add_parser(
        "dcgan", help="DCGAN on an image dataset (default Fashion-MNIST)",
        description=("Train a DCGAN (kgan.GAN.dcgan) on images. Writes samples/epoch_*.png (a fixed latent "
                     "batch per epoch), generator.keras, gan.keras and metrics.json to --out."))
    dcgan.add_argument("--data", default="fashion_mnist",
                       help="dataset name (TFDS or Keras), image folder or .npy file (default fashion_mnist)")
    dcgan.add_argument("--epochs", type=int_between(1), default=5, help="passes over the data (default 5)")
    dcgan.add_argument("--batch-size", type=int_between(1), default=None,
                       help="images per batch (default 64; 32 for dcgan's --recipe modern)")
    dcgan.add_argument("--loss", type=loss_name, default="non_saturating",
                       help="adversarial loss (default non_saturating; see kgan.losses.names())")
    dcgan.add_argument("--seed", type=int_between(0, 2**31 - 1000), default=0, help="random seed (default 0)")
    dcgan.add_argument("--latent-dim", type=int_between(1), default=100, help="latent code size (default 100)")
    dcgan.add_argument("--width", type=int_between(1), default=64, help="network width (default 64)")
    dcgan.add_argument("--image-size", type=int, choices=(28, 32, 64), default=None,
                       help="resize images to SxS (DCGAN nets take 28, 32 or 64)")
    dcgan.add_argument("--limit", type=int_between(1), default=None, help="use only the first N images")
    dcgan.add_argument("--out", default="runs/dcgan", help="output directory (default runs/dcgan)")
    dcgan.add_argument("--json", action="store_true", help="print a JSON summary on the last line")
    dcgan.add_argument("--quiet", action="store_true", help="no progress bar, no per-epoch lines and no summary (a "
                       "live progress bar on a terminal, one line per epoch when the output is a file)")
    dcgan.add_argument("--recipe", choices=("modern", "paper"), default="modern",
                       help="modern (default): the DCGAN paper's networks and optimizers with batch 32, "
                            "DiffAugment in front of D and an averaged generator (ema 0.999) that sampling "
                            "uses, measured better per CPU-second on Fashion-MNIST (docs/modern-stack.md); "
                            "paper: the DCGAN paper's settings (batch 64, no augmentation, no average)")
    dcgan.set_defaults(handler=train_dcgan)
    return dcgan


def _add_infogan(tasks, dcgan) -> None:
    infogan = tasks.add_parser(
        "infogan", help="InfoGAN on an image dataset: controllable categorical and continuous codes",
        description=("Train an InfoGAN (kgan.GAN.infogan + kgan.terms.MutualInformation). Writes "
                     "samples/epoch_*.png, traversal_cat*.png (rows: categorical values, columns: continuous "
                     "code 0 from -2 to 2), generator.keras, gan.keras and metrics.json to --out."))
    for action in dcgan._actions:  # the same data/training options as dcgan
        if action.dest not in ("help", "latent_dim", "out", "recipe"):
            infogan._add_action(action)
    infogan.add_argument("--out", default="runs/infogan", help="output directory (default runs/infogan)")
    infogan.add_argument("--noise", type=int_between(0), default=62, help="incompressible noise size (default 62)")
    infogan.add_argument("--categorical", type=int_between(2), nargs="*", default=[10], metavar="K",
                         help="values of each categorical code (default: one code with 10)")
    infogan.add_argument("--continuous", type=int_between(0), default=2, help="continuous codes (default 2)")
    infogan.add_argument("--network", choices=("mlp", "dcgan"), default="mlp",
                         help="mlp (default): the image MLPs, the measured recipe for 28x28 grayscale images; "
                              "dcgan: convolutions of --width, for larger or colour images")
    infogan.add_argument("--continuous-weight", type=positive_float, default=0.1,
                         help="weight of the continuous codes' likelihood (default 0.1; see docs)")
    infogan.add_argument("--recipe", choices=("modern", "paper"), default="modern",
                         help="modern (default): DiffAugment in front of D and Q, measured to make the "
                              "categorical code follow the garment type (purity 0.81 against 0.72 after 3 "
                              "epochs, docs/infogan.md); paper: the InfoGAN paper's plain D")
    infogan.set_defaults(handler=train_infogan)


def _add_reliability_options(task) -> None:
    """The divergence guard and backup/resume options of the image training tasks (docs/checkpoints.md)."""
    group = task.add_argument_group("divergence guard, backup and resume (see docs/checkpoints.md)")
    group.add_argument("--no-guard", dest="guard", action="store_false",
                       help="switch off kgan.callbacks.DivergenceGuard (on by default: it stops on NaN/inf or "
                            "a collapsed D and restores the last good weights)")
    group.add_argument("--backup-every", type=int_between(1), default=None, metavar="STEPS",
                       help="back up to OUT/backup every STEPS batches (default: at every epoch end)")
    group.add_argument("--restart", action="store_true",
                       help="delete OUT/backup and start over (by default an interrupted run resumes from it)")


def train_dcgan(args) -> int:
    return _train_images_reporting_full_disk(args, "dcgan")


def train_infogan(args) -> int:
    return _train_images_reporting_full_disk(args, "infogan")


def _train_images_reporting_full_disk(args, kind) -> int:
    try:
        return _train_images(args, kind)
    except _atomic.DiskFullError as err:  # e.g. from a sample grid mid-run: one line, files left whole
        return fail(str(err))


def _mkdir(path: Path):
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise SystemExit(fail(f"cannot create output directory {path}: {err.strerror}")) from None


def _build(kind, image_shape, args):
    import kgan

    if kind == "dcgan":
        gan = kgan.GAN.dcgan(image_shape, latent_dim=args.latent_dim, width=args.width, seed=args.seed)
    else:
        gan = kgan.GAN.infogan(image_shape, noise=args.noise, categorical=args.categorical,
                               continuous=args.continuous, width=args.width, seed=args.seed, network=args.network)
    if args.recipe == "modern":  # DiffAugment in front of D (and Q): the Python equivalent is these lines
        augmented = kgan.nets.augmented(gan.discriminator, seed=args.seed)  # (docs/modern-stack.md, docs/infogan.md)
        gan = kgan.GAN(gan.generator, augmented, latent=gan.latent, seed=args.seed, name=kind, recipe=kind)
    if kind == "dcgan":
        gan.compile(loss=args.loss, ema=0.999 if args.recipe == "modern" else None)
    else:
        # No optimizers: the preset's recipe, the InfoGAN paper's rates (G, with Q's signal to
        # follow, learns faster than D).
        gan.compile(loss=args.loss, terms=[kgan.terms.MutualInformation(gan.latent, continuous_weight=args.continuous_weight)])
    return gan


def _train_images(args, kind) -> int:
    import keras

    import kgan
    from kgan import _gan_ema, pixels

    out = Path(args.out)
    _mkdir(out)
    keras.utils.set_random_seed(args.seed)
    args.batch_size = args.batch_size or (32 if kind == "dcgan" and args.recipe == "modern" else 64)
    try:
        data = kgan.data.images(args.data, args.batch_size, seed=args.seed, limit=args.limit,
                                image_size=(args.image_size, args.image_size) if args.image_size else None)
    except (FileNotFoundError, ValueError) as err:  # DatasetNotFoundError is a FileNotFoundError
        return fail(str(err))
    image_shape = tuple(data.element_spec.shape[1:])
    try:
        gan = _build(kind, image_shape, args)
    except ValueError as err:
        hint = " (use --image-size 32 to resize)" if "DCGAN nets support" in str(err) else ""
        return fail(f"{err}{hint}")
    try:
        guard, backup = _reliability_callbacks(args, out, gan)
    except ValueError as err:
        return fail(str(err))
    grids = kgan.callbacks.SampleGrid(out / "samples", n=64, seed=args.seed)
    started = time.perf_counter()
    # The guard comes first: when it restores good weights, the backup and the grids see them.
    callbacks = [c for c in (guard, backup) if c is not None] + [grids]
    history = gan.fit(data, epochs=args.epochs, callbacks=callbacks, verbose=progress_verbose(args))
    seconds = time.perf_counter() - started
    stopped = guard is not None and guard.stopped
    if stopped:
        print(guard.message, file=sys.stderr)
    bad = kgan.callbacks.non_finite_variables(gan)
    if bad:  # only reachable with --no-guard
        return fail(f"training diverged: {len(bad)} variable(s) hold NaN/inf; no model was saved. Lower the "
                    "learning rate, try --loss least_squares or another --seed, and keep the guard on.")
    try:  # atomic saves: a kill or a full disk leaves the previous files whole
        # The generator to sample: the average when the recipe keeps one (what gan.generate uses too).
        _atomic.save_model(_gan_ema.sampling_generator(gan), out / "generator.keras")
        gan.save(out / "gan.keras")
    except OSError as err:  # DiskFullError: one line, not a traceback (or an h5py crash)
        return fail(f"cannot save the model: {err}")
    extra = []
    if kind == "infogan":
        from kgan.apps import latent

        for i in range(len(gan.latent.categorical)):
            path = out / f"traversal_cat{i}.png"
            pixels.save_png(str(path), latent.code_traversal_figure(
                gan, categorical=i, continuous=0 if gan.latent.continuous else None, seed=args.seed))
            extra.append(path.name)
    summary = {
        "task": kind, "data": args.data, "image_shape": list(image_shape), "epochs": args.epochs,
        "batch_size": args.batch_size, "loss": args.loss, "recipe": getattr(args, "recipe", None), "seed": args.seed, "seconds": round(seconds, 2),
        "final": {k: round(float(v[-1]), 5) for k, v in history.history.items()},
        "history": {k: [round(float(x), 5) for x in v] for k, v in history.history.items()},
        "samples": [str(Path(p).relative_to(out)) for p in grids.paths], "out": str(out),
        "resumed_from": backup.resumed_from, "stopped": guard.message if stopped else None,
    }
    _atomic.atomic_write_text(out / "metrics.json", json.dumps(summary, indent=2) + "\n")
    _remove_backup(out)  # only now that the outputs are written: a crash before this still resumes
    if stopped:
        return fail(f"training stopped early ({guard.reason}); wrote the last good state to {out}/.")
    if not args.quiet:
        final = "  ".join(f"{k} {v:.4f}" for k, v in summary["final"].items())
        print(f"\n{kind} on {args.data} {image_shape}: {args.epochs} epoch(s) in {seconds:.1f} s; {final}")
        print(f"wrote {out}/: samples/epoch_*.png {' '.join(extra)} generator.keras gan.keras metrics.json".replace("  ", " "))
        print(f"next: kgan evaluate {out}/gan.keras --data {args.data}")
    if args.json:
        print(json.dumps({k: v for k, v in summary.items() if k != "history"}))
    return 0


def _reliability_callbacks(args, out, gan):
    """(DivergenceGuard or None, BackupAndRestore on OUT/backup): resume unless --restart."""
    import kgan

    if args.restart and _remove_backup(out):
        print(f"kgan: --restart: deleted the backup in {out / 'backup'}; starting over.")
    weights = out / "backup" / "latest.weights.h5"
    if weights.exists():
        try:  # the callback loads it again in fit(); a mismatch is reported here, without a traceback
            gan.load_weights(weights)
        except Exception as err:  # noqa: BLE001 - h5py/Keras raise several types for a mismatch
            raise ValueError(f"{out / 'backup'} holds a backup of another model or other settings (its weights "
                             f"do not fit this network: {type(err).__name__}). Run with the interrupted run's "
                             "settings to resume, or add --restart to start over.") from None
    guard = kgan.callbacks.DivergenceGuard(verbose=False) if args.guard else None
    # delete_checkpoint=False: the handler deletes the backup once gan.keras & co. are written.
    backup = kgan.callbacks.BackupAndRestore(out / "backup", save_freq=args.backup_every or "epoch",
                                             delete_checkpoint=False)
    return guard, backup


def _remove_backup(out) -> bool:
    import shutil

    path = Path(out) / "backup"
    if not path.exists():
        return False
    shutil.rmtree(path)
    return True
