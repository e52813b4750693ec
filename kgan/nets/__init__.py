"""Network architectures as functions returning ``keras.Model``."""

from kgan.nets.augmented import augmented
from kgan.nets.batch_norm import standing_statistics
from kgan.nets.dcgan import dcgan_discriminator, dcgan_generator
from kgan.nets.info import with_code_head
from kgan.nets.mlp import mlp, mlp_image_discriminator, mlp_image_generator
from kgan.nets.srgan import SubPixelUpsampling, sr_discriminator, sr_generator
from kgan.nets.text import matching_aware_discriminator, text_conditional_generator, text_encoder, text_vectorizer

__all__ = ["augmented", "dcgan_discriminator", "dcgan_generator", "mlp", "mlp_image_discriminator", "mlp_image_generator", "SubPixelUpsampling", "sr_discriminator", "sr_generator", "standing_statistics", "with_code_head", "matching_aware_discriminator", "text_conditional_generator", "text_encoder", "text_vectorizer"]
