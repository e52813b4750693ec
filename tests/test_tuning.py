"""kgan.tuning: keras-tuner sweeps of the D/G learning rates (tiny 1-D trials of a few steps)."""

import csv
import json
import math
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

import kgan

keras_tuner = pytest.importorskip("keras_tuner")
from kgan import cli, tuning  # noqa: E402

# keras-tuner's oracle calls threading.currentThread(): its warning, not ours.
pytestmark = pytest.mark.filterwarnings("ignore:currentThread:DeprecationWarning", "ignore:getName:DeprecationWarning")


def tiny_preset():
    # The tutorial's networks on small batches: a trial is a few steps, so tests stay fast.
    return tuning.Gaussian1D(batch_size=64, steps_per_epoch=5, eval_samples=1000)


def sweep(directory, tuner="random", max_trials=2, **kwargs):
    return tuning.LearningRateBalance(tiny_preset(), tuner=tuner, max_trials=max_trials, directory=directory,
                                      epochs=kwargs.pop("epochs", 1), **kwargs)


def read_csv(path):
    with open(path) as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def random_sweep(tmp_path_factory):
    directory = tmp_path_factory.mktemp("tune")
    s = sweep(directory)
    written = s.search()
    return s, directory, written


def test_random_search_writes_table_figure_and_best_gan(random_sweep):
    s, _, written = random_sweep
    rows = read_csv(written["csv"])
    assert len(rows) == 2 and {r["status"] for r in rows} == {"COMPLETED"}
    for r in rows:
        assert 1e-4 <= float(r["d_learning_rate"]) <= 3e-2 and 1e-4 <= float(r["g_learning_rate"]) <= 3e-2
        assert math.isfinite(float(r["w1"])) and float(r["train_seconds"]) > 0 and int(r["steps"]) == 5
    assert rows[0]["d_learning_rate"] != rows[1]["d_learning_rate"]  # two different trials
    table = written["markdown"].read_text()
    assert table.startswith("| trial | status | w1 |") and table.count("COMPLETED") == 2
    assert written["figure"].stat().st_size > 10_000
    best = s.best_hyperparameters()
    assert best["w1"] == min(float(r["w1"]) for r in rows)
    gan = s.best_gan()
    assert isinstance(gan, kgan.GAN)
    # best_gan() is the trained model: its W1 (same samples as the objective) is the best trial's.
    w1 = kgan.metrics.wasserstein_1d(gan.generate(1000, seed=1), kgan.metrics.NormalDistribution(-1, 1))
    assert w1 == pytest.approx(best["w1"], rel=1e-5)


def test_bayesian_search_uses_its_gaussian_process(tmp_path):
    s = sweep(tmp_path, tuner="bayesian", tuner_kwargs={"num_initial_points": 1})
    assert isinstance(s.tuner, keras_tuner.BayesianOptimization)
    s.search()
    rows = read_csv(tmp_path / "gaussian-1d" / "trials.csv")
    assert len(rows) == 2 and all(math.isfinite(float(r["w1"])) for r in rows)


def test_hyperband_honours_its_epochs_and_continues_promoted_trials(tmp_path):
    s = sweep(tmp_path, tuner="hyperband", max_trials=3, epochs=2, tuner_kwargs={"factor": 2})
    s.search()
    rows = {r["trial"]: r for r in s.results()}
    assert len(rows) == 3 and all(r["status"] == "COMPLETED" for r in rows.values())
    # Two 1-epoch trials, then the better one promoted to 2 epochs, resuming from its checkpoint at epoch 1.
    assert [(r["epochs"], r["initial_epoch"]) for r in rows.values()] == [(1, 0), (1, 0), (2, 1)]
    assert [r["steps"] for r in rows.values()][:2] == [5, 5]
    assert (tmp_path / "gaussian-1d" / "trials.md").exists()


def test_resuming_skips_finished_trials(random_sweep):
    _, directory, _ = random_sweep
    again = sweep(directory)  # the same command, the same directory
    again.search()
    assert again.hypermodel.build_calls == 0 and len(again.results()) == 2
    more = sweep(directory, max_trials=3)  # a bigger budget: only the new trial runs
    more.search()
    assert more.hypermodel.build_calls == 1 and len(read_csv(directory / "gaussian-1d" / "trials.csv")) == 3
    with pytest.raises(ValueError, match="other settings.*d_learning_rate.*overwrite=True"):
        sweep(directory, d_learning_rate=(1e-3, 1e-2))


