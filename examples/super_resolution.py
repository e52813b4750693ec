"""Super-resolution with SRGAN on Fashion-MNIST: 7x7 -> 28x28 (x4) or 14x14 -> 28x28 (x2).

The low-resolution inputs are made by shrinking the real images. `train` pre-trains the
generator on the content loss alone (pixel MSE + the project classifier's conv features),
then trains it as a GAN with the content loss as a term on G. The script compares bicubic
upsampling, the model after pre-training (content loss only) and the SRGAN on held-out
test images (PSNR and SSIM) and writes a picture of the three beside the input and the truth.

    python examples/super_resolution.py                 # x4, 3000 images, ~15 min on a CPU
    python examples/super_resolution.py --scale 2
    python examples/super_resolution.py --smoke         # a tiny run in seconds, for the test suite

Writes to --out: srgan.keras (the GAN; `kgan upscale srgan.keras small.png --out big.png`
uses it), content_only.keras (the pre-trained generator) and comparison.png
(rows: low-res | bicubic | content-only | SRGAN | real).
"""

import argparse
from pathlib import Path

import keras
import numpy as np

import kgan
from kgan.apps import super_resolution as sr


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="runs/example-srgan", help="output folder (default runs/example-srgan)")
    parser.add_argument("--scale", type=int, choices=(2, 4), default=4, help="upscaling factor (default 4)")
    parser.add_argument("--smoke", action="store_true", help="tiny networks, 64 images, 1 epoch per stage")
    args = parser.parse_args()
    out = Path(args.out)

    if args.smoke:  # checks that everything runs; learns little
        limit, n_test, filters, blocks, pretrain_epochs, epochs = 64, 32, 8, 1, 1, 1
    else:
        limit, n_test, filters, blocks, pretrain_epochs, epochs = 3000, 1000, 32, 4, 4, 3

    # uint8 (n, 28, 28, 1) arrays; the inputs are the same images shrunk by the scale (area averaging).
    train_images, _ = kgan.data.image_arrays("fashion_mnist", split="train", limit=limit)
    test_images, _ = kgan.data.image_arrays("fashion_mnist", split="test", limit=n_test)
    test_high = test_images / 127.5 - 1.0
    test_low = sr.downscale(test_high, args.scale)

    # Stage 1 by hand, to keep a copy of the content-only generator for the comparison.
    high = train_images / 127.5 - 1.0
    low = sr.downscale(high, args.scale)
    gan = sr.build(low.shape[1:], args.scale, filters=filters, blocks=blocks, seed=0)
    content = kgan.terms.ContentLoss(sr.fashion_mnist_features(), feature_weight=0.1)
    sr.pretrain(gan, high, low, content, epochs=pretrain_epochs, verbose=2)
    content_only = keras.models.clone_model(gan.generator)
    content_only.set_weights(gan.generator.get_weights())

    # Stage 2: the adversarial loss joins; the content loss is a term on G (content + 1e-2 * adversarial).
    content.weight = 100.0
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.9), g_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.9),
                terms=[content])
    gan.fit(high, low, batch_size=32, epochs=epochs, verbose=2)
    # (sr.train(train_images, scale=args.scale) does both stages in one call.)

    out.mkdir(parents=True, exist_ok=True)
    gan.save(out / "srgan.keras")
    content_only.save(out / "content_only.keras")

    scores = sr.evaluate({"content-only": content_only, "SRGAN": gan}, test_high, args.scale, test_low)
    print(f"\nx{args.scale} on {n_test} held-out images    PSNR (dB)   SSIM")
    for name, s in scores.items():
        print(f"  {name:<30}{s.psnr:>9.2f}{s.ssim:>8.3f}")

    columns = [np.repeat(np.repeat(test_low[:8], args.scale, axis=1), args.scale, axis=2), sr.bicubic(test_low[:8], args.scale),
               sr.super_resolve(content_only, test_low[:8]), kgan.apps.super_resolve(gan, test_low[:8]), test_high[:8]]
    rows = np.stack(columns, axis=1).reshape(-1, *test_high.shape[1:])  # row i: the 5 versions of image i
    kgan.apps.save_png(str(out / "comparison.png"), kgan.apps.image_grid(rows, cols=5))
    print(f"wrote {out}/: srgan.keras content_only.keras comparison.png")


if __name__ == "__main__":
    main()
