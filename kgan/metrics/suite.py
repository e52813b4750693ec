"""Every feature-space metric at once, by name, from two feature arrays; and feature models by name.

`sample_quality` is what ``kgan evaluate`` and `kgan.callbacks.SampleQuality` compute:

```python
real = kgan.metrics.feature_model("fashion_mnist")          # the project classifier's features
fd = kgan.metrics.FrechetDistance(real)
values = kgan.metrics.sample_quality(fd.features(x_test), fd.features(fake), metrics=("fd", "kid", "precision"))
# {"fd": 6.7, "kid": 0.012, "kid_std": 0.001, "precision": 0.71}
```
"""

from __future__ import annotations

from kgan.metrics._features import check_feature_pair

__all__ = ["METRICS", "feature_model", "sample_quality"]

#: Names `sample_quality` computes, with the direction that is better (as Keras' ``mode`` spells it).
METRICS = {"fd": "min", "kid": "min", "precision": "max", "recall": "max", "density": "max", "coverage": "max"}


def check_metric_names(metrics) -> tuple[str, ...]:
    """``metrics`` as a tuple of known names, or a ValueError listing the known ones."""
    names = (metrics,) if isinstance(metrics, str) else tuple(metrics)
    unknown = [m for m in names if m not in METRICS]
    if unknown or not names:
        raise ValueError(f"Unknown sample-quality metric(s) {unknown or names!r}; known: {', '.join(METRICS)}.")
    return names


def sample_quality(real_features, fake_features, metrics=("fd", "kid"), seed=0, kid_subsets: int = 100,
                   kid_subset_size: int = 1000, pr_k: int = 3, dc_k: int = 5) -> dict[str, float]:
    """The named metrics between two feature sets, as a dict (``"kid"`` adds ``"kid_std"``).

    Names: ``fd`` (Fréchet distance), ``kid`` (kernel distance, with ``kid_std``),
    ``precision``/``recall`` (k = ``pr_k``), ``density``/``coverage`` (k = ``dc_k``).
    Each pair is computed once even when both of its names are asked for.
    """
    from kgan.metrics.images import feature_statistics, frechet_distance
    from kgan.metrics.kernel import kernel_distance
    from kgan.metrics.manifold import density_coverage, precision_recall

    names = check_metric_names(metrics)
    real, fake = check_feature_pair(real_features, fake_features, "sample_quality", minimum=2)
    out = {}
    if "fd" in names:
        out["fd"] = frechet_distance(*feature_statistics(real), *feature_statistics(fake))
    if "kid" in names:
        out["kid"], out["kid_std"] = kernel_distance(real, fake, kid_subsets, kid_subset_size, seed)
    if {"precision", "recall"} & set(names):
        out["precision"], out["recall"] = precision_recall(real, fake, pr_k)
    if {"density", "coverage"} & set(names):
        out["density"], out["coverage"] = density_coverage(real, fake, dc_k)
    return {k: v for k, v in out.items() if k in names or k == "kid_std"}


def feature_model(source="fashion_mnist", layer: str = "features"):
    """A Keras model from images to feature vectors, from a name or a model.

    - ``"fashion_mnist"``: the project's shipped classifier, its 128-d ``"features"`` layer;
    - a Keras model with a layer named ``layer``: a model from its input to that layer;
    - any other Keras model (e.g. a dict output with ``"features"``, or one whose output is
      the features): used as it is.

    For numbers comparable with published FIDs, see `kgan.metrics.inception_v3_features`.
    """
    import keras

    from kgan.metrics import classifiers

    if isinstance(source, str):
        if source.lower().replace("-", "_") == "fashion_mnist":
            return classifiers.feature_extractor(classifiers.fashion_mnist_classifier())
        raise ValueError(f"No feature model named {source!r}: kgan ships 'fashion_mnist'. Pass a Keras model (its "
                         f"{layer!r} layer or output is used), or kgan.metrics.inception_v3_features(weights=path).")
    if not isinstance(source, keras.Model):
        raise TypeError(f"A feature model must be a Keras model or 'fashion_mnist'; got {type(source).__name__}.")
    if layer in {lyr.name for lyr in source.layers}:
        return classifiers.feature_extractor(source, layer)
    return source