def test_diverged_trial_is_recorded_as_failed_and_the_sweep_goes_on(tmp_path):
    nan = keras.layers.Lambda(lambda x: x + keras.ops.log(-keras.ops.ones_like(x)), name="nan")

    def build_gan(hp):  # the user's own GAN; with the hinge loss choice, G outputs NaN
        keras.utils.set_random_seed(0)
        z = keras.Input((2,))
        x = kgan.nets.mlp(2, 1, hidden=(8,), name="g_mlp")(z)
        if hp.get("loss") == "hinge":
            x = nan(x)
        return kgan.GAN(keras.Model(z, x), kgan.nets.mlp(1, 1, hidden=(8,), name="d"), kgan.latent.Normal(2), seed=0)

    s = tuning.LearningRateBalance(build_gan, objective=tuning.Wasserstein1(n=500), max_trials=2, directory=tmp_path,
                                   d_learning_rate=1e-3, g_learning_rate=1e-3, loss=["least_squares", "hinge"])
    s.search(kgan.data.gaussian_1d(batch_size=32, seed=0), epochs=1, steps_per_epoch=3)
    rows = {r["loss"]: r for r in s.results()}
    assert rows["hinge"]["status"] == "FAILED" and rows["hinge"]["note"].startswith("diverged: ")
    assert rows["least_squares"]["status"] == "COMPLETED" and math.isfinite(rows["least_squares"]["w1"])
    assert s.best_hyperparameters()["loss"] == "least_squares"
    assert "FAILED" in (tmp_path / "kgan" / "trials.md").read_text()


def test_bad_data_stops_the_search_once_with_the_reason(tmp_path):
    def build_gan(hp):
        z = keras.Input((2,))
        return kgan.GAN(keras.Model(z, kgan.nets.mlp(2, 1, hidden=(8,), name="g_mlp")(z)),
                        kgan.nets.mlp(1, 1, hidden=(8,), name="d"), kgan.latent.Normal(2), seed=0)

    data = np.random.default_rng(0).normal(size=(64, 1)).astype("float32")
    data[3] = np.nan
    s = tuning.LearningRateBalance(build_gan, objective=tuning.Wasserstein1(n=500), max_trials=3, directory=tmp_path,
                                   d_learning_rate=1e-3, g_learning_rate=(1e-4, 1e-2))
    with pytest.raises(Exception, match="NaN or infinite"):
        s.search(data, epochs=1, batch_size=16)
    assert len(s.results()) <= 1  # one trial reported the data error; no trial budget burnt on it


@pytest.mark.parametrize("kwargs, message", [
    ({"d_learning_rate": (1e-2, 1e-5)}, r"d_learning_rate=\(0.01, 1e-05\): low > high; write \(1e-05, 0.01\)"),
    ({"g_learning_rate": (0.0, 1e-3)}, r"g_learning_rate must be positive"),
    ({"g_learning_rate": (1e-3, 1e-3)}, r"empty range; fix it with g_learning_rate=0.001"),
    ({"beta_1": 1.5}, r"beta_1 must be in \[0, 1\)"),
    ({"d_steps": [1, 0]}, r"d_steps must be positive integers"),
    ({"loss": ["hinge", "nope"]}, r"loss='nope' is not a kgan loss; choose from .*least_squares"),
    ({"learning_rate": (1e-4, 1e-3)}, r"learning_rate and lr_ratio go together: also give lr_ratio"),
    ({"learning_rate": 1e-3, "lr_ratio": 2.0, "d_learning_rate": 1e-3}, r"either d_learning_rate/g_learning_rate"),
    ({"d_lr": (1e-4, 1e-3)}, r"Unknown search-space argument 'd_lr'.*d_learning_rate, g_learning_rate"),
    ({"d_learning_rate": (1e-4, 1e-3, 1e-2)}, r"a range is \(low, high\)"),
])
def test_bad_search_space_arguments_name_the_fix(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        tuning.LearningRateBalance(tiny_preset(), directory=tmp_path, **kwargs)
    assert not (tmp_path / "gaussian-1d").exists()  # nothing written


def test_other_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="tuner must be one of random, bayesian, hyperband"):
        tuning.LearningRateBalance("gaussian-1d", tuner="grid", directory=tmp_path)
    with pytest.raises(ValueError, match="Unknown preset 'gaussian'"):
        tuning.LearningRateBalance("gaussian", directory=tmp_path)
    with pytest.raises(ValueError, match="custom build_gan needs objective="):
        tuning.LearningRateBalance(lambda hp: None, directory=tmp_path)
    with pytest.raises(ValueError, match=r"objective='w1' names the gaussian-1d preset's score.*Wasserstein1\(target\)"):
        tuning.LearningRateBalance(lambda hp: None, objective="w1", directory=tmp_path)
    with pytest.raises(ValueError, match="epochs must be a positive integer"):
        tuning.LearningRateBalance("gaussian-1d", epochs=0, directory=tmp_path)


