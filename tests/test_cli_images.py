"""`kgan train dcgan`, `kgan sample` and `kgan evaluate`."""

import json
import os
import subprocess

import numpy as np
import pytest
import tensorflow as tf
from test_cli import kgan_command

from kgan import cli
from kgan.data import _idx

needs_fashion_mnist = pytest.mark.skipif(
    not os.path.isdir(_idx.DEBIAN_LOCATIONS["fashion_mnist"][0]), reason="apt-get install dataset-fashion-mnist")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny DCGAN trained by the command on a .npy file (no dataset needed)."""
    root = tmp_path_factory.mktemp("dcgan")
    x = np.random.default_rng(0).integers(0, 256, (64, 28, 28), dtype=np.uint8)
    np.save(root / "x.npy", x)
    out = root / "run"
    proc = subprocess.run(
        kgan_command() + ["train", "dcgan", "--data", str(root / "x.npy"), "--epochs", "2", "--batch-size", "16",
                          "--width", "4", "--latent-dim", "8", "--seed", "3", "--out", str(out), "--json"],
        capture_output=True, text=True, timeout=300, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert proc.returncode == 0, proc.stderr
    return out, json.loads(proc.stdout.strip().splitlines()[-1]), proc.stdout


def test_train_dcgan_writes_models_grids_and_metrics(trained):
    out, summary, stdout = trained
    assert summary["epochs"] == 2 and summary["image_shape"] == [28, 28, 1] and summary["loss"] == "non_saturating"
    assert sorted(os.listdir(out / "samples")) == ["epoch_000.png", "epoch_001.png", "epoch_002.png"]
    for name in ("generator.keras", "gan.keras", "metrics.json"):
        assert (out / name).stat().st_size > 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert len(metrics["history"]["d_loss"]) == 2 and "kgan evaluate" in stdout


def test_sample_writes_grid_and_raw_array(trained, tmp_path):
    out, _, _ = trained
    assert cli.main(["sample", str(out / "gan.keras"), "--n", "6", "--seed", "4", "--out", str(tmp_path / "g.png"),
                     "--npy", str(tmp_path / "x.npy"), "--cols", "3"]) == 0
    images = np.load(tmp_path / "x.npy")
    assert images.shape == (6, 28, 28, 1) and images.dtype == np.float32
    assert -1.0 <= images.min() and images.max() <= 1.0
    png = tf.io.decode_png(tf.io.read_file(str(tmp_path / "g.png"))).numpy()
    assert png.shape == (2 * 28 + 3 * 2, 3 * 28 + 4 * 2, 1)
    # Same seed, same images; the bare generator with its prior named gives them too.
    assert cli.main(["sample", str(out / "generator.keras"), "--latent", "uniform", "--n", "6", "--seed", "4",
                     "--npy", str(tmp_path / "y.npy")]) == 0
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), images, atol=1e-6)


def test_sample_errors_name_the_fix(trained, tmp_path, capsys):
    out, _, _ = trained
    with pytest.raises(SystemExit):
        cli.main(["sample", str(tmp_path / "missing.keras")])
    assert "no such model file" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["sample", str(out / "generator.keras"), "--out", str(tmp_path / "a.png")])
    assert "--latent uniform" in capsys.readouterr().err


def test_train_dcgan_reports_missing_data_and_bad_shapes(tmp_path, capsys):
    assert cli.main(["train", "dcgan", "--data", str(tmp_path / "none") + os.sep, "--out", str(tmp_path / "o")]) == 1
    assert "does not exist" in capsys.readouterr().err
    np.save(tmp_path / "x.npy", np.zeros((8, 20, 20), np.uint8))
    assert cli.main(["train", "dcgan", "--data", str(tmp_path / "x.npy"), "--batch-size", "4",
                     "--out", str(tmp_path / "o")]) == 1
    assert "--image-size" in capsys.readouterr().err


@needs_fashion_mnist
def test_evaluate_prints_generated_and_real_rows(trained, capsys):
    out, _, _ = trained
    assert cli.main(["evaluate", str(out / "gan.keras"), "--n", "200", "--json"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    names = [row["name"] for row in report["rows"]]
    assert names == ["generated vs real test", "real train vs real test", "real test"]
    generated, real = report["rows"][0], report["rows"][1]
    assert generated["frechet_distance"] > real["frechet_distance"]  # noise-trained GAN vs real clothes
    for key in ("kid", "precision", "recall", "density", "coverage"):  # every metric, both sets
        assert isinstance(generated[key], float) and isinstance(real[key], float), key
    assert generated["kid"] > real["kid"] and generated["coverage"] < real["coverage"]
    assert cli.main(["evaluate", str(out / "gan.keras"), "--n", "200", "--quiet"]) == 0
    table = capsys.readouterr().out
    assert "kernel distance (KID)" in table and "precision" in table and "\x1b[" not in table  # no progress bar in a pipe


def test_train_infogan_and_sample_with_fixed_codes(tmp_path):
    x = np.random.default_rng(0).integers(0, 256, (32, 28, 28), dtype=np.uint8)
    np.save(tmp_path / "x.npy", x)
    out = tmp_path / "info"
    assert cli.main(["train", "infogan", "--data", str(tmp_path / "x.npy"), "--epochs", "1", "--batch-size", "16",
                     "--width", "2", "--noise", "4", "--categorical", "3", "--continuous", "1", "--quiet",
                     "--out", str(out)]) == 0
    assert (out / "traversal_cat0.png").exists() and (out / "gan.keras").exists()
    metrics = json.loads((out / "metrics.json").read_text())
    assert "mutual_information_g" in metrics["final"] and metrics["recipe"] == "modern"
    # The default recipe puts DiffAugment in front of D and Q (docs/infogan.md); --recipe paper does not.
    import keras

    import kgan

    def augments(path):
        return [layer for layer in keras.models.load_model(path).discriminator._flatten_layers()
                if isinstance(layer, kgan.layers.DiffAugment)]

    assert len(augments(out / "gan.keras")) == 1
    assert cli.main(["train", "infogan", "--data", str(tmp_path / "x.npy"), "--epochs", "1", "--batch-size", "16",
                     "--width", "2", "--noise", "4", "--categorical", "3", "--continuous", "1", "--quiet",
                     "--recipe", "paper", "--out", str(tmp_path / "paper")]) == 0
    assert augments(tmp_path / "paper" / "gan.keras") == []
    assert cli.main(["sample", str(out / "gan.keras"), "--n", "3", "--code", "cat0=2", "--code", "cont0=-1.5",
                     "--npy", str(tmp_path / "a.npy")]) == 0
    assert cli.main(["sample", str(out / "gan.keras"), "--n", "3", "--code", "cat0=2", "--code", "cont0=1.5",
                     "--npy", str(tmp_path / "b.npy")]) == 0
    assert not np.allclose(np.load(tmp_path / "a.npy"), np.load(tmp_path / "b.npy"))  # the pinned code matters


def test_sample_code_errors(trained, capsys):
    out, _, _ = trained
    assert cli.main(["sample", str(out / "gan.keras"), "--code", "cat0=1", "--out", os.devnull]) == 1
    assert "InfoCode" in capsys.readouterr().err
