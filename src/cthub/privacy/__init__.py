"""Privacy primitives shared by every DP stage: OpenDP noise and zCDP accounting.

All DP noise in cthub comes from here, and so from OpenDP's samplers. OpenDP's samplers cannot be seeded, and that
is deliberate: a seed only makes the non-private steps (sampling records from a fitted model) reproducible.
"""

from cthub.privacy.accounting import Budget, BudgetExceeded, epsilon_from_rho, rho_from_epsilon
from cthub.privacy.tails import normal_upper_quantile
from cthub.privacy.noise import discrete_gaussian, discrete_laplace, gaussian, noisy_argmax, noisy_argmax_rho

__all__ = [
    "Budget",
    "BudgetExceeded",
    "discrete_gaussian",
    "discrete_laplace",
    "epsilon_from_rho",
    "gaussian",
    "noisy_argmax",
    "noisy_argmax_rho",
    "normal_upper_quantile",
    "rho_from_epsilon",
]
