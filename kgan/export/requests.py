"""Client side of TF Serving: REST bodies and gRPC requests for the exported signatures, images from the answers.

```python
payload = kgan.export.rest_payload("sample", batch_size=4, seed=0)   # POST to .../v1/models/fmnist:predict
images = kgan.export.images_from_response(answer)                   # (4, h, w, c) uint8
request = kgan.export.grpc_request("fmnist", "sample", batch_size=4, seed=0)
```

It uses no model and no graph-building code: only the names of the serving contract,
and ``tensorflow-serving-api`` for gRPC. (The module's name does not hide the
``requests`` package: kgan imports absolutely.)
"""

from __future__ import annotations

import re

import numpy as np
import tensorflow as tf

from kgan.export._names import (
    BATCH_SIZE,
    CODES_SIGNATURE,
    CONDITION,
    DEFAULT_SIGNATURE,
    IMAGES,
    IMAGES_UINT8,
    LATENT,
    NOISE,
    SAMPLE_CODES_SIGNATURE,
    SAMPLE_SIGNATURE,
    SCALAR_SIGNATURES,
    SEED,
)
from kgan.export._serving_api import predict_request

__all__ = ["grpc_request", "images_from_response", "rest_payload"]

# signature -> (required, optional) arguments of the client helpers (condition is always optional)
_REQUEST_ARGS = {
    DEFAULT_SIGNATURE: ({"latent"}, set()),
    SAMPLE_SIGNATURE: ({"batch_size"}, {"seed"}),
    CODES_SIGNATURE: ({"codes"}, {"noise"}),
    SAMPLE_CODES_SIGNATURE: ({"batch_size", "codes"}, {"seed"}),
}


def _request_inputs(signature, condition=None, **given) -> dict:
    """The named input arrays of one request, with the signature's dtypes."""
    if signature not in _REQUEST_ARGS:
        raise ValueError(f"Unknown signature {signature!r}: kgan exports {', '.join(map(repr, _REQUEST_ARGS))}.")
    required, optional = _REQUEST_ARGS[signature]
    given = {k: v for k, v in given.items() if v is not None}
    if not required <= set(given) <= required | optional:
        wanted = ", ".join(f"{k}=..." for k in sorted(required)) + "".join(f" [{k}=...]" for k in sorted(optional))
        raise ValueError(f"The {signature} signature takes {wanted} [condition=...]; got {', '.join(sorted(given))}.")
    inputs = {}
    if "latent" in given:
        inputs[LATENT] = np.asarray(given["latent"], np.float32)
        if inputs[LATENT].ndim < 2:
            raise ValueError(f"latent must be a batch of vectors, shape (n, latent_dim); got {inputs[LATENT].shape}.")
    if signature in SCALAR_SIGNATURES:
        inputs.update({BATCH_SIZE: np.int32(given["batch_size"]), SEED: np.int64(given.get("seed", 0))})
    if "noise" in given:
        inputs[NOISE] = np.asarray(given["noise"], np.float32)
    for name, value in given.get("codes", {}).items():
        if not re.fullmatch(r"(cat|cont)\d+", name):
            raise ValueError(f"Unknown code {name!r}: InfoGAN codes are named cat0, cat1, ..., cont0, cont1, ...")
        inputs[name] = np.asarray(value, np.int32 if name.startswith("cat") else np.float32)
    if condition is not None:
        inputs[CONDITION] = np.asarray(condition)
    return inputs


