"""Per-epoch overhead of the reliability callbacks, relative to training with no callbacks.

    python benchmarks/callback_overhead.py            # ~10 minutes on 2 busy CPU cores
    python benchmarks/callback_overhead.py --quick    # one round, fewer epochs

Two models: the 1-D tutorial's modern GAN (steps_per_execution=1: the
callbacks run after every step, their worst case) and a small DCGAN
(width 16) on 1024 Fashion-MNIST images. Configurations: no callbacks;
`DivergenceGuard` (snapshots at epoch ends; and every 10 steps);
`BackupAndRestore` at every epoch end and every 10 batches. Each round runs
every configuration once on the same model (interleaved, so machine load
hits all alike); an epoch's time excludes the first epoch of each fit
(tracing, on_train_begin). Both wall time and CPU time (process time, all
threads) are recorded: on a shared machine the CPU time is the fairer
measure, since other processes' load lands in the wall time at random.
Prints a table and writes benchmarks/results/callback_overhead.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import keras

RESULTS = Path(__file__).parent / "results" / "callback_overhead.json"


class EpochTimer(keras.callbacks.Callback):
    """Wall time and CPU time (all threads of this process) of each epoch."""

    def __init__(self):
        super().__init__()
        self.seconds, self.cpu_seconds = [], []

    def on_epoch_begin(self, epoch, logs=None):
        self._start, self._cpu = time.perf_counter(), time.process_time()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)
        self.cpu_seconds.append(time.process_time() - self._cpu)


def configurations(backup_root):
    import kgan

    return {
        "none": lambda: [],
        "guard (epoch snapshots)": lambda: [kgan.callbacks.DivergenceGuard(verbose=False)],
        "guard (snapshot every 10 steps)": lambda: [kgan.callbacks.DivergenceGuard(snapshot_every=10, verbose=False)],
        "backup (every epoch)": lambda: [kgan.callbacks.BackupAndRestore(f"{backup_root}/e", verbose=False)],
        "backup (every 10 batches)": lambda: [kgan.callbacks.BackupAndRestore(f"{backup_root}/b", save_freq=10,
                                                                              verbose=False)],
    }


def models(quick):
    import kgan
    from kgan.tutorials import gaussian_1d

    keras.utils.set_random_seed(0)
    one_d = gaussian_1d.build_modern(steps=10_000, seed=0, steps_per_execution=1)
    one_d_data = kgan.data.gaussian_1d(batch_size=gaussian_1d.MODERN_BATCH, num_batches=200, seed=0)
    dcgan = kgan.GAN.dcgan((28, 28, 1), latent_dim=32, width=16, seed=0)
    dcgan.compile()
    images = kgan.data.images("fashion_mnist", 64, seed=0, limit=512 if quick else 1024)
    return {
        "1-D modern (200 steps/epoch, steps_per_execution=1)": (one_d, one_d_data),
        f"DCGAN width 16 ({(512 if quick else 1024) // 64} steps/epoch of 64 images)": (dcgan, images),
    }


def per_call_costs(gan, backup_root) -> dict:
    """CPU milliseconds of each callback action on its own (median of repeated calls)."""
    import kgan

    def cpu_ms(action, n):
        action()  # first call: tracing, file creation
        samples = []
        for _ in range(n):
            start = time.process_time()
            action()
            samples.append(1e3 * (time.process_time() - start))
        return round(statistics.median(samples), 3)

    guard = kgan.callbacks.DivergenceGuard(verbose=False)
    guard.set_model(gan)
    guard.on_train_begin()
    guard.on_epoch_begin(0)
    logs = {m.name: m.result() for m in gan.metrics}
    backup = kgan.callbacks.BackupAndRestore(f"{backup_root}/calls", verbose=False)
    backup.set_model(gan)
    return {
        "guard_per_batch_ms": cpu_ms(lambda: guard.on_train_batch_end(0, logs), 200),
        "guard_snapshot_ms": cpu_ms(lambda: guard._take_snapshot(None), 20),
        "finite_check_ms": cpu_ms(lambda: kgan.callbacks.non_finite_variables(gan), 20),
        "backup_save_ms": cpu_ms(backup._save_model, 10),
        "keras_save_weights_ms": cpu_ms(lambda: gan.save_weights(f"{backup_root}/calls/plain.weights.h5"), 10),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one round of 2 epochs")
    args = parser.parse_args(argv)
    rounds, epochs = (1, 2) if args.quick else (2, 3)

    import kgan

    rows, costs = [], {}
    with tempfile.TemporaryDirectory() as backup_root:
        configs = configurations(backup_root)
        for model_name, (gan, data) in models(args.quick).items():
            gan.fit(data, epochs=1, verbose=0)  # trace once, outside the measurements
            params = sum(int(v.numpy().size) for v in kgan.callbacks._state_variables(gan))
            wall, cpu = {name: [] for name in configs}, {name: [] for name in configs}
            for _ in range(rounds):
                for name, make in configs.items():
                    timer = EpochTimer()
                    gan.fit(data, epochs=epochs + 1, verbose=0, callbacks=[*make(), timer])
                    wall[name] += timer.seconds[1:]
                    cpu[name] += timer.cpu_seconds[1:]
            calls = per_call_costs(gan, backup_root)
            costs[model_name] = {"state_values": params, **calls}
            print(f"{model_name}: per call (CPU ms) {calls}", flush=True)
            base_wall, base_cpu = statistics.median(wall["none"]), statistics.median(cpu["none"])
            for name in configs:
                w, c = statistics.median(wall[name]), statistics.median(cpu[name])
                rows.append({"model": model_name, "state_values": params, "callbacks": name,
                             "epochs_timed": len(wall[name]),
                             "median_epoch_cpu_seconds": round(c, 4), "cpu_overhead_seconds": round(c - base_cpu, 4),
                             "cpu_overhead_percent": round(100.0 * (c - base_cpu) / base_cpu, 1),
                             "median_epoch_wall_seconds": round(w, 4),
                             "wall_overhead_percent": round(100.0 * (w - base_wall) / base_wall, 1)})
                print(f"{model_name[:40]:40} {name:32} cpu {c:7.3f} s/epoch {100.0 * (c - base_cpu) / base_cpu:+7.1f} %"
                      f"  wall {w:7.3f} s {100.0 * (w - base_wall) / base_wall:+7.1f} %", flush=True)

    print(f"\n{'model':52} {'callbacks':32} {'CPU s/epoch':>11} {'overhead':>9} {'wall s/epoch':>12} {'overhead':>9}")
    for row in rows:
        print(f"{row['model']:52} {row['callbacks']:32} {row['median_epoch_cpu_seconds']:11.3f} "
              f"{row['cpu_overhead_percent']:+8.1f}% {row['median_epoch_wall_seconds']:12.3f} "
              f"{row['wall_overhead_percent']:+8.1f}%")
    print("\nCPU milliseconds per call (median):")
    for model_name, calls in costs.items():
        print(f"  {model_name}: " + ", ".join(f"{k} {v}" for k, v in calls.items()))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "machine": f"{platform.machine()}, Python {platform.python_version()}, shared 2-core CPU",
        "settings": {"rounds": rounds, "epochs_timed_per_fit": epochs, "first_epoch_of_each_fit": "not timed",
                     "load": "measured while other jobs shared the 2 cores (load average ~20): trust the CPU times"},
        "rows": rows,
        "per_call_cpu_ms": costs,
    }, indent=2) + "\n")
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
