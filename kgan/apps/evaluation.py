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

from kgan import latent as latent_lib
from kgan.gan import GAN

__all__ = ["EvaluationReport", "Sampler", "evaluate", "load_sampler", "project_classifier"]



@dataclass
class Sampler:
    """A generator and its latent prior: enough to draw images reproducibly."""

    generator: keras.Model
    latent: latent_lib.Prior

    def generate(self, n: int, seed: int = 0, batch_size: int = 1000, fixed: dict | None = None) -> np.ndarray:
        """``n`` images in [-1, 1]; ``fixed`` pins InfoGAN codes (``{"cat0": 3, "cont1": -1.5}``)."""
        if fixed and not isinstance(self.latent, latent_lib.InfoCode):
            raise ValueError(f"Fixing codes needs an InfoGAN (kgan.latent.InfoCode prior); this one has {self.latent!r}.")
        seeds = keras.random.SeedGenerator(seed)
        chunks = []
        for start in range(0, n, batch_size):
            size = min(batch_size, n - start)
            z = self.latent.sample(size, seed=seeds, fixed=fixed) if fixed else self.latent.sample(size, seed=seeds)
            chunks.append(np.asarray(self.generator(z, training=False)))
        return np.concatenate(chunks)


def load_sampler(path, latent=None) -> Sampler:
    """A `Sampler` from a saved ``gan.keras`` (prior included) or a bare ``generator.keras``.

    A bare generator does not record its prior: pass ``latent`` ("normal",
    "uniform" for U(-1, 1), or a `kgan.latent` prior). With a GAN file,
    ``latent`` must be None or match the saved prior's dimension.
    """
    model = keras.models.load_model(path)
    if isinstance(model, GAN):
        if model._generator_needs_condition():
            raise ValueError(f"{path} holds a conditional GAN: sampling it needs conditions (use the Python API).")
        if latent is not None and _prior(latent, model.latent.dim).get_config() != model.latent.get_config():
            raise ValueError(
                f"{path} was trained with the prior {model.latent!r}; a different --latent would give wrong "
                "samples. Leave --latent out for GAN files (it is for bare generator files)."
            )
        return Sampler(model.generator, model.latent)
    if not isinstance(model, keras.Model) or not model.inputs:
        raise TypeError(f"{path} holds a {type(model).__name__}, neither a kgan GAN nor a generator model.")
    if len(model.inputs) != 1:
        raise ValueError(f"{path}: the generator takes {len(model.inputs)} inputs (conditional); use the Python API.")
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


@dataclass
class EvaluationReport:
    data: str
    n: int
    rows: list = field(default_factory=list)  # dicts: name, frechet_distance, classifier_score

    def table(self) -> str:
        lines = [f"{self.data}, {self.n} images per set; Fréchet distance on the classifier's "
                 "features (lower is better), classifier score (higher is better)",
                 f"  {'':34}{'Fréchet distance':>18}{'classifier score':>18}"]
        for r in self.rows:
            fd = "-" if r["frechet_distance"] is None else f"{r['frechet_distance']:.3f}"
            lines.append(f"  {r['name']:34}{fd:>18}{r['classifier_score']:>18.3f}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"data": self.data, "n": self.n, "rows": self.rows}


def evaluate(sampler_or_images, data: str = "fashion_mnist", n: int = 10_000, seed: int = 0,
             classifier=None) -> EvaluationReport:
    """Fréchet distance and classifier score of generated images, next to real-versus-real figures.

    Args:
        sampler_or_images: a `Sampler`, a `kgan.GAN`, or an array of images in [-1, 1].
        data: the dataset the generator imitates (its test split is the reference).
        n: images per set (capped by the test split's size).
        classifier: a Keras classifier with softmax output and a ``"features"``
            layer; default: the project's classifier for ``data``.
    """
    from kgan.data.images import image_arrays
    from kgan.metrics import classifiers
    from kgan.metrics.images import ClassifierScore, FrechetDistance

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
    fd = FrechetDistance(classifiers.feature_extractor(classifier), resize=True)
    score = ClassifierScore(classifier, resize=True)
    reference = fd.statistics(test)
    report = EvaluationReport(data, n)
    for name, images in (("generated vs real test", fake), ("real train vs real test", train)):
        report.rows.append({"name": name, "frechet_distance": round(fd(reference, images), 4),
                            "classifier_score": round(score(images), 4)})
    report.rows.append({"name": "real test", "frechet_distance": None,
                        "classifier_score": round(score(test), 4)})
    return report
