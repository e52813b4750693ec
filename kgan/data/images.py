"""Image pipelines for GAN training: any source in, batches in [-1, 1] out.

```python
ds = kgan.data.images("fashion_mnist", batch_size=64)             # TFDS, Debian files or Keras
ds = kgan.data.images("photos/", batch_size=32, image_size=(64, 64))  # a folder of image files
ds = kgan.data.images(x_uint8, batch_size=64)                      # NumPy arrays
ds = kgan.data.images(tfds.load("mnist", split="train"), 64, labels=True)  # a tf.data pipeline / TFDS dicts
ds = kgan.data.images("fashion_mnist", batch_size=64, labels=True) # (images, labels) batches
```

A dataset name is looked up where it costs nothing first: data TFDS has already
prepared, then files a Debian package installed (Fashion-MNIST:
``apt-get install dataset-fashion-mnist``), then the Keras dataset cache/download,
then a TFDS download. The first that works is used; when none does, the error
says how to get the data.
"""

from __future__ import annotations

import contextlib
import difflib
import logging
import os
import warnings

import numpy as np
import tensorflow as tf

from kgan._checks import positive_int
from kgan._data_checks import VALIDATED_ATTR
from kgan.data import _folders, _idx, _pipelines

__all__ = ["DatasetNotFoundError", "image_arrays", "images"]

KERAS_DATASETS = ("mnist", "fashion_mnist", "cifar10", "cifar100")
LOADERS = ("auto", "tfds", "debian", "keras")
_MAX_FULL_SHUFFLE = 100_000  # in-memory datasets up to this size are shuffled completely


class DatasetNotFoundError(FileNotFoundError):
    """A named dataset is neither on this machine nor downloadable; the message says how to get it."""


class _FeatureError(ValueError):
    """The dataset exists but lacks what was asked for (an image or label feature): not a lookup failure."""


# ---------------------------------------------------------------- named datasets
def _canonical(name: str) -> str:
    return name.strip().lower().replace("-", "_")


def _tfds():
    try:
        import tensorflow_datasets as tfds
    except ImportError:
        return None
    return tfds


@contextlib.contextmanager
def _quiet_absl():
    # TFDS logs a warning for every dataset it has not prepared; here that is an expected answer.
    logger = logging.getLogger("absl")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _load_tfds(name, split, labels, data_dir, download):
    """A TFDS dataset of (uint8 image, label) pairs; raises on failure (caller decides)."""
    tfds = _tfds()
    if tfds is None:
        raise ImportError("tensorflow-datasets is not installed (pip install 'kgan[datasets]').")
    if not download:
        with _quiet_absl():
            if not tfds.builder(name, data_dir=data_dir).is_prepared():
                raise FileNotFoundError(f"not prepared in {data_dir or '~/tensorflow_datasets'}")
    ds, info = tfds.load(name, split=split, data_dir=data_dir, download=download, with_info=True, shuffle_files=False)
    image_key = "image" if "image" in info.features else None
    if image_key is None:
        raise _FeatureError(f"TFDS dataset {name!r} has no 'image' feature (features: {list(info.features)}).")
    if labels is True and "label" not in info.features:
        raise _FeatureError(f"TFDS dataset {name!r} has no 'label' feature; use labels=False.")
    label_key = "label" if labels and "label" in info.features else None  # labels="optional": when present
    ds = ds.map(lambda ex: (ex[image_key], ex[label_key]) if label_key else (ex[image_key],),
                num_parallel_calls=tf.data.AUTOTUNE)
    return ds, info.splits[split].num_examples if split in info.splits else None


def _load_keras(name, split):
    import keras

    if name not in KERAS_DATASETS:
        raise ValueError(f"{name!r} is not a Keras dataset ({', '.join(KERAS_DATASETS)}).")
    train, test = getattr(keras.datasets, name).load_data()
    x, y = {"train": train, "test": test}[split]
    return x, np.asarray(y).reshape(-1).astype(np.int64)


# What keras.datasets.<name>.load_data() leaves in its cache folder.
_KERAS_CACHE_FILES = {"mnist": "mnist.npz", "fashion_mnist": "fashion-mnist", "cifar10": "cifar-10-batches-py",
                      "cifar100": "cifar-100-python"}


