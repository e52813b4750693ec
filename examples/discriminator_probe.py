"""How much did the discriminator learn about clothes? The DCGAN paper's linear probe (section 5.1).

A GAN's discriminator is trained without labels, yet its convolutional layers
learn features of the data. The probe reads every convolutional layer of D,
max-pools each to a 4x4 grid, concatenates the results and fits a linear
classifier (logistic regression) on only 100 labelled Fashion-MNIST images per
class; the test accuracy is compared with the same classifier on raw pixels.

    kgan train dcgan --data fashion_mnist --epochs 20 --out runs/dcgan
    python examples/discriminator_probe.py --model runs/dcgan/gan.keras
    python examples/discriminator_probe.py --smoke      # an untrained tiny DCGAN, for the test suite

Needs scikit-learn (pip install scikit-learn).
"""

import argparse

import kgan
from kgan.apps import probe


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="a saved GAN (gan.keras) trained on Fashion-MNIST")
    parser.add_argument("--labels-per-class", type=int, default=100,
                        help="labelled training images per class (default 100)")
    parser.add_argument("--smoke", action="store_true",
                        help="an untrained tiny DCGAN, 10 labels per class, 500 test images")
    args = parser.parse_args()
    if not args.smoke and not args.model:
        parser.error("--model PATH is required (or --smoke)")

    if args.smoke:
        gan = kgan.GAN.dcgan((28, 28, 1), width=8, seed=0)
        labels_per_class, test_limit = 10, 500
    else:
        gan = kgan.GAN.from_file(args.model)
        labels_per_class, test_limit = args.labels_per_class, None

    # uint8 arrays (n, 28, 28, 1) with int labels; the probe scales them to [-1, 1] itself.
    train = kgan.data.image_arrays("fashion_mnist", split="train")
    test = kgan.data.image_arrays("fashion_mnist", split="test", limit=test_limit)

    result = probe.linear_probe(gan.discriminator, train, test, labels_per_class=labels_per_class)
    print(result)  # linear probe, 100 labels per class: D features (...-d) 0.xxxx, raw pixels 0.xxxx
    gain = result.feature_accuracy - result.pixel_accuracy
    print(f"D features {'beat' if gain > 0 else 'do not beat'} raw pixels by {gain * 100:+.1f} points "
          f"on {len(test[1])} test images")


if __name__ == "__main__":
    main()
