"""InfoGAN's Q network as a head on the discriminator (Chen et al. 2016).

Q shares D's body, as in the paper: one extra hidden layer on D's features,
then one logit vector per categorical code and a mean (and optionally a
log-variance) per continuous code. The result is still one discriminator
model whose output dict `kgan.terms.MutualInformation` reads.

```python
code = kgan.latent.InfoCode(noise=62, categorical=[10], continuous=2)
D = kgan.nets.with_code_head(kgan.nets.dcgan_discriminator((28, 28, 1)), code)
D(x).keys()   # logits, features, cat0_logits, cont_mean
```
"""

from __future__ import annotations

import keras

# The output names are the contract with kgan.terms.MutualInformation, kept in the ground floor.
from kgan._nets import CONTINUOUS_LOGVAR, CONTINUOUS_MEAN, categorical_key

__all__ = ["with_code_head"]


def with_code_head(discriminator: keras.Model, code, hidden: int = 128, learn_variance: bool = False,
                   name: str | None = None) -> keras.Model:
    """A discriminator that also predicts the InfoGAN code of its input.

    Args:
        discriminator: a functional model returning logits, or a dict with
            ``"logits"`` (and ``"features"``, which the head then reads;
            otherwise it reads the input of D's last layer).
        code: the `kgan.latent.InfoCode` the generator is fed.
        hidden: units of Q's hidden layer (the paper: 128).
        learn_variance: also predict a log-variance per continuous code
            (the Gaussian likelihood is then fully learned; off: unit variance,
            the InfoGAN reference code's choice, which is more stable).
    """
    if not getattr(discriminator, "inputs", None):
        raise ValueError("with_code_head needs a functional discriminator (built with keras.Input).")
    outputs = discriminator.output
    if isinstance(outputs, dict):
        if "logits" not in outputs:
            raise ValueError(f"The discriminator's output dict has no 'logits' (keys: {sorted(outputs)}).")
        outputs = dict(outputs)
        features = outputs.get("features", discriminator.layers[-1].input)
    else:
        features = discriminator.layers[-1].input
        outputs = {"logits": outputs}
    taken = [k for k in outputs if k.startswith("cat") or k.startswith("cont_")]
    if taken:
        raise ValueError(f"The discriminator already has code outputs {taken}: add the head once.")
    h = keras.layers.Flatten(name="q_flatten")(features) if len(features.shape) > 2 else features
    h = keras.layers.Dense(hidden, name="q_hidden")(h)
    h = keras.layers.LeakyReLU(negative_slope=0.2, name="q_act")(h)
    for i, k in enumerate(code.categorical):
        outputs[categorical_key(i)] = keras.layers.Dense(k, dtype="float32", name=categorical_key(i))(h)
    if code.continuous:
        outputs[CONTINUOUS_MEAN] = keras.layers.Dense(code.continuous, dtype="float32", name=CONTINUOUS_MEAN)(h)
        if learn_variance:
            outputs[CONTINUOUS_LOGVAR] = keras.layers.Dense(
                code.continuous, dtype="float32", name=CONTINUOUS_LOGVAR)(h)
    return keras.Model(discriminator.inputs if len(discriminator.inputs) > 1 else discriminator.input, outputs,
                       name=name or f"{discriminator.name}_with_q")
