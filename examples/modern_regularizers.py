"""A modern regularized GAN on Fashion-MNIST: relativistic loss, R1 + R2 (lazy) and LeCam.

The R3GAN recipe's loss and penalties (Huang et al. 2024) plus LeCam (Tseng et al.
2021), all plain `compile` arguments:

* ``loss="relativistic"``: D learns that each real image looks more real than the
  fake paired with it, G the reverse (its loss reads D on real data too);
* ``R1Penalty``/``R2Penalty``: zero-centred gradient penalties on real and
  generated images, computed every 4th D update and scaled by 4 (StyleGAN2's lazy
  regularization);
* ``LeCam``: pulls D's logits towards moving averages of the other side's.

D has no BatchNormalization: R1/R2 penalise each image's own input gradient.

    python examples/modern_regularizers.py                 # 5 epochs (minutes on a CPU; a GPU helps)
    python examples/modern_regularizers.py --smoke         # tiny networks, 256 images, seconds

Writes to --out: samples/epoch_*.png and gan.keras (the term state is saved with it).
"""

import argparse
from pathlib import Path

import keras

import kgan


def discriminator(width):
    """A small convolutional D without BatchNormalization, one logit out."""
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(width, 4, strides=2, padding="same"), keras.layers.LeakyReLU(0.2),
        keras.layers.Conv2D(2 * width, 4, strides=2, padding="same"), keras.layers.LeakyReLU(0.2),
        keras.layers.Flatten(), keras.layers.Dense(1),
    ], name="discriminator")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="runs/example-modern", help="output folder (default runs/example-modern)")
    parser.add_argument("--epochs", type=int, default=5, help="passes over the training images (default 5)")
    parser.add_argument("--smoke", action="store_true", help="tiny networks, 256 images, 1 epoch")
    args = parser.parse_args()
    out = Path(args.out)
    width, limit, epochs = (8, 256, 1) if args.smoke else (64, None, args.epochs)

    data = kgan.data.images("fashion_mnist", batch_size=64, limit=limit, seed=0)  # [-1, 1] batches
    keras.utils.set_random_seed(0)
    gan = kgan.GAN(kgan.nets.dcgan_generator((28, 28, 1), latent_dim=64, width=width, seed=0),
                   discriminator(width), latent=kgan.latent.Normal(64), seed=0)
    gan.compile(
        d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.0, beta_2=0.99),
        g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.0, beta_2=0.99),
        loss="relativistic",
        terms=[kgan.terms.R1Penalty(weight=1.0, interval=4),   # logs r1_penalty (4 x R1 every 4th update)
               kgan.terms.R2Penalty(weight=1.0, interval=4),   # logs r2_penalty
               kgan.terms.LeCam(weight=0.3, decay=0.99)],      # logs lecam
    )
    history = gan.fit(data, epochs=epochs, verbose=2, callbacks=[kgan.callbacks.SampleGrid(out / "samples")])
    print("metrics logged:", sorted(history.history))

    gan.save(out / "gan.keras")
    restored = keras.models.load_model(out / "gan.keras")  # the anchors and update counters come back too
    lecam = restored.terms[2]
    print(f"wrote {out}/gan.keras; restored LeCam anchors (real, fake) = "
          f"({lecam.anchors[0]:.3f}, {lecam.anchors[1]:.3f})")


if __name__ == "__main__":
    main()
