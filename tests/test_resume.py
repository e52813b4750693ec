"""Checkpoint and resume: SIGKILL mid-epoch, run again, same final state as an uninterrupted run."""

import importlib.util
import json
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import kgan
from kgan import cli

# A user's training script: tiny 1-D GAN, 8 batches per epoch in a fixed (seeded, not reshuffled)
# order, a backup every 3 batches; KILL_AT=N makes it SIGKILL itself after training step N.
WORKER = textwrap.dedent('''
    import os, signal, sys
    import keras, numpy as np, tensorflow as tf
    import kgan

    class KillAt(keras.callbacks.Callback):
        def __init__(self, step):
            super().__init__()
            self.step = step

        def on_train_batch_end(self, batch, logs=None):
            if int(self.model.g_optimizer.iterations.numpy()) == self.step:
                os.kill(os.getpid(), signal.SIGKILL)

    def train(backup_dir, out, kill_at=None):
        keras.utils.set_random_seed(0)
        g = keras.Sequential([keras.Input((2,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)])
        d = keras.Sequential([keras.Input((1,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)])
        gan = kgan.GAN(g, d, kgan.latent.Normal(2), seed=0)
        gan.compile()
        x = np.random.default_rng(0).normal(2.0, 0.5, size=(128, 1)).astype("float32")
        data = tf.data.Dataset.from_tensor_slices(x).shuffle(128, seed=0, reshuffle_each_iteration=False).batch(16)
        callbacks = [kgan.callbacks.BackupAndRestore(backup_dir, save_freq=3)] if backup_dir else []
        if kill_at:
            callbacks.append(KillAt(kill_at))
        gan.fit(data, epochs=3, verbose=0, callbacks=callbacks)
        np.savez(out, *[v.numpy() for v in kgan.callbacks._state_variables(gan)],
                 d_iterations=gan.d_optimizer.iterations.numpy(), g_iterations=gan.g_optimizer.iterations.numpy())

    if __name__ == "__main__":
        train(sys.argv[1], sys.argv[2], int(os.environ.get("KILL_AT", 0)) or None)
''')


def load(path):
    with np.load(path) as f:
        return [f[k] for k in sorted((k for k in f.files if k.startswith("arr_")), key=lambda k: int(k[4:]))]


def iterations(path):
    with np.load(path) as f:
        return int(f["d_iterations"]), int(f["g_iterations"])


def test_sigkill_mid_epoch_then_rerun_resumes_exactly(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(WORKER)
    backup = tmp_path / "backup"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}

    killed = subprocess.run([sys.executable, str(script), str(backup), str(tmp_path / "x.npz")], timeout=120,
                            capture_output=True, text=True, env={**env, "KILL_AT": "13"})
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    # Killed after step 13 (epoch 2, batch 5); the last backup was after step 12 (epoch 2, batch 4).
    assert kgan.callbacks.BackupAndRestore.read_position(backup) == {"epoch": 1, "batches_done": 4, "step": 12}

    resumed = subprocess.run([sys.executable, str(script), str(backup), str(tmp_path / "resumed.npz")], timeout=120,
                             capture_output=True, text=True, env=env)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "resumed from the backup" in resumed.stdout and "epoch 2, batch 4 (step 12)" in resumed.stdout
    assert not backup.exists()  # deleted at the successful end, as Keras does

    spec = importlib.util.spec_from_file_location("kgan_resume_worker", script)  # the same run, uninterrupted,
    worker = importlib.util.module_from_spec(spec)                                # in this process
    spec.loader.exec_module(worker)
    worker.train(None, str(tmp_path / "reference.npz"))
    reference, after = load(tmp_path / "reference.npz"), load(tmp_path / "resumed.npz")
    # G, D, both optimizers (iterations and Adam slots) and the latent seed state: bit for bit.
    assert len(reference) == len(after) > 20
    for ref, got in zip(reference, after, strict=True):
        np.testing.assert_array_equal(got, ref)
    assert iterations(tmp_path / "resumed.npz") == iterations(tmp_path / "reference.npz") == (24, 24)


def test_backup_restores_both_optimizers_epoch_and_seed_state(tmp_path):
    gan = _tiny_gan()
    x = np.random.default_rng(0).normal(size=(64, 1)).astype("float32")
    backup = kgan.callbacks.BackupAndRestore(tmp_path, delete_checkpoint=False, verbose=False)
    gan.fit(x, batch_size=16, epochs=2, verbose=0, shuffle=False, callbacks=[backup])
    saved = [v.numpy() for v in kgan.callbacks._state_variables(gan)]

    fresh = _tiny_gan()
    again = kgan.callbacks.BackupAndRestore(tmp_path, delete_checkpoint=False)
    again.set_model(fresh)
    again.on_train_begin()
    assert again.resumed_from == {"epoch": 2, "batches_done": 0, "step": 8} and fresh._initial_epoch == 2
    for variable, value in zip(kgan.callbacks._state_variables(fresh), saved, strict=True):
        np.testing.assert_array_equal(variable.numpy(), value)
    assert int(fresh.d_optimizer.iterations.numpy()) == int(fresh.g_optimizer.iterations.numpy()) == 8
    np.testing.assert_array_equal(fresh.seed_generator.state.numpy(), gan.seed_generator.state.numpy())
    # keras.callbacks.BackupAndRestore reads the same folder (its json file).
    assert json.loads((tmp_path / "training_metadata.json").read_text())["epoch"] == 2


