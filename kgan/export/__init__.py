"""Export a generator for serving: a plain TensorFlow SavedModel that TF Serving loads, or ONNX.

```python
path = kgan.export.saved_model(gan, "export", name="fmnist")    # export/fmnist/1/ (then 2/, 3/, ...)
payload = kgan.export.rest_payload(latent=z)                    # POST it to .../v1/models/fmnist:predict
images = kgan.export.images_from_response(response.json())      # (n, h, w, c) uint8
```

The SavedModel holds only TensorFlow graphs and weights: loading it needs
neither kgan nor any Python code (``tf.saved_model.load``, ``saved_model_cli``,
TF Serving). It is written in TF Serving's layout ``BASE/NAME/VERSION/``; the
names of its signatures and of their inputs and outputs are stable:

| signature | inputs | outputs |
|---|---|---|
| ``serving_default`` | ``latent`` float32 ``[None, latent_dim]`` | ``images``, ``images_uint8`` |
| ``sample`` | ``batch_size`` int32 ``[]``, ``seed`` int64 ``[]`` | ``images``, ``images_uint8`` |
| ``codes`` (InfoGAN) | ``noise`` float32 ``[None, noise]``, ``cat0``... int32 ``[None]``, ``cont0``... float32 ``[None]`` | the same |
| ``sample_codes`` (InfoGAN) | ``batch_size``, ``seed``, ``cat0``..., ``cont0``... | the same |

- ``images``: float32 ``[None, H, W, C]``, the generator's output ([-1, 1] for a tanh generator);
- ``images_uint8``: uint8 ``[None, H, W, C]``, ``round((images + 1) * 127.5)`` clipped to [0, 255];
- a conditional generator (Keras inputs ``[z, condition]``: a class label, a code, ...) adds
  a ``condition`` input, with the dtype and shape of its second input, to every signature;
- ``sample`` draws the latent batch inside the graph with stateless random ops: the same
  ``seed`` gives the same images, those of ``prior.sample(batch_size, seed=seed)``;
- a GAN with a `kgan.latent.InfoCode` prior also gets ``codes`` (its codes as named inputs,
  one class index or value per image) and ``sample_codes`` (the noise drawn in the graph:
  ``prior.sample(batch_size, seed=seed, fixed=codes)`` when every image has the same codes);
- a bare generator gets ``sample`` only when given its prior (``prior=``).

``assets.extra/tf_serving_warmup_requests`` holds warm-up requests for every
signature in TF Serving's own format, so the first real request is not slow
(needs ``pip install 'kgan[serving]'``, or pass ``warmup=False``).

The public names are read from here, ``kgan.export.X``; the code lives in
``serving`` (`saved_model`, `signatures`, warm-up records), ``_onnx`` (`onnx`),
``requests`` (`rest_payload`, `grpc_request`, `images_from_response`) and private
helpers (``_names``: the signature and tensor names; ``_model``: the generator and
prior as signature functions; ``_priors``: in-graph seeded sampling; ``_layout``:
``BASE/NAME/VERSION/`` and atomic writes; ``_serving_api``: tensorflow-serving-api protos).
No submodule is named after a function (``saved_model``, ``onnx``, ``signatures``), so
``kgan.export.saved_model(...)`` and ``kgan.export.onnx(...)`` are always the functions.
"""

from __future__ import annotations

from kgan.export._names import (
    CODES_SIGNATURE,
    DEFAULT_SIGNATURE,
    SAMPLE_CODES_SIGNATURE,
    SAMPLE_SIGNATURE,
    WARMUP_FILE,
)
from kgan.export._onnx import onnx
from kgan.export.requests import grpc_request, images_from_response, rest_payload
from kgan.export.serving import saved_model, signatures

__all__ = [
    "CODES_SIGNATURE",
    "DEFAULT_SIGNATURE",
    "SAMPLE_CODES_SIGNATURE",
    "SAMPLE_SIGNATURE",
    "WARMUP_FILE",
    "grpc_request",
    "images_from_response",
    "onnx",
    "rest_payload",
    "saved_model",
    "signatures",
]
