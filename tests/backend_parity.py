"""Train a tiny GAN for 3 SGD steps from fixed weights and fixed random numbers; save what it did.

Run once per backend, the results must agree (tests/test_backends.py):

    KERAS_BACKEND=jax python tests/backend_parity.py OUT.npz mlp_gp

RNG is bypassed: the latent prior and GradientPenalty's alpha read row ``k`` of fixed NumPy
tables, ``k`` being the draw counter of the GAN's own SeedGenerator, so both backends consume the
same numbers in the same order. D is an MLP without BatchNorm (TF's batch moments bias an input
gradient through BN: kgan.terms.base.warn_if_batch_norm_in_discriminator).
"""

import os
import sys

STEPS, BATCH, LATENT, DRAWS = 3, 16, 4, 32
CONFIGS = ("mlp", "mlp_gp")


def run(config: str) -> dict:
    import keras
    import numpy as np
    from keras import ops

    import kgan
    from kgan.terms import GradientPenalty

    rng = np.random.default_rng(0)
    data = rng.normal(0, 1, (STEPS * BATCH, 2)).astype("float32")
    z_table = rng.normal(0, 1, (DRAWS, BATCH, LATENT)).astype("float32")
    alpha_table = rng.uniform(0, 1, (DRAWS, BATCH, 1)).astype("float32")

    class FixedLatent(kgan.latent.Prior):
        def sample(self, batch_size, seed=None):
            return ops.take(ops.convert_to_tensor(z_table), ops.cast(seed.next()[1], "int32"), axis=0)

    class FixedGradientPenalty(GradientPenalty):
        def discriminator_loss(self, step):
            real = ops.cast(step.real, step.fake.dtype)
            alpha = ops.take(ops.convert_to_tensor(alpha_table), ops.cast(step.seed_generator.next()[1], "int32"),
                             axis=0)
            grads = step.input_gradient(lambda x: step.discriminate(x)["logits"], real + alpha * (step.fake - real))
            norm = ops.sqrt(ops.sum(ops.square(grads), axis=1) + self.epsilon)
            return ops.mean(ops.square(norm - self.target))

    g = kgan.nets.mlp(LATENT, 2, hidden=(16,), name="g")
    d = kgan.nets.mlp(2, 1, hidden=(16,), name="d")
    for net in (g, d):  # the same initial weights on every backend, whatever Keras' initializers draw
        net.set_weights([rng.normal(0, 0.5, w.shape).astype("float32") for w in net.get_weights()])
    gan = kgan.GAN(g, d, latent=FixedLatent(LATENT), seed=0)
    terms = [FixedGradientPenalty(weight=10.0, name="gp")] if config.endswith("gp") else []
    gan.compile(d_optimizer=keras.optimizers.SGD(0.05), g_optimizer=keras.optimizers.SGD(0.02), terms=terms)
    result = {}
    for s in range(STEPS):
        logs = gan.fit(data[s * BATCH:(s + 1) * BATCH], epochs=1, batch_size=BATCH, shuffle=False, verbose=0).history
        for k, v in logs.items():
            result.setdefault(f"loss_{k}", []).append(float(v[-1]))
    for i, w in enumerate(gan.get_weights()):
        result[f"w_{i}"] = np.array(w)
    result["iterations"] = [int(ops.convert_to_numpy(o.iterations)) for o in (gan.d_optimizer, gan.g_optimizer)]
    return {k: np.asarray(v) for k, v in result.items()}


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np

    np.savez(sys.argv[1], **run(sys.argv[2]))
