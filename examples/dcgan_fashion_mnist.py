"""DCGAN on Fashion-MNIST, the beginner's workflow: data, preset, fit, sample grids, save, evaluate.

`kgan.GAN.dcgan` builds the paper's networks for 28x28x1 images, `kgan.data.images`
finds Fashion-MNIST (prepared TFDS data, the Debian package's files, Keras' cache
or a download) and yields batches in [-1, 1], and `SampleGrid` writes a PNG of
the same 64 latent codes after every epoch. The evaluation compares generated
images with the real test set using the project's own Fashion-MNIST classifier
(no Inception download).

    python examples/dcgan_fashion_mnist.py                  # 10 epochs (minutes per epoch on a CPU; a GPU helps)
    python examples/dcgan_fashion_mnist.py --recipe paper   # the DCGAN paper's settings instead
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
    parser.add_argument("--recipe", choices=("modern", "paper"), default="modern",
                        help="modern (default, kgan train dcgan's): batch 32, DiffAugment, an averaged G; "
                             "paper: the DCGAN paper's batch 128, no augmentation, no average")
    parser.add_argument("--smoke", action="store_true", help="tiny networks, 256 images, 1 epoch")
    args = parser.parse_args()
    out = Path(args.out)
    modern = args.recipe == "modern"

    if args.smoke:  # a few steps only: checks that everything runs, learns nothing
        width, limit, batch_size, epochs, n_eval = 8, 256, 32, 1, 200
    else:  # width 64 (Adam(2e-4, beta_1=0.5) is compile's default); the paper's batch is 128
        width, limit, batch_size, epochs, n_eval = 64, None, 32 if modern else 128, args.epochs, 10_000

    # Batches of (batch_size, 28, 28, 1) float32 images in [-1, 1], reshuffled every epoch.
    data = kgan.data.images("fashion_mnist", batch_size=batch_size, limit=limit, seed=0)

    gan = kgan.GAN.dcgan((28, 28, 1), width=width, seed=0)
    if modern:  # the measured recipe (docs/modern-stack.md): DiffAugment in front of D ...
        augmented = kgan.nets.augmented(gan.discriminator, seed=0)
        gan = kgan.GAN(gan.generator, augmented, latent=gan.latent, seed=0, recipe="dcgan")
    # ... and an averaged generator (saved with the GAN; generate() samples it).
    gan.compile(ema=0.999 if modern else None)  # non-saturating loss, Adam(2e-4, beta_1=0.5) for D and for G
    gan.fit(
        data,
        epochs=epochs,
        verbose=2,
        callbacks=[
            kgan.callbacks.SampleGrid(out / "samples"),  # samples/epoch_000.png (untrained), epoch_001.png, ...
            kgan.callbacks.TerminateOnNonFinite(),  # stop if a loss becomes NaN/inf
        ],
    )

    sampler = gan.ema.generator if gan.ema is not None else gan.generator
    sampler.save(out / "generator.keras")  # the part you deploy (the average, if kept): loads with plain keras
    gan.save(out / "gan.keras")  # everything, optimizers included: keras.models.load_model resumes training
    print(f"wrote {out}/: samples/epoch_*.png generator.keras gan.keras")

    # Fréchet distance and classifier score against the real test set, next to real-vs-real figures.
    report = kgan.apps.evaluation.evaluate(gan, data="fashion_mnist", n=n_eval)
    print(report.table())


if __name__ == "__main__":
    main()
