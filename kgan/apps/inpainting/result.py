"""`InpaintResult`: what `inpaint` returns, and the figure that shows it.

A plain record of NumPy arrays (nothing here touches the GAN), so it can be
kept, compared and drawn after the search is over.

```python
result = kgan.apps.inpaint(images, "center", gan)
result.contextual_loss                      # per image, next to result.initial_contextual_loss
png = result.figure(original=images)        # uint8 rows: masked input | G(z) | blended | original
```
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from kgan import pixels
from kgan.apps.inpainting._inputs import _as_batch

__all__ = ["InpaintResult"]


@dataclass
class InpaintResult:
    """What `inpaint` found, one entry per image.

    Attributes:
        images: the blended result ``(N, H, W, C)`` in [-1, 1]: the known
            pixels exactly as given, the hole from the generator.
        generated: the raw generation ``G(z)`` for the best code.
        latent: the best code ``z`` per image.
        mask: the mask used, broadcast to the images' shape (1 = known).
        contextual_loss, perceptual_loss: the final losses per image
            (weighted L1 to the known pixels; the adversarial generator loss).
        initial_contextual_loss: the contextual loss of the starting code.
        history: mean contextual loss over all searched codes at each step.
        settings: the search's settings (steps, weights, blend, ...).
    """

    images: np.ndarray
    generated: np.ndarray
    latent: np.ndarray
    mask: np.ndarray
    contextual_loss: np.ndarray
    perceptual_loss: np.ndarray
    initial_contextual_loss: np.ndarray
    history: np.ndarray
    settings: dict = field(default_factory=dict)
    seconds: float = 0.0

    def masked(self, fill: float = 0.0) -> np.ndarray:
        """The input as the search saw it: missing pixels set to ``fill`` (mid-grey)."""
        return np.where(self.mask > 0, self.images, np.float32(fill)).astype(np.float32)

    def figure(self, original=None, extra=None, max_rows: int = 8) -> np.ndarray:
        """A uint8 picture, one row per image: masked input | [extra ...] | G(z) | blended | [original].

        ``extra``: a dict ``{name: images}`` of other fills (baselines) to
        show between the input and the GAN's result.
        """
        k = min(len(self.images), max_rows)
        columns = [self.masked()[:k], *[np.asarray(v)[:k] for v in (extra or {}).values()],
                   self.generated[:k], self.images[:k]]
        if original is not None:
            columns.append(_as_batch(original, "original")[:k])
        tiles = np.stack(columns, axis=1).reshape(-1, *self.images.shape[1:])
        return pixels.image_grid(tiles, cols=len(columns))

    def __repr__(self):
        return (f"InpaintResult({len(self.images)} image(s) {self.images.shape[1:]}, contextual loss "
                f"{float(self.initial_contextual_loss.mean()):.4g} -> {float(self.contextual_loss.mean()):.4g}, "
                f"perceptual loss {float(self.perceptual_loss.mean()):.4g}, {self.settings.get('steps')} steps)")
