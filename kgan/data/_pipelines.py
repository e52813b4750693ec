"""`kgan.data.images` on an existing ``tf.data`` pipeline: images, ``(image, label)`` or TFDS dicts.

```python
ds = tfds.load("mnist", split="train")                     # {"image": uint8, "label": int64}
batches = kgan.data.images(ds, batch_size=64, labels=True) # (images in [-1, 1], labels)
```

The pipeline is brought to unbatched ``(image,)`` / ``(image, label)`` tuples of HWC images;
`kgan.data.images` then scales, shuffles and batches it like any other source.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

#: Where TFDS keeps the image and the label of an example.
IMAGE_KEY, LABEL_KEY = "image", "label"
_SAMPLE = 1024  # elements read to infer the value range of float images


def _parts(spec):
    """-> (index or key of the image, of the label or None) in one element of ``spec``."""
    if isinstance(spec, dict):
        if IMAGE_KEY not in spec:
            raise ValueError(f"The dataset yields dicts without an {IMAGE_KEY!r} entry (keys: {sorted(spec)}): "
                             f"map it to images first, e.g. dataset.map(lambda d: d['<your image key>']).")
        return IMAGE_KEY, (LABEL_KEY if LABEL_KEY in spec else None)
    if isinstance(spec, (tuple, list)):
        if len(spec) != 2:
            raise ValueError(f"The dataset yields tuples of {len(spec)} items; images() takes images, "
                             "(image, label) pairs or TFDS dicts with 'image' and 'label'.")
        return 0, 1
    return None, None


def from_dataset(dataset: tf.data.Dataset, labels, need_sample: bool = True):
    """-> (unbatched dataset of ``(image,)`` or ``(image, label)``, size or None, a NumPy sample or None).

    The sample (up to 1024 images) is read only for float images whose value range must be
    inferred (``need_sample``); uint8 images are 0-255.
    """
    spec = dataset.element_spec
    image_at, label_at = _parts(spec)
    if labels is True and label_at is None:
        raise ValueError("labels=True but the dataset yields images alone: pass a dataset of (image, label) pairs "
                         f"or of dicts with {IMAGE_KEY!r} and {LABEL_KEY!r}.")
    image_spec = spec if image_at is None else spec[image_at]
    keep_label = bool(labels) and label_at is not None

    def split(*element):  # tf.data passes a tuple's items as separate arguments
        element = element[0] if len(element) == 1 else element
        image = element if image_at is None else element[image_at]
        return (image, element[label_at]) if keep_label else (image,)

    ds = dataset.map(split, num_parallel_calls=tf.data.AUTOTUNE)
    rank = image_spec.shape.rank
    if rank is None:
        raise ValueError("The dataset's images have an unknown rank: give them a static shape, e.g. with "
                         "dataset.map(lambda x: tf.ensure_shape(x, (28, 28, 1))).")
    last = image_spec.shape[-1] if rank else None
    batched = rank == 4 or (rank == 3 and last not in (1, 2, 3, 4))  # (batch, h, w[, c]) rather than (h, w[, c])
    if batched:
        ds = ds.unbatch()
        rank -= 1
    if rank == 2:  # grayscale (h, w): add the channel axis
        ds = ds.map(lambda image, *label: (image[..., None], *label), num_parallel_calls=tf.data.AUTOTUNE)
    elif rank != 3:
        raise ValueError(f"The dataset's images have shape {tuple(image_spec.shape)}; images() takes "
                         "(h, w, c) or (h, w) images, or batches of them.")
    size = int(dataset.cardinality())
    size = size if size >= 0 and not batched else None  # unknown/infinite, or counted in batches
    sample = None
    if image_spec.dtype != tf.uint8 and need_sample:
        sample = np.concatenate([np.asarray(e[0])[None] for e in ds.take(_SAMPLE).as_numpy_iterator()] or
                                [np.zeros((0, 1, 1, 1), "float32")])
    return ds, size, sample
