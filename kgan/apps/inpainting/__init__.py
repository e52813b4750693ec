"""Image inpainting with a trained GAN (Yeh et al. 2016), and the simple fills to compare it with.

Semantic inpainting searches the generator's latent space for the code whose
image best matches the known pixels (the *contextual* loss) while the
discriminator still finds it real (the *perceptual* loss), then blends that
image into the hole. Nothing is trained: any unconditional `kgan.GAN` works.

```python
gan = kgan.GAN.from_file("runs/dcgan/gan.keras")
result = kgan.apps.inpaint(images, "center", gan)        # or a mask array: 1 = known pixel, 0 = missing
kgan.apps.save_png("inpainted.png", result.figure())    # masked input | G(z) | blended

from kgan.apps import inpainting
filled = inpainting.diffusion_fill(images, result.mask)  # a baseline, same mask
```

**Mask convention**: ``1`` marks a known pixel, ``0`` a missing one (the
``M`` of the paper). A mask is ``(H, W)``, ``(H, W, 1)``, ``(H, W, C)``,
``(N, H, W)`` or ``(N, H, W, 1|C)`` and is broadcast over the images; its
values must be exactly 0 or 1 (bool is fine). A mask that marks the *hole*
with 1 is the inverse: pass ``1 - mask``.

The package, in the order the pieces build on each other: ``masks`` (the
holes and the mask check), ``fills`` (the baselines and Poisson blending, one
solver), ``result`` (`InpaintResult` and its figure), ``search`` (the latent
search and `inpaint`). Everything public is importable from here.
"""

from kgan.apps.inpainting.fills import BASELINES, diffusion_fill, mean_fill, nearest_fill, poisson_blend
from kgan.apps.inpainting.masks import MASKS, center_mask, masked_view, random_mask
from kgan.apps.inpainting.result import InpaintResult
from kgan.apps.inpainting.search import BLENDS, WEIGHTINGS, contextual_weights, inpaint

# `kgan inpaint` (kgan/_cli_inpaint.py) checks the model with the private inpainting._load_gan and
# inpainting._output_shape before it reads any image: re-exported (redundant aliases), as before the split.
from kgan.apps.inpainting.search import _load_gan as _load_gan
from kgan.apps.inpainting.search import _output_shape as _output_shape

__all__ = [
    "BASELINES",
    "BLENDS",
    "MASKS",
    "WEIGHTINGS",
    "InpaintResult",
    "center_mask",
    "contextual_weights",
    "diffusion_fill",
    "inpaint",
    "masked_view",
    "mean_fill",
    "nearest_fill",
    "poisson_blend",
    "random_mask",
]
