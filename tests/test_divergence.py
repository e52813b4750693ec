"""DivergenceGuard: stops on NaN/inf and D collapse, restores the last good state; checkpoints are never NaN."""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf

import kgan
from kgan.callbacks import _state_variables

STEPS_PER_EPOCH, BATCH = 8, 16


def tiny_gan(seed=0, batch_norm=False, d_lr=2e-4, g_lr=2e-4, loss="non_saturating"):
    keras.utils.set_random_seed(seed)
    hidden = [keras.layers.Dense(8, activation="relu")] + ([keras.layers.BatchNormalization()] if batch_norm else [])
    g = keras.Sequential([keras.Input((2,)), *hidden, keras.layers.Dense(1)], name="g")
    d = keras.Sequential([keras.Input((1,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)], name="d")
    gan = kgan.GAN(g, d, kgan.latent.Normal(2), seed=seed)
    gan.compile(d_optimizer=keras.optimizers.Adam(d_lr), g_optimizer=keras.optimizers.Adam(g_lr), loss=loss)
    return gan


def stream(epochs=3, nan_at_step=None, mean=2.0):
    """``epochs`` epochs of 1-D data in a fixed order; one NaN sample in the batch of step ``nan_at_step``."""
    x = np.random.default_rng(0).normal(mean, 0.5, size=(epochs * STEPS_PER_EPOCH * BATCH, 1)).astype("float32")
    if nan_at_step is not None:
        x[(nan_at_step - 1) * BATCH + 3] = np.nan
    return tf.data.Dataset.from_tensor_slices(x).batch(BATCH, drop_remainder=True)


def state(gan):
    return [v.numpy().copy() for v in _state_variables(gan)]


def same(a, b):
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


class Recorder(keras.callbacks.Callback):
    """The full state after given steps (g_optimizer.iterations) and at every epoch end."""

    def __init__(self, steps=()):
        super().__init__()
        self.steps, self.at_step, self.at_epoch_end = set(steps), {}, {}

    def on_train_batch_end(self, batch, logs=None):
        step = int(self.model.g_optimizer.iterations.numpy())
        if step in self.steps:
            self.at_step[step] = state(self.model)

    def on_epoch_end(self, epoch, logs=None):
        self.at_epoch_end[epoch] = state(self.model)


class AssignAtStep(keras.callbacks.Callback):
    def __init__(self, step, variable_path, value=np.nan):
        super().__init__()
        self.step, self.path, self.value = step, variable_path, value

    def on_train_batch_end(self, batch, logs=None):
        if int(self.model.g_optimizer.iterations.numpy()) == self.step:
            variable = next(v for v in self.model.weights if v.path == self.path)
            variable.assign(np.full(variable.shape, self.value, dtype="float32"))


def all_finite(values):
    return all(np.isfinite(v).all() for v in values if np.issubdtype(v.dtype, np.floating))


def test_nan_in_the_data_stops_and_restores_the_last_epoch_end(capsys):
    gan = tiny_gan()
    guard, recorder = kgan.callbacks.DivergenceGuard(), Recorder()
    gan.fit(stream(nan_at_step=13), epochs=3, steps_per_epoch=STEPS_PER_EPOCH, verbose=0, callbacks=[recorder, guard])
    assert guard.stopped and guard.kind == "non_finite"
    assert guard.stopped_at == {"epoch": 1, "batch": 4, "step": 13}
    assert guard.restored_from == {"epoch": 0, "batch": None, "step": 8}
    after = state(gan)
    assert same(after, recorder.at_epoch_end[0]) and all_finite(after)
    assert int(gan.d_optimizer.iterations.numpy()) == 8  # both optimizers' state is put back too
    out = capsys.readouterr().out
    assert "training stopped at epoch 2, batch 5 (step 13)" in out and "epoch 1 end (step 8)" in out
    assert "learning rate" in out


def test_nan_in_a_weight_no_loss_reads_is_caught_at_the_next_snapshot():
    # A NaN BatchNormalization moving variance: training losses stay finite (batch statistics),
    # but generated samples and any checkpoint would be broken.
    gan = tiny_gan(batch_norm=True)
    path = next(v.path for v in gan.generator.weights if "moving_variance" in v.path)
    guard = kgan.callbacks.DivergenceGuard(snapshot_every=4, verbose=False)
    recorder = Recorder(steps=[12])
    gan.fit(stream(), epochs=3, steps_per_epoch=STEPS_PER_EPOCH, verbose=0,
            callbacks=[recorder, AssignAtStep(13, path), guard])
    assert guard.stopped and guard.kind == "weights" and path in guard.reason
    assert guard.stopped_at["step"] == 16 and guard.restored_from == {"epoch": 1, "batch": 3, "step": 12}
    after = state(gan)
    assert same(after, recorder.at_step[12]) and all_finite(after)
    assert np.isfinite(gan.generate(4, seed=0)).all()


def test_a_forced_d_collapse_stops_and_restores_a_state_from_before_it(capsys):
    # D learns 500x faster than G on data far from G's initial outputs: D(x) -> 1, D(G(z)) -> 0.
    gan = tiny_gan(d_lr=0.05, g_lr=1e-7)
    initial = state(gan)
    guard, recorder = kgan.callbacks.DivergenceGuard(patience=20, tolerance=0.02), Recorder()
    gan.fit(stream(epochs=20, mean=8.0), epochs=20, steps_per_epoch=STEPS_PER_EPOCH, verbose=0,
            callbacks=[recorder, guard])
    assert guard.stopped and guard.kind == "collapse"
    assert guard.stopped_at["epoch"] < 19  # it stopped training early
    restored = guard.restored_from
    assert restored is not None and restored["batch"] is None  # an epoch end (or the start)...
    assert restored["step"] <= guard.stopped_at["step"] - 20  # ...from before the pinned streak began
    assert same(state(gan), recorder.at_epoch_end[restored["epoch"]] if restored["step"] else initial)
    out = capsys.readouterr().out
    assert "discriminator collapsed" in out and "20 consecutive steps" in out


def test_healthy_training_is_left_alone():
    gan = tiny_gan()
    guard = kgan.callbacks.DivergenceGuard(patience=20, snapshot_every=4, verbose=False)
    history = gan.fit(stream(epochs=4), epochs=4, steps_per_epoch=STEPS_PER_EPOCH, verbose=0, callbacks=[guard])
    assert not guard.stopped and guard.reason is None and guard.restored_from is None
    assert len(history.history["d_loss"]) == 4 and int(gan.g_optimizer.iterations.numpy()) == 32
    assert max(history.history["d_real"]) < 0.98  # it really was healthy, far from the collapse threshold


def feed(guard, gan, d_real, d_fake, steps=1, batch=0):
    """Emulate ``steps`` training steps' metric updates, then one callback call (steps_per_execution)."""
    for _ in range(steps):
        gan.d_real_tracker.update_state(d_real)
        gan.d_fake_tracker.update_state(d_fake)
    guard.on_train_batch_end(batch, {m.name: m.result() for m in gan.metrics})
    gan.g_optimizer.iterations.assign_add(steps)


def test_the_collapse_rule_counts_consecutive_pinned_steps_from_the_metrics():
    gan = tiny_gan()
    guard = kgan.callbacks.DivergenceGuard(patience=10, tolerance=0.05, verbose=False)
    guard.set_model(gan)
    guard.on_train_begin()
    guard.on_epoch_begin(0)
    for i in range(9):  # 9 pinned steps (D(x) ~ 1, D(G(z)) ~ 0): not yet
        feed(guard, gan, 0.99, 0.01, batch=i)
    assert not guard.stopped
    feed(guard, gan, 0.7, 0.3, batch=9)  # one normal step resets the streak...
    feed(guard, gan, 0.99, 0.01, steps=5, batch=14)  # ...even though the running epoch mean stays extreme
    assert not guard.stopped and guard._streak == 5
    feed(guard, gan, 0.0, 0.0, steps=5, batch=19)  # D says "fake" to everything: pinned too
    assert guard.stopped and guard.kind == "collapse" and "10 consecutive steps" in guard.reason
    assert guard.restored_from["step"] == 0  # the state at the start of training


def test_critic_losses_have_no_collapse_rule():
    gan = tiny_gan(loss="wasserstein")
    guard = kgan.callbacks.DivergenceGuard(patience=2, verbose=False)
    guard.set_model(gan)
    guard.on_train_begin()
    for i in range(5):
        feed(guard, gan, 0.0, 0.0, batch=i)
    assert not guard.stopped


def test_guard_arguments_are_checked():
    with pytest.raises(ValueError, match="patience"):
        kgan.callbacks.DivergenceGuard(patience=0)
    with pytest.raises(ValueError, match="tolerance"):
        kgan.callbacks.DivergenceGuard(tolerance=0.5)


def test_model_checkpoint_refuses_non_finite_weights(tmp_path):
    gan = tiny_gan()
    ckpt = kgan.callbacks.ModelCheckpoint(os.fspath(tmp_path / "gan-{epoch}.weights.h5"), save_weights_only=True)
    path = gan.discriminator.weights[0].path
    with pytest.warns(UserWarning, match="not saving .*NaN/inf"):
        gan.fit(stream(epochs=2), epochs=2, steps_per_epoch=STEPS_PER_EPOCH, verbose=0,
                callbacks=[AssignAtStep(10, path, np.inf), ckpt])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gan-1.weights.h5"] and ckpt.skipped == 1


def test_with_the_guard_first_no_checkpoint_or_backup_ever_holds_nan(tmp_path):
    gan = tiny_gan()
    guard = kgan.callbacks.DivergenceGuard(verbose=False)
    ckpt = kgan.callbacks.ModelCheckpoint(os.fspath(tmp_path / "gan-{epoch}.keras"))
    backup = kgan.callbacks.BackupAndRestore(tmp_path / "backup", save_freq=2, delete_checkpoint=False, verbose=False)
    gan.fit(stream(nan_at_step=13), epochs=3, steps_per_epoch=STEPS_PER_EPOCH, verbose=0,
            callbacks=[guard, backup, ckpt])
    assert guard.stopped and ckpt.skipped == 0 and backup.skipped_backups == 0
    files = sorted(tmp_path.glob("gan-*.keras"))
    assert [p.name for p in files] == ["gan-1.keras", "gan-2.keras"]  # epoch 2 ends early, restored
    for path in files + [tmp_path / "backup" / "latest.weights.h5"]:
        loaded = tiny_gan(seed=1)
        if path.suffix == ".keras":
            loaded = kgan.GAN.from_file(path)
        else:
            loaded.load_weights(path)
        assert not kgan.callbacks.non_finite_variables(loaded)


def test_backup_and_restore_refuses_non_finite_weights(tmp_path):
    gan = tiny_gan()
    gan.generator.weights[0].assign(np.full(gan.generator.weights[0].shape, np.nan, "float32"))
    backup = kgan.callbacks.BackupAndRestore(tmp_path, verbose=False)
    backup.set_model(gan)
    with pytest.warns(UserWarning, match="not backing up"):
        backup._save_model()
    assert not (tmp_path / "latest.weights.h5").exists()
    assert kgan.callbacks.non_finite_variables(gan) == [gan.generator.weights[0].path]


def test_after_a_resume_the_guard_keeps_the_resumed_state_not_the_initial_one(tmp_path):
    gan = tiny_gan()
    gan.fit(stream(epochs=1), epochs=1, steps_per_epoch=STEPS_PER_EPOCH, verbose=0,
            callbacks=[kgan.callbacks.BackupAndRestore(tmp_path, delete_checkpoint=False, verbose=False)])
    backed_up = state(gan)
    fresh = tiny_gan(seed=1)  # other initial weights: what the guard must not go back to
    guard = kgan.callbacks.DivergenceGuard(verbose=False)  # first in the list, as kgan train has it
    fresh.fit(stream(epochs=1, nan_at_step=2), epochs=2, steps_per_epoch=STEPS_PER_EPOCH, verbose=0,
              callbacks=[guard, kgan.callbacks.BackupAndRestore(tmp_path, delete_checkpoint=False, verbose=False)])
    assert guard.stopped and guard.restored_from == {"epoch": 1, "batch": None, "step": 8}
    assert same(state(fresh), backed_up)
