"""DCGAN nets, the image pipeline and the sample-grid callback."""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf

import kgan
from kgan.data import _idx

FASHION_MNIST = os.path.isdir(_idx.DEBIAN_LOCATIONS["fashion_mnist"][0])
needs_fashion_mnist = pytest.mark.skipif(not FASHION_MNIST, reason="apt-get install dataset-fashion-mnist")


# ---------------------------------------------------------------- nets
@pytest.mark.parametrize("shape", [(28, 28, 1), (32, 32, 3), (32, 32, 1), (64, 64, 3)])
def test_dcgan_nets_shapes(shape):
    g = kgan.nets.dcgan_generator(shape, latent_dim=16, width=4, seed=0)
    d = kgan.nets.dcgan_discriminator(shape, width=4, seed=0)
    images = g(np.random.default_rng(0).uniform(-1, 1, (3, 16)).astype("float32"))
    assert tuple(images.shape) == (3, *shape)
    assert float(tf.reduce_max(tf.abs(images))) <= 1.0  # tanh output
    out = d(images)
    assert tuple(out["logits"].shape) == (3, 1)
    assert out["features"].shape[0] == 3 and len(out["features"].shape) == 2


def test_dcgan_follows_the_papers_guidelines():
    g = kgan.nets.dcgan_generator((64, 64, 3), width=8)
    d = kgan.nets.dcgan_discriminator((64, 64, 3), width=8)
    layer_types = lambda m: [type(layer).__name__ for layer in m.layers]  # noqa: E731
    assert "MaxPooling2D" not in layer_types(d) and "AveragePooling2D" not in layer_types(d)
    assert layer_types(g).count("Conv2DTranspose") == 4  # 4 -> 8 -> 16 -> 32 -> 64
    assert g.get_layer("image").activation.__name__ == "tanh"
    assert "LeakyReLU" in layer_types(d) and "ReLU" in layer_types(g)
    # No batch norm on D's input layer or on G's output.
    assert type(d.layers[2]).__name__ == "LeakyReLU"
    assert g.layers[-2].name == "to_image"
    assert g.get_layer("project").units == 4 * 4 * 8 * 8


@pytest.mark.parametrize("shape", [(30, 30, 1), (28, 32, 1), (28, 28), (28, 28, 0), "28x28"])
def test_dcgan_rejects_unsupported_shapes(shape):
    with pytest.raises(ValueError, match="28x28 / 32x32 / 64x64"):
        kgan.nets.dcgan_generator(shape)
    with pytest.raises(ValueError, match="image_size"):
        kgan.nets.dcgan_discriminator(shape)


def test_dcgan_preset():
    gan = kgan.GAN.dcgan((32, 32, 3), latent_dim=20, width=4, seed=3)
    assert isinstance(gan.latent, kgan.latent.Uniform) and gan.latent.dim == 20
    assert (gan.latent.low, gan.latent.high) == (-1.0, 1.0)  # the paper's code
    gan.compile()
    assert gan.generate(5, seed=0).shape == (5, 32, 32, 3)


def test_short_dcgan_fit_changes_both_networks():
    keras.utils.set_random_seed(0)
    gan = kgan.GAN.dcgan((28, 28, 1), latent_dim=8, width=4, seed=0)
    gan.compile()
    x = np.random.default_rng(0).integers(0, 256, (64, 28, 28), dtype=np.uint8)
    before = [[w.copy() for w in net.get_weights()] for net in (gan.generator, gan.discriminator)]
    history = gan.fit(kgan.data.images(x, batch_size=16, seed=0), epochs=1, verbose=0)
    for old, net in zip(before, (gan.generator, gan.discriminator), strict=True):
        assert any(not np.allclose(a, b) for a, b in zip(old, net.get_weights(), strict=True)), net.name
    assert all(np.isfinite(v[-1]) for v in history.history.values())


# ---------------------------------------------------------------- data
def _first(ds):
    return next(iter(ds))


def test_arrays_uint8_are_scaled_to_unit_range():
    x = np.zeros((10, 8, 8), np.uint8)
    x[:5] = 255
    ds = kgan.data.images(x, batch_size=10, shuffle=False)
    batch = _first(ds).numpy()
    assert batch.shape == (10, 8, 8, 1) and batch.dtype == np.float32
    assert batch[:5].min() == 1.0 and batch[5:].max() == -1.0


