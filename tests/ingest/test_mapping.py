"""Mapping files: shipped ones load and fit the standard; broken ones say exactly what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from cthub.ingest import MappingError, builtin_names, load_mapping, parse_mapping
from cthub.ingest.mapping import check_against_standard, fold_header
from cthub.standard import load_standard


@pytest.mark.parametrize("name", ["htcds", "casesys", "hotline", "ctdc-vp"])
def test_builtin_mappings_fit_the_standard(name: str) -> None:
    assert name in builtin_names()
    m = load_mapping(f"builtin:{name}")
    check_against_standard(m, load_standard())
    if name != "ctdc-vp":  # CTDC's file is already de-identified
        assert m.identifiers  # every contributor mapping names its identifier columns


def test_errors_name_the_problem(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="no built-in mapping 'nope'"):
        load_mapping("builtin:nope")
    with pytest.raises(MappingError, match="not found"):
        load_mapping(tmp_path / "missing.yaml")
    with pytest.raises(MappingError, match="not valid YAML"):
        parse_mapping("name: [unclosed")
    with pytest.raises(MappingError, match="variables"):
        parse_mapping("name: x\n")
    with pytest.raises(MappingError, match="needs `match:`"):
        parse_mapping("name: x\nvariables:\n  isForcedLabour: {from: T, transform: flag}\n")
    with pytest.raises(MappingError, match="listed under identifiers"):
        parse_mapping("name: x\nidentifiers: [Name]\nvariables:\n  gender: {from: Name}\n")
    std = load_standard()
    with pytest.raises(MappingError, match="did you mean 'gender'"):
        check_against_standard(parse_mapping("name: x\nvariables:\n  gendr: {from: Sex}\n"), std)
    with pytest.raises(MappingError, match="'Femme' not among its codes"):
        check_against_standard(parse_mapping("name: x\nvariables:\n  gender: {from: S, values: {F: Femme}}\n"), std)
    with pytest.raises(MappingError, match="not in the standard"):
        check_against_standard(parse_mapping("name: x\ntable: cases\nvariables:\n  gender: {from: S}\n"), std)


def test_relative_mapping_resolves_against_the_hub(tmp_path: Path) -> None:
    (tmp_path / "maps").mkdir()
    (tmp_path / "maps" / "m.yaml").write_text("name: m\nvariables:\n  gender: {from: Sex}\n")
    assert load_mapping("maps/m.yaml", home=tmp_path).name == "m"


def test_header_folding() -> None:
    assert fold_header("vic_Methods_of_Control") == fold_header("vic_MethodsOfControl")
    assert fold_header("group_x/prs_Gender") == fold_header("prs_Gender")
    assert fold_header(" Call  Date ") == fold_header("call_date")
