"""Semi-supervised classification: 100 labels per class plus unlabeled Fashion-MNIST images.

The discriminator of a GAN doubles as a classifier (Salimans et al. 2016): it
outputs 10 class logits, "fake" is an implicit 11th class, and while it learns
to tell real images from generated ones it also learns features that make the
few labels go further. `kgan.apps.semi_supervised.train` builds that GAN
(feature matching for G, the supervised cross-entropy as a loss term) and
returns the classifier; the same network trained on the labels alone is the
comparison.

    python examples/semi_supervised.py                  # 10 epochs over the 60,000 training images (~15 min on 2 cores)
    python examples/semi_supervised.py --epochs 3 --unlabeled 20000
    python examples/semi_supervised.py --smoke          # a tiny run in seconds, for the test suite
"""

import argparse
import math

import kgan
from kgan.apps import semi_supervised as ssl


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=10, help="passes over the unlabeled images (default 10)")
    parser.add_argument("--unlabeled", type=int, default=60000, help="unlabeled training images (default 60000)")
    parser.add_argument("--per-class", type=int, default=100, help="labelled images per class (default 100)")
    parser.add_argument("--smoke", action="store_true", help="tiny networks, a few steps")
    args = parser.parse_args()

    if args.smoke:
        per_class, n_unlabeled, epochs, n_test = 3, 256, 1, 200
    else:
        per_class, n_unlabeled, epochs, n_test = args.per_class, args.unlabeled, args.epochs, None
    batch = 100  # the paper's batch: 100 unlabeled, 100 labelled and 100 generated images per D update

    x_train, y_train = kgan.data.image_arrays("fashion_mnist", split="train")  # uint8 (60000, 28, 28, 1)
    x_test, y_test = kgan.data.image_arrays("fashion_mnist", split="test", limit=n_test)
    labeled, _ = ssl.labeled_subset(x_train, y_train, per_class=per_class, seed=0)  # (images, labels)
    unlabeled = x_train[:n_unlabeled]  # labels never used; may include the labelled images

    # The paper's MLP networks (Gaussian noise in D), Adam 3e-3 decayed to 0, feature matching for G.
    result = ssl.train(labeled, unlabeled, epochs=epochs, batch_size=batch, seed=0, verbose=2)
    print(f"semi-supervised GAN: test accuracy {result.accuracy(x_test, y_test):.4f}")

    # The same network on the labels alone, with as many labelled-batch updates.
    updates = epochs * (len(unlabeled) // batch)
    baseline, _ = ssl.train_supervised(labeled, epochs=math.ceil(updates / max(len(labeled[0]) // batch, 1)),
                                       batch_size=batch, seed=0, verbose=0)
    print(f"labels only:         test accuracy {ssl.accuracy(baseline, x_test, y_test):.4f}")


if __name__ == "__main__":
    main()