def test_ratio_parametrisation_spells_out_both_rates():
    space = tuning.SearchSpace(learning_rate=(1e-4, 1e-3), lr_ratio=(0.5, 4.0))
    hp = keras_tuner.HyperParameters()
    values = space.declare(hp)
    assert values["d_learning_rate"] == pytest.approx(values["learning_rate"] * values["lr_ratio"])
    assert values["g_learning_rate"] == values["learning_rate"]
    assert {p.name for p in hp.space} == {"learning_rate", "lr_ratio", "beta_1", "d_steps", "loss"}
    assert [p.sampling for p in hp.space[:2]] == ["log", "log"]


def test_cli_prints_best_as_json_last_line(tmp_path, capsys):
    argv = ["tune", "gaussian-1d", "--trials", "1", "--epochs", "1", "--steps-per-epoch", "5", "--d-lr", "1e-3",
            "--g-lr", "1e-4", "1e-2", "--out", str(tmp_path), "--json"]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    result = json.loads(out.strip().splitlines()[-1])
    assert result["objective"] == "w1" and math.isfinite(result["value"]) and result["completed"] == 1
    assert result["best"]["d_learning_rate"] == 1e-3 and 1e-4 <= result["best"]["g_learning_rate"] <= 1e-2
    assert "| trial | status | w1 |" in out  # the table, before the JSON line
    assert (tmp_path / "gaussian-1d" / "best_gan.keras").exists() and (tmp_path / "gaussian-1d" / "trials.png").exists()


@pytest.mark.parametrize("flags, message", [
    (["--d-lr", "1e-2", "1e-5"], "argument --d-lr: LOW > HIGH"),
    (["--g-lr", "1e-4", "1e-3", "1e-2"], "argument --g-lr: expected VALUE (fixed) or LOW HIGH"),
    (["--lr", "1e-3"], "--lr and --ratio go together"),
    (["--loss", "nope"], "unknown loss 'nope'"),
    (["--beta-1", "1.2"], "expected a number in [0, 1)"),
    (["--tuner", "grid"], "invalid choice: 'grid'"),
])
def test_cli_bad_arguments_exit_2_with_one_line(tmp_path, capsys, flags, message):
    try:
        status = cli.main(["tune", "gaussian-1d", "--out", str(tmp_path), *flags])
    except SystemExit as exit_:
        status = exit_.code
    err = capsys.readouterr().err
    assert status == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "gaussian-1d").exists()


def test_import_kgan_needs_no_keras_tuner_and_tuning_says_how_to_install():
    code = ("import sys; sys.modules['keras_tuner'] = None\n"
            "import kgan\n"
            "try:\n    kgan.tuning\nexcept ImportError as err:\n    print('ImportError:', err)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 'ImportError: kgan.tuning needs keras-tuner' in proc.stdout and 'pip install "kgan[tuner]"' in proc.stdout


def test_results_read_back_from_a_directory(random_sweep):
    _, directory, _ = random_sweep
    rows = tuning.results(directory / "gaussian-1d", objective="w1")  # what a distributed chief wrote, say
    on_disk = sorted(p.name.removeprefix("trial_") for p in (directory / "gaussian-1d").glob("trial_*"))
    assert [r["trial"] for r in rows] == on_disk and len(on_disk) >= 2
    assert np.isfinite([r["w1"] for r in rows]).all() and {r["status"] for r in rows} == {"COMPLETED"}
