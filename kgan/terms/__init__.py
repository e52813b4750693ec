"""Pluggable loss terms that add to the discriminator and/or generator loss.

```python
gan.compile(loss="wasserstein", terms=[kgan.terms.GradientPenalty(weight=10.0)])
gan.compile(terms=[kgan.terms.FeatureMatching()])   # Improved GAN: G matches D's mean features
gan.compile(loss="relativistic", terms=[kgan.terms.R1Penalty(1.0), kgan.terms.R2Penalty(1.0)])  # R3GAN
```
Write your own by subclassing `Term`; see `kgan.terms.base`.
"""

from kgan.terms.adaptive_augmentation import AdaptiveAugmentation
from kgan.terms.base import DISCRIMINATOR, GENERATOR, Step, Term, get
from kgan.terms.content import ContentLoss
from kgan.terms.contrastive import ContrastiveMatching
from kgan.terms.feature_matching import FeatureMatching
from kgan.terms.gradient_penalty import GradientPenalty
from kgan.terms.historical_averaging import HistoricalAveraging
from kgan.terms.lecam import LeCam
from kgan.terms.matching_aware import MatchingAware, TextInterpolation
from kgan.terms.mutual_information import MutualInformation
from kgan.terms.supervised import SupervisedClassification
from kgan.terms.zero_centred import R1Penalty, R2Penalty

__all__ = ["AdaptiveAugmentation", "DISCRIMINATOR", "GENERATOR", "ContentLoss", "ContrastiveMatching", "FeatureMatching", "GradientPenalty", "HistoricalAveraging", "MutualInformation", "Step", "SupervisedClassification", "Term", "get", "MatchingAware", "TextInterpolation", "R1Penalty", "R2Penalty", "LeCam"]
