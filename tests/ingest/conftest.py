"""Shared pieces for ingest tests: a hotline-like mapping, a hub with a registered contributor, file writers."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from cthub.config import Contributor, HubConfig, save_config

MAPPING = """
name: testline
version: "3"
table: victims
identifiers: [Caller name, Phone, Email, Notes, Other]
variables:
  Datasource: {constant: Hotline}
  yearOfRegistration: {from: [Call date, Date], required: true}
  gender: {from: Sex, values: {F: Female, M: Male, woman: Female}}
  ageBroad: {from: Age, transform: age_band}
  majorityStatus: {from: Age, transform: majority}
  citizenship: {from: Nationality}
  isForcedLabour: {from: Exploitation, transform: flag, match: [forced labour, labour]}
  isSexualExploit: {from: Exploitation, transform: flag, match: [sexual exploitation]}
"""
HEADER = ["Call ID", "Caller name", "Phone", "Call date", "Sex", "Age", "Nationality", "Exploitation", "Notes"]
GOOD_ROWS = [
    ["1", "Maria Dela Cruz", "+63 912 555 0101", "2019-05-03", "F", "25", "Philippines", "Forced labour", "ok"],
    ["2", "Nguyen Van Minh", "", "2020-01-15", "M", "16", "Viet Nam", "Sexual exploitation;labour", ""],
    ["3", "", "", "2021-11-30", "woman", "", "UA", "", "called back"],
]


@pytest.fixture
def mapping_file(tmp_path: Path) -> Path:
    path = tmp_path / "testline.yaml"
    path.write_text(MAPPING, encoding="utf-8")
    return path


@pytest.fixture
def hub(hub_home: Path, mapping_file: Path) -> Path:
    """A hub with contributor `line` using the test mapping."""
    save_config(HubConfig(name="t", contributors=[Contributor(id="line", name="Line", mapping=str(mapping_file))]),
                hub_home)
    return hub_home


def write_csv(path: Path, rows: list[list[str]], header: list[str] | None = None, delimiter: str = ",",
              encoding: str = "utf-8") -> Path:
    with path.open("w", newline="", encoding=encoding) as fh:
        w = csv.writer(fh, delimiter=delimiter)
        w.writerow(header or HEADER)
        w.writerows(rows)
    return path


def all_bytes(home: Path) -> bytes:
    """Every byte the hub keeps: the DuckDB file (+ WAL) and all report files."""
    out = b""
    for p in sorted(home.rglob("*")):
        if p.is_file():
            out += p.read_bytes()
    return out
