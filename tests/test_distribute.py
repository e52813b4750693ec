"""kgan.GAN under tf.distribute: MirroredStrategy over two logical CPU devices, MultiWorkerMirroredStrategy
with two worker processes on 127.0.0.1, `kgan train --strategy`, and the kgan.distribute helpers.

Logical devices and collective ops must be configured before TensorFlow initialises, so each
strategy check runs in a fresh Python process.
"""

import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest

from kgan import cli, distribute

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
ENV.pop("TF_CONFIG", None)

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


SMOKE = """
with strategy.scope():
    gan = kgan.GAN(kgan.nets.mlp(2, 1, hidden=(8,)), kgan.nets.mlp(1, 1, hidden=(8,)), 2, seed=0)
z = strategy.run(lambda: gan.latent.sample(4, seed=kgan._replicas.step_seeds(gan.seed_generator)))
z0, z1 = (t.numpy() for t in strategy.experimental_local_results(z))
report["smoke"] = {"same_z": bool(np.allclose(z0, z1)), "replicas": strategy.num_replicas_in_sync}
"""

CLI = ["-m", "kgan.cli", "train", "gaussian-1d", "--steps", "10", "--strategy", "mirrored", "--cpu-devices", "2",
       "--json"]


@pytest.fixture(scope="module")
def mirrored(tmp_path_factory):
    """The MirroredStrategy checks in one process, and `kgan train --strategy mirrored` beside it.

    (Two MirroredStrategy objects over the same devices in one process can clash in their
    collective ops, so the command gets its own process; both run at the same time.)
    """
    out = tmp_path_factory.mktemp("mirrored") / "g1d"
    code = SETUP + "report = {}\n" + SMOKE + EQUIVALENCE + "print(json.dumps(report))\n"
    procs = [subprocess.Popen([sys.executable, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=ENV) for argv in (["-c", code], [*CLI, "--out", str(out)])]
    outputs = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=600)
        assert proc.returncode == 0, stderr[-4000:]
        outputs.append(stdout)
    return json.loads(outputs[0].strip().splitlines()[-1]), outputs[1], out


def test_replicas_draw_different_latents(mirrored):
    result = mirrored[0]["smoke"]
    assert result["replicas"] == 2
    assert not result["same_z"]  # training under the strategy: the equivalence test below


# Two replicas of 4 must do exactly what one device does with the global batch of 8. The random
# draws are the only thing that differs by construction (replica r draws from the GAN's seed
# stream shifted by r * _REPLICA_SEED_STRIDE), so on one device the test prior and the penalty's
# interpolation coefficients draw the same numbers block by block. Each global batch's two halves
# come from different distributions, so a per-replica (or first-replica) value is far from the
# global one: FeatureMatching's batch means and the logged metrics would show it.
EQUIVALENCE = """
from kgan._replicas import REPLICA_SEED_STRIDE as STRIDE

BLOCKS = [1]

def blocks(draw, shape, seed):
    s = seed.next()
    n = shape[0] // BLOCKS[0]
    return tf.concat([draw((n,) + tuple(shape[1:]), s + tf.constant([STRIDE * k, 0], s.dtype))
                      for k in range(BLOCKS[0])], axis=0)

class BlockNormal(kgan.latent.Prior):
    def sample(self, n, seed=None):
        return blocks(tf.random.stateless_normal, (n, self.dim), seed)

def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):  # GradientPenalty's alpha
    return blocks(lambda s, k: tf.random.stateless_uniform(s, k, minval, maxval, dtype=dtype), shape, seed)

keras_uniform, keras.random.uniform = keras.random.uniform, uniform  # restored below

def build(terms):
    keras.utils.set_random_seed(1)
    gan = kgan.GAN(kgan.nets.mlp(2, 1, hidden=(8,), activation="tanh"),
                   kgan.nets.mlp(1, 1, hidden=(8,), activation="tanh"), BlockNormal(2), seed=3)
    gan.compile(d_optimizer=keras.optimizers.SGD(0.1), g_optimizer=keras.optimizers.SGD(0.1), terms=terms())
    return gan

class BatchLogs(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.logs = []
    def on_train_batch_end(self, batch, logs=None):
        self.logs.append({k: float(v) for k, v in logs.items()})

rng = np.random.default_rng(0)
x = np.concatenate([rng.normal(-2, 0.5, (4, 1)), rng.normal(3, 1, (4, 1))] * 3).astype("float32")
configs = {
    "plain": lambda: [],
    "terms": lambda: [kgan.terms.GradientPenalty(1.0), kgan.terms.FeatureMatching(layer="dense_0", replace=False),
                      kgan.terms.HistoricalAveraging(0.5)],
}
for name, terms in configs.items():
    BLOCKS[0] = 2
    single = build(terms)
    start = single.get_weights()
    one = BatchLogs()
    h1 = single.fit(x, batch_size=8, epochs=1, shuffle=False, verbose=0, callbacks=[one])
    BLOCKS[0] = 1
    with strategy.scope():
        mirrored = build(terms)
    mirrored.set_weights(start)
    two = BatchLogs()
    h2 = mirrored.fit(x, batch_size=8, epochs=1, shuffle=False, verbose=0, callbacks=[two])
    local = strategy.run(lambda: {m.name: m.result() for m in mirrored.metrics})
    per_replica = {k: [float(t) for t in strategy.experimental_local_results(v)] for k, v in local.items()}
    report[f"equivalence_{name}"] = {
        "weight_gap": max(float(np.abs(a - b).max()) for a, b in zip(single.get_weights(), mirrored.get_weights())),
        "moved": max(float(np.abs(a - b).max()) for a, b in zip(single.get_weights(), start)),
        "epoch": [h1.history, h2.history], "batches": [one.logs, two.logs], "per_replica": per_replica,
    }
keras.random.uniform = keras_uniform
"""


