"""InfoGAN's recipes, measured as users run them: ``kgan train infogan --epochs 3 --recipe modern|paper``.

    python benchmarks/infogan_recipe.py                    # both recipes, seeds 0 1 2 (about 15 CPU-minutes)
    python benchmarks/infogan_recipe.py --seeds 0 --recipes modern
    python benchmarks/infogan_recipe.py --smoke            # 512 images, 1 epoch: checks the script runs

Each run is the CLI command itself (a subprocess, default settings but the seed and the
recipe). The saved ``gan.keras`` is then scored with the project's Fashion-MNIST classifier:
for each value of the 10-way categorical code, ``--per-code`` generated images (other codes
drawn from the prior), their predicted garments, and

- purity: the share of the majority garment per code value, averaged over the 10 values
  (a code G ignores scores about the garments' base rate; a collapsed G scores 1, so
  also count the distinct majority garments);
- NMI between code value and predicted garment.

Target (issue 18): purity >= 0.70 after 3 epochs with the default settings. Prints a table,
writes benchmarks/results/infogan_recipe.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import _results  # benchmarks/_results.py (the script's folder is on sys.path)
import numpy as np
from improved_gan import code_label_table, purity_and_nmi

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "infogan_recipe.json"
RUNS = ROOT / "runs" / "bench-infogan-recipe"


def train(recipe: str, seed: int, epochs: int, limit: int | None) -> tuple[Path, float]:
    out = RUNS / f"{recipe}-seed{seed}"
    argv = [sys.executable, "-m", "kgan.cli", "train", "infogan", "--data", "fashion_mnist", "--epochs", str(epochs),
            "--seed", str(seed), "--recipe", recipe, "--out", str(out), "--restart", "--quiet"]
    if limit:
        argv += ["--limit", str(limit)]
    started = time.perf_counter()
    subprocess.run(argv, check=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    return out / "gan.keras", time.perf_counter() - started


def score(path: Path, per_code: int) -> dict:
    import keras

    import kgan

    gan = keras.models.load_model(path)
    classifier = kgan.metrics.fashion_mnist_classifier(rebuild_if_missing=False)
    codes, labels = code_label_table(gan.generator, gan.latent, classifier, per_code)
    purity, nmi, table = purity_and_nmi(codes, labels)
    return {"purity": round(purity, 4), "nmi": round(nmi, 4),
            "distinct_majority_labels": len(set(table.argmax(axis=1).tolist())), "counts": table.tolist()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipes", nargs="+", default=["modern", "paper"], choices=("modern", "paper"))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--per-code", type=int, default=1000)
    parser.add_argument("--smoke", action="store_true", help="512 images, 1 epoch, 50 per code; no results file")
    args = parser.parse_args(argv)
    limit, epochs, per_code = (512, 1, 50) if args.smoke else (None, args.epochs, args.per_code)
    rows = []
    for recipe in args.recipes:
        for seed in args.seeds:
            path, seconds = train(recipe, seed, epochs, limit)
            row = {"recipe": recipe, "seed": seed, "epochs": epochs, "train_seconds": round(seconds, 1),
                   **score(path, per_code)}
            rows.append(row)
            print(f"{recipe:8} seed {seed}: purity {row['purity']:.3f}  NMI {row['nmi']:.3f}  "
                  f"{row['distinct_majority_labels']} distinct garments  ({seconds:.0f} s)", flush=True)
    print(f"\nkgan train infogan --epochs {epochs}: categorical code vs the classifier's garment "
          f"({per_code} images per code value)")
    print(f"{'recipe':10}{'seeds':>8}{'purity mean':>14}{'min':>8}{'NMI mean':>11}{'s/run':>8}")
    summary = {}
    for recipe in args.recipes:
        mine = [r for r in rows if r["recipe"] == recipe]
        purities = [r["purity"] for r in mine]
        summary[recipe] = {"purity_mean": round(float(np.mean(purities)), 4), "purity_min": min(purities),
                           "nmi_mean": round(float(np.mean([r["nmi"] for r in mine])), 4),
                           "seconds_mean": round(float(np.mean([r["train_seconds"] for r in mine])), 1)}
        s = summary[recipe]
        print(f"{recipe:10}{len(mine):>8}{s['purity_mean']:>14.3f}{s['purity_min']:>8.3f}{s['nmi_mean']:>11.3f}"
              f"{s['seconds_mean']:>8.0f}")
    if args.smoke:
        return
    _results.merge(RESULTS, "infogan_recipe", {
        "command": f"kgan train infogan --data fashion_mnist --epochs {epochs} --seed S --recipe R",
        "per_code": per_code, "rows": rows, "summary": summary,
        "target": "purity >= 0.70 after 3 epochs with the default settings (--recipe modern)",
        "met": bool("modern" in summary and summary["modern"]["purity_mean"] >= 0.70)})
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
