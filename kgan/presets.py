"""Named GAN presets and the training recipe each one owns (networks, prior, optimizers).

`GAN.dcgan` and `GAN.infogan` call these; ``gan.compile()`` without optimizers then uses the
preset's recipe, so the paper's learning rates live here and nowhere else.

```python
gan = kgan.GAN.infogan((28, 28, 1))
gan.compile(terms=[kgan.terms.MutualInformation(gan.latent)])   # D Adam(2e-4), G Adam(1e-3)
kgan.presets.optimizers("infogan")                               # the same pair, fresh objects
```
"""

from __future__ import annotations

import keras

from kgan import latent as latent_lib

__all__ = ["INFOGAN_NETWORKS", "NAMES", "dcgan", "infogan", "optimizers"]

# The networks of GAN.infogan: the image MLPs (measured on 28x28 grayscale) or the DCGAN convolutions.
INFOGAN_NETWORKS = ("mlp", "dcgan")

# (D learning rate, G learning rate) of Adam with beta_1 = 0.5, per recipe.
_RATES = {
    None: (2e-4, 2e-4),       # DCGAN's recommendation, still the most reliable default
    "dcgan": (2e-4, 2e-4),    # Radford et al. 2016
    "infogan": (2e-4, 1e-3),  # Chen et al. 2016: D/Q 2e-4, G 1e-3
}
NAMES = tuple(name for name in _RATES if name)


def optimizers(recipe: str | None = None):
    """Fresh ``(d_optimizer, g_optimizer)`` for a recipe name (None: kgan's default)."""
    if recipe not in _RATES:
        raise ValueError(f"Unknown recipe {recipe!r}; known: {', '.join(NAMES)}.")
    d_rate, g_rate = _RATES[recipe]
    return keras.optimizers.Adam(d_rate, beta_1=0.5), keras.optimizers.Adam(g_rate, beta_1=0.5)


def dcgan(cls, image_shape, latent_dim: int = 100, width: int = 64, seed=None, name: str = "dcgan",
          spectral_norm: bool = False):
    """DCGAN networks and the paper's uniform code; see `kgan.GAN.dcgan`."""
    from kgan.nets import dcgan as dcgan_nets

    return cls(
        generator=dcgan_nets.dcgan_generator(image_shape, latent_dim, width, seed=seed),
        discriminator=dcgan_nets.dcgan_discriminator(image_shape, width, seed=None if seed is None else seed + 1000,
                                                     spectral_norm=spectral_norm),
        latent=latent_lib.Uniform(latent_dim, -1.0, 1.0),
        seed=seed,
        name=name,
        recipe="dcgan",
    )


def infogan(cls, image_shape, noise: int = 62, categorical=(10,), continuous: int = 2, width: int = 64,
            seed=None, name: str = "infogan", network: str = "mlp"):
    """InfoGAN's structured code and a Q head on D; see `kgan.GAN.infogan`."""
    from kgan.nets import dcgan as dcgan_nets
    from kgan.nets import info
    from kgan.nets.mlp import mlp_image_discriminator, mlp_image_generator

    if network not in INFOGAN_NETWORKS:
        raise ValueError(f"network must be one of {INFOGAN_NETWORKS}, got {network!r}: 'mlp' for 28x28 "
                         "grayscale images (the measured recipe), 'dcgan' for larger or colour images.")
    code = latent_lib.InfoCode(noise, categorical, continuous)
    d_seed = None if seed is None else seed + 1000
    if network == "mlp":
        generator = mlp_image_generator(image_shape, code.dim, seed=seed)
        discriminator = mlp_image_discriminator(image_shape, seed=d_seed)
    else:
        generator = dcgan_nets.dcgan_generator(image_shape, code.dim, width, seed=seed)
        discriminator = dcgan_nets.dcgan_discriminator(image_shape, width, seed=d_seed)
    return cls(
        generator=generator,
        discriminator=info.with_code_head(discriminator, code),
        latent=code,
        seed=seed,
        name=name,
        recipe="infogan",
    )