def test_mirrored_two_replicas_match_one_device_with_the_same_global_batch(mirrored):
    report = {name: mirrored[0][f"equivalence_{name}"] for name in ("plain", "terms")}
    for name, r in report.items():
        assert r["moved"] > 0.01, name                      # three SGD steps really changed the weights
        assert r["weight_gap"] < 1e-5, (name, r["weight_gap"])  # ... identically on one and two devices
        one, two = r["epoch"]
        assert one.keys() == two.keys()
        for key in one:                                     # epoch logs: global-batch values
            assert two[key][0] == pytest.approx(one[key][0], rel=1e-5, abs=1e-6), (name, key)
        for b1, b2 in zip(*r["batches"], strict=True):       # every batch's logs too
            for key in b1:
                assert b2[key] == pytest.approx(b1[key], rel=1e-5, abs=1e-6), (name, key)
        for key, (r0, r1) in r["per_replica"].items():       # reported = mean over replicas, not replica 0
            assert one[key][0] == pytest.approx((r0 + r1) / 2, rel=1e-5, abs=1e-6), (name, key)
        # The halves differ, so a first-replica value would be far off (the test can fail).
        assert abs(r["per_replica"]["d_real"][0] - one["d_real"][0]) > 1e-3
    assert set(report["terms"]["epoch"][1]) == {"d_loss", "g_loss", "d_real", "d_fake", "gradient_penalty",
                                                "feature_matching", "historical_averaging_d", "historical_averaging_g"}
    assert len(report["terms"]["batches"][1]) == 3  # 24 samples / global batch 8
    fm = report["terms"]["per_replica"]["feature_matching"]
    assert fm[0] == pytest.approx(fm[1])  # global batch means: every replica computes the same value


def _free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


WORKER = """
import json, sys
import numpy as np
import kgan
strategy = kgan.distribute.strategy("multi-worker")   # first thing: before any TensorFlow op
import keras
with strategy.scope():
    keras.utils.set_random_seed(0)
    gan = kgan.GAN(kgan.nets.mlp(2, 1, hidden=(8,)), kgan.nets.mlp(1, 1, hidden=(8,)), 2, seed=0)
    gan.compile(terms=[kgan.terms.GradientPenalty(1.0)], steps_per_execution=1)
history = gan.fit(kgan.data.gaussian_1d(batch_size=32, seed=0), epochs=2, steps_per_epoch=4, verbose=0)
out = kgan.distribute.output_dir(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
gan.save(out / "gan.keras")                           # every worker saves: reads may be collective
kgan.distribute.cleanup_output_dir(out)
print(json.dumps({"chief": kgan.distribute.is_chief(strategy), "replicas": strategy.num_replicas_in_sync,
                  "weights": [w.tolist() for w in gan.get_weights()], "logs": history.history,
                  "g_iterations": int(gan.g_optimizer.iterations.numpy())}))
"""


