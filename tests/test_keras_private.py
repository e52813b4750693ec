"""The private Keras names kgan relies on still exist, and mean what kgan assumes.

Each row of ``kgan._keras_private.PRIVATE_NAMES`` is one test: the name exists
on the installed Keras (on an instance if ``__init__`` sets it), a method has
the parameters kgan calls or overrides it with, and Keras still calls or reads
it where kgan relies on that. A Keras upgrade that renames one fails here by
name instead of training or resuming wrongly. A new private use is a new row.
"""

import importlib
import inspect
import pathlib
import re

import keras
import numpy as np
import pytest

import kgan
from kgan import _keras_private

ROOT = pathlib.Path(kgan.__file__).parent

# Owners whose rows have instance=True: how to build one without side effects.
INSTANCES = {
    "keras.Model": lambda tmp: keras.Model(),
    "keras.KerasTensor": lambda tmp: keras.layers.Dense(1)(keras.Input((2,))),
    "keras.layers.Layer": lambda tmp: _called_dense(),
    # The default strategy's extended object stands in for the class: the attribute is defined on
    # the multi-worker one; building a real MultiWorkerMirroredStrategy configures collectives.
    "tensorflow.distribute.MultiWorkerMirroredStrategy.extended": lambda tmp: _multi_worker_extended(),
    "keras.callbacks.BackupAndRestore": lambda tmp: keras.callbacks.BackupAndRestore(str(tmp / "backup")),
    "keras.callbacks.ModelCheckpoint": lambda tmp: keras.callbacks.ModelCheckpoint(str(tmp / "m.keras")),
}

# The modules that must reach private Keras names only through kgan._keras_private: all of kgan.
ADAPTED = tuple(sorted(p.name for p in ROOT.iterdir() if p.name != "_keras_private.py" and
                       (p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists()))))


def _called_dense():
    layer = keras.layers.Dense(1)
    layer(keras.Input((2,)))
    return layer


def _multi_worker_extended():
    from tensorflow.python.distribute import collective_all_reduce_strategy as mwms

    return mwms.CollectiveAllReduceExtended


def resolve(dotted: str):
    if dotted.endswith(".extended"):  # an attribute of the strategy's `extended` object
        return _multi_worker_extended()
    module, _, rest = dotted.partition(".")
    target = importlib.import_module(module)
    for part in rest.split("."):
        target = getattr(target, part)
    return target


@pytest.mark.parametrize("row", _keras_private.PRIVATE_NAMES, ids=lambda row: row.label)
def test_private_keras_name_is_still_there(row, tmp_path):
    owner = resolve(row.owner)
    where = f"{row.label} (Keras {keras.__version__}), which kgan needs for {row.why}"
    if row.instance:
        assert row.owner in INSTANCES, f"add a way to build a {row.owner} to INSTANCES"
        assert hasattr(INSTANCES[row.owner](tmp_path), row.name), f"gone: {where}"
    else:
        assert hasattr(owner, row.name), f"gone: {where}"
    if row.params is not None:
        params = tuple(inspect.signature(getattr(owner, row.name)).parameters)
        assert params == row.params, f"parameters changed to {params}: {where}"
    for method in row.used_in:
        source = inspect.getsource(getattr(owner, method))
        assert re.search(rf"\b{row.name}\b", source), f"{row.owner}.{method} no longer uses {where}"


def test_every_row_is_in_the_module_docstring():
    for row in _keras_private.PRIVATE_NAMES:
        assert f"``{row.label}``" in _keras_private.__doc__, f"list {row.label} and why in kgan/_keras_private.py's docstring"


def test_adapted_modules_use_no_listed_name_directly():
    names = {row.name for row in _keras_private.PRIVATE_NAMES}
    for entry in ADAPTED:
        paths = [ROOT / entry] if entry.endswith(".py") else sorted((ROOT / entry).rglob("*.py"))
        for path in paths:
            used = names & set(re.findall(r"\.(_\w+)", path.read_text()))
            assert not used, f"{path.relative_to(ROOT)} uses {sorted(used)}: go through kgan._keras_private"


@pytest.mark.parametrize("hooks", [_keras_private.ModelCheckpointHooks, _keras_private.BackupAndRestoreHooks],
                         ids=lambda cls: cls.__name__)
def test_kgan_names_on_keras_subclasses_do_not_shadow_keras(hooks, tmp_path):
    """The kgan names the adapter adds (save_backup, weights_path, ...) are not Keras' own names:
    a Keras release that adds one would otherwise be silently overridden."""
    base = hooks.__bases__[0]
    keras_names = set(dir(base)) | set(vars(INSTANCES[f"keras.callbacks.{base.__name__}"](tmp_path)))
    added = {name for name in vars(hooks) if not name.startswith("_")}
    assert added and not added & keras_names, f"Keras now defines {sorted(added & keras_names)}"
    overridden = {name for name in vars(hooks) if name.startswith("_") and not name.startswith("__")}
    listed = {row.name for row in _keras_private.PRIVATE_NAMES if row.owner == f"keras.callbacks.{base.__name__}"}
    assert overridden <= listed, f"{hooks.__name__} overrides unlisted Keras names {sorted(overridden - listed)}"


@pytest.mark.parametrize("cls", [kgan.callbacks.BackupAndRestore, kgan.callbacks.ModelCheckpoint,
                                 kgan.callbacks.DivergenceGuard, kgan.callbacks.SampleGrid,
                                 kgan.callbacks.GeneratorEMA], ids=lambda cls: cls.__name__)
def test_kgan_callbacks_private_methods_do_not_shadow_keras(cls):
    """kgan's own underscore methods on Keras subclasses (_stop, _restore, ...) must not
    replace a Keras one by accident; the intended overrides are rows of PRIVATE_NAMES."""
    keras_base = next(c for c in cls.__mro__ if c.__module__.startswith("keras"))
    listed = {row.name for row in _keras_private.PRIVATE_NAMES}
    ours = {name for c in cls.__mro__ if c.__module__.startswith("kgan") for name in vars(c)
            if name.startswith("_") and not name.startswith("__")}
    clashes = {name for name in ours & set(dir(keras_base)) if name not in listed}
    assert not clashes, f"{cls.__name__} shadows Keras' {sorted(clashes)} of {keras_base.__name__}"


def test_set_initial_epoch_moves_the_start_of_fit():
    seen = []

    class StartAt2(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            _keras_private.set_initial_epoch(self.model, 2)

        def on_epoch_begin(self, epoch, logs=None):
            seen.append(epoch)

    x = np.zeros((1, 1), "float32")
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, x, epochs=4, verbose=0, callbacks=[StartAt2()])
    assert seen == [2, 3]
    _keras_private.set_initial_epoch(model, None)
    seen.clear()
    model.fit(x, x, epochs=2, verbose=0, callbacks=[keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: seen.append(epoch))])
    assert seen == [0, 1]
