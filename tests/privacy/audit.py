"""An empirical DP audit: is the rate of an event under D' within e^eps p(D) + delta of its rate under D?

Each rate gets a one-sided Clopper-Pearson bound (exact binomial, from scipy's beta quantiles): the audit fails only
when even the lowest plausible rate under D' exceeds e^eps times the highest plausible rate under D, plus delta. A
correct mechanism fails it with probability at most `alpha` per direction; a broken one is caught when the runs are
enough to separate the two rates (see test_audit.py's broken mechanism).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.stats import beta


def cp_upper(hits: int, runs: int, alpha: float) -> float:
    """One-sided (1 - alpha) Clopper-Pearson upper bound of a binomial rate."""
    return 1.0 if hits >= runs else float(beta.ppf(1 - alpha, hits + 1, runs - hits))


def cp_lower(hits: int, runs: int, alpha: float) -> float:
    """One-sided (1 - alpha) Clopper-Pearson lower bound of a binomial rate."""
    return 0.0 if hits <= 0 else float(beta.ppf(alpha, hits, runs - hits + 1))


@dataclass
class Audit:
    hits_d: int
    hits_d_prime: int
    runs: int
    epsilon: float
    delta: float
    alpha: float = 1e-3

    def violation(self) -> str | None:
        """A message if either direction's bound is broken, else None."""
        for name, a, b in (("D' over D", self.hits_d_prime, self.hits_d), ("D over D'", self.hits_d, self.hits_d_prime)):
            low = cp_lower(a, self.runs, self.alpha)
            high = cp_upper(b, self.runs, self.alpha)
            if low > math.exp(self.epsilon) * high + self.delta:
                return (f"{name}: rate >= {low:.4f} but e^eps x {high:.4f} + delta = "
                        f"{math.exp(self.epsilon) * high + self.delta:.4f} ({a} vs {b} of {self.runs} runs)")
        return None
