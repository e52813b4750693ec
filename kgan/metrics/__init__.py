"""Sample-quality metrics."""

from kgan.metrics.one_d import NormalDistribution, evaluate_1d, ks_statistic, wasserstein_1d

__all__ = ["NormalDistribution", "evaluate_1d", "ks_statistic", "wasserstein_1d"]
