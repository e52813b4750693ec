"""Improved-GAN techniques and InfoGAN on Fashion-MNIST: what the techniques buy, measured.

    python benchmarks/improved_gan.py fm-train --variant non_saturating   # plain DCGAN loss
    python benchmarks/improved_gan.py fm-train --variant feature_matching # G matches D's mean features
    python benchmarks/improved_gan.py fm-evaluate     # Fréchet distance (project classifier) of both
    python benchmarks/improved_gan.py infogan-train   # InfoGAN: 62 noise + 10-way + 2 continuous codes (MLP nets)
    python benchmarks/improved_gan.py infogan-evaluate  # purity / NMI of the categorical code vs classes
    python benchmarks/improved_gan.py semi            # (K+1)-class semi-supervised D vs labels alone

Each part prints a table and merges its numbers into
benchmarks/results/improved_gan.json. The trainings are sized for a shared
two-core CPU (width 32, a subset of the training set, a few epochs): the
numbers compare techniques under equal budgets; they are not the papers'
fully-trained figures. Models go to runs/bench-improved/ (not committed);
the InfoGAN traversals are copied to docs/figures/.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import _results  # benchmarks/_results.py (the script's folder is on sys.path)

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "improved_gan.json"
RUN = ROOT / "runs" / "bench-improved"
FIGURES = ROOT / "docs" / "figures"

FM_SETTINGS = {"image_shape": [28, 28, 1], "latent_dim": 100, "width": 32, "batch_size": 64, "limit": 30000,
               "epochs": 3, "seed": 0, "optimizers": "Adam(2e-4, beta_1=0.5) x2", "eval_n": 5000,
               "variants": {"non_saturating": "loss='non_saturating', no terms",
                            "feature_matching": "loss='non_saturating' for D; G loss = FeatureMatching() on "
                                                "D's 'features' (replaces the adversarial G loss)"}}
INFO_SETTINGS = {"image_shape": [28, 28, 1], "noise": 62, "categorical": [10], "continuous": 2, "network": "mlp",
                 "width": 32, "batch_size": 64, "limit": None, "epochs": 5, "seed": 0,
                 "optimizers": "D Adam(2e-4, beta_1=0.5), G Adam(1e-3, beta_1=0.5) (the InfoGAN paper's)",
                 "mutual_information": "categorical_weight=1.0, continuous_weight=0.1", "eval_per_code": 1000}


def _merge(part: str, payload: dict):
    _results.merge(RESULTS, part, payload)


class _SaveEachEpoch:
    """A Keras callback factory: save G after every epoch (so a cut-short run still has stages)."""

    @staticmethod
    def make(folder: Path):
        import keras

        class Save(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                self.model.generator.save(folder / f"generator_epoch{epoch + 1:02d}.keras")
                print(f"epoch {epoch + 1}: {json.dumps({k: round(float(v), 4) for k, v in (logs or {}).items()})}",
                      flush=True)

        return Save()


# ---------------------------------------------------------------------- feature matching
def fm_train(variant: str, epochs: int | None = None):
    import keras

    import kgan

    s = FM_SETTINGS
    epochs = epochs or s["epochs"]
    keras.utils.set_random_seed(s["seed"])
    data = kgan.data.images("fashion_mnist", s["batch_size"], seed=s["seed"], limit=s["limit"])
    gan = kgan.GAN.dcgan(tuple(s["image_shape"]), s["latent_dim"], width=s["width"], seed=s["seed"])
    terms = [kgan.terms.FeatureMatching()] if variant == "feature_matching" else []
    gan.compile(loss="non_saturating", terms=terms)
    folder = RUN / f"fm-{variant}"
    folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    history = gan.fit(data, epochs=epochs, verbose=0, callbacks=[
        kgan.callbacks.SampleGrid(folder / "samples", n=64, seed=1), _SaveEachEpoch.make(folder)])
    seconds = time.perf_counter() - start
    (folder / "train.json").write_text(json.dumps({
        "variant": variant, "epochs": epochs, "seconds": round(seconds, 1),
        "history": {k: [round(float(v), 4) for v in vs] for k, vs in history.history.items()}}, indent=2))
    print(f"{variant}: {epochs} epochs in {seconds:.0f} s")


def fm_evaluate():
    import keras
    import numpy as np

    import kgan

    s = FM_SETTINGS
    n = s["eval_n"]
    x_train, _ = kgan.data.image_arrays("fashion_mnist", "train")
    x_test, _ = kgan.data.image_arrays("fashion_mnist", "test")
    classifier = kgan.metrics.fashion_mnist_classifier(rebuild_if_missing=False)
    fd = kgan.metrics.FrechetDistance(kgan.metrics.feature_extractor(classifier))
    score = kgan.metrics.ClassifierScore(classifier)
    reference = fd.statistics(x_test[:n])
    rng = np.random.default_rng(0)
    real = x_train[rng.choice(len(x_train), n, replace=False)]
    rows = [{"model": "real (train vs test)", "frechet_distance": fd(reference, real), "classifier_score": score(real)}]
    prior = kgan.latent.Uniform(s["latent_dim"], -1.0, 1.0)
    for variant in s["variants"]:
        folder = RUN / f"fm-{variant}"
        stages = sorted(folder.glob("generator_epoch*.keras"))
        train = json.loads((folder / "train.json").read_text()) if (folder / "train.json").exists() else {}
        for path in stages:
            epoch = int(path.stem[-2:])
            generator = keras.models.load_model(path)
            z = prior.sample(n, seed=keras.random.SeedGenerator(123))
            fake = np.concatenate([np.asarray(generator(z[i:i + 1000], training=False)) for i in range(0, n, 1000)])
            rows.append({"model": variant, "epochs": epoch, "frechet_distance": fd(reference, fake),
                         "classifier_score": score(fake), "train_seconds": train.get("seconds")})
    print(f"Fréchet distance (project classifier features, {n} images), DCGAN width {s['width']}, "
          f"{s['limit']} training images, batch {s['batch_size']}")
    print(f"{'model':24}{'epochs':>8}{'Fréchet distance':>18}{'classifier score':>18}")
    for row in rows:
        row["frechet_distance"] = round(float(row["frechet_distance"]), 3)
        row["classifier_score"] = round(float(row["classifier_score"]), 3)
        print(f"{row['model']:24}{row.get('epochs', ''):>8}{row['frechet_distance']:>18.3f}"
              f"{row['classifier_score']:>18.3f}")
    _merge("feature_matching", {"settings": s, "rows": rows})


# ---------------------------------------------------------------------- InfoGAN
def infogan_train(epochs: int | None = None, network: str | None = None):
    import keras

    import kgan
    from kgan.apps import latent

    s = INFO_SETTINGS
    epochs = epochs or s["epochs"]
    network = network or s["network"]
    keras.utils.set_random_seed(s["seed"])
    data = kgan.data.images("fashion_mnist", s["batch_size"], seed=s["seed"], limit=s["limit"])
    gan = kgan.GAN.infogan(tuple(s["image_shape"]), noise=s["noise"], categorical=s["categorical"],
                           continuous=s["continuous"], width=s["width"], seed=s["seed"], network=network)
    gan.compile(terms=[kgan.terms.MutualInformation(gan.latent, categorical_weight=1.0, continuous_weight=0.1)])  # the preset's rates
    folder = RUN / f"infogan-{network}"
    folder.mkdir(parents=True, exist_ok=True)
    gan.generator.save(folder / "generator_epoch00.keras")  # the untrained baseline
    start = time.perf_counter()
    history = gan.fit(data, epochs=epochs, verbose=0, callbacks=[
        kgan.callbacks.SampleGrid(folder / "samples", n=64, seed=1), _SaveEachEpoch.make(folder)])
    seconds = time.perf_counter() - start
    gan.save(folder / "gan.keras")
    for j in range(s["continuous"]):
        kgan.apps.save_png(str(FIGURES / f"infogan_traversal_cont{j}.png"),
                           latent.code_traversal(gan, categorical=0, continuous=j, steps=9, seed=3))
    (folder / "train.json").write_text(json.dumps({
        "epochs": epochs, "seconds": round(seconds, 1),
        "history": {k: [round(float(v), 4) for v in vs] for k, vs in history.history.items()}}, indent=2))
    print(f"infogan: {epochs} epochs in {seconds:.0f} s")


def code_label_table(generator, code, classifier, per_code: int, seed: int = 0):
    """For each value of categorical code 0: the classifier's labels over ``per_code`` samples."""
    import keras
    import numpy as np

    codes, labels = [], []
    k = code.categorical[0]
    for c in range(k):
        z = code.sample(per_code, seed=keras.random.SeedGenerator(seed + c), fixed={"cat0": c})
        images = np.asarray(generator(z, training=False))
        predicted = np.argmax(np.asarray(classifier(images, training=False)), axis=-1)
        codes.append(np.full(per_code, c)), labels.append(predicted)
    return np.concatenate(codes), np.concatenate(labels)


