"""Text-to-image terms (Reed et al. 2016): the matching-aware D loss (GAN-CLS) and text interpolation (GAN-INT).

```python
gan = kgan.GAN(G, D, latent=kgan.latent.Normal(100))     # G([z, captions]), D([images, captions])
gan.compile(terms=[kgan.terms.MatchingAware(), kgan.terms.TextInterpolation()])
gan.fit(image_caption_batches, epochs=5)                 # reports matching_aware, text_interpolation
```
"""

from __future__ import annotations

import keras
from keras import ops

from kgan import _nets
from kgan import losses as losses_lib
from kgan.terms.base import Step, Term

__all__ = ["MatchingAware", "TextInterpolation", "fake_part", "mismatched"]


def mismatched(condition, shift: int = 1):
    """Each sample's condition replaced by another sample's: the batch rolled by ``shift``.

    With a shuffled batch this pairs every image with a random other caption
    and never with its own (for ``0 < shift < batch``).
    """
    return keras.tree.map_structure(lambda c: ops.roll(c, shift, axis=0), condition)


def fake_part(loss_fn, logits):
    """The part of ``loss_fn``'s D loss that pushes ``logits`` towards "fake".

    Every kgan loss is a sum ``A(real) + B(fake)``; this is ``B``. A custom
    `kgan.losses.AdversarialLoss` provides it as a ``fake_loss(logits)`` method.
    """
    own = getattr(loss_fn, "fake_loss", None)
    if callable(own):
        return own(logits)
    if isinstance(loss_fn, (losses_lib.Minimax, losses_lib.NonSaturating)):
        return ops.mean(ops.softplus(logits))  # -log(1 - sigmoid(l))
    if isinstance(loss_fn, losses_lib.Wasserstein):
        return ops.mean(logits)
    if isinstance(loss_fn, losses_lib.LeastSquares):
        return 0.5 * ops.mean(ops.square(logits))
    if isinstance(loss_fn, losses_lib.Hinge):
        return ops.mean(ops.relu(1.0 + logits))
    raise TypeError(
        f"Cannot tell which part of {type(loss_fn).__name__}'s discriminator loss is the 'fake' half: give "
        "the loss a fake_loss(logits) method (the term D minimises on generated samples)."
    )


def _check_conditional(term, gan):
    if not _nets.is_conditional(gan.generator):
        raise ValueError(
            f"{type(term).__name__} needs a conditional GAN (G takes [z, caption], D takes [x, caption]); "
            "this GAN's generator takes z alone."
        )


@keras.saving.register_keras_serializable(package="kgan")
class MatchingAware(Term):
    """GAN-CLS: D must also call a *real* image with a *mismatching* caption fake.

    Reed et al.'s matching-aware discriminator sees three kinds of pairs:
    (real image, matching text) -> real, (fake image, matching text) -> fake
    (both in the adversarial loss already), and (real image, mismatching
    text) -> fake, which this term adds to the D loss. The mismatching text
    is another sample's condition from the same batch (the batch rolled by
    ``shift``), so D can no longer accept any realistic image: it has to
    check the image against the text, and G's loss then rewards images that
    match their caption.

    Value: the fake half of the adversarial loss on D's logits for (real,
    mismatching) pairs, ``mean(softplus(logits)) = -mean(log(1 - D(x, t_wrong)))``
    for the sigmoid losses. The paper weights the two "fake" kinds 1/2 each
    against 1 for real pairs; here both fake kinds count fully (weight=1),
    which many reimplementations do; ``weight=0.5`` halves the mismatch part.

    With few distinct classes, a rolled caption sometimes describes the same
    kind of object (about 1 in 10 for Fashion-MNIST): D is then told a
    matching pair is fake; a little label noise the term tolerates.
    """

    def __init__(self, weight: float = 1.0, shift: int = 1, name: str | None = None):
        super().__init__(weight=weight, name=name)
        if isinstance(shift, bool) or not isinstance(shift, int) or shift < 1:
            raise ValueError(f"shift must be a positive integer (how far to roll the batch), got {shift!r}.")
        self.shift = shift

    def build(self, gan):
        _check_conditional(self, gan)
        fake_part(gan.loss_fn, ops.zeros((1, 1)))  # fails early for a loss without a fake half

    def discriminator_loss(self, step: Step):
        if step.condition is None:
            raise ValueError("MatchingAware needs (image, caption) batches: the data has no condition.")
        wrong = step.gan.discriminate(step.real, mismatched(step.condition, self.shift), training=step.training)
        return fake_part(step.gan.loss_fn, ops.cast(wrong["logits"], "float32"))

    def get_config(self):
        return {**super().get_config(), "shift": self.shift}


@keras.saving.register_keras_serializable(package="kgan")
class TextInterpolation(Term):
    """GAN-INT: G must also fool D on interpolations between two captions' embeddings.

    ``t = beta * phi(t1) + (1 - beta) * phi(t2)`` for each caption ``t1`` and
    another of the batch ``t2``; G's loss gains the adversarial generator loss
    of ``D(G(z, t), t)``. No real image matches such an embedding, but D has
    learnt whether image and text match, so satisfying it fills the gaps
    between captions (Reed et al. use ``beta = 0.5``).

    Needs networks built like `kgan.nets.text_conditional_generator` and
    `kgan.nets.matching_aware_discriminator`: each with a nested
    ``"text_encoder"`` model and a body (``"generator_body"``: ``[z, t]`` ->
    image; ``"discriminator_body"``: ``[image, t]`` -> outputs).
    """

    def __init__(self, beta: float = 0.5, weight: float = 1.0, shift: int = 1, name: str | None = None):
        super().__init__(weight=weight, name=name)
        beta = float(beta)
        if not 0.0 <= beta <= 1.0:
            raise ValueError(f"beta must be in [0, 1], got {beta}.")
        if isinstance(shift, bool) or not isinstance(shift, int) or shift < 1:
            raise ValueError(f"shift must be a positive integer, got {shift!r}.")
        self.beta, self.shift = beta, shift

    @staticmethod
    def parts(gan):
        """``(G's text encoder, G's body, D's text encoder, D's body)``; a clear error when missing."""
        found = []
        for net, body in ((gan.generator, _nets.GENERATOR_BODY), (gan.discriminator, _nets.DISCRIMINATOR_BODY)):
            try:
                found += [net.get_layer(_nets.TEXT_ENCODER), net.get_layer(body)]
            except ValueError:
                raise ValueError(
                    f"TextInterpolation needs nested '{_nets.TEXT_ENCODER}' and '{body}' models in "
                    f"{net.name!r}: build the networks with kgan.nets.text_conditional_generator and "
                    "kgan.nets.matching_aware_discriminator."
                ) from None
        return tuple(found)

    def build(self, gan):
        _check_conditional(self, gan)
        self.parts(gan)

    def generator_loss(self, step: Step):
        g_text, g_body, d_text, d_body = self.parts(step.gan)
        other = mismatched(step.condition, self.shift)

        def mix(encoder, net):
            a = step.run(encoder, step.condition, update_state=net is g_body)
            b = step.run(encoder, other, update_state=net is g_body)
            return self.beta * a + (1.0 - self.beta) * b

        fake = g_body([step.z, mix(g_text, g_body)], training=step.training)
        out = step.run(d_body, [fake, mix(d_text, d_body)], update_state=False)
        logits = out["logits"] if isinstance(out, dict) else out
        return step.gan.loss_fn.generator_loss(ops.cast(logits, "float32"))

    def get_config(self):
        return {**super().get_config(), "beta": self.beta, "shift": self.shift}
