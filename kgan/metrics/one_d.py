"""Distances between 1-D samples and a target distribution.

```python
target = kgan.metrics.NormalDistribution(mu=-1.0, sigma=1.0)
samples = gan.generate(10_000, seed=0)
kgan.metrics.wasserstein_1d(samples, target)      # W1, in data units
kgan.metrics.ks_statistic(samples, target)        # Kolmogorov-Smirnov D
```
``reference`` may be a `NormalDistribution`, any object with vectorised
``cdf`` and ``ppf`` (a frozen ``scipy.stats`` distribution), or an array of
reference samples (then both are two-sample statistics).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["NormalDistribution", "wasserstein_1d", "ks_statistic", "evaluate_1d"]

_erf = np.vectorize(math.erf, otypes=[float])


class NormalDistribution:
    """N(mu, sigma²) with a NumPy ``cdf`` and ``sample`` (no SciPy needed)."""

    def __init__(self, mu: float = 0.0, sigma: float = 1.0):
        if not (math.isfinite(mu) and math.isfinite(sigma) and sigma > 0):
            raise ValueError(f"NormalDistribution needs finite mu and sigma > 0, got mu={mu}, sigma={sigma}.")
        self.mu, self.sigma = float(mu), float(sigma)

    def cdf(self, x):
        return 0.5 * (1.0 + _erf((np.asarray(x, dtype=float) - self.mu) / (self.sigma * math.sqrt(2.0))))

    def pdf(self, x):
        u = (np.asarray(x, dtype=float) - self.mu) / self.sigma
        return np.exp(-0.5 * u * u) / (self.sigma * math.sqrt(2.0 * math.pi))

    def sample(self, n: int, seed=None):
        return np.random.default_rng(seed).normal(self.mu, self.sigma, size=n)

    def bulk(self):
        """An interval outside which the mass is negligible (< 1e-22)."""
        return self.mu - 10.0 * self.sigma, self.mu + 10.0 * self.sigma

    def __repr__(self):
        return f"NormalDistribution(mu={self.mu}, sigma={self.sigma})"


def _as_samples(values, what="samples") -> np.ndarray:
    try:
        x = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(
            f"{what} must be an array of numbers; a reference may also be a "
            "kgan.metrics.NormalDistribution or an object with vectorised cdf() and ppf() "
            f"(e.g. scipy.stats.norm(0, 1)). Got {type(values).__name__}."
        ) from None
    if x.ndim == 2 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim != 1:
        raise ValueError(f"{what} must be 1-D (n,) or (n, 1); got shape {x.shape}.")
    if x.size == 0:
        raise ValueError(f"{what} is empty.")
    if not np.all(np.isfinite(x)):
        raise ValueError(
            f"{what} contain {np.sum(~np.isfinite(x))} NaN/inf values: the generator diverged "
            "or the data is corrupt. Check the training losses."
        )
    return np.sort(x)


def _bulk(reference):
    if hasattr(reference, "bulk"):
        return reference.bulk()
    if hasattr(reference, "ppf"):
        return float(reference.ppf(1e-12)), float(reference.ppf(1.0 - 1e-12))
    raise TypeError(
        "reference must be an array of samples, a kgan.metrics.NormalDistribution, or an object "
        f"with vectorised cdf() and ppf() (e.g. scipy.stats.norm(0, 1)); got {type(reference).__name__}."
    )


def _empirical_cdf(sorted_x, at):
    return np.searchsorted(sorted_x, at, side="right") / sorted_x.size


def wasserstein_1d(samples, reference, grid_points: int = 200_001) -> float:
    """Wasserstein-1 (earth mover's) distance ``∫ |F_samples - F_reference| dx``.

    Exact for two sample arrays. Against a distribution, the empirical CDF is
    integrated exactly where it is piecewise constant and the reference CDF by
    the trapezoid rule on a grid of ``grid_points`` over its bulk plus every
    sample, so outliers far from the bulk are counted in full.
    """
    x = _as_samples(samples)
    if not hasattr(reference, "cdf"):
        y = _as_samples(reference, "reference samples")
        points = np.concatenate([x, y])
        points.sort()
        gaps = np.diff(points)
        diff = np.abs(_empirical_cdf(x, points[:-1]) - _empirical_cdf(y, points[:-1]))
        return float(np.sum(diff * gaps))
    lo, hi = _bulk(reference)
    grid = np.union1d(np.linspace(lo, hi, grid_points), x)
    step_cdf = _empirical_cdf(x, grid[:-1])  # constant on [grid[k], grid[k+1])
    ref_cdf = np.asarray(reference.cdf(grid), dtype=float)
    integrand = 0.5 * (np.abs(step_cdf - ref_cdf[:-1]) + np.abs(step_cdf - ref_cdf[1:]))
    # Beyond the grid both CDFs are 0 (left) or 1 (right) up to negligible reference mass.
    return float(np.sum(integrand * np.diff(grid)))


def ks_statistic(samples, reference) -> float:
    """Kolmogorov-Smirnov statistic ``sup |F_samples - F_reference|`` (exact)."""
    x = _as_samples(samples)
    n = x.size
    if not hasattr(reference, "cdf"):
        y = _as_samples(reference, "reference samples")
        points = np.concatenate([x, y])
        return float(np.max(np.abs(_empirical_cdf(x, points) - _empirical_cdf(y, points))))
    cdf = np.asarray(reference.cdf(x), dtype=float)
    i = np.arange(1, n + 1)
    return float(max(np.max(i / n - cdf), np.max(cdf - (i - 1) / n)))


def evaluate_1d(gan, target, n: int = 10_000, seed: int = 0) -> dict:
    """W1, KS and D's mean scores for a 1-D GAN against ``target``.

    Returns ``{"w1", "ks", "d_real", "d_fake", "mean", "std"}``: the distances
    between ``n`` generated samples and the target distribution, D's mean
    score (probability, or critic value) on ``n`` target samples and on the
    generated ones, and the generated samples' mean and standard deviation.
    """
    fake = gan.generate(n, seed=seed)
    real = target.sample(n, seed=seed).astype("float32")[:, None]
    score = gan.loss_fn.score
    d_real = float(np.mean(score(gan.discriminate(real)["logits"])))
    d_fake = float(np.mean(score(gan.discriminate(fake)["logits"])))
    flat = _as_samples(fake, "generated samples")
    return {
        "w1": wasserstein_1d(flat, target),
        "ks": ks_statistic(flat, target),
        "d_real": d_real,
        "d_fake": d_fake,
        "mean": float(np.mean(flat)),
        "std": float(np.std(flat)),
    }
