"""Codebook, data dictionary and datapackage.json, rendered from the packaged standard and checked by readers
that do not share our code (html.parser, openpyxl, frictionless)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from cthub.standard import Standard, StandardError, load_standard
from cthub.standard.codebook import render_codebook
from cthub.standard.datapackage import render_datapackage
from cthub.standard.dictionary import render_dictionary


@pytest.fixture(scope="module")
def std() -> Standard:
    return load_standard()


@pytest.fixture(scope="module")
def codebook(std: Standard, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    out = tmp_path_factory.mktemp("codebook")
    paths = render_codebook(std, out)
    assert [p.name for p in paths] == ["codebook.html", "codebook.md"]
    return paths[0].read_text(encoding="utf-8"), paths[1].read_text(encoding="utf-8")


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.tags: set[str] = set()
        self.external: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        href = a.get("href")
        if href and href.startswith("#"):
            self.links.append(href[1:])
        if a.get("src") or (tag == "link" and a.get("rel")):
            self.external.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_codebook_html_is_self_contained_with_working_toc(std: Standard, codebook: tuple[str, str]) -> None:
    html, _ = codebook
    parser = _Collector()
    parser.feed(html)
    assert "script" not in parser.tags and not parser.external
    assert "style" in parser.tags and "nav" in parser.tags
    assert parser.links and not set(parser.links) - parser.ids  # every contents link lands somewhere
    for table in std.tables.values():
        for var in table.variables:
            assert f"{table.name}-{var.name.lower()}" in parser.ids
            assert f"#{table.name}-{var.name.lower()}" in html
    text = " ".join(parser.text)
    assert std.version in text


def test_codebook_shows_every_variables_facts(std: Standard, codebook: tuple[str, str]) -> None:
    html, md = codebook
    for table in std.tables.values():
        for var in table.variables:
            for doc in (html, md):
                assert var.name in doc
                assert var.definition.split(".")[0][:60].replace("'", "&#39;" if doc is html else "'") in doc or \
                    var.definition[:30] in doc
    age = std.table("victims").variable("ageBroad")
    for doc in (html, md):
        assert "age band &gt; minor/adult &gt; *" in doc or "age band > minor/adult > *" in doc
        assert "prs_Birthdate" in doc  # HTCDS crosswalk
        assert "quasi-identifier" in doc and "sensitive" in doc
        for value in age.values:
            assert value.label in doc
    assert "Kosovo" in md and "South-eastern Asia" in md  # code list + hierarchy appendix
    assert "Americas and Oceania" in md


def test_codebook_markdown_tables_are_well_formed(codebook: tuple[str, str]) -> None:
    _, md = codebook
    lines = md.splitlines()
    for i, line in enumerate(lines):
        if re.fullmatch(r"\|(---\|)+", line):
            header = lines[i - 1]
            cells = header.count("|")
            j = i + 1
            while j < len(lines) and lines[j].startswith("|"):
                row = re.sub(r"\\\|", "", lines[j])
                assert row.count("|") == cells, (header, lines[j])
                j += 1


def test_codebook_escapes_html(tmp_path: Path) -> None:
    from tests.standard.test_invalid_yaml import GOOD_TABLE, make_standard

    root = make_standard(tmp_path / "std", GOOD_TABLE.replace("Was hurt.", "Was <b>hurt</b> | badly."))
    html_path, md_path = render_codebook(load_standard(root), tmp_path / "out")
    assert "Was &lt;b&gt;hurt&lt;/b&gt;" in html_path.read_text()
    assert "Was <b>hurt</b> | badly." in md_path.read_text()  # definitions are bullet text, not table cells


def test_dictionary_one_row_per_variable(std: Standard, tmp_path: Path) -> None:
    csv_path, xlsx_path = render_dictionary(std, tmp_path)
    df = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    expected = [(t.name, v.name) for t in std.tables.values() for v in t.variables]
    assert list(zip(df["table"], df["variable"], strict=True)) == expected
    row = df.set_index("variable").loc["IP_Gender"]
    assert row["type"] == "multi" and row["separator"] == ";" and row["values"] == "Female; Male"
    assert df.set_index("variable").loc["citizenship", "hierarchy"] == "country > UN sub-region > UN region > *"
    sheets = pd.read_excel(xlsx_path, sheet_name=None, dtype=str, keep_default_na=False)
    assert set(sheets) == {"about", "variables", "values", "hierarchies"}
    assert len(sheets["variables"]) == len(expected)
    values = sheets["values"]
    assert len(values) == sum(len(v.codes) for t in std.tables.values() for v in t.variables)
    h = sheets["hierarchies"]
    ph = h[(h.variable == "citizenship") & (h.level_0 == "PH")].iloc[0]
    assert (ph.level_1, ph.level_2, ph.level_3) == ("South-eastern Asia", "Asia", "*")


def _valid_rows(std: Standard, table: str, n: int = 6) -> pd.DataFrame:
    """A small CSV in the standard: row i takes the i-th code of each variable (cycling), some cells missing."""
    rows = []
    for i in range(n):
        row = {}
        for j, var in enumerate(std.table(table).variables):
            codes = var.codes
            if (i + j) % 5 == 4:
                row[var.name] = ""
            elif var.type == "multi" and i % 2:
                row[var.name] = var.separator.join(sorted(codes[:2]))
            else:
                row[var.name] = codes[(i * 7 + j) % len(codes)]
        rows.append(row)
    return pd.DataFrame(rows)


def test_datapackage_validates_with_frictionless(std: Standard, tmp_path: Path, vp_csv: Path) -> None:
    from frictionless import Package, validate

    for table in std.tables:
        df = _valid_rows(std, table)
        assert std.check_frame(table, df) == []
        df.to_csv(tmp_path / f"{table}.csv", index=False)
    [path] = render_datapackage(std, tmp_path)
    descriptor = json.loads(path.read_text())
    assert [r["path"] for r in descriptor["resources"]] == ["victims.csv", "victim_perpetrator.csv"]
    fields = {f["name"]: f for f in descriptor["resources"][0]["schema"]["fields"]}
    assert fields["ageBroad"]["constraints"]["enum"][0] == "0--8"
    assert fields["isForcedLabour"]["type"] == "boolean"
    assert descriptor["resources"][0]["schema"]["missingValues"] == [""]
    report = validate(path)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5]
    assert Package(path).resources[0].schema.field_names == std.table("victims").columns


def test_datapackage_rejects_bad_cells(std: Standard, tmp_path: Path) -> None:
    from frictionless import validate

    df = _valid_rows(std, "victim_perpetrator")
    df.loc[0, "IP_Gender"] = "Female;Other"
    df.loc[1, "gender"] = "F"
    df.loc[2, "isForcedLabour"] = "2"
    df.to_csv(tmp_path / "vp.csv", index=False)
    [path] = render_datapackage(std, tmp_path, {"victim_perpetrator": "vp.csv"})
    report = validate(path)
    assert not report.valid
    bad = {(e[0], e[1]) for e in report.flatten(["rowNumber", "fieldName"])}
    assert bad == {(2, "IP_Gender"), (3, "gender"), (4, "isForcedLabour")}


@pytest.mark.slow
def test_real_vp_file_as_a_resource(std: Standard, tmp_path: Path, vp_csv: Path) -> None:
    from frictionless import validate

    data = tmp_path / "data"
    data.mkdir()
    target = data / "victim_perpetrator.csv"
    target.write_bytes(vp_csv.read_bytes())
    [path] = render_datapackage(std, tmp_path, [{"table": "victim_perpetrator", "path": target}])
    assert json.loads(path.read_text())["resources"][0]["path"] == "data/victim_perpetrator.csv"
    report = validate(path)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5]
    assert report.tasks[0].stats["rows"] == 21195


def test_generalized_resources_allow_hierarchy_values(std: Standard, tmp_path: Path) -> None:
    from frictionless import validate

    df = _valid_rows(std, "victims", 3)
    df.loc[0, "ageBroad"] = "Minor"
    df.loc[1, "citizenship"] = "South-eastern Asia"
    df.loc[1, "yearOfRegistration"] = "2015-2019"
    df.loc[2, "gender"] = "*"
    df.to_csv(tmp_path / "victims_kanon.csv", index=False)
    spec = [{"table": "victims", "path": "victims_kanon.csv", "generalized": True, "name": "victims_kanon"}]
    [path] = render_datapackage(std, tmp_path, spec)
    report = validate(path)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5]
    (tmp_path / "strict").mkdir()
    (tmp_path / "strict" / "victims_kanon.csv").write_bytes((tmp_path / "victims_kanon.csv").read_bytes())
    [strict] = render_datapackage(std, tmp_path / "strict", [{"table": "victims", "path": "victims_kanon.csv"}])
    assert not validate(strict).valid  # the plain schema refuses generalized codes


def test_datapackage_resource_errors(std: Standard, tmp_path: Path) -> None:
    with pytest.raises(StandardError, match="outside"):
        render_datapackage(std, tmp_path / "a", [{"table": "victims", "path": tmp_path / "elsewhere.csv"}])
    with pytest.raises(StandardError, match="needs 'table'"):
        render_datapackage(std, tmp_path, [{"path": "x.csv"}])
    with pytest.raises(StandardError, match="no table 'nope'"):
        render_datapackage(std, tmp_path, {"nope": "x.csv"})
