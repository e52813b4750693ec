"""Kernel Inception-style distance (KID): an unbiased MMD² between two feature sets.

The Fréchet distance fits one Gaussian per set and is biased upwards at small n, so
short runs with few samples are hard to compare. KID (Bińkowski et al., 2018,
"Demystifying MMD GANs") is the squared maximum mean discrepancy with the cubic
polynomial kernel ``k(x, y) = (x·y / d + 1)^3``, estimated without bias: its mean
over many draws is the true value at any n, so identical distributions give a value
near 0 (slightly negative half of the time).

```python
features = kgan.metrics.feature_extractor(kgan.metrics.fashion_mnist_classifier())
kid = kgan.metrics.KernelDistance(features)
mean, std = kid(x_test, gan.generate(10_000, seed=0))      # lower is better; 0 for equal distributions

kgan.metrics.kernel_distance(real_features, fake_features)  # from feature arrays you already have
```
"""

from __future__ import annotations

import numpy as np

from kgan.metrics._features import FeatureMetric, check_feature_pair

__all__ = ["KernelDistance", "kernel_distance", "polynomial_kernel"]


def polynomial_kernel(x, y) -> np.ndarray:
    """``(x·y / d + 1)^3`` for every pair of rows: the KID kernel, as a ``(len(x), len(y))`` matrix."""
    return (x @ y.T / x.shape[1] + 1.0) ** 3


def _unbiased_mmd2(x, y) -> float:
    """Unbiased MMD² between the sets of rows of ``x`` (m) and ``y`` (n): the diagonals of the
    within-set kernels are left out, since k(x, x) is no sample of E k(x, x')."""
    m, n = len(x), len(y)
    k_xx, k_yy, k_xy = polynomial_kernel(x, x), polynomial_kernel(y, y), polynomial_kernel(x, y)
    within_x = (k_xx.sum() - np.trace(k_xx)) / (m * (m - 1))
    within_y = (k_yy.sum() - np.trace(k_yy)) / (n * (n - 1))
    return float(within_x + within_y - 2.0 * k_xy.mean())


def kernel_distance(features_a, features_b, subsets: int = 100, subset_size: int = 1000,
                    seed=None) -> tuple[float, float]:
    """KID: the unbiased MMD² with the cubic polynomial kernel, averaged over random subsets.

    Each of ``subsets`` draws takes ``min(subset_size, len(set))`` rows of each set without
    replacement and computes the unbiased estimate on them; the result is the mean and the
    standard deviation over the draws. With ``subset_size`` at least both set sizes every draw
    would be the full sets, so the result is the exact unbiased estimate on them (std 0).

    ```python
    mean, std = kgan.metrics.kernel_distance(real_features, fake_features, seed=0)
    ```

    Args:
        features_a, features_b: feature arrays ``(n, d)`` with the same ``d`` and at least 2 rows.
        subsets: number of random subset pairs.
        subset_size: rows per subset (capped by each set's size).
        seed: seeds the subset draws (None: random).

    Returns:
        ``(mean, std)``. Lower is better; the mean can be slightly negative for equal
        distributions, which is what makes it unbiased (do not clip it).
    """
    a, b = check_feature_pair(features_a, features_b, "kernel_distance", minimum=2)
    subsets, subset_size = int(subsets), int(subset_size)
    if subsets < 1 or subset_size < 2:
        raise ValueError(f"kernel_distance needs subsets >= 1 and subset_size >= 2; got {subsets} and {subset_size}.")
    size_a, size_b = min(subset_size, len(a)), min(subset_size, len(b))
    if size_a == len(a) and size_b == len(b):  # every draw would be the full sets: one exact estimate
        return _unbiased_mmd2(a, b), 0.0
    rng = np.random.default_rng(seed)
    values = [_unbiased_mmd2(a[rng.choice(len(a), size_a, replace=False)],
                             b[rng.choice(len(b), size_b, replace=False)]) for _ in range(subsets)]
    return float(np.mean(values)), float(np.std(values))


class KernelDistance(FeatureMetric):
    """KID between two image sets on any feature model (see `kernel_distance`).

    Images are ``(n, h, w, c)`` arrays in [-1, 1] or uint8; a precomputed ``features(...)``
    array can be passed in place of either set, so the reference set is encoded once.

    ```python
    kid = kgan.metrics.KernelDistance(features, seed=0)
    reference = kid.features(x_test)                 # encode once ...
    mean, std = kid(reference, gan.generate(5_000))  # ... compare many times
    ```

    Args:
        feature_model: a Keras model from images to feature vectors (a dict output uses
            its ``"features"`` entry).
        subsets, subset_size, seed: as in `kernel_distance`.
        batch_size: images per forward pass.
        resize: resize/convert images whose shape differs from the model's input.
    """

    def __init__(self, feature_model, subsets: int = 100, subset_size: int = 1000, seed=None,
                 batch_size: int = 500, resize: bool = False):
        super().__init__(feature_model, batch_size=batch_size, resize=resize)
        self.subsets, self.subset_size, self.seed = int(subsets), int(subset_size), seed

    def __call__(self, a, b) -> tuple[float, float]:
        """``(mean, std)`` of KID between two image sets (or feature arrays)."""
        return kernel_distance(self.as_features(a), self.as_features(b), self.subsets, self.subset_size, self.seed)