@pytest.mark.parametrize("low,high", [(0.0, 1.0), (-1.0, 1.0), (0.0, 255.0)])
def test_float_arrays_value_range_is_inferred(low, high):
    x = np.linspace(low, high, 4 * 4 * 4 * 3, dtype=np.float32).reshape(4, 4, 4, 3)
    batch = _first(kgan.data.images(x, batch_size=4, shuffle=False)).numpy()
    assert batch.min() == pytest.approx(-1.0) and batch.max() == pytest.approx(1.0)


def test_explicit_value_range():
    x = np.full((4, 4, 4, 1), 5.0, np.float32)
    batch = _first(kgan.data.images(x, batch_size=4, value_range=(0, 10), shuffle=False)).numpy()
    np.testing.assert_allclose(batch, 0.0)


@pytest.mark.parametrize("x,match", [
    (np.full((8, 4, 4), np.nan, np.float32), "NaN"),
    (np.full((8, 4, 4), 300.0, np.float32), "value_range"),
    (np.zeros((8, 4), np.uint8), "shape"),
    (np.zeros((3, 4, 4), np.uint8), "larger than the data"),
])
def test_bad_arrays_get_clear_errors(x, match):
    with pytest.raises(ValueError, match=match):
        kgan.data.images(x, batch_size=4)


def test_arrays_with_labels_drop_remainder_and_shuffle_each_epoch():
    x = np.arange(10, dtype=np.uint8)[:, None, None].repeat(2, 1).repeat(2, 2)
    y = np.arange(10)
    ds = kgan.data.images((x, y), batch_size=4, labels=True, seed=0)
    epochs = [[(xb.numpy(), yb.numpy()) for xb, yb in ds] for _ in range(2)]
    assert [len(e) for e in epochs] == [2, 2]  # 10 // 4, the remainder is dropped
    for xb, yb in epochs[0]:  # images and labels stay paired through the shuffle
        np.testing.assert_allclose((xb[:, 0, 0, 0] + 1) * 127.5, yb, atol=1e-3)
    order = [np.concatenate([yb for _, yb in e]) for e in epochs]
    assert not np.array_equal(order[0], order[1])
    with pytest.raises(ValueError, match="labels=True needs labels"):
        kgan.data.images(x, batch_size=2, labels=True)


def test_resize_and_channels():
    x = np.random.default_rng(0).integers(0, 256, (4, 28, 28), dtype=np.uint8)
    batch = _first(kgan.data.images(x, batch_size=4, image_size=(32, 32), channels=3)).numpy()
    assert batch.shape == (4, 32, 32, 3) and -1.0 <= batch.min() and batch.max() <= 1.0


def _write_pngs(folder, n, size=(12, 10), channels=3, seed=0):
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        image = rng.integers(0, 256, (*size, channels), dtype=np.uint8)
        tf.io.write_file(str(folder / f"{i}.png"), tf.io.encode_png(image))


def test_folder_source_flat_and_with_classes(tmp_path):
    _write_pngs(tmp_path / "flat", 6)
    batch = _first(kgan.data.images(tmp_path / "flat", batch_size=3)).numpy()
    assert batch.shape == (3, 12, 10, 3) and -1.0 <= batch.min() and batch.max() <= 1.0
    with pytest.raises(ValueError, match="sub-folder per class"):
        kgan.data.images(tmp_path / "flat", batch_size=3, labels=True)

    _write_pngs(tmp_path / "classes" / "cat", 3, seed=1)
    _write_pngs(tmp_path / "classes" / "dog", 3, seed=2)
    ds = kgan.data.images(tmp_path / "classes", batch_size=6, labels=True, image_size=(8, 8), shuffle=False)
    images, labels = _first(ds)
    assert images.shape == (6, 8, 8, 3)
    assert sorted(labels.numpy().tolist()) == [0, 0, 0, 1, 1, 1]


def test_missing_folder_and_empty_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        kgan.data.images(str(tmp_path / "nope") + os.sep, batch_size=2)
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="No image files"):
        kgan.data.images(tmp_path / "empty", batch_size=2)


def test_numpy_files(tmp_path):
    x = np.random.default_rng(0).integers(0, 256, (6, 8, 8, 1), dtype=np.uint8)
    np.save(tmp_path / "x.npy", x)
    np.savez(tmp_path / "xy.npz", images=x, labels=np.arange(6))
    assert _first(kgan.data.images(str(tmp_path / "x.npy"), batch_size=3)).shape == (3, 8, 8, 1)
    images, labels = _first(kgan.data.images(str(tmp_path / "xy.npz"), batch_size=6, labels=True, shuffle=False))
    assert labels.numpy().tolist() == list(range(6))


