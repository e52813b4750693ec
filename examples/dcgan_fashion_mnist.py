"""DCGAN on Fashion-MNIST, the beginner's workflow: data, preset, fit, sample grids, save, evaluate.

`kgan.GAN.dcgan` builds the paper's networks for 28x28x1 images, `kgan.data.images`
finds Fashion-MNIST (prepared TFDS data, the Debian package's files, Keras' cache
or a download) and yields batches in [-1, 1], and `SampleGrid` writes a PNG of
the same 64 latent codes after every epoch. The evaluation compares generated
images with the real test set using the project's own Fashion-MNIST classifier
(no Inception download).

    python examples/dcgan_fashion_mnist.py                  # 10 epochs (minutes per epoch on a CPU; a GPU helps)
    python examples/dcgan_fashion_mnist.py --epochs 20 --out runs/my-dcgan
    python examples/dcgan_fashion_mnist.py --smoke          # a tiny run in seconds, for the test suite

Writes to --out: samples/epoch_000.png ... (one grid per epoch), generator.keras
(the generator alone, a plain Keras model) and gan.keras (the whole GAN, to
resume training or to use with `kgan sample` / `kgan evaluate`).
"""

import argparse
from pathlib import Path

import kgan


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="runs/example-dcgan", help="output folder (default runs/example-dcgan)")
    parser.add_argument("--epochs", type=int, default=10, help="passes over the 60,000 training images (default 10)")
    parser.add_argument("--smoke", action="store_true", help="tiny networks, 256 images, 1 epoch")
    args = parser.parse_args()
    out = Path(args.out)

    if args.smoke:  # a few steps only: checks that everything runs, learns nothing
        width, limit, batch_size, epochs, n_eval = 8, 256, 32, 1, 200
    else:  # the DCGAN paper's settings: width 64, batch 128 (Adam(2e-4, beta_1=0.5) is compile's default)
        width, limit, batch_size, epochs, n_eval = 64, None, 128, args.epochs, 10_000

    # Batches of (batch_size, 28, 28, 1) float32 images in [-1, 1], reshuffled every epoch.
    data = kgan.data.images("fashion_mnist", batch_size=batch_size, limit=limit, seed=0)

    gan = kgan.GAN.dcgan((28, 28, 1), width=width, seed=0)
    gan.compile()  # non-saturating loss, Adam(2e-4, beta_1=0.5) for D and for G
    gan.fit(
        data,
        epochs=epochs,
        verbose=2,
        callbacks=[
            kgan.callbacks.SampleGrid(out / "samples"),  # samples/epoch_000.png (untrained), epoch_001.png, ...
            kgan.callbacks.TerminateOnNonFinite(),  # stop if a loss becomes NaN/inf
        ],
    )

    gan.generator.save(out / "generator.keras")  # the part you deploy: loads with plain keras
    gan.save(out / "gan.keras")  # everything, optimizers included: keras.models.load_model resumes training
    print(f"wrote {out}/: samples/epoch_*.png generator.keras gan.keras")

    # Fréchet distance and classifier score against the real test set, next to real-vs-real figures.
    report = kgan.apps.evaluation.evaluate(gan, data="fashion_mnist", n=n_eval)
    print(report.table())


if __name__ == "__main__":
    main()
