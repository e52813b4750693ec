"""``tf.data`` pipelines for GAN training: images from any source, and the 1-D toy data."""

from kgan.data.captions import (
    caption_pairs,
    fashion_mnist_captions,
    fashion_mnist_phrasings,
    fashion_mnist_with_captions,
)
from kgan.data.images import DatasetNotFoundError, image_arrays, images
from kgan.data.toy import gaussian_1d

__all__ = ["DatasetNotFoundError", "caption_pairs", "fashion_mnist_captions", "fashion_mnist_phrasings",
           "fashion_mnist_with_captions", "gaussian_1d", "image_arrays", "images"]
