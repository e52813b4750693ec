"""`kgan.export` and `kgan export`: SavedModels checked the way TF Serving would see them.

TF Serving itself cannot run here, so the proofs are: a separate Python process without kgan
(``python -S``: not even importable) loads each export and runs every signature, and runs
``saved_model_cli show --all`` and ``saved_model_cli run`` (the script's entry point); the
warm-up file parses as TF Serving's own records and each of them is answered.
"""

import importlib.util
import json
import os
import subprocess
import sys
import sysconfig

import keras
import numpy as np
import pytest
import tensorflow as tf

import kgan
from kgan import cli, pixels
from kgan import export as ex

LATENT_DIM, N_CLASSES = 4, 5
OUTPUTS = {"images", "images_uint8"}


def conditional_gan():
    """A tiny class-conditional GAN: G takes [z, label] with an int32 label of shape (1,)."""
    keras.utils.set_random_seed(1)
    z, label = keras.Input((3,), name="z"), keras.Input((1,), dtype="int32", name="label")
    embedded = keras.layers.Flatten()(keras.layers.Embedding(N_CLASSES, 2)(label))
    h = keras.layers.Dense(8 * 8, activation="tanh")(keras.layers.Concatenate()([z, embedded]))
    g = keras.Model([z, label], keras.layers.Reshape((8, 8, 1))(h), name="cond_g")
    x, label2 = keras.Input((8, 8, 1)), keras.Input((1,), dtype="int32")
    d_in = keras.layers.Concatenate()([keras.layers.Flatten()(x), keras.layers.Flatten()(keras.layers.Embedding(N_CLASSES, 2)(label2))])
    d = keras.Model([x, label2], keras.layers.Dense(1)(d_in), name="cond_d")
    return kgan.GAN(g, d, kgan.latent.Normal(3, stddev=0.5))


def _as_if_trained(generator):
    """Large weights and non-trivial BatchNorm statistics: at init, a DCGAN outputs ~1e-6 everywhere."""
    rng = np.random.default_rng(0)
    for v in generator.weights:
        value = rng.normal(0.0, 0.3, v.shape)
        v.assign((np.abs(value) + 0.5 if "variance" in v.path else value).astype("float32"))


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """Two exports (an unconditional DCGAN with BatchNorm, a conditional GAN) and the inputs to feed them."""
    root = tmp_path_factory.mktemp("export")
    dcgan = kgan.GAN.dcgan((28, 28, 1), latent_dim=LATENT_DIM, width=2, seed=0)
    _as_if_trained(dcgan.generator)
    cond = conditional_gan()
    info = kgan.GAN.infogan((28, 28, 1), noise=3, categorical=(4,), continuous=2, width=2, seed=0)
    _as_if_trained(info.generator)
    rng = np.random.default_rng(0)
    cases = {
        "dcgan": dict(gan=dcgan, path=ex.saved_model(dcgan, root / "models", name="fmnist"),
                      latent=rng.uniform(-1, 1, (3, LATENT_DIM)).astype("float32"), condition=None),
        "cond": dict(gan=cond, path=ex.saved_model(cond, root / "models", name="labels"),
                     latent=rng.normal(size=(3, 3)).astype("float32"), condition=np.array([[0], [4], [2]], "int32")),
        "info": dict(gan=info, path=ex.saved_model(info, root / "models", name="info"),
                     latent=info.latent.sample(3, seed=1).numpy(), condition=None),
    }
    return root, cases


INFO_FIXED = {"cat0": 3, "cont0": 0.5, "cont1": -1.0}  # the InfoGAN codes sample_codes is called with


def _calls(case):
    """Every signature, with the inputs each gets: name -> (signature, {input: array})."""
    cond = {} if case["condition"] is None else {"condition": case["condition"]}
    calls = {
        "default": ("serving_default", {"latent": case["latent"], **cond}),
        "default_one": ("serving_default", {"latent": case["latent"][:1], **{k: v[:1] for k, v in cond.items()}}),
        "sample": ("sample", {"batch_size": np.int32(3), "seed": np.int64(11), **cond}),
        "sample_again": ("sample", {"batch_size": np.int32(3), "seed": np.int64(11), **cond}),
        "sample_other": ("sample", {"batch_size": np.int32(3), "seed": np.int64(12), **cond}),
    }
    if isinstance(case["gan"].latent, kgan.latent.InfoCode):
        calls["codes"] = ("codes", {"noise": case["latent"][:, :3], "cat0": np.array([0, 3, 1], "int32"),
                                    "cont0": np.array([0.5, 0.0, -1.0], "float32"),
                                    "cont1": np.array([1.0, -0.3, 0.2], "float32")})
        fixed = {k: np.full(3, v, "int32" if k.startswith("cat") else "float32") for k, v in INFO_FIXED.items()}
        calls["sample_codes"] = ("sample_codes", {"batch_size": np.int32(3), "seed": np.int64(11), **fixed})
    return calls


