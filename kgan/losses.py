"""Adversarial losses: pure functions of the discriminator's logits.

Each loss is a small serializable object with two methods,
``discriminator_loss(real_logits, fake_logits)`` and
``generator_loss(fake_logits)``, both returning a scalar to *minimise*
(a loss that sets ``needs_real_in_generator_phase``, the relativistic one,
gets ``generator_loss(fake_logits, real_logits)``).
Look one up by name with `get`:

```python
loss = kgan.losses.get("hinge")
kgan.losses.names()   # ['hinge', 'least_squares', 'minimax', 'non_saturating', 'relativistic', 'wasserstein']
```

| name | discriminator loss | generator loss |
|---|---|---|
| `minimax` | -log D(x) - log(1 - D(G(z))) | log(1 - D(G(z))) |
| `non_saturating` | same as minimax | -log D(G(z)) |
| `wasserstein` | C(G(z)) - C(x) | -C(G(z)) |
| `least_squares` | ½(C(x) - 1)² + ½C(G(z))² | ½(C(G(z)) - 1)² |
| `hinge` | max(0, 1 - C(x)) + max(0, 1 + C(G(z))) | -C(G(z)) |
| `relativistic` | softplus(C(G(z)) - C(x)) | softplus(C(x) - C(G(z))) |

D = sigmoid(logits); C = the raw discriminator output (a critic). Every
expectation is a mean over the batch; `relativistic` pairs real and fake
samples by batch index.
"""

from __future__ import annotations

import keras
from keras import ops

from kgan._serializable import ConfigObject

__all__ = [
    "AdversarialLoss",
    "Minimax",
    "NonSaturating",
    "Wasserstein",
    "LeastSquares",
    "Hinge",
    "Relativistic",
    "get",
    "names",
]

_REGISTRY: dict[str, type] = {}
# Common spellings from papers and other libraries.
_ALIASES = {
    "gan": "minimax",
    "vanilla": "minimax",
    "nsgan": "non_saturating",
    "wgan": "wasserstein",
    "lsgan": "least_squares",
    "rpgan": "relativistic",
    # Keras' names for the losses that mean the same in a GAN (on logits: see `get`).
    "binary_crossentropy": "non_saturating",
    "bce": "non_saturating",
    "mean_squared_error": "least_squares",
    "mse": "least_squares",
}


def _register(cls):
    _REGISTRY[cls.loss_name] = cls
    return keras.saving.register_keras_serializable(package="kgan")(cls)


class AdversarialLoss(ConfigObject):
    """Base class: a GAN objective expressed on discriminator logits.

    Subclasses set ``loss_name`` and implement the two loss methods.
    ``score`` turns logits into what `GAN` reports as ``d_real`` and
    ``d_fake``: a probability for the sigmoid losses, the raw critic value
    for the others.

    Example, a custom loss usable as ``gan.compile(loss=MyLoss())``:

    ```python
    @keras.saving.register_keras_serializable(package="my")
    class MyLoss(kgan.losses.AdversarialLoss):
        loss_name = "mine"
        def discriminator_loss(self, real_logits, fake_logits):
            return ops.mean(ops.softplus(-real_logits)) + ops.mean(ops.softplus(fake_logits))
        def generator_loss(self, fake_logits):
            return ops.mean(ops.softplus(-fake_logits))
    ```
    """

    loss_name: str = "custom"
    #: True when ``score`` is sigmoid(logits), i.e. D outputs a probability.
    probabilistic: bool = False
    #: True when the generator's loss also reads D's logits on the real batch (a relativistic
    #: loss): the G update then runs D on real data too (without moving its BatchNorm
    #: statistics) and calls ``generator_loss(fake_logits, real_logits)``; False (the default):
    #: ``generator_loss(fake_logits)``, and nothing unused runs.
    needs_real_in_generator_phase: bool = False

    def discriminator_loss(self, real_logits, fake_logits):
        raise NotImplementedError

    def generator_loss(self, fake_logits, real_logits=None):
        """G's loss; ``real_logits`` is passed only when ``needs_real_in_generator_phase`` is set."""
        raise NotImplementedError

    def score(self, logits):
        """What D "says" about a batch: probability or critic value."""
        return ops.sigmoid(logits) if self.probabilistic else logits

    def __eq__(self, other):
        return type(self) is type(other) and self.get_config() == other.get_config()

    def __hash__(self):
        return hash((type(self), tuple(sorted(self.get_config().items()))))


