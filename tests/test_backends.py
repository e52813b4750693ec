"""The same GAN trains the same on Keras' TensorFlow and JAX backends (issue 16).

The other backend runs in a subprocess (tests/backend_parity.py): the interpreter itself when it
has jax installed (``pip install "kgan[jax]"``, the tox ``jax`` env), else ``$KGAN_JAX_PYTHON``;
without either these tests are skipped, saying so.
"""

import importlib.util
import os
import pathlib
import subprocess
import sys
import textwrap

import backend_parity
import keras
import numpy as np
import pytest

HERE = pathlib.Path(__file__).parent


def _jax_python():
    if os.environ.get("KGAN_JAX_PYTHON"):
        return os.environ["KGAN_JAX_PYTHON"]
    return sys.executable if importlib.util.find_spec("jax") is not None else None


JAX_PYTHON = _jax_python()
needs_jax = pytest.mark.skipif(JAX_PYTHON is None, reason="jax is not importable here: pip install 'kgan[jax]' "
                               "(or point KGAN_JAX_PYTHON at a Python that has it) to run the cross-backend tests")


def _env(backend, **extra):
    root = str(HERE.parent)
    path = os.pathsep.join([root, str(HERE), os.environ.get("PYTHONPATH", "")])
    return {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": path, **extra}


def _results(backend, config, tmp_path):
    if keras.backend.backend() == backend:
        return backend_parity.run(config)
    python = JAX_PYTHON if backend == "jax" else os.environ.get("KGAN_TF_PYTHON", sys.executable)
    out = tmp_path / f"{backend}_{config}.npz"
    subprocess.run([python, str(HERE / "backend_parity.py"), str(out), config], check=True, env=_env(backend),
                   timeout=300, cwd=HERE.parent)
    return dict(np.load(out))


@needs_jax
@pytest.mark.parametrize("config", backend_parity.CONFIGS)
def test_tensorflow_and_jax_give_the_same_losses_and_weights(config, tmp_path):
    """Fixed weights and random numbers, 3 SGD steps with and without GradientPenalty."""
    tf_run, jax_run = _results("tensorflow", config, tmp_path), _results("jax", config, tmp_path)
    assert sorted(tf_run) == sorted(jax_run)
    assert tf_run["iterations"].tolist() == jax_run["iterations"].tolist() == [3, 3]
    if config.endswith("gp"):
        assert "loss_gp" in tf_run
    for key in tf_run:
        np.testing.assert_allclose(jax_run[key], tf_run[key], rtol=1e-4, atol=2e-5, err_msg=key)
    moved = max(float(np.max(np.abs(tf_run[k]))) for k in tf_run if k.startswith("w_"))
    assert moved > 0


_DATA_PARALLEL = textwrap.dedent("""
    import sys
    import jax, keras, numpy as np
    import backend_parity
    assert len(jax.devices()) == 2, jax.devices()
    one = backend_parity.run("mlp_gp")
    keras.distribution.set_distribution(keras.distribution.DataParallel(devices=jax.devices()))
    two = backend_parity.run("mlp_gp")
    np.savez(sys.argv[1], **{f"one_{k}": v for k, v in one.items()}, **{f"two_{k}": v for k, v in two.items()})
""")


@needs_jax
def test_jax_data_parallel_on_two_devices_matches_one_device(tmp_path):
    """keras.distribution.DataParallel over 2 CPU devices: one SPMD step, the same result."""
    out = tmp_path / "dp.npz"
    subprocess.run([JAX_PYTHON, "-c", _DATA_PARALLEL, str(out)], check=True, timeout=300, cwd=HERE.parent,
                   env=_env("jax", XLA_FLAGS="--xla_force_host_platform_device_count=2"))
    runs = dict(np.load(out))
    keys = [k[4:] for k in runs if k.startswith("one_")]
    assert "loss_gp" in keys
    for key in keys:
        np.testing.assert_allclose(runs[f"two_{key}"], runs[f"one_{key}"], rtol=1e-4, atol=2e-5, err_msg=key)


def test_an_unsupported_backend_is_refused_naming_the_supported_ones(monkeypatch):
    import kgan

    monkeypatch.setattr(keras.backend, "backend", lambda: "torch")
    with pytest.raises(ImportError, match=r"tensorflow and jax backends.*'torch'.*KERAS_BACKEND=jax"):
        kgan._load()
