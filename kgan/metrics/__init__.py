"""Sample-quality metrics: Fréchet distance, kernel distance (KID), precision/recall,
density/coverage and classifier score on any feature model, 1-D distances,
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
from kgan.metrics.inception import inception_v3_features
from kgan.metrics.kernel import KernelDistance, kernel_distance
from kgan.metrics.manifold import density_coverage, precision_recall
from kgan.metrics.one_d import NormalDistribution, evaluate_1d, ks_statistic, wasserstein_1d
from kgan.metrics.restoration import psnr, ssim
from kgan.metrics.suite import METRICS, feature_model, sample_quality

__all__ = [
    "FASHION_MNIST_CLASSES",
    "ClassifierScore",
    "FrechetDistance",
    "KernelDistance",
    "METRICS",
    "NormalDistribution",
    "build_fashion_mnist_classifier",
    "density_coverage",
    "evaluate_1d",
    "fashion_mnist_classifier",
    "feature_extractor",
    "feature_model",
    "frechet_distance",
    "inception_v3_features",
    "kernel_distance",
    "ks_statistic",
    "precision_recall",
    "psnr",
    "sample_quality",
    "ssim",
    "train_fashion_mnist_classifier",
    "wasserstein_1d",
]
