"""SRGAN on Fashion-MNIST (x4: 7x7 -> 28x28, x2: 14x14 -> 28x28): bicubic vs content loss only vs SRGAN.

    python benchmarks/super_resolution.py             # x4: train (~25 min on a busy 2-core CPU), evaluate, figure
    python benchmarks/super_resolution.py --scale 2   # the same for x2
    python benchmarks/super_resolution.py --quick     # a tiny run to check the script

One generator is pre-trained on the content loss alone (pixel MSE + 0.1 x the project classifier's
conv features) for PRETRAIN epochs; from that snapshot, one copy continues on the content loss alone and
one continues as an SRGAN (content loss + adversarial loss) for the same number of further epochs, so
both models have seen the same data the same number of times. Scores are on held-out test images:
PSNR (dB) and SSIM (higher is better) and the edge-energy ratio (mean gradient magnitude of the output
over that of the real image: 1 is as sharp as the real images, lower is blurrier).

Prints a table and writes its part ("x4" or "x2") of benchmarks/results/super_resolution.json; the
side-by-side figure goes to docs/figures/sr_fashion_mnist_x<scale>.png, the models to runs/bench-srgan/
(not committed).
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "super_resolution.json"
RUN = ROOT / "runs" / "bench-srgan"
SETTINGS = {
    "data": "fashion_mnist", "scale": 4, "train_images": 1200, "test_images": 1000, "downscale": "area",
    "filters": 32, "blocks": 4, "batch_size": 32, "pretrain_epochs": 4, "further_epochs": 2,
    "feature_model": "project Fashion-MNIST classifier, 2nd conv block (14x14x64)", "feature_weight": 0.1,
    "adversarial_weight": 1e-2, "learning_rate": 5e-4, "gan_learning_rate": 1e-4, "seed": 0,
}


def edge_energy(images) -> np.ndarray:
    """Mean absolute horizontal + vertical pixel difference per image (a sharpness proxy)."""
    images = np.asarray(images, np.float64)
    return (np.abs(np.diff(images, axis=1)).mean(axis=(1, 2, 3)) + np.abs(np.diff(images, axis=2)).mean(axis=(1, 2, 3)))


def _figure(columns, path, rows=8, zoom=3):
    """Rows of examples; columns LR | bicubic | content-only | SRGAN | HR, enlarged (nearest) for viewing."""
    from kgan.pixels import save_png, to_uint8

    cells = [to_uint8(np.repeat(np.repeat(c[:rows], zoom, axis=1), zoom, axis=2)) for c in columns]
    n, h, w, ch = cells[0].shape
    pad = 4
    out = np.full((rows * h + (rows + 1) * pad, len(cells) * w + (len(cells) + 1) * pad, ch), 255, np.uint8)
    for j, cell in enumerate(cells):
        for i in range(rows):
            out[pad + i * (h + pad):pad + i * (h + pad) + h, pad + j * (w + pad):pad + j * (w + pad) + w] = cell[i]
    save_png(str(path), out)


def main(quick: int = 0, scale: int = 4):
    import keras

    import kgan
    from kgan.apps import super_resolution as sr

    s = dict(SETTINGS, scale=scale)
    if quick:
        s.update(train_images=int(quick) if quick > 1 else 128, test_images=64, pretrain_epochs=2, further_epochs=1)
    keras.utils.set_random_seed(s["seed"])
    hr_train, _ = kgan.data.image_arrays("fashion_mnist", split="train", limit=s["train_images"])
    hr_test, _ = kgan.data.image_arrays("fashion_mnist", split="test", limit=s["test_images"])
    high = hr_train.astype("float32") / 127.5 - 1.0
    low = sr.downscale(high, s["scale"], s["downscale"])
    test_high = hr_test.astype("float32") / 127.5 - 1.0
    test_low = sr.downscale(test_high, s["scale"], s["downscale"])

    gan = sr.build(low.shape[1:], s["scale"], filters=s["filters"], blocks=s["blocks"], seed=s["seed"])
    content = kgan.terms.ContentLoss(sr.fashion_mnist_features(), feature_weight=s["feature_weight"])
    timings = {}
    start = time.perf_counter()
    sr.pretrain(gan, high, low, content, epochs=s["pretrain_epochs"], batch_size=s["batch_size"],
                learning_rate=s["learning_rate"], verbose=2)
    timings["pretrain_s"] = time.perf_counter() - start

    content_only = keras.models.clone_model(gan.generator)
    content_only.set_weights(gan.generator.get_weights())
    start = time.perf_counter()
    sr.pretrain(content_only, high, low, content, epochs=s["further_epochs"], batch_size=s["batch_size"],
                learning_rate=s["gan_learning_rate"], verbose=2)
    timings["content_only_further_s"] = time.perf_counter() - start

    content.weight = 1.0 / s["adversarial_weight"]
    gan.compile(d_optimizer=keras.optimizers.Adam(s["gan_learning_rate"], beta_1=0.9),
                g_optimizer=keras.optimizers.Adam(s["gan_learning_rate"], beta_1=0.9), terms=[content])
    start = time.perf_counter()
    gan.fit(high, low, batch_size=s["batch_size"], epochs=s["further_epochs"], shuffle=True, verbose=2)
    timings["srgan_further_s"] = time.perf_counter() - start

    scores = sr.evaluate({"content-only": content_only, "SRGAN": gan}, test_high, s["scale"], test_low)
    outputs = {"bicubic": sr.bicubic(test_low, s["scale"]), "content-only": sr.super_resolve(content_only, test_low),
               "SRGAN": sr.super_resolve(gan, test_low)}
    real_edges = edge_energy(test_high).mean()
    rows = {name: {"psnr_db": round(v.psnr, 3), "ssim": round(v.ssim, 4),
                   "edge_energy_ratio": round(float(edge_energy(outputs[name]).mean() / real_edges), 3)}
            for name, v in scores.items()}

    print(f"\nx{s['scale']} super-resolution, {s['test_images']} held-out Fashion-MNIST test images")
    print(f"{'method':<14}{'PSNR (dB)':>10}{'SSIM':>8}{'edges':>8}")
    for name, row in rows.items():
        print(f"{name:<14}{row['psnr_db']:>10.2f}{row['ssim']:>8.4f}{row['edge_energy_ratio']:>8.3f}")
    print({k: round(v, 1) for k, v in timings.items()})

    if not quick:
        RUN.mkdir(parents=True, exist_ok=True)
        suffix = "" if scale == 4 else f"_x{scale}"
        gan.save(RUN / f"srgan{suffix}.keras")
        content_only.save(RUN / f"content_only_generator{suffix}.keras")
        nearest = np.repeat(np.repeat(test_low, s["scale"], axis=1), s["scale"], axis=2)
        figure = ROOT / "docs" / "figures" / f"sr_fashion_mnist_x{scale}.png"
        _figure([nearest, outputs["bicubic"], outputs["content-only"], outputs["SRGAN"], test_high], figure)
        results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        results[f"x{scale}"] = {
            "settings": s, "machine": f"{platform.machine()}, Python {platform.python_version()}, CPU shared",
            "results": rows, "timings_s": {k: round(v, 1) for k, v in timings.items()},
        }
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", nargs="?", const=1, type=int, default=0,
                        help="tiny run (optionally: number of training images): checks the script, writes nothing")
    parser.add_argument("--scale", type=int, choices=(2, 4), default=4, help="upscaling factor (default 4)")
    args = parser.parse_args()
    main(args.quick, args.scale)
