"""Feature matching: train G to match D's feature statistics instead of fooling D.

Salimans et al. (2016): G minimises the distance between the batch means of an
intermediate D layer on real and on generated images. The adversarial G loss
is replaced by one loss term, `kgan.terms.FeatureMatching`; nothing else
changes. Run it next to the plain loss and compare the Fréchet distance
(project classifier features) after the same number of epochs.

    python examples/feature_matching.py                 # 2 epochs each, 30,000 images
    python examples/feature_matching.py --epochs 5
    python examples/feature_matching.py --smoke         # a tiny run in seconds, for the test suite
"""

import argparse

import kgan


def train(terms, data, width, epochs):
    gan = kgan.GAN.dcgan((28, 28, 1), width=width, seed=0)  # D returns {"logits", "features"}
    gan.compile(terms=terms)
    gan.fit(data, epochs=epochs, verbose=2)
    return gan


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=2, help="epochs per model (default 2)")
    parser.add_argument("--smoke", action="store_true", help="tiny networks, 256 images, 1 epoch")
    args = parser.parse_args()
    width, limit, epochs, n_eval = (8, 256, 1, 200) if args.smoke else (32, 30000, args.epochs, 5000)
    data = kgan.data.images("fashion_mnist", batch_size=64, limit=limit, seed=0)

    models = {
        "non-saturating loss": train([], data, width, epochs),
        # G's objective: ||mean f(x) - mean f(G(z))||^2 on D's "features" output (replaces the adversarial loss).
        "feature matching": train([kgan.terms.FeatureMatching(layer="features")], data, width, epochs),
    }
    for name, gan in models.items():
        report = kgan.apps.evaluation.evaluate(gan, data="fashion_mnist", n=n_eval)
        print(f"\n{name}\n{report.table()}")


if __name__ == "__main__":
    main()
