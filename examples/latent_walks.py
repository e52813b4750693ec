"""Latent walks and latent arithmetic with a trained DCGAN (the DCGAN paper's figures 4 and 7).

Interpolation: each row of the strip decodes codes on the path between two
random latent codes, along the great circle (slerp) or a straight line. Smooth
transitions mean the generator has learned a continuous space, not memorised
images.

Arithmetic: the project's Fashion-MNIST classifier picks the codes whose images
it finds most clearly "Ankle boot", "Sandal" and "Sneaker"; the mean codes are
combined as ankle boot - sneaker + sandal and decoded. Rows of the figure: the
exemplars of each operand with their decoded mean code at the right end, then
the result and its noisy neighbours.

    kgan train dcgan --data fashion_mnist --epochs 20 --out runs/dcgan
    python examples/latent_walks.py --model runs/dcgan/gan.keras
    python examples/latent_walks.py --model runs/dcgan/gan.keras --out docs/figures --prefix dcgan-fmnist-
    python examples/latent_walks.py --smoke      # an untrained tiny DCGAN, for the test suite

Writes to --out: PREFIXinterpolation-slerp.png, PREFIXinterpolation-linear.png
and PREFIXarithmetic.png.
"""

import argparse
from collections import Counter
from pathlib import Path

import numpy as np

import kgan
from kgan.apps import latent

CLASSES = kgan.metrics.FASHION_MNIST_CLASSES  # ("T-shirt/top", "Trouser", ..., "Ankle boot")
ANKLE_BOOT, SANDAL, SNEAKER = CLASSES.index("Ankle boot"), CLASSES.index("Sandal"), CLASSES.index("Sneaker")


def most_predicted_classes(gan, classifier, pool, count=3, at_least=10):
    """The classes the classifier assigns most often to ``pool`` samples (repeated if fewer exist).

    An untrained generator does not produce every class: for --smoke, take what it makes.
    """
    images = gan.generate(pool, seed=0, batch_size=pool)  # the codes codes_by_class(..., pool, seed=0) draws
    predicted = classifier.predict(images, batch_size=500, verbose=0).argmax(axis=1)
    common = [c for c, k in Counter(predicted.tolist()).most_common() if k >= at_least]
    return [common[i % len(common)] for i in range(count)]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="a saved GAN (gan.keras) trained on Fashion-MNIST")
    parser.add_argument("--out", default="runs/latent-walks", help="output folder (default runs/latent-walks)")
    parser.add_argument("--prefix", default="", help="prepended to the file names, e.g. dcgan-fmnist-")
    parser.add_argument("--seed", type=int, default=0, help="seed of the walks' endpoints (default 0)")
    parser.add_argument("--smoke", action="store_true", help="use an untrained tiny DCGAN instead of --model")
    args = parser.parse_args()
    if not args.smoke and not args.model:
        parser.error("--model PATH is required (or --smoke)")
    out = Path(args.out)

    if args.smoke:
        gan = kgan.GAN.dcgan((28, 28, 1), width=8, seed=0)
    else:
        gan = kgan.GAN.from_file(args.model)

    # Interpolation strips: 6 walks of 10 steps, endpoints included.
    for method in ("slerp", "linear"):
        strip = latent.interpolation_strip(gan, rows=6, steps=10, method=method, seed=args.seed)
        path = kgan.apps.save_png(str(out / f"{args.prefix}interpolation-{method}.png"), strip)
        print(f"wrote {path} ({method} interpolation)")

    # Latent arithmetic: ankle boot - sneaker + sandal, with the three most confident exemplars per class.
    classifier = kgan.metrics.fashion_mnist_classifier()
    pool = 2000
    if args.smoke:
        plus_a, plus_b, minus = most_predicted_classes(gan, classifier, pool)
    else:
        plus_a, plus_b, minus = ANKLE_BOOT, SANDAL, SNEAKER
    codes = latent.codes_by_class(gan, classifier, classes=sorted({plus_a, plus_b, minus}), per_class=3, pool=pool)
    result = latent.vector_arithmetic(gan, plus=[codes[plus_a], codes[plus_b]], minus=[codes[minus]])
    path = kgan.apps.save_png(str(out / f"{args.prefix}arithmetic.png"), result.figure())
    print(f"wrote {path}: {CLASSES[plus_a]} - {CLASSES[minus]} + {CLASSES[plus_b]} "
          f"(rows: {CLASSES[plus_a]}, {CLASSES[plus_b]}, {CLASSES[minus]}, result)")

    # What does the classifier make of the result and its neighbours?
    verdicts = np.argmax(classifier.predict(result.images, verbose=0), axis=1)
    print("result classified as:", ", ".join(f"{CLASSES[c]} x{k}" for c, k in Counter(verdicts.tolist()).most_common()))


if __name__ == "__main__":
    main()
