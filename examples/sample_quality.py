"""Sample quality in fit's logs: FD and KID every epoch, early stopping and the best checkpoint on them.

`kgan.callbacks.SampleQuality` draws samples after each epoch, encodes them with the
project's Fashion-MNIST classifier (shipped, no download) and writes `fd`, `kid` and
`kid_std` into the epoch's logs. Keras' own callbacks then use them like any metric:
`EarlyStopping(monitor="kid")` stops when KID stops falling, `ModelCheckpoint(monitor="fd")`
keeps the best generator, `CSVLogger` records them. At the end the script prints every
metric (FD, KID, precision, recall, density, coverage) beside its real-vs-real value.

    python examples/sample_quality.py                 # 10 epochs, width-32 DCGAN, 2,000 samples per evaluation
    python examples/sample_quality.py --smoke         # tiny, seconds, for the test suite

Writes to --out: log.csv (losses and fd/kid per epoch) and best.keras (the GAN with the lowest fd).
"""

import argparse
from pathlib import Path

import keras

import kgan
from kgan.apps import evaluation


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="runs/example-quality", help="output folder")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--smoke", action="store_true", help="tiny networks, 256 images, 2 epochs")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    if args.smoke:
        width, limit, epochs, n, n_final = 4, 256, 2, 200, 200
    else:
        width, limit, epochs, n, n_final = 32, None, args.epochs, 2000, 10_000

    data = kgan.data.images("fashion_mnist", batch_size=128 if not args.smoke else 32, limit=limit, seed=0)
    x_test, _ = kgan.data.image_arrays("fashion_mnist", split="test")

    gan = kgan.GAN.dcgan((28, 28, 1), width=width, seed=0)
    gan.compile()
    quality = kgan.callbacks.SampleQuality("fashion_mnist", x_test, n=n, metrics=("fd", "kid"))
    gan.fit(data, epochs=epochs, verbose="auto", callbacks=[
        quality,  # first: the callbacks below read what it writes into the logs
        keras.callbacks.EarlyStopping(monitor="kid", patience=3),  # mode="min" is inferred
        keras.callbacks.ModelCheckpoint(str(out / "best.keras"), monitor="fd", save_best_only=True),
        keras.callbacks.CSVLogger(str(out / "log.csv")),
    ])
    for row in quality.history:
        print(f"epoch {row['epoch']}: fd {row['fd']:.3f}, kid {row['kid']:.4f} ± {row['kid_std']:.4f} "
              f"({row['seconds']:.1f} s)")
    report = evaluation.evaluate(kgan.GAN.from_file(out / "best.keras"), data="fashion_mnist", n=n_final)
    print(report.table())


if __name__ == "__main__":
    main()
