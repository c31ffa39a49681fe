"""Structural rules: the packaged standard states them, loading refuses malformed ones, and counting is exact."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pandas as pd
import pytest

from cthub.standard import StandardError, load_standard

TABLE = """
table: people
variables:
  - {name: age, label: Age, definition: Age band., type: categorical, role: quasi_identifier, missing: Empty.,
     values: [{code: child}, {code: adult}]}
  - {name: status, label: Status, definition: Minor or adult., type: categorical, role: quasi_identifier,
     missing: Empty., values: [{code: Minor}, {code: Adult}]}
  - {name: work, label: Work, definition: Forced labour., type: boolean, role: sensitive, missing: Empty.}
  - {name: farm, label: Farm, definition: Farm labour., type: boolean, role: sensitive, missing: Empty.}
"""


def _standard(tmp_path: Path, rules: str) -> Path:
    (tmp_path / "standard.yaml").write_text('version: "1.0.0"\ntables: [people]\n')
    (tmp_path / "people.yaml").write_text(TABLE + textwrap.dedent(rules))
    return tmp_path


def test_packaged_rules_cover_labour_sex_and_age() -> None:
    rules = {r.name: r for r in load_standard().table("victims").rules}
    labour = [r for r in rules.values() if r.then.column == "isForcedLabour" and r.if_[0].column.startswith("typeOfLabour")]
    sex = [r for r in rules.values() if r.then.column == "isSexualExploit" and r.if_[0].column.startswith("typeOfSex")]
    assert len(labour) == 13 and len(sex) == 4
    assert rules["minor-age-band"].text() == "if ageBroad in {0--8, 9--17} then majorityStatus = Minor"
    assert load_standard().table("victim_perpetrator").rules == []


def test_violations_are_counted_per_rule_with_missing_breaking_a_then() -> None:
    table = load_standard().table("victims")
    df = pd.DataFrame(
        {
            "typeOfLabourAgriculture": ["1", "1", "1", "0", None],
            "isForcedLabour": ["1", "0", None, "0", None],
            "ageBroad": ["9--17", "30--38", None, "0--8", "48+"],
            "majorityStatus": ["Minor", "Minor", "Adult", None, "Adult"],
        },
        dtype="string",
    )
    counts = table.rule_violations(df)
    assert counts["labour-agriculture"] == 2  # "0" and empty both break it
    assert counts["minor-age-band"] == 1  # 0--8 with an empty status
    assert counts["adult-age-band"] == 1  # 30--38 with Minor; an empty age band breaks nothing
    assert "labour-begging" not in counts  # its columns are absent: not checkable


def test_then_may_allow_an_empty_cell(tmp_path: Path) -> None:
    std = load_standard(_standard(tmp_path, """
        rules:
          - {name: minor, if: {status: Minor}, then: {age: [child, ""]}}
    """))
    df = pd.DataFrame({"status": ["Minor", "Minor", "Minor"], "age": ["child", None, "adult"]}, dtype="string")
    assert std.table("people").rule_violations(df) == {"minor": 1}


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ("rules: {a: 1}", "'rules' must be a list"),
        ("rules:\n  - {if: {work: '1'}, then: {farm: '1'}}", "must be a mapping with a 'name'"),
        ("rules:\n  - {name: r, if: {nope: '1'}, then: {work: '1'}}", "'nope' is not a variable"),
        ("rules:\n  - {name: r, if: {farm: '2'}, then: {work: '1'}}", "'2' is not a code of farm"),
        ("rules:\n  - {name: r, if: {farm: yes}, then: {work: '1'}}", "YAML boolean"),
        ("rules:\n  - {name: r, if: {farm: ''}, then: {work: '1'}}", "never satisfies an 'if'"),
        ("rules:\n  - {name: r, if: {farm: '1'}, then: {work: '1', age: child}}", "exactly one variable"),
        ("rules:\n  - {name: r, if: {farm: '1'}, then: {farm: '0'}}", "in both 'if' and 'then'"),
        ("rules:\n  - {name: r, if: {farm: '1'}, then: {work: ['0', '1', '']}}", "forbids nothing"),
        ("rules:\n  - {name: r, if: {farm: '1'}, then: {work: '1'}, when: 2}", "unknown key"),
        ("rules:\n  - {name: r, if: {farm: '1'}, then: {work: '1'}}\n  - {name: r, if: {farm: '0'}, then: {work: '0'}}",
         "defined twice"),
    ],
)
def test_malformed_rules_are_refused_naming_the_rule(tmp_path: Path, rules: str, message: str) -> None:
    with pytest.raises(StandardError, match=message) as info:
        load_standard(_standard(tmp_path, rules + "\n"))
    assert "people.yaml" in str(info.value)


def test_rule_notes_give_counts_and_the_rule_never_a_record() -> None:
    table = load_standard().table("victims")
    df = pd.DataFrame({"typeOfLabourBegging": ["1", "1", "0"], "isForcedLabour": ["0", "1", "0"],
                       "ageBroad": ["9--17", "9--17", None], "majorityStatus": ["Minor", "Minor", "Adult"]},
                      dtype="string")
    from cthub.standard.rules import rule_notes

    notes = rule_notes(table, df)
    assert notes == ["1 record(s) break the standard's rule 'labour-begging' (if typeOfLabourBegging = 1 then "
                     "isForcedLabour = 1); they were kept: check how the mapping fills typeOfLabourBegging and "
                     "isForcedLabour"]
    assert rule_notes(table, df.iloc[1:]) == []
