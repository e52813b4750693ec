"""Keras' own callbacks on a GAN, written as a Keras user writes them: no mode=, no kgan arguments.

Tiny MLP GANs, a few steps each. The learning-rate callbacks must move both players' rates and
keep their ratio; the monitoring ones must know that a GAN's losses are minimised.
"""

import csv
import glob
import os
import zipfile

import h5py
import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import real_batch, tiny_gan

import kgan

D_RATE, G_RATE = 4e-4, 1e-4  # ratio 4: the callbacks must keep it
X = real_batch(64)            # 4 batches of 16 per epoch


def two_rate_gan(**kwargs):
    return tiny_gan(d_optimizer=keras.optimizers.Adam(D_RATE), g_optimizer=keras.optimizers.Adam(G_RATE), **kwargs)


def rates(gan):
    return float(gan.d_optimizer.learning_rate.numpy()), float(gan.g_optimizer.learning_rate.numpy())


class RecordRates(keras.callbacks.Callback):
    """The rates each epoch trained with (read at its first batch, after the schedulers ran)."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def on_train_batch_begin(self, batch, logs=None):
        if batch == 0:
            self.seen.extend(rates(self.model))  # flat: d0, g0, d1, g1, ...


def fit(gan, callbacks, epochs=3, **kwargs):
    return gan.fit(X, batch_size=16, epochs=epochs, verbose=0, callbacks=callbacks, **kwargs)


# ---------------------------------------------------------------- monitoring callbacks infer mode="min"
class Script(keras.callbacks.Callback):
    """Overwrites the monitored value with a scripted series before the callbacks after it read it."""

    def __init__(self, monitor, values):
        super().__init__()
        self.monitor, self.values = monitor, values

    def on_epoch_end(self, epoch, logs=None):
        assert self.monitor in logs  # the GAN logged it; the script only fixes its trend
        logs[self.monitor] = self.values[epoch]


@pytest.mark.parametrize("monitor", ["g_loss", "d_loss", "val_g_loss"])
def test_early_stopping_infers_that_losses_are_minimised(monitor):
    # Falling values improve every epoch when lower is better: all 5 epochs run ("max" would stop at
    # epoch 2); rising ones stop after patience=1 ("max" would run them all). No direction: Keras raises.
    falling = keras.callbacks.EarlyStopping(monitor=monitor, patience=1)
    history = fit(two_rate_gan(), [Script(monitor, [5.0, 4, 3, 2, 1]), falling], epochs=5,
                  validation_data=real_batch(16, seed=1))
    assert len(history.history["g_loss"]) == 5 and falling.stopped_epoch == 0
    rising = keras.callbacks.EarlyStopping(monitor=monitor, patience=1)
    history = fit(two_rate_gan(), [Script(monitor, [1.0, 2, 3, 4, 5]), rising], epochs=5,
                  validation_data=real_batch(16, seed=1))
    assert len(history.history["g_loss"]) == 2 and rising.stopped_epoch == 1


def test_early_stopping_on_a_term_metric_infers_min():
    gan = tiny_gan(terms=[kgan.terms.GradientPenalty(weight=1.0)])
    stop = keras.callbacks.EarlyStopping(monitor="gradient_penalty", patience=1)
    history = fit(gan, [Script("gradient_penalty", [1.0, 2, 3, 4, 5]), stop], epochs=5)
    assert len(history.history["g_loss"]) == 2


def test_d_real_has_no_direction_and_keras_asks_for_mode():
    with pytest.raises(ValueError, match="mode='max'"):
        fit(two_rate_gan(), [keras.callbacks.EarlyStopping(monitor="d_real")], epochs=1)
    stop = keras.callbacks.EarlyStopping(monitor="d_real", mode="max", patience=1)  # an explicit mode is kept
    assert len(fit(two_rate_gan(), [Script("d_real", [5.0, 4, 3, 2, 1]), stop], epochs=5).history["g_loss"]) == 2


def test_model_checkpoint_save_best_only_infers_min_and_saves_a_loadable_gan(tmp_path):
    never, best = tmp_path / "never.keras", tmp_path / "best.keras"
    callbacks = [
        # Lower is better: no epoch beats -1e9, so nothing is saved (in "max" mode every epoch would be).
        keras.callbacks.ModelCheckpoint(str(never), monitor="g_loss", save_best_only=True, initial_value_threshold=-1e9),
        keras.callbacks.ModelCheckpoint(str(best), monitor="val_d_loss", save_best_only=True),
    ]
    gan = two_rate_gan()
    history = fit(gan, callbacks, validation_data=real_batch(16, seed=1))
    assert not never.exists()
    val = history.history["val_d_loss"]
    best_epoch = int(np.argmin(val))
    loaded = keras.models.load_model(best)
    # The saved GAN is the best epoch's, with both optimizers' state: 4 updates per epoch each.
    assert int(loaded.g_optimizer.iterations.numpy()) == 4 * (best_epoch + 1)
    assert int(loaded.d_optimizer.iterations.numpy()) == 4 * (best_epoch + 1)
    assert rates(loaded) == pytest.approx((D_RATE, G_RATE))


# ---------------------------------------------------------------- learning-rate callbacks move both players
@pytest.mark.parametrize("wrap", [False, True], ids=["adam", "loss_scale_optimizer"])
def test_reduce_lr_on_plateau_scales_both_rates_and_keeps_their_ratio(wrap):
    d_opt, g_opt = keras.optimizers.Adam(D_RATE), keras.optimizers.Adam(G_RATE)
    if wrap:
        d_opt, g_opt = keras.optimizers.LossScaleOptimizer(d_opt), keras.optimizers.LossScaleOptimizer(g_opt)
    gan = tiny_gan(d_optimizer=d_opt, g_optimizer=g_opt)
    # A huge min_delta makes every epoch after the first a plateau: the ends of epochs 2 and 3 each
    # halve the rates.
    reduce = keras.callbacks.ReduceLROnPlateau(monitor="g_loss", factor=0.5, patience=0, min_delta=1e9)
    record = RecordRates()
    history = fit(gan, [reduce, record])
    assert rates(gan) == pytest.approx((D_RATE / 4, G_RATE / 4), rel=1e-6)
    assert record.seen == pytest.approx([D_RATE, G_RATE, D_RATE, G_RATE, D_RATE / 2, G_RATE / 2], rel=1e-6)
    # Keras logs the reference rate (D's) as learning_rate, the one each epoch trained with.
    assert history.history["learning_rate"] == pytest.approx([D_RATE, D_RATE, D_RATE / 2], rel=1e-6)


def test_learning_rate_scheduler_sets_d_and_scales_g_each_epoch():
    record = RecordRates()
    scheduler = keras.callbacks.LearningRateScheduler(lambda epoch, lr: 1e-3 * 0.5**epoch)
    gan = two_rate_gan()
    fit(gan, [scheduler, record])
    expected = [rate for e in range(3) for rate in (1e-3 * 0.5**e, 1e-3 * 0.5**e * G_RATE / D_RATE)]
    assert record.seen == pytest.approx(expected, rel=1e-6)
    assert gan.optimizer.learning_rate.numpy() == pytest.approx(2.5e-4, rel=1e-6)


def test_learning_rate_callbacks_say_why_a_schedule_cannot_be_set():
    schedule = keras.optimizers.schedules.ExponentialDecay(1e-3, decay_steps=10, decay_rate=0.9)
    gan = tiny_gan(d_optimizer=keras.optimizers.Adam(schedule), g_optimizer=keras.optimizers.Adam(G_RATE))
    with pytest.raises(TypeError, match="d_optimizer takes its rate from a .*LearningRateSchedule"):
        fit(gan, [keras.callbacks.LearningRateScheduler(lambda epoch, lr: 1e-4)], epochs=1)
    assert float(gan.g_optimizer.learning_rate.numpy()) == pytest.approx(G_RATE)  # nothing half-set


def test_gan_optimizer_is_a_front_that_saving_and_keras_compile_ignore(tmp_path):
    gan = two_rate_gan()
    assert not isinstance(gan.optimizer, keras.optimizers.Optimizer) and gan.optimizer.built
    assert len(gan.optimizer.variables) == len(gan.d_optimizer.variables) + len(gan.g_optimizer.variables)
    with pytest.raises(TypeError, match="d_optimizer=..., g_optimizer="):
        gan.optimizer = keras.optimizers.Adam()
    gan.save(tmp_path / "gan.keras")
    with zipfile.ZipFile(tmp_path / "gan.keras") as archive:
        archive.extract("model.weights.h5", tmp_path)
    with h5py.File(tmp_path / "model.weights.h5") as weights:
        saved = set(weights)  # the GAN's own state at the top: the two optimizers, never a third
        assert {"d_optimizer", "g_optimizer"} <= saved and "optimizer" not in saved


# ---------------------------------------------------------------- loggers and the rest
def test_csv_logger_writes_the_gan_metrics_as_columns(tmp_path):
    path = tmp_path / "log.csv"
    history = fit(two_rate_gan(), [keras.callbacks.CSVLogger(str(path))], epochs=2, validation_data=real_batch(16, seed=1))
    with open(path) as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["epoch", "d_fake", "d_loss", "d_real", "g_loss",
                             "val_d_fake", "val_d_loss", "val_d_real", "val_g_loss"]
    assert [r["epoch"] for r in rows] == ["0", "1"]
    for column in ("g_loss", "val_d_loss"):
        assert [float(r[column]) for r in rows] == pytest.approx(history.history[column], rel=1e-5)


def _scalars(directory):
    found = {}
    for path in glob.glob(os.path.join(directory, "*tfevents*")):
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                array = tf.make_ndarray(value.tensor)
                found.setdefault(value.tag, []).append(float(array) if array.ndim == 0 else array)
    return found


def test_tensorboard_logs_the_gan_metrics_and_steps_per_second(tmp_path):
    board = keras.callbacks.TensorBoard(str(tmp_path), histogram_freq=1, write_steps_per_second=True)
    history = fit(two_rate_gan(), [board], epochs=2, validation_data=real_batch(16, seed=1))
    train, val = _scalars(tmp_path / "train"), _scalars(tmp_path / "validation")
    assert train["epoch_g_loss"] == pytest.approx(history.history["g_loss"], rel=1e-5)
    assert val["epoch_d_loss"] == pytest.approx(history.history["val_d_loss"], rel=1e-5)
    assert len(train["epoch_steps_per_second"]) == 2 and min(train["epoch_steps_per_second"]) > 0
    assert any(tag.endswith("histogram") for tag in train)  # histogram_freq=1: the weights' histograms


class StopAt(keras.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise RuntimeError("interrupted")


def test_keras_backup_and_restore_resumes_weights_and_both_optimizers(tmp_path):
    gan = two_rate_gan()
    with pytest.raises(RuntimeError, match="interrupted"):
        fit(gan, [keras.callbacks.BackupAndRestore(str(tmp_path)), StopAt(2)])
    after_two = [w.copy() for w in gan.get_weights()]

    again = two_rate_gan(seed=5)  # different initial weights: the backup must replace them
    seen = {}

    class Peek(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            seen.setdefault("epoch", epoch)
            seen.setdefault("weights", [w.copy() for w in self.model.get_weights()])
            seen.setdefault("iterations", (int(again.d_optimizer.iterations.numpy()), int(again.g_optimizer.iterations.numpy())))

    history = fit(again, [keras.callbacks.BackupAndRestore(str(tmp_path)), Peek()])
    assert seen["epoch"] == 2 and len(history.history["g_loss"]) == 1
    assert seen["iterations"] == (8, 8)  # 2 epochs of 4 updates, for each player
    for restored, saved in zip(seen["weights"], after_two, strict=True):
        np.testing.assert_array_equal(restored, saved)


def test_terminate_on_nan_stops_when_a_gan_loss_turns_nan():
    gan = two_rate_gan()
    seen = []

    class Count(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(batch)
            if batch == 1:  # poison D: every later loss is NaN
                w = gan.discriminator.weights[0]
                w.assign(np.full(w.shape, np.nan, "float32"))

    stop = keras.callbacks.TerminateOnNaN()
    history = fit(gan, [Count(), stop], epochs=3)
    assert seen == [0, 1, 2] and gan.stop_training
    assert len(history.history["g_loss"]) == 1 and "loss" not in history.history  # only TerminateOnNaN sees it


def test_terminate_on_nan_raise_error_is_kept():
    gan = two_rate_gan()

    class Poison(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            w = gan.discriminator.weights[0]
            w.assign(np.full(w.shape, np.nan, "float32"))

    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 1"):
        fit(gan, [Poison(), keras.callbacks.TerminateOnNaN(raise_error=True)], epochs=1)
