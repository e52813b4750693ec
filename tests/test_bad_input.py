"""The bad-input catalogue (docs/errors.md): every entry is triggered here and must raise a
kgan error (not a TensorFlow one) that names the problem and the fix."""

import re
import sys
import tempfile
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import real_batch, tiny_gan

import kgan

DOCS = Path(__file__).resolve().parents[1] / "docs" / "errors.md"


def mlp_gan(output_activation="tanh", d_units=1, data_dim=2, latent_dim=4, batch_norm=False, **compile_kwargs):
    g = keras.Sequential([keras.Input((latent_dim,)), keras.layers.Dense(data_dim, activation=output_activation)])
    d_layers = [keras.Input((data_dim,)), keras.layers.Dense(8)]
    if batch_norm:
        d_layers.append(keras.layers.BatchNormalization())
    d = keras.Sequential([*d_layers, keras.layers.Dense(d_units)])
    gan = kgan.GAN(g, d, latent=latent_dim, seed=0)
    gan.compile(**compile_kwargs)
    return gan


def fit(gan, x, **kwargs):
    kwargs.setdefault("epochs", 1)
    gan.fit(x, verbose=0, **kwargs)


def dataset(x, batch=8):
    return tf.data.Dataset.from_tensor_slices(x).batch(batch)


# ---------------------------------------------------------------- triggers, one per catalogue entry
def data_shape():
    fit(mlp_gan(), np.zeros((32, 3), "float32"), batch_size=8)


def x_as_list():
    fit(mlp_gan(), [np.zeros((32, 2), "float32")], batch_size=8)


def unbatched_dataset():
    fit(mlp_gan(), tf.data.Dataset.from_tensor_slices(np.zeros((32, 2), "float32")))


def pixels_0_255():
    fit(mlp_gan(), np.random.default_rng(0).integers(0, 256, (32, 2)).astype("uint8"), batch_size=8)


def unit_range_for_tanh():
    fit(mlp_gan(), np.random.default_rng(0).uniform(0, 1, (32, 2)).astype("float32"), batch_size=8)


def out_of_range_dataset():
    fit(mlp_gan(output_activation="sigmoid"), dataset(np.full((32, 2), -0.5, "float32")))


def images_for_sigmoid_generator():
    images = kgan.data.images(np.zeros((16, 28, 28, 1), "uint8") + 128, batch_size=8)
    g = keras.Sequential([keras.Input((4,)), keras.layers.Dense(784, activation="sigmoid"), keras.layers.Reshape((28, 28, 1))])
    d = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(1)])
    gan = kgan.GAN(g, d, latent=4)
    gan.compile()
    fit(gan, images)


def nan_in_array():
    x = real_batch(32, data_dim=2)
    x[7, 1] = np.nan
    fit(mlp_gan(output_activation=None), x, batch_size=8)


def inf_in_dataset():
    x = real_batch(32, data_dim=2)
    x[3, 0] = np.inf
    fit(mlp_gan(output_activation=None), dataset(x))


def non_numeric_data():
    fit(mlp_gan(output_activation=None), np.array([["a", "b"]] * 8), batch_size=4)


def empty_array():
    fit(mlp_gan(), np.zeros((0, 2), "float32"), batch_size=8)


def empty_dataset():
    fit(mlp_gan(), dataset(np.zeros((32, 2), "float32")).filter(lambda x: tf.reduce_all(x > 5)))


def latent_dimension():
    g = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    d = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    kgan.GAN(g, d, latent=kgan.latent.Normal(8))


def discriminator_output_shape():
    mlp_gan(d_units=10)


def discriminator_dict_without_logits():
    g = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    x = keras.Input((2,))
    d = keras.Model(x, {"score": keras.layers.Dense(1)(x), "features": x})
    kgan.GAN(g, d, latent=4).compile()


def discriminator_list_output():
    g = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    x = keras.Input((2,))
    d = keras.Model(x, [keras.layers.Dense(1)(x), x])
    kgan.GAN(g, d, latent=4).compile()


def unknown_loss():
    mlp_gan(loss="wasserstien")


