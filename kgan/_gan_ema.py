"""The averaged generator a GAN keeps when compiled with ``ema=``: saved with it, used for sampling.

An exponential moving average of G's weights gives smoother, often better samples than the
last iterate (Yazici et al. 2019; ProGAN, BigGAN, StyleGAN sample from it). Here the average
belongs to the GAN, not to a callback: its weights are among the GAN's own variables, so
``gan.save`` / ``keras.models.load_model``, ``BackupAndRestore`` and kgan's checkpoints keep it,
and ``gan.generate``, ``kgan sample``, ``kgan evaluate`` and ``kgan export`` draw from it.

```python
gan.compile(ema=0.999)        # about the last 1,000 G updates (the last tenth early in training)
gan.fit(ds, epochs=20)
gan.generate(64, seed=0)      # from the average; gan.generate(64, ema=False) for the live G
```

The update runs after each training batch (an internal callback `GAN.fit` adds last, after any
``BackupAndRestore`` has restored the weights), decaying once per G optimizer update, so
``steps_per_execution=k`` and ``g_steps=k`` both fold in k updates' decays per block. The decay
warms up as in ``tf.train.ExponentialMovingAverage`` with ``num_updates``: at G update t it is
``min(decay, (1 + t) / (10 + t))`` (0.92 at update 100, 0.991 at 1,000), so the average of a
short run is not mostly the random initial weights. Training itself is unchanged.
BatchNormalization statistics are copied at each update, and at the end of each ``fit``
re-estimated for the average's own weights (standing statistics, `kgan.nets.standing_statistics`)
when G takes latent vectors alone.
"""

from __future__ import annotations

import keras

from kgan import _nets
from kgan.nets import batch_norm


class GeneratorAverage:
    """The EMA copy of a generator (``gan.ema``); ``generator`` is the averaged model."""

    def __init__(self, generator, decay: float):
        try:
            decay = float(decay)
        except (TypeError, ValueError):
            raise TypeError(f"ema must be a decay in (0, 1) such as 0.999, or None; got {decay!r}.") from None
        if not 0.0 < decay < 1.0:
            raise ValueError(f"ema={decay}: the decay must be in (0, 1), e.g. 0.999 (about the last 1,000 updates).")
        self.decay = decay
        try:
            self.generator = keras.models.clone_model(generator)
        except ValueError as err:  # subclassed generators without get_config cannot be copied
            raise ValueError(f"ema needs a copy of the generator, and Keras cannot clone it ({err}). Use a "
                             "functional or Sequential generator, or one whose get_config rebuilds it.") from None
        self.generator.set_weights(generator.get_weights())
        self.generator.trainable = False
        self._pairs = list(zip(self.generator.weights, generator.weights, strict=True))
        self._trainable = {id(v) for v in generator.trainable_weights}
        self._step = None

    @property
    def variables(self) -> list:
        """The averaged weights, saved among the GAN's own variables."""
        return [ema for ema, _ in self._pairs]

    def standing_statistics(self, latent, batches: int = 16, batch_size: int = 256, seed: int = 0) -> int:
        """Re-estimate the average's BatchNormalization statistics for its own weights (BigGAN).

        ``batches`` draws of ``batch_size`` latent vectors from ``latent`` (a fixed ``seed``, so
        the result does not depend on the GAN's draws). Only for generators that take latent
        vectors alone; a conditional one needs its conditions:
        ``kgan.nets.standing_statistics(gan.ema.generator, [[z, c], ...])``. Returns the number of
        layers re-estimated (0 for none, or a conditional generator).
        """
        if _nets.input_count(self.generator) != 1 or not batch_norm.batch_norm_layers(self.generator):
            return 0
        draws = keras.random.SeedGenerator(seed)
        return batch_norm.standing_statistics(self.generator, (latent.sample(batch_size, seed=draws) for _ in range(batches)))

    def update(self, updates: int, done: int = 0) -> None:
        """Fold in the live weights after ``updates`` more G updates, ``done`` having come before."""
        if self._step is None:
            self._step = averager(self._pairs, self._trainable)
        self._step(block_decay(self.decay, done, updates))


def warmed_up_decay(decay: float, update: int) -> float:
    """The decay applied at G update number ``update`` (1, 2, ...): ``min(decay, (1 + t) / (10 + t))``.

    The warm-up of ``tf.train.ExponentialMovingAverage(num_updates=...)``: early on the average
    spans about the last tenth of training, so a short run's average is not mostly the random
    initial weights (0.999 alone would keep 37% of them after 1,000 updates).
    """
    return min(decay, (1.0 + update) / (10.0 + update))