def _tiny_gan():
    import keras

    keras.utils.set_random_seed(0)
    g = keras.Sequential([keras.Input((2,)), keras.layers.Dense(4), keras.layers.Dense(1)])
    d = keras.Sequential([keras.Input((1,)), keras.layers.Dense(4), keras.layers.Dense(1)])
    gan = kgan.GAN(g, d, kgan.latent.Normal(2), seed=0)
    gan.compile()
    return gan


@pytest.fixture
def images(tmp_path):
    path = tmp_path / "images.npy"
    np.save(path, np.random.default_rng(0).integers(0, 256, size=(32, 28, 28, 1)).astype("uint8"))
    return path


def test_kgan_train_resumes_from_its_backup_by_default(tmp_path, images, monkeypatch, capsys):
    out = tmp_path / "run"
    argv = ["train", "dcgan", "--data", str(images), "--batch-size", "16", "--epochs", "2", "--width", "2",
            "--latent-dim", "4", "--out", str(out), "--quiet"]
    original = kgan.callbacks.SampleGrid.on_epoch_end

    def interrupt_after_first_epoch(self, epoch, logs=None):
        original(self, epoch, logs)
        raise KeyboardInterrupt  # the process dies after the epoch-1 backup was written

    monkeypatch.setattr(kgan.callbacks.SampleGrid, "on_epoch_end", interrupt_after_first_epoch)
    assert cli.main(argv) == 130
    assert kgan.callbacks.BackupAndRestore.read_position(out / "backup")["epoch"] == 1
    assert not (out / "gan.keras").exists()

    monkeypatch.setattr(kgan.callbacks.SampleGrid, "on_epoch_end", original)
    assert cli.main(argv) == 0
    assert "kgan: resumed from the backup" in capsys.readouterr().out
    summary = json.loads((out / "metrics.json").read_text())
    assert summary["resumed_from"]["epoch"] == 1 and len(summary["history"]["d_loss"]) == 1  # only epoch 2 ran
    assert (out / "gan.keras").exists() and (out / "samples" / "epoch_002.png").exists()
    assert not (out / "backup").exists()  # removed once the outputs were written
    gan = kgan.GAN.from_file(out / "gan.keras")
    assert int(gan.g_optimizer.iterations.numpy()) == 4  # 2 epochs x 2 batches in all


def test_kgan_train_restart_starts_over(tmp_path, images, capsys):
    out = tmp_path / "run"
    (out / "backup").mkdir(parents=True)
    (out / "backup" / "stale.txt").write_text("x")
    argv = ["train", "dcgan", "--data", str(images), "--batch-size", "16", "--epochs", "1", "--width", "2",
            "--latent-dim", "4", "--out", str(out), "--quiet", "--restart", "--no-guard"]
    assert cli.main(argv) == 0
    printed = capsys.readouterr().out
    assert "--restart: deleted the backup" in printed and "resumed" not in printed
    assert not (out / "backup").exists() and (out / "gan.keras").exists()


def test_kgan_train_refuses_a_backup_of_other_settings(tmp_path, images, capsys):
    other = kgan.GAN.dcgan((28, 28, 1), latent_dim=4, width=4)  # the interrupted run had --width 4
    other.compile()
    (tmp_path / "run" / "backup").mkdir(parents=True)
    other.save_weights(tmp_path / "run" / "backup" / "latest.weights.h5")
    argv = ["train", "dcgan", "--data", str(images), "--batch-size", "16", "--epochs", "1", "--width", "2",
            "--latent-dim", "4", "--out", str(tmp_path / "run"), "--quiet"]
    with pytest.warns(UserWarning):  # Keras' own warnings about the variables it cannot load
        assert cli.main(argv) == 1
    err = capsys.readouterr().err
    assert "holds a backup of another model or other settings" in err and "--restart" in err
    assert (tmp_path / "run" / "backup").exists()  # never deleted without --restart


def test_bad_backup_every_is_a_one_line_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["train", "dcgan", "--backup-every", "0"])
    assert exit_info.value.code == 2
    assert "--backup-every: expected an integer >= 1" in capsys.readouterr().err


def test_a_guard_stop_mid_epoch_is_not_backed_up_as_a_finished_epoch(tmp_path):
    # The guard restores the state of the last epoch end; recording the interrupted epoch as
    # done would make the next run skip it.
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(0)
    z = keras.Input((2,))
    generator = keras.Model(z, keras.layers.Dense(4, activation="tanh")(z))
    x = keras.Input((4,))
    discriminator = keras.Model(x, keras.layers.Dense(1)(x))
    gan = kgan.GAN(generator, discriminator, latent=kgan.latent.Normal(2), seed=0)
    gan.compile()
    data = tf.data.Dataset.from_tensor_slices(np.random.default_rng(0).uniform(-1, 1, (64, 4)).astype("float32")).batch(8)

    class Poison(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            if self.epoch == 1 and batch == 3:
                weight = gan.discriminator.weights[0]
                weight.assign(np.full(weight.shape, np.nan, "float32"))

    guard = kgan.callbacks.DivergenceGuard(verbose=False)
    backup = kgan.callbacks.BackupAndRestore(tmp_path, delete_checkpoint=False, verbose=False)
    gan.fit(data, epochs=3, verbose=0, callbacks=[guard, backup, Poison()])
    assert guard.stopped and guard.restored_from["epoch"] == 0
    position = kgan.callbacks.BackupAndRestore.read_position(tmp_path)
    assert position["epoch"] == 1 and position["batches_done"] == 0  # resume at the interrupted epoch
