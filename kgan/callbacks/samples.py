"""Sample callbacks: what the generator draws while it trains.

``SampleGrid`` writes a PNG grid (and optionally a TensorBoard image) of one
fixed latent batch before training and after every epoch; ``GeneratorEMA``
keeps an exponential moving average of G's weights for sampling.

```python
grids = kgan.callbacks.SampleGrid("runs/fmnist/samples", n=64)
ema = kgan.callbacks.GeneratorEMA(decay=0.999)
gan.fit(ds, epochs=10, callbacks=[grids, ema])
images = ema.generate(16, seed=0)
```
"""

from __future__ import annotations

import os
import re
import warnings

import keras
import numpy as np
import tensorflow as tf

from kgan import _atomic, _gan_ema, pixels
from kgan._checks import positive_int

__all__ = ["GeneratorEMA", "SampleGrid"]

_GRID_NAME = re.compile(r"epoch_\d{3,}\.png")


class SampleGrid(keras.callbacks.Callback):
    """Render a fixed latent batch as a PNG grid before training and after every epoch.

    The same ``seed`` gives the same latent vectors every time, so the grids
    show how the generator's answer to one question changes as it trains:
    ``out_dir/epoch_000.png`` (untrained), ``epoch_001.png``, ... With
    ``log_dir`` the grids also go to TensorBoard (``samples`` image summary).

    Small images are enlarged (nearest neighbour, by a whole factor) so that each
    cell is at least ``min_cell`` pixels: a grid of 28x28 images is readable.

    A fresh run (a GAN that has not trained yet) into a folder that holds
    ``epoch_*.png`` from an earlier run removes them first, with a warning, so
    the folder never mixes two runs. A resumed run (``BackupAndRestore``) or a
    second ``fit`` keeps the grids it continues and their numbering.

    ```python
    gan.fit(ds, epochs=10, callbacks=[kgan.callbacks.SampleGrid("runs/fmnist", n=64)])
    ```

    Args:
        out_dir: folder for the PNG files (created).
        n: images per grid.
        seed: seed of the fixed latent batch.
        every: write a grid every ``every`` epochs (the last epoch always).
        cols: images per row (default: a square).
        condition: for conditional GANs, ``n`` conditions (labels, ...).
        log_dir: a TensorBoard log folder, or None.
        min_cell: smallest cell side in pixels (1: the images' own size).
    """

    def __init__(self, out_dir, n: int = 64, seed: int = 0, every: int = 1, cols: int | None = None,
                 condition=None, log_dir=None, min_cell: int = 64):
        super().__init__()
        self.out_dir = os.fspath(out_dir)
        self.n = positive_int(n, "n")
        self.every = positive_int(every, "every")
        self.seed, self.cols, self.condition, self.log_dir = int(seed), cols, condition, log_dir
        self.min_cell = positive_int(min_cell, "min_cell")
        if log_dir is not None:
            try:
                import tensorboard  # noqa: F401 - tf.summary.image needs it
            except ImportError:
                raise ImportError("SampleGrid(log_dir=...) writes TensorBoard images and needs tensorboard: "
                                  "pip install tensorboard (or 'kgan[tuner]'), or leave log_dir out.") from None
        if condition is not None and len(condition) != self.n:
            raise ValueError(f"SampleGrid got {len(condition)} conditions for n={self.n} images: pass one per image.")
        self.paths: list[str] = []
        self._writer = None
        self._last_epoch, self._offset, self._first_epoch = 0, None, False

    def _check_model(self):
        if not hasattr(self.model, "generate"):
            raise TypeError(f"SampleGrid works with a kgan.GAN; this model is a {type(self.model).__name__}.")

    def render(self, epoch: int) -> str:
        """Write the grid for ``epoch`` (0 = before training) and return its path."""
        self._check_model()
        images = self.model.generate(self.n, seed=self.seed, condition=self.condition)
        grid = pixels.image_grid(pixels.enlarge(images, self.min_cell), cols=self.cols)
        path = pixels.save_png(os.path.join(self.out_dir, f"epoch_{epoch:03d}.png"), grid)
        self.paths.append(path)
        if self.log_dir is not None:
            if self._writer is None:
                self._writer = tf.summary.create_file_writer(os.fspath(self.log_dir))
            with self._writer.as_default():
                tf.summary.image("samples", grid[np.newaxis], step=epoch)
            self._writer.flush()
        return path

    def on_train_begin(self, logs=None):
        # A second fit() with this callback continues the numbering instead of overwriting the
        # earlier grids (epoch_000 is the untrained generator, drawn once); a resumed run
        # (initial_epoch, BackupAndRestore) already gets absolute epoch numbers from Keras.
        self._offset = None
        self._first_epoch = self._last_epoch == 0 and not self.paths
        _atomic.make_folder(self.out_dir)  # a file in the way fails now, not after the first epoch

    def on_epoch_begin(self, epoch, logs=None):
        # Decided here, not in on_train_begin: by now every callback's on_train_begin has run, so
        # a BackupAndRestore anywhere in the list has restored the weights and the step count.
        if not self._first_epoch:
            return
        self._first_epoch = False
        if getattr(self.model, "steps", None) == 0:  # a fresh run: nothing trained, nothing resumed
            stale = self.stale_grids()
            for path in stale:
                os.remove(path)
            if stale:
                warnings.warn(f"SampleGrid: removed {len(stale)} epoch_*.png of an earlier run from {self.out_dir}; "
                              "this run's grids replace them (give another folder to keep them).", stacklevel=2)
            self.render(0)
        elif not os.path.exists(os.path.join(self.out_dir, "epoch_000.png")):
            self.render(0)

    def stale_grids(self) -> list[str]:
        """The ``epoch_NNN.png`` files in ``out_dir`` (a fresh run removes them before its first grid)."""
        try:
            names = os.listdir(self.out_dir)
        except FileNotFoundError:
            return []
        return sorted(os.path.join(self.out_dir, name) for name in names if _GRID_NAME.fullmatch(name))

    def on_epoch_end(self, epoch, logs=None):
        if self._offset is None:
            self._offset = self._last_epoch if epoch + 1 <= self._last_epoch else 0
        number = epoch + 1 + self._offset
        self._last_epoch = number
        final = self.params.get("epochs") if self.params else None
        if number % self.every == 0 or (final is not None and epoch + 1 == final):
            self.render(number)


