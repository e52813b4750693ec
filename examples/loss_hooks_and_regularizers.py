"""Subclassing the engine: a relativistic D/G loss through the public hooks, with regularizers.

`kgan.GAN.compute_discriminator_loss(step)` and `compute_generator_loss(step)` are the one place a
new objective goes; `train_step`, `test_step` (the val_* metrics), terms and saving stay as they
are. This script trains the relativistic average GAN (Jolicoeur-Martineau 2018) on 1-D data
N(3, 0.5^2), with an L2 kernel regularizer on D that counts in `d_loss`, then saves and reloads it.

    python examples/loss_hooks_and_regularizers.py
    python examples/loss_hooks_and_regularizers.py --smoke
"""

import argparse

import keras
import numpy as np
from keras import ops

import kgan

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--smoke", action="store_true", help="run a few steps only")
parser.add_argument("--steps", type=int, default=2000, help="training steps (default 2000)")
args = parser.parse_args()
steps = 20 if args.smoke else args.steps


@keras.saving.register_keras_serializable(package="examples")
class RelativisticGAN(kgan.GAN):
    """D judges whether real data looks more real than the average fake (and G the reverse)."""

    needs_real_in_generator_phase = True  # the G loss below reads D(real) too

    def compute_discriminator_loss(self, step):
        real, fake = step.d_real["logits"], step.d_fake["logits"]
        loss = ops.mean(ops.softplus(-(real - ops.mean(fake)))) + ops.mean(ops.softplus(fake - ops.mean(real)))
        # Keep what the default hook adds besides the adversarial loss: D's regularizers.
        return loss + sum(step.network_losses)

    def compute_generator_loss(self, step):
        real, fake = step.d_real["logits"], step.d_fake["logits"]
        loss = ops.mean(ops.softplus(real - ops.mean(fake))) + ops.mean(ops.softplus(-(fake - ops.mean(real))))
        return loss + sum(step.network_losses)


rng = np.random.default_rng(0)
samples = rng.normal(3.0, 0.5, size=(256 * steps, 1)).astype("float32")
keras.utils.set_random_seed(0)
d_in = keras.Input((1,))
h = keras.layers.Dense(64, activation="relu", kernel_regularizer=keras.regularizers.L2(1e-4))(d_in)
h = keras.layers.Dense(64, activation="relu", kernel_regularizer=keras.regularizers.L2(1e-4))(h)
discriminator = keras.Model(d_in, keras.layers.Dense(1)(h), name="discriminator")
gan = RelativisticGAN(kgan.nets.mlp(4, 1, hidden=(64, 64), name="generator"), discriminator,
                      latent=kgan.latent.Normal(4), seed=0)
gan.compile(d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5), g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5))
history = gan.fit(samples, batch_size=256, epochs=1, verbose=0 if args.smoke else "auto")
print(f"D's L2 penalty inside d_loss: {float(ops.sum(discriminator.losses)):.4f}")
generated = gan.generate(10_000, seed=1)
print(f"after {gan.steps} steps: generated mean {generated.mean():.3f} (target 3.0), std {generated.std():.3f} (0.5)")

gan.save("relativistic.keras")
restored = keras.models.load_model("relativistic.keras")
assert type(restored) is RelativisticGAN and restored.steps == gan.steps
print("saved and reloaded: relativistic.keras")
