"""Contrastive image-text matching (Zhang et al. 2021, XMC-GAN): each image must pick its own caption.

```python
D = kgan.nets.matching_aware_discriminator(shape, vocab, joint_dim=64)   # adds the two embeddings
gan.compile(terms=[kgan.terms.MatchingAware(), kgan.terms.ContrastiveMatching()])
```
"""

from __future__ import annotations

import keras
from keras import ops

from kgan.terms.base import Step, Term

__all__ = ["IMAGE_EMBEDDING", "TEXT_EMBEDDING", "ContrastiveMatching", "contrastive_loss"]

IMAGE_EMBEDDING = "image_embedding"
TEXT_EMBEDDING = "text_embedding"


def contrastive_loss(image_embedding, text_embedding, temperature: float, both_ways: bool = True):
    """InfoNCE over a batch: image ``i`` against every caption ``j`` (and caption against image).

    Scores are cosine similarities divided by ``temperature``. The target of row ``i``
    is spread evenly over the captions identical to caption ``i`` (equal text
    embeddings), so a batch that holds one caption twice does not call either copy wrong.

    ```python
    contrastive_loss(np.eye(3), np.eye(3), 0.1)   # ~ 0: each image scores its own caption highest
    ```
    """
    image = ops.normalize(ops.cast(image_embedding, "float32"), axis=-1)
    text = ops.cast(text_embedding, "float32")
    same = ops.cast(ops.all(ops.equal(text[:, None, :], text[None, :, :]), axis=-1), "float32")
    targets = same / ops.sum(same, axis=-1, keepdims=True)
    scores = ops.matmul(image, ops.transpose(ops.normalize(text, axis=-1))) / temperature
    loss = ops.mean(keras.losses.categorical_crossentropy(targets, scores, from_logits=True))
    if both_ways:  # caption i against every image; ``same`` is symmetric
        loss = 0.5 * (loss + ops.mean(keras.losses.categorical_crossentropy(
            targets, ops.transpose(scores), from_logits=True)))
    return loss


@keras.saving.register_keras_serializable(package="kgan")
class ContrastiveMatching(Term):
    """D learns a joint image-text space; G is rewarded when its image picks out its own caption.

    D's outputs must include ``"image_embedding"`` and ``"text_embedding"`` (build D with
    `kgan.nets.matching_aware_discriminator(..., joint_dim=k)`). D phase: the symmetric
    InfoNCE loss of real images against their captions in the batch; generator phase: the
    same for generated images (image to caption), through D's embeddings. Where GAN-CLS
    (`MatchingAware`) tells D one wrong caption per image, this compares each image with
    all of the batch's captions at once, and gives G a direct, per-sample signal that its
    image shows *this* caption rather than any realistic one: the text analogue of
    AC-GAN's auxiliary classifier (XMC-GAN's image-text contrastive loss).

    Value: the mean cross-entropy of the softmax over the batch's captions (``log n`` for
    an image that matches nothing better than chance, 0 when it picks its own caption).
    """

    def __init__(self, weight: float = 1.0, temperature: float = 0.1, name: str | None = None):
        super().__init__(weight=weight, name=name)
        temperature = float(temperature)
        if not temperature > 0.0:
            raise ValueError(f"temperature must be > 0 (0.1 is XMC-GAN's), got {temperature}.")
        self.temperature = temperature

    def build(self, gan):
        keys = gan.discriminator_output_keys()
        missing = [k for k in (IMAGE_EMBEDDING, TEXT_EMBEDDING) if keys is not None and k not in keys]
        if missing:
            raise ValueError(f"ContrastiveMatching needs D outputs {missing}: build D with "
                             "kgan.nets.matching_aware_discriminator(..., joint_dim=64), or return both "
                             "embeddings from your own D's output dict.")

    def discriminator_loss(self, step: Step):
        return contrastive_loss(step.d_real[IMAGE_EMBEDDING], step.d_real[TEXT_EMBEDDING], self.temperature)

    def generator_loss(self, step: Step):
        return contrastive_loss(step.d_fake[IMAGE_EMBEDDING], step.d_fake[TEXT_EMBEDDING], self.temperature,
                                both_ways=False)

    def get_config(self):
        return {**super().get_config(), "temperature": self.temperature}
