"""Network architectures as functions returning ``keras.Model``."""

from kgan.nets.dcgan import dcgan_discriminator, dcgan_generator
from kgan.nets.info import with_code_head
from kgan.nets.mlp import mlp
from kgan.nets.srgan import SubPixelUpsampling, sr_discriminator, sr_generator
from kgan.nets.text import matching_aware_discriminator, text_conditional_generator, text_encoder, text_vectorizer

__all__ = ["dcgan_discriminator", "dcgan_generator", "mlp", "SubPixelUpsampling", "sr_discriminator", "sr_generator", "with_code_head", "matching_aware_discriminator", "text_conditional_generator", "text_encoder", "text_vectorizer"]
