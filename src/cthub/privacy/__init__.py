"""Privacy primitives shared by every DP stage: OpenDP noise, zCDP accounting, per-person bounds, delta, domains.

All DP noise in cthub comes from here, and so from OpenDP's samplers. OpenDP's samplers cannot be seeded, and that
is deliberate: a seed only makes the non-private steps (sampling records from a fitted model) reproducible.

Mechanisms more than one stage runs live here too, imported from their modules (they pull in pandas):
`selection` (choosing a column's values privately: `private_domain`, `selection_threshold`), `marginals` (the
Synthetic Data Showcase's DP marginals, `dp_marginals`, used by the aggregates stage and the aggregate-seeded
synthesizer) and `consistency` (making its noisy counts agree, post-processing).
"""

from cthub.privacy.accounting import Budget, BudgetExceeded, epsilon_from_rho, rho_from_epsilon
from cthub.privacy.contribution import bound_contributions, check_max_rows, check_spend, person_rho, row_rho
from cthub.privacy.counts import count_sigma, noisy_count
from cthub.privacy.delta import DeltaRequired, delta_from_bound, resolve_delta
from cthub.privacy.domain import Domain, OutOfDomainWarning, multi_columns, warn_out_of_domain
from cthub.privacy.noise import discrete_gaussian, discrete_laplace, gaussian, noisy_argmax, noisy_argmax_rho
from cthub.privacy.tails import normal_upper_quantile

__all__ = [
    "Budget",
    "BudgetExceeded",
    "DeltaRequired",
    "Domain",
    "OutOfDomainWarning",
    "bound_contributions",
    "check_max_rows",
    "check_spend",
    "count_sigma",
    "delta_from_bound",
    "discrete_gaussian",
    "discrete_laplace",
    "epsilon_from_rho",
    "gaussian",
    "multi_columns",
    "noisy_argmax",
    "noisy_argmax_rho",
    "noisy_count",
    "normal_upper_quantile",
    "person_rho",
    "resolve_delta",
    "rho_from_epsilon",
    "row_rho",
    "warn_out_of_domain",
]
