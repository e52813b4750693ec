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
"""

from __future__ import annotations

import numbers
import os
import re
import shutil
import uuid
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from kgan import latent as latent_lib
from kgan.gan import GAN

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

DEFAULT_SIGNATURE = "serving_default"
SAMPLE_SIGNATURE = "sample"
CODES_SIGNATURE = "codes"  # InfoGAN (kgan.latent.InfoCode) only, like the next one
SAMPLE_CODES_SIGNATURE = "sample_codes"
WARMUP_FILE = os.path.join("assets.extra", "tf_serving_warmup_requests")
_IMAGES, _IMAGES_UINT8 = "images", "images_uint8"
_LATENT, _CONDITION, _BATCH_SIZE, _SEED, _NOISE = "latent", "condition", "batch_size", "seed", "noise"
_SCALAR_SIGNATURES = (SAMPLE_SIGNATURE, SAMPLE_CODES_SIGNATURE)  # batch_size and seed are scalars
_NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_INSTALL_HINT = "pip install 'kgan[serving]'"


# ---------------------------------------------------------------------- what gets exported
class _Exported:
    """The generator, its prior (or None) and the input specs of the signatures."""

    def __init__(self, model, prior):
        if isinstance(model, GAN):
            generator, prior = model.generator, model.latent if prior is None else prior
        elif isinstance(model, keras.Model):
            generator = model
        else:
            raise TypeError(f"Export a kgan.GAN or a generator keras.Model, got {type(model).__name__}.")
        specs = _input_specs(generator, prior)
        self.generator = generator
        self.latent_spec = specs[0]
        self.condition_spec = specs[1] if len(specs) > 1 else None
        self.prior = None if prior is None else _get_prior(prior, self.latent_spec)
        self.code = self.prior if isinstance(self.prior, latent_lib.InfoCode) else None

    def images(self, latent, condition=None):
        """Both outputs for a latent batch; BatchNormalization and Dropout in inference mode."""
        inputs = latent if condition is None else [latent, condition]
        images = self.generator(inputs, training=False)
        if not tf.is_tensor(images):
            raise ValueError(
                f"The generator returned a {type(images).__name__}; export needs one image tensor. "
                "Export a generator whose output is the images."
            )
        images = tf.cast(images, tf.float32)
        return {_IMAGES: images, _IMAGES_UINT8: _to_uint8(images)}

    def endpoints(self):
        """(name, function, input specs) of every signature, ``serving_default`` first."""
        cond = [] if self.condition_spec is None else [self.condition_spec]
        found = [(DEFAULT_SIGNATURE, lambda latent, *c: self.images(latent, *c), [self.latent_spec, *cond])]
        if self.prior is None:
            return found
        draw = _latent_sampler(self.prior)
        scalars = [tf.TensorSpec([], tf.int32, name=_BATCH_SIZE), tf.TensorSpec([], tf.int64, name=_SEED)]

        def sample(batch_size, seed, *c):
            batch_size = _checked_batch_size(batch_size, c)
            return self.images(draw(batch_size, seed), *c)

        found.append((SAMPLE_SIGNATURE, sample, scalars + cond))
        if self.code is None:
            return found
        code_specs = _code_specs(self.code)
        noise_spec = [tf.TensorSpec([None, self.code.noise], tf.float32, name=_NOISE)] if self.code.noise else []

        def codes(*args):
            noise = args[0] if self.code.noise else None
            given, c = _split_codes(code_specs, args[len(noise_spec):])
            return self.images(_flat_code(self.code, noise, given), *c)

        def sample_codes(batch_size, seed, *args):
            given, c = _split_codes(code_specs, args)
            batch_size = _checked_batch_size(batch_size, list(given.values()) + c)
            noise = self.code.split(draw(batch_size, seed))["noise"]  # the noise prior.sample(fixed=codes) draws
            return self.images(_flat_code(self.code, noise, given), *c)

        found.append((CODES_SIGNATURE, codes, noise_spec + code_specs + cond))
        found.append((SAMPLE_CODES_SIGNATURE, sample_codes, scalars + code_specs + cond))
        return found

    def example_inputs(self, signature, batch_size):
        """The inputs of one warm-up request: zero latents (seed 0), zero codes and conditions."""
        inputs = {}
        if signature in _SCALAR_SIGNATURES:
            inputs = {_BATCH_SIZE: np.int32(batch_size), _SEED: np.int64(0)}
        if signature == DEFAULT_SIGNATURE:
            inputs[_LATENT] = np.zeros((batch_size, *self.latent_spec.shape[1:]), np.float32)
        if signature == CODES_SIGNATURE and self.code.noise:
            inputs[_NOISE] = np.zeros((batch_size, self.code.noise), np.float32)
        if signature in (CODES_SIGNATURE, SAMPLE_CODES_SIGNATURE):
            inputs.update({s.name: np.zeros(batch_size, s.dtype.as_numpy_dtype) for s in _code_specs(self.code)})
        if self.condition_spec is not None:
            shape = (batch_size, *(d or 1 for d in self.condition_spec.shape[1:]))
            inputs[_CONDITION] = np.zeros(shape, self.condition_spec.dtype.as_numpy_dtype)
        return inputs


def _checked_batch_size(batch_size, per_image):
    """``batch_size``, once checked against the first dimension of the per-image inputs."""
    checks = [tf.debugging.assert_equal(batch_size, tf.shape(t, out_type=batch_size.dtype)[0],
                                        message=f"batch_size must equal the length of {t.name.split(':')[0]}")
              for t in per_image]
    with tf.control_dependencies(checks):  # checked before drawing, for a clear message
        return tf.identity(batch_size)


def _code_specs(code):
    """InfoGAN's codes as named per-image inputs: ``cat0, ...`` (int32 class) and ``cont0, ...`` (float32)."""
    return [tf.TensorSpec([None], tf.int32 if name.startswith("cat") else tf.float32, name=name)
            for name in code.code_names]


