"""Keras callbacks for GAN training."""

from __future__ import annotations

import math

import keras

__all__ = ["TerminateOnNonFinite"]


class TerminateOnNonFinite(keras.callbacks.Callback):
    """Stop training as soon as any logged loss or metric is NaN or infinite.

    Keras' ``TerminateOnNaN`` watches only ``loss``, which a GAN does not
    log; this one watches ``d_loss``, ``g_loss``, ``d_real``, ``d_fake`` and
    every term. After it fires, ``stopped`` is True and ``reason`` says which
    metric went bad at which batch.

    ```python
    gan.fit(ds, epochs=5, callbacks=[kgan.callbacks.TerminateOnNonFinite()])
    ```
    """

    def __init__(self, verbose: bool = True):
        super().__init__()
        self.verbose = verbose
        self.stopped = False
        self.reason = None

    def on_train_batch_end(self, batch, logs=None):
        for name, value in (logs or {}).items():
            try:
                value = float(value)
            except (TypeError, ValueError):
                continue
            if not math.isfinite(value):
                self.stopped = True
                self.reason = f"{name} became {value} at batch {batch}"
                self.model.stop_training = True
                if self.verbose:
                    print(
                        f"\nkgan: training stopped: {self.reason}. Training diverged: lower the "
                        "learning rates, check the data for NaN/inf, or use a more stable loss."
                    )
                return
