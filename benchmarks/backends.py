"""Training speed of the same GAN on Keras' TensorFlow and JAX backends (images/s).

    python benchmarks/backends.py                          # ~3 minutes on 2 CPU cores
    python benchmarks/backends.py --steps 10 --warmup 3    # shorter
    python benchmarks/backends.py --jax-python /path/to/python   # a Python with kgan[jax], if not this one

``GAN.dcgan((28, 28, 1), width=64)``, batch 64, on random images; each backend runs in its own
process (TF, JAX, TF, JAX, alternating, so drift in the machine's load hits both). Timing: a
callback stamps the clock at each batch end after reading the logged d_loss (which waits for the
step); images/s = 64 * timed steps / (last stamp - stamp at the end of the warm-up). Writes
benchmarks/results/backends.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
RESULTS = Path(__file__).parent / "results" / "backends.json"
BATCH = 64


def measure(steps: int, warmup: int) -> dict:
    """One run in this process, on the backend KERAS_BACKEND names."""
    t0 = time.perf_counter()
    import keras
    import numpy as np

    import kgan

    gan = kgan.GAN.dcgan((28, 28, 1), width=64, seed=0)
    gan.compile()
    data = np.random.default_rng(0).uniform(-1, 1, ((warmup + steps) * BATCH, 28, 28, 1)).astype("float32")
    stamps = []

    class Clock(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            float(np.asarray(logs["d_loss"]))
            stamps.append(time.perf_counter())

    start = time.perf_counter()
    gan.fit(data, batch_size=BATCH, epochs=1, shuffle=False, verbose=0, callbacks=[Clock()])
    timed = stamps[-1] - stamps[warmup - 1]
    return {"backend": keras.backend.backend(), "img_s": round(BATCH * steps / timed, 1),
            "ms_per_step": round(1000 * timed / steps, 1), "first_step_s": round(stamps[0] - start, 2),
            "setup_s": round(start - t0, 2), "jit_compile": str(gan.jit_compile)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--jax-python", default=os.environ.get("KGAN_JAX_PYTHON", sys.executable))
    parser.add_argument("--results", type=Path, default=RESULTS, help="JSON file to write (default: %(default)s)")
    parser.add_argument("--run", help=argparse.SUPPRESS)  # internal: one measurement in this process
    args = parser.parse_args()
    if args.run:
        print(json.dumps(measure(args.steps, args.warmup)))
        return
    root = str(Path(__file__).resolve().parents[1])
    runs = []
    for backend in ["tensorflow", "jax"] * args.rounds:
        python = args.jax_python if backend == "jax" else sys.executable
        env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3",
               "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])}
        out = subprocess.run([python, __file__, "--run", "1", "--steps", str(args.steps), "--warmup", str(args.warmup)],
                             capture_output=True, text=True, env=env, check=False)
        lines = [x for x in out.stdout.splitlines() if x.startswith("{")]
        if not lines:
            raise SystemExit(f"{backend} run failed:\n{out.stderr[-3000:]}")
        runs.append(json.loads(lines[-1]))
        print(lines[-1], flush=True)
    summary = {b: round(sum(r["img_s"] for r in runs if r["backend"] == b) / args.rounds, 1)
               for b in ("tensorflow", "jax")}
    print("mean images/s:", summary)
    import _results

    _results.merge(args.results, "dcgan_28x28_width64_batch64",
                   {"runs": runs, "mean_img_s": summary, "cpus_usable": len(os.sched_getaffinity(0))},
                   settings={"steps": args.steps, "warmup": args.warmup, "rounds": args.rounds})


if __name__ == "__main__":
    main()