OUTSIDE = """
import contextlib, importlib.util, io, json, sys
assert importlib.util.find_spec("kgan") is None, "kgan must not be importable here"
sys.modules["kgan"] = None  # and any attempt to import it fails
import numpy as np, tensorflow as tf
from tensorflow.python.tools.saved_model_cli import main as saved_model_cli  # what the script runs
plan = json.load(open(sys.argv[1]))
for job in plan["jobs"]:
    model = tf.saved_model.load(job["dir"])
    for call, (signature, inputs) in job["calls"].items():
        out = model.signatures[signature](**{k: tf.constant(np.load(v)) for k, v in inputs.items()})
        for key, value in out.items():
            np.save(f"{job['out']}/{call}.{key}.npy", value.numpy())
codes = {}
for key, argv in plan["saved_model_cli"].items():
    sys.argv, text = ["saved_model_cli", *argv], io.StringIO()
    with contextlib.redirect_stdout(text):
        try:
            codes[key] = saved_model_cli() or 0
        except SystemExit as exit:
            codes[key] = exit.code or 0
    open(f"{plan['work']}/{key}.txt", "w").write(text.getvalue())
json.dump(codes, open(f"{plan['work']}/codes.json", "w"))
assert sys.modules["kgan"] is None and not any(m.startswith("kgan.") for m in sys.modules)
print("done without kgan")
"""