class _SigmoidCrossEntropy(AdversarialLoss):
    """Shared D loss of the two original GAN objectives (Goodfellow et al. 2014).

    ``label_smoothing`` is one-sided (Salimans et al. 2016): the real target
    becomes ``1 - label_smoothing``; the fake target stays 0.
    """

    probabilistic = True

    def __init__(self, label_smoothing: float = 0.0):
        label_smoothing = float(label_smoothing)
        if not 0.0 <= label_smoothing < 1.0:
            raise ValueError(
                f"label_smoothing must be in [0, 1), got {label_smoothing}. "
                "Typical one-sided smoothing uses 0.1."
            )
        self.label_smoothing = label_smoothing

    def discriminator_loss(self, real_logits, fake_logits):
        target = 1.0 - self.label_smoothing
        # BCE(l, t) = t * softplus(-l) + (1 - t) * softplus(l), stable for any logit.
        real = target * ops.softplus(-real_logits) + (1.0 - target) * ops.softplus(real_logits)
        return ops.mean(real) + ops.mean(ops.softplus(fake_logits))

    def get_config(self):
        return {"label_smoothing": self.label_smoothing}


@_register
class Minimax(_SigmoidCrossEntropy):
    """The original minimax game: G minimises log(1 - D(G(z))).

    Its generator gradient vanishes when D confidently rejects the fakes,
    which is why `NonSaturating` is the usual choice.
    """

    loss_name = "minimax"

    def generator_loss(self, fake_logits):
        # log(1 - sigmoid(l)) = -softplus(l)
        return -ops.mean(ops.softplus(fake_logits))


@_register
class NonSaturating(_SigmoidCrossEntropy):
    """The non-saturating heuristic: G maximises log D(G(z)). The default."""

    loss_name = "non_saturating"

    def generator_loss(self, fake_logits):
        return ops.mean(ops.softplus(-fake_logits))


@_register
class Wasserstein(AdversarialLoss):
    """WGAN critic loss (Arjovsky et al. 2017).

    Needs a Lipschitz constraint on the critic: add
    ``kgan.terms.GradientPenalty`` (WGAN-GP) or use spectral normalisation.
    """

    loss_name = "wasserstein"

    def discriminator_loss(self, real_logits, fake_logits):
        return ops.mean(fake_logits) - ops.mean(real_logits)

    def generator_loss(self, fake_logits):
        return -ops.mean(fake_logits)


@_register
class LeastSquares(AdversarialLoss):
    """LSGAN (Mao et al. 2017) with targets a=0 (fake), b=1 (real), c=1."""

    loss_name = "least_squares"

    def discriminator_loss(self, real_logits, fake_logits):
        return 0.5 * ops.mean(ops.square(real_logits - 1.0)) + 0.5 * ops.mean(
            ops.square(fake_logits)
        )

    def generator_loss(self, fake_logits):
        return 0.5 * ops.mean(ops.square(fake_logits - 1.0))


@_register
class Hinge(AdversarialLoss):
    """Hinge loss (Lim & Ye 2017; used by SAGAN and BigGAN)."""

    loss_name = "hinge"

    def discriminator_loss(self, real_logits, fake_logits):
        return ops.mean(ops.relu(1.0 - real_logits)) + ops.mean(ops.relu(1.0 + fake_logits))

    def generator_loss(self, fake_logits):
        return -ops.mean(fake_logits)


@_register
class Relativistic(AdversarialLoss):
    """Relativistic pairing GAN, RpGAN (Jolicoeur-Martineau 2019; the loss of R3GAN, Huang et al. 2024).

    D learns that each real sample looks more real than the fake paired with it (same
    batch index), and G the reverse::

        D loss = E[softplus(C(G(z)) - C(x))]      G loss = E[softplus(C(x) - C(G(z)))]

    G's loss reads D's logits on the real batch too (``needs_real_in_generator_phase``), so the
    G update runs D on real data (one call on [real; fake] when D has no BatchNorm). R3GAN pairs
    it with the zero-centred penalties `kgan.terms.R1Penalty` and `kgan.terms.R2Penalty`.
    ``d_real``/``d_fake`` report the raw critic values: their difference is the mean relativistic
    logit, whose sigmoid is how sure D is that real beats fake.

    ```python
    gan.compile(loss="relativistic", terms=[kgan.terms.R1Penalty(1.0), kgan.terms.R2Penalty(1.0)])
    ```
    """

    loss_name = "relativistic"
    needs_real_in_generator_phase = True

    def discriminator_loss(self, real_logits, fake_logits):
        return ops.mean(ops.softplus(fake_logits - real_logits))

    def generator_loss(self, fake_logits, real_logits=None):
        if real_logits is None:
            raise ValueError("Relativistic.generator_loss needs D's logits on the real batch too: "
                             "generator_loss(fake_logits, real_logits) (kgan.GAN passes them).")
        return ops.mean(ops.softplus(real_logits - fake_logits))