def unknown_term():
    mlp_gan(terms=["gradient_penality"])


def unknown_dataset():
    kgan.data.images("fashion_mnsit", batch_size=8)


def missing_folder():
    kgan.data.images("/nonexistent/folder/of/images", batch_size=8)


def unknown_prior():
    kgan.latent.from_name("gauss", 4)


def unsupported_image_size():
    kgan.GAN.dcgan(image_shape=(30, 30, 1))


def batch_too_small():
    fit(mlp_gan(batch_norm=True), real_batch(32, data_dim=2).clip(-1, 1), batch_size=1)


def dataset_batch_too_small():
    fit(mlp_gan(batch_norm=True), dataset(real_batch(32, data_dim=2).clip(-1, 1), batch=1))


class _PairwiseTerm(kgan.terms.Term):
    min_batch_size = 4  # compares samples with each other

    def generator_loss(self, step):
        return keras.ops.mean(keras.ops.std(step.fake, axis=0))


def batch_too_small_for_term():
    fit(mlp_gan(terms=[_PairwiseTerm()]), real_batch(32, data_dim=2).clip(-1, 1), batch_size=2)


def labels_for_unconditional_gan():
    fit(mlp_gan(), real_batch(32, data_dim=2).clip(-1, 1), y=np.zeros(32, "int32"), batch_size=8)


def _conditional_gan():
    z, c = keras.Input((4,)), keras.Input((3,))
    g = keras.Model([z, c], keras.layers.Dense(2, activation="tanh")(keras.layers.Concatenate()([z, c])))
    x, cd = keras.Input((2,)), keras.Input((3,))
    d = keras.Model([x, cd], keras.layers.Dense(1)(keras.layers.Concatenate()([x, cd])))
    gan = kgan.GAN(g, d, latent=4)
    gan.compile()
    return gan


def conditional_gan_without_labels():
    fit(_conditional_gan(), real_batch(32, data_dim=2).clip(-1, 1), batch_size=8)


def nan_in_conditions():
    condition = np.zeros((32, 3), "float32")
    condition[7, 1] = np.nan
    fit(_conditional_gan(), real_batch(32, data_dim=2).clip(-1, 1), y=condition, batch_size=8)


def generate_with_fewer_conditions():
    _conditional_gan().generate(10, seed=0, condition=np.zeros((5, 3), "float32"))


def batch_size_zero():
    fit(mlp_gan(), real_batch(32, data_dim=2).clip(-1, 1), batch_size=0)


def negative_term_weight():
    kgan.terms.GradientPenalty(weight=-10.0)


def negative_learning_rate():
    mlp_gan(g_optimizer=keras.optimizers.Adam(-1e-3))


def from_file_on_a_folder():
    kgan.GAN.from_file(Path(__file__).parent)


def from_file_on_h5():
    kgan.GAN.from_file("weights.h5")


def shared_optimizer():
    opt = keras.optimizers.Adam()
    mlp_gan(d_optimizer=opt, g_optimizer=opt)


def _image_folder(n=3, extra=None):
    folder = Path(tempfile.mkdtemp())
    for i in range(n):
        kgan.pixels.save_png(str(folder / f"{i}.png"), np.full((8, 8, 1), i / n, "float32"))
    for name, data in (extra or {}).items():
        (folder / name).write_bytes(data)
    return folder


def corrupt_image_file():
    kgan.data.images(_image_folder(extra={"bad.png": b"<html>404</html>"}), batch_size=2)


def _embedding_gan(vocabulary=10):
    z, c = keras.Input((4,)), keras.Input((1,), dtype="int32")
    embedded = keras.layers.Flatten()(keras.layers.Embedding(vocabulary, 3)(c))
    g = keras.Model([z, c], keras.layers.Dense(2, activation="tanh")(keras.layers.Concatenate()([z, embedded])))
    x, cd = keras.Input((2,)), keras.Input((1,), dtype="int32")
    d = keras.Model([x, cd], keras.layers.Dense(1)(keras.layers.Concatenate()([x, keras.layers.Flatten()(
        keras.layers.Embedding(vocabulary, 3)(cd))])))
    gan = kgan.GAN(g, d, latent=4, seed=0)
    gan.compile()
    return gan


