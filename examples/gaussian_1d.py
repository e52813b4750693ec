"""Learn N(-1, 1) with a GAN in plain Keras: build, compile, fit, evaluate, save, resume.

    python examples/gaussian_1d.py            # ~10 s on a laptop CPU
    python examples/gaussian_1d.py --smoke    # a few steps, for the test suite
"""

import argparse
import tempfile
from pathlib import Path

import keras
import numpy as np

import kgan

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--smoke", action="store_true", help="run a few steps only")
parser.add_argument("--out", default=None, help="where to save the model (default: a temporary folder)")
args = parser.parse_args()
steps = 20 if args.smoke else 3000
mu, sigma = -1.0, 1.0

keras.utils.set_random_seed(0)
# Standardise inside the models, as one scales images to [-1, 1]: the nets work at unit scale.
sample = np.random.default_rng(0).normal(mu, sigma, size=(10_000, 1))
mean, var = float(sample.mean()), float(sample.var())

z = keras.Input((1,))
h = kgan.nets.mlp(1, 1, hidden=(32, 32))(z)
generator = keras.Model(z, keras.layers.Normalization(mean=mean, variance=var, invert=True)(h))
x = keras.Input((1,))
h = keras.layers.Normalization(mean=mean, variance=var)(x)
discriminator = keras.Model(x, kgan.nets.mlp(1, 1, hidden=(32, 32))(h))

gan = kgan.GAN(generator, discriminator, latent=kgan.latent.Normal(1), seed=0)


def adam():
    return keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(1e-3, steps, alpha=0.01), beta_1=0.5)


# Keras runs an epoch in whole blocks of steps_per_execution: keep steps_per_epoch a multiple of it.
steps_per_epoch = steps // 10
gan.compile(d_optimizer=adam(), g_optimizer=adam(), loss="least_squares",
            steps_per_execution=min(50, steps_per_epoch))
data = kgan.data.gaussian_1d(mu, sigma, batch_size=512, seed=0)
gan.fit(data, epochs=10, steps_per_epoch=steps_per_epoch, verbose=2,
        callbacks=[kgan.callbacks.TerminateOnNonFinite()])

target = kgan.metrics.NormalDistribution(mu, sigma)
result = kgan.metrics.evaluate_1d(gan, target, n=10_000)
print(f"W1 = {result['w1']:.4f}  KS = {result['ks']:.4f}  D(x) = {result['d_real']:.3f}  "
      f"D(G(z)) = {result['d_fake']:.3f}  generated mean/std = {result['mean']:.3f}/{result['std']:.3f}")

# Save everything (both optimizers' state included), load it back and keep training.
out = Path(args.out or tempfile.mkdtemp())
out.mkdir(parents=True, exist_ok=True)
gan.save(out / "gan.keras")
gan.generator.save(out / "generator.keras")  # the part you deploy
restored = keras.models.load_model(out / "gan.keras")
restored.fit(data, epochs=1, steps_per_epoch=10, verbose=0)
print(f"saved to {out}; the restored GAN continued from step {int(gan.g_optimizer.iterations)} "
      f"to {int(restored.g_optimizer.iterations)}")
