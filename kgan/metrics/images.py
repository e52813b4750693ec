"""Image-quality metrics on any feature model or classifier: Fréchet distance and classifier score.

```python
fd = kgan.metrics.FrechetDistance(kgan.metrics.feature_extractor(kgan.metrics.fashion_mnist_classifier()))
fd(real_images, gan.generate(10_000))       # lower is better; 0 for identical statistics

score = kgan.metrics.ClassifierScore(kgan.metrics.fashion_mnist_classifier())
score(gan.generate(10_000))                 # higher is better; at most the number of classes
```

Images are NumPy arrays ``(n, h, w, c)`` in [-1, 1] (kgan's convention) or uint8.
"""

from __future__ import annotations

import numpy as np

from kgan.metrics._features import FeatureMetric, as_model_input, model_outputs

__all__ = ["ClassifierScore", "FrechetDistance", "frechet_distance"]


def _sqrtm_psd(matrix):
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    return (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T


def feature_statistics(features) -> tuple[np.ndarray, np.ndarray]:
    """``(mean, covariance)`` of feature rows ``(n, d)``: the Gaussian the Fréchet distance compares."""
    return features.mean(axis=0), np.atleast_2d(np.cov(features, rowvar=False))


def frechet_distance(mu1, sigma1, mu2, sigma2) -> float:
    """||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2)) between two Gaussians.

    Tr((S1 S2)^(1/2)) is the sum of the singular values of A B with A = S1^(1/2) and
    B = S2^(1/2) (the eigenvalues of S1 S2 are those of (A B)(A B)^T): no complex square
    roots, and accurate where ``scipy.linalg.sqrtm`` of S1 S2 is not (near-singular or
    ill-conditioned covariances, n < d).
    """
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    sigma1, sigma2 = np.atleast_2d(sigma1).astype(np.float64), np.atleast_2d(sigma2).astype(np.float64)
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape or sigma1.shape != (mu1.size, mu1.size):
        raise ValueError(f"Statistics of different sizes: means {mu1.shape} vs {mu2.shape}, covariances "
                         f"{sigma1.shape} vs {sigma2.shape}.")
    for name, x in (("mean", mu1), ("mean", mu2), ("covariance", sigma1), ("covariance", sigma2)):
        if not np.isfinite(x).all():
            raise ValueError(f"A {name} holds NaN/inf: the features were not finite (check the generator's output).")
    cross = np.linalg.svd(_sqrtm_psd(sigma1) @ _sqrtm_psd(sigma2), compute_uv=False).sum()
    value = float(np.sum((mu1 - mu2) ** 2) + np.trace(sigma1) + np.trace(sigma2) - 2.0 * cross)
    return max(value, 0.0)


class FrechetDistance(FeatureMetric):
    """Fréchet distance between the feature statistics of two image sets, for any feature model.

    The FID recipe with a feature model of your choice (no Inception
    download): fit a Gaussian to each set's features and compare them. Lower
    is better; compare only numbers computed with the same feature model and
    the same number of images (the estimate is biased upwards at small n).

    Args:
        feature_model: a Keras model from images to feature vectors (a dict
            output uses its ``"features"`` entry), e.g.
            ``kgan.metrics.feature_extractor(kgan.metrics.fashion_mnist_classifier())``.
        batch_size: images per forward pass.
        resize: resize/convert images whose shape differs from the model's input.

    ```python
    fd = FrechetDistance(features)
    reference = fd.statistics(x_test)          # compute once, reuse for many models
    fd(reference, gan.generate(10_000))
    ```
    """

    def statistics(self, images) -> tuple[np.ndarray, np.ndarray]:
        """``(mean, covariance)`` of the images' features (or of a feature array ``(n, d)``)."""
        feats = self.as_features(images)
        if len(feats) < 2:
            raise ValueError("The Fréchet distance needs at least 2 images per set (thousands for a stable value).")
        return feature_statistics(feats)

    @staticmethod
    def _is_statistics(x) -> bool:
        if not isinstance(x, (tuple, list)) or len(x) != 2:
            return False
        mean, cov = np.asarray(x[0]), np.asarray(x[1])
        return mean.ndim == 1 and cov.shape == (len(mean), len(mean))

    def _stats(self, x):
        return tuple(x) if self._is_statistics(x) else self.statistics(x)

    def __call__(self, a, b) -> float:
        """Distance between two image sets (or ``statistics(...)`` tuples)."""
        return frechet_distance(*self._stats(a), *self._stats(b))


class ClassifierScore:
    """Inception-score-style quality/diversity score with any classifier.

    ``exp(E_x KL(p(y|x) || p(y)))``: high when each image is classified
    confidently (quality) and the classes are used evenly (diversity). It
    lies between 1 and the number of classes. Reported as the mean over
    ``splits`` equal parts of the set, as in the original Inception score.

    Args:
        classifier: a Keras model from images to class probabilities (a
            softmax output) or logits.
        from_logits: True for logits, False for probabilities; None
            (default) detects it: outputs that are not all probability
            vectors get a softmax.
        splits: parts to average over (``std`` holds their spread after a call).
        batch_size: images per forward pass.
        resize: resize/convert images whose shape differs from the model's input.
    """

    def __init__(self, classifier, splits: int = 10, batch_size: int = 500, resize: bool = False,
                 from_logits: bool | None = None):
        self.classifier = classifier
        self.splits = int(splits)
        if self.splits < 1:
            raise ValueError(f"splits must be >= 1, got {splits}.")
        self.from_logits = from_logits
        self.batch_size = int(batch_size)
        self.resize = bool(resize)
        self.std = None

    def probabilities(self, images) -> np.ndarray:
        out = model_outputs(self.classifier, as_model_input(images, self.classifier, self.resize), self.batch_size,
                       keys=("probabilities", "logits"))
        if out.shape[1] < 2:
            raise ValueError("The classifier score needs one output per class (>= 2); got a single output.")
        if self.from_logits is None:  # autodetect: rows that are probability vectors stay as they are
            logits = not (np.all(out >= 0) and np.allclose(out.sum(axis=1), 1.0, atol=1e-2))
        else:
            logits = self.from_logits
        if logits:
            out = np.exp(out - out.max(axis=1, keepdims=True))
            out /= out.sum(axis=1, keepdims=True)
        return out

    def __call__(self, images) -> float:
        probs = self.probabilities(images)
        if len(probs) < self.splits:
            raise ValueError(f"Need at least splits={self.splits} images, got {len(probs)}.")
        scores = []
        for part in np.array_split(probs, self.splits):
            marginal = part.mean(axis=0, keepdims=True)
            kl = np.sum(part * (np.log(part + 1e-12) - np.log(marginal + 1e-12)), axis=1)
            scores.append(np.exp(kl.mean()))
        self.std = float(np.std(scores))
        return float(np.mean(scores))
