"""The hub's lifetime privacy budget: plan a release's DP spends and refuse it BEFORE any noise is drawn.

Spends are kept in zero-concentrated DP (rho), which composes by addition, in the store's ledger. The hub's budget
is `release.budget.total_epsilon` at `release.budget.delta`, converted to rho once. A release's stages state, per
DP mechanism, the largest rho it can cost (`Stage.plan`); the pipeline refuses the release if spent + planned
exceeds the total, and records the mechanisms' actual spends when the release is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cthub.config import ReleaseConfig
from cthub.privacy import epsilon_from_rho
from cthub.privacy.accounting import rho_from_epsilon
from cthub.release.stages.base import Spend  # what a spend costs (planned_rho, actual_rho) lives with it


class BudgetRefused(Exception):
    """This release would take the hub past its lifetime privacy budget; nothing was spent."""


@dataclass
class BudgetPlan:
    total_rho: float
    spent_rho: float
    planned: list[Spend] = field(default_factory=list)
    delta: float = 1e-6

    @property
    def planned_rho(self) -> float:
        return sum(s.rho for s in self.planned)

    @property
    def remaining_rho(self) -> float:
        return max(self.total_rho - self.spent_rho, 0.0)

    def epsilon(self, rho: float) -> float:
        return epsilon_from_rho(rho, self.delta)


def plan_release(cfg: ReleaseConfig, spends: list[Spend], spent_rho: float) -> BudgetPlan:
    """The DP spends the release's stages plan (each a `Spend`), checked against the hub's lifetime budget.

    Raises BudgetRefused, saying what is left and what to change, when the release does not fit.
    """
    total = rho_from_epsilon(cfg.budget.total_epsilon, cfg.budget.delta)
    plan = BudgetPlan(total_rho=total, spent_rho=spent_rho, delta=cfg.budget.delta)
    plan.planned.extend(spends)
    if plan.spent_rho + plan.planned_rho > total * (1 + 1e-9):
        raise BudgetRefused(
            f"this release would spend epsilon {plan.epsilon(plan.planned_rho):.3g} but only "
            f"{plan.epsilon(plan.remaining_rho):.3g} of the hub's lifetime budget "
            f"(epsilon {cfg.budget.total_epsilon:g} at delta {cfg.budget.delta:g}) is left "
            f"({plan.epsilon(spent_rho):.3g} already spent). Nothing was spent. Lower release.synth.epsilon "
            "(or aggregates.epsilon, counts.epsilon), release fewer tables, or, if your governance allows it, raise "
            "release.budget.total_epsilon in cthub.yaml."
        )
    return plan
