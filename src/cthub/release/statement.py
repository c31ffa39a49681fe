"""The release's privacy statement (`privacy.json`), composed from the stages' declarations, and the rule that a
file with no declared guarantee is not published.

The statement is the machine-readable answer to "how is each published thing protected?"; the public report and
the site's "How this release is protected" page are generated from it. `check_declared` runs on the finished
temporary folder, before the checksums and the rename: one undeclared file and the release is not made.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cthub.privacy import epsilon_from_rho
from cthub.release.reader import PRIVACY_FILE, SUMS_FILE
from cthub.release.stages.base import Guarantee, Output, Spend


class UndeclaredOutput(Exception):
    """A file in a release folder that no stage declared a guarantee for; the release is refused."""


def unit_statement(profile: str, max_rows_per_person: int, has_persons: bool) -> dict[str, Any]:
    if profile == "classic":
        text = ("one person (a victim): every class of the k-anonymized file holds at least k distinct persons"
                if has_persons else "one record: the store has no person keys, so classes count rows")
    else:
        text = ("one person (a victim): each person's rows are bounded before any mechanism (at most "
                f"{max_rows_per_person} victim-perpetrator rows per victim; one row per victim in the victims table), "
                "and every DP mechanism's epsilon is stated for the whole person. A person recorded by two "
                "contributors cannot be linked without identifiers and counts as two persons; rows a contributor "
                "sent without a case ID cannot be grouped by person either, so each counts as a person of its own "
                "(a victim sent as m such rows is protected as a group of m).")
    return {"kind": "person", "max_rows_per_person": max_rows_per_person, "statement": text}


def composed_epsilon(spends: list[Spend], delta: float) -> float:
    """epsilon of the whole release at total `delta`: zCDP composes the rhos by addition; the deltas that private
    value selection spent are not conversion deltas, so they come off the delta the conversion may use
    ((eps(sum rho, delta - sum delta_sel), delta)-DP)."""
    selection = sum(s.delta_selection for s in spends)
    if selection >= delta:
        raise ValueError(f"value selection spent delta {selection:g}, all of the release's delta {delta:g}")
    return epsilon_from_rho(sum(s.rho for s in spends), delta - selection)


def docs_outputs(names: list[str]) -> list[Output]:
    basis = "generated from the published data standard; no record is read"
    return [Output(n, "docs", Guarantee("data-independent", {"basis": basis})) for n in names]


def compose(
    profile: str,
    outputs: list[Output],
    spends: list[Spend],
    delta: float,
    tables: dict[str, dict[str, Any]],
    unit: dict[str, Any],
    budget: dict[str, Any],
    earlier_non_dp: list[str] | None = None,
) -> dict[str, Any]:
    """The statement: profile, unit, composed (epsilon, delta, rho) over every DP spend, per-table counts, outputs."""
    rho = sum(s.rho for s in spends)
    dp_used = any(o.guarantee.type == "dp" for o in outputs) or bool(spends)
    composed: dict[str, Any] = (
        {"epsilon": composed_epsilon(spends, delta), "delta": delta, "rho": rho,
         "delta_selection": sum(s.delta_selection for s in spends),
         "spends": [{"table": s.table, "mechanism": s.mechanism, "epsilon": s.epsilon, "delta": s.delta,
                     "rho": s.rho, "delta_selection": s.delta_selection} for s in spends]}
        if dp_used else {"epsilon": None, "delta": None, "rho": None, "spends": []})
    return {
        "profile": profile,
        "unit": unit,
        "composed": composed,
        "budget": budget,
        "tables": tables,
        "outputs": [o.as_dict() for o in outputs],
        "not_promised": not_promised(profile) + history_caveat(profile, earlier_non_dp or []),
        "earlier_non_dp_releases": list(earlier_non_dp or []),
    }


def history_caveat(profile: str, earlier: list[str]) -> list[str]:
    """A dp release's promise covers its own outputs; earlier classic (or pre-statement) releases of the same people
    published exact counts, and the reader must know that the two together are not covered."""
    if profile != "dp" or not earlier:
        return []
    return [f"This hub has also published releases without differential privacy ({', '.join(earlier)}: "
            "k-anonymized microdata and exact or threshold counts of overlapping records). The epsilon stated here "
            "does not cover what those releases reveal, nor what they reveal together with this one."]


def not_promised(profile: str) -> list[str]:
    """What the profile does not promise, in plain words (shown on the site and in the report)."""
    common = [
        "A person recorded by two contributing organizations counts as two persons: without identifiers the hub "
        "cannot link them, so such a person is protected as a group of two (rho four times as large: epsilon 4 "
        "at delta 1e-6 becomes about 8.8 for them).",
    ]
    if profile == "classic":
        return common + [
            "k-anonymity is not differential privacy: it does not hide whether a person is in the data, the number "
            "of records is exact, and two classic releases of overlapping data can be compared.",
            "Attributes outside the quasi-identifiers are published as recorded within each class (l-diversity "
            "limits, but does not remove, what can be learned about a class).",
        ]
    return common + [
        "Synthetic rows are not real people; statistics computed from them carry the noise stated here and are "
        "less accurate for small groups.",
        "Each release spends part of the hub's lifetime budget; the composed epsilon of all releases is in the "
        "budget section.",
    ]


def check_declared(folder: Path, outputs: list[Output]) -> None:
    """Refuse a folder holding any file that no output declares (SHA256SUMS and privacy.json excepted)."""
    declared = {o.path for o in outputs}
    undeclared = sorted(
        p.relative_to(folder).as_posix() for p in folder.rglob("*")
        if p.is_file() and p.relative_to(folder).as_posix() not in declared | {SUMS_FILE, PRIVACY_FILE}
    )
    if undeclared:
        raise UndeclaredOutput(
            f"the release would publish {len(undeclared)} file(s) with no declared guarantee ({', '.join(undeclared)});"
            " nothing was published. Every public file must come from a stage that states how it is protected."
        )
    missing = sorted(d for d in declared if not (folder / d).is_file())
    if missing:
        raise UndeclaredOutput(f"declared outputs missing from the release folder: {', '.join(missing)}")
