"""Standing statistics: does re-estimating G's BatchNormalization statistics improve its samples?

    python benchmarks/standing_statistics.py                          # 6,000 images (seeds 0 1 2) and the full set (seed 0)
    python benchmarks/standing_statistics.py --limit 6000 --seeds 0   # one part
    python benchmarks/standing_statistics.py --smoke                  # 256 images, 1 epoch, n=200: the script runs

Trains the default DCGAN recipe (`kgan train dcgan`'s ``modern``: the paper's networks at width
16, batch 32, DiffAugment, ``ema=0.999``; built by benchmarks/modern_recipes.py) and after
epochs 1, 2 and 5 scores four samplers with the project classifier's FD and KID (5,000 images
against 5,000 test images, as in modern_recipes.py):

- ``live``: the live G with its moving statistics (momentum 0.99 over training batches);
- ``live_standing``: the live G after `kgan.nets.standing_statistics` (16 x 256 latents);
- ``ema_copied``: the average with the live G's statistics copied (kgan before this change);
- ``ema``: the average as ``fit`` leaves it now, its statistics re-estimated for its own weights.

Prints a table, writes benchmarks/results/standing_statistics.json.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import _results  # benchmarks/_results.py (the script's folder is on sys.path)
import modern_recipes

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "standing_statistics.json"
SAMPLERS = ("live", "live_standing", "ema_copied", "ema")


def _bn_pairs(gan):
    import kgan

    return list(zip(kgan.nets.batch_norm.batch_norm_layers(gan.ema.generator),
                    kgan.nets.batch_norm.batch_norm_layers(gan.generator), strict=True))


def score_samplers(gan, evaluator) -> dict:
    """FD and KID of each sampler; the GAN's weights are as they were afterwards."""
    import keras

    import kgan

    def quality(generator):
        z = gan.latent.sample(evaluator.n, seed=keras.random.SeedGenerator(modern_recipes.EVAL_SEED))
        fake = keras.ops.convert_to_numpy(generator.predict(z, batch_size=1000, verbose=0))
        return evaluator.quality(evaluator.metric.features(fake))

    out = {"live": quality(gan.generator), "ema": quality(gan.ema.generator)}
    live_weights, ema_weights = gan.generator.get_weights(), gan.ema.generator.get_weights()
    for average, live in _bn_pairs(gan):
        average.moving_mean.assign(live.moving_mean)
        average.moving_variance.assign(live.moving_variance)
    out["ema_copied"] = quality(gan.ema.generator)
    gan.ema.generator.set_weights(ema_weights)
    draws = keras.random.SeedGenerator(0)
    kgan.nets.standing_statistics(gan.generator, [gan.latent.sample(256, seed=draws) for _ in range(16)])
    out["live_standing"] = quality(gan.generator)
    gan.generator.set_weights(live_weights)
    return out


def run(limit, seed, epochs, evaluator, width) -> list[dict]:
    import kgan

    gan = modern_recipes.build("modern", {}, width, seed, 0.999)
    data = kgan.data.images("fashion_mnist", batch_size=modern_recipes.MODERN_BATCH, seed=seed, limit=limit)
    rows, start = [], 0
    for epoch in epochs:
        gan.fit(data, epochs=epoch, initial_epoch=start, verbose=0)  # fit's end re-estimates the average's
        start = epoch
        scores = score_samplers(gan, evaluator)
        row = {"limit": limit, "seed": seed, "epoch": epoch, "width": width, **scores}
        rows.append(row)
        print(f"{'full' if limit is None else limit:>6} seed {seed} epoch {epoch}: " + "  ".join(
            f"{name} {scores[name]['fd']:.2f}/{scores[name]['kid']:.3f}" for name in SAMPLERS), flush=True)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, nargs="*", help="training images per part (0: all); default 6000 0")
    parser.add_argument("--seeds", type=int, nargs="+", help="default 0 1 2 on 6,000 images, 0 on the full set")
    parser.add_argument("--epochs", default="1,2,5")
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args(argv)
    epochs = [int(e) for e in args.epochs.split(",")]
    evaluator = modern_recipes.Evaluator(200 if args.smoke else 5000, kid_subsets=10 if args.smoke else 100)
    parts = [(256, [0])] if args.smoke else [
        (limit or None, args.seeds or ([0, 1, 2] if limit else [0])) for limit in (args.limit or [6000, 0])]
    rows = []
    for limit, seeds in parts:
        for seed in seeds:
            rows += run(limit, seed, [1] if args.smoke else epochs, evaluator, 4 if args.smoke else args.width)
    print(f"\nFD / KID after each epoch ({evaluator.n} images), the default DCGAN recipe")
    print(f"{'data':>6}{'seed':>5}{'epoch':>6}" + "".join(f"{name:>18}" for name in SAMPLERS))
    for r in rows:
        print(f"{'full' if r['limit'] is None else r['limit']:>6}{r['seed']:>5}{r['epoch']:>6}" + "".join(
            f"{r[name]['fd']:>11.2f} {r[name]['kid']:.3f}" for name in SAMPLERS))
    if args.smoke:
        return
    old = json.loads(RESULTS.read_text()).get("rows", []) if RESULTS.exists() else []
    key = lambda r: (r["limit"], r["seed"], r["epoch"], r["width"])  # noqa: E731
    mine = {key(r) for r in rows}
    _results.merge(RESULTS, "rows", sorted([r for r in old if key(r) not in mine] + rows,
                                           key=lambda r: (r["limit"] is None, r["limit"] or 0, r["seed"], r["epoch"])),
                   settings={"recipe": "modern (kgan train dcgan's default) at width 16", "n": evaluator.n,
                             "standing_statistics": "16 batches of 256 latents, seed 0"})


if __name__ == "__main__":
    main()
