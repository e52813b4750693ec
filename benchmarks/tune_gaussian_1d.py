"""Benchmark a keras-tuner sweep of the D/G learning rates on the 1-D task.

    python benchmarks/tune_gaussian_1d.py              # 20 trials of 1000 steps, then 3 seeds each of best and default
    python benchmarks/tune_gaussian_1d.py --quick      # 4 trials of 200 steps, 1 seed

A 20-trial random search (`kgan.tuning.LearningRateBalance`, the tutorial's modern
recipe with D's and G's Adam rates in [1e-4, 3e-2] on a log scale, everything
else fixed) ranks trials by W1 on 10,000 samples. The best rates and the
recipe's untuned defaults (1e-3 for both) are then retrained with the same
step budget on seeds 0, 1, 2, so that "the best trial beats the defaults" is
not one lucky seed. Prints tables, writes benchmarks/results/tune_gaussian_1d.json,
the trials table/figure in --out, and docs/figures/tuning_lr_plane.png.
Re-running continues an interrupted sweep in --out (keras-tuner's resumption).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "tune_gaussian_1d.json"
FIGURE = ROOT / "docs" / "figures" / "tuning_lr_plane.png"


def retrain(hypermodel_kwargs, values, seed):
    """Train the preset once with fixed hyperparameters; returns (W1, train seconds)."""
    import keras_tuner

    from kgan import tuning

    space = {k: values[k] for k in ("d_learning_rate", "g_learning_rate", "beta_1", "d_steps", "loss")}
    model = tuning.GANHyperModel("gaussian-1d", space=space, seed=seed, **hypermodel_kwargs)
    hp = keras_tuner.HyperParameters()
    result = model.fit(hp, model.build(hp))
    return result["w1"], result["train_seconds"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="4 trials of 200 steps, one seed")
    parser.add_argument("--out", default="runs/bench-tune-gaussian-1d", help="the sweep's directory (resumable)")
    parser.add_argument("--fresh", action="store_true", help="delete an earlier sweep in --out first")
    args = parser.parse_args()
    trials, epochs, steps_per_epoch, seeds = (4, 2, 100, [0]) if args.quick else (20, 10, 100, [0, 1, 2])
    if args.fresh:
        shutil.rmtree(args.out, ignore_errors=True)

    from kgan import tuning

    started = time.perf_counter()
    sweep = tuning.LearningRateBalance("gaussian-1d", tuner="random", max_trials=trials, directory=args.out,
                                       epochs=epochs, steps_per_epoch=steps_per_epoch, seed=0)
    done_before = len([r for r in sweep.results() if r["status"] in ("COMPLETED", "FAILED")])
    sweep.search()
    search_seconds = time.perf_counter() - started
    rows = sweep.results()
    print(f"\n{len(rows)} trials ({done_before} finished before this run), {epochs * steps_per_epoch} steps each; "
          f"search wall time {search_seconds:.0f} s\n")
    print(sweep.results_table())
    best = sweep.best_hyperparameters()

    kwargs = dict(epochs=epochs, steps_per_epoch=steps_per_epoch)
    untuned = tuning.Gaussian1D.untuned
    comparison = {"default": [], "best": []}
    for seed in seeds:
        for label, values in (("default", untuned), ("best", {**untuned, **best})):
            w1, seconds = retrain(kwargs, values, seed)
            comparison[label].append({"seed": seed, "w1": w1, "train_seconds": seconds})
    print(f"\nRetrained with the same budget ({epochs * steps_per_epoch} steps) on seeds {seeds}:")
    print(f"  {'':34}{'W1 per seed':>28}{'mean':>9}")
    summary = {}
    for label, runs in comparison.items():
        w1s = [r["w1"] for r in runs]
        summary[label] = statistics.mean(w1s)
        rates = (untuned if label == "default" else best)
        name = f"{label} (D {rates['d_learning_rate']:.2e}, G {rates['g_learning_rate']:.2e})"
        print(f"  {name:34}{'  '.join(f'{w:.4f}' for w in w1s):>28}{summary[label]:>9.4f}")

    # The figure, with the untuned default's W1 on the sweep's seed (0) beside the trials.
    FIGURE.parent.mkdir(parents=True, exist_ok=True)
    tuning.plot_trials(sweep, FIGURE, "w1", default=(1e-3, 1e-3, comparison["default"][0]["w1"]),
                       title=f"{len(rows)}-trial random search, {epochs * steps_per_epoch} steps each: W1 (lower is better)")

    completed = [r for r in rows if r["status"] == "COMPLETED"]
    per_trial = [r["train_seconds"] + r["eval_seconds"] for r in completed]
    result = {
        "settings": {"trials": trials, "tuner": "random", "epochs": epochs, "steps_per_epoch": steps_per_epoch,
                     "steps_per_trial": epochs * steps_per_epoch, "batch_size": 512, "seeds_retrained": seeds,
                     "space": sweep.hypermodel.space.get_config(), "objective": "W1 on 10,000 samples vs N(-1, 1)"},
        "trials": rows,
        "failed_trials": len(rows) - len(completed),
        "best": best,
        "default": untuned,
        "retrained": comparison,
        "mean_w1": summary,
        "best_beats_default": summary["best"] < summary["default"],
        "seconds_per_trial": {"mean_train_plus_eval": statistics.mean(per_trial) if per_trial else None,
                              "search_wall_over_trials_this_run": search_seconds / max(1, len(rows) - done_before)},
        "search_wall_seconds": search_seconds,
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "load_average": os.getloadavg()},
    }
    if not args.quick:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(result, indent=2, default=float) + "\n")
    print(f"\nbest beats default (mean W1 over seeds {seeds}): {result['best_beats_default']}")
    print(f"seconds per trial (train + eval, mean): {result['seconds_per_trial']['mean_train_plus_eval']:.1f}; "
          f"search wall / trial this run: {result['seconds_per_trial']['search_wall_over_trials_this_run']:.1f}")
    print(f"wrote {sweep.project_dir}/trials.md, trials.csv, trials.png, {FIGURE}" + ("" if args.quick else f", {RESULTS}"))


if __name__ == "__main__":
    main()
