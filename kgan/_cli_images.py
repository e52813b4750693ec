"""Handlers of the image commands of ``kgan`` (``train dcgan``, ``sample``, ``evaluate``).

Thin: each builds what the user would write in Python, runs it and reports.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def _fail(message: str) -> int:
    print(f"kgan: error: {message}", file=sys.stderr)
    return 1


def _mkdir(path: Path):
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise SystemExit(_fail(f"cannot create output directory {path}: {err.strerror}")) from None


def train_dcgan(args) -> int:
    return _train_images(args, "dcgan")


def train_infogan(args) -> int:
    return _train_images(args, "infogan")


def _build(kind, image_shape, args):
    import kgan

    if kind == "dcgan":
        gan = kgan.GAN.dcgan(image_shape, latent_dim=args.latent_dim, width=args.width, seed=args.seed)
        gan.compile(loss=args.loss)
    else:
        import keras

        gan = kgan.GAN.infogan(image_shape, noise=args.noise, categorical=args.categorical,
                               continuous=args.continuous, width=args.width, seed=args.seed, network=args.network)
        # The InfoGAN paper's rates: G (with Q's signal to follow) learns faster than D.
        gan.compile(loss=args.loss, d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
                    g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
                    terms=[kgan.terms.MutualInformation(gan.latent, continuous_weight=args.continuous_weight)])
    return gan


def _train_images(args, kind) -> int:
    import keras

    import kgan

    out = Path(args.out)
    _mkdir(out)
    keras.utils.set_random_seed(args.seed)
    try:
        data = kgan.data.images(args.data, args.batch_size, seed=args.seed, limit=args.limit,
                                image_size=(args.image_size, args.image_size) if args.image_size else None)
    except (FileNotFoundError, ValueError) as err:  # DatasetNotFoundError is a FileNotFoundError
        return _fail(str(err))
    image_shape = tuple(data.element_spec.shape[1:])
    try:
        gan = _build(kind, image_shape, args)
    except ValueError as err:
        hint = " (use --image-size 32 to resize)" if "DCGAN nets support" in str(err) else ""
        return _fail(f"{err}{hint}")
    try:
        guard, backup = _reliability_callbacks(args, out, gan)
    except ValueError as err:
        return _fail(str(err))
    grids = kgan.callbacks.SampleGrid(out / "samples", n=64, seed=args.seed)
    started = time.perf_counter()
    # The guard comes first: when it restores good weights, the backup and the grids see them.
    callbacks = [c for c in (guard, backup) if c is not None] + [grids]
    history = gan.fit(data, epochs=args.epochs, callbacks=callbacks, verbose=0 if args.quiet else 2)
    seconds = time.perf_counter() - started
    stopped = guard is not None and guard.stopped
    if stopped:
        print(guard.message, file=sys.stderr)
    bad = kgan.callbacks.non_finite_variables(gan)
    if bad:  # only reachable with --no-guard
        return _fail(f"training diverged: {len(bad)} variable(s) hold NaN/inf; no model was saved. Lower the "
                     "learning rate, try --loss least_squares or another --seed, and keep the guard on.")
    gan.generator.save(out / "generator.keras")
    gan.save(out / "gan.keras")
    extra = []
    if kind == "infogan":
        from kgan.apps import latent

        for i in range(len(gan.latent.categorical)):
            path = out / f"traversal_cat{i}.png"
            kgan.apps.save_png(str(path), latent.code_traversal(
                gan, categorical=i, continuous=0 if gan.latent.continuous else None, seed=args.seed))
            extra.append(path.name)
    summary = {
        "task": kind, "data": args.data, "image_shape": list(image_shape), "epochs": args.epochs,
        "batch_size": args.batch_size, "loss": args.loss, "seed": args.seed, "seconds": round(seconds, 2),
        "final": {k: round(float(v[-1]), 5) for k, v in history.history.items()},
        "history": {k: [round(float(x), 5) for x in v] for k, v in history.history.items()},
        "samples": [str(Path(p).relative_to(out)) for p in grids.paths], "out": str(out),
        "resumed_from": backup.resumed_from, "stopped": guard.message if stopped else None,
    }
    (out / "metrics.json").write_text(json.dumps(summary, indent=2) + "\n")
    _remove_backup(out)  # only now that the outputs are written: a crash before this still resumes
    if stopped:
        return _fail(f"training stopped early ({guard.reason}); wrote the last good state to {out}/.")
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


def _sampler(args):
    from kgan.apps import evaluation

    path = Path(args.model)
    if not path.exists():
        raise SystemExit(_fail(f"no such model file: {path}"))
    try:
        return evaluation.load_sampler(path, latent=args.latent)
    except (ValueError, TypeError) as err:
        raise SystemExit(_fail(str(err))) from None


def sample(args) -> int:
    import numpy as np

    from kgan import pixels

    sampler = _sampler(args)
    try:
        images = sampler.generate(args.n, seed=args.seed, fixed=_parse_codes(args.code))
    except ValueError as err:
        return _fail(str(err))
    if not np.isfinite(images).all():
        return _fail("the generator produced NaN/inf values: the model is broken (diverged training?).")
    written = []
    if args.out:
        written.append(pixels.save_png(args.out, pixels.image_grid(images, cols=args.cols)))
    if args.npy:
        Path(args.npy).parent.mkdir(parents=True, exist_ok=True)
        npy = args.npy if str(args.npy).endswith(".npy") else f"{args.npy}.npy"  # what np.save writes
        np.save(npy, images.astype(np.float32))
        written.append(npy)
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


def evaluate(args) -> int:
    from kgan.apps import evaluation

    sampler = _sampler(args)
    try:
        report = evaluation.evaluate(sampler, data=args.data, n=args.n, seed=args.seed)
    except (FileNotFoundError, ValueError) as err:
        return _fail(str(err))
    if args.json:
        print(json.dumps(report.to_dict()))
    else:
        print(report.table())
    return 0
