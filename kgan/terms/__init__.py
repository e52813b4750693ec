"""Pluggable loss terms that add to the discriminator and/or generator loss.

```python
gan.compile(loss="wasserstein", terms=[kgan.terms.GradientPenalty(weight=10.0)])
```
Write your own by subclassing `Term`; see `kgan.terms.base`.
"""

from kgan.terms.base import DISCRIMINATOR, GENERATOR, Step, Term, get
from kgan.terms.gradient_penalty import GradientPenalty

__all__ = ["DISCRIMINATOR", "GENERATOR", "GradientPenalty", "Step", "Term", "get"]
