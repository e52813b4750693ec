"""Loss terms in practice: a zero-centred gradient penalty plus a hand-written term.

Shows the researcher path on 1-D data N(3, 0.5^2): a loss by name, the built-in
`GradientPenalty` (here zero-centred, target=0, the variant that makes
non-saturating GANs converge; target=1 with loss="wasserstein" is WGAN-GP),
a custom `Term` subclass, and a metric per term in the Keras logs.

    python examples/gradient_penalty_and_custom_term.py
    python examples/gradient_penalty_and_custom_term.py --smoke
"""

import argparse

import keras
import numpy as np
import tensorflow as tf

import kgan

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--smoke", action="store_true", help="run a few steps only")
parser.add_argument("--steps", type=int, default=2000, help="training steps (default 2000)")
args = parser.parse_args()
steps = 20 if args.smoke else args.steps


@keras.saving.register_keras_serializable(package="examples")
class DriftPenalty(kgan.terms.Term):
    """Keeps D's logits on real data near zero: weight * E[D(x)^2] (Karras et al. 2018)."""

    def discriminator_loss(self, step):
        return keras.ops.mean(keras.ops.square(step.d_real["logits"]))


rng = np.random.default_rng(0)
samples = rng.normal(3.0, 0.5, size=(200_000, 1)).astype("float32")
data = tf.data.Dataset.from_tensor_slices(samples).shuffle(20_000, seed=0).repeat().batch(256, drop_remainder=True)

keras.utils.set_random_seed(0)
generator = kgan.nets.mlp(4, 1, hidden=(64, 64), name="generator")
discriminator = kgan.nets.mlp(1, 1, hidden=(64, 64), name="discriminator")
gan = kgan.GAN(generator, discriminator, latent=kgan.latent.Normal(4), seed=0)
gan.compile(
    d_optimizer=keras.optimizers.Adam(5e-4, beta_1=0.5),
    g_optimizer=keras.optimizers.Adam(5e-4, beta_1=0.5),
    loss="non_saturating",
    terms=[kgan.terms.GradientPenalty(weight=1.0, target=0.0), DriftPenalty(weight=1e-3)],
    steps_per_execution=min(20, steps // 4),  # keep steps_per_epoch a whole number of these blocks
)
history = gan.fit(data, epochs=4, steps_per_epoch=steps // 4, verbose=2)
print("metrics logged:", sorted(history.history))

fake = gan.generate(10_000, seed=1)[:, 0]
target = kgan.metrics.NormalDistribution(3.0, 0.5)
print(f"W1 = {kgan.metrics.wasserstein_1d(fake, target):.3f}; generated mean {fake.mean():.3f} (target 3), "
      f"std {fake.std():.3f} (target 0.5)")