def purity_and_nmi(codes, labels, k: int = 10, classes: int = 10):
    """Purity (mean over code values of the majority label's share) and NMI(code; label)."""
    import numpy as np
    from sklearn.metrics import normalized_mutual_info_score

    table = np.zeros((k, classes), np.int64)
    np.add.at(table, (codes, labels), 1)
    purity = float(np.mean(table.max(axis=1) / np.maximum(table.sum(axis=1), 1)))
    return purity, float(normalized_mutual_info_score(codes, labels)), table


def infogan_evaluate(network: str | None = None):
    import keras
    import numpy as np

    import kgan

    s = INFO_SETTINGS
    network = network or s["network"]
    folder = RUN / f"infogan-{network}"
    code = kgan.latent.InfoCode(s["noise"], s["categorical"], s["continuous"])
    classifier = kgan.metrics.fashion_mnist_classifier(rebuild_if_missing=False)
    names = kgan.metrics.classifiers.FASHION_MNIST_CLASSES if hasattr(
        kgan.metrics.classifiers, "FASHION_MNIST_CLASSES") else [str(i) for i in range(10)]
    rows, tables = [], {}
    final = sorted(folder.glob("generator_epoch*.keras"))
    for path in final:
        epoch = int(path.stem[-2:])
        generator = keras.models.load_model(path)
        codes, labels = code_label_table(generator, code, classifier, s["eval_per_code"])
        purity, nmi, table = purity_and_nmi(codes, labels)
        rows.append({"model": "untrained generator" if epoch == 0 else "InfoGAN", "epochs": epoch,
                     "purity": round(purity, 4), "nmi": round(nmi, 4),
                     # purity alone rewards collapse (one garment everywhere scores 1): count distinct majorities
                     "distinct_majority_labels": len(set(table.argmax(axis=1).tolist()))})
        tables[epoch] = table
        if path == final[-1] and epoch > 0:
            shuffled = np.random.default_rng(0).permutation(codes)  # the code's link to the image cut
            purity, nmi, _ = purity_and_nmi(shuffled, labels)
            rows.append({"model": "InfoGAN, shuffled code", "epochs": epoch,
                         "purity": round(purity, 4), "nmi": round(nmi, 4), "distinct_majority_labels": None})
    print(f"InfoGAN categorical code vs project classifier label ({s['eval_per_code']} samples per code value)")
    print(f"{'model':26}{'epochs':>8}{'purity':>10}{'NMI':>10}{'distinct majority labels':>26}")
    for row in rows:
        print(f"{row['model']:26}{row['epochs']:>8}{row['purity']:>10.4f}{row['nmi']:>10.4f}"
              f"{str(row['distinct_majority_labels'] or '-'):>26}")
    last = max(tables)
    print(f"label counts per code value after {last} epoch(s) (rows: code value; columns: {', '.join(names)})")
    for c, counts in enumerate(tables[last]):
        print(f"  cat0={c}: {' '.join(f'{v:4d}' for v in counts)}  -> {names[int(np.argmax(counts))]}")
    trained = [r for r in rows if r["model"] == "InfoGAN"]
    # One results entry per network, so evaluating the other one never overwrites the default's numbers.
    _merge("infogan" if network == s["network"] else f"infogan_{network}", {
        "settings": {**s, "network": network}, "rows": rows, "counts_final": tables[last].tolist(), "classes": list(names),
        "target": "purity >= 0.7 (a code G ignores scores about 0.1)",
        "met": bool(trained and trained[-1]["purity"] >= 0.7)})


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=("fm-train", "fm-evaluate", "infogan-train", "infogan-evaluate", "semi"))
    parser.add_argument("--variant", choices=tuple(FM_SETTINGS["variants"]), default="non_saturating")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--network", choices=("mlp", "dcgan"), default=None, help="infogan: GAN.infogan's networks")
    parser.add_argument("--seeds", type=int, default=1, help="semi: how many seeds (label draws)")
    args = parser.parse_args(argv)
    if args.part == "fm-train":
        fm_train(args.variant, args.epochs)
    elif args.part == "fm-evaluate":
        fm_evaluate()
    elif args.part == "infogan-train":
        infogan_train(args.epochs, args.network)
    elif args.part == "infogan-evaluate":
        infogan_evaluate(args.network)
    elif args.part == "semi":
        semi(seeds=args.seeds, epochs=args.epochs)


