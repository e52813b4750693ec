"""Pluggable loss terms that add to the discriminator and/or generator loss.

```python
gan.compile(loss="wasserstein", terms=[kgan.terms.GradientPenalty(weight=10.0)])
gan.compile(terms=[kgan.terms.FeatureMatching()])   # Improved GAN: G matches D's mean features
```
Write your own by subclassing `Term`; see `kgan.terms.base`.
"""

from kgan.terms.base import DISCRIMINATOR, GENERATOR, Step, Term, get
from kgan.terms.content import ContentLoss
from kgan.terms.feature_matching import FeatureMatching
from kgan.terms.gradient_penalty import GradientPenalty
from kgan.terms.historical_averaging import HistoricalAveraging
from kgan.terms.matching_aware import MatchingAware, TextInterpolation
from kgan.terms.mutual_information import MutualInformation
from kgan.terms.supervised import SupervisedClassification

__all__ = ["DISCRIMINATOR", "GENERATOR", "ContentLoss", "FeatureMatching", "GradientPenalty", "HistoricalAveraging", "MutualInformation", "Step", "SupervisedClassification", "Term", "get", "MatchingAware", "TextInterpolation"]