def rest_payload(signature: str = DEFAULT_SIGNATURE, latent=None, condition=None, batch_size=None, seed=None,
                 noise=None, codes=None, columnar: bool | None = None) -> dict:
    """The JSON body of a TF Serving REST ``:predict`` call (``json.dumps`` it).

    ```python
    rest_payload(latent=np.zeros((2, 100)))         # {"signature_name": "serving_default", "instances": [...]}
    rest_payload("sample", batch_size=2, seed=0)    # {"signature_name": "sample", "inputs": {...}}
    rest_payload("sample_codes", batch_size=2, seed=0, codes={"cat0": [3, 3], "cont0": [0.5, -0.5]})
    ```

    Arguments by signature (plus ``condition=``, one per image, for a conditional model):
    ``serving_default``: ``latent``; ``sample``: ``batch_size``, ``seed`` (default 0);
    InfoGAN's ``codes``: ``codes`` (``{"cat0": ..., "cont0": ...}``, one value per image)
    and ``noise``; ``sample_codes``: ``batch_size``, ``seed``, ``codes``.

    Per-image signatures use the row format (``"instances"``, one object per image) unless
    ``columnar=True``; ``sample`` and ``sample_codes`` always use the columnar format
    (``"inputs"``), since their ``batch_size`` and ``seed`` are scalars.
    """
    inputs = _request_inputs(signature, condition, latent=latent, batch_size=batch_size, seed=seed,
                             noise=noise, codes=codes)
    if columnar is None:
        columnar = signature in SCALAR_SIGNATURES
    if not columnar and signature in SCALAR_SIGNATURES:
        raise ValueError(f"The {signature} signature's scalar inputs need the columnar format: columnar=True.")
    if columnar:
        return {"signature_name": signature, "inputs": {k: v.tolist() for k, v in inputs.items()}}
    rows = {len(v) for v in inputs.values()}
    if len(rows) != 1:
        raise ValueError(f"Every input needs one row per image; got lengths { {k: len(v) for k, v in inputs.items()} }.")
    return {"signature_name": signature,
            "instances": [{k: v[i].tolist() for k, v in inputs.items()} for i in range(rows.pop())]}


def grpc_request(model_name: str, signature: str = DEFAULT_SIGNATURE, latent=None, condition=None,
                 batch_size=None, seed=None, noise=None, codes=None, version: int | None = None):
    """A ``tensorflow_serving.apis.predict_pb2.PredictRequest`` for TF Serving's gRPC API.

    ```python
    stub = prediction_service_pb2_grpc.PredictionServiceStub(grpc.insecure_channel("localhost:8500"))
    response = stub.Predict(kgan.export.grpc_request("fmnist", "sample", batch_size=4, seed=0), 10.0)
    images = kgan.export.images_from_response(response)
    ```

    The arguments are those of `rest_payload`; each input gets its signature's dtype.
    Needs ``tensorflow-serving-api`` (``pip install 'kgan[serving]'``).
    """
    inputs = _request_inputs(signature, condition, latent=latent, batch_size=batch_size, seed=seed,
                             noise=noise, codes=codes)
    return predict_request(model_name, signature, inputs, version)


def images_from_response(response, output: str = IMAGES_UINT8) -> np.ndarray:
    """Images as a NumPy array from a TF Serving answer (or a loaded signature's outputs).

    Accepts a REST JSON answer (``{"predictions": [...]}`` or ``{"outputs": {...}}``), a gRPC
    ``PredictResponse``, or the dict a ``tf.saved_model.load(...).signatures[...]`` call returns.
    ``output="images_uint8"`` (default) gives uint8 ``(n, h, w, c)``; ``"images"`` float32 in [-1, 1].
    """
    if output not in (IMAGES, IMAGES_UINT8):
        raise ValueError(f"output must be {IMAGES_UINT8!r} or {IMAGES!r}, got {output!r}.")
    # The server already rounded (images_uint8 is computed in the graph): only the dtype is set here.
    dtype = np.uint8 if output == IMAGES_UINT8 else np.float32
    if hasattr(response, "outputs") and not isinstance(response, dict):  # gRPC PredictResponse
        return tf.make_ndarray(response.outputs[output]).astype(dtype)
    if isinstance(response, dict):
        if "predictions" in response:  # row format: one object per image
            rows = response["predictions"]
            return np.asarray([row[output] if isinstance(row, dict) else row for row in rows], dtype)
        if "outputs" in response:  # columnar format
            outputs = response["outputs"]
            return np.asarray(outputs[output] if isinstance(outputs, dict) else outputs, dtype)
        if output in response:
            return np.asarray(response[output]).astype(dtype)
        if "error" in response:
            raise ValueError(f"TF Serving answered with an error: {response['error']}")
    raise ValueError(
        "Not a TF Serving answer: expected a REST JSON dict with 'predictions' or 'outputs', a gRPC "
        f"PredictResponse, or a dict with {output!r}; got {type(response).__name__}."
    )
