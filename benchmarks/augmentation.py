"""DiffAugment: the policies on one Fashion-MNIST image (a figure) and the cost per training step.

    python benchmarks/augmentation.py               # both parts, about a minute on 2 CPU cores
    python benchmarks/augmentation.py --part figure
    python benchmarks/augmentation.py --part cost

``figure`` writes docs/figures/augmentation_policies.png: one image, a row per policy, a
column per random draw (p=1). ``cost`` times a small DCGAN (``kgan.GAN.dcgan((28, 28, 1),
width=16)``, batch 64) with and without ``kgan.nets.augmented`` in front of D, interleaved
rounds, the first epoch of each fit (tracing) excluded; wall and CPU time per step. Results
go to benchmarks/results/augmentation.json.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import keras
import numpy as np

import kgan
from kgan import pixels

ROOT = Path(__file__).parent.parent
FIGURE = ROOT / "docs" / "figures" / "augmentation_policies.png"
RESULTS = Path(__file__).parent / "results" / "augmentation.json"
ROWS = ("color", "translation", "cutout", "color,translation,cutout")


def fashion_mnist(n):
    batches = kgan.data.images("fashion_mnist", batch_size=n, limit=n, seed=0, shuffle=False)
    return next(iter(batches)).numpy()


def figure(draws: int = 8):
    image = fashion_mnist(1)  # an ankle boot, in [-1, 1]
    cells = []
    for row, policy in enumerate(ROWS):
        layer = kgan.layers.DiffAugment(policy, seed=row)
        cells.append(np.concatenate([image, keras.ops.convert_to_numpy(
            layer(np.repeat(image, draws, axis=0), training=True))]))
    grid = pixels.figure(np.clip(np.concatenate(cells), -1.0, 1.0), cols=draws + 1,
                         col_labels=["original"] + [f"draw {i + 1}" for i in range(draws)],
                         row_labels=[r.replace(",", "+") for r in ROWS], min_cell=56)
    pixels.save_png(str(FIGURE), grid)
    print(f"wrote {FIGURE.relative_to(ROOT)}")


class EpochTimer(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.wall, self.cpu = [], []

    def on_epoch_begin(self, epoch, logs=None):
        self._wall, self._cpu = time.perf_counter(), time.process_time()

    def on_epoch_end(self, epoch, logs=None):
        self.wall.append(time.perf_counter() - self._wall)
        self.cpu.append(time.process_time() - self._cpu)


def cost(rounds: int = 5, steps: int = 16, batch_size: int = 64):
    x = fashion_mnist(steps * batch_size)
    per_step = {"plain": {"wall": [], "cpu": []}, "augmented": {"wall": [], "cpu": []}}
    for _ in range(rounds):
        for label in per_step:  # interleaved, so machine load hits both alike
            gan = kgan.GAN.dcgan((28, 28, 1), width=16, seed=0)
            if label == "augmented":
                gan = kgan.GAN(gan.generator, kgan.nets.augmented(gan.discriminator, seed=0), gan.latent, seed=0)
            gan.compile()
            timer = EpochTimer()
            gan.fit(x, batch_size=batch_size, epochs=3, verbose=0, callbacks=[timer])
            per_step[label]["wall"] += [t / steps for t in timer.wall[1:]]
            per_step[label]["cpu"] += [t / steps for t in timer.cpu[1:]]
    summary = {label: {k: round(statistics.median(v), 4) for k, v in times.items()} for label, times in per_step.items()}
    overhead = {k: round(summary["augmented"][k] / summary["plain"][k] - 1.0, 3) for k in ("wall", "cpu")}
    print(f"seconds per step (median; batch {batch_size}): plain {summary['plain']}, augmented {summary['augmented']}; "
          f"overhead {overhead}")
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from _results import merge

    merge(RESULTS, "cost", {"seconds_per_step": summary, "overhead": overhead},
          {"model": "kgan.GAN.dcgan((28, 28, 1), width=16)", "batch_size": batch_size, "steps_per_epoch": steps,
           "rounds": rounds, "policy": "color,translation,cutout", "p": 1.0})


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=("figure", "cost", "all"), default="all")
    args = parser.parse_args()
    if args.part in ("figure", "all"):
        figure()
    if args.part in ("cost", "all"):
        cost()


if __name__ == "__main__":
    main()
