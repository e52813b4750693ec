"""Training throughput with one versus two replicas (tf.distribute.MirroredStrategy), same global batch.

    python benchmarks/replicas_throughput.py            # ~3 minutes on 2 CPU cores
    python benchmarks/replicas_throughput.py --quick    # fewer steps

On a machine without GPUs the two replicas are two *logical* devices carved out of the same
CPU: they share its cores, so this measures the cost of replication (splitting each batch,
all-reducing the gradients of both networks, reducing the metrics), not a speed-up. On a
machine with N GPUs, ``kgan.distribute.strategy("mirrored")`` puts one replica on each.

Rows, each in this one process (the CPU is split in two before TensorFlow starts):
``default`` (no strategy; with steps_per_execution=1, and for the 1-D model also the tuned 50),
``mirrored x1`` (MirroredStrategy on one device: the strategy's own overhead) and
``mirrored x2`` (two replicas, half the global batch each). Models: the 1-D tutorial's modern
GAN (batch 512) and a small DCGAN (width 16, Fashion-MNIST 28x28, batch 64).

Prints a table and writes benchmarks/results/replicas_throughput.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import tensorflow as tf

RESULTS = Path(__file__).parent / "results" / "replicas_throughput.json"


def _split_cpu():
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)


def _models():
    import keras

    import kgan
    from kgan.tutorials import gaussian_1d

    def one_d(spe):
        keras.utils.set_random_seed(0)
        return gaussian_1d.build_modern(steps=10_000, steps_per_execution=spe)

    def dcgan(spe):
        gan = kgan.GAN.dcgan((28, 28, 1), latent_dim=100, width=16, seed=0)
        gan.compile(steps_per_execution=spe)
        return gan

    return {
        "1-D modern (batch 512)": (one_d, lambda: kgan.data.gaussian_1d(batch_size=gaussian_1d.MODERN_BATCH, seed=0)),
        "DCGAN width 16, 28x28 (batch 64)": (
            dcgan, lambda: kgan.data.images("fashion_mnist", 64, limit=4096, seed=0).repeat()),
    }


def measure(build, data, strategy, spe, steps, repeats) -> dict:
    """Best of ``repeats`` timed epochs of ``steps`` steps, after one warm-up epoch (tracing)."""
    import warnings

    with strategy.scope():
        gan = build(spe)
    dataset = data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the steps_per_execution fallback under MirroredStrategy
        gan.fit(dataset, epochs=1, steps_per_epoch=max(spe, 5), verbose=0)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            gan.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0)
            times.append(time.perf_counter() - start)
    best = min(times)
    return {"steps": steps, "seconds_best": round(best, 3), "seconds_all": [round(t, 3) for t in times],
            "steps_per_second": round(steps / best, 1), "steps_per_execution_used": int(gan.steps_per_execution)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer steps and repeats")
    args = parser.parse_args(argv)
    _split_cpu()  # before anything else touches TensorFlow

    import kgan  # noqa: F401 - after the devices are configured

    steps = {"1-D modern (batch 512)": 100 if args.quick else 300, "DCGAN width 16, 28x28 (batch 64)": 10 if args.quick else 30}
    repeats = 2 if args.quick else 3
    # One strategy object per device set, shared by both models: two MirroredStrategy objects over
    # the same devices in one process can clash in their collective ops.
    default, one, two = (tf.distribute.get_strategy(), tf.distribute.MirroredStrategy(["/cpu:0"]),
                         tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]))
    setups = [
        ("default, steps_per_execution=50", default, 50, ("1-D",)),
        ("default", default, 1, ("1-D", "DCGAN")),
        ("mirrored x1", one, 1, ("1-D", "DCGAN")),
        ("mirrored x2", two, 1, ("1-D", "DCGAN")),
    ]
    rows = []
    load_before = os.getloadavg()[0]
    for model, (build, data) in _models().items():
        for setup, strategy, spe, which in setups:
            if not model.startswith(which):
                continue
            row = {"model": model, "setup": setup, "replicas": strategy.num_replicas_in_sync,
                   **measure(build, data, strategy, spe, steps[model], repeats)}
            batch = 512 if model.startswith("1-D") else 64
            row["samples_per_second"] = round(row["steps_per_second"] * batch, 0)
            rows.append(row)
            print(f"  {model:34} {setup:34} {row['steps_per_second']:9.1f} steps/s", flush=True)
    load_after = os.getloadavg()[0]

    print(f"\n{'model':34} {'setup':34} {'replicas':>8} {'steps/s':>9} {'samples/s':>10} {'vs default':>10}")
    for row in rows:
        base = next(r for r in rows if r["model"] == row["model"] and r["setup"] == "default")
        row["relative_to_default"] = round(row["steps_per_second"] / base["steps_per_second"], 3)
        print(f"{row['model']:34} {row['setup']:34} {row['replicas']:>8} {row['steps_per_second']:>9.1f} "
              f"{row['samples_per_second']:>10.0f} {row['relative_to_default']:>10.2f}")
    print("\nTwo logical CPU devices share the same cores: this is replication overhead, not speed-up.")
    result = {
        "benchmark": "replicas_throughput",
        "date": time.strftime("%Y-%m-%d"),
        "machine": {"cpus": os.cpu_count(), "gpus": len(tf.config.list_physical_devices("GPU")),
                    "platform": platform.platform(), "python": platform.python_version(),
                    "tensorflow": tf.__version__, "load_average_1min": [round(load_before, 1), round(load_after, 1)]},
        "settings": {"quick": args.quick, "repeats": repeats, "steps": steps,
                     "note": "best of the repeats after a warm-up epoch; same global batch in every row"},
        "interpretation": ("Two logical devices on the same CPU share its cores: the two-replica rows show the "
                           "overhead of replication, not a speed-up. Under a strategy Keras 3 runs one step per "
                           "execution (keras-team/keras#19246), so 'default' with steps_per_execution=1 is the "
                           "like-for-like baseline."),
        "rows": rows,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
