"""Inpainting Fashion-MNIST with a trained DCGAN (Yeh et al. 2016), next to simple fills.

`kgan.apps.inpaint` searches the GAN's latent space for the image that matches
the known pixels of each picture while the discriminator still finds it real,
then Poisson-blends it into the hole. The baselines in
`kgan.apps.inpainting` (mean, nearest-neighbour and diffusion fill) show what
a method that knows nothing about clothes achieves with the same pixels.

    kgan train dcgan --data fashion_mnist --epochs 20 --width 32 --out runs/dcgan
    python examples/inpainting.py --model runs/dcgan/gan.keras
    python examples/inpainting.py --model runs/dcgan/gan.keras --mask random --steps 1500
    python examples/inpainting.py --smoke        # an untrained tiny DCGAN, a few steps, for the test suite

Writes --out/inpaint_MASK.png (rows: masked input | mean | diffusion | G(z) |
blended | original) and prints PSNR and SSIM on the missing pixels.
"""

import argparse
from pathlib import Path

import numpy as np

import kgan
from kgan.apps import inpainting


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="a saved GAN (gan.keras) trained on Fashion-MNIST")
    parser.add_argument("--mask", choices=inpainting.MASKS, default="center", help="center (default) or random")
    parser.add_argument("--images", type=int, default=16, help="test images to inpaint (default 16)")
    parser.add_argument("--steps", type=int, default=1000, help="Adam steps of the latent search (default 1000)")
    parser.add_argument("--out", default="runs/inpainting", help="output folder (default runs/inpainting)")
    parser.add_argument("--smoke", action="store_true", help="an untrained tiny DCGAN and 10 steps")
    args = parser.parse_args()
    if not args.smoke and not args.model:
        parser.error("--model PATH is required (or --smoke)")

    if args.smoke:
        gan, n, steps = kgan.GAN.dcgan((28, 28, 1), width=8, seed=0), 4, 10
    else:
        gan, n, steps = kgan.GAN.from_file(args.model), args.images, args.steps

    # Held-out images: the test split, which the GAN never saw. uint8 -> [-1, 1], (n, 28, 28, 1).
    x, _ = kgan.data.image_arrays("fashion_mnist", "test")
    originals = x[:n].reshape(n, 28, 28, 1).astype(np.float32) / 127.5 - 1.0

    # 1 = known pixel, 0 = missing: a centred 14x14 hole, or 80% of the pixels missing at random.
    if args.mask == "center":
        mask = inpainting.center_mask((28, 28))
    else:
        mask = inpainting.random_mask((28, 28), missing=0.8, n=n, seed=0)

    result = kgan.apps.inpaint(originals, mask, gan, steps=steps, verbose=True)
    fills = {name: fill(originals, mask) for name, fill in inpainting.BASELINES.items()}

    hole = 1.0 - result.mask  # score only the pixels that were missing
    print(f"\n{n} test images, {args.mask} mask; PSNR (dB) and SSIM on the missing pixels")
    for name, filled in [*fills.items(), ("GAN (Yeh et al.)", result.images)]:
        psnr = kgan.metrics.psnr(filled, originals, mask=hole).mean()
        ssim = kgan.metrics.ssim(filled, originals, mask=hole).mean()
        print(f"  {name:18} {psnr:6.2f} {ssim:7.4f}")

    figure = result.figure(original=originals, extra={"mean": fills["mean"], "diffusion": fills["diffusion"]})
    path = kgan.apps.save_png(str(Path(args.out) / f"inpaint_{args.mask}.png"), figure)
    print(f"wrote {path} (masked | mean | diffusion | G(z) | blended | original)")


if __name__ == "__main__":
    main()