def label_out_of_range():
    labels = np.arange(32).reshape(32, 1) % 13  # 0..12 for an Embedding of 10 classes
    fit(_embedding_gan(), real_batch(32, data_dim=2).clip(-1, 1), y=labels, batch_size=8)


def label_out_of_range_in_pipeline():
    labels = np.arange(32).reshape(32, 1) % 11  # the first batch (0..7) is fine; label 10 comes later
    fit(_embedding_gan(), tf.data.Dataset.from_tensor_slices((real_batch(32, data_dim=2).clip(-1, 1), labels)).batch(8))


def generator_discriminator_shapes():
    g = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="tanh")])
    kgan.GAN(g, keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]), latent=4)


def endless_dataset():
    fit(mlp_gan(), dataset(real_batch(32, data_dim=2).clip(-1, 1)).repeat())


def backup_of_another_model():
    folder, x = tempfile.mkdtemp(), real_batch(32, data_dim=2).clip(-1, 1)
    fit(mlp_gan(), x, batch_size=8, callbacks=[kgan.callbacks.BackupAndRestore(folder, delete_checkpoint=False)])
    fit(mlp_gan(d_units=1, data_dim=2, latent_dim=5), x, batch_size=8,
        callbacks=[kgan.callbacks.BackupAndRestore(folder)])


def not_a_generator():
    path = Path(tempfile.mkdtemp()) / "classifier.keras"
    keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(10)]).save(path)
    kgan.apps.evaluation.load_sampler(path, latent="normal")


def output_path_is_a_file():
    blocker = Path(tempfile.mkdtemp()) / "samples"
    blocker.write_text("not a folder")
    fit(tiny_gan(), np.zeros((8, 1), "float32"), batch_size=4, callbacks=[kgan.callbacks.SampleGrid(blocker, n=4)])


def read_only_output(monkeypatch):
    import errno

    path = Path(tempfile.mkdtemp()) / "metrics.json"
    kgan._atomic.atomic_write_text(path, "first")

    def refused(tmp):  # what a folder turned read-only (or a file system remounted ro) does to a write
        raise PermissionError(errno.EROFS, "Read-only file system", tmp)

    monkeypatch.setattr(kgan._atomic, "_fsync", refused)
    try:
        kgan._atomic.atomic_write_text(path, "second")
    finally:
        assert path.read_text() == "first" and sorted(p.name for p in path.parent.iterdir()) == ["metrics.json"]


