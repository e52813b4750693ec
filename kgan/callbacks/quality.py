"""``SampleQuality``: sample-quality metrics in ``fit``'s logs, where Keras already looks.

Every ``every`` epochs it draws ``n`` samples, encodes them with a feature model and
writes the chosen metrics (``fd``, ``kid``, ``precision``, ...) into the epoch's logs, so
``EarlyStopping(monitor="fd")``, ``ModelCheckpoint(monitor="kid")``, ``CSVLogger``,
``TensorBoard`` and keras-tuner objectives use them like any other metric.

```python
x_test, _ = kgan.data.image_arrays("fashion_mnist", split="test")
quality = kgan.callbacks.SampleQuality("fashion_mnist", x_test, n=2000, metrics=("fd", "kid"))
gan.fit(ds, epochs=20, callbacks=[
    quality,                                                    # before the callbacks that read its logs
    keras.callbacks.EarlyStopping(monitor="fd", patience=3),     # mode="min" inferred
    keras.callbacks.CSVLogger("runs/x/log.csv"),
])
```
"""

from __future__ import annotations

import time
import warnings

import keras
import numpy as np

from kgan._checks import positive_int
from kgan.metrics._features import FeatureMetric
from kgan.metrics.suite import METRICS, check_metric_names, feature_model, sample_quality

__all__ = ["SampleQuality"]


class SampleQuality(keras.callbacks.Callback):
    """Compute sample-quality metrics every ``every`` epochs and add them to ``logs``.

    The reference set's features are computed once (at the first evaluation) and reused.
    Samples come from the same latent draw (``seed``) every time, so changes from one epoch
    to the next are the generator's, not the draw's; with ``ema`` (a
    `kgan.callbacks.GeneratorEMA`) they come from the averaged generator. Epochs without an
    evaluation have no entry (``every > 1``): monitor callbacks skip them with a warning.

    Place it **before** the callbacks that read its values (EarlyStopping, ModelCheckpoint,
    CSVLogger, TensorBoard, keras-tuner's own): Keras calls callbacks in list order, and
    each sees the logs as the ones before it left them.

    Args:
        feature_model: ``"fashion_mnist"`` (the project's classifier), any Keras model from
            images to features (a ``"features"`` layer or output is used, see
            `kgan.metrics.feature_model`), or `kgan.metrics.inception_v3_features(...)`.
        reference_images: real images ``(m, h, w, c)`` in [-1, 1] or uint8 (e.g. the test
            split), or their features ``(m, d)`` from the same feature model.
        n: generated samples per evaluation (compare values only at the same ``n`` and
            reference size: FD is biased at small n; KID is not, but is noisier).
        every: evaluate every ``every`` epochs (and after the last epoch).
        metrics: names from ``kgan.metrics.METRICS``: ``fd``, ``kid`` (also logs
            ``kid_std``), ``precision``, ``recall``, ``density``, ``coverage``.
        seed: the latent draw and KID's subsets.
        condition: for a conditional GAN, ``n`` conditions for the samples.
        ema: a `kgan.callbacks.GeneratorEMA` in the same ``fit``: sample its average.
        resize: resize/convert images whose shape differs from the feature model's input.
        batch_size: images per forward pass of the feature model.
        kid_subsets, kid_subset_size, pr_k, dc_k: as in `kgan.metrics.sample_quality`.

    After each evaluation ``history`` holds ``{"epoch": e, "seconds": s, **values}``.
    """

    def __init__(self, feature_model, reference_images, n: int = 2000, every: int = 1, metrics=("fd", "kid"),
                 seed: int = 0, condition=None, ema=None, resize: bool = False, batch_size: int = 500,
                 kid_subsets: int = 100, kid_subset_size: int = 1000, pr_k: int = 3, dc_k: int = 5):
        super().__init__()
        self.metrics = check_metric_names(metrics)
        self.n = positive_int(n, "n")
        if self.n < 2:
            raise ValueError("SampleQuality needs n >= 2 samples per evaluation (thousands for stable numbers).")
        self.every = positive_int(every, "every")
        if condition is not None and len(condition) != self.n:
            raise ValueError(f"condition has {len(condition)} rows for n={self.n} samples: give one per sample.")
        self.feature_source, self.reference_images = feature_model, reference_images
        self.seed, self.condition, self.ema = int(seed), condition, ema
        self.resize, self.batch_size = resize, batch_size
        self.options = {"kid_subsets": kid_subsets, "kid_subset_size": kid_subset_size, "pr_k": pr_k, "dc_k": dc_k}
        self._encoder = None
        self._reference = None
        self.history = []

    @property
    def logged_directions(self) -> dict[str, str]:
        """The names this callback logs and which way is better (``"min"``/``"max"``, Keras' ``mode``).

        `kgan.GAN.fit` gives them to ``EarlyStopping``/``ModelCheckpoint``/``ReduceLROnPlateau``
        left at ``mode="auto"``, so ``EarlyStopping(monitor="fd")`` needs no ``mode=``.
        """
        return {name: METRICS[name] for name in self.metrics}

    def reference_features(self) -> np.ndarray:
        """The reference set's features (computed at the first call, then cached)."""
        if self._reference is None:
            self._encoder = FeatureMetric(feature_model(self.feature_source), self.batch_size, self.resize)
            self._reference = self._encoder.as_features(np.asarray(self.reference_images))
        return self._reference

    def _samples(self) -> np.ndarray:
        if self.ema is not None:
            if self.condition is not None:
                raise ValueError("SampleQuality(ema=...) samples the averaged generator, which takes no condition.")
            return self.ema.generate(self.n, seed=self.seed)
        return self.model.generate(self.n, seed=self.seed, condition=self.condition)

    def evaluate(self) -> dict[str, float]:
        """The metrics of the model's samples now (what ``on_epoch_end`` logs)."""
        reference = self.reference_features()
        samples = self._samples()
        if not np.isfinite(samples).all():
            # A diverged generator: NaN in the logs lets TerminateOnNaN/DivergenceGuard/EarlyStopping act on it,
            # where an exception here would end fit with a traceback from inside a callback.
            warnings.warn(f"SampleQuality: the generator produced NaN/inf samples; logging NaN for "
                          f"{', '.join(self.metrics)}.", RuntimeWarning, stacklevel=2)
            nan = {name: float("nan") for name in self.metrics}
            return {**nan, "kid_std": float("nan")} if "kid" in self.metrics else nan
        fake = self._encoder.features(samples)
        return sample_quality(reference, fake, self.metrics, seed=self.seed, **self.options)

    def on_epoch_end(self, epoch, logs=None):
        final = self.params.get("epochs") if self.params else None
        if (epoch + 1) % self.every and epoch + 1 != final:
            return
        start = time.perf_counter()
        values = self.evaluate()
        seconds = time.perf_counter() - start
        self.history.append({"epoch": epoch + 1, "seconds": round(seconds, 3), **values})
        if logs is not None:
            logs.update(values)
