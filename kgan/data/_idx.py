"""Read MNIST-style IDX files (the format of Debian's ``dataset-fashion-mnist``), gzipped or not."""

from __future__ import annotations

import gzip
import os

import numpy as np

# Where Debian packages put them, per dataset: (directory, apt package).
DEBIAN_LOCATIONS = {
    "fashion_mnist": ("/usr/share/datasets/fashion-mnist", "dataset-fashion-mnist"),
}
_PREFIX = {"train": "train", "test": "t10k"}
_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: str) -> np.ndarray:
    """One IDX file as an array (magic number: two zero bytes, a dtype code, the rank)."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _DTYPES:
        raise ValueError(f"{path} is not an IDX file (bad magic number).")
    rank = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(rank)]
    dtype = np.dtype(_DTYPES[data[2]])
    body = np.frombuffer(data, dtype=dtype, offset=4 + 4 * rank)
    if body.size != int(np.prod(dims)):
        raise ValueError(f"{path} is truncated: header says {dims}, found {body.size} values.")
    return body.reshape(dims).astype(dtype.newbyteorder("="), copy=False)


def _find(directory: str, stem: str) -> str | None:
    for name in (stem + ".gz", stem):
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            return path
    return None


def find_split(directory: str, split: str) -> tuple[str, str] | None:
    """Paths of the image and label files of ``split`` ("train"/"test") in ``directory``, or None."""
    prefix = _PREFIX.get(split)
    if prefix is None or not os.path.isdir(directory):
        return None
    images, labels = _find(directory, f"{prefix}-images-idx3-ubyte"), _find(directory, f"{prefix}-labels-idx1-ubyte")
    return (images, labels) if images and labels else None


def load_split(directory: str, split: str) -> tuple[np.ndarray, np.ndarray]:
    found = find_split(directory, split)
    if found is None:
        raise FileNotFoundError(f"No IDX files for split {split!r} under {directory}.")
    images, labels = read_idx(found[0]), read_idx(found[1])
    if len(images) != len(labels):
        raise ValueError(f"{directory}: {len(images)} images but {len(labels)} labels in split {split!r}.")
    return images, labels.astype(np.int64)