def block_decay(decay: float, done: int, updates: int) -> float:
    """The factor on the old average after ``updates`` updates that follow ``done`` earlier ones."""
    factor = 1.0
    for t in range(done + 1, done + updates + 1):
        factor *= warmed_up_decay(decay, t)
    return factor


def averager(pairs, trainable):
    """A compiled ``update(decay)`` folding live weights into their averages, on either backend.

    ``pairs``: ``(average, live)`` variables; those whose live id is in ``trainable`` become
    ``decay * average + (1 - decay) * live``, the others (BatchNorm statistics) are copied. One
    traced program for all weights (``tf.function`` on TensorFlow, ``jax.jit`` on JAX): a
    per-variable eager update costs far more.

    ```python
    update = averager(list(zip(ema.weights, g.weights)), {id(v) for v in g.trainable_weights})
    update(0.999)
    ```
    """
    averages, live = [a for a, _ in pairs], [w for _, w in pairs]
    mixed = [id(w) in trainable for w in live]
    if keras.backend.backend() == "jax":
        import jax

        @jax.jit
        def pure(average_values, live_values, decay):
            return [decay * a + (1.0 - decay) * w if m else w
                    for a, w, m in zip(average_values, live_values, mixed, strict=True)]

        def update(decay):
            new = pure([a.value for a in averages], [w.value for w in live], decay)
            for a, value in zip(averages, new, strict=True):
                a.assign(value)

        return update
    import tensorflow as tf

    @tf.function
    def step(decay):
        for a, w, m in zip(averages, live, mixed, strict=True):
            a.assign(decay * a + (1.0 - decay) * w if m else w)

    return lambda decay: step(tf.constant(decay, tf.float32))


class AverageUpdate(keras.callbacks.Callback):
    """Updates ``gan.ema`` after each training batch; `GAN.fit` adds it when the GAN has one."""

    def __init__(self, average: GeneratorAverage):
        super().__init__()
        self.average = average
        self._seen = 0

    def on_train_begin(self, logs=None):
        # Read after BackupAndRestore has restored the optimizer: a resumed run counts from there.
        self._seen = int(self.model.g_optimizer.iterations.numpy())

    def on_train_batch_end(self, batch, logs=None):
        # With steps_per_execution = k Keras calls this once per k steps: count G's updates instead.
        iterations = int(self.model.g_optimizer.iterations.numpy())
        updates, self._seen = iterations - self._seen, iterations
        if updates > 0:
            self.average.update(updates, done=iterations - updates)

    def on_train_end(self, logs=None):
        # Each update copied the live G's BatchNorm statistics, measured on other weights: sample
        # the average with statistics of its own (measured: FD 85.8 -> 57.0 after one epoch on
        # 6,000 Fashion-MNIST images; no change once training has settled, docs/modern-stack.md).
        self.average.standing_statistics(self.model.latent)


def for_compile(gan, decay):
    """``gan.ema`` after ``compile(ema=decay)``: kept when compiling again with the same decay."""
    if decay is None:
        return None
    current = getattr(gan, "ema", None)
    if isinstance(current, GeneratorAverage) and current.decay == float(decay):
        return current  # like an optimizer passed back in: a second compile continues the average
    return GeneratorAverage(gan.generator, decay)


def sampling_generator(gan, ema=None):
    """The network `GAN.generate` samples: the average when kept (``ema=None``/True), else G."""
    if ema is None:
        return gan.generator if gan.ema is None else gan.ema.generator
    if ema and gan.ema is None:
        raise ValueError("generate(ema=True): this GAN keeps no averaged generator; compile it with ema=0.999 "
                         "(then train) or leave ema out / pass ema=False for the live generator.")
    return gan.ema.generator if ema else gan.generator


def sample_latent(prior, n, seed, truncation=None):
    """``prior.sample(n, seed)``, truncated for a Normal prior when ``truncation`` is given."""
    if truncation is None:
        return prior.sample(n, seed=seed)
    from kgan.latent import Normal

    if not isinstance(prior, Normal):
        raise ValueError(f"truncation needs a Normal prior (values near its mode); this GAN's prior is {prior!r}. "
                         "Leave truncation out.")
    return prior.sample(n, seed=seed, truncation=truncation)
