"""DCGAN training throughput under float32, mixed_bfloat16 and mixed_float16.

    python benchmarks/mixed_precision.py            # ~3 minutes on 2 CPU cores
    python benchmarks/mixed_precision.py --quick    # fewer steps

Each policy runs in its own process (a dtype policy is global and must be set before the networks
are built): the DCGAN preset at 28x28 (width 64, Fashion-MNIST batch 64; synthetic images of the
same shape when the dataset is missing), `gan.compile()` (under mixed_float16 both optimizers
become LossScaleOptimizers), a warm-up, then timed `fit` steps. On a CPU float16 and bfloat16 are
emulated or lack fast kernels; the win is on GPUs with tensor cores. Prints a table and writes
benchmarks/results/mixed_precision.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _results import merge  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "mixed_precision.json"
POLICIES = ("float32", "mixed_bfloat16", "mixed_float16")

_RUN = """
import json, os, sys, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras, numpy as np
policy, steps, width = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
keras.config.set_dtype_policy(policy)
import kgan
keras.utils.set_random_seed(0)
try:
    data = kgan.data.images("fashion_mnist", 64, limit=64 * 40, seed=0).repeat()
except kgan.data.DatasetNotFoundError:
    import tensorflow as tf
    x = np.random.default_rng(0).uniform(-1, 1, (64 * 40, 28, 28, 1)).astype("float32")
    data = tf.data.Dataset.from_tensor_slices(x).batch(64, drop_remainder=True).repeat()
gan = kgan.GAN.dcgan((28, 28, 1), latent_dim=100, width=width, seed=0)
gan.compile()
gan.fit(data, steps_per_epoch=5, epochs=1, verbose=0)   # trace and warm up
start = time.perf_counter()
history = gan.fit(data, steps_per_epoch=steps, epochs=1, verbose=0).history
seconds = time.perf_counter() - start
print(json.dumps({"policy": policy, "images_per_s": 64 * steps / seconds, "seconds": seconds, "steps": steps,
                  "optimizer": type(gan.d_optimizer).__name__, "d_loss": history["d_loss"][-1],
                  "g_loss": history["g_loss"][-1]}))
"""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10 timed steps instead of 40")
    parser.add_argument("--width", type=int, default=64, help="DCGAN width (default 64, the preset's)")
    args = parser.parse_args(argv)
    steps = 10 if args.quick else 40
    rows = []
    for policy in POLICIES:
        proc = subprocess.run([sys.executable, "-c", _RUN, policy, str(steps), str(args.width)],
                              capture_output=True, text=True, check=True)
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        print(f"{policy}: {rows[-1]['images_per_s']:.0f} images/s", flush=True)
    base = rows[0]["images_per_s"]
    print(f"\nDCGAN 28x28 width {args.width}, batch 64, {steps} timed steps\n")
    print("| policy | optimizer | images/s | vs float32 | d_loss | g_loss |\n|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['policy']} | {r['optimizer']} | {r['images_per_s']:.0f} | {r['images_per_s'] / base:.2f}x "
              f"| {r['d_loss']:.3f} | {r['g_loss']:.3f} |")
    merge(RESULTS, "throughput", {"rows": rows}, settings={"width": args.width, "batch_size": 64, "steps": steps})
    print(f"\nwrote {RESULTS}")


if __name__ == "__main__":
    main()