def _split_codes(code_specs, args):
    """(``{code name: tensor}``, [condition] or []) from a signature's positional inputs."""
    return dict(zip((s.name for s in code_specs), args, strict=False)), list(args[len(code_specs):])


def _flat_code(code, noise, given):
    """InfoCode's flat latent ``[noise | one-hot categorical | continuous]`` from named parts."""
    parts, checks = ([noise] if code.noise else []), []
    for i, k in enumerate(code.categorical):
        cat = given[f"cat{i}"]
        checks.append(tf.debugging.assert_less(cat, k, message=f"cat{i} must be a class index below {k}"))
        checks.append(tf.debugging.assert_non_negative(cat, message=f"cat{i} must be a class index >= 0"))
        parts.append(tf.one_hot(cat, k, dtype=tf.float32))
    if code.continuous:
        parts.append(tf.stack([given[f"cont{j}"] for j in range(code.continuous)], axis=-1))
    with tf.control_dependencies(checks):
        return tf.concat(parts, axis=-1)


def _input_specs(generator, prior):
    try:
        inputs = list(generator.inputs or [])
    except (AttributeError, ValueError):  # a subclassed model: no symbolic inputs
        inputs = []
    if not inputs:
        if prior is None or not generator.built:
            raise ValueError(
                f"Cannot tell the inputs of the generator {generator.name!r}: build it with keras.Input "
                "(functional or Sequential), or call it once and pass prior=... so its latent size is known."
            )
        return [tf.TensorSpec([None, *latent_lib.get(_prior_object(prior, None)).shape], tf.float32, name=_LATENT)]
    if len(inputs) > 2:
        raise NotImplementedError(
            f"The generator {generator.name!r} takes {len(inputs)} inputs; export supports [latent] and "
            "[latent, condition]. Concatenate the extra inputs into one condition tensor."
        )
    latent = tf.TensorSpec([None, *inputs[0].shape[1:]], tf.float32, name=_LATENT)
    if None in latent.shape[1:]:
        raise ValueError(f"The generator's latent input has an unknown size {tuple(inputs[0].shape)}; give it a fixed one.")
    specs = [latent]
    if len(inputs) == 2:
        specs.append(tf.TensorSpec([None, *inputs[1].shape[1:]], tf.as_dtype(inputs[1].dtype), name=_CONDITION))
    return specs


