"""What Keras users expect of the command line (issue 17): fast --help, progress that suits the
terminal or the log file, reproducible tune seeds, consistent defaults, readable figures, and a
sample folder that never mixes two runs."""

import argparse
import io
import os
import shutil
import subprocess
import sys
import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

import kgan
from kgan import cli, pixels
from kgan.cli import _args, _distribute

ESC = "\x1b"


# ----------------------------------------------------------------- fast --help: no TensorFlow before parsing
def _imported_modules(argv):
    """The modules the `kgan` console script imports for ``argv`` (python -X importtime), and its exit status."""
    exe = shutil.which("kgan")  # the console script, as installed; else python -m kgan.cli
    command = [sys.executable, "-X", "importtime", *([exe] if exe else ["-m", "kgan.cli"])]
    proc = subprocess.run(command + argv, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    names = {line.rpartition("|")[2].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    return names, proc.returncode


@pytest.mark.parametrize("argv, status", [
    (["--help"], 0), (["--version"], 0), (["train", "dcgan", "--help"], 0), (["tune", "dcgan", "--help"], 0),
    (["generate-text", "--help"], 0), (["inpaint", "--help"], 0), (["train", "dcgan", "--epochs", "0"], 2),
])
def test_help_version_and_usage_errors_import_no_tensorflow(argv, status):
    names, code = _imported_modules(argv)
    assert code == status
    assert "kgan.cli" in names  # the measurement saw the command's imports
    heavy = sorted(n for n in names if n.split(".")[0] in ("tensorflow", "keras", "keras_tuner"))
    assert not heavy, f"kgan {' '.join(argv)} imported {heavy[:5]}: keep parser modules free of them"


def test_import_kgan_still_loads_the_whole_face():
    # keras.models.load_model finds kgan's classes only once their modules are imported: a bare
    # `import kgan` (not the command) must import them all, as before.
    code = ("import sys, kgan; print(all(m in sys.modules for m in ('kgan.gan', 'kgan.layers', 'kgan.terms', "
            "'kgan.latent', 'kgan.apps')), kgan.GAN.__name__, kgan.__version__)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert proc.stdout.split() == ["True", "GAN", kgan.__version__], proc.stderr


def test_lazy_face_loads_on_first_use():
    code = ("import sys; sys.argv[0] = 'kgan'; import kgan; a = 'kgan.gan' in sys.modules; "
            "g = kgan.GAN; print(a, 'kgan.gan' in sys.modules, 'kgan.layers' in sys.modules, "
            "'GAN' in dir(kgan), kgan.tuning.__name__)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert proc.stdout.split() == ["False", "True", "True", "True", "kgan.tuning"], proc.stderr


def test_the_parser_strategy_names_are_kgan_distributes():
    assert _distribute.STRATEGIES == kgan.distribute.NAMES


# ----------------------------------------------------------------- progress: a bar on a terminal, lines in logs
class _Stream(io.StringIO):
    def __init__(self, tty):
        super().__init__()
        self.tty = tty

    def isatty(self):
        return self.tty


def test_progress_verbose_follows_quiet_and_the_terminal(monkeypatch):
    monkeypatch.setattr(sys, "stdout", _Stream(True))
    assert _args.progress_verbose(argparse.Namespace(quiet=False)) == 1
    assert _args.progress_verbose(argparse.Namespace(quiet=True)) == 0
    monkeypatch.setattr(sys, "stdout", _Stream(False))
    assert _args.progress_verbose(argparse.Namespace(quiet=False)) == 2
    assert not _args.is_terminal(object())  # no isatty at all: not a terminal


@pytest.mark.parametrize("terminal, quiet", [(True, False), (False, False), (False, True)])
def test_train_dcgan_shows_a_bar_on_a_terminal_and_plain_lines_in_a_log(terminal, quiet, tmp_path, capsys,
                                                                          monkeypatch):
    monkeypatch.setattr(_args, "is_terminal", lambda stream=None: terminal)
    np.save(tmp_path / "x.npy", np.zeros((32, 28, 28), np.uint8))
    argv = ["train", "dcgan", "--data", str(tmp_path / "x.npy"), "--epochs", "2", "--batch-size", "16", "--width",
            "2", "--latent-dim", "4", "--out", str(tmp_path / "run")] + (["--quiet"] if quiet else [])
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    if quiet:
        assert "Epoch" not in out and out.strip() == ""
    elif terminal:
        assert "Epoch 2/2" in out and ESC in out  # Keras' live bar (verbose=1)
    else:
        assert "Epoch 2/2" in out and ESC not in out and "\r" not in out  # verbose=2: a line per epoch


# ----------------------------------------------------------------- inpainting search: a Progbar
@pytest.fixture(scope="module")
def small_image_gan():
    gan = kgan.GAN.dcgan((28, 28, 1), latent_dim=4, width=2, seed=0)
    gan.compile()
    return gan


def test_inpaint_progress_bar_is_quiet_by_default_and_changes_nothing(small_image_gan, capsys):
    images = np.random.default_rng(0).uniform(-1, 1, (2, 28, 28, 1)).astype("float32")
    quiet = kgan.apps.inpaint(images, "center", small_image_gan, steps=7, blend="paste")
    assert capsys.readouterr().out == ""
    shown = kgan.apps.inpaint(images, "center", small_image_gan, steps=7, blend="paste", verbose=1)
    out = capsys.readouterr().out
    assert "Codes 1-2/2" in out and "7/7" in out and "contextual_loss" in out
    # The bar runs the steps in chunks: the same search, the same result.
    np.testing.assert_allclose(shown.latent, quiet.latent, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(shown.history, quiet.history, rtol=1e-5, atol=1e-6)
    kgan.apps.inpaint(images, "center", small_image_gan, steps=3, blend="paste", batch_size=1, verbose=2)
    out = capsys.readouterr().out
    assert ESC not in out and out.count("3/3") == 2  # one plain line per batch of codes
    with pytest.raises(ValueError, match="verbose"):
        kgan.apps.inpaint(images, "center", small_image_gan, steps=1, verbose="yes")


# ----------------------------------------------------------------- tune: seed 0 is reproducible
def test_oracle_seed_maps_zero_to_a_real_seed():
    import keras_tuner

    from kgan.tuning.space import oracle_seed

    assert oracle_seed(0) == 1 and oracle_seed(7) == 8

    def first_trials(seed):
        hp = keras_tuner.HyperParameters()
        hp.Float("d_learning_rate", 1e-5, 1e-2, sampling="log")
        oracle = keras_tuner.oracles.RandomSearchOracle(objective=keras_tuner.Objective("w1", "min"), max_trials=5,
                                                        hyperparameters=hp, seed=seed)
        return [oracle.populate_space(str(i))["values"]["d_learning_rate"] for i in range(3)]

    assert first_trials(oracle_seed(0)) == first_trials(oracle_seed(0))


def test_the_sweep_gives_the_oracle_a_real_seed_for_seed_0(tmp_path):
    from kgan import tuning

    sweep = tuning.LearningRateBalance("gaussian-1d", max_trials=2, directory=tmp_path, seed=0)
    assert sweep.tuner.oracle.seed == 1  # keras-tuner would draw a random seed for 0


# ----------------------------------------------------------------- consistent defaults
def test_tune_dcgan_sweeps_the_network_train_dcgan_trains():
    from kgan import tuning

    parser = cli.build_parser()
    train = parser.parse_args(["train", "dcgan"])
    tune = parser.parse_args(["tune", "dcgan"])
    assert (tune.width, tune.latent_dim) == (train.width, train.latent_dim)
    preset = tuning.DCGAN()
    assert (preset.width, preset.latent_dim) == (train.width, train.latent_dim)


# ----------------------------------------------------------------- generate-text: MODEL first
def test_generate_text_takes_the_model_first_and_model_as_a_deprecated_alias(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.keras").write_bytes(b"")
    parser = cli.build_parser()
    args = parser.parse_args(["generate-text", "m.keras", "a bag", "a shoe"])
    args.check(args)
    assert (args.model, args.captions) == ("m.keras", ["a bag", "a shoe"])
    assert capsys.readouterr().err == ""
    old = parser.parse_args(["generate-text", "a bag", "a shoe", "--model", "m.keras"])
    old.check(old)
    assert (old.model, old.captions) == ("m.keras", ["a bag", "a shoe"])
    assert "--model is deprecated" in capsys.readouterr().err
    for argv, message in ((["generate-text", "a bag"], "MODEL"), (["generate-text", "m.keras"], "CAPTION"),
                          (["generate-text", "gone.keras", "a bag"], "no such model file")):
        args = parser.parse_args(argv)
        with pytest.raises(SystemExit) as exit_info:
            args.check(args)
        assert exit_info.value.code == 2 and message in capsys.readouterr().err


# ----------------------------------------------------------------- SampleGrid: a fresh run replaces old grids
def _fit_with_grid(gan, folder, **fit_kwargs):
    grid = kgan.callbacks.SampleGrid(folder, n=4, min_cell=1)
    ds = kgan.data.images(np.zeros((16, 28, 28), np.uint8), batch_size=16)
    gan.fit(ds, callbacks=[grid], verbose=0, **fit_kwargs)
    return sorted(os.listdir(folder))


def test_a_fresh_run_removes_stale_grids_and_a_continued_one_keeps_them(tmp_path):
    for i in range(6):  # an earlier, longer run
        (tmp_path / f"epoch_{i:03d}.png").write_bytes(b"old")
    (tmp_path / "notes.txt").write_text("mine")
    gan = kgan.GAN.dcgan((28, 28, 1), latent_dim=4, width=2, seed=0)
    gan.compile()
    with pytest.warns(UserWarning, match="removed 6 epoch_"):
        names = _fit_with_grid(gan, tmp_path, epochs=2)
    assert names == ["epoch_000.png", "epoch_001.png", "epoch_002.png", "notes.txt"]
    assert (tmp_path / "epoch_000.png").read_bytes() != b"old"
    # The GAN has trained: a new callback continuing it (as a resumed run) keeps the grids.
    untrained = (tmp_path / "epoch_000.png").read_bytes()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        names = _fit_with_grid(gan, tmp_path, epochs=3, initial_epoch=2)
    assert not [w for w in caught if "SampleGrid" in str(w.message)]
    assert names == ["epoch_000.png", "epoch_001.png", "epoch_002.png", "epoch_003.png", "notes.txt"]
    assert (tmp_path / "epoch_000.png").read_bytes() == untrained


# ----------------------------------------------------------------- readable figures
def _read_png(path):
    return tf.io.decode_png(tf.io.read_file(str(path))).numpy()


def test_enlarge_repeats_pixels_by_a_whole_factor():
    x = np.arange(2 * 7 * 5).reshape(2, 7, 5, 1).astype(np.uint8)
    big = pixels.enlarge(x, 64)
    assert big.shape == (2, 7 * 13, 5 * 13, 1) and big.dtype == np.uint8  # the shorter side reaches 64
    np.testing.assert_array_equal(big[:, ::13, ::13], x)
    assert pixels.enlarge(x, 1) is not None and pixels.enlarge(x, 1).shape == x.shape
    assert pixels.enlarge(np.zeros((28, 28, 3)), 64).shape == (84, 84, 3)


def test_figure_labels_sit_in_their_own_margins():
    x = np.random.default_rng(0).integers(0, 256, (4, 28, 28, 1), dtype=np.uint8)
    plain = pixels.image_grid(pixels.enlarge(x, 64), cols=2)
    fig = pixels.figure(x, cols=2, col_labels=["masked", "filled"], row_labels=["a", "b"])
    header, left = fig.shape[0] - plain.shape[0], fig.shape[1] - plain.shape[1]
    assert header > 0 and left > 0 and fig.dtype == np.uint8 and fig.shape[-1] == 1
    np.testing.assert_array_equal(fig[header:, left:], plain)  # the images' pixels, untouched
    assert (fig[:header] < 128).any() and (fig[header:, :left] < 128).any()  # dark text in both margins
    assert pixels.figure(np.zeros((2, 28, 28, 3)), cols=2, col_labels=["LR", "SR"]).shape[-1] == 3


def test_inpainting_figure_is_enlarged_and_labelled(small_image_gan):
    images = np.random.default_rng(1).uniform(-1, 1, (2, 28, 28, 1)).astype("float32")
    result = kgan.apps.inpaint(images, "center", small_image_gan, steps=2, blend="paste")
    fig = result.figure(original=images)
    raw = result.figure(original=images, labels=False, min_cell=1)
    assert raw.shape == (2 * 28 + 3 * 2, 4 * 28 + 5 * 2, 1)  # masked | G(z) | filled | original
    assert fig.shape[1] == 4 * 84 + 5 * 2 and fig.shape[0] > 2 * 84 + 3 * 2  # cells x3, and a header
    assert (fig[:10] < 128).any()  # the column names


def test_super_resolution_comparison_figure_has_four_labelled_columns():
    from kgan.apps import super_resolution as sr

    hr = np.random.default_rng(2).uniform(-1, 1, (3, 28, 28, 1)).astype("float32")
    lr = sr.downscale(hr, 4)
    fig = sr.comparison_figure(lr, hr, hr)  # HR as a stand-in SR: only the layout is checked
    assert fig.shape[1] == 4 * 84 + 5 * 2 and fig.shape[0] > 3 * 84 and fig.dtype == np.uint8
    assert sr.comparison_figure(lr, hr).shape[1] == 3 * 84 + 4 * 2  # without HR: LR | bicubic | SR
    with pytest.raises(ValueError, match="multiple"):
        sr.comparison_figure(lr, hr[:, :27, :27])


def test_code_traversal_figure_labels_rows_and_columns():
    from kgan.apps import latent

    gan = kgan.GAN.infogan((28, 28, 1), noise=2, categorical=[3], continuous=1, width=2, seed=0)
    grid = latent.code_traversal(gan, steps=4)
    fig = latent.code_traversal_figure(gan, steps=4)
    assert grid.shape == (3 * 28 + 4 * 2, 4 * 28 + 5 * 2, 1)
    assert fig.shape[0] > 3 * 84 + 4 * 2 and fig.shape[1] > 4 * 84 + 5 * 2  # enlarged, with both margins


def test_sample_grid_cells_are_at_least_min_cell(tmp_path):
    gan = kgan.GAN.dcgan((28, 28, 1), latent_dim=4, width=2, seed=0)
    gan.compile()
    keras.utils.set_random_seed(0)
    grid = kgan.callbacks.SampleGrid(tmp_path, n=4, cols=2)
    gan.fit(kgan.data.images(np.zeros((16, 28, 28), np.uint8), batch_size=16), epochs=1, callbacks=[grid], verbose=0)
    assert _read_png(tmp_path / "epoch_001.png").shape == (2 * 84 + 3 * 2, 2 * 84 + 3 * 2, 1)


def test_the_public_names_list_every_submodule_the_face_loads():
    assert set(kgan._SUBMODULES) | {"GAN"} <= set(kgan.__all__) and set(kgan._SUBMODULES) <= set(dir(kgan))


# ----------------------------------------------------------------- bad input: one line, never a traceback
def _train_argv(tmp_path, out, *extra):
    np.save(tmp_path / "x.npy", np.zeros((32, 28, 28), np.uint8))
    return ["train", "dcgan", "--data", str(tmp_path / "x.npy"), "--epochs", "2", "--batch-size", "16", "--width",
            "2", "--latent-dim", "4", "--out", str(out), "--quiet", *extra]


def _status(argv) -> int:
    """``cli.main``'s exit status, whether returned or raised as SystemExit (as the console script sees it)."""
    try:
        return cli.main(argv)
    except SystemExit as exit_info:
        return exit_info.code


def _one_error_line(capsys):
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    return err


@pytest.mark.parametrize("in_the_way", ["samples", "backup"])
def test_train_with_a_file_where_an_output_folder_goes_fails_in_one_line_before_training(in_the_way, tmp_path,
                                                                                       capsys):
    out = tmp_path / "run"
    out.mkdir()
    (out / in_the_way).write_text("not a folder")
    assert cli.main(_train_argv(tmp_path, out)) == 1
    err = _one_error_line(capsys)
    assert f"{out / in_the_way} is a file, not a folder" in err and "Move or delete" in err
    assert not (out / "gan.keras").exists()


def test_an_output_folder_turning_read_only_mid_run_stops_in_one_line(tmp_path, capsys, monkeypatch):
    import errno

    from kgan import _atomic

    real_fsync = _atomic._fsync

    def read_only_after_the_first_grid(path):  # as if the folder became read-only during epoch 1
        if "epoch_001" in str(path):
            raise PermissionError(errno.EACCES, "Permission denied", path)
        real_fsync(path)

    monkeypatch.setattr(_atomic, "_fsync", read_only_after_the_first_grid)
    out = tmp_path / "run"
    assert cli.main(_train_argv(tmp_path, out)) == 1
    err = _one_error_line(capsys)
    assert f"cannot write {out / 'samples' / 'epoch_001.png'}: its folder refuses writes (Permission denied)" in err
    assert sorted(os.listdir(out / "samples")) == ["epoch_000.png"]  # no temporary file left behind
    assert (out / "backup" / "latest.weights.h5").exists()  # epoch 1's backup: fix the folder and run again


def test_an_unexpected_error_is_one_line_with_the_way_to_the_traceback(tmp_path, capsys, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("something kgan did not foresee\nsecond line")

    monkeypatch.setattr(kgan.GAN, "fit", boom)
    assert cli.main(_train_argv(tmp_path, tmp_path / "run")) == 1
    assert _one_error_line(capsys) == ("kgan: error: RuntimeError: something kgan did not foresee (unexpected; run "
                                       "again with KGAN_TRACEBACK=1 for the traceback and report it)")
    monkeypatch.setenv("KGAN_TRACEBACK", "1")
    with pytest.raises(RuntimeError, match="did not foresee"):
        cli.main(_train_argv(tmp_path, tmp_path / "run"))


def test_sample_and_export_refuse_a_keras_model_that_is_not_a_generator(tmp_path, capsys):
    classifier = tmp_path / "classifier.keras"
    keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10)]).save(classifier)
    assert _status(["sample", str(classifier), "--latent", "normal", "--out", str(tmp_path / "s.png")]) == 1
    assert "takes inputs of shape (28, 28, 1), not latent vectors" in _one_error_line(capsys)
    assert _status(["export", str(classifier), str(tmp_path / "export"), "--name", "m"]) == 1
    assert "not a generator" in _one_error_line(capsys)
    assert not (tmp_path / "export" / "m").exists() or not os.listdir(tmp_path / "export" / "m")


def test_sample_of_a_vector_generator_asks_for_npy_instead_of_a_png_grid(tmp_path, capsys):
    generator = tmp_path / "generator.keras"
    kgan.nets.mlp(2, 3, hidden=(4,), name="g").save(generator)
    assert _status(["sample", str(generator), "--latent", "normal", "--out", str(tmp_path / "s.png")]) == 1
    assert "samples of shape (3,), not images" in _one_error_line(capsys)
    assert not (tmp_path / "s.png").exists()
    assert cli.main(["sample", str(generator), "--latent", "normal", "--npy", str(tmp_path / "s.npy")]) == 0
    assert np.load(tmp_path / "s.npy").shape == (64, 3)


def test_upscale_on_a_file_that_is_not_an_image_fails_in_one_line(tmp_path, capsys):
    model = tmp_path / "sr.keras"
    kgan.nets.sr_generator((4, 4, 1), 2, filters=4, blocks=1, latent_dim=1).save(model)
    for name, data, problem in [("notes.png", b"hello, not pixels", "it is not a PNG, JPEG, GIF or BMP image"),
                                ("empty.png", b"", "it is an empty file"),
                                ("cut.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "it is a truncated PNG")]:
        (tmp_path / name).write_bytes(data)
        assert _status(["upscale", str(model), str(tmp_path / name), "--out", str(tmp_path / "o.png")]) == 1
        err = _one_error_line(capsys)
        assert f"cannot read {tmp_path / name}: {problem}" in err and ".npy array" in err, err
    (tmp_path / "fake.npy").write_bytes(b"not numpy")
    assert _status(["upscale", str(model), str(tmp_path / "fake.npy"), "--out", str(tmp_path / "o.png")]) == 1
    assert f"cannot read {tmp_path / 'fake.npy'}" in _one_error_line(capsys)
    assert not (tmp_path / "o.png").exists()
