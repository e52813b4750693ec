"""Applications on top of a trained GAN: evaluation, latent walks and arithmetic, discriminator probes,
semi-supervised classification, super-resolution, inpainting, text-to-image.

Also the picture helpers they share: `image_grid` tiles a batch into one image,
`save_png` writes it.
"""

from kgan.apps import evaluation, inpainting, latent, probe, semi_supervised, super_resolution, text_to_image
from kgan.apps.inpainting import inpaint
from kgan.apps.super_resolution import super_resolve
from kgan.pixels import image_grid, save_png

__all__ = ["evaluation", "image_grid", "latent", "probe", "save_png", "semi_supervised", "super_resolution", "super_resolve", "inpainting", "inpaint", "text_to_image"]
