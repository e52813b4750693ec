"""A DCGAN on 10% of Fashion-MNIST with DiffAugment and ADA's adaptive probability.

With 6,000 training images D soon memorises them: its score on real images goes to 1 and G's
samples stop improving. `kgan.nets.augmented` puts a `DiffAugment` layer in front of D, so
every image D sees in training (real and generated, in both updates) is randomly recoloured,
shifted and cut out; `kgan.terms.AdaptiveAugmentation` raises the probability ``p`` of each
augmentation when D's sign on real images says it overfits (ADA's r_t above 0.6) and lowers
it otherwise. ``p`` is printed after every epoch and logged as ``augment_p``.

    python examples/augmentation_small_data.py               # 30 epochs (a GPU helps)
    python examples/augmentation_small_data.py --smoke       # a few steps, for the test suite
"""

import argparse
from pathlib import Path

import keras

import kgan


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="runs/example-augmentation", help="output folder")
    parser.add_argument("--epochs", type=int, default=30, help="passes over the 6,000 images (default 30)")
    parser.add_argument("--smoke", action="store_true", help="tiny networks, 256 images, 2 epochs")
    args = parser.parse_args()
    out = Path(args.out)

    if args.smoke:  # checks that everything runs; learns nothing
        width, limit, batch_size, epochs, ramp_images = 8, 256, 32, 2, 1_000
    else:
        # The paper lets p cross [0, 1] in 500k images; a 6,000-image run of 30 epochs sees 180k,
        # so p is allowed to move faster here.
        width, limit, batch_size, epochs, ramp_images = 32, 6_000, 64, args.epochs, 100_000

    data = kgan.data.images("fashion_mnist", batch_size=batch_size, limit=limit, seed=0)  # 10%: 6,000 images

    dcgan = kgan.GAN.dcgan((28, 28, 1), width=width, seed=0)
    # ADA starts without augmentation (p=0) and lets the term find the amount D needs.
    discriminator = kgan.nets.augmented(dcgan.discriminator, policy="color,translation,cutout", p=0.0, seed=0)
    gan = kgan.GAN(dcgan.generator, discriminator, latent=dcgan.latent, seed=0)
    gan.compile(terms=[kgan.terms.AdaptiveAugmentation(target=0.6, interval=4, ramp_images=ramp_images)])

    augment = discriminator.get_layer("diff_augment")
    report = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: print(
        f"epoch {epoch + 1}: p = {augment.probability:.3f} (epoch mean {logs['augment_p']:.3f}), "
        f"D(real) = {logs['d_real']:.3f}, D(fake) = {logs['d_fake']:.3f}"))
    gan.fit(data, epochs=epochs, verbose=0,
            callbacks=[report, kgan.callbacks.SampleGrid(out / "samples"), kgan.callbacks.TerminateOnNonFinite()])

    gan.save(out / "gan.keras")  # p is D's weight: a resumed run continues with it
    print(f"wrote {out}/: samples/epoch_*.png gan.keras; final p = {augment.probability:.3f}")


if __name__ == "__main__":
    main()
