"""The optional ``tensorflow-serving-api`` package: its protos, and one ``PredictRequest`` builder.

Private. The package is an extra (``kgan[serving]``), so it is imported here, lazily and in
one place, with the install hint in the error. Both the warm-up records that
`kgan.export.saved_model` writes and the requests of `kgan.export.grpc_request` are
``PredictRequest``s built by `predict_request`, so a warm-up request is exactly what a
client would send.
"""

from __future__ import annotations

import tensorflow as tf

from kgan.export._names import INSTALL_HINT


def serving_apis():
    """``(model_pb2, predict_pb2, prediction_log_pb2)``; an ImportError with the install hint without the package."""
    try:
        from tensorflow_serving.apis import model_pb2, predict_pb2, prediction_log_pb2
    except ImportError:
        raise ImportError(
            f"TF Serving requests need the tensorflow-serving-api package: {INSTALL_HINT} "
            "(or export with warmup=False / kgan export --no-warmup)."
        ) from None
    return model_pb2, predict_pb2, prediction_log_pb2


def predict_request(model_name, signature, inputs, version=None):
    """A ``PredictRequest`` for ``model_name``'s ``signature`` with ``{name: array}`` inputs."""
    model_pb2, predict_pb2, _ = serving_apis()
    request = predict_pb2.PredictRequest(model_spec=model_pb2.ModelSpec(name=model_name, signature_name=signature))
    if version is not None:
        request.model_spec.version.value = int(version)
    for key, value in inputs.items():
        request.inputs[key].CopyFrom(tf.make_tensor_proto(value))
    return request
