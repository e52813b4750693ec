"""kgan.GAN under tf.distribute.MirroredStrategy over two logical CPU devices.

Logical devices must be configured before TensorFlow initialises, so each check runs in a
fresh Python process.
"""

import json
import os
import subprocess
import sys
import textwrap

SETUP = """
import json
import numpy as np
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import keras
import kgan
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
"""


def run(body):
    code = SETUP + textwrap.dedent(body)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_replicas_draw_different_latents_and_training_runs():
    result = run("""
        with strategy.scope():
            keras.utils.set_random_seed(0)
            gan = kgan.GAN(kgan.nets.mlp(2, 1, hidden=(8,)), kgan.nets.mlp(1, 1, hidden=(8,)), 2, seed=0)
            gan.compile(terms=[kgan.terms.GradientPenalty(1.0)])
        z = strategy.run(lambda: gan.latent.sample(4, seed=gan._step_seeds()))
        z0, z1 = (t.numpy() for t in strategy.experimental_local_results(z))
        x = np.random.default_rng(0).normal(-1, 1, (64, 1)).astype("float32")
        history = gan.fit(x, batch_size=16, epochs=1, verbose=0)
        print(json.dumps({"same_z": bool(np.allclose(z0, z1)), "replicas": strategy.num_replicas_in_sync,
                          "logs": {k: float(v[-1]) for k, v in history.history.items()},
                          "g_iterations": int(gan.g_optimizer.iterations.numpy())}))
    """)
    assert result["replicas"] == 2
    assert not result["same_z"]
    assert set(result["logs"]) == {"d_loss", "g_loss", "d_real", "d_fake", "gradient_penalty"}
    assert all(abs(v) < 1e6 for v in result["logs"].values())
    assert result["g_iterations"] == 4  # 64 samples / global batch 16