SEMI_SETTINGS = {"labels_per_class": 100, "unlabeled_limit": 60000, "batch_size": 100, "epochs": 10,
                 "network": "mlp", "latent_dim": 100, "generator_objective": "feature matching on D's 'features'",
                 "discriminator": "kgan.apps.semi_supervised.mlp_discriminator (the paper's 1000-500-250-250-250 "
                                  "ReLU MLP with Gaussian noise, K class logits, real/fake logit = logsumexp)",
                 "optimizer": "Adam(3e-3, beta_1=0.5) decayed linearly to 0, both players",
                 "baseline": "the same network, optimizer and noise on the 1000 labels alone, as many "
                             "labelled-batch updates",
                 "test_images": 10000}


def semi(seeds: int = 1, epochs: int | None = None):
    import math

    import numpy as np

    import kgan
    from kgan.apps import semi_supervised as ssl

    s = SEMI_SETTINGS
    epochs = epochs or s["epochs"]
    x_train, y_train = kgan.data.image_arrays("fashion_mnist", "train")
    x_test, y_test = kgan.data.image_arrays("fashion_mnist", "test")
    unlabeled = x_train[:s["unlabeled_limit"]]
    updates = epochs * (len(unlabeled) // s["batch_size"])
    rows = []
    for seed in range(seeds):
        (x_l, y_l), _ = ssl.labeled_subset(x_train, y_train, s["labels_per_class"], seed=seed)
        start = time.perf_counter()
        result = ssl.train((x_l, y_l), unlabeled, epochs=epochs, batch_size=s["batch_size"], network=s["network"],
                           latent_dim=s["latent_dim"], seed=seed, verbose=0)
        ssl_seconds = time.perf_counter() - start
        semi_accuracy = result.accuracy(x_test, y_test)
        kgan.apps.save_png(str(RUN / f"semi_samples_seed{seed}.png"),
                           kgan.apps.image_grid(result.gan.generate(64, seed=1)))
        baseline_epochs = math.ceil(updates / (len(x_l) // s["batch_size"]))
        start = time.perf_counter()
        baseline, _ = ssl.train_supervised((x_l, y_l), epochs=baseline_epochs, batch_size=s["batch_size"],
                                           network=s["network"], seed=seed, verbose=0)
        base_seconds = time.perf_counter() - start
        rows.append({"seed": seed, "semi_supervised": round(semi_accuracy, 4),
                     "labels_only": round(ssl.accuracy(baseline, x_test, y_test), 4),
                     "semi_seconds": round(ssl_seconds, 1), "labels_only_seconds": round(base_seconds, 1),
                     "labels_only_epochs": baseline_epochs,
                     "final": {k: round(float(v[-1]), 4) for k, v in result.history.items()}})
        print(f"seed {seed}: semi-supervised {rows[-1]['semi_supervised']:.4f} ({ssl_seconds:.0f} s), "
              f"labels only {rows[-1]['labels_only']:.4f} ({base_seconds:.0f} s)", flush=True)
        mean = {k: round(float(np.mean([r[k] for r in rows])), 4) for k in ("semi_supervised", "labels_only")}
        _merge("semi_supervised", {"settings": {**s, "epochs": epochs, "discriminator_updates": updates},
                                   "rows": rows, "mean": mean})
    print(f"Fashion-MNIST test accuracy, {s['labels_per_class']} labels per class, {len(unlabeled)} unlabeled "
          f"images, {epochs} epochs ({updates} D updates)")
    print(f"{'seed':>6}{'semi-supervised GAN':>22}{'labels only':>14}")
    for row in rows:
        print(f"{row['seed']:>6}{row['semi_supervised']:>22.4f}{row['labels_only']:>14.4f}")
    print(f"{'mean':>6}{mean['semi_supervised']:>22.4f}{mean['labels_only']:>14.4f}")


if __name__ == "__main__":
    main()
