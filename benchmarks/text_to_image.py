"""Text to image (GAN-INT-CLS) on Fashion-MNIST with composed captions: does the image show what the caption says?

    python benchmarks/text_to_image.py train       # trains, saves runs/bench-t2i/gan.keras
    python benchmarks/text_to_image.py evaluate    # accuracy + per-class Fréchet distance, figures
    python benchmarks/text_to_image.py all         # both (default)

Measured on captions whose phrasings were held out from training (new
templates, new attribute-noun pairings; see kgan.data.captions): the project
classifier's accuracy on the generated images (the class the caption names is
the target), next to the same figure for training phrasings, the real test
images and chance; and the Fréchet distance per class (the classifier's
features) between generated and real test images of that class, next to the
real-vs-real distance at the same n. Prints a table and writes
benchmarks/results/text_to_image.json; figures go to docs/figures/t2i_*.png.

Sized for one CPU core (about 20 minutes): width-32 nets, all 60,000 training
images, 8 epochs (7,496 steps), batch 64, the convolutional text encoder; GAN-CLS
plus feature matching added to G's loss (a first run with GAN-INT-CLS alone
collapsed: one image per caption, whatever z), and an averaged generator
(ema 0.999), which the evaluation samples. After each epoch it also measures
the held-out accuracy of the live and the averaged generator on 2 images per
caption (the trajectory in the results).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import _results  # benchmarks/_results.py (the script's folder is on sys.path)
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "text_to_image.json"
RUN = ROOT / "runs" / "bench-t2i"
FIGURES = ROOT / "docs" / "figures"
SETTINGS = {"image_shape": [28, 28, 1], "limit": None, "epochs": 8, "batch_size": 64, "width": 32,
            "latent_dim": 100, "text_dim": 64, "embedding_dim": 32, "units": 64, "encoder": "conv",
            "sequence_length": 16, "matching_weight": 1.0, "interpolation_weight": 0.0,
            "feature_matching_weight": 1.0, "ema": 0.999, "seed": 0,
            "loss": "non_saturating", "optimizers": "Adam(2e-4, beta_1=0.5) x2"}
PER_CAPTION = 10  # images per held-out caption: 50 phrasings x 10 = 500 images per class
TRACK_PER_CAPTION = 2  # the per-epoch trajectory: 50 phrasings x 2 = 100 images per class


def held_out_accuracy(gan, classifier, per_caption: int, ema=None, seed: int = 0) -> float:
    """Mean over classes of the classifier's accuracy on images generated from held-out captions."""
    from kgan.apps import text_to_image as t2i
    from kgan.data import captions as cap

    accuracies = []
    for k in range(10):
        images = t2i.generate(gan, cap.fashion_mnist_phrasings(k, "held_out"), per_caption, seed=seed + k, ema=ema)
        predicted = np.asarray(classifier.predict(images.reshape(-1, *images.shape[2:]), batch_size=500, verbose=0))
        accuracies.append(float((predicted.argmax(-1) == k).mean()))
    return float(np.mean(accuracies))


def _trajectory_callback(classifier, rows):
    import keras

    class HeldOutAccuracy(keras.callbacks.Callback):
        """After each epoch: held-out accuracy of the live and (when kept) the averaged generator."""

        def on_epoch_end(self, epoch, logs=None):
            row = {"epoch": epoch + 1, "live": round(held_out_accuracy(self.model, classifier, TRACK_PER_CAPTION,
                                                                       ema=False), 4)}
            if self.model.ema is not None:
                row["ema"] = round(held_out_accuracy(self.model, classifier, TRACK_PER_CAPTION, ema=True), 4)
            rows.append(row)
            print(f"  epoch {row['epoch']}: held-out accuracy {row['live']:.3f} (live)"
                  + (f", {row['ema']:.3f} (average)" if "ema" in row else ""), flush=True)

    return HeldOutAccuracy()


def _merge(part: str, payload: dict):
    _results.merge(RESULTS, part, payload, SETTINGS)


