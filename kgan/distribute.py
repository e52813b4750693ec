"""Training on several devices or machines with ``tf.distribute``.

`kgan.GAN` needs nothing special under a strategy: create (and compile) it
inside ``strategy.scope()`` and call ``fit`` with the *global* batch size.
Losses are averaged over the global batch and the logged metrics over all
replicas. This module adds the few helpers a script needs around that:

```python
strategy = kgan.distribute.strategy("mirrored")      # all local GPUs
with strategy.scope():
    gan = kgan.GAN.dcgan((28, 28, 1))
    gan.compile()
gan.fit(kgan.data.images("fashion_mnist", batch_size=64 * strategy.num_replicas_in_sync), epochs=5)
out = kgan.distribute.output_dir("runs/dcgan")       # the chief writes here, other workers to a temp dir
gan.save(out / "gan.keras")
```

``strategy("multi-worker")`` reads the cluster from the ``TF_CONFIG``
environment variable (see docs/distributed.md).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import tensorflow as tf
from keras import ops

__all__ = ["NAMES", "strategy", "tf_config", "is_chief", "output_dir", "cleanup_output_dir", "global_mean"]

#: The strategy names `strategy` (and ``kgan train --strategy``) accept.
NAMES = ("default", "mirrored", "multi-worker")

_TASK_TYPES = ("chief", "worker")


def tf_config(environ=None) -> dict:
    """The ``TF_CONFIG`` environment variable, parsed and checked for a multi-worker run.

    Raises a ``ValueError`` with a one-line message naming the problem and the
    fix when it is missing, not JSON, or does not describe this task as one
    of the cluster's ``chief``/``worker`` tasks. Needs no TensorFlow work, so
    a command can check it before training starts.

    ```python
    os.environ["TF_CONFIG"] = json.dumps({
        "cluster": {"worker": ["10.0.0.1:12345", "10.0.0.2:12345"]},
        "task": {"type": "worker", "index": 0}})
    kgan.distribute.tf_config()["task"]   # {'type': 'worker', 'index': 0}
    ```
    """
    environ = os.environ if environ is None else environ
    text = environ.get("TF_CONFIG", "").strip()
    example = ('e.g. TF_CONFIG=\'{"cluster": {"worker": ["host1:12345", "host2:12345"]}, '
               '"task": {"type": "worker", "index": 0}}\'')
    if not text:
        raise ValueError(f"multi-worker training needs the TF_CONFIG environment variable on every worker ({example}).")
    try:
        config = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"TF_CONFIG is not valid JSON ({err.msg} at character {err.pos}); {example}.") from None
    if not isinstance(config, dict) or not isinstance(config.get("cluster"), dict) or not isinstance(config.get("task"), dict):
        raise ValueError(f"TF_CONFIG needs a 'cluster' object and a 'task' object; {example}.")
    cluster, task = config["cluster"], config["task"]
    unknown = sorted(set(cluster) - set(_TASK_TYPES))
    if unknown:
        raise ValueError(f"TF_CONFIG cluster has task type(s) {unknown}: MultiWorkerMirroredStrategy uses only "
                         f"'chief' and 'worker' (no parameter servers or evaluators here).")
    for kind, addresses in cluster.items():
        if not isinstance(addresses, list) or not addresses or not all(isinstance(a, str) and ":" in a for a in addresses):
            raise ValueError(f"TF_CONFIG cluster[{kind!r}] must be a non-empty list of 'host:port' strings, "
                             f"got {addresses!r}.")
    kind, index = task.get("type"), task.get("index")
    if kind not in cluster:
        raise ValueError(f"TF_CONFIG task type {kind!r} is not in the cluster (types: {sorted(cluster)}); "
                         "set task.type to one of them.")
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(cluster[kind]):
        raise ValueError(f"TF_CONFIG task index {index!r} is out of range: cluster[{kind!r}] has "
                         f"{len(cluster[kind])} address(es), so use 0 to {len(cluster[kind]) - 1}.")
    if len(cluster.get("chief", [])) > 1:
        raise ValueError("TF_CONFIG cluster has more than one 'chief'; list one chief and put the rest under 'worker'.")
    return config


def _split_cpu(devices: int):
    cpu = tf.config.list_physical_devices("CPU")[0]
    wanted = [tf.config.LogicalDeviceConfiguration()] * devices
    current = tf.config.get_logical_device_configuration(cpu)
    if current is not None and len(current) == devices:
        return
    try:
        tf.config.set_logical_device_configuration(cpu, wanted)
    except RuntimeError:
        raise RuntimeError(
            f"cpu_devices={devices}: TensorFlow is already initialised, so the CPU can no longer be split "
            "into logical devices. Create the strategy first thing in the program, before any TensorFlow op."
        ) from None


def strategy(name: str = "default", cpu_devices: int | None = None) -> tf.distribute.Strategy:
    """A ``tf.distribute`` strategy by name.

    Args:
        name: ``"default"`` (TensorFlow's default strategy: one device, no
            replication), ``"mirrored"`` (``MirroredStrategy``: one replica per
            local GPU, or the CPU when there is none) or ``"multi-worker"``
            (``MultiWorkerMirroredStrategy``, the cluster read from
            ``TF_CONFIG``; checked by `tf_config`).
        cpu_devices: ``"mirrored"`` only: split the CPU into this many logical
            devices and mirror over them, to try replication on a machine
            without GPUs (it shows overhead, not speed-up). Must come before
            TensorFlow initialises.

    Create the strategy at the start of the program: ``MirroredStrategy``
    and ``MultiWorkerMirroredStrategy`` configure devices and collective ops,
    which TensorFlow allows only before its first operation.

    ```python
    strategy = kgan.distribute.strategy("mirrored", cpu_devices=2)   # 2 replicas on one CPU
    with strategy.scope():
        gan = kgan.GAN(G, D, latent=8)
        gan.compile()
    ```
    """
    if name not in NAMES:
        raise ValueError(f"Unknown strategy {name!r}; choose one of {', '.join(NAMES)}.")
    if cpu_devices is not None:
        if name != "mirrored":
            raise ValueError("cpu_devices applies to the 'mirrored' strategy only.")
        if isinstance(cpu_devices, bool) or not isinstance(cpu_devices, int) or cpu_devices < 1:
            raise ValueError(f"cpu_devices must be a positive integer, got {cpu_devices!r}.")
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "multi-worker":
        tf_config()  # a clear message instead of TensorFlow's deep one
        return tf.distribute.MultiWorkerMirroredStrategy()
    if cpu_devices is not None:
        _split_cpu(cpu_devices)
        if not tf.config.list_physical_devices("GPU"):
            return tf.distribute.MirroredStrategy([f"/cpu:{i}" for i in range(cpu_devices)])
    return tf.distribute.MirroredStrategy()


def _task(strategy=None):
    """``(type, index, cluster)`` of this task, or None outside a multi-worker cluster.

    From the strategy's cluster resolver, else (no strategy given, none in scope) from ``TF_CONFIG``.
    """
    strategy = strategy or tf.distribute.get_strategy()
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is not None and getattr(resolver, "task_type", None):
        return resolver.task_type, int(resolver.task_id or 0), resolver.cluster_spec().as_dict()
    if os.environ.get("TF_CONFIG", "").strip():
        config = tf_config()
        return config["task"]["type"], config["task"]["index"], config["cluster"]
    return None


def is_chief(strategy=None) -> bool:
    """Whether this process writes the run's outputs.

    True on a single machine; in a multi-worker cluster, for the ``chief``
    task, or for worker 0 when the cluster lists no chief (TensorFlow's rule).
    The task comes from ``strategy`` (or the strategy in scope), else from
    ``TF_CONFIG`` when it is set.
    """
    task = _task(strategy)
    if task is None:
        return True
    kind, index, cluster = task
    return kind == "chief" or (kind == "worker" and index == 0 and "chief" not in cluster)


def output_dir(path, strategy=None) -> Path:
    """Where this process should write: ``path`` on the chief, a per-worker temp folder elsewhere.

    Every worker must still run the same saving code (reading some
    distributed variables is a collective operation that all workers join);
    the others write into ``path/workertemp_<index>``, Keras' multi-worker
    pattern, and delete it with `cleanup_output_dir` when done.

    ```python
    out = kgan.distribute.output_dir("runs/dcgan")
    gan.save(out / "gan.keras")
    kgan.distribute.cleanup_output_dir(out)           # no-op on the chief
    ```
    """
    path = Path(path)
    if is_chief(strategy):
        return path
    _, index, _ = _task(strategy)
    return path / f"workertemp_{index}"


def cleanup_output_dir(path, strategy=None) -> None:
    """Delete a non-chief worker's temp folder from `output_dir`; does nothing on the chief."""
    path = Path(path)
    if not is_chief(strategy) and path.name.startswith("workertemp_"):
        shutil.rmtree(path, ignore_errors=True)


def global_mean(x, axis: int = 0):
    """Mean over the *global* batch of ``x`` along ``axis`` (the batch axis).

    For batch statistics inside a loss term (feature matching's feature
    means): under a ``tf.distribute`` strategy each replica sees only its
    share of the batch, so a plain ``ops.mean`` would give per-replica
    statistics. This sums and counts across replicas (differentiably), so
    the value equals the one-device value for the same global batch.
    Outside a strategy it is ``ops.mean(x, axis)``.

    ```python
    gap = kgan.distribute.global_mean(real_features) - kgan.distribute.global_mean(fake_features)
    ```
    """
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return ops.mean(x, axis=axis)
    total = ops.sum(x, axis=axis)
    count = ops.cast(ops.shape(x)[axis], total.dtype)
    total, count = context.all_reduce(tf.distribute.ReduceOp.SUM, [total, count])
    return total / count

