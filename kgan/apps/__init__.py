"""Applications on top of a trained GAN: evaluation, latent walks and arithmetic, discriminator probes.

Also the picture helpers they share: `image_grid` tiles a batch into one image,
`save_png` writes it.
"""

from kgan._grid import image_grid, save_png
from kgan.apps import evaluation, latent, probe

__all__ = ["evaluation", "image_grid", "latent", "probe", "save_png"]
