"""Data-independent accuracy of published DP counts: what the noise alone can do, from its scale.

A Gaussian mechanism adds noise of scale sigma to each count it measures. Its accuracy is a function of sigma only,
and sigma is fixed by the privacy parameters and the *number* of measurements, never by the records' values:
m counts that one record changes by at most 1 each have L2 sensitivity sqrt(m) (c sqrt(m) for a person with up to c
records), and sharing rho between them gives

    rho = Delta^2 / (2 sigma^2)   so   sigma = sqrt(m c^2 / (2 rho)),   sd <= sigma,   95% half-width = z_0.975 * sigma

(z_0.975 = 1.95996...; the discrete Gaussian's variance is at most sigma^2 and its tail beyond t is at most the
continuous one's beyond t - 1, so +-(1 + z sigma) covers at least 95% exactly). A Laplace count of scale b has
sd = sqrt(2) b and 95% half-width b ln 20. That is why these figures can be public: they say how far a published
count may be from the one a noise-free count would give, and they are the same for every dataset.

Everything here reads a mechanism's privacy dict (what `cthub.synth` models' `.privacy` and
`cthub.aggregates.dp_aggregates` return) and copies only scales, sensitivities and stated spends, never a count.
The stated rho is the mechanism's own (its `spends`), so a test can check it against OpenDP's privacy map.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any, TypeGuard

#: The standard normal's 0.975 quantile: a 95% two-sided interval is +- Z95 sigma.
Z95 = NormalDist().inv_cdf(0.975)

GAUSSIAN_FORMULA = (
    "rho = Delta^2 / (2 sigma^2) with Delta = c sqrt(m) for m counts of sensitivity 1 and c rows per person; "
    "sd <= sigma; "
    "95% half-width = 1.96 sigma (discrete noise: at most 1 + 1.96 sigma)"
)
LAPLACE_FORMULA = "epsilon = Delta / b; sd = sqrt(2) b; 95% half-width = b ln(20)"


def gaussian_row(
    what: str, sigma: float, l2_sensitivity: float, rho: float | None, measurements: int | None = None,
    source: str = "stated by the mechanism",
) -> dict[str, Any]:
    """One Gaussian measurement: its scale, sensitivity, rho (as `source` states it) and accuracy.

    `formula` names an entry of the report's `formulas` (one copy of the text, not one per row)."""
    sigma = float(sigma)
    if rho is None:
        rho, source = l2_sensitivity**2 / (2.0 * sigma**2), "computed from sigma and the sensitivity"
    return {
        "what": what,
        "noise": "gaussian",
        "sigma": sigma,
        "l2_sensitivity": float(l2_sensitivity),
        "measurements": measurements,
        "rho": float(rho),
        "rho_source": source,
        "sd": sigma,
        "half_width_95": Z95 * sigma,
        "formula": "gaussian",
    }


def laplace_row(what: str, scale: float, l1_sensitivity: float = 1.0) -> dict[str, Any]:
    """One Laplace (or discrete Laplace) count of scale b: pure DP with epsilon = Delta / b."""
    b = float(scale)
    return {
        "what": what,
        "noise": "laplace",
        "scale": b,
        "l1_sensitivity": float(l1_sensitivity),
        "epsilon": float(l1_sensitivity) / b,
        "sd": math.sqrt(2.0) * b,
        "half_width_95": b * math.log(20.0),
        "formula": "laplace",
    }


def _good(x: Any) -> TypeGuard[float]:
    """A usable noise figure (a positive finite number, not a bool), so a malformed privacy dict shows no row."""
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) and x > 0


def _spend(privacy: dict[str, Any], prefix: str) -> float | None:
    """The rho the mechanism itself booked for the step whose name starts with `prefix` (None if absent)."""
    found = [s["rho"] for s in privacy.get("spends") or [] if str(s.get("what", "")).startswith(prefix)]
    return float(found[0]) if len(found) == 1 and _good(found[0]) else None


def count_row(what: str, record: dict[str, Any]) -> dict[str, Any] | None:
    """Accuracy of a published noisy count from a privacy statement's `records` entry (sigma or a Laplace scale)."""
    sensitivity = float(record.get("sensitivity") or 1.0)
    if _good(record.get("sigma")):
        rho = record.get("rho") if _good(record.get("rho")) else None
        return gaussian_row(what, record["sigma"], sensitivity, rho, 1, "stated in the privacy statement")
    if _good(record.get("scale")):
        return laplace_row(what, record["scale"], sensitivity)
    return None


def mechanism_rows(privacy: dict[str, Any], columns: int | None = None) -> list[dict[str, Any]]:
    """The Gaussian measurements of one DP mechanism, from its privacy dict.

    Understands the two shapes cthub's mechanisms return: `levels` (the DP-marginals algorithm behind
    `dp_aggregates` and the aggregate-seeded synthesizer: per length k, noise of scale noise_scale on counts whose
    L2 sensitivity is sqrt(contribution cap)) and `sigmas` (MST: one scale per family of tables, m tables of
    sensitivity 1 each). `columns` is the number of synthesized columns (the width of the public synthetic file),
    which is the number of 1-way tables MST measures. Selection steps (exponential mechanism) publish no count and
    have no row.

    The unit is the person: a mechanism run on a table holding at most c rows per person (`max_rows_per_person`)
    states its spends per person (row-level rho x c^2), so the sensitivities here are per person too (c x the
    row-level one), and OpenDP's map of (sigma, sensitivity) gives back the stated spend.
    """
    rows: list[dict[str, Any]] = []
    c = float(privacy.get("max_rows_per_person") or 1)
    selection = privacy.get("value_selection") or {}
    sel_cols = selection.get("columns") or []
    if _good(selection.get("sigma")) and sel_cols:
        rows.append(gaussian_row(
            f"noisy counts for choosing the values of {len(sel_cols)} column(s) without a public list",
            selection["sigma"], c * math.sqrt(len(sel_cols)), _spend(privacy, "private value selection"), len(sel_cols),
        ))
    for level in privacy.get("levels") or []:
        k, cap, scale = level.get("length"), level.get("contribution_cap"), level.get("noise_scale")
        if not (_good(scale) and _good(cap)):
            continue
        rows.append(gaussian_row(
            f"counts of combinations of {k} attribute(s) (one record adds at most 1 to each, in full to at most "
            f"{int(cap)} of them)",
            scale, c * math.sqrt(cap), _spend(privacy, f"length {k}: Gaussian counts"),
        ))
    sigmas = privacy.get("sigmas") or {}
    params = privacy.get("parameters") or {}
    m1 = len(params["columns"]) if isinstance(params.get("columns"), list) else columns
    families = (
        ("one_way", "1-way tables (one per column)", "1-way marginals", m1),
        ("tree", "2-way tables of the tree", "2-way marginals (tree)", len(privacy.get("tree") or [])),
        ("triples", "3- and 4-way tables (one per column with extra parents)", "3-way marginals",
         len(privacy.get("triples") or [])),
    )
    for key, what, spend, m in families:
        sigma = sigmas.get(key)
        if _good(sigma) and m:
            rows.append(gaussian_row(f"{what}: each cell", sigma, c * math.sqrt(m), _spend(privacy, spend), int(m)))
    return rows