def _prior_object(prior, spec):
    if isinstance(prior, str):
        if spec is None:
            raise ValueError("A prior given by name needs a generator with a known latent input size.")
        return latent_lib.from_name(prior, int(spec.shape[-1]), argument="prior")
    return prior


def _get_prior(prior, latent_spec):
    prior = latent_lib.get(_prior_object(prior, latent_spec))
    if tuple(prior.shape) != tuple(latent_spec.shape[1:]):
        raise ValueError(
            f"The prior {prior!r} draws vectors of shape {prior.shape}, but the generator takes "
            f"{tuple(latent_spec.shape[1:])}: pass the prior the generator was trained with."
        )
    return prior


class _TensorSeed(keras.random.SeedGenerator):
    """A seed tensor where Keras expects a seed: ``keras.random.*`` then draws with stateless ops.

    It yields what ``keras.random.SeedGenerator(s)`` yields, ``[s, 0], [s, 1], ...`` (one per
    draw, counted while tracing), and priors turn an int seed into such a generator, so the
    in-graph draw equals ``prior.sample(n, seed=s)``, several draws per sample included.
    """

    def __init__(self, seed):  # no super().__init__(): no state variable, nothing to save
        self._seed, self._draws = tf.cast(seed, tf.int64), 0

    def next(self, ordered=True):
        value = tf.stack([self._seed, tf.constant(self._draws, tf.int64)])
        self._draws += 1
        return value


def _latent_sampler(prior):
    """``draw(batch_size, seed) -> z``: the prior's own ``sample`` traced with a seed tensor.

    Checked once here: a prior that ignores the seed (or keeps Python-side state) would make
    ``sample`` non-reproducible or tie the SavedModel to kgan, so it is refused.
    """

    def draw(batch_size, seed):
        return prior.sample(batch_size, seed=_TensorSeed(seed))

    probe = tf.function(draw, autograph=False)
    unsupported = (
        f"The latent prior {prior!r} cannot be sampled inside the exported graph: its sample() must "
        "return one float tensor drawn with keras.random.* from the seed it is given. Export without "
        "the 'sample' signature (a bare generator, no prior) or use kgan.latent.Normal/Uniform."
    )
    try:
        first, again, other = (probe(tf.constant(3, tf.int32), tf.constant(s, tf.int64)) for s in (7, 7, 8))
    except Exception as err:  # any failure while tracing a user prior means the same thing
        raise NotImplementedError(unsupported) from err
    if (not all(tf.is_tensor(t) and tuple(t.shape) == (3, *prior.shape) for t in (first, other))
            or not np.array_equal(first, again) or np.array_equal(first, other)):
        raise NotImplementedError(unsupported)  # wrong shape, ignores the seed, or not reproducible
    return draw


def _to_uint8(images):
    # The same rounding as kgan's PNG writer (kgan.pixels.to_uint8).
    return tf.cast(tf.clip_by_value(tf.round((images + 1.0) * 127.5), 0.0, 255.0), tf.uint8)