def _keras_cache_dir() -> str:
    return os.path.join(os.environ.get("KERAS_HOME", os.path.join(os.path.expanduser("~"), ".keras")), "datasets")


def _keras_cached(name) -> bool:
    return os.path.exists(os.path.join(_keras_cache_dir(), _KERAS_CACHE_FILES.get(name, "\0")))


def _debian_directory(name, data_dir):
    # An explicit data_dir is the only place searched: the user said where the data is.
    candidates = [data_dir] if data_dir else [_idx.DEBIAN_LOCATIONS.get(name, (None,))[0]]
    return next((d for d in candidates if d and _idx.find_split(d, "train")), None)


def _unknown_name_hint(name) -> str:
    """'Did you mean' for names no loader knows (only on the error path: listing TFDS takes seconds)."""
    if name in KERAS_DATASETS or name in _idx.DEBIAN_LOCATIONS:
        return ""
    known = set(KERAS_DATASETS) | set(_idx.DEBIAN_LOCATIONS)
    tfds = _tfds()
    if tfds is not None:
        try:
            builders = set(tfds.list_builders(with_community_datasets=False))
        except Exception:  # noqa: BLE001 - only a hint
            builders = set()
        if name in builders:
            return ""
        known |= builders
    close = difflib.get_close_matches(name, sorted(known), n=3)
    return f"No loader knows the name {name!r}" + (f"; did you mean {', '.join(map(repr, close))}?" if close else ".") + "\n"


def _not_found(name, split, attempts) -> DatasetNotFoundError:
    tried = "\n".join(f"  - {what}: {why}" for what, why in attempts) or "  (nothing could be tried)"
    ways = []
    if name in _idx.DEBIAN_LOCATIONS:
        directory, package = _idx.DEBIAN_LOCATIONS[name]
        ways.append(f"install the Debian package: apt-get install -y {package} (files land in {directory})")
    if name in KERAS_DATASETS:
        ways.append(f"online, download it once: keras.datasets.{name}.load_data()")
    ways.append(f"online, download it once with TFDS: tfds.load({name!r}) (pip install 'kgan[datasets]')")
    ways.append("or pass a folder of images or NumPy arrays instead of a name")
    return DatasetNotFoundError(
        _unknown_name_hint(name) + f"Dataset {name!r} (split {split!r}) is not available on this machine and could not be downloaded.\n"
        f"Tried:\n{tried}\nTo get it:\n" + "\n".join(f"  - {w}" for w in ways)
    )


def _check_split(split, loader):
    if split not in ("train", "test"):
        raise ValueError(
            f"split={split!r}: the {loader} loader knows 'train' and 'test'. TFDS split syntax "
            "('train[:10%]') works with loader='tfds'; or use limit=N."
        )


def _load_named(name, split, labels, loader, data_dir, download):
    """-> ("arrays", (x, y)) or ("dataset", (tf.data.Dataset, size)) for a dataset name."""
    name = _canonical(name)
    if loader not in LOADERS:
        raise ValueError(f"loader={loader!r}: choose one of {', '.join(LOADERS)}.")
    attempts = []

    if loader in ("auto", "tfds") and _tfds() is not None:
        try:  # already prepared: costs no download
            return "dataset", _load_tfds(name, split, labels, data_dir, download=False)
        except _FeatureError:
            raise
        except Exception as e:  # noqa: BLE001 - TFDS raises AssertionError, DatasetNotFoundError, ...
            attempts.append(("TFDS, prepared data", _short(e)))
    if loader in ("auto", "debian"):
        directory = _debian_directory(name, data_dir)
        if directory:
            _check_split(split, "Debian")
            return "arrays", _idx.load_split(directory, split)
        where = data_dir or _idx.DEBIAN_LOCATIONS.get(name, ("(no known location)",))[0]
        attempts.append(("IDX files (Debian package)", f"none under {where}"))
    if loader in ("auto", "keras") and name in KERAS_DATASETS:
        cached = _keras_cached(name)
        if cached or download:
            _check_split(split, "Keras")
            try:  # reads Keras' cache (~/.keras/datasets) first, downloads otherwise
                return "arrays", _load_keras(name, split)
            except Exception as e:  # noqa: BLE001 - network errors come in many types
                attempts.append(("keras.datasets " + ("cache" if cached else "download"), _short(e)))
        else:
            attempts.append(("keras.datasets cache", f"nothing under {_keras_cache_dir()} (download=False)"))
    if loader in ("auto", "tfds") and download:
        if _tfds() is None:
            attempts.append(("TFDS download", "tensorflow-datasets is not installed"))
        else:
            try:
                return "dataset", _load_tfds(name, split, labels, data_dir, download=True)
            except _FeatureError:
                raise
            except Exception as e:  # noqa: BLE001
                attempts.append(("TFDS download", _short(e)))
    raise _not_found(name, split, attempts)


