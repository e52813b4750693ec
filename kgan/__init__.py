"""kgan: train generative adversarial networks with plain Keras 3 ``model.fit``.

```python
import kgan
gan = kgan.GAN(generator=G, discriminator=D, latent=kgan.latent.Normal(64))
gan.compile(loss="non_saturating")
gan.fit(dataset, epochs=10)
```
"""

import os as _os
import sys as _sys


def _import_keras_quietly():
    """Import Keras/TensorFlow with their C++ start-up log lines hidden (the ``kgan`` command only).

    TensorFlow writes those lines straight to file descriptor 2 before any Python
    setting applies, so the command points fd 2 at /dev/null for the import alone.
    """
    _os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    _sys.stderr.flush()
    saved = _os.dup(2)
    devnull = _os.open(_os.devnull, _os.O_WRONLY)
    try:
        _os.dup2(devnull, 2)
        import keras  # noqa: F401
        import tensorflow  # noqa: F401
    finally:
        _os.dup2(saved, 2)
        _os.close(saved)
        _os.close(devnull)


# Only for the `kgan` console script: its entry point imports this package, and so
# TensorFlow, before cli.main can run, so the silencing has to happen here.
if _os.path.basename(_sys.argv[0] if _sys.argv else "") == "kgan":
    _import_keras_quietly()

import keras as _keras  # noqa: E402

if _keras.backend.backend() != "tensorflow":  # train_step uses tf.GradientTape and tf.distribute
    raise ImportError(
        f"kgan needs Keras' TensorFlow backend, but KERAS_BACKEND is {_keras.backend.backend()!r}. "
        "Set KERAS_BACKEND=tensorflow before importing keras."
    )

from kgan import (  # noqa: E402
    apps,
    callbacks,
    data,
    distribute,
    export,
    latent,
    layers,
    losses,
    metrics,
    nets,
    pixels,
    presets,
    terms,
)
from kgan.gan import GAN  # noqa: E402

__version__ = "0.1.0"

__all__ = ["GAN", "apps", "callbacks", "data", "distribute", "export", "latent", "layers", "losses", "metrics", "nets",
           "pixels", "presets", "terms", "__version__"]


def __getattr__(name):
    # kgan.tuning needs the optional keras-tuner: imported on first use (`kgan.tuning.X`), so that
    # `import kgan` works without it and a missing keras-tuner is reported only to those who use it.
    if name == "tuning":
        import importlib

        return importlib.import_module("kgan.tuning")
    raise AttributeError(f"module 'kgan' has no attribute {name!r}")
