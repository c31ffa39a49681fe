"""Plain-language statements of how a release is protected, generated from its `privacy.json` alone.

The site may say nothing about protection that the release does not declare: every sentence here is built from the
statement's fields (mechanism, ε/δ/ρ, unit, k, l, columns, threshold rule), so a page can never promise more than the
pipeline did. Numbers are rounded for reading (ε to two decimals, δ as a power of ten), never recomputed.
"""

from __future__ import annotations

import math
from typing import Any

SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")

KIND_NAMES = {
    "synthetic": "Synthetic microdata",
    "aggregates": "Aggregate counts",
    "kanon": "k-anonymized microdata",
    "docs": "Documentation",
    "report": "Public report",
    "metadata": "Release metadata",
}

MECHANISMS = {
    "count:discrete-gaussian": "record count (discrete Gaussian noise)",
    "synth:mst": "synthetic data (MST synthesizer)",
    "synth:aggregate-seeded": "synthetic data (aggregate-seeded synthesizer)",
    "aggregates:dp": "aggregate counts (DP marginals)",
    "aggregates:dp-marginals": "aggregate counts (DP marginals)",
}

PROFILE_TEXT = {
    "dp": "Every published number of this release, record counts included, comes from a differentially private "
    "mechanism or is computed only from such outputs. One (ε, δ) pair covers the whole release.",
    "classic": "This release follows CTDC's practice before synthetic data: k-anonymized microdata, and aggregate "
    "counts computed from that k-anonymized file with small counts suppressed and the rest rounded.",
}

NOT_PROMISED = {
    "dp": [
        "Differential privacy limits what anyone can learn about one person from this release; it does not hide "
        "facts about groups (how common a combination is in the data as a whole).",
        "The guarantee is for the unit of privacy stated above. Several people who share a case, or one person "
        "recorded by more organizations than the bound allows, are covered only within that bound.",
        "Each release spends part of the hub's total privacy budget; what several releases reveal together is "
        "bounded by the sum of their budgets, not by one release's ε.",
        "Synthetic records are artificial: they keep the statistical shape of the data, and counts taken from them "
        "are estimates, not the published counts.",
        "The data describe identified cases reported by the contributing organizations, not how common trafficking "
        "is.",
    ],
    "classic": [
        "k-anonymity and suppression thresholds are not differential privacy: they give no mathematical bound on "
        "what someone who already knows a lot about a person, or who compares this release with another one, can "
        "learn.",
        "A suppressed cell hides a small count; it does not hide that the combination may exist.",
        "Attributes outside the quasi-identifiers are published as recorded within each group of at least k "
        "records; l-diversity applies only to the sensitive attributes listed.",
        "The data describe identified cases reported by the contributing organizations, not how common trafficking "
        "is.",
    ],
}


def fmt_epsilon(value: Any) -> str:
    """ε for reading: two decimals (4.30), two significant digits below 0.1 (0.018); '' when absent."""
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        return ""
    if value == 0:
        return "0"
    if abs(value) < 0.1 - 5e-12:  # 0.09999999999998 is the 0.1 the config asked for
        return f"{value:#.2g}"
    return f"{value:.2f}"


def fmt_delta(value: Any) -> str:
    """δ as a power of ten when it is one (10⁻⁶), else two significant digits (2.5 × 10⁻⁷)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
        return "0" if value == 0 else ""
    mantissa, exponent = f"{value:.1e}".split("e")
    power = "10" + str(int(exponent)).translate(SUPERSCRIPT)
    return power if mantissa == "1.0" else f"{mantissa.rstrip('0').rstrip('.')} × {power}"


def fmt_rho(value: Any) -> str:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return ""
    return f"{value:.2g}"


def records_of(release_meta: dict[str, Any], table: str) -> dict[str, Any] | None:
    """The declared record count of a table (`{"value", "guarantee"}`), or None for an old release's exact count."""
    info = (release_meta.get("tables") or {}).get(table)
    rec = info.get("records") if isinstance(info, dict) else None
    if not isinstance(rec, dict):
        return None
    value, guarantee = rec.get("value"), rec.get("guarantee")
    if not isinstance(value, (int, float)) or isinstance(value, bool) or guarantee not in ("dp", "k-anonymity"):
        return None
    return {"value": int(value), "guarantee": guarantee}