class GeneratorEMA(keras.callbacks.Callback):
    """Keep an exponential moving average of the generator's weights, for sampling.

    Averaged weights give smoother, often better samples than the last
    iterate (Yazici et al. 2019; used by ProGAN, BigGAN, StyleGAN). The
    average lives in ``ema_generator``, a copy of G updated after every
    training batch (with ``steps_per_execution = k``, once per block with
    ``decay**k``); BatchNormalization statistics are copied, not averaged.
    Training itself is unchanged. The average is kept by this callback, not
    saved in the GAN's ``.keras`` file: save ``ema_generator`` yourself. To keep
    the average in the GAN (saved, resumed, sampled by ``generate`` and the
    CLI), compile it with ``gan.compile(ema=0.999)`` instead.

    ```python
    ema = kgan.callbacks.GeneratorEMA(decay=0.999)
    gan.fit(ds, epochs=20, callbacks=[ema])
    ema.ema_generator.save("generator_ema.keras")
    images = ema.generate(64, seed=0)
    ```

    Args:
        decay: weight of the old average per update (0.999: about the last
            1000 updates).
        start: generator updates to wait before averaging (early weights
            are poor; with the default 0 the random initial weights fade as
            ``decay**t``); until then the copy just follows G.
    """

    def __init__(self, decay: float = 0.999, start: int = 0):
        super().__init__()
        if not 0.0 < decay < 1.0:
            raise ValueError(f"decay must be in (0, 1), got {decay}.")
        self.decay, self.start = float(decay), int(start)
        self.ema_generator = None
        self._seen = 0
        self._update = None

    def on_train_begin(self, logs=None):
        generator = self.model.generator
        if self.ema_generator is None:  # a second fit continues the same average
            self.ema_generator = keras.models.clone_model(generator)
            self.ema_generator.set_weights(generator.get_weights())
            self._seen = int(self.model.g_optimizer.iterations.numpy())
        pairs = list(zip(self.ema_generator.weights, generator.weights, strict=True))
        self._update = _gan_ema.averager(pairs, {id(v) for v in generator.trainable_weights})

    def on_train_batch_end(self, batch, logs=None):
        # Count G's optimizer updates, not callback calls: with steps_per_execution = k, Keras
        # calls this once per k steps, and the average must still decay once per update.
        iterations = int(self.model.g_optimizer.iterations.numpy())
        steps, self._seen = iterations - self._seen, iterations
        if steps <= 0:
            return
        self._update(0.0 if iterations <= self.start else self.decay ** steps)

    def generate(self, n: int, seed: int = 0) -> np.ndarray:
        """``n`` samples from the averaged generator, with the GAN's latent prior."""
        if self.ema_generator is None:
            raise RuntimeError("GeneratorEMA has no average yet: pass it to fit() first.")
        z = self.model.latent.sample(n, seed=keras.random.SeedGenerator(seed))
        return np.asarray(self.ema_generator(z, training=False))