def test_multi_worker_mirrored_two_processes_agree(tmp_path):
    cluster = {"worker": [f"127.0.0.1:{port}" for port in _free_ports(2)]}
    procs = []
    for index in range(2):
        env = {**ENV, "TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})}
        procs.append(subprocess.Popen([sys.executable, "-c", WORKER, str(tmp_path / "out")], env=env, text=True,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    results = []
    try:
        for proc in procs:
            stdout, stderr = proc.communicate(timeout=240)
            assert proc.returncode == 0, stderr[-4000:]
            results.append(json.loads(stdout.strip().splitlines()[-1]))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    chief, worker = results
    assert (chief["chief"], worker["chief"]) == (True, False)
    assert chief["replicas"] == worker["replicas"] == 2
    assert chief["g_iterations"] == worker["g_iterations"] == 8
    for a, b in zip(chief["weights"], worker["weights"], strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert chief["logs"] == worker["logs"]  # metrics reduced across the workers
    assert all(np.isfinite(v).all() for v in chief["logs"].values())
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["gan.keras"]  # only the chief wrote


# ---------------------------------------------------------------------------------- kgan train --strategy
def test_kgan_train_mirrored_on_two_logical_cpus(mirrored):
    _, stdout, out = mirrored
    assert "kgan: mirrored strategy, 2 replica(s) on device:CPU:0, device:CPU:1" in stdout
    summary = json.loads(stdout.strip().splitlines()[-1])
    assert summary["steps"] == 10 and np.isfinite(summary["w1"])
    assert {"gan.keras", "generator.keras", "metrics.json"} <= {p.name for p in out.iterdir()}


def _cli_error(capsys, argv, monkeypatch=None, tf_config=None):
    if monkeypatch is not None:
        if tf_config is None:
            monkeypatch.delenv("TF_CONFIG", raising=False)
        else:
            monkeypatch.setenv("TF_CONFIG", tf_config)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    err = capsys.readouterr().err
    assert exit_info.value.code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    return err


@pytest.mark.parametrize("tf_config, expected", [
    (None, "needs the TF_CONFIG environment variable"),
    ("{not json", "TF_CONFIG is not valid JSON"),
    ('{"cluster": {"worker": ["127.0.0.1:1"]}}', "needs a 'cluster' object and a 'task' object"),
    ('{"cluster": {"worker": ["127.0.0.1:1"]}, "task": {"type": "worker", "index": 3}}', "index 3 is out of range"),
    ('{"cluster": {"ps": ["127.0.0.1:1"]}, "task": {"type": "ps", "index": 0}}', "uses only 'chief' and 'worker'"),
])
def test_kgan_train_multi_worker_needs_a_valid_tf_config(capsys, monkeypatch, tmp_path, tf_config, expected):
    err = _cli_error(capsys, ["train", "gaussian-1d", "--strategy", "multi-worker", "--out", str(tmp_path / "o")],
                     monkeypatch, tf_config)
    assert expected in err and "kgan train gaussian-1d: error: --strategy multi-worker" in err
    assert not (tmp_path / "o").exists()  # checked before anything ran


def test_kgan_train_strategy_argument_errors(capsys, tmp_path):
    err = _cli_error(capsys, ["train", "dcgan", "--strategy", "tpu", "--out", str(tmp_path)])
    assert "invalid choice: 'tpu'" in err
    err = _cli_error(capsys, ["train", "infogan", "--cpu-devices", "2", "--out", str(tmp_path)])
    assert "--cpu-devices applies to --strategy mirrored only" in err
    err = _cli_error(capsys, ["train", "gaussian-1d", "--strategy", "mirrored", "--cpu-devices", "0"])
    assert "expected a positive integer" in err


# ---------------------------------------------------------------------------------- kgan.distribute helpers
def _config(kind, index, chief=False):
    cluster = {"worker": ["10.0.0.2:2222", "10.0.0.3:2222"]}
    if chief:
        cluster["chief"] = ["10.0.0.1:2222"]
    return json.dumps({"cluster": cluster, "task": {"type": kind, "index": index}})


def test_chief_and_output_dirs_follow_tensorflows_rule(monkeypatch, tmp_path):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    assert distribute.is_chief() and distribute.output_dir(tmp_path) == tmp_path  # a single machine
    cases = [(("worker", 0, False), True), (("worker", 1, False), False),
             (("chief", 0, True), True), (("worker", 0, True), False)]
    for args, chief in cases:
        monkeypatch.setenv("TF_CONFIG", _config(*args))
        assert distribute.is_chief() is chief, args
        out = distribute.output_dir(tmp_path / "run")
        assert out == (tmp_path / "run" if chief else tmp_path / "run" / f"workertemp_{args[1]}")
        out.mkdir(parents=True, exist_ok=True)
        distribute.cleanup_output_dir(out)
        assert out.exists() is chief
    assert (tmp_path / "run").exists()  # the chief's folder is never removed


def test_strategy_names_and_tf_config_checks():
    assert distribute.strategy("default").num_replicas_in_sync == 1
    with pytest.raises(ValueError, match="Unknown strategy 'gpu'; choose one of default, mirrored, multi-worker"):
        distribute.strategy("gpu")
    with pytest.raises(ValueError, match="cpu_devices applies to the 'mirrored' strategy only"):
        distribute.strategy("default", cpu_devices=2)
    ok = {"TF_CONFIG": _config("chief", 0, chief=True)}
    assert distribute.tf_config(ok)["task"] == {"type": "chief", "index": 0}
    bad = {"cluster": {"worker": ["nohost"]}, "task": {"type": "worker", "index": 0}}
    with pytest.raises(ValueError, match="list of 'host:port' strings"):
        distribute.tf_config({"TF_CONFIG": json.dumps(bad)})
    bad = {"cluster": {"worker": ["a:1"]}, "task": {"type": "chief", "index": 0}}
    with pytest.raises(ValueError, match="task type 'chief' is not in the cluster"):
        distribute.tf_config({"TF_CONFIG": json.dumps(bad)})
