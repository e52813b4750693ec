"""``tf.data`` pipelines for GAN training."""

from kgan.data.toy import gaussian_1d

__all__ = ["gaussian_1d"]