def test_idx_reader_round_trip(tmp_path):
    import gzip

    images = np.random.default_rng(0).integers(0, 256, (5, 3, 4), dtype=np.uint8)
    header = bytes([0, 0, 0x08, 3]) + b"".join(d.to_bytes(4, "big") for d in images.shape)
    for name, body in (("train-images-idx3-ubyte.gz", header + images.tobytes()),
                       ("train-labels-idx1-ubyte.gz", bytes([0, 0, 8, 1]) + (5).to_bytes(4, "big") + bytes(range(5)))):
        with gzip.open(tmp_path / name, "wb") as f:
            f.write(body)
    x, y = _idx.load_split(str(tmp_path), "train")
    np.testing.assert_array_equal(x, images)
    assert y.tolist() == [0, 1, 2, 3, 4]
    # A folder of IDX files works as data_dir for a named dataset.
    ds = kgan.data.images("fashion_mnist", batch_size=5, loader="debian", data_dir=str(tmp_path), shuffle=False)
    assert _first(ds).shape == (5, 3, 4, 1)
    (tmp_path / "bad").write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(ValueError, match="not an IDX file"):
        _idx.read_idx(str(tmp_path / "bad"))


def test_missing_named_dataset_says_how_to_get_it(tmp_path):
    with pytest.raises(kgan.data.DatasetNotFoundError, match="apt-get install -y dataset-fashion-mnist"):
        kgan.data.images("fashion_mnist", batch_size=4, loader="debian", data_dir=str(tmp_path))
    with pytest.raises(kgan.data.DatasetNotFoundError, match=r"keras.datasets.cifar10.load_data\(\)"):
        kgan.data.images("cifar10", batch_size=4, download=False, data_dir=str(tmp_path))
    with pytest.raises(ValueError, match="loader="):
        kgan.data.images("cifar10", batch_size=4, loader="internet")


def test_download_false_uses_only_the_keras_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(keras.datasets.mnist, "load_data", lambda: pytest.fail("must not try to download"))
    with pytest.raises(kgan.data.DatasetNotFoundError, match="keras.datasets cache"):
        kgan.data.images("mnist", batch_size=4, loader="keras", download=False)
    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "mnist.npz").write_bytes(b"")  # a cached file: now load_data (from cache) is used
    x = np.zeros((4, 28, 28), np.uint8)
    monkeypatch.setattr(keras.datasets.mnist, "load_data", lambda: ((x, np.arange(4)), (x, np.arange(4))))
    assert _first(kgan.data.images("mnist", batch_size=4, loader="keras", download=False)).shape == (4, 28, 28, 1)


def test_tfds_code_path_with_mock_data():
    tfds = pytest.importorskip("tensorflow_datasets")
    with tfds.testing.mock_data(num_examples=12):
        ds = kgan.data.images("mnist", batch_size=4, loader="tfds", labels=True, shuffle=False)
        images, labels = _first(ds)
    assert images.shape == (4, 28, 28, 1) and labels.dtype == tf.int32
    assert -1.0 <= float(tf.reduce_min(images)) and float(tf.reduce_max(images)) <= 1.0
    assert ds.cardinality().numpy() == 3


def test_keras_dataset_code_path(monkeypatch):
    x = np.random.default_rng(0).integers(0, 256, (8, 32, 32, 3), dtype=np.uint8)
    y = np.arange(8).reshape(-1, 1)  # Keras' CIFAR labels come as a column
    monkeypatch.setattr(keras.datasets.cifar10, "load_data", lambda: ((x, y), (x[:4], y[:4])))
    images, labels = _first(kgan.data.images("cifar10", batch_size=8, loader="keras", labels=True, shuffle=False))
    assert images.shape == (8, 32, 32, 3) and labels.numpy().tolist() == list(range(8))
    x_test, y_test = kgan.data.image_arrays("cifar10", "test", loader="keras")
    assert x_test.shape == (4, 32, 32, 3) and y_test.tolist() == [0, 1, 2, 3]


@needs_fashion_mnist
def test_fashion_mnist_offline_from_the_debian_package():
    ds = kgan.data.images("fashion_mnist", batch_size=64, labels=True, seed=0)
    images, labels = _first(ds)
    assert images.shape == (64, 28, 28, 1) and ds.cardinality().numpy() == 60000 // 64
    assert float(tf.reduce_min(images)) == -1.0 and float(tf.reduce_max(images)) == 1.0
    x_test, y_test = kgan.data.image_arrays("fashion_mnist", "test")
    assert x_test.shape == (10000, 28, 28, 1) and x_test.dtype == np.uint8
    assert np.bincount(y_test).tolist() == [1000] * 10