# ---------------------------------------------------------------------- the TF Serving layout
def _version_dir(base_dir, name, version, overwrite) -> Path:
    """``BASE/NAME/VERSION`` after checking each part; raises before anything is written."""
    if not isinstance(name, str) or not _NAME_PATTERN.fullmatch(name):
        raise ValueError(
            f"name={name!r} is not a usable model name: use letters, digits, '.', '_' or '-' (no '/'), "
            "e.g. name='fmnist'. It is the NAME in TF Serving's /v1/models/NAME URLs."
        )
    base = Path(base_dir)
    for path in (base, base / name):
        if path.exists() and not path.is_dir():
            raise NotADirectoryError(
                f"{path} exists and is not a directory; TF Serving needs BASE/NAME/VERSION/ folders: "
                "pick another base directory or name."
            )
    if version is None:
        return base / name / str(_next_version(base / name))
    if isinstance(version, bool) or not isinstance(version, numbers.Integral) or version < 1:
        raise ValueError(
            f"version must be a positive integer (TF Serving loads BASE/NAME/<integer>/ folders), got "
            f"{version!r}. Leave it out to use the next free version."
        )
    path = base / name / str(int(version))
    if path.exists() and not overwrite:
        raise FileExistsError(
            f"{path} already exists: pass overwrite=True (kgan export --overwrite) to replace it, or "
            f"another version (the next free one is {_next_version(base / name)})."
        )
    if path.exists() and not path.is_dir():
        raise NotADirectoryError(f"{path} exists and is not a directory: remove it or use another version.")
    return path


def _next_version(model_dir: Path) -> int:
    """One more than the highest existing version (TF Serving serves the highest by default)."""
    versions = [int(p.name) for p in model_dir.iterdir() if p.is_dir() and p.name.isdigit()] if model_dir.is_dir() else []
    return max(versions, default=0) + 1


def _write_atomically(target: Path, write):
    """Write into a hidden sibling folder, then rename it to ``target``.

    TF Serving polls BASE/NAME/ and ignores non-numeric folders: it never sees a half-written version.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{target.name}.partial-{uuid.uuid4().hex[:8]}"
    staging.mkdir()  # not mkdtemp: its 0700 mode would hide the version from a server running as another user
    try:
        write(staging)
        if target.exists():  # overwrite=True was checked by the caller
            shutil.rmtree(target)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


# ---------------------------------------------------------------------- exporters
def saved_model(model, base_dir, name: str = "gan", version: int | None = None, overwrite: bool = False,
                warmup: bool = True, prior=None) -> Path:
    """Write a SavedModel for TF Serving to ``base_dir/name/version/``; returns that folder.

    ```python
    kgan.export.saved_model(gan, "export", name="fmnist")              # export/fmnist/1/
    kgan.export.saved_model(generator, "export", name="g", prior="uniform", version=3)
    tf.saved_model.load("export/fmnist/1").signatures["sample"](batch_size=4, seed=0)
    ```

    Signatures (see the module docstring for shapes and dtypes): ``serving_default``
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
    exported = _Exported(model, prior)
    target = _version_dir(base_dir, name, version, overwrite)
    if warmup:
        _serving_apis()  # fail before the slow part
    endpoints = exported.endpoints()

    def write(path: Path):
        archive = keras.export.ExportArchive()
        archive.track(exported.generator)
        for signature, fn, specs in endpoints:
            archive.add_endpoint(signature, fn, specs)
        archive.write_out(str(path), verbose=False)
        if warmup:
            _write_warmup(path / WARMUP_FILE, name, exported, [e[0] for e in endpoints])

    return _write_atomically(target, write)


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
            raise ImportError(f"ONNX export needs {module}: {_INSTALL_HINT}.") from None
    exported = _Exported(model, None)
    target = _version_dir(base_dir, name, version, overwrite)
    specs = [exported.latent_spec] if exported.condition_spec is None else [exported.latent_spec, exported.condition_spec]
    inputs = [keras.Input(tuple(s.shape[1:]), dtype=s.dtype.name, name=s.name) for s in specs]
    images = exported.generator(inputs[0] if len(inputs) == 1 else inputs, training=False)
    images = keras.layers.Activation("linear", dtype="float32", name=_IMAGES)(images)
    wrapper = keras.Model(inputs, {_IMAGES: images, _IMAGES_UINT8: _ToUint8(name=_IMAGES_UINT8)(images)})

    def write(path: Path):
        wrapper.export(str(path / "model.onnx"), format="onnx", verbose=False, opset_version=opset,
                       input_signature=specs if len(specs) == 1 else [specs])

    return _write_atomically(target, write) / "model.onnx"


