"""Sample-quality metrics: Fréchet distance and classifier score on any model, 1-D distances,
the project's own Fashion-MNIST classifier as a download-free feature model, and restoration metrics
(PSNR, SSIM, optionally on a masked region)."""

from kgan.metrics.classifiers import (
    FASHION_MNIST_CLASSES,
    build_fashion_mnist_classifier,
    fashion_mnist_classifier,
    feature_extractor,
    train_fashion_mnist_classifier,
)
from kgan.metrics.images import ClassifierScore, FrechetDistance, frechet_distance
from kgan.metrics.one_d import NormalDistribution, evaluate_1d, ks_statistic, wasserstein_1d
from kgan.metrics.restoration import psnr, ssim

__all__ = [
    "FASHION_MNIST_CLASSES",
    "ClassifierScore",
    "FrechetDistance",
    "NormalDistribution",
    "build_fashion_mnist_classifier",
    "evaluate_1d",
    "fashion_mnist_classifier",
    "feature_extractor",
    "frechet_distance",
    "ks_statistic",
    "psnr",
    "ssim",
    "train_fashion_mnist_classifier",
    "wasserstein_1d",
]