def missing_tensorflow_datasets(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorflow_datasets", None)  # `import` now raises ImportError
    kgan.data.images("mnist", batch_size=8, loader="tfds")


def missing_tensorboard(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboard", None)
    kgan.callbacks.SampleGrid("unused", log_dir="unused-logs")


# id (first column of the docs table) -> (trigger, exception, fragments the message must hold)
CATALOGUE = {
    "data-shape": (data_shape, ValueError, [r"shape \(3,\)", r"expects \(2,\)", "Reshape"]),
    "x-as-list": (x_as_list, ValueError, ["list of 1 item", r"gan\.fit\(x, condition\)"]),
    "unbatched-dataset": (unbatched_dataset, ValueError, ["single samples", r"dataset\.batch"]),
    "pixels-0-255": (pixels_0_255, ValueError, [r"\[-1, 1\]", r"x / 127\.5 - 1"]),
    "out-of-range-dataset": (out_of_range_dataset, ValueError, [r"first batch lies in \[-0\.5", r"\[0, 1\]"]),
    "images-for-sigmoid-generator": (images_for_sigmoid_generator, ValueError, ["kgan.data.images", r"\[0, 1\]"]),
    "nan-in-array": (nan_in_array, ValueError, ["NaN or infinite", "index 7", "drop or impute"]),
    "inf-in-dataset": (inf_in_dataset, ValueError, ["first batch contains 1 NaN or infinite", "index 3"]),
    "non-numeric-data": (non_numeric_data, ValueError, ["dtype", "astype"]),
    "empty-array": (empty_array, ValueError, ["no samples", "zero steps"]),
    "empty-dataset": (empty_dataset, ValueError, ["dataset is empty", "filter"]),
    "latent-dimension": (latent_dimension, ValueError, [r"shape \(8,\)", r"kgan\.latent\.Normal\(4\)"]),
    "discriminator-output-shape": (discriminator_output_shape, ValueError, ["one logit per sample", r"Dense\(1\)"]),
    "discriminator-dict-without-logits": (discriminator_dict_without_logits, ValueError, ["without a 'logits'", "score"]),
    "discriminator-list-output": (discriminator_list_output, ValueError, ["list of 2 outputs", "dict with 'logits'"]),
    "unknown-loss": (unknown_loss, ValueError, ["wasserstien", "wasserstein"]),
    "unknown-term": (unknown_term, ValueError, [r"kgan\.terms\.GradientPenalty\("]),
    "unknown-dataset": (unknown_dataset, kgan.data.DatasetNotFoundError, ["did you mean 'fashion_mnist'"]),
    "missing-folder": (missing_folder, FileNotFoundError, ["/nonexistent/folder"]),
    "unknown-prior": (unknown_prior, ValueError, ["gauss", "normal", "uniform"]),
    "unsupported-image-size": (unsupported_image_size, ValueError, ["30", "28"]),
    "batch-too-small": (batch_too_small, ValueError, ["batch_size=1", "at least 2", "BatchNormalization"]),
    "batch-too-small-for-term": (batch_too_small_for_term, ValueError, ["batch_size=2", "at least 4", "terms"]),
    "dataset-batch-too-small": (dataset_batch_too_small, ValueError, ["hold 1 sample", r"dataset\.batch"]),
    "labels-for-unconditional-gan": (labels_for_unconditional_gan, ValueError, ["takes only the latent", "Drop the labels"]),
    "conditional-gan-without-labels": (conditional_gan_without_labels, ValueError, ["conditional", r"\(x, condition\)"]),
    "nan-in-conditions": (nan_in_conditions, ValueError, [r"NaN/inf in 1 row\(s\), first at index 7", "np.isfinite"]),
    "generate-condition-count": (generate_with_fewer_conditions, ValueError, [r"n=10", r"\[5\] rows", "one condition per sample"]),
    "batch-size-zero": (batch_size_zero, ValueError, [r"batch_size=0", "positive integer"]),
    "negative-term-weight": (negative_term_weight, ValueError, ["GradientPenalty", ">= 0", "switches it off"]),
    "negative-learning-rate": (negative_learning_rate, ValueError, ["g_optimizer has learning rate -0.001", ">= 0"]),
    "from-file-on-a-folder": (from_file_on_a_folder, ValueError, ["is a folder", "gan.keras"]),
    "from-file-on-h5": (from_file_on_h5, ValueError, ["HDF5", r"gan\.save\('gan\.keras'\)", "load_weights"]),
    "shared-optimizer": (shared_optimizer, ValueError, ["same object", "one for each"]),
    "missing-tensorflow-datasets": (missing_tensorflow_datasets, kgan.data.DatasetNotFoundError,
                                    ["tensorflow-datasets is not installed", r"kgan\[datasets\]"]),
    "missing-tensorboard": (missing_tensorboard, ImportError, ["tensorboard", "pip install"]),
    "corrupt-image-file": (corrupt_image_file, ValueError, ["1 of 4 image files", r"bad\.png: not a PNG, JPEG",
                                                             r"b'<html>40'", "Delete or move"]),
    "label-out-of-range": (label_out_of_range, ValueError, ["label 12", "index 10", "input_dim=10", "labels 0..9",
                                                             "input_dim >= 13"]),
    "label-out-of-range-in-pipeline": (label_out_of_range_in_pipeline, ValueError,
                                       ["during training", "label 10", r"range 0\.\.9", "input_dim >= 11"]),
    "generator-discriminator-shapes": (generator_discriminator_shapes, ValueError,
                                       [r"makes samples of shape \(3,\)", r"takes \(2,\)", r"keras\.Input\(\(3,\)\)"]),
    "endless-dataset": (endless_dataset, ValueError, ["repeats forever", "steps_per_epoch=N", r"drop \.repeat\(\)"]),
    "backup-of-another-model": (backup_of_another_model, ValueError, ["backup of another model", "do not fit",
                                                                      "delete the folder"]),
    "not-a-generator": (not_a_generator, ValueError, [r"inputs of shape \(8, 8, 1\)", "not a generator",
                                                      "gan.keras"]),
    "output-path-is-a-file": (output_path_is_a_file, NotADirectoryError, ["samples is a file, not a folder",
                                                                         "Move or delete"]),
    "read-only-output": (read_only_output, PermissionError, ["refuses writes", "Read-only file system",
                                                             "previous file is unchanged", "chmod"]),
}


@pytest.mark.parametrize("entry", sorted(CATALOGUE))
def test_catalogue_entry_raises_a_kgan_error_naming_the_fix(entry, monkeypatch):
    trigger, error, fragments = CATALOGUE[entry]
    args = (monkeypatch,) if "monkeypatch" in trigger.__code__.co_varnames[: trigger.__code__.co_argcount] else ()
    with pytest.raises(error) as info:
        trigger(*args)
    message = str(info.value)
    for fragment in fragments:
        assert re.search(fragment, message), f"{entry}: {fragment!r} not in {message!r}"
    # Raised by kgan's own checks, not deep inside TensorFlow or Keras.
    kgan_root = Path(kgan.__file__).parent
    assert any(Path(str(entry.path)).is_relative_to(kgan_root) for entry in info.traceback[-3:]), info.traceback[-1]


def test_catalogue_and_docs_table_list_the_same_entries():
    documented = set(re.findall(r"^\| `([a-z0-9-]+)` \|", DOCS.read_text(), flags=re.MULTILINE))
    assert documented == set(CATALOGUE) | set(WARNINGS) | set(IN_TRAINING) | set(ELSEWHERE)


# ---------------------------------------------------------------- warnings (training goes on)
def uint8_for_unbounded_generator():
    fit(mlp_gan(output_activation=None), np.full((32, 2), 3, "uint8"), batch_size=8)


def last_batch_too_small():
    fit(mlp_gan(batch_norm=True), real_batch(33, data_dim=2).clip(-1, 1), batch_size=8)


WARNINGS = {
    "uint8-for-unbounded-generator": (uint8_for_unbounded_generator, ["uint8", r"x / 127\.5 - 1"]),
    "unit-range-for-tanh": (unit_range_for_tanh, [r"\[0, 1\] pixels", r"x \* 2 - 1"]),
    "last-batch-too-small": (last_batch_too_small, ["last batch", r"x = x\[:32\]"]),
}


@pytest.mark.parametrize("entry", sorted(WARNINGS))
def test_catalogue_warning(entry):
    trigger, fragments = WARNINGS[entry]
    with pytest.warns(UserWarning) as record:
        trigger()
    messages = " ".join(str(w.message) for w in record)
    for fragment in fragments:
        assert re.search(fragment, messages), f"{entry}: {fragment!r} not in {messages!r}"


# ---------------------------------------------------------------- caught during training
def test_nan_in_a_later_batch_stops_training():
    """Only the first batch of a pipeline is read up front; later NaNs stop training with a message."""
    gan = tiny_gan()
    x = real_batch(64)
    x[40, 0] = np.nan
    guard = kgan.callbacks.TerminateOnNonFinite(verbose=False)
    gan.fit(dataset(x), epochs=2, callbacks=[guard], verbose=0)
    assert guard.stopped and "nan" in guard.reason.lower()


def test_damaged_image_data_behind_a_whole_header_is_skipped():
    """A file that passes the header check but does not decode is dropped, not a DecodeImage crash mid-epoch."""
    folder = _image_folder(n=4, extra={"bad.jpg": b"\xff\xd8\xff" + b"garbage" * 10})
    batches = list(kgan.data.images(folder, batch_size=1, image_size=8, channels=1, shuffle=False))
    assert len(batches) == 4
    # The four good images (values i / 4, written through uint8) and nothing else.
    np.testing.assert_allclose(sorted(float(b.numpy().mean()) for b in batches), [0, 0.25, 0.5, 0.75], atol=0.01)


IN_TRAINING = {"nan-in-a-later-batch", "damaged-image-data"}

# Entries whose test needs a fresh process and lives beside its feature: id -> (file, test).
ELSEWHERE = {
    "missing-keras-tuner": ("test_tuning.py", "test_import_kgan_needs_no_keras_tuner_and_tuning_says_how_to_install"),
    "sigmoid-discriminator": ("test_keras_native.py", "test_a_discriminator_ending_in_sigmoid_or_softmax_is_refused_at_compile"),
    "keras-loss-without-equivalent": ("test_keras_native.py", "test_keras_losses_without_an_equivalent_name_the_kgan_loss"),
    "predict-on-real-samples": ("test_keras_native.py", "test_predict_on_real_samples_points_to_discriminate_and_generate"),
    "tfds-dicts-to-fit": ("test_keras_native.py", "test_fit_on_tfds_dicts_says_to_use_kgan_data_images"),
    "lr-callback-on-schedule": ("test_keras_callbacks.py", "test_learning_rate_callbacks_say_why_a_schedule_cannot_be_set"),
    "disk-full": ("test_atomic_saves.py", "test_low_free_space_is_refused_before_writing"),
    "corrupt-keras-file": ("test_atomic_saves.py", "test_corrupt_keras_file_is_called_corrupt"),
    "cli-output-folder-is-a-file": (
        "test_cli_usability.py", "test_train_with_a_file_where_an_output_folder_goes_fails_in_one_line_before_training"),
    "cli-read-only-mid-run": ("test_cli_usability.py", "test_an_output_folder_turning_read_only_mid_run_stops_in_one_line"),
    "cli-not-a-generator": ("test_cli_usability.py", "test_sample_and_export_refuse_a_keras_model_that_is_not_a_generator"),
    "cli-vectors-as-png": ("test_cli_usability.py", "test_sample_of_a_vector_generator_asks_for_npy_instead_of_a_png_grid"),
    "cli-upscale-not-an-image": ("test_cli_usability.py", "test_upscale_on_a_file_that_is_not_an_image_fails_in_one_line"),
}


def test_entries_tested_elsewhere_exist():
    for entry, (file, name) in ELSEWHERE.items():
        assert f"def {name}(" in (Path(__file__).parent / file).read_text(), entry


def test_valid_data_passes_every_check():
    gan = mlp_gan()
    x = np.random.default_rng(0).uniform(-1, 1, (32, 2)).astype("float32")
    fit(gan, x, batch_size=8)
    fit(gan, dataset(x))
    assert int(gan.d_optimizer.iterations) == 4 + 4


def test_image_size_as_one_int_means_a_square():
    x = np.random.default_rng(0).integers(0, 256, (8, 20, 20, 1), dtype=np.uint8)
    batch = next(iter(kgan.data.images(x, batch_size=4, image_size=16)))
    assert tuple(batch.shape) == (4, 16, 16, 1)


def test_batch_of_one_is_fine_for_batch_norm_after_a_convolution():
    # Statistics over H x W as well: pix2pix-style batch-1 training must not be refused.
    g = keras.Sequential([keras.Input((4,)), keras.layers.Dense(64, activation="tanh"), keras.layers.Reshape((8, 8, 1))])
    d = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3), keras.layers.BatchNormalization(),
                          keras.layers.Flatten(), keras.layers.Dense(1)])
    gan = kgan.GAN(g, d, latent=4)
    gan.compile()
    fit(gan, np.random.default_rng(0).uniform(-1, 1, (4, 8, 8, 1)).astype("float32"), batch_size=1)
    assert int(gan.d_optimizer.iterations) == 4


def test_batched_1d_data_without_a_feature_axis_is_not_called_unbatched():
    gan = mlp_gan(output_activation=None, data_dim=1)
    with pytest.raises(ValueError, match=r"shape \(\), but the discriminator expects \(1,\)"):
        fit(gan, dataset(real_batch(32).reshape(-1), batch=8))