class _ToUint8(keras.layers.Layer):
    """``images_uint8`` of the ONNX graph (a layer only so that Keras' exporter can trace it)."""

    def call(self, images):
        return _to_uint8(images)

    def compute_output_spec(self, images):
        return keras.KerasTensor(images.shape, dtype="uint8")


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


# ---------------------------------------------------------------------- warm-up and clients
def _serving_apis():
    try:
        from tensorflow_serving.apis import model_pb2, predict_pb2, prediction_log_pb2
    except ImportError:
        raise ImportError(
            f"TF Serving requests need the tensorflow-serving-api package: {_INSTALL_HINT} "
            "(or export with warmup=False / kgan export --no-warmup)."
        ) from None
    return model_pb2, predict_pb2, prediction_log_pb2


def _predict_request(model_name, signature, inputs, version=None):
    model_pb2, predict_pb2, _ = _serving_apis()
    request = predict_pb2.PredictRequest(model_spec=model_pb2.ModelSpec(name=model_name, signature_name=signature))
    if version is not None:
        request.model_spec.version.value = int(version)
    for key, value in inputs.items():
        request.inputs[key].CopyFrom(tf.make_tensor_proto(value))
    return request


def _write_warmup(path: Path, model_name, exported, signature_names, batch_sizes=(1, 4)):
    """TF Serving's warm-up file: a TFRecord of ``PredictionLog`` records (one per signature and batch size)."""
    _, _, prediction_log_pb2 = _serving_apis()
    path.parent.mkdir(parents=True, exist_ok=True)
    with tf.io.TFRecordWriter(str(path)) as writer:
        for signature in signature_names:
            for n in batch_sizes:
                request = _predict_request(model_name, signature, exported.example_inputs(signature, n))
                log = prediction_log_pb2.PredictionLog(predict_log=prediction_log_pb2.PredictLog(request=request))
                writer.write(log.SerializeToString())


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
        inputs[_LATENT] = np.asarray(given["latent"], np.float32)
        if inputs[_LATENT].ndim < 2:
            raise ValueError(f"latent must be a batch of vectors, shape (n, latent_dim); got {inputs[_LATENT].shape}.")
    if signature in _SCALAR_SIGNATURES:
        inputs.update({_BATCH_SIZE: np.int32(given["batch_size"]), _SEED: np.int64(given.get("seed", 0))})
    if "noise" in given:
        inputs[_NOISE] = np.asarray(given["noise"], np.float32)
    for name, value in given.get("codes", {}).items():
        if not re.fullmatch(r"(cat|cont)\d+", name):
            raise ValueError(f"Unknown code {name!r}: InfoGAN codes are named cat0, cat1, ..., cont0, cont1, ...")
        inputs[name] = np.asarray(value, np.int32 if name.startswith("cat") else np.float32)
    if condition is not None:
        inputs[_CONDITION] = np.asarray(condition)
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
        columnar = signature in _SCALAR_SIGNATURES
    if not columnar and signature in _SCALAR_SIGNATURES:
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
    return _predict_request(model_name, signature, inputs, version)


def images_from_response(response, output: str = _IMAGES_UINT8) -> np.ndarray:
    """Images as a NumPy array from a TF Serving answer (or a loaded signature's outputs).

    Accepts a REST JSON answer (``{"predictions": [...]}`` or ``{"outputs": {...}}``), a gRPC
    ``PredictResponse``, or the dict a ``tf.saved_model.load(...).signatures[...]`` call returns.
    ``output="images_uint8"`` (default) gives uint8 ``(n, h, w, c)``; ``"images"`` float32 in [-1, 1].
    """
    if output not in (_IMAGES, _IMAGES_UINT8):
        raise ValueError(f"output must be {_IMAGES_UINT8!r} or {_IMAGES!r}, got {output!r}.")
    dtype = np.uint8 if output == _IMAGES_UINT8 else np.float32
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
