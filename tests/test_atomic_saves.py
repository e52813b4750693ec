"""Issue 17: saves are atomic (a kill or a full disk leaves the previous file whole), full disks give one
clear error, and a corrupt .keras file is called corrupt."""

import errno
import os
import signal
import subprocess
import sys
import textwrap
import time
import zipfile

import keras
import numpy as np
import pytest
from conftest import real_batch, tiny_gan

import kgan
from kgan import _atomic, cli, pixels
from kgan.export import _layout

saving_lib = keras.src.saving.saving_lib  # the function every .keras save goes through, atomic or not


@pytest.fixture(scope="module")
def trained():
    gan = tiny_gan()
    gan.fit(real_batch(32), batch_size=16, epochs=1, verbose=0)
    return gan


def _fill_half_then_fail(monkeypatch, good: bytes):
    """The disk fills mid-save: Keras writes half a file, then the write raises ENOSPC."""

    def half(model, fileobj, weights_format):
        fileobj.write(good[: len(good) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(saving_lib, "_save_model_to_fileobj", half)


def test_full_disk_mid_save_keeps_the_previous_file(trained, tmp_path, monkeypatch):
    path = tmp_path / "gan.keras"
    trained.save(path)
    good = path.read_bytes()
    _fill_half_then_fail(monkeypatch, good)
    with pytest.raises(kgan.DiskFullError, match="not enough disk space to write .*gan.keras.*previous file is unchanged"):
        trained.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == good
    assert os.listdir(tmp_path) == ["gan.keras"]  # no temporary file left behind
    assert isinstance(kgan.GAN.from_file(path), kgan.GAN)


def test_any_error_mid_save_leaves_no_file_under_the_real_name(trained, tmp_path, monkeypatch):
    path = tmp_path / "new.keras"

    def broken(model, fileobj, weights_format):
        fileobj.write(b"PK\x03\x04 half a zip")
        raise RuntimeError("h5py: cannot write")

    monkeypatch.setattr(saving_lib, "_save_model_to_fileobj", broken)
    with pytest.raises(RuntimeError, match="h5py"):
        trained.save(path)
    assert os.listdir(tmp_path) == []


def test_low_free_space_is_refused_before_writing(trained, tmp_path, monkeypatch):
    path = tmp_path / "gan.keras"
    trained.save(path)
    good = path.read_bytes()
    calls = []
    monkeypatch.setattr(saving_lib, "_save_model_to_fileobj", lambda *a: calls.append(a))
    monkeypatch.setattr(_atomic.shutil, "disk_usage", lambda p: type("U", (), {"free": 1000})())
    with pytest.raises(kgan.DiskFullError) as info:
        trained.save(path)
    assert not calls  # refused before Keras wrote anything
    message = str(info.value)
    assert str(path) in message and "1.0 KB free in" in message and "Free some space" in message
    assert isinstance(info.value, OSError) and info.value.errno == errno.ENOSPC
    assert path.read_bytes() == good and os.listdir(tmp_path) == ["gan.keras"]


def test_cli_full_disk_is_one_line_and_status_1(trained, tmp_path, monkeypatch, capsys):
    model = tmp_path / "gan.keras"
    trained.save(model)
    out = tmp_path / "z.npy"
    np.save(out, np.zeros(3))
    good = out.read_bytes()
    monkeypatch.setattr(_atomic.shutil, "disk_usage", lambda p: type("U", (), {"free": 10})())
    assert cli.main(["sample", str(model), "--n", "4", "--npy", str(out)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "not enough disk space" in err and "10 bytes free" in err, err
    assert out.read_bytes() == good


def test_stale_temporaries_of_a_killed_save_are_cleaned(trained, tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".gan.keras.tmp-{dead.pid}-abc123.keras"
    live = tmp_path / f".gan.keras.tmp-{os.getppid()}-abc123.keras"  # a running process may still write it
    other = tmp_path / f".other.keras.tmp-{dead.pid}-abc123.keras"
    for p in (stale, live, other):
        p.write_bytes(b"half")
    trained.save(tmp_path / "gan.keras")
    assert sorted(os.listdir(tmp_path)) == sorted(["gan.keras", live.name, other.name])


def test_temporary_name_is_hidden_and_keeps_the_suffix():
    for name, suffix in (("gan.keras", ".keras"), ("latest.weights.h5", ".weights.h5"), ("g.png", ".png")):
        tmp = os.path.basename(_atomic.temp_name(f"/x/{name}"))
        assert tmp.startswith(f".{name}.tmp-{os.getpid()}-") and tmp.endswith(suffix)


@pytest.mark.parametrize("damage", ["truncated", "not a zip", "no config"])
def test_corrupt_keras_file_is_called_corrupt(trained, tmp_path, damage, capsys):
    good = tmp_path / "gan.keras"
    trained.save(good)
    bad = tmp_path / "bad.keras"
    if damage == "truncated":
        bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    elif damage == "not a zip":
        bad.write_text("<html>404</html>")
    else:
        with zipfile.ZipFile(bad, "w") as zf:
            zf.writestr("other.txt", "x")
    with pytest.raises(kgan.CorruptFileError, match="bad.keras is corrupt"):
        kgan.GAN.from_file(bad)
    from kgan.apps import evaluation

    with pytest.raises(kgan.CorruptFileError, match="corrupt"):
        evaluation.load_sampler(bad)
    with pytest.raises(SystemExit) as info:
        cli.main(["sample", str(bad), "--npy", str(tmp_path / "s.npy")])
    assert info.value.code == 1
    assert cli.main(["export", str(bad), str(tmp_path / "export"), "--name", "m"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all("is corrupt" in line for line in err), err


def test_model_checkpoint_full_disk_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    gan = tiny_gan()
    path = tmp_path / "ckpt.keras"
    ckpt = kgan.callbacks.ModelCheckpoint(str(path))
    gan.fit(real_batch(32), batch_size=16, epochs=1, verbose=0, callbacks=[ckpt])
    good = path.read_bytes()
    _fill_half_then_fail(monkeypatch, good)
    with pytest.warns(UserWarning, match="not enough disk space"):
        gan.fit(real_batch(32), batch_size=16, epochs=1, verbose=0, callbacks=[ckpt])
    monkeypatch.undo()
    assert ckpt.skipped == 1 and path.read_bytes() == good and os.listdir(tmp_path) == ["ckpt.keras"]
    kgan.GAN.from_file(path)


def test_model_checkpoint_is_atomic_for_a_plain_keras_model(tmp_path, monkeypatch):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x, y = np.zeros((8, 2)), np.zeros((8, 1))
    path = tmp_path / "plain.keras"
    ckpt = kgan.callbacks.ModelCheckpoint(str(path))
    model.fit(x, y, verbose=0, callbacks=[ckpt])
    good = path.read_bytes()
    _fill_half_then_fail(monkeypatch, good)
    with pytest.warns(UserWarning, match="not enough disk space"):
        model.fit(x, y, verbose=0, callbacks=[ckpt])
    assert path.read_bytes() == good and os.listdir(tmp_path) == ["plain.keras"]
    assert "save" not in vars(model)  # the atomic stand-ins are gone after the save


def test_backup_full_disk_keeps_the_previous_backup(tmp_path, monkeypatch):
    gan = tiny_gan()
    backup = kgan.callbacks.BackupAndRestore(tmp_path / "backup", delete_checkpoint=False, verbose=False)
    gan.fit(real_batch(32), batch_size=16, epochs=1, verbose=0, callbacks=[backup])
    weights = tmp_path / "backup" / "latest.weights.h5"
    good = weights.read_bytes()

    def half(model, filepath, *args, **kwargs):
        with open(filepath, "wb") as f:
            f.write(good[: len(good) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(saving_lib, "save_weights_only", half)
    with pytest.warns(UserWarning, match="not backing up: not enough disk space"):
        gan.fit(real_batch(32), batch_size=16, epochs=2, verbose=0, callbacks=[backup])
    assert backup.skipped_backups >= 1 and weights.read_bytes() == good
    assert not [n for n in os.listdir(weights.parent) if ".tmp-" in n]


def test_png_write_failure_keeps_the_previous_png(tmp_path, monkeypatch):
    import tensorflow as tf

    path = tmp_path / "grid.png"
    pixels.save_png(str(path), np.zeros((4, 4, 1), np.uint8))
    good = path.read_bytes()

    def half(filename, contents):
        with open(filename, "wb") as f:
            f.write(b"\x89PNG")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tf.io, "write_file", half)
    with pytest.raises(kgan.DiskFullError):
        pixels.save_png(str(path), np.ones((4, 4, 1), np.uint8))
    assert path.read_bytes() == good and os.listdir(tmp_path) == ["grid.png"]


# ------------------------------------------------------------------ export --overwrite
def _fake_version(folder):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "saved_model.pb").write_bytes(b"old model")
    (folder / "variables").mkdir()


def test_export_overwrite_failing_at_the_swap_keeps_the_old_version(tmp_path, monkeypatch):
    target = tmp_path / "m" / "1"
    _fake_version(target)
    real_replace = os.replace

    def replace(src, dst):
        if ".partial-" in os.fspath(src):  # the new version's rename in fails (a kill would stop here too)
            raise OSError(errno.EIO, "I/O error")
        return real_replace(src, dst)

    monkeypatch.setattr(_layout.os, "replace", replace)
    with pytest.raises(OSError, match="I/O error"):
        _layout.write_atomically(target, lambda d: (d / "saved_model.pb").write_bytes(b"new model"))
    monkeypatch.undo()
    assert (target / "saved_model.pb").read_bytes() == b"old model"
    assert os.listdir(tmp_path / "m") == ["1"]


def test_export_overwrite_replaces_and_leaves_nothing_behind(tmp_path):
    target = tmp_path / "m" / "1"
    _fake_version(target)
    _layout.write_atomically(target, lambda d: (d / "saved_model.pb").write_bytes(b"new model"))
    assert (target / "saved_model.pb").read_bytes() == b"new model" and not (target / "variables").exists()
    assert os.listdir(tmp_path / "m") == ["1"]


def test_leftovers_of_killed_exports_are_cleaned(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    model = tmp_path / "m"
    _fake_version(model / f".1.partial-{dead.pid}-0a1b2c3d")  # killed while writing version 1
    _fake_version(model / ".2.partial-0a1b2c3d")  # older kgan's staging name
    _fake_version(model / f".3.old-{dead.pid}-0a1b2c3d")  # killed between the two renames of --overwrite
    _fake_version(model / f".4.partial-{os.getppid()}-0a1b2c3d")  # a running export: left alone
    _fake_version(model / "5")
    _fake_version(model / f".5.old-{dead.pid}-0a1b2c3d")  # killed after the swap, before deleting the old one
    path = _layout.version_dir(tmp_path, "m", None, overwrite=False)
    assert sorted(os.listdir(model)) == sorted(["3", "5", f".4.partial-{os.getppid()}-0a1b2c3d"])
    assert (model / "3" / "saved_model.pb").read_bytes() == b"old model"  # the hidden old version is back
    assert path == model / "6"


# ------------------------------------------------------------------ a real kill
_SAVER = textwrap.dedent("""
    import os, sys
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    sys.path.insert(0, {tests!r})
    from conftest import tiny_gan
    gan = tiny_gan(latent_dim=64, data_dim=64, hidden=(512, 512))
    gan.save({path!r})
    print("ready", flush=True)
    while True:
        gan.save({path!r})
""")


def test_sigkill_mid_save_leaves_a_loadable_file(tmp_path):
    path = tmp_path / "gan.keras"
    code = _SAVER.format(tests=os.path.dirname(__file__), path=str(path))
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        for delay in (0.05, 0.13, 0.21):  # the loop does nothing but save: each kill lands mid-save
            time.sleep(delay)
            os.kill(proc.pid, signal.SIGSTOP)  # freeze it mid-write and look, as a kill would leave it
            _atomic.check_keras_file(path)
            os.kill(proc.pid, signal.SIGCONT)
        time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    _atomic.check_keras_file(path)
    assert [n for n in os.listdir(tmp_path) if not n.startswith(".")] == ["gan.keras"]
    kgan.GAN.from_file(path)


# ------------------------------------------------------------------ memory per save
def test_saves_stop_rebuilding_keras_reference_objects(trained, tmp_path, monkeypatch):
    """Keras 3.15 never hits its skip-set cache (a key typo) and builds an Optimizer(1.0) per optimizer
    on every save, ~70 KB of RSS each: 140 KB per GAN save. kgan's saves fill the cache Keras reads."""
    from keras.src.optimizers.optimizer import Optimizer

    trained.save(tmp_path / "gan.keras")
    built = []
    original = Optimizer.__init__

    def counting(self, *args, **kwargs):
        built.append(type(self).__name__)
        original(self, *args, **kwargs)

    monkeypatch.setattr(Optimizer, "__init__", counting)
    for _ in range(3):
        trained.save(tmp_path / "gan.keras")
        trained.save_weights(tmp_path / "gan.weights.h5")
    assert built == []
