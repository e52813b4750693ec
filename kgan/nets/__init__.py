"""Network architectures as functions returning ``keras.Model``."""

from kgan.nets.dcgan import dcgan_discriminator, dcgan_generator
from kgan.nets.info import with_code_head
from kgan.nets.mlp import mlp

__all__ = ["dcgan_discriminator", "dcgan_generator", "mlp", "with_code_head"]
