"""Evaluate a saved generator against a dataset, next to real data's own figures.

A Fréchet distance alone means little: this reports it beside the distance
between two real sets (held-out test images versus training images), which is
the floor a perfect generator would reach with this feature model and n.

```python
from kgan.apps import evaluation
sampler = evaluation.load_sampler("runs/fmnist/gan.keras")
report = evaluation.evaluate(sampler, data="fashion_mnist", n=10_000)
print(report.table())
```
"""

from __future__ import annotations

from dataclasses import dataclass, field

import keras
import numpy as np

from kgan import _atomic, _gan_ema, _nets
from kgan import latent as latent_lib
from kgan.gan import GAN

__all__ = ["EvaluationReport", "Sampler", "evaluate", "load_sampler", "project_classifier"]



@dataclass
class Sampler:
    """A generator and its latent prior: enough to draw images reproducibly."""

    generator: keras.Model
    latent: latent_lib.Prior

    def generate(self, n: int, seed: int = 0, batch_size: int = 1000, fixed: dict | None = None,
                 truncation: float | None = None) -> np.ndarray:
        """``n`` images in [-1, 1]; ``fixed`` pins InfoGAN codes (``{"cat0": 3, "cont1": -1.5}``);
        ``truncation`` draws a Normal prior's z within ``± truncation`` standard deviations."""
        if fixed and not isinstance(self.latent, latent_lib.InfoCode):
            raise ValueError(f"Fixing codes needs an InfoGAN (kgan.latent.InfoCode prior); this one has {self.latent!r}.")
        if fixed and truncation is not None:
            raise ValueError("truncation applies to Normal priors, fixed codes to InfoGAN's: pass one of them.")
        seeds = keras.random.SeedGenerator(seed)
        chunks = []
        for start in range(0, n, batch_size):
            size = min(batch_size, n - start)
            z = self.latent.sample(size, seed=seeds, fixed=fixed) if fixed else \
                _gan_ema.sample_latent(self.latent, size, seeds, truncation)
            chunks.append(np.asarray(self.generator(z, training=False)))
        return np.concatenate(chunks)


def load_sampler(path, latent=None) -> Sampler:
    """A `Sampler` from a saved ``gan.keras`` (prior included) or a bare ``generator.keras``.

    A GAN compiled with ``ema=`` is sampled through its averaged generator (``gan.ema``).

    A bare generator does not record its prior: pass ``latent`` ("normal",
    "uniform" for U(-1, 1), or a `kgan.latent` prior). With a GAN file,
    ``latent`` must be None or match the saved prior's dimension.
    """
    _atomic.check_keras_file(path)  # a truncated file: "corrupt", not Keras' "File not found"
    model = keras.models.load_model(path)
    if isinstance(model, GAN):
        if model._generator_needs_condition():
            raise ValueError(f"{path} holds a conditional GAN: sampling it needs conditions (use the Python API).")
        if latent is not None and _prior(latent, model.latent.dim).get_config() != model.latent.get_config():
            raise ValueError(
                f"{path} was trained with the prior {model.latent!r}; a different --latent would give wrong "
                "samples. Leave --latent out for GAN files (it is for bare generator files)."
            )
        return Sampler(_gan_ema.sampling_generator(model), model.latent)  # the averaged G when the GAN keeps one
    if not isinstance(model, keras.Model) or not model.inputs:
        raise TypeError(f"{path} holds a {type(model).__name__}, neither a kgan GAN nor a generator model.")
    if len(model.inputs) != 1:
        raise ValueError(f"{path}: the generator takes {len(model.inputs)} inputs (conditional); use the Python API.")
    if problem := _nets.not_a_generator(model, str(path)):
        raise ValueError(problem)
    if latent is None:
        raise ValueError(
            f"{path} holds only a generator, which does not record its latent prior: say which one it was "
            "trained with (--latent uniform for kgan's DCGAN preset, --latent normal for Normal priors), "
            "or use the gan.keras file saved beside it."
        )
    return Sampler(model, _prior(latent, int(model.inputs[0].shape[-1])))


def _prior(latent, dim):
    if isinstance(latent, str):
        return latent_lib.from_name(latent, dim)
    prior = latent_lib.get(latent)
    if prior.dim != dim:
        raise ValueError(f"The latent prior has dim {prior.dim} but the generator takes {dim}.")
    return prior


def project_classifier(data: str) -> keras.Model:
    """The project's own classifier for a dataset name (only Fashion-MNIST so far)."""
    from kgan.metrics import classifiers

    if data.lower().replace("-", "_") == "fashion_mnist":
        return classifiers.fashion_mnist_classifier()
    raise ValueError(
        f"kgan has no evaluation classifier for {data!r} yet (only 'fashion_mnist'). In Python, pass "
        "classifier=your_keras_classifier (softmax output plus a 'features' layer) to evaluate()."
    )


#: Report rows: (key, label, which way is better, format).
_COLUMNS = (("frechet_distance", "Fréchet distance", "lower", "{:.4g}"),
            ("kid", "kernel distance (KID)", "lower", "{:.4g}"),
            ("precision", "precision", "higher", "{:.3f}"),
            ("recall", "recall", "higher", "{:.3f}"),
            ("density", "density", "higher", "{:.3f}"),
            ("coverage", "coverage", "higher", "{:.3f}"),
            ("classifier_score", "classifier score", "higher", "{:.3f}"))
