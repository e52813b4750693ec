"""TF Serving's SavedModel: `saved_model` writes ``BASE/NAME/VERSION/`` with its warm-up records, `signatures` reads it back.

```python
path = kgan.export.saved_model(gan, "export", name="fmnist")    # export/fmnist/1/ (then 2/, 3/, ...)
kgan.export.signatures(path)["sample"]["inputs"]                # {'batch_size': ('int32', ()), 'seed': ...}
```

The signatures, their inputs and outputs are listed in `kgan.export`'s docstring. Named
``serving`` rather than ``saved_model`` so that ``kgan.export.saved_model`` stays the function:
a submodule of that name would be shadowed by it, and ``import kgan.export.saved_model as m``
would hand back the function.
"""

from __future__ import annotations

from pathlib import Path

import keras
import tensorflow as tf

from kgan.export._layout import version_dir, write_atomically
from kgan.export._model import Exported
from kgan.export._names import WARMUP_FILE
from kgan.export._serving_api import predict_request, serving_apis

__all__ = ["saved_model", "signatures"]


def saved_model(model, base_dir, name: str = "gan", version: int | None = None, overwrite: bool = False,
                warmup: bool = True, prior=None) -> Path:
    """Write a SavedModel for TF Serving to ``base_dir/name/version/``; returns that folder.

    ```python
    kgan.export.saved_model(gan, "export", name="fmnist")              # export/fmnist/1/
    kgan.export.saved_model(generator, "export", name="g", prior="uniform", version=3)
    tf.saved_model.load("export/fmnist/1").signatures["sample"](batch_size=4, seed=0)
    ```

    Signatures (see `kgan.export`'s docstring for shapes and dtypes): ``serving_default``
    (``latent`` [+ ``condition``] -> ``images``, ``images_uint8``); when the prior is
    known, ``sample`` (``batch_size``, ``seed`` [+ ``condition``] -> the same outputs);
    with an InfoGAN prior, also ``codes`` and ``sample_codes`` (named codes ``cat0``, ``cont0``...).

    Args:
        model: a `kgan.GAN` (its ``latent`` prior gives the ``sample`` signature) or a
            generator ``keras.Model`` taking ``z`` or ``[z, condition]``.
        base_dir: the folder TF Serving's ``--model_base_path`` points above (created if missing).
        name: the model name: a folder, and the NAME in TF Serving's URLs.
        version: a positive integer; None for the next free one (1 for a new model).
        overwrite: replace an existing version folder instead of refusing.
        warmup: write ``assets.extra/tf_serving_warmup_requests`` (needs
            ``tensorflow-serving-api``: ``pip install 'kgan[serving]'``).
        prior: the latent prior for the ``sample`` signature: a `kgan.latent` prior,
            ``"normal"`` or ``"uniform"`` (U(-1, 1), the DCGAN preset's). Needed for a bare
            generator, which does not record its prior; without it, only ``serving_default``
            is exported. For a GAN it replaces ``gan.latent``.

    Raises:
        ValueError: a bad name, version or prior.
        FileExistsError: the version exists and ``overwrite`` is False.
        NotADirectoryError: a file where a folder must go.
        ImportError: ``warmup=True`` without ``tensorflow-serving-api``.
        NotImplementedError: a prior that cannot be sampled in the graph, or a
            generator with more than two inputs.
    """
    exported = Exported(model, prior)
    target = version_dir(base_dir, name, version, overwrite)
    if warmup:
        serving_apis()  # fail before the slow part
    endpoints = exported.endpoints()

    def write(path: Path):
        archive = keras.export.ExportArchive()
        archive.track(exported.generator)
        for signature, fn, specs in endpoints:
            archive.add_endpoint(signature, fn, specs)
        archive.write_out(str(path), verbose=False)
        if warmup:
            _write_warmup(path / WARMUP_FILE, name, exported, [e[0] for e in endpoints])

    return write_atomically(target, write)


def _write_warmup(path: Path, model_name, exported, signature_names, batch_sizes=(1, 4)):
    """TF Serving's warm-up file: a TFRecord of ``PredictionLog`` records (one per signature and batch size)."""
    _, _, prediction_log_pb2 = serving_apis()
    path.parent.mkdir(parents=True, exist_ok=True)
    with tf.io.TFRecordWriter(str(path)) as writer:
        for signature in signature_names:
            for n in batch_sizes:
                request = predict_request(model_name, signature, exported.example_inputs(signature, n))
                log = prediction_log_pb2.PredictionLog(predict_log=prediction_log_pb2.PredictLog(request=request))
                writer.write(log.SerializeToString())


def signatures(export_dir) -> dict:
    """The serving signatures of a SavedModel, read from ``saved_model.pb`` (no graph is loaded).

    ```python
    kgan.export.signatures("export/fmnist/1")["sample"]["inputs"]
    # {'batch_size': ('int32', ()), 'seed': ('int64', ())}
    ```

    Returns ``{signature: {"inputs": {name: (dtype, shape)}, "outputs": {...}}}`` with
    ``None`` for a variable dimension, as ``saved_model_cli show --all`` lists them.
    """
    from tensorflow.core.protobuf import saved_model_pb2

    path = Path(export_dir) / "saved_model.pb"
    if not path.is_file():
        raise FileNotFoundError(f"No saved_model.pb in {export_dir}: pass a version folder such as export/fmnist/1.")
    proto = saved_model_pb2.SavedModel.FromString(path.read_bytes())
    graph = next((m for m in proto.meta_graphs if "serve" in m.meta_info_def.tags), proto.meta_graphs[0])

    def describe(tensors):
        return {key: (tf.as_dtype(info.dtype).name,
                      tuple(None if d.size < 0 else d.size for d in info.tensor_shape.dim))
                for key, info in sorted(tensors.items())}

    return {name: {"inputs": describe(sig.inputs), "outputs": describe(sig.outputs)}
            for name, sig in sorted(graph.signature_def.items()) if not name.startswith("__")}
