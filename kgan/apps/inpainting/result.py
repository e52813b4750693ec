"""`InpaintResult`: what `inpaint` returns, and the figure that shows it.

A plain record of NumPy arrays (nothing here touches the GAN), so it can be
kept, compared and drawn after the search is over.

```python
result = kgan.apps.inpaint(images, "center", gan)
result.contextual_loss                      # per image, next to result.initial_contextual_loss
png = result.figure(original=images)        # labelled uint8 rows: masked | G(z) | filled | original
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

    def figure(self, original=None, extra=None, max_rows: int = 8, min_cell: int = 64,
               labels: bool = True) -> np.ndarray:
        """A uint8 picture, one row per image: masked | [extra ...] | G(z) | filled | [original].

        Each column is labelled with its name above it, and small images are
        enlarged (nearest neighbour, by a whole factor) to ``min_cell`` pixels,
        so the figure is readable as it is (`kgan.pixels.figure`).

        Args:
            original: the images before masking, for a last column.
            extra: a dict ``{name: images}`` of other fills (baselines) to
                show between the input and the GAN's result.
            max_rows: images shown at most.
            min_cell: smallest cell side in pixels (1: the images' size).
            labels: write the column names above the columns.
        """
        k = min(len(self.images), max_rows)
        named = {"masked": self.masked()[:k], **{str(name): np.asarray(v)[:k] for name, v in (extra or {}).items()},
                 "G(z)": self.generated[:k], "filled": self.images[:k]}
        if original is not None:
            named["original"] = _as_batch(original, "original")[:k]
        columns = [pixels.to_uint8(v) if np.asarray(v).dtype != np.uint8 else np.asarray(v) for v in named.values()]
        tiles = np.stack(columns, axis=1).reshape(-1, *self.images.shape[1:])
        return pixels.figure(tiles, cols=len(columns), col_labels=list(named) if labels else None, min_cell=min_cell)

    def __repr__(self):
        return (f"InpaintResult({len(self.images)} image(s) {self.images.shape[1:]}, contextual loss "
                f"{float(self.initial_contextual_loss.mean()):.4g} -> {float(self.contextual_loss.mean()):.4g}, "
                f"perceptual loss {float(self.perceptual_loss.mean()):.4g}, {self.settings.get('steps')} steps)")