def names() -> list[str]:
    """The registered loss names accepted by `get` and ``GAN.compile``."""
    return sorted(_REGISTRY)


def _from_keras(loss) -> AdversarialLoss:
    """The kgan loss a Keras loss means when D outputs logits, or a ValueError naming the one to use."""
    kind = type(loss).__name__
    config = loss.get_config()
    if kind == "BinaryCrossentropy":
        if not config.get("from_logits"):
            raise ValueError(
                "keras.losses.BinaryCrossentropy() expects probabilities (from_logits=False), but kgan's losses "
                "take D's logits: end the discriminator with Dense(1) and no sigmoid, and pass "
                "keras.losses.BinaryCrossentropy(from_logits=True) or loss='non_saturating' (the same)."
            )
        smoothing = float(config.get("label_smoothing") or 0.0)
        if smoothing:
            raise ValueError(
                f"Keras' label_smoothing={smoothing:g} is two-sided (targets {1 - smoothing / 2:g} and "
                f"{smoothing / 2:g}); GANs smooth the real target only (Salimans et al. 2016). Pass "
                f"loss=kgan.losses.NonSaturating(label_smoothing={smoothing / 2:g}): real target "
                f"{1 - smoothing / 2:g}, fake target 0."
            )
        return NonSaturating()
    if kind == "Hinge":
        return Hinge()
    if kind == "MeanSquaredError":
        return LeastSquares()
    raise ValueError(
        f"keras.losses.{kind} has no kgan adversarial loss of the same meaning. Pass one of "
        f"{', '.join(names())} by name (BinaryCrossentropy(from_logits=True) is 'non_saturating', Hinge "
        "'hinge', MeanSquaredError 'least_squares'), or subclass kgan.losses.AdversarialLoss."
    )


def get(identifier) -> AdversarialLoss:
    """Return a loss object from a name, a config dict, a loss object or a Keras loss.

    Names are case-insensitive and accept dashes (``"least-squares"``) and
    the aliases ``gan``, ``vanilla``, ``nsgan``, ``wgan``, ``lsgan``, ``rpgan`` and
    Keras' ``binary_crossentropy``/``bce`` (non-saturating) and
    ``mean_squared_error``/``mse`` (least squares). Keras loss objects map
    where they mean the same on D's logits:

    ```python
    kgan.losses.get(keras.losses.BinaryCrossentropy(from_logits=True))  # NonSaturating()
    kgan.losses.get(keras.losses.Hinge())                               # Hinge()
    kgan.losses.get(keras.losses.MeanSquaredError())                    # LeastSquares() (LSGAN, 0/1 targets)
    ```

    Raises:
        ValueError: for an unknown name, or a Keras loss with no kgan
            equivalent (``from_logits=False``, two-sided label smoothing,
            other classes); the message names the kgan loss to use.
        TypeError: for anything that is not a name, dict or loss object.
    """
    if identifier is None:
        return NonSaturating()
    if isinstance(identifier, AdversarialLoss):
        return identifier
    if isinstance(identifier, keras.losses.Loss):
        return _from_keras(identifier)
    if isinstance(identifier, str):
        key = identifier.strip().lower().replace("-", "_").replace(" ", "_")
        key = _ALIASES.get(key, key)
        if key not in _REGISTRY:
            raise ValueError(
                f"Unknown adversarial loss {identifier!r}. Valid names: "
                f"{', '.join(names())} (aliases: {', '.join(sorted(_ALIASES))}); "
                "or pass a kgan.losses.AdversarialLoss instance."
            )
        return _REGISTRY[key]()
    if isinstance(identifier, dict):
        obj = keras.saving.deserialize_keras_object(identifier)
        if not isinstance(obj, AdversarialLoss):
            raise TypeError(f"Config {identifier!r} does not describe a kgan.losses.AdversarialLoss.")
        return obj
    hint = ""
    if callable(identifier) and getattr(identifier, "__module__", "").startswith("keras"):
        hint = (f" For Keras' {getattr(identifier, '__name__', 'loss')} function pass its class "
                "(keras.losses.BinaryCrossentropy(from_logits=True)) or a kgan name.")
    raise TypeError(
        f"loss must be a name such as 'non_saturating', a kgan.losses.AdversarialLoss or a Keras loss "
        f"object; got {type(identifier).__name__}: {identifier!r}.{hint}"
    )
