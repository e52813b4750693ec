"""Inpainting on held-out Fashion-MNIST: GAN latent search (Yeh et al. 2016) against simple fills.

    python benchmarks/inpainting.py                    # uses runs/bench-dcgan/gan.keras (or trains one)
    python benchmarks/inpainting.py --images 50 --steps 100   # a quick look
    python benchmarks/inpainting.py --model other/gan.keras

For the first ``--images`` test-split images (the GAN never saw them) and two
masks, a centred 14x14 hole (a quarter of the image) and random pixels (80%
missing, a different draw per image), it fills the missing pixels with:
mean fill, nearest-neighbour fill, diffusion (harmonic) fill, and
`kgan.apps.inpaint` with the trained DCGAN (``G(z)`` pasted into the hole, and
Poisson-blended: the library's default). Scores: PSNR and SSIM on the missing
pixels only (`kgan.metrics.psnr` / `kgan.metrics.ssim` with the hole as mask),
mean over the images. Prints a table, writes
benchmarks/results/inpainting.json and the figures
docs/figures/inpaint_center.png and docs/figures/inpaint_random.png.

The GAN is the width-32 DCGAN of benchmarks/dcgan_fashion_mnist.py (20 epochs);
when that file is missing, a DCGAN of the same settings is trained here for
``--train-epochs`` epochs and saved to runs/bench-inpaint/gan.keras.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "inpainting.json"
DEFAULT_MODEL = ROOT / "runs" / "bench-dcgan" / "gan.keras"
FALLBACK_MODEL = ROOT / "runs" / "bench-inpaint" / "gan.keras"
FIGURES = ROOT / "docs" / "figures"


def load_or_train(path: Path, epochs: int, seed: int = 0, limit: int | None = None):
    import kgan

    if path.exists():
        return kgan.GAN.from_file(path), str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path), None
    target = FALLBACK_MODEL
    if target.exists():
        return kgan.GAN.from_file(target), str(target.relative_to(ROOT)), None
    print(f"{path} is missing: training a width-32 DCGAN for {epochs} epoch(s) (saved to {target})")
    gan = kgan.GAN.dcgan((28, 28, 1), latent_dim=100, width=32, seed=seed)
    gan.compile()
    started = time.perf_counter()
    gan.fit(kgan.data.images("fashion_mnist", batch_size=128, seed=seed, limit=limit), epochs=epochs, verbose=2)
    target.parent.mkdir(parents=True, exist_ok=True)
    gan.save(target)
    return gan, str(target.relative_to(ROOT)), {"epochs": epochs, "limit": limit,
                                                "seconds": round(time.perf_counter() - started, 1)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="a saved gan.keras (default: the DCGAN benchmark's)")
    parser.add_argument("--images", type=int, default=150, help="test images per mask (default 150)")
    parser.add_argument("--steps", type=int, default=400, help="Adam steps of the latent search (default 400)")
    parser.add_argument("--restarts", type=int, default=1, help="random starts per image (default 1)")
    parser.add_argument("--train-epochs", type=int, default=5, help="epochs when a GAN must be trained (default 5)")
    parser.add_argument("--train-limit", type=int, default=None, help="train on the first N images only (default all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-figures", action="store_true", help="do not write docs/figures/inpaint_*.png")
    args = parser.parse_args()

    import keras

    import kgan
    from kgan.apps import inpainting

    keras.utils.set_random_seed(args.seed)
    gan, model_name, trained = load_or_train(args.model, args.train_epochs, args.seed, args.train_limit)
    x, _ = kgan.data.image_arrays("fashion_mnist", "test")
    images = x[:args.images].reshape(-1, 28, 28, 1).astype(np.float32) / 127.5 - 1.0

    masks = {"center": inpainting.center_mask((28, 28)),
             "random": inpainting.random_mask((28, 28), missing=0.8, n=len(images), seed=args.seed)}
    results = {}
    for mask_name, mask in masks.items():
        mask = np.broadcast_to(mask, images.shape).astype(np.float32)
        hole = 1.0 - mask  # the metrics' mask: 1 = evaluate this pixel
        fills, seconds = {}, {}
        for name, fill in inpainting.BASELINES.items():
            started = time.perf_counter()
            fills[f"{name} fill"] = fill(images, mask)
            seconds[f"{name} fill"] = time.perf_counter() - started
        result = kgan.apps.inpaint(images, mask, gan, steps=args.steps, restarts=args.restarts, seed=args.seed,
                                   verbose=True)
        fills["GAN, G(z) pasted"] = np.where(mask > 0, images, result.generated)
        fills["GAN, Poisson-blended"] = result.images
        seconds["GAN, G(z) pasted"] = seconds["GAN, Poisson-blended"] = result.seconds
        rows = {}
        for name, filled in fills.items():
            p = kgan.metrics.psnr(filled, images, mask=hole)
            s = kgan.metrics.ssim(filled, images, mask=hole)
            rows[name] = {"psnr": round(float(p.mean()), 3), "psnr_std": round(float(p.std()), 3),
                          "ssim": round(float(s.mean()), 4), "ssim_std": round(float(s.std()), 4),
                          "seconds": round(seconds[name], 2)}
        results[mask_name] = {
            "methods": rows,
            "missing_fraction": round(float(hole.mean()), 4),
            "contextual_loss": {"start": round(float(result.initial_contextual_loss.mean()), 3),
                                "end": round(float(result.contextual_loss.mean()), 3)},
            "perceptual_loss_end": round(float(result.perceptual_loss.mean()), 4),
        }
        if not args.no_figures:
            picked = [fills["mean fill"], fills["diffusion fill"]]
            figure = result.figure(original=images, extra={"mean": picked[0], "diffusion": picked[1]}, max_rows=8)
            figure = figure.repeat(3, axis=0).repeat(3, axis=1)  # 28-pixel images are too small to see
            path = kgan.apps.save_png(str(FIGURES / f"inpaint_{mask_name}.png"), figure)
            print(f"wrote {path}")

    print(f"\nInpainting {args.images} held-out Fashion-MNIST test images; PSNR (dB) / SSIM on the missing pixels")
    print(f"GAN: {model_name}, {args.steps} Adam steps (lr 0.01, lambda 0.003, importance-weighted L1), "
          f"{args.restarts} start(s) per image")
    print(f"  {'method':24}" + "".join(f"{m + ' PSNR':>14}{m + ' SSIM':>14}" for m in masks))
    for name in results["center"]["methods"]:
        cells = "".join(f"{results[m]['methods'][name]['psnr']:>14.2f}{results[m]['methods'][name]['ssim']:>14.4f}"
                        for m in masks)
        print(f"  {name:24}{cells}")
    payload = {
        "settings": {"images": args.images, "split": "fashion_mnist test[:images]", "steps": args.steps,
                     "restarts": args.restarts, "learning_rate": 0.01, "perceptual_weight": 0.003,
                     "weighting": "importance", "window": 7, "center_hole": "14x14", "random_missing": 0.8,
                     "seed": args.seed, "model": model_name, "trained_here": trained},
        "machine": f"{platform.machine()}, Python {platform.python_version()}",
        **results,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
