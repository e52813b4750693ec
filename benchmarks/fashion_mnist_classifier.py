"""Train the project's Fashion-MNIST evaluation classifier and ship it with the package.

    python benchmarks/fashion_mnist_classifier.py          # ~30 minutes on 2 idle CPU cores

Writes kgan/assets/fashion_mnist_classifier.keras (the feature model of
kgan.metrics.FrechetDistance for "fashion_mnist") and
benchmarks/results/fashion_mnist_classifier.json. Target: test accuracy >= 0.90.
Needs Fashion-MNIST (offline: apt-get install -y dataset-fashion-mnist).
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ASSET = ROOT / "kgan" / "assets" / "fashion_mnist_classifier.keras"
RESULTS = ROOT / "benchmarks" / "results" / "fashion_mnist_classifier.json"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(ASSET), help="where to save the model (default: the package asset)")
    args = parser.parse_args(argv)

    from kgan.metrics import classifiers

    start = time.perf_counter()
    model, accuracy = classifiers.train_fashion_mnist_classifier(epochs=args.epochs, seed=args.seed, path=args.out)
    seconds = time.perf_counter() - start
    result = {
        "test_accuracy": round(accuracy, 4),
        "target": ">= 0.90",
        "epochs": args.epochs,
        "seed": args.seed,
        "parameters": model.count_params(),
        "train_seconds": round(seconds, 1),
        "file_bytes": Path(args.out).stat().st_size,
        "machine": f"{platform.processor() or platform.machine()}, {platform.python_version()}",
    }
    print(f"{'metric':<16}{'value':>12}")
    for key in ("test_accuracy", "parameters", "train_seconds", "file_bytes"):
        print(f"{key:<16}{result[key]:>12}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out} and {RESULTS}")


if __name__ == "__main__":
    main()
