"""The prior of an export: resolved and checked against the generator, then sampled inside the graph.

Private. The ``sample`` signatures draw the latent batch with the prior's own ``sample``,
traced with a seed *tensor* (`TensorSeed`), so that ``seed=s`` in TF Serving gives the images
of ``prior.sample(n, seed=s)`` in Python. That trick, and the check that refuses priors it
cannot hold for, is subtle enough to live apart from the code that assembles the signatures.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from kgan.latent import from_name
from kgan.latent import get as get_latent


def prior_object(prior, spec):
    """``prior`` as given, or the `kgan.latent` prior of that name sized by the latent ``spec``."""
    if isinstance(prior, str):
        if spec is None:
            raise ValueError("A prior given by name needs a generator with a known latent input size.")
        return from_name(prior, int(spec.shape[-1]), argument="prior")
    return prior


def checked_prior(prior, latent_spec):
    """The `kgan.latent` prior, once its vectors are known to fit the generator's latent input."""
    prior = get_latent(prior_object(prior, latent_spec))
    if tuple(prior.shape) != tuple(latent_spec.shape[1:]):
        raise ValueError(
            f"The prior {prior!r} draws vectors of shape {prior.shape}, but the generator takes "
            f"{tuple(latent_spec.shape[1:])}: pass the prior the generator was trained with."
        )
    return prior


class TensorSeed(keras.random.SeedGenerator):
    """A seed tensor where Keras expects a seed: ``keras.random.*`` then draws with stateless ops.

    It yields what ``keras.random.SeedGenerator(s)`` yields, ``[s, 0], [s, 1], ...`` (one per
    draw, counted while tracing), and priors turn an int seed into such a generator, so the
    in-graph draw equals ``prior.sample(n, seed=s)``, several draws per sample included.
    """

    def __init__(self, seed):  # no super().__init__(): no state variable, nothing to save
        self._seed, self._draws = tf.cast(seed, tf.int64), 0

    def next(self, ordered=True):
        value = tf.stack([self._seed, tf.constant(self._draws, tf.int64)])
        self._draws += 1
        return value


def latent_sampler(prior):
    """``draw(batch_size, seed) -> z``: the prior's own ``sample`` traced with a seed tensor.

    Checked once here: a prior that ignores the seed (or keeps Python-side state) would make
    ``sample`` non-reproducible or tie the SavedModel to kgan, so it is refused.
    """

    def draw(batch_size, seed):
        return prior.sample(batch_size, seed=TensorSeed(seed))

    probe = tf.function(draw, autograph=False)
    unsupported = (
        f"The latent prior {prior!r} cannot be sampled inside the exported graph: its sample() must "
        "return one float tensor drawn with keras.random.* from the seed it is given. Export without "
        "the 'sample' signature (a bare generator, no prior) or use kgan.latent.Normal/Uniform."
    )
    try:
        first, again, other = (probe(tf.constant(3, tf.int32), tf.constant(s, tf.int64)) for s in (7, 7, 8))
    except Exception as err:  # any failure while tracing a user prior means the same thing
        raise NotImplementedError(unsupported) from err
    if (not all(tf.is_tensor(t) and tuple(t.shape) == (3, *prior.shape) for t in (first, other))
            or not np.array_equal(first, again) or np.array_equal(first, other)):
        raise NotImplementedError(unsupported)  # wrong shape, ignores the seed, or not reproducible
    return draw