def about(value: int) -> str:
    """A DP count rounded to three significant figures for reading: 37,914 -> "37,900"."""
    if value <= 0:
        return "0"
    digits = max(int(math.floor(math.log10(value))) - 2, 0)
    return f"{int(round(value, -digits)):,}"


def records_text(records: dict[str, Any] | None) -> str | None:
    """How the site states a table's record count: only as the release declares it."""
    if records is None:
        return None
    if records["guarantee"] == "dp":
        return f"about {about(records['value'])} records — a differentially private count"
    return f"{records['value']:,} records (k-anonymized file)"


def suppression_rule(guarantee: dict[str, Any] | None) -> dict[str, Any]:
    """What a missing count means under the aggregates' declared guarantee, for the pages and the charts' legend."""
    g = guarantee or {}
    if g.get("type") == "threshold":
        effective = g.get("effective_threshold") or g.get("threshold")
        text = _resolution_sentence(g)
        return {"kind": "threshold", "threshold": effective, "text": text,
                "missing": f"fewer than {effective} (suppressed)"}
    if g.get("type") == "dp":
        return {"kind": "dp", "threshold": None,
                "text": "Counts are differentially private (noisy); a combination too rare to stand out from the "
                        "noise is not published.",
                "missing": "not published (too rare for the noise)"}
    if g.get("type") == "post-processing":
        floor = g.get("min_count")
        if isinstance(floor, int) and floor > 1:
            return {"kind": "post-processing", "threshold": floor,
                    "text": (f"Counts are computed from the differentially private synthetic data; counts below {floor} "
                             "are not published, since at that size they are mostly noise."),
                    "missing": f"fewer than {floor} in the synthetic data"}
        return {"kind": "post-processing", "threshold": None,
                "text": "Counts are computed from the differentially private synthetic data.",
                "missing": "not in the synthetic data"}
    return {"kind": "none", "threshold": None, "text": "", "missing": "not published"}


def _resolution_sentence(g: dict[str, Any]) -> str:
    t, r, eff = g.get("threshold"), g.get("resolution"), g.get("effective_threshold") or g.get("threshold")
    text = f"Counts below {eff} are not published."
    if r and r > 1:
        text += f" Published counts are rounded down to a multiple of {r}."
        if eff is not None and eff != t:  # eff is None only when t is too
            text += (f" The configured rule is “below {t}”, but a count from {t} to {eff - 1} would round down to "
                     f"{(t // r) * r}, which is below {t}, so it is hidden too: the effective threshold is {eff}.")
    return text


def describe_guarantee(g: dict[str, Any] | None) -> str:
    """One plain sentence for one declared guarantee."""
    g = g or {}
    kind = g.get("type")
    if kind == "dp":
        unit = g.get("unit", "person")
        mech = f" ({g['mechanism']})" if g.get("mechanism") else ""
        parts = [f"ε = {fmt_epsilon(g.get('epsilon'))}"]
        if g.get("delta") is not None:
            parts.append(f"δ = {fmt_delta(g.get('delta'))}")
        if g.get("rho") is not None:
            parts.append(f"ρ = {fmt_rho(g.get('rho'))} (zCDP)")
        return f"Differential privacy{mech}, {', '.join(parts)}, for each {unit}."
    if kind == "k-anonymity":
        text = (f"k-anonymity with k = {g.get('k')}: every combination of the quasi-identifiers "
                f"({', '.join(g.get('quasi_identifiers') or []) or 'none listed'}) is shared by at least "
                f"{g.get('k')} records.")
        ld = g.get("l_diversity") or {}
        if ld:
            text += " l-diversity: " + ", ".join(f"{c} takes at least {n} values in every group"
                                                  for c, n in ld.items()) + "."
        cols = g.get("columns") or []
        if cols:
            text += f" Columns published: {', '.join(cols)}."
        return text
    if kind == "threshold":
        src = g.get("computed_from")
        return _resolution_sentence(g) + (f" Computed from {src}, so it reveals nothing that file does not." if src else "")
    if kind == "post-processing":
        of = g.get("of") or []
        note = f" ({g['note']})" if g.get("note") else ""
        return (f"Computed only from other public outputs{note}: {', '.join(of)}. Post-processing adds no privacy "
                "loss." if of else f"Computed only from other public outputs{note}.")
    if kind == "data-independent":
        return f"Contains no data about any person: {g.get('basis') or 'independent of the records'}."
    return "No guarantee declared."


