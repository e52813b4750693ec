"""Sample-quality metrics on Fashion-MNIST: what each costs at n = 10,000, and what it says.

    python benchmarks/evaluation_metrics.py cost                         # seconds per metric, 10,000 vs 10,000
    python benchmarks/evaluation_metrics.py values --model runs/dcgan/gan.keras   # every metric, real-vs-real
                                                                                  # beside a trained DCGAN
    python benchmarks/evaluation_metrics.py callback --model runs/dcgan/gan.keras # SampleQuality's seconds
                                                                                  # per evaluation

Each part prints a table and merges its numbers into benchmarks/results/evaluation_metrics.json.
All features come from the project's shipped classifier (128-d); nothing is downloaded.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import _results  # benchmarks/_results.py (the script's folder is on sys.path)

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "evaluation_metrics.json"


def _timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, round(time.perf_counter() - start, 3)


def cost(n: int = 10_000):
    import numpy as np

    import kgan

    x_train, _ = kgan.data.image_arrays("fashion_mnist", "train")
    x_test, _ = kgan.data.image_arrays("fashion_mnist", "test")
    train = x_train[np.random.default_rng(0).choice(len(x_train), n, replace=False)]
    test = x_test[:n]
    classifier = kgan.metrics.fashion_mnist_classifier()
    encoder = kgan.metrics.FrechetDistance(kgan.metrics.feature_extractor(classifier))
    (real, features_s) = _timed(lambda: encoder.features(test))
    fake = encoder.features(train)
    m = kgan.metrics
    rows = {"features (10,000 images, classifier forward pass)": features_s}
    for name, fn in (
        ("Fréchet distance", lambda: m.sample_quality(real, fake, ("fd",))),
        ("KID (100 subsets of 1,000)", lambda: m.kernel_distance(real, fake, seed=0)),
        ("precision/recall (k=3)", lambda: m.precision_recall(real, fake, 3)),
        ("density/coverage (k=5)", lambda: m.density_coverage(real, fake, 5)),
        ("classifier score (10 splits)", lambda: m.ClassifierScore(classifier)(train)),
    ):
        rows[name] = _timed(fn)[1]
    print(f"{n:,} vs {n:,} images, {os.cpu_count()} CPU cores")
    for name, seconds in rows.items():
        print(f"  {name:52}{seconds:>8.2f} s")
    _results.merge(RESULTS, "cost", {"n": n, "cpu_cores": os.cpu_count(), "seconds": rows})


def values(model: str, n: int = 10_000):
    from kgan.apps import evaluation

    report = evaluation.evaluate(evaluation.load_sampler(model), data="fashion_mnist", n=n, seed=0, verbose=1)
    print(report.table())
    print(f"({report.seconds:.0f} s)")
    _results.merge(RESULTS, "values", {"model": os.path.relpath(model, ROOT) if os.path.isabs(model) else model,
                                       **report.to_dict()})


def callback(model: str, sizes=(2000, 10_000)):
    import keras

    import kgan

    gan = keras.models.load_model(model)
    x_test, _ = kgan.data.image_arrays("fashion_mnist", "test")
    rows = []
    for n in sizes:
        quality = kgan.callbacks.SampleQuality("fashion_mnist", x_test, n=n, metrics=("fd", "kid"))
        quality.set_model(gan)
        _, first = _timed(quality.evaluate)        # includes the reference set's features, once
        values, later = _timed(quality.evaluate)   # what every later epoch costs
        rows.append({"n": n, "metrics": "fd, kid", "first_evaluation_s": first, "each_later_evaluation_s": later,
                     **{k: round(v, 5) for k, v in values.items()}})
        print(f"SampleQuality n={n}: first evaluation {first:.1f} s (reference features included), "
              f"then {later:.1f} s per evaluation; {values}")
    _results.merge(RESULTS, "callback", {"model": os.path.basename(model), "rows": rows})


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("part", choices=("cost", "values", "callback"))
    parser.add_argument("--model", help="a trained gan.keras (for values and callback)")
    parser.add_argument("--n", type=int, default=10_000)
    args = parser.parse_args()
    if args.part == "cost":
        cost(args.n)
    elif not args.model:
        parser.error(f"{args.part} needs --model runs/.../gan.keras (e.g. from kgan train dcgan)")
    elif args.part == "values":
        values(args.model, args.n)
    else:
        callback(args.model)


if __name__ == "__main__":
    main()
