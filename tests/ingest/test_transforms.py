"""The transform registry (`cthub.ingest.transforms`): one class per `transform:` name, chosen by the mapping
schema, each applied on its own."""

from __future__ import annotations

import typing
from datetime import date

import pandas as pd
import pytest

from cthub.ingest import MappingError, parse_mapping
from cthub.ingest.transforms import DEFAULT_BY_TYPE, TRANSFORMS, Context, Rule, transform_of
from cthub.standard import load_standard

HEAD = "name: t\ntable: victims\nvariables:\n"


def test_every_registered_name_is_its_class_and_the_schema_picks_it():
    for name, cls in TRANSFORMS.items():
        assert cls.name == name and typing.get_args(cls.model_fields["transform"].annotation) == (name,)
    rules = {"value": "{from: A}", "boolean": "{from: A}", "year": "{from: A}", "country": "{from: A}",
             "multi": "{from: A}", "flag": "{from: A, match: [x]}", "age_band": "{from: A}",
             "majority": "{from: A}", "constant": "{constant: Hotline}"}
    assert set(rules) == set(TRANSFORMS), "a new transform needs a line here"
    for name, body in rules.items():
        rule = parse_mapping(HEAD + f"  Datasource: {body[:-1]}, transform: {name}}}").variables["Datasource"]
        assert type(rule) is TRANSFORMS[name]
    auto = parse_mapping(HEAD + "  gender: {from: Sex}").variables["gender"]
    assert type(auto) is Rule and auto.transform is None
    assert type(parse_mapping(HEAD + "  Datasource: {constant: Hotline}").variables["Datasource"]).name == "constant"
    assert set(DEFAULT_BY_TYPE.values()) <= set(TRANSFORMS)


def test_unknown_transform_lists_the_known_ones_and_errors_keep_the_file_path():
    with pytest.raises(MappingError, match=r"variables\.gender: transform must be one of: value, boolean, .*constant"):
        parse_mapping(HEAD + "  gender: {from: Sex, transform: fuzzy}")
    with pytest.raises(MappingError, match=r"variables\.gender\.bogus: Extra inputs"):  # no class name in the path
        parse_mapping(HEAD + "  gender: {from: Sex, transform: value, bogus: 1}")
    with pytest.raises(MappingError, match="only works with transform age_band or majority"):
        parse_mapping(HEAD + "  gender: {from: Sex, transform: value, input: dob}")


def _apply(rule_yaml: str, var: str, cells: list[object]) -> tuple[list[object], list[object]]:
    from cthub.ingest.transform import flag_vocabularies

    mapping = parse_mapping(HEAD + f"  {var}: {rule_yaml}")
    rule = mapping.variables[var]
    variable = load_standard().table("victims").variable(var)
    raw = pd.DataFrame({"c": pd.array(cells, dtype="string"), "ref": pd.array(["2020-06-01"] * len(cells),
                                                                                dtype="string")})
    ctx = Context(columns=["c", "ref"], today=date(2024, 1, 1), fallback=date(2024, 1, 1),
                  vocabularies=flag_vocabularies(mapping, ["c", "ref"]))
    codes, reasons = transform_of(rule, variable.type).cells(rule, raw, "c", variable, ctx)
    return [None if pd.isna(x) else x for x in codes], [None if pd.isna(x) else x for x in reasons]


def test_each_transform_applies_on_its_own():
    assert _apply("{from: c, values: {F: Female}}", "gender", ["F", "Male", "Martian"])[0] == \
        ["Female", "Male", None]
    assert _apply("{from: c, transform: age_band}", "ageBroad", ["7", "30", "x"])[0] == ["0--8", "30--38", None]
    # from a date of birth, at the row's reference date (never quoted in a report: rule.echo is False)
    codes, _ = _apply("{from: c, transform: majority, input: dob, reference: ref}", "majorityStatus",
                      ["2010-01-01", "1990-01-01"])
    assert codes == ["Minor", "Adult"]
    assert _apply("{from: c, transform: flag, match: [labour], no: [begging]}", "isForcedLabour",
                  ["labour;begging", "begging", "gibberish"])[0] == ["1", "0", None]  # unknown text is not a "no"
    codes, reasons = _apply("{from: c}", "yearOfRegistration", ["2019-05-03", "1850"])
    assert codes[0] == "2019" and codes[1] is None and reasons[1]
    assert _apply("{constant: Hotline}", "Datasource", ["a", "b"])[0] == ["Hotline", "Hotline"]
