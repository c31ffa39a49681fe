"""A broken standard must fail at load time with a message naming the file, the variable and the problem."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from cthub.standard import StandardError, load_standard

GOOD_TABLE = """
table: people
variables:
  - name: age
    label: Age band
    definition: Age at registration.
    type: categorical
    role: quasi_identifier
    missing: Empty cell.
    values:
      - {code: "0--17", label: Under 18}
      - {code: "18+", label: 18 or older}
    hierarchy: majority
  - name: hurt
    label: Hurt
    definition: Was hurt.
    type: boolean
    role: sensitive
    missing: Empty cell.
"""

GOOD_HIERARCHY = """
name: majority
levels:
  - name: age band
  - name: minor/adult
    values: [Minor, Adult]
    parents: {"0--17": Minor, "18+": Adult}
"""


def make_standard(root: Path, table: str = GOOD_TABLE, hierarchy: str = GOOD_HIERARCHY) -> Path:
    (root / "hierarchies").mkdir(parents=True, exist_ok=True)
    (root / "standard.yaml").write_text('version: "0.1.0"\ntables: [people]\n')
    (root / "people.yaml").write_text(textwrap.dedent(table))
    (root / "hierarchies" / "majority.yaml").write_text(textwrap.dedent(hierarchy))
    return root


def test_minimal_standard_loads(tmp_path: Path) -> None:
    std = load_standard(make_standard(tmp_path))
    people = std.table("people")
    assert people.columns == ["age", "hurt"]
    assert people.variable("age").hierarchy.generalize("18+", 1) == "Adult"
    assert std.version == "0.1.0"


def expect_error(root: Path, *fragments: str) -> str:
    with pytest.raises(StandardError) as info:
        load_standard(root)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    return message


def test_duplicate_value_code(tmp_path: Path) -> None:
    table = GOOD_TABLE.replace('{code: "18+", label: 18 or older}', '{code: "0--17", label: again}')
    expect_error(make_standard(tmp_path, table), "people.yaml", "'age'", "duplicate value code '0--17'")


def test_unknown_role(tmp_path: Path) -> None:
    table = GOOD_TABLE.replace("role: sensitive", "role: secret")
    expect_error(make_standard(tmp_path, table), "people.yaml", "'hurt'", "unknown role 'secret'", "quasi_identifier")


def test_unknown_type(tmp_path: Path) -> None:
    table = GOOD_TABLE.replace("type: boolean", "type: bool")
    expect_error(make_standard(tmp_path, table), "people.yaml", "'hurt'", "unknown type 'bool'", "categorical")


def test_hierarchy_misses_a_value(tmp_path: Path) -> None:
    table = GOOD_TABLE.replace('      - {code: "18+", label: 18 or older}', '      - {code: "18+", label: 18 or older}\n      - {code: "99", label: x}')
    expect_error(make_standard(tmp_path, table), "majority.yaml", "'age'", "people.yaml", "misses", "'99'")


def test_hierarchy_skips_a_value_at_a_level(tmp_path: Path) -> None:
    hierarchy = GOOD_HIERARCHY + """\
  - name: broad
    values: [All]
    parents: {Minor: All}
"""
    expect_error(make_standard(tmp_path, hierarchy=hierarchy), "majority.yaml", "'age'", "skips", "'Adult'")


def test_hierarchy_maps_to_unknown_parent(tmp_path: Path) -> None:
    hierarchy = GOOD_HIERARCHY.replace('"18+": Adult', '"18+": Adullt')
    expect_error(make_standard(tmp_path, hierarchy=hierarchy), "majority.yaml", "'age'", "unknown parent 'Adullt'")


def test_hierarchy_maps_a_code_the_variable_lacks(tmp_path: Path) -> None:
    hierarchy = GOOD_HIERARCHY.replace('"18+": Adult}', '"18+": Adult, "70+": Adult}')
    expect_error(make_standard(tmp_path, hierarchy=hierarchy), "majority.yaml", "'age'", "'70+'")


def test_unknown_hierarchy(tmp_path: Path) -> None:
    table = GOOD_TABLE.replace("hierarchy: majority", "hierarchy: majorty")
    expect_error(make_standard(tmp_path, table), "people.yaml", "'age'", "unknown hierarchy 'majorty'")


def test_duplicate_yaml_key_is_not_silently_dropped(tmp_path: Path) -> None:
    hierarchy = GOOD_HIERARCHY.replace('parents: {"0--17": Minor, "18+": Adult}',
                                       'parents: {"0--17": Minor, "18+": Adult, "0--17": Adult}')
    expect_error(make_standard(tmp_path, hierarchy=hierarchy), "majority.yaml", "duplicate key '0--17'")


def test_unquoted_yes_no_codes(tmp_path: Path) -> None:
    table = GOOD_TABLE.replace('{code: "0--17", label: Under 18}', "{code: No, label: no}")
    expect_error(make_standard(tmp_path, table), "people.yaml", "'age'", "YAML boolean", "quote it")


def test_typo_in_variable_key(tmp_path: Path) -> None:
    table = GOOD_TABLE.replace("label: Hurt", "lable: Hurt")
    expect_error(make_standard(tmp_path, table), "people.yaml", "'hurt'", "unknown key(s) ['lable']")


def test_duplicate_variable(tmp_path: Path) -> None:
    table = GOOD_TABLE + GOOD_TABLE[GOOD_TABLE.index("  - name: hurt"):]
    expect_error(make_standard(tmp_path, table), "people.yaml", "'hurt'", "defined twice")


def test_boolean_with_other_codes(tmp_path: Path) -> None:
    table = GOOD_TABLE.replace("    missing: Empty cell.\n", "    missing: Empty cell.\n    values: ['1', '2']\n", 2)
    table = table.replace("    values: ['1', '2']\n    values:", "    values:", 1)
    expect_error(make_standard(tmp_path, table), "people.yaml", "'hurt'", "exactly '1' and '0'")


def test_invalid_yaml_syntax(tmp_path: Path) -> None:
    expect_error(make_standard(tmp_path, "table: people\nvariables: [\n"), "people.yaml", "not valid YAML")


def test_missing_folder(tmp_path: Path) -> None:
    expect_error(tmp_path / "nowhere", "standard.yaml", "not found")