_METRIC_KEYS = {"fd": "frechet_distance", "kid": "kid", "precision": "precision", "recall": "recall",
                "density": "density", "coverage": "coverage"}


@dataclass
class EvaluationReport:
    """The numbers of `evaluate`: ``rows`` (one dict per image set) and a table beside real-vs-real."""

    data: str
    n: int
    rows: list = field(default_factory=list)  # dicts: name, frechet_distance, kid, kid_std, precision, ...
    seconds: float | None = None

    def table(self) -> str:
        by_name = {r["name"]: r for r in self.rows}
        sets = [name for name in ("generated vs real test", "real train vs real test") if name in by_name]
        lines = [f"{self.data}, {self.n} images per set, on the project classifier's features "
                 "(real train vs real test is what a perfect generator would score)",
                 f"  {'':24}" + "".join(f"{name:>26}" for name in sets) + f"{'better':>9}"]
        for key, label, better, fmt in _COLUMNS:
            cells = []
            for name in sets:
                value = by_name[name].get(key)
                cell = "-" if value is None else fmt.format(value)
                if key == "kid" and value is not None:
                    cell += " ± " + fmt.format(by_name[name]["kid_std"])
                cells.append(f"{cell:>26}")
            lines.append(f"  {label:24}" + "".join(cells) + f"{better:>9}")
        if "real test" in by_name:
            lines.append(f"  classifier score of the real test images: {by_name['real test']['classifier_score']:.3f}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"data": self.data, "n": self.n, "rows": self.rows, "seconds": self.seconds}


def evaluate(sampler_or_images, data: str = "fashion_mnist", n: int = 10_000, seed: int = 0,
             classifier=None, verbose: int = 0, kid_subsets: int = 100, kid_subset_size: int = 1000,
             pr_k: int = 3, dc_k: int = 5) -> EvaluationReport:
    """Every sample-quality metric of generated images, next to real-versus-real figures.

    Fréchet distance, kernel distance (KID, ± its std over subsets), precision, recall,
    density, coverage (on the classifier's features) and the classifier score, for the
    generated images against ``n`` real test images, and the same for ``n`` real training
    images against the same test images.

    Args:
        sampler_or_images: a `Sampler`, a `kgan.GAN`, or an array of images in [-1, 1].
        data: the dataset the generator imitates (its test split is the reference).
        n: images per set (capped by the test split's size).
        classifier: a Keras classifier with softmax output and a ``"features"``
            layer; default: the project's classifier for ``data``.
        verbose: 1 shows a progress bar (Keras' own) over the stages.
        kid_subsets, kid_subset_size, pr_k, dc_k: as in `kgan.metrics.sample_quality`.
    """
    import time

    from kgan.data.images import image_arrays
    from kgan.metrics import classifiers
    from kgan.metrics._features import FeatureMetric
    from kgan.metrics.images import ClassifierScore
    from kgan.metrics.suite import sample_quality

    start = time.perf_counter()
    # Stages: sampling, the reference features, two image sets (features + metrics, classifier score).
    progress = keras.utils.Progbar(7, verbose=verbose, unit_name="stage")
    classifier = classifier if classifier is not None else project_classifier(data)
    x_test, _ = image_arrays(data, "test")
    x_train, _ = image_arrays(data, "train")
    n = min(int(n), len(x_test), len(x_train))
    rng = np.random.default_rng(seed)
    test = x_test[rng.choice(len(x_test), n, replace=False)] if n < len(x_test) else x_test
    train = x_train[rng.choice(len(x_train), n, replace=False)]
    if isinstance(sampler_or_images, np.ndarray):
        if len(sampler_or_images) < n:
            raise ValueError(f"Got {len(sampler_or_images)} generated images for n={n}: pass n images (or lower n), "
                             "so that both sides of every comparison have the same size.")
        fake = sampler_or_images[:n]
    else:
        fake = sampler_or_images.generate(n, seed=seed)
    progress.update(1)
    encoder = FeatureMetric(classifiers.feature_extractor(classifier), resize=True)
    score = ClassifierScore(classifier, resize=True)
    reference = encoder.features(test)
    progress.update(2)
    report = EvaluationReport(data, n)
    for name, images in (("generated vs real test", fake), ("real train vs real test", train)):
        values = sample_quality(reference, encoder.features(images), tuple(_METRIC_KEYS), seed=seed,
                                kid_subsets=kid_subsets, kid_subset_size=kid_subset_size, pr_k=pr_k, dc_k=dc_k)
        row = {"name": name, **{_METRIC_KEYS.get(k, k): round(v, 6) for k, v in values.items()}}
        row["classifier_score"] = round(score(images), 4)
        report.rows.append(row)
        progress.update(len(report.rows) * 2 + 2)
    report.rows.append({"name": "real test", "classifier_score": round(score(test), 4)})
    progress.update(7, finalize=True)  # the last stage is the real test images' classifier score
    report.seconds = round(time.perf_counter() - start, 1)
    return report
