"""Privacy accounting in zero-concentrated DP (zCDP), converted to (epsilon, delta) for people.

zCDP composes by adding rho, which makes budget splits exact and easy to test. The conversion to (epsilon, delta)
is the tight one OpenDP implements (Canonne, Kamath, Steinke 2020), so stated epsilons are not loose upper bounds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import opendp.combinators as dpc
import opendp.domains as dpd
import opendp.measurements as dpm
import opendp.metrics as dpt
from opendp.mod import enable_features

# opendp.prelude would also import opendp.extras (scikit-learn and more), seconds of start-up for every command.
enable_features("contrib")


class BudgetExceeded(Exception):
    """A mechanism asked for more privacy loss than its budget has left."""


@lru_cache(maxsize=1024)
def epsilon_from_rho(rho: float, delta: float) -> float:
    """The smallest epsilon such that rho-zCDP implies (epsilon, delta)-DP (cached: a pure function of its inputs)."""
    if rho <= 0:
        return 0.0
    # A unit-sensitivity Gaussian with sigma chosen to spend exactly rho, converted by OpenDP.
    sigma = math.sqrt(1.0 / (2.0 * rho))
    meas = dpc.make_zCDP_to_approxDP(
        dpm.make_gaussian(dpd.atom_domain(T=float, nan=False), dpt.absolute_distance(T=float), scale=sigma)
    )
    return float(meas.map(1.0).epsilon(delta))


@lru_cache(maxsize=256)
def rho_bounds(epsilon: float, delta: float, iterations: int = 40) -> tuple[float, float]:
    """(lo, hi) around the rho whose tight (epsilon, delta) conversion is exactly `epsilon`; hi - lo < 1e-11 * hi.

    A budget uses `lo` (never more than configured); a planned spend uses `hi` (never less than a mechanism may
    take). Bisection on OpenDP's conversion, bracketed by the rho that solves the classic bound
    epsilon = rho + 2 sqrt(rho ln(1/delta)): the tight conversion never exceeds that bound, so it is a valid lower
    end, and the bracket is narrow, so few OpenDP calls are needed. Cached: fits and plans ask the same pairs.
    """
    if not epsilon > 0:
        raise ValueError("epsilon must be positive")
    if not 0 < delta < 1:
        raise ValueError("delta must be in (0, 1)")
    log_inv = math.log(1.0 / delta)
    lo = (math.sqrt(log_inv + epsilon) - math.sqrt(log_inv)) ** 2
    hi = 2 * lo
    while epsilon_from_rho(hi, delta) <= epsilon:
        lo, hi = hi, 2 * hi
    for _ in range(iterations):
        mid = (lo + hi) / 2
        if epsilon_from_rho(mid, delta) <= epsilon:
            lo = mid
        else:
            hi = mid
    return lo, hi


def rho_from_epsilon(epsilon: float, delta: float) -> float:
    """The largest rho whose (epsilon, delta) conversion stays within `epsilon` (the lower end of `rho_bounds`)."""
    return rho_bounds(float(epsilon), float(delta))[0]


@dataclass
class Budget:
    """A zCDP budget that mechanisms draw from, keeping a line per spend so the split is written beside the output.

    A spend may carry a delta (a private selection step's chance of releasing something held by one person), so
    the stated delta of a mechanism is the conversion's plus every such step's. `spends` holds (what, rho, delta).
    """

    rho: float
    spends: list[tuple[str, float, float]] = field(default_factory=list)

    @classmethod
    def from_epsilon(cls, epsilon: float, delta: float) -> Budget:
        return cls(rho=rho_from_epsilon(epsilon, delta))

    @property
    def spent(self) -> float:
        return sum(s[1] for s in self.spends)

    @property
    def delta_spent(self) -> float:
        """The deltas of the selection steps (not the conversion's)."""
        return sum(s[2] for s in self.spends)

    @property
    def remaining(self) -> float:
        return max(self.rho - self.spent, 0.0)

    def spend(self, what: str, rho: float, delta: float = 0.0) -> float:
        """Record a spend of `rho` (and `delta`) for `what`; refuse one that would exceed the budget."""
        if rho < 0 or delta < 0:
            raise ValueError("a spend cannot be negative")
        if self.spent + rho > self.rho * (1 + 1e-9) + 1e-12:
            raise BudgetExceeded(f"{what} asks for rho={rho:.6g} but only {self.remaining:.6g} of {self.rho:.6g} is left")
        self.spends.append((what, float(rho), float(delta)))
        return rho

    def spend_list(self, scale: float = 1.0) -> list[dict[str, object]]:
        """Spends as dicts {what, rho, delta?}; `scale` turns row-level rho into per-person rho (c^2)."""
        out: list[dict[str, object]] = []
        for what, rho, delta in self.spends:
            item: dict[str, object] = {"what": what, "rho": rho * scale}
            if delta:
                item["delta"] = delta
            out.append(item)
        return out

    def as_dict(self, delta: float, scale: float = 1.0) -> dict[str, object]:
        """rho, epsilon at the conversion `delta`, and the spends; `scale` as in `spend_list`."""
        return {
            "rho": self.rho * scale,
            "rho_spent": self.spent * scale,
            "epsilon": epsilon_from_rho(self.spent * scale, delta),
            "delta": delta + self.delta_spent,
            "delta_conversion": delta,
            "spends": self.spend_list(scale),
        }
