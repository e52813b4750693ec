"""Reproducibility: with a seed and TensorFlow's op determinism, two runs give identical weights.

Each run is its own Python process (op determinism cannot be switched off again, and a fresh
process is what "running it again" means); both run at the same time.
"""

import json
import os
import subprocess
import sys

from kgan import cli

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
ENV.pop("TF_CONFIG", None)

RUN = """
import hashlib, json
import numpy as np
from tensorflow.python.framework import config
from kgan import cli
from kgan.cli import _distribute

# `kgan train ... --deterministic` switches op determinism on (checked with a stand-in for training).
out = {"flag": []}
for argv in (["train", "dcgan"], ["train", "dcgan", "--deterministic"]):
    args = cli.build_parser().parse_args(argv)
    _, task_parser = args.handler.args  # the training handler, wrapped by --strategy/--deterministic
    _distribute.run(lambda args: out["flag"].append(config.is_op_determinism_enabled()), task_parser, args)

import keras
import tensorflow as tf
import kgan

tf.config.experimental.enable_op_determinism()  # what --deterministic did above

def digest(weights):
    h = hashlib.sha256()
    for w in weights:
        h.update(np.ascontiguousarray(w).tobytes())
    return h.hexdigest()

images = np.random.default_rng(0).uniform(-1, 1, (48, 28, 28, 1)).astype("float32")
keras.utils.set_random_seed(0)             # Python, NumPy and TensorFlow (weights, dropout, ...)
gan = kgan.GAN.dcgan((28, 28, 1), latent_dim=8, width=8, seed=0)  # seed: the latent draws
gan.compile()
# Shuffled, with a parallel random map: tf.data's order and the map's draws must repeat too.
data = (tf.data.Dataset.from_tensor_slices(images).shuffle(48, seed=0)
        .map(lambda x: x + tf.random.normal(tf.shape(x), stddev=0.01), num_parallel_calls=tf.data.AUTOTUNE)
        .batch(16, drop_remainder=True))
out["start"] = digest(gan.get_weights())
history = gan.fit(data, epochs=1, verbose=0)
out["end"] = digest(gan.get_weights())
out["losses"] = {k: v[-1] for k, v in history.history.items()}
print(json.dumps(out))
"""


def test_same_seed_and_op_determinism_give_identical_weights():
    procs = [subprocess.Popen([sys.executable, "-c", RUN], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env=ENV) for _ in range(2)]
    runs = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0, stderr[-4000:]
        runs.append(json.loads(stdout.strip().splitlines()[-1]))
    first, second = runs
    assert first["start"] != first["end"]    # training changed the weights...
    assert first == second                   # ... bit for bit the same way twice, losses included
    assert first["flag"] == [False, True]    # and --deterministic is what switches it on


def test_deterministic_flag_is_on_every_training_task():
    parser = cli.build_parser()
    for task in ("gaussian-1d", "dcgan", "infogan"):
        args = parser.parse_args(["train", task, "--deterministic"])
        assert args.deterministic and args.strategy == "default"