def _short(error) -> str:
    text = f"{type(error).__name__}: {error}".splitlines()[0]
    return text[:200] + ("..." if len(text) > 200 else "")


# ---------------------------------------------------------------- arrays and folders
def _infer_value_range(x) -> tuple[float, float]:
    if x.dtype == np.uint8:
        return 0.0, 255.0
    if not np.issubdtype(x.dtype, np.number):
        raise TypeError(f"Images must be numeric arrays, got dtype {x.dtype}.")
    if not np.isfinite(x).all():
        bad = int(np.size(x) - np.isfinite(x).sum())
        raise ValueError(f"The images contain {bad} NaN/inf values: clean or drop those samples before training.")
    low, high = float(x.min()), float(x.max())
    if low >= -1.0 and high <= 1.0:
        if -0.05 < low < 0:
            warnings.warn(
                f"Images span [{low:g}, {high:g}]: read as [-1, 1] because of the small negative values. "
                "If they are [0, 1] images, pass value_range=(0, 1).", stacklevel=4)
        return (-1.0, 1.0) if low < 0 else (0.0, 1.0)
    if low >= 0.0 and high <= 255.0:
        return 0.0, 255.0
    raise ValueError(
        f"Cannot tell the images' value range: values span [{low:g}, {high:g}], which is none of "
        "[0, 255], [0, 1], [-1, 1]. Pass value_range=(low, high)."
    )


def _as_nhwc(x, what="images") -> np.ndarray:
    x = np.asarray(x)
    if x.ndim == 3:
        x = x[..., None]
    if x.ndim != 4 or x.shape[-1] not in (1, 2, 3, 4):
        raise ValueError(
            f"{what} must have shape (n, height, width) or (n, height, width, channels) with 1-4 channels; "
            f"got {x.shape}."
        )
    return x


def _split_arrays(source):
    if isinstance(source, (tuple, list)) and len(source) == 2:
        x, y = source
        y = np.asarray(y).reshape(-1)
        if len(y) != len(x):
            raise ValueError(f"Got {len(x)} images but {len(y)} labels.")
        return _as_nhwc(x), y.astype(np.int64)
    return _as_nhwc(source), None


def _load_numpy_file(path, labels):
    """``.npy`` (images) or ``.npz`` (``images``/``x`` and optional ``labels``/``y`` arrays)."""
    if path.endswith(".npy"):
        return np.load(path, allow_pickle=False)
    with np.load(path, allow_pickle=False) as archive:
        keys = set(archive.files)
        x_key = next((k for k in ("images", "x", "x_train") if k in keys), None)
        y_key = next((k for k in ("labels", "y", "y_train") if k in keys), None)
        if x_key is None:
            raise ValueError(f"{path} has no 'images' (or 'x') array; it has {sorted(keys)}.")
        if labels and y_key is None:
            raise ValueError(f"labels=True but {path} has no 'labels' (or 'y') array; it has {sorted(keys)}.")
        return (archive[x_key], archive[y_key]) if labels else archive[x_key]


