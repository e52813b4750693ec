"""ONNX export: the ``serving_default`` graph as ``BASE/NAME/VERSION/model.onnx``, for onnxruntime or Triton.

Private only by name: its one public name is read as ``kgan.export.onnx``, and a submodule
``kgan/export/onnx.py`` would share that name with the function (``import kgan.export.onnx as m``
would give the function, the function would hide the module). See `onnx` for an example.
"""

from __future__ import annotations

from pathlib import Path

import keras

from kgan.export._layout import version_dir, write_atomically
from kgan.export._model import Exported
from kgan.export._names import IMAGES, IMAGES_UINT8, INSTALL_HINT
from kgan.pixels import tensor_to_uint8

__all__ = ["onnx"]


def onnx(model, base_dir, name: str = "gan", version: int | None = None, overwrite: bool = False,
         opset: int | None = None) -> Path:
    """Write ``base_dir/name/version/model.onnx`` for onnxruntime (Keras' own ONNX exporter); returns the file.

    ```python
    path = kgan.export.onnx(gan, "export", name="fmnist")              # export/fmnist/1/model.onnx
    session = onnxruntime.InferenceSession(path)
    images_uint8 = session.run(["images_uint8"], {"latent": z})[0]     # any batch size
    ```

    Only the ``serving_default`` graph: inputs ``latent`` (+ ``condition``), outputs ``images``
    and ``images_uint8`` (ONNX has no seeded in-graph sampling). The layout is also the one
    Triton Inference Server reads. Needs ``tf2onnx`` and ``onnx`` (``pip install 'kgan[serving]'``).
    """
    for module in ("tf2onnx", "onnx"):
        try:
            __import__(module)
        except ImportError:
            raise ImportError(f"ONNX export needs {module}: {INSTALL_HINT}.") from None
    exported = Exported(model, None)
    target = version_dir(base_dir, name, version, overwrite)
    specs = [exported.latent_spec] if exported.condition_spec is None else [exported.latent_spec, exported.condition_spec]
    inputs = [keras.Input(tuple(s.shape[1:]), dtype=s.dtype.name, name=s.name) for s in specs]
    images = exported.generator(inputs[0] if len(inputs) == 1 else inputs, training=False)
    images = keras.layers.Activation("linear", dtype="float32", name=IMAGES)(images)
    wrapper = keras.Model(inputs, {IMAGES: images, IMAGES_UINT8: _ToUint8(name=IMAGES_UINT8)(images)})

    def write(path: Path):
        wrapper.export(str(path / "model.onnx"), format="onnx", verbose=False, opset_version=opset,
                       input_signature=specs if len(specs) == 1 else [specs])

    return write_atomically(target, write) / "model.onnx"


class _ToUint8(keras.layers.Layer):
    """``images_uint8`` of the ONNX graph (a layer only so that Keras' exporter can trace it)."""

    def call(self, images):
        return tensor_to_uint8(images)

    def compute_output_spec(self, images):
        return keras.KerasTensor(images.shape, dtype="uint8")