# ---------------------------------------------------------------- sample grid
def test_sample_grid_writes_pngs_of_the_right_size(tmp_path):
    gan = kgan.GAN.dcgan((28, 28, 1), latent_dim=8, width=4, seed=0)
    gan.compile()
    x = np.zeros((32, 28, 28, 1), np.uint8)
    grid = kgan.callbacks.SampleGrid(tmp_path / "grids", n=16, seed=5, log_dir=tmp_path / "tb")
    gan.fit(kgan.data.images(x, batch_size=16), epochs=2, callbacks=[grid], verbose=0)
    names = sorted(os.listdir(tmp_path / "grids"))
    assert names == ["epoch_000.png", "epoch_001.png", "epoch_002.png"]
    png = tf.io.decode_png(tf.io.read_file(str(tmp_path / "grids" / "epoch_002.png"))).numpy()
    assert png.shape == (4 * 84 + 5 * 2, 4 * 84 + 5 * 2, 1)  # 4x4 cells enlarged x3 (min_cell 64), 2-pixel padding
    assert os.listdir(tmp_path / "tb")  # a TensorBoard event file
    # The same seed draws the same latent batch: rendering twice gives the same picture.
    first = tf.io.read_file(grid.render(7)).numpy()
    assert first == tf.io.read_file(grid.render(8)).numpy()


def test_sample_grid_rejects_mismatched_conditions(tmp_path):
    with pytest.raises(ValueError, match="one per image"):
        kgan.callbacks.SampleGrid(tmp_path, n=4, condition=np.zeros(3))


def test_generator_ema_averages_the_weights():
    gan = kgan.GAN.dcgan((28, 28, 1), latent_dim=4, width=2, seed=0)
    gan.compile()
    x = np.random.default_rng(0).integers(0, 256, (64, 28, 28), dtype=np.uint8)
    ema = kgan.callbacks.GeneratorEMA(decay=0.5)
    start = [w.copy() for w in gan.generator.get_weights()]
    snapshots = []
    track = keras.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: snapshots.append(
        [w.copy() for w in gan.generator.get_weights()]))
    gan.fit(kgan.data.images(x, batch_size=16, shuffle=False), epochs=1, callbacks=[track, ema], verbose=0)
    # Recompute the average by hand from the live weights after each batch (kernel of the projection).
    expected = start[0]
    for snap in snapshots:
        expected = 0.5 * expected + 0.5 * snap[0]
    np.testing.assert_allclose(ema.ema_generator.get_weights()[0], expected, rtol=1e-5, atol=1e-7)
    assert not np.allclose(ema.ema_generator.get_weights()[0], gan.generator.get_weights()[0])
    assert ema.generate(3).shape == (3, 28, 28, 1)
    with pytest.raises(ValueError, match="decay"):
        kgan.callbacks.GeneratorEMA(decay=1.0)


def test_sample_grid_second_fit_continues_numbering(tmp_path):
    gan = kgan.GAN.dcgan((28, 28, 1), latent_dim=4, width=2, seed=0)
    gan.compile()
    ds = kgan.data.images(np.zeros((16, 28, 28), np.uint8), batch_size=16)
    grid = kgan.callbacks.SampleGrid(tmp_path, n=4)
    gan.fit(ds, epochs=2, callbacks=[grid], verbose=0)
    untrained = (tmp_path / "epoch_000.png").read_bytes()
    gan.fit(ds, epochs=1, callbacks=[grid], verbose=0)
    assert sorted(os.listdir(tmp_path)) == ["epoch_000.png", "epoch_001.png", "epoch_002.png", "epoch_003.png"]
    assert (tmp_path / "epoch_000.png").read_bytes() == untrained


def test_generator_ema_counts_updates_not_callback_calls():
    gan = kgan.GAN.dcgan((28, 28, 1), latent_dim=4, width=2, seed=0)
    gan.compile(steps_per_execution=2)
    ema = kgan.callbacks.GeneratorEMA(decay=0.5)
    x = np.random.default_rng(0).integers(0, 256, (64, 28, 28), dtype=np.uint8)
    start = gan.generator.get_weights()[0].copy()
    gan.fit(kgan.data.images(x, batch_size=16, shuffle=False), epochs=1, callbacks=[ema], verbose=0)
    assert int(gan.g_optimizer.iterations.numpy()) == 4 and ema._seen == 4
    # Two blocks of two updates: the start weights keep 0.5**4 of their share.
    live = gan.generator.get_weights()[0]
    assert not np.allclose(ema.ema_generator.get_weights()[0], live)
    assert np.abs(ema.ema_generator.get_weights()[0] - start).max() > 0
