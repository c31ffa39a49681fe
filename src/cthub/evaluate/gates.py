"""Release gates: the checks a release must pass before it may be published (`cthub.config.Gates`).

Each gate is applied to the output it is about, with a plain-language line for the report:
- `min_k`: k achieved on each table's k-anonymized microdata (counted independently) is at least min_k.
- `max_rare_leaked`: published threshold aggregates contain at most this many combinations whose real count is
  below k. Outputs protected by differential privacy (synthetic data, DP aggregates, and aggregates counted from
  the synthetic data, protection "synthetic") are not held to this gate: DP noise may reproduce a rare
  combination by chance and DP bounds what that reveals; their leakage is reported (internally).
- `max_mean_abs_error_2way`: the synthetic data's mean absolute error over 2-way combinations (counts scaled to
  the real record count) is at most this.
- `max_fabricated_share_3way`: at most this share of the synthetic data's distinct 3-way combinations are absent
  from the real data.
A gate set to None is off and listed as such.
"""

from __future__ import annotations

from typing import Any

from cthub.config import Gates

#: Aggregates protections whose counts are covered by DP: direct DP counts, or counts of the DP synthetic data.
DP_PROTECTIONS = ("dp", "synthetic")


def _check(name: str, table: str, value: Any, limit: Any, passed: bool | None, text: str) -> dict[str, Any]:
    return {"gate": name, "table": table, "value": value, "limit": limit, "passed": passed, "explanation": text}


def check_gates(tables: dict[str, dict[str, Any]], gates: Gates) -> dict[str, Any]:
    """Apply the gates to each table's metrics; `passed` is False if any applicable check failed."""
    checks: list[dict[str, Any]] = []
    for table, m in tables.items():
        if gates.min_k is not None:
            k = ((m.get("privacy") or {}).get("kanon") or {}).get("k_achieved")
            if k is not None:
                checks.append(_check("min_k", table, k, gates.min_k, k >= gates.min_k,
                                     f"Every combination of quasi-identifiers in the k-anonymized table is shared by "
                                     f"at least {k} records (required: {gates.min_k})."))
        if gates.max_rare_leaked is not None:
            agg = (m.get("utility") or {}).get("aggregates")
            protection = ((m.get("privacy") or {}).get("aggregates_protection")) or "threshold"
            if agg is not None and protection not in DP_PROTECTIONS:
                v = agg["rare_leaked"]
                checks.append(_check("max_rare_leaked", table, v, gates.max_rare_leaked, v <= gates.max_rare_leaked,
                                     f"{v} published aggregate counts describe a combination fewer than k people share "
                                     f"(allowed: {gates.max_rare_leaked})."))
        syn = (m.get("utility") or {}).get("synthetic")
        if syn is not None:
            if gates.max_mean_abs_error_2way is not None and "2" in syn["by_length"]:
                v = syn["by_length"]["2"]["mean_abs_error"]
                if v is not None:
                    checks.append(_check("max_mean_abs_error_2way", table, round(v, 4), gates.max_mean_abs_error_2way,
                                         v <= gates.max_mean_abs_error_2way,
                                         f"Counts of pairs of values in the synthetic data are off by {v:.1f} records "
                                         f"on average (allowed: {gates.max_mean_abs_error_2way})."))
            if gates.max_fabricated_share_3way is not None and "3" in syn["by_length"]:
                v = syn["by_length"]["3"]["fabricated_share"]
                checks.append(_check("max_fabricated_share_3way", table, round(v, 4), gates.max_fabricated_share_3way,
                                     v <= gates.max_fabricated_share_3way,
                                     f"{v:.1%} of the synthetic data's 3-value combinations never occur in the real "
                                     f"data (allowed: {gates.max_fabricated_share_3way:.1%})."))
    off = [name for name, v in gates.model_dump().items() if v is None]
    return {"passed": all(c["passed"] for c in checks), "checks": checks, "off": off}
