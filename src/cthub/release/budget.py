"""The hub's lifetime privacy budget: plan a release's DP spends and refuse it BEFORE any noise is drawn.

Spends are kept in zero-concentrated DP (rho), which composes by addition, in the store's ledger. The hub's budget
is `release.budget.total_epsilon` at `release.budget.delta`, converted to rho once. A release's stages state, per
DP mechanism, the largest rho it can cost (`Stage.plan`); the pipeline refuses the release if spent + planned
exceeds the total, and records the mechanisms' actual spends when the release is written.

Private value selection spends a delta outside zCDP (a failure probability), and those add up across releases: the
lifetime guarantee is (epsilon(sum of rho, delta - sum of selection deltas), delta). So the total rho is converted at
the budget's delta less every selection delta already spent, and, since a release's own selection delta is known
only once its mechanisms have run, the release is checked again with what it really spent before anything is
recorded or published (`check_made`).
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


def _total_rho(cfg: ReleaseConfig, selection_delta: float) -> float:
    """The lifetime rho left for conversion at the budget's delta less the selection deltas spent."""
    conversion_delta = cfg.budget.delta - selection_delta
    if conversion_delta <= 0:
        raise BudgetRefused(
            f"private value selection has used up the hub's lifetime delta ({selection_delta:.3g} of "
            f"{cfg.budget.delta:g}); nothing was spent. Give every released column a public list of values (the "
            "standard, or a domain), or, if your governance allows it, raise release.budget.delta in cthub.yaml."
        )
    return rho_from_epsilon(cfg.budget.total_epsilon, conversion_delta)


def plan_release(cfg: ReleaseConfig, spends: list[Spend], spent_rho: float,
                 spent_selection_delta: float = 0.0) -> BudgetPlan:
    """The DP spends the release's stages plan (each a `Spend`), checked against the hub's lifetime budget.

    Raises BudgetRefused, saying what is left and what to change, when the release does not fit.
    """
    total = _total_rho(cfg, spent_selection_delta + sum(s.delta_selection for s in spends))
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


def check_made(cfg: ReleaseConfig, made: list[Spend], spent_rho: float, spent_selection_delta: float) -> None:
    """The release's actual spends (their selection deltas included) against the lifetime budget, before they are
    recorded: raises BudgetRefused (and nothing is written or recorded) when they do not fit."""
    total = _total_rho(cfg, spent_selection_delta + sum(s.delta_selection for s in made))
    made_rho = sum(s.rho for s in made)
    if spent_rho + made_rho > total * (1 + 1e-9):
        raise BudgetRefused(
            f"the mechanisms spent rho {made_rho:.4g}, more than the {max(total - spent_rho, 0.0):.4g} left once "
            "their selection deltas are counted; nothing was written or recorded"
        )