# ---------------------------------------------------------------- the pipeline
def _resolve(source, split, labels, loader, data_dir, download, image_size, channels, range_known=False):
    """-> (unbatched dataset of (image,) or (image, label) tuples, size or None, value range)."""
    if isinstance(source, (str, os.PathLike)):
        text = os.fspath(source)
        looks_like_path = os.sep in text or text.startswith((".", "~")) or os.path.exists(text)
        if looks_like_path:
            path = os.path.expanduser(text)
            if os.path.isfile(path) and path.endswith((".npy", ".npz")):
                return _resolve(_load_numpy_file(path, labels), split, labels, loader, data_dir, download,
                                image_size, channels)
            if os.path.isfile(path):
                raise ValueError(f"{text!r} is a file: pass a folder of images, a .npy/.npz file or a dataset name.")
            if not os.path.isdir(path):
                raise FileNotFoundError(f"Image folder {text!r} does not exist (or is not a folder).")
            ds, n = _folders.folder_dataset(path, labels, image_size, channels)
            return ds, n, (0.0, 255.0)
        kind, loaded = _load_named(text, split, labels, loader, data_dir, download)
        if kind == "dataset":
            ds, n = loaded
            return ds, n, (0.0, 255.0)
        x, y = loaded
        source = (x, y) if labels else x
    elif isinstance(source, tf.data.Dataset):  # images, (image, label) pairs or TFDS dicts, batched or not
        ds, n, sample = _pipelines.from_dataset(source, labels, need_sample=not range_known)
        return ds, n, (0.0, 255.0) if sample is None else _infer_value_range(sample)
    x, y = _split_arrays(source)
    if labels and y is None:
        raise ValueError("labels=True needs labels: pass (images, labels) as the source.")
    value_range = _infer_value_range(x)
    tensors = (x, y) if labels else (x,)
    return tf.data.Dataset.from_tensor_slices(tensors), len(x), value_range


def _adjust_channels(image, channels):
    have = image.shape[-1]
    if channels is None or have == channels:
        return image
    if have == 1 and channels == 3:
        return tf.image.grayscale_to_rgb(image)
    if have == 3 and channels == 1:
        gray = tf.image.rgb_to_grayscale(tf.cast(image, tf.float32))
        return tf.cast(tf.round(gray), image.dtype) if image.dtype.is_integer else tf.cast(gray, image.dtype)
    if have == 4 and channels == 3:
        return image[..., :3]
    raise ValueError(f"Cannot turn {have}-channel images into {channels} channels.")


