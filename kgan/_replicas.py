"""What one training step needs under a ``tf.distribute`` strategy (the engine's distributed plumbing).

Per-replica seeds (so replicas draw different z), the per-replica share of a global-batch loss,
and the strategy checks the engine branches on. User-facing helpers live in `kgan.distribute`.
"""

from __future__ import annotations

import warnings

import keras
import tensorflow as tf
from keras import ops

from kgan import _keras_private

#: Replica r draws from the GAN's seed stream shifted by ``r * REPLICA_SEED_STRIDE`` (a prime:
#: well apart from the base seed), so replicas draw different z; tests emulate it on one device.
REPLICA_SEED_STRIDE = 7919


class ReplicaSeeds(keras.random.SeedGenerator):
    """The GAN's seed stream with the replica id folded in, so that replicas draw different z.

    Under a tf.distribute strategy the GAN's SeedGenerator state is mirrored: without this,
    every replica would draw the same latent batch (and the same penalty coefficients).
    """

    def __init__(self, base, replica_id):  # no super().__init__(): the state stays in `base`
        self._base, self._replica_id = base, replica_id

    def next(self, ordered=True):
        seed = self._base.next(ordered=ordered)
        offset = ops.cast(self._replica_id, seed.dtype) * REPLICA_SEED_STRIDE
        return seed + ops.cast(ops.stack([offset, ops.zeros_like(offset)]), seed.dtype)


def step_seeds(seed_generator):
    """Where this replica's random draws come from in a train/test step."""
    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    context = tf.distribute.get_replica_context()
    if replicas > 1 and context is not None:
        return ReplicaSeeds(seed_generator, context.replica_id_in_sync_group)
    return seed_generator


def scale_for_replicas(loss):
    """Per-replica mean -> share of the global-batch mean (gradients are summed across replicas)."""
    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    return loss / replicas if replicas > 1 else loss


def replica_count(model) -> int:
    """Replicas a global batch is split over: the ``tf.distribute`` strategy's on TensorFlow, the
    batch axis of ``keras.distribution.distribution()``'s device mesh on JAX (1 without one).

    ```python
    replica_count(gan)    # 2 under MirroredStrategy on two GPUs, or JAX's DataParallel on two
    ```
    """
    if keras.backend.backend() == "tensorflow":
        return model.distribute_strategy.num_replicas_in_sync
    distribution = keras.distribution.distribution()
    mesh = getattr(distribution, "device_mesh", None)
    if mesh is None or getattr(distribution, "batch_dim_name", None) not in mesh.axis_names:
        return 1
    return int(mesh.shape[list(mesh.axis_names).index(distribution.batch_dim_name)])


def is_mirrored(strategy) -> bool:
    return isinstance(strategy, (tf.distribute.MirroredStrategy, tf.distribute.MultiWorkerMirroredStrategy))


def multi_worker() -> bool:
    strategy = tf.distribute.get_strategy()
    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) and _keras_private.in_multi_worker_mode(strategy)


def reducible(results: dict) -> dict:
    """Step outputs Keras can reduce across workers.

    Keras 3 reduces them with ``strategy.reduce(..., axis=0)``, which fails on scalars
    (tensorflow#72388): give them shape (1,); the reduced logs are scalars again.
    """
    if keras.backend.backend() != "tensorflow" or not multi_worker():
        return results
    return {name: ops.reshape(value, (1,)) for name, value in results.items()}


def fit_execution_blocks(model, steps_per_epoch) -> None:
    """Make ``steps_per_execution`` work for this fit, or say what it will do.

    Under MirroredStrategy it fails in Keras 3 (keras-team/keras#19246): one step per execution
    then. Steps per epoch that are not a multiple of it run whole blocks on an endless dataset.
    """
    strategy = getattr(model, "distribute_strategy", None)  # TensorFlow only
    if (model.steps_per_execution or 1) > 1 and is_mirrored(strategy):
        warnings.warn(
            f"steps_per_execution={model.steps_per_execution} fails under {type(strategy).__name__} "
            "in Keras 3 (keras-team/keras#19246): running one step per execution instead.",
            stacklevel=3,
        )
        model.steps_per_execution = 1
        model.train_function = model.test_function = model.predict_function = None
    block = model.steps_per_execution or 1
    if steps_per_epoch is not None and block > 1 and steps_per_epoch % block:
        warnings.warn(
            f"steps_per_epoch={steps_per_epoch} is not a multiple of steps_per_execution={block}: Keras runs "
            f"{-(-steps_per_epoch // block) * block} steps per epoch on an endless dataset. Use a multiple of "
            f"{block} for exact step counts.",
            stacklevel=3,
        )