def short_guarantee(g: dict[str, Any] | None) -> str:
    """A few words for a downloads table cell."""
    g = g or {}
    kind = g.get("type")
    if kind == "dp":
        return f"Differential privacy (ε = {fmt_epsilon(g.get('epsilon'))}, δ = {fmt_delta(g.get('delta'))})"
    if kind == "k-anonymity":
        return f"k-anonymity (k = {g.get('k')})"
    if kind == "threshold":
        return f"Threshold: counts below {g.get('effective_threshold') or g.get('threshold')} hidden"
    if kind == "post-processing":
        return "Post-processing of public outputs"
    if kind == "data-independent":
        return "Data-independent"
    return ""


def statement(privacy: dict[str, Any]) -> dict[str, Any]:
    """Everything the "How this release is protected" page says, from `privacy.json`."""
    profile = privacy.get("profile") or ""
    composed = privacy.get("composed") or None
    tables = []
    for name, info in (privacy.get("tables") or {}).items():
        rec = (info or {}).get("records") if isinstance(info, dict) else None
        if not isinstance(rec, dict) or not isinstance(rec.get("value"), (int, float)):
            continue
        value = int(rec["value"])
        if rec.get("guarantee") == "dp":
            detail = "a differentially private (noisy) count"
            bits = [f"ε = {fmt_epsilon(rec.get('epsilon'))}" if rec.get("epsilon") is not None else "",
                    f"noise standard deviation about {rec['sigma']:.3g}" if isinstance(rec.get("sigma"), (int, float)) else ""]
            bits = [b for b in bits if b]
            if bits:
                detail += " (" + ", ".join(bits) + ")"
            text = f"about {about(value)} records: {detail}."
        elif rec.get("guarantee") == "k-anonymity":
            text = f"{value:,} records: the number of rows of the k-anonymized file."
        else:
            continue
        tables.append({"table": name, "text": text})
    outputs = []
    for o in privacy.get("outputs") or []:
        if not isinstance(o, dict) or not o.get("path") or not o.get("guarantee"):
            continue
        kind = o.get("kind") or ""
        outputs.append({"path": o["path"], "table": o.get("table"), "kind": KIND_NAMES.get(str(kind), kind),
                        "text": describe_guarantee(o["guarantee"]), "type": o["guarantee"].get("type")})
    budget = privacy.get("budget") or {}
    spends = []
    for s in (composed.get("spends") or []) if isinstance(composed, dict) else []:
        if isinstance(s, dict) and isinstance(s.get("epsilon"), (int, float)):
            spends.append({"table": s.get("table") or "", "mechanism": MECHANISMS.get(str(s.get("mechanism")),
                                                                                      str(s.get("mechanism") or "")),
                           "epsilon": fmt_epsilon(s["epsilon"]), "rho": fmt_rho(s.get("rho"))})
    declared_limits = [str(x) for x in privacy.get("not_promised") or [] if isinstance(x, str)]
    return {
        "profile": profile,
        "profile_text": PROFILE_TEXT.get(profile, ""),
        "unit": ((privacy.get("unit") or {}).get("statement") or "").rstrip(". "),
        "unit_kind": (privacy.get("unit") or {}).get("kind") or "",
        "composed": {"epsilon": fmt_epsilon(composed.get("epsilon")), "delta": fmt_delta(composed.get("delta")),
                     "rho": fmt_rho(composed.get("rho")),
                     "factor": f"{math.exp(composed['epsilon']):,.0f}" if isinstance(composed.get("epsilon"), (int, float)) and composed["epsilon"] < 50 else ""}
        if isinstance(composed, dict) and composed.get("epsilon") is not None else None,
        "budget": {"total": fmt_epsilon(budget.get("total_epsilon")),
                   "spent": fmt_epsilon(budget.get("spent_epsilon_after"))} if budget else None,
        "tables": tables,
        "outputs": outputs,
        "spends": spends,
        # the statement's own list when it has one (it knows its mechanisms), else the profile's general limits
        "not_promised": declared_limits or NOT_PROMISED.get(profile, []),
    }
