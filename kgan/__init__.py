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
from typing import TYPE_CHECKING as _TYPE_CHECKING

__version__ = "0.1.0"

# The package face. `import kgan` imports all of it (and so TensorFlow), because
# `keras.models.load_model` finds kgan's saved classes only once their modules are imported.
_SUBMODULES = ("apps", "callbacks", "data", "distribute", "export", "latent", "layers", "losses", "metrics", "nets",
               "pixels", "presets", "terms")

# A literal list (not built from _SUBMODULES), so that static tools (ruff, the API docs) read it.
__all__ = ["CorruptFileError", "DiskFullError", "GAN", "apps", "callbacks", "data", "distribute", "export", "latent",
           "layers", "losses", "metrics", "nets", "pixels", "presets", "terms", "__version__"]

from kgan._atomic import CorruptFileError, DiskFullError  # noqa: E402  (stdlib only: `kgan --help` stays fast)

#: Keras backends kgan trains on (docs/engine.md, "Running on JAX").
_BACKENDS = ("tensorflow", "jax")

_loading = False  # True while _load runs: submodules importing each other must not restart it

if _TYPE_CHECKING:  # what `_load` binds, spelled out for static tools (type checkers, the API docs)
    from kgan import (
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
    from kgan.gan import GAN


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


def _load(quiet: bool = False) -> None:
    """Import the package face: Keras, TensorFlow, every public submodule and `GAN`.

    ``quiet``: hide TensorFlow's start-up log lines (the ``kgan`` command, once its
    arguments are read).
    """
    global _loading
    if quiet and "tensorflow" not in _sys.modules:
        _import_keras_quietly()
    import importlib

    import keras

    if keras.backend.backend() not in _BACKENDS:  # the step has a TF (_step_tf) and a JAX (_step_jax) plumbing
        raise ImportError(
            f"kgan runs on Keras' {' and '.join(_BACKENDS)} backends, but KERAS_BACKEND is "
            f"{keras.backend.backend()!r}. Set KERAS_BACKEND=tensorflow (the default; export needs it) or "
            "KERAS_BACKEND=jax (pip install 'kgan[jax]') before importing keras."
        )
    _loading = True
    try:
        for name in _SUBMODULES:
            importlib.import_module(f"kgan.{name}")  # binds kgan.<name>
        from kgan.gan import GAN
    finally:
        _loading = False
    globals()["GAN"] = GAN


def __getattr__(name):
    # Reached only while the face is not loaded (the `kgan` command before it has read its
    # arguments, so that `kgan --help` answers without TensorFlow): load it on first use.
    import importlib

    if name in _SUBMODULES:  # `from kgan import pixels` while the face loads, too: that module alone
        module = importlib.import_module(f"kgan.{name}")
        if not _loading:
            _load()
        return module
    if name == "GAN":
        _load()
        return globals()["GAN"]
    # kgan.tuning needs the optional keras-tuner: imported on first use (`kgan.tuning.X`), so that
    # `import kgan` works without it and a missing keras-tuner is reported only to those who use it.
    if name == "tuning":
        return importlib.import_module("kgan.tuning")
    raise AttributeError(f"module 'kgan' has no attribute {name!r}")


def __dir__():
    return sorted({*globals(), *__all__, "tuning"})


def _started_as_command() -> bool:
    """True when this import is the ``kgan`` console script's (or ``python -m kgan.cli``'s) own."""
    program = _sys.argv[0] if _sys.argv else ""
    return _os.path.basename(program) in ("kgan", "kgan.exe", "kgan-script.py") or program == "-m"


# The console script imports this package before `kgan.cli.main` can read its arguments: it
# loads the face itself, after parsing, so `kgan --help` and `--version` stay fast.
if not _started_as_command():
    _load()
