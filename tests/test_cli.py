import json
import os
import shutil
import subprocess
import sys

import pytest

from kgan import cli


def kgan_command():
    exe = shutil.which("kgan")
    return [exe] if exe else [sys.executable, "-m", "kgan.cli"]


def test_train_gaussian_1d_end_to_end(tmp_path):
    out = tmp_path / "run"
    proc = subprocess.run(
        kgan_command() + ["train", "gaussian-1d", "--steps", "150", "--seed", "1", "--out", str(out), "--json"],
        capture_output=True, text=True, timeout=300, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert {"w1", "ks", "d_real", "d_fake", "steps", "seconds", "steps_per_second"} <= set(summary)
    assert summary["steps"] == 150 and summary["variant"] == "modern"
    assert "W1 (Wasserstein-1)" in proc.stdout  # the summary table (not --quiet)
    for name in ("before.png", "after.png", "losses.png", "metrics.json", "generator.keras", "gan.keras"):
        assert (out / name).stat().st_size > 0, name
    assert json.loads((out / "metrics.json").read_text())["w1"] == summary["w1"]


@pytest.mark.parametrize("argv,match", [
    (["train", "gaussian-1d", "--sigma", "-1"], "--sigma"),
    (["train", "gaussian-1d", "--steps", "ten"], "--steps"),
    (["train", "gaussian-1d", "--variant", "fancy"], "--variant"),
    (["train", "cifar"], "invalid choice"),
    (["train", "gaussian-1d", "--seed", "-1"], "--seed"),
    (["train"], "TASK"),
    ([], "COMMAND"),
    (["train", "dcgan", "--loss", "wgan-gpp"], "unknown loss"),
    (["train", "dcgan", "--epochs", "0"], "--epochs"),
    (["train", "dcgan", "--image-size", "30"], "--image-size"),
    (["sample"], "MODEL"),
    (["sample", "m.keras", "--n", "0"], "--n"),
    (["evaluate", "m.keras", "--n", "1"], "--n"),
    (["export", "m.keras", "out", "--name", "m", "--version", "0"], "--version"),
    (["export", "m.keras", "out", "--name", "m", "--version", "x"], "--version"),
    (["export", "m.keras", "out", "--name", "m", "--format", "tflite"], "--format"),
    (["export", "m.keras", "out"], "--name"),
    (["export", "m.keras"], "BASE"),
])
def test_bad_arguments_give_one_line_and_status_2(argv, match, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and match in err


def test_help_explains_each_command(capsys):
    for argv in ([], ["train"], ["train", "gaussian-1d"]):
        with pytest.raises(SystemExit) as exit_info:
            cli.main(argv + ["--help"])
        assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert "gaussian-1d" in text and "--variant" in text and "--json" in text


def test_unwritable_output_directory_is_reported(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert cli.main(["train", "gaussian-1d", "--steps", "1", "--quiet", "--out", str(blocker / "sub")]) == 1
    assert "cannot create output directory" in capsys.readouterr().err
