"""Quality and diversity apart: improved precision/recall and density/coverage on k-NN balls.

One distance (FD, KID) cannot tell a collapsed generator with sharp samples from a
diverse blurry one. These metrics estimate each set's manifold in feature space as the
union of balls around its points, each ball reaching the point's k-th nearest neighbour
in its own set:

- **precision**: the share of generated samples inside the real manifold (quality);
- **recall**: the share of real samples inside the generated manifold (diversity);
- **density** (Naeem et al., 2020): how many real balls contain each generated sample,
  divided by k (about 1 when the two distributions match; above 1 where samples crowd
  into dense real regions; robust to real outliers, unlike precision);
- **coverage**: the share of real balls that contain at least one generated sample
  (about ``1 - 2^-k`` for matching distributions, ~0.97 at k=5; robust to fake outliers).

```python
precision, recall = kgan.metrics.precision_recall(real_features, fake_features, k=3)
density, coverage = kgan.metrics.density_coverage(real_features, fake_features, k=5)
```

Distances are computed in blocks of rows, so 10,000 x 10,000 sets need about 80 MB, not 800.
"""

from __future__ import annotations

import numpy as np

from kgan.metrics._features import check_feature_pair

__all__ = ["density_coverage", "knn_radii", "precision_recall"]

_BLOCK = 1024  # rows per distance block: 1024 x 10,000 float64 distances are 80 MB


def _squared_norms(x):
    return np.einsum("ij,ij->i", x, x)


def _distance_blocks(a, b):
    """Yield ``(start, distances)``: Euclidean distances from ``a[start:start+block]`` to every row of ``b``."""
    norms_b = _squared_norms(b)
    for start in range(0, len(a), _BLOCK):
        rows = a[start:start + _BLOCK]
        squared = _squared_norms(rows)[:, None] + norms_b[None, :] - 2.0 * rows @ b.T
        yield start, np.sqrt(np.maximum(squared, 0.0))


def knn_radii(features, k: int) -> np.ndarray:
    """Distance from each row to its k-th nearest neighbour among the other rows (itself excluded)."""
    if len(features) <= k:
        raise ValueError(f"k={k} nearest neighbours need more than k points per set; got {len(features)}. "
                         "Use more samples (thousands) or a smaller k.")
    radii = np.empty(len(features))
    for start, dist in _distance_blocks(features, features):
        rows = np.arange(len(dist))
        dist[rows, start + rows] = np.inf  # the point itself is no neighbour (duplicates still are)
        radii[start:start + len(dist)] = np.partition(dist, k - 1, axis=1)[:, k - 1]
    return radii


def _inside_any_ball(points, centres, radii) -> np.ndarray:
    """For each point, whether it lies in at least one ball ``|p - centre| <= radius``."""
    inside = np.empty(len(points), dtype=bool)
    for start, dist in _distance_blocks(points, centres):
        inside[start:start + len(dist)] = (dist <= radii[None, :]).any(axis=1)
    return inside


def _check_k(k) -> int:
    if int(k) != k or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}.")
    return int(k)


def precision_recall(real_features, fake_features, k: int = 3) -> tuple[float, float]:
    """Improved precision and recall (Kynkäänniemi et al., 2019).

    Each set's manifold is the union of balls around its points reaching the k-th nearest
    neighbour (the point itself excluded). Precision is the share of fakes inside the real
    manifold; recall the share of reals inside the fake manifold. A set against itself
    gives (1, 1).

    ```python
    kgan.metrics.precision_recall(real_features, fake_features)   # (0.71, 0.43): good samples, missing modes
    ```

    Args:
        real_features, fake_features: ``(n, d)`` feature arrays from the same feature model.
        k: the neighbour that sets each ball's radius (the paper's default is 3).

    Returns:
        ``(precision, recall)``, each in [0, 1]; higher is better.
    """
    real, fake = check_feature_pair(real_features, fake_features, "precision_recall", minimum=2)
    k = _check_k(k)
    precision = _inside_any_ball(fake, real, knn_radii(real, k)).mean()
    recall = _inside_any_ball(real, fake, knn_radii(fake, k)).mean()
    return float(precision), float(recall)


def density_coverage(real_features, fake_features, k: int = 5) -> tuple[float, float]:
    """Density and coverage (Naeem et al., 2020), on k-NN balls around the real samples only.

    Density is ``(1 / (k M)) Σ_j Σ_i 1[fake_j in ball_i]``; coverage the share of real balls
    holding at least one fake. Balls are open (``distance < radius``), as in the authors'
    code. Fake outliers cannot inflate either number, since only real points define balls.

    ```python
    density, coverage = kgan.metrics.density_coverage(real_features, fake_features)
    ```

    Args:
        real_features, fake_features: ``(n, d)`` feature arrays from the same feature model.
        k: the neighbour that sets each real ball's radius (the paper uses 5).

    Returns:
        ``(density, coverage)``: density around 1 for matching distributions (unbounded
        above), coverage in [0, 1]; higher is better for both.
    """
    real, fake = check_feature_pair(real_features, fake_features, "density_coverage", minimum=1)
    k = _check_k(k)
    radii = knn_radii(real, k)
    balls_per_fake = np.empty(len(fake))
    for start, dist in _distance_blocks(fake, real):
        balls_per_fake[start:start + len(dist)] = (dist < radii[None, :]).sum(axis=1)
    covered = np.empty(len(real), dtype=bool)
    for start, dist in _distance_blocks(real, fake):
        covered[start:start + len(dist)] = dist.min(axis=1) < radii[start:start + len(dist)]
    return float(balls_per_fake.sum() / (k * len(fake))), float(covered.mean())