def _launch_outside(root, cases):
    """Starts, in the background, one Python process in which kgan is not even importable.

    It loads both exports and runs every signature, then runs ``saved_model_cli show --all``
    (both exports) and ``saved_model_cli run`` through the entry point the ``saved_model_cli``
    script calls. One process, not four: TensorFlow takes seconds to import in each, and
    it works while the in-process tests run.
    """
    work = root / "outside"
    work.mkdir()
    jobs = []
    for name, case in cases.items():
        out = work / name
        out.mkdir()
        calls = {}
        for call, (signature, inputs) in _calls(case).items():
            files = {}
            for key, value in inputs.items():
                files[key] = str(out / f"in.{call}.{key}.npy")
                np.save(files[key], value)
            calls[call] = (signature, files)
        jobs.append({"dir": str(case["path"]), "out": str(out), "calls": calls})
    dcgan = str(cases["dcgan"]["path"])
    smcli = {
        "show_dcgan": ["show", "--all", "--dir", dcgan],
        "show_cond": ["show", "--all", "--dir", str(cases["cond"]["path"])],
        "show_info": ["show", "--all", "--dir", str(cases["info"]["path"])],
        "run": ["run", "--dir", dcgan, "--tag_set", "serve", "--signature_def", "serving_default",
                "--inputs", f"latent={work / 'dcgan' / 'in.default.latent.npy'}", "--outdir", str(work / "cli_run")],
    }
    (work / "plan.json").write_text(json.dumps({"jobs": jobs, "saved_model_cli": smcli, "work": str(work)}))
    (work / "outside.py").write_text(OUTSIDE)
    # An environment without kgan: -S skips site-packages (and the .pth of an editable install);
    # a folder of links to everything in site-packages except kgan's own files stands in for it.
    clean = work / "site-packages-without-kgan"
    clean.mkdir()
    for folder in sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}):
        for entry in os.listdir(folder):
            if entry == "kgan" or entry.lower().startswith(("kgan-", "__editable__.kgan")) or (clean / entry).exists():
                continue
            (clean / entry).symlink_to(os.path.join(folder, entry))
    bootstrap = f"import sys; sys.path.append({str(clean)!r}); exec(open({str(work / 'outside.py')!r}).read())"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    proc = subprocess.Popen([sys.executable, "-S", "-c", bootstrap, str(work / "plan.json")], cwd=work, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return work, proc


@pytest.fixture(scope="module")
def launched(exported):
    return _launch_outside(*exported)


@pytest.fixture(scope="module")
def outside(launched):
    """``(work folder, {"show_dcgan": saved_model_cli's output, ...})`` once the process is done."""
    work, proc = launched
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0 and "done without kgan" in out, err[-4000:]
    codes = json.loads((work / "codes.json").read_text())
    assert codes == {"show_dcgan": 0, "show_cond": 0, "show_info": 0, "run": 0}, err[-4000:]
    return work, {key: (work / f"{key}.txt").read_text() for key in codes}


def _keras_images(case, latent, condition=None, training=False):
    g = case["gan"].generator
    inputs = tf.constant(latent) if condition is None else [tf.constant(latent), tf.constant(condition)]
    # stateless_call: in training mode, a plain call would move BatchNorm's statistics.
    images, _ = g.stateless_call(g.trainable_variables, g.non_trainable_variables, inputs, training=training)
    return images.numpy()


# ---------------------------------------------------------------------- layout and signatures
def test_tf_serving_layout_and_documented_signatures(exported, launched):  # launched: start them early
    root, cases = exported
    dcgan, cond = cases["dcgan"]["path"], cases["cond"]["path"]
    assert dcgan == root / "models" / "fmnist" / "1" and cond == root / "models" / "labels" / "1"
    assert sorted(os.listdir(root / "models" / "fmnist")) == ["1"]  # no staging folder left behind
    for path in (dcgan, cond):
        assert (path / "saved_model.pb").is_file() and (path / "variables").is_dir()
        assert (path / "assets.extra" / "tf_serving_warmup_requests").stat().st_size > 0
    images = {"images": ("float32", (None, 28, 28, 1)), "images_uint8": ("uint8", (None, 28, 28, 1))}
    assert ex.signatures(dcgan) == {
        "serving_default": {"inputs": {"latent": ("float32", (None, LATENT_DIM))}, "outputs": images},
        "sample": {"inputs": {"batch_size": ("int32", ()), "seed": ("int64", ())}, "outputs": images},
    }
    sigs = ex.signatures(cond)
    assert sigs["serving_default"]["inputs"] == {"latent": ("float32", (None, 3)), "condition": ("int32", (None, 1))}
    assert sigs["sample"]["inputs"] == {"batch_size": ("int32", ()), "seed": ("int64", ()),
                                        "condition": ("int32", (None, 1))}
    assert sigs["sample"]["outputs"]["images_uint8"] == ("uint8", (None, 8, 8, 1))
    sigs = ex.signatures(cases["info"]["path"])  # InfoGAN: 3 noise + a 4-way class + 2 continuous codes
    assert sigs["serving_default"]["inputs"] == {"latent": ("float32", (None, 9))}
    codes = {"cat0": ("int32", (None,)), "cont0": ("float32", (None,)), "cont1": ("float32", (None,))}
    assert sigs["codes"]["inputs"] == {"noise": ("float32", (None, 3)), **codes}
    assert sigs["sample_codes"]["inputs"] == {"batch_size": ("int32", ()), "seed": ("int64", ()), **codes}
    assert all(sig["outputs"] == images for sig in sigs.values())


# ---------------------------------------------------------------------- warm-up
@pytest.mark.parametrize("name", ["dcgan", "cond", "info"])
def test_warmup_records_are_prediction_logs_matching_a_signature(exported, name):
    from tensorflow_serving.apis import prediction_log_pb2

    root, cases = exported
    path = cases[name]["path"]
    sigs = ex.signatures(path)
    records = [prediction_log_pb2.PredictionLog.FromString(r.numpy())
               for r in tf.data.TFRecordDataset(str(path / ex.WARMUP_FILE))]
    assert records and {r.predict_log.request.model_spec.signature_name for r in records} == set(sigs)
    model = tf.saved_model.load(str(path))
    for record in records:
        request = record.predict_log.request
        assert request.model_spec.name == path.parent.name
        inputs = sigs[request.model_spec.signature_name]["inputs"]
        assert set(request.inputs) == set(inputs)
        arrays = {k: tf.make_ndarray(v) for k, v in request.inputs.items()}
        assert {k: a.dtype.name for k, a in arrays.items()} == {k: dt for k, (dt, _) in inputs.items()}
        out = model.signatures[request.model_spec.signature_name](**{k: tf.constant(a) for k, a in arrays.items()})
        assert set(out) == OUTPUTS  # each warm-up request is one the model answers


# ---------------------------------------------------------------------- client helpers
def test_rest_and_grpc_helpers_round_trip(exported):
    from tensorflow_serving.apis import predict_pb2

    _, cases = exported
    case = cases["cond"]
    model = tf.saved_model.load(str(case["path"]))
    z, c = case["latent"][:2], case["condition"][:2]

    rows = ex.rest_payload(latent=z, condition=c)
    assert json.loads(json.dumps(rows)) == rows and rows["signature_name"] == "serving_default"
    assert rows["instances"][1] == {"latent": z[1].tolist(), "condition": [int(c[1, 0])]}
    sample = ex.rest_payload("sample", batch_size=2, seed=5, condition=c)
    assert sample == {"signature_name": "sample", "inputs": {"batch_size": 2, "seed": 5, "condition": [[0], [4]]}}
    assert set(ex.rest_payload(latent=z, condition=c, columnar=True)["inputs"]) == {"latent", "condition"}

    # What TF Serving would do with the payloads: run the signature, answer in REST form.
    want = model.signatures["serving_default"](latent=tf.constant(z), condition=tf.constant(c))
    as_rows = {"predictions": [{k: v[i].numpy().tolist() for k, v in want.items()} for i in range(2)]}
    as_columns = {"outputs": {k: v.numpy().tolist() for k, v in want.items()}}
    for answer in (as_rows, as_columns, want):
        np.testing.assert_array_equal(ex.images_from_response(answer), want["images_uint8"].numpy())
    np.testing.assert_allclose(ex.images_from_response(as_rows, "images"), want["images"].numpy(), atol=1e-6)

    request = ex.grpc_request("labels", "sample", batch_size=2, seed=5, condition=c, version=1)
    assert isinstance(request, predict_pb2.PredictRequest) and request.model_spec.version.value == 1
    inputs = {k: tf.make_ndarray(v) for k, v in request.inputs.items()}
    assert {k: v.dtype.name for k, v in inputs.items()} == {"batch_size": "int32", "seed": "int64", "condition": "int32"}
    out = model.signatures["sample"](**{k: tf.constant(v) for k, v in inputs.items()})
    response = predict_pb2.PredictResponse()
    for key, value in out.items():
        response.outputs[key].CopyFrom(tf.make_tensor_proto(value.numpy()))
    images = ex.images_from_response(response)
    assert images.shape == (2, 8, 8, 1) and images.dtype == np.uint8

    # InfoGAN's named codes: one value per image.
    codes = {"cat0": [3, 1], "cont0": [0.5, -0.5], "cont1": [0.0, 1.0]}
    rows = ex.rest_payload("codes", noise=np.zeros((2, 3)), codes=codes)
    assert rows["instances"][1] == {"noise": [0.0, 0.0, 0.0], "cat0": 1, "cont0": -0.5, "cont1": 1.0}
    assert ex.rest_payload("sample_codes", batch_size=2, codes=codes)["inputs"] == {"batch_size": 2, "seed": 0, **codes}
    request = ex.grpc_request("info", "sample_codes", batch_size=2, seed=1, codes=codes)
    assert {k: tf.make_ndarray(v).dtype.name for k, v in request.inputs.items()} == {
        "batch_size": "int32", "seed": "int64", "cat0": "int32", "cont0": "float32", "cont1": "float32"}

    with pytest.raises(ValueError, match="columnar"):
        ex.rest_payload("sample", batch_size=2, columnar=False)
    with pytest.raises(ValueError, match="takes batch_size=... \\[seed=...\\]"):
        ex.rest_payload("sample", latent=z)
    with pytest.raises(ValueError, match="Unknown code 'class'"):
        ex.rest_payload("codes", codes={"class": [1]})
    with pytest.raises(ValueError, match="one row per image"):
        ex.rest_payload(latent=z, condition=c[:1])
    with pytest.raises(ValueError, match="Unknown signature"):
        ex.rest_payload("predict", latent=z)
    with pytest.raises(ValueError, match="error"):
        ex.images_from_response({"error": "boom"})


# ---------------------------------------------------------------------- bare generators, priors, errors
def test_bare_generator_priors_and_code_inputs(tmp_path):
    g = kgan.nets.mlp(2, 3, hidden=(4,), name="g")
    only_default = ex.saved_model(g, tmp_path, name="g", warmup=False)
    assert set(ex.signatures(only_default)) == {"serving_default"}  # a bare generator has no known prior
    assert not (only_default / "assets.extra").exists()
    # Any kgan prior is drawn in the graph exactly as prior.sample(n, seed=s) draws it.
    prior = kgan.latent.Stratified(2, low=-2.0, high=2.0)
    path = ex.saved_model(g, tmp_path, name="g", prior=prior, warmup=False)
    assert path.name == "2"
    out = tf.saved_model.load(str(path)).signatures["sample"](batch_size=tf.constant(5), seed=tf.constant(3, tf.int64))
    np.testing.assert_allclose(out["images"].numpy(), g(prior.sample(5, seed=3)).numpy(), atol=1e-5)
    # A code-conditioned generator ([z, code], float code): its code is the `condition` input.
    z, code = keras.Input((2,)), keras.Input((2,))
    coded = keras.Model([z, code], keras.layers.Dense(3)(keras.layers.Concatenate()([z, code])))
    sigs = ex.signatures(ex.saved_model(coded, tmp_path, name="coded", prior="normal", warmup=False))
    assert sigs["sample"]["inputs"]["condition"] == ("float32", (None, 2))
    with pytest.raises(ValueError, match="draws vectors of shape"):
        ex.saved_model(g, tmp_path, name="g", prior=kgan.latent.Normal(5))
    with pytest.raises(ValueError, match="prior='gaussian'"):
        ex.saved_model(g, tmp_path, name="g", prior="gaussian")

    class NumpyPrior(kgan.latent.Prior):  # ignores the seed: could not be reproduced in the graph
        def sample(self, batch_size, seed=None):
            return np.random.default_rng().normal(size=(2, self.dim)).astype("float32")

    with pytest.raises(NotImplementedError, match="NumpyPrior"):
        ex.saved_model(g, tmp_path, name="g", prior=NumpyPrior(2), warmup=False)
    assert sorted(os.listdir(tmp_path / "g")) == ["1", "2"]  # failed exports leave nothing behind


@pytest.mark.parametrize("kwargs,error,match", [
    (dict(version=0), ValueError, "positive integer"),
    (dict(version=-3), ValueError, "positive integer"),
    (dict(version=1.5), ValueError, "positive integer"),
    (dict(version="2"), ValueError, "positive integer"),
    (dict(version=True), ValueError, "positive integer"),
    (dict(version=1), FileExistsError, "overwrite=True"),
    (dict(name="a/b"), ValueError, "model name"),
    (dict(name=""), ValueError, "model name"),
    (dict(name="..", version=1), ValueError, "model name"),
])
def test_bad_versions_and_names_are_refused(tmp_path, kwargs, error, match):
    g = kgan.nets.mlp(2, 3, hidden=(4,), name="g")
    (tmp_path / "m" / "1").mkdir(parents=True)
    with pytest.raises(error, match=match):
        ex.saved_model(g, tmp_path, **{"name": "m", "warmup": False, **kwargs})
    assert sorted(os.listdir(tmp_path / "m")) == ["1"] and not os.listdir(tmp_path / "m" / "1")


def test_paths_overwrite_and_missing_serving_api(tmp_path, monkeypatch):
    g = kgan.nets.mlp(2, 3, hidden=(4,), name="g")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(NotADirectoryError, match="not a directory"):
        ex.saved_model(g, blocker, name="m", warmup=False)
    with pytest.raises(NotADirectoryError, match="not a directory"):
        ex.saved_model(g, tmp_path, name="file", warmup=False)
    (tmp_path / "m" / "7").mkdir(parents=True)
    (tmp_path / "m" / "7" / "stale.txt").write_text("old")
    (tmp_path / "m" / "notes").mkdir()  # not a version: ignored
    assert ex.saved_model(g, tmp_path, name="m", warmup=False).name == "8"  # the next free version
    path = ex.saved_model(g, tmp_path, name="m", version=7, overwrite=True, warmup=False)
    assert path.name == "7" and not (path / "stale.txt").exists() and (path / "saved_model.pb").exists()
    assert sorted(os.listdir(tmp_path / "m")) == ["7", "8", "notes"]
    monkeypatch.setitem(sys.modules, "tensorflow_serving.apis", None)
    with pytest.raises(ImportError, match=r"pip install 'kgan\[serving\]'.*warmup=False"):
        ex.saved_model(g, tmp_path, name="m")
    with pytest.raises(TypeError, match="kgan.GAN or a generator"):
        ex.saved_model("generator.keras", tmp_path)


# ---------------------------------------------------------------------- ONNX
@pytest.mark.filterwarnings("ignore:In the future `np.object`:FutureWarning")  # inside Keras' tf2onnx patch
@pytest.mark.parametrize("name", ["dcgan", "cond"])
def test_onnx_runs_in_onnxruntime_with_any_batch(exported, tmp_path, name):
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("tf2onnx")
    _, cases = exported
    case = cases[name]
    path = ex.onnx(case["gan"], tmp_path, name=name)
    assert path == tmp_path / name / "1" / "model.onnx"
    session = ort.InferenceSession(str(path))
    assert [i.name for i in session.get_inputs()] == ["latent"] + ([] if case["condition"] is None else ["condition"])
    for n in (3, 1):
        feed = {"latent": case["latent"][:n], **({} if case["condition"] is None else {"condition": case["condition"][:n]})}
        images, images_uint8 = session.run(["images", "images_uint8"], feed)
        want = _keras_images(case, case["latent"][:n], None if case["condition"] is None else case["condition"][:n])
        np.testing.assert_allclose(images, want, atol=1e-5)
        assert images_uint8.dtype == np.uint8 and np.abs(images_uint8.astype(int) - pixels.to_uint8(want)).max() <= 1


# ---------------------------------------------------------------------- command line
@pytest.mark.filterwarnings("ignore:In the future `np.object`:FutureWarning")
def test_cli_export(tmp_path, capsys):
    keras.utils.set_random_seed(0)
    gan = kgan.GAN(kgan.nets.mlp(2, 3, hidden=(4,), name="g"), kgan.nets.mlp(3, 1, hidden=(4,), name="d"), 2)
    gan.compile()
    gan.save(tmp_path / "gan.keras")
    gan.generator.save(tmp_path / "generator.keras")
    base = tmp_path / "export"
    assert cli.main(["export", str(tmp_path / "gan.keras"), str(base), "--name", "toy"]) == 0
    out = capsys.readouterr().out
    assert f"wrote {base / 'toy' / '1'}" in out and "tensorflow/serving" in out
    for row in ("serving_default  input   latent        float32  [None, 2]",
                "sample           input   seed          int64    []",
                "sample           output  images_uint8  uint8    [None, 3]"):
        assert row in out, row
    z = np.ones((2, 2), "float32")
    served = tf.saved_model.load(str(base / "toy" / "1")).signatures["serving_default"](latent=z)
    np.testing.assert_allclose(served["images"].numpy(), gan.generator(z).numpy(), atol=1e-6)
    assert (base / "toy" / "1" / ex.WARMUP_FILE).exists()

    assert cli.main(["export", str(tmp_path / "gan.keras"), str(base), "--name", "toy", "--version", "1"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("kgan: error:") and "--overwrite" in err and len(err.strip().splitlines()) == 1
    assert cli.main(["export", str(tmp_path / "gan.keras"), str(base), "--name", "toy", "--version", "1",
                     "--overwrite", "--no-warmup"]) == 0
    assert not (base / "toy" / "1" / ex.WARMUP_FILE).exists()

    assert cli.main(["export", str(tmp_path / "generator.keras"), str(base), "--name", "g", "--no-warmup"]) == 0
    assert "no 'sample' signature" in capsys.readouterr().out
    assert cli.main(["export", str(tmp_path / "generator.keras"), str(base), "--name", "g", "--latent", "normal",
                     "--version", "5", "--no-warmup"]) == 0
    assert set(ex.signatures(base / "g" / "5")) == {"serving_default", "sample"}
    assert cli.main(["export", str(tmp_path / "missing.keras"), str(base), "--name", "g"]) == 1
    assert "no such model file" in capsys.readouterr().err
    if importlib.util.find_spec("tf2onnx") and importlib.util.find_spec("onnx"):
        capsys.readouterr()
        assert cli.main(["export", str(tmp_path / "gan.keras"), str(base), "--name", "toy", "--format", "onnx"]) == 0
        out = capsys.readouterr().out
        assert f"wrote {base / 'toy' / '2' / 'model.onnx'} (inputs: latent; outputs: images, images_uint8" in out


# ---------------------------------------------------------------------- outside kgan
@pytest.mark.parametrize("name", ["dcgan", "cond", "info"])
def test_loads_without_kgan_and_gives_the_keras_images(exported, outside, name):
    _, cases = exported
    work, _ = outside
    case, res = cases[name], work / name

    def got(call, key="images"):
        return np.load(res / f"{call}.{key}.npy")

    for call in _calls(case):
        n = 1 if call == "default_one" else 3
        assert got(call).dtype == np.float32 and len(got(call)) == n, call
        assert got(call, "images_uint8").dtype == np.uint8 and len(got(call, "images_uint8")) == n, call
    # serving_default: the generator in inference mode (BatchNorm on moving statistics), any batch size.
    want = _keras_images(case, case["latent"], case["condition"])
    assert np.abs(want).max() > 0.1  # images worth comparing to 1e-5 (an untrained DCGAN gives ~1e-6)
    np.testing.assert_allclose(got("default"), want, atol=1e-5)
    np.testing.assert_allclose(got("default_one"), want[:1], atol=1e-5)
    assert np.abs(got("default", "images_uint8").astype(int) - pixels.to_uint8(want)).max() <= 1
    if name == "dcgan":  # the comparison can tell training mode apart
        assert np.abs(_keras_images(case, case["latent"], training=True) - want).max() > 1e-3
    # sample: the prior's own draw for that seed, inside the graph; reproducible.
    z = case["gan"].latent.sample(3, seed=11)
    np.testing.assert_allclose(got("sample"), _keras_images(case, z.numpy(), case["condition"]), atol=1e-5)
    np.testing.assert_array_equal(got("sample"), got("sample_again"))
    assert np.abs(got("sample") - got("sample_other")).max() > 1e-4
    if name == "info":  # named codes: assembled into InfoCode's flat [noise | one-hot | continuous] in the graph
        inputs = _calls(case)["codes"][1]
        flat = np.concatenate([inputs["noise"], np.eye(4, dtype="float32")[inputs["cat0"]],
                               np.stack([inputs["cont0"], inputs["cont1"]], axis=-1)], axis=-1)
        np.testing.assert_allclose(got("codes"), _keras_images(case, flat), atol=1e-5)
        z = case["gan"].latent.sample(3, seed=11, fixed=INFO_FIXED)
        np.testing.assert_allclose(got("sample_codes"), _keras_images(case, z.numpy()), atol=1e-5)


@pytest.mark.parametrize("name", ["dcgan", "cond", "info"])
def test_saved_model_cli_show_lists_the_documented_names(outside, name):
    _, printed = outside
    out = printed[f"show_{name}"]
    for sig in ("signature_def['serving_default']", "signature_def['sample']", "inputs['latent']",
                "inputs['batch_size']", "inputs['seed']", "outputs['images']", "outputs['images_uint8']",
                "dtype: DT_INT32", "dtype: DT_INT64", "dtype: DT_UINT8", "dtype: DT_FLOAT"):
        assert sig in out, sig
    assert ("inputs['condition']" in out) == (name == "cond")
    assert "shape: (-1, 8, 8, 1)" in out if name == "cond" else "shape: (-1, 28, 28, 1)" in out
    info = ("signature_def['codes']", "signature_def['sample_codes']", "inputs['noise']", "inputs['cat0']",
            "inputs['cont1']")
    assert all((text in out) == (name == "info") for text in info)


def test_saved_model_cli_run_produces_the_images(exported, outside):
    _, cases = exported
    work, printed = outside
    assert "Output images_uint8 is saved" in printed["run"]
    case = cases["dcgan"]
    np.testing.assert_allclose(np.load(work / "cli_run" / "images.npy"), _keras_images(case, case["latent"]), atol=1e-5)
    assert np.load(work / "cli_run" / "images_uint8.npy").dtype == np.uint8
