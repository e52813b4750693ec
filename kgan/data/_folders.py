"""Folders of image files as tf.data pipelines, with every file checked before training starts."""

from __future__ import annotations

import os

import keras
import tensorflow as tf

from kgan import pixels

_IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")


def check_image_files(files, folder) -> None:
    """Refuse a folder holding files that cannot be decoded, naming them and the fix.

    TensorFlow would stop with a DecodeImage error at whichever batch first holds such a file,
    possibly an hour into training; reading each file's first and last bytes takes about a
    second for 60,000 files.
    """
    bad = [(f, problem) for f in files if (problem := pixels.image_file_problem(f))]
    if bad:
        listed = "; ".join(f"{os.path.relpath(f, folder)}: {problem}" for f, problem in bad[:5])
        more = f" (and {len(bad) - 5} more)" if len(bad) > 5 else ""
        raise ValueError(
            f"{len(bad)} of {len(files)} image files under {folder} cannot be read: {listed}{more}. "
            "Delete or move them out of the folder (every .png/.jpg/.jpeg/.bmp/.gif file under it is "
            "read), then run again."
        )


def folder_dataset(path, labels, image_size, channels):
    """-> (unbatched dataset of uint8 (image,) or (image, label) tuples, number of files)."""
    files = sorted(
        os.path.join(root, f) for root, _, names in os.walk(path) for f in names
        if f.lower().endswith(_IMAGE_EXTENSIONS)
    )
    if not files:
        raise FileNotFoundError(f"No image files ({', '.join(_IMAGE_EXTENSIONS)}) under {path}.")
    check_image_files(files, path)
    if image_size is None or channels is None:
        # Look at a sample of files, not just the first: a grayscale first file must not turn
        # every colour image grey, and differing sizes need an explicit target size.
        seen = [tf.io.decode_image(tf.io.read_file(f), expand_animations=False).shape for f in files[:50]]
        sizes = {tuple(shape[:2]) for shape in seen}
        if image_size is None and len(sizes) > 1:
            raise ValueError(
                f"The images under {path} have different sizes ({sorted(sizes)[:4]}...): pass "
                "image_size=(height, width) to resize them all."
            )
        image_size = image_size or sizes.pop()
        channels = channels or (3 if any(shape[-1] >= 3 for shape in seen) else 1)
    subdirs = [d for d in os.listdir(path) if os.path.isdir(os.path.join(path, d))]
    if labels and not subdirs:
        raise ValueError(
            f"labels=True needs one sub-folder per class under {path} (e.g. {path}/cat/*.png); "
            "this folder has none."
        )
    ds = keras.utils.image_dataset_from_directory(
        path, labels="inferred" if labels else None, label_mode="int" if labels else None,
        color_mode={1: "grayscale", 3: "rgb", 4: "rgba"}.get(channels, "rgb"), image_size=tuple(image_size),
        batch_size=None, shuffle=False, verbose=False,
    )
    # Values are floats in [0, 255] after resizing; uint8 makes the cache four times smaller.
    to_uint8 = lambda im: tf.cast(tf.clip_by_value(tf.round(im), 0, 255), tf.uint8)  # noqa: E731
    ds = ds.map(lambda im, y: (to_uint8(im), y)) if labels else ds.map(lambda im: (to_uint8(im),))
    # A file whose header is whole but whose data is not (rare after check_image_files) is skipped
    # with a logged warning rather than stopping training mid-epoch with a DecodeImage error.
    return ds.ignore_errors(log_warning=True), len(files)