def images(
    source,
    batch_size: int = 64,
    *,
    split: str = "train",
    labels: bool = False,
    image_size=None,
    channels: int | None = None,
    shuffle: bool = True,
    seed: int | None = None,
    limit: int | None = None,
    cache: bool = True,
    value_range=None,
    loader: str = "auto",
    data_dir: str | None = None,
    download: bool = True,
) -> tf.data.Dataset:
    """A ``tf.data`` pipeline of image batches in [-1, 1] (float32, NHWC), ready for ``GAN.fit``.

    Args:
        source: a dataset name (TFDS or ``keras.datasets``: ``"fashion_mnist"``,
            ``"mnist"``, ``"cifar10"``, ...), a folder of image files
            (sub-folders are classes), a ``.npy``/``.npz`` file, a NumPy
            array of images ``(n, h, w[, c])``, an ``(images, labels)`` pair,
            or a ``tf.data.Dataset`` of images, ``(image, label)`` pairs or
            TFDS dicts (``{"image": ..., "label": ...}``), batched or not.
        batch_size: images per batch; the last partial batch is dropped so
            every step sees the same shape.
        split: ``"train"`` or ``"test"`` (any TFDS split string with
            ``loader="tfds"``).
        labels: yield ``(images, labels)`` batches (int labels) for
            conditional GANs and probes.
        image_size: ``(height, width)`` (or one int for a square) to resize to (e.g. ``(32, 32)`` to
            train a 32x32 DCGAN on 28x28 data); None keeps the size.
        channels: convert to 1 (grayscale) or 3 (RGB) channels; None keeps them.
        shuffle: reshuffle every epoch (``seed`` makes the order reproducible).
        limit: use only the first ``limit`` images (quick experiments, tests).
        cache: keep decoded images in memory after the first epoch.
        value_range: ``(low, high)`` of array data; inferred when None
            (uint8: 0-255; floats: [0, 1], [-1, 1] or [0, 255]).
        loader: ``"auto"`` tries, in order, prepared TFDS data, Debian IDX
            files, Keras' cache/download and a TFDS download; or force one of
            ``"tfds"``, ``"debian"``, ``"keras"``.
        data_dir: TFDS data directory, or a folder holding IDX files.
        download: allow downloads (False: fail fast when offline).

    Raises:
        DatasetNotFoundError: a named dataset is neither here nor
            downloadable; the message lists what was tried and how to get it.
        ValueError: bad arrays (shape, NaN, unknown range), a batch larger
            than the data.
    """
    batch_size = positive_int(batch_size, "batch_size")
    if limit is not None:
        limit = positive_int(limit, "limit")
    if isinstance(image_size, (int, np.integer)):
        image_size = (image_size, image_size)  # 32 means 32x32, the square every kgan net takes
    if image_size is not None:
        image_size = tuple(int(s) for s in image_size)
        if len(image_size) != 2 or min(image_size) < 1:
            raise ValueError(f"image_size must be (height, width), got {image_size}.")
    if channels is not None and channels not in (1, 3):
        raise ValueError(f"channels must be 1, 3 or None, got {channels}.")
    ds, n, inferred_range = _resolve(source, split, labels, loader, data_dir, download, image_size, channels,
                                     range_known=value_range is not None)
    low, high = map(float, value_range) if value_range is not None else inferred_range
    if not high > low:
        raise ValueError(f"value_range must be (low, high) with high > low, got {value_range}.")
    if limit is not None:
        ds = ds.take(limit)
        n = limit if n is None else min(n, limit)
    if n is not None and n < batch_size:
        raise ValueError(
            f"batch_size={batch_size} is larger than the data ({n} images): every batch would be dropped. "
            "Use a smaller batch_size or more data."
        )

    def prepare(image, *label):
        image = _adjust_channels(image, channels)
        if image_size is not None and tuple(image.shape[:2]) != image_size:
            resized = tf.image.resize(tf.cast(image, tf.float32), image_size, antialias=True)
            # Keep uint8 data uint8: the cache stays four times smaller.
            image = (tf.cast(tf.clip_by_value(tf.round(resized), 0, 255), tf.uint8) if image.dtype == tf.uint8
                     else resized)
        return (image, *label)

    ds = ds.map(prepare, num_parallel_calls=tf.data.AUTOTUNE)
    if cache:
        ds = ds.cache()
    if shuffle:
        buffer = n if n is not None and n <= _MAX_FULL_SHUFFLE else 10_000
        ds = ds.shuffle(buffer, seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size, drop_remainder=True)
    scale, offset = 2.0 / (high - low), -1.0 - 2.0 * low / (high - low)

    def to_unit_range(image, *label):  # batched: one vectorised op per batch
        image = tf.cast(image, tf.float32) * scale + offset
        return image if not label else (image, tf.cast(label[0], tf.int32))

    ds = ds.map(to_unit_range, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)
    # Every value was checked above: GAN.fit need not read a batch to check it again.
    setattr(ds, VALIDATED_ATTR, (-1.0, 1.0))
    return ds


def image_arrays(source, split: str = "train", *, limit: int | None = None, loader: str = "auto",
                 data_dir: str | None = None, download: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """A named dataset's images as uint8 NHWC NumPy arrays with int labels (None where it has none).

    For evaluation and probes, which need whole sets at once:

    ```python
    x_test, y_test = kgan.data.image_arrays("fashion_mnist", split="test")   # (10000, 28, 28, 1) uint8
    ```
    """
    if limit is not None:
        limit = positive_int(limit, "limit")
    kind, loaded = _load_named(os.fspath(source), split, "optional", loader, data_dir, download)
    if kind == "arrays":
        x, y = loaded
        x, y = _as_nhwc(x), y
        return (x[:limit], y[:limit]) if limit else (x, y)
    ds, _ = loaded
    if limit:
        ds = ds.take(limit)
    xs, ys = [], []
    for element in ds.batch(1024).as_numpy_iterator():
        xs.append(element[0])
        if len(element) > 1:
            ys.append(element[1])
    return _as_nhwc(np.concatenate(xs)), np.concatenate(ys).astype(np.int64) if ys else None