def train():
    import keras

    import kgan
    from kgan.apps import text_to_image as t2i

    s = SETTINGS
    keras.utils.set_random_seed(s["seed"])
    data = kgan.data.fashion_mnist_with_captions(s["batch_size"], phrasings="train", limit=s["limit"], seed=s["seed"])
    classifier = kgan.metrics.fashion_mnist_classifier(rebuild_if_missing=False)
    trajectory = []
    result = t2i.train(data, epochs=s["epochs"], seed=s["seed"], width=s["width"], latent_dim=s["latent_dim"],
                       text_dim=s["text_dim"], embedding_dim=s["embedding_dim"], units=s["units"],
                       encoder=s["encoder"], sequence_length=s["sequence_length"],
                       matching_weight=s["matching_weight"], interpolation_weight=s["interpolation_weight"],
                       feature_matching_weight=s["feature_matching_weight"], ema=s["ema"],
                       callbacks=[kgan.callbacks.TerminateOnNonFinite(), _trajectory_callback(classifier, trajectory)])
    RUN.mkdir(parents=True, exist_ok=True)
    result.gan.save(RUN / "gan.keras")
    steps = s["epochs"] * ((s["limit"] or 60_000) // s["batch_size"])
    payload = {"seconds": round(result.seconds, 1), "steps": steps,
               "images_per_second": round(steps * s["batch_size"] / result.seconds, 1),
               "held_out_accuracy_per_epoch": trajectory,
               "history": {k: [round(float(v), 4) for v in vs] for k, vs in result.history.items()}}
    _merge("train", payload)
    print(f"trained {steps} steps in {result.seconds:.0f} s -> {RUN / 'gan.keras'}")


def _accuracy(classifier, images, label):
    probs = np.asarray(classifier.predict(images, batch_size=500, verbose=0))
    return float((probs.argmax(-1) == label).mean()), np.bincount(probs.argmax(-1), minlength=10)


def evaluate():
    import kgan
    from kgan.apps import text_to_image as t2i
    from kgan.data import captions as cap

    gan = t2i.load(RUN / "gan.keras")
    classifier = kgan.metrics.fashion_mnist_classifier(rebuild_if_missing=False)
    fd = kgan.metrics.FrechetDistance(kgan.metrics.feature_extractor(classifier))
    x_test, y_test = kgan.data.image_arrays("fashion_mnist", "test")
    x_test = x_test.astype(np.float32) / 127.5 - 1.0
    real_acc = float((np.asarray(classifier.predict(x_test, batch_size=1000, verbose=0)).argmax(-1) == y_test).mean())
    rows, confusion = [], np.zeros((10, 10), dtype=int)
    started = time.perf_counter()
    for k, name in enumerate(kgan.metrics.FASHION_MNIST_CLASSES):
        held_out = cap.fashion_mnist_phrasings(k, "held_out")
        train_phr = cap.fashion_mnist_phrasings(k, "train")[:len(held_out)]
        gen_held = t2i.generate(gan, held_out, PER_CAPTION, seed=k).reshape(-1, 28, 28, 1)
        gen_train = t2i.generate(gan, train_phr, PER_CAPTION, seed=k).reshape(-1, 28, 28, 1)
        acc_held, counts = _accuracy(classifier, gen_held, k)
        acc_train, _ = _accuracy(classifier, gen_train, k)
        confusion[k] = counts
        real = x_test[y_test == k]
        n = len(gen_held)
        rows.append({"class": k, "name": name, "n": n, "accuracy_held_out": round(acc_held, 4),
                     "accuracy_train_phrasings": round(acc_train, 4),
                     "frechet_held_out": round(fd(real[:n], gen_held), 3),
                     "frechet_real_vs_real": round(fd(real[:n], real[n:2 * n]), 3)})
    mean = {key: round(float(np.mean([r[key] for r in rows])), 4)
            for key in ("accuracy_held_out", "accuracy_train_phrasings", "frechet_held_out", "frechet_real_vs_real")}
    if gan.ema is not None:  # the table samples the average; the live generator's figure beside it
        mean["accuracy_held_out_live_generator"] = round(held_out_accuracy(gan, classifier, PER_CAPTION, ema=False), 4)
    payload = {"images_per_class": rows[0]["n"], "rows": rows, "mean": mean, "chance": 0.1,
               "classifier_accuracy_on_real_test": round(real_acc, 4),
               "confusion_held_out": confusion.tolist(), "seconds": round(time.perf_counter() - started, 1)}
    _merge("evaluate", payload)
    _figures(gan)
    print(f"\nHeld-out captions (50 phrasings x {PER_CAPTION} images per class); classifier accuracy on real test "
          f"images {real_acc:.3f}, chance 0.100")
    print(f"  {'class':14}{'acc held-out':>14}{'acc train phr.':>16}{'FD held-out':>13}{'FD real/real':>14}")
    for r in rows + [{"name": "mean", **mean}]:
        print(f"  {r['name']:14}{r['accuracy_held_out']:>14.3f}{r['accuracy_train_phrasings']:>16.3f}"
              f"{r['frechet_held_out']:>13.3f}{r['frechet_real_vs_real']:>14.3f}")


def _figures(gan):
    from kgan.apps import text_to_image as t2i
    from kgan.data import captions as cap

    captions = [cap.fashion_mnist_phrasings(k, "held_out")[i] for k, i in
                ((0, 3), (1, 40), (2, 13), (3, 44), (4, 20), (5, 26), (6, 41), (7, 9), (8, 47), (9, 30))]
    t2i.caption_figure(captions, t2i.generate(gan, captions, 8, seed=1), FIGURES / "t2i_held_out.png",
                       title="Held-out captions (never seen in training); each column shares its latent vector")
    pairs = [("a sneaker", "an ankle boot"), ("a t-shirt", "a long-sleeved pullover"),
             ("a pair of trousers", "a dress"), ("a sandal", "a bag")]
    rows = np.stack([t2i.interpolate(gan, a, b, steps=8, seed=2) for a, b in pairs])
    t2i.caption_figure([f"{a} → {b}" for a, b in pairs], rows, FIGURES / "t2i_interpolation.png",
                       title="Interpolating the text embedding (fixed latent vector)")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("part", nargs="?", choices=("train", "evaluate", "all"), default="all")
    args = parser.parse_args()
    if args.part in ("train", "all"):
        train()
    if args.part in ("evaluate", "all"):
        evaluate()


if __name__ == "__main__":
    main()
