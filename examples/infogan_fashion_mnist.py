"""InfoGAN on Fashion-MNIST: an unsupervised categorical code that picks up garment types.

The generator's input is 62 noise values plus a 10-way categorical code and two
continuous codes (`kgan.latent.InfoCode`); a Q head on the discriminator
predicts the code back from the image, and `kgan.terms.MutualInformation`
rewards G when Q can. After training, each value of the categorical code
should give one kind of garment: the traversal figure shows it (rows: code
values; columns: a continuous code from -2 to 2), and the project classifier
measures it (purity: the share of the majority label per code value).

    python examples/infogan_fashion_mnist.py                # 5 epochs (about a minute each on a 2-core CPU)
    python examples/infogan_fashion_mnist.py --epochs 20 --out runs/my-infogan
    python examples/infogan_fashion_mnist.py --smoke        # a tiny run in seconds, for the test suite
"""

import argparse
from pathlib import Path

import keras
import numpy as np

import kgan
from kgan.apps import latent


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="runs/example-infogan", help="output folder (default runs/example-infogan)")
    parser.add_argument("--epochs", type=int, default=5, help="passes over the training images (default 5)")
    parser.add_argument("--smoke", action="store_true", help="256 images, 1 epoch")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    limit, epochs, per_code = (256, 1, 20) if args.smoke else (None, args.epochs, 500)

    # The image MLPs (network="mlp", the default): on Fashion-MNIST their categorical code
    # picks up the garment type; the DCGAN convolutions' code settles on style (docs/infogan.md).
    preset = kgan.GAN.infogan((28, 28, 1), noise=62, categorical=[10], continuous=2, seed=0)
    # DiffAugment in front of D and Q (kgan train infogan's default recipe): measured to make the
    # categorical code follow the garment type far more reliably (docs/infogan.md).
    augmented = kgan.nets.augmented(preset.discriminator, seed=0)
    gan = kgan.GAN(preset.generator, augmented, latent=preset.latent, seed=0, recipe="infogan")
    # compile() without optimizers uses the preset's recipe, the InfoGAN paper's rates (D/Q
    # Adam(2e-4), G Adam(1e-3)); lambda = 1 for the categorical code and 0.1 for the continuous
    # ones (see docs/infogan.md).
    gan.compile(terms=[kgan.terms.MutualInformation(gan.latent, categorical_weight=1.0, continuous_weight=0.1)])
    data = kgan.data.images("fashion_mnist", batch_size=64, limit=limit, seed=0)
    gan.fit(data, epochs=epochs, verbose=2, callbacks=[kgan.callbacks.SampleGrid(out / "samples")])
    gan.save(out / "gan.keras")

    for j in range(gan.latent.continuous):  # rows: cat0 = 0..9; columns: cont_j from -2 to 2
        kgan.apps.save_png(str(out / f"traversal_cont{j}.png"), latent.code_traversal(gan, categorical=0, continuous=j))

    # Which garment does each code value draw? The project classifier's majority label per value.
    classifier = kgan.metrics.fashion_mnist_classifier()
    purities, majority = [], set()
    for c in range(10):
        z = gan.latent.sample(per_code, seed=keras.random.SeedGenerator(c), fixed={"cat0": c})
        labels = np.argmax(np.asarray(classifier(gan.generate_from(z))), axis=-1)
        counts = np.bincount(labels, minlength=10)
        purities.append(counts.max() / per_code)
        majority.add(int(counts.argmax()))
        print(f"cat0={c}: {kgan.metrics.FASHION_MNIST_CLASSES[counts.argmax()]:12} ({purities[-1]:.0%} of samples)")
    # A collapsed G scores purity 1 with one garment everywhere: count the distinct ones too.
    print(f"purity {np.mean(purities):.3f}, {len(majority)} distinct garments over 10 code values")
    print(f"wrote {out}/: samples/ traversal_cont*.png gan.keras")


if __name__ == "__main__":
    main()
