"""The downloads page says which file serves which purpose, in readable sizes; the whole release comes as one zip of
exactly its declared files (behind the terms of use); the citation carries the site's address (issue 15)."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cthub.release.reader import Release, latest_published
from cthub.web.public.downloads import readable_size
from tests.web.release_fixture import VERSION, write_release


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("downloads")
    folder = write_release(home, n=1500)
    (folder / "metrics.json").write_text('{"internal": 1}', encoding="utf-8")  # undeclared: never in the zip
    return home


@pytest.fixture(scope="module")
def accepted(hub: Path):
    from cthub.web.app import create_app

    with TestClient(create_app(home=hub)) as c:
        assert c.post("/downloads/terms", data={"accept": "yes"}, follow_redirects=False).status_code == 303
        yield c


def _declared(release: Release) -> list[str]:
    """The files privacy.json declares public, in its order (read from the statement, not from the web code)."""
    return list(dict.fromkeys(o["path"] for o in release.privacy["outputs"] if (release.path / o["path"]).is_file()))


def _sums(folder: Path) -> dict[str, str]:
    """SHA256SUMS computed here, from the files, not read from the release (an independent check)."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in folder.rglob("*") if p.is_file()}


def test_readable_sizes() -> None:
    assert readable_size(0) == "0 bytes" and readable_size(999) == "999 bytes"
    assert readable_size(1500) == "1.5 kB" and readable_size(999_949) == "999.9 kB"
    assert readable_size(2_500_000) == "2.5 MB" and readable_size(3_210_000_000) == "3.21 GB"


def test_files_are_grouped_by_purpose_with_readable_sizes(accepted, hub: Path) -> None:
    release = Release(hub / "releases" / VERSION)
    html = accepted.get("/downloads/").text
    groups = dict(re.findall(r'<tbody class="purpose" data-purpose="(\w+)">(.*?)</tbody>', html, re.S))
    # the test release holds synthetic microdata, aggregates, documents, a report and metadata
    assert {"synthetic", "aggregates", "codebook", "dictionary", "report", "metadata"} <= set(groups)
    assert "Synthetic microdata" in groups["synthetic"] and "No row is a real person" in groups["synthetic"]
    for name in _declared(release):
        holders = [k for k, body in groups.items() if f">{name}</a>" in body]
        assert len(holders) == 1, (name, holders)  # every declared file is listed once, under one purpose
    assert all(".csv" in n or ".parquet" in n for n in re.findall(r">(data/[^<]+)</a>", groups["synthetic"]))
    assert "victims_aggregates" not in groups["synthetic"] and "victims_synthetic" not in groups["aggregates"]
    for size, text in re.findall(r'data-bytes="(\d+)">([^<]+)<', html):
        assert text == readable_size(int(size)) and (" kB" in text or " MB" in text or " bytes" in text)
    on_disk = {str((release.path / n).stat().st_size) for n in _declared(release)}
    assert set(re.findall(r'data-bytes="(\d+)"', html)) == on_disk  # the sizes are the files' own
    assert "metrics.json" not in html


def test_the_zip_is_exactly_the_declared_files(accepted, hub: Path) -> None:
    release = Release(hub / "releases" / VERSION)
    r = accepted.get(f"/downloads/{VERSION}.zip")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    assert f'filename="cthub-release-{VERSION}.zip"' in r.headers["content-disposition"]
    zf = zipfile.ZipFile(io.BytesIO(r.content))
    assert zf.testzip() is None
    prefix = f"cthub-release-{VERSION}/"
    names = [n.removeprefix(prefix) for n in zf.namelist()]
    assert all(n.startswith(prefix) for n in zf.namelist())
    assert names == _declared(release)  # exactly the declared files, in the statement's order
    sums = _sums(release.path)
    for n in names:
        assert hashlib.sha256(zf.read(prefix + n)).hexdigest() == sums[n], n  # unchanged, byte for byte
    assert "metrics.json" not in names
    assert accepted.get(f"/downloads/{VERSION}.zip").content == r.content  # deterministic: same release, same bytes
    api = accepted.get(f"/api/releases/{VERSION}").json()["archive"]
    assert api["url"] == f"/downloads/{VERSION}.zip"
    assert api["guarantee"]["type"] == "post-processing" and api["guarantee"]["of"] == names


def test_the_zip_is_behind_the_terms(hub: Path) -> None:
    from cthub.web.app import create_app

    with TestClient(create_app(home=hub)) as c:
        r = c.get(f"/downloads/{VERSION}.zip", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/downloads/terms?next=")
        r = c.post("/downloads/terms", data={"accept": "yes", "next": f"/downloads/{VERSION}.zip"},
                   follow_redirects=False)
        assert r.headers["location"] == f"/downloads/{VERSION}.zip"  # back to the zip after accepting
        assert c.get("/downloads/1999.01.01.zip").status_code == 404


def test_the_page_offers_the_zip_and_cites_the_sites_address(accepted, hub: Path) -> None:
    html = accepted.get("/downloads/").text
    assert f'href="/downloads/{VERSION}.zip"' in html and "the same terms of use apply" in html
    url = f"http://testserver/downloads/#release-{VERSION}"
    citation = re.search(r'<p class="citation">(.*?)</p>', html, re.S).group(1)
    assert citation.startswith("cthub (2026).") and f"release {VERSION}." in citation and url in citation
    assert f'id="release-{VERSION}"' in html  # the address the citation gives exists on the page


def test_zip_of_the_shared_release_opens(client, web_home: Path) -> None:
    """The session release (the one the browser tests use) zips too; its entries match its checksums file."""
    client.post("/downloads/terms", data={"accept": "yes"})
    folder = latest_published(web_home).path
    zf = zipfile.ZipFile(io.BytesIO(client.get(f"/downloads/{folder.name}.zip").content))
    listed = dict(line.split("  ", 1)[::-1] for line in (folder / "SHA256SUMS").read_text().splitlines())
    for name in zf.namelist():
        rel = name.split("/", 1)[1]
        if rel in listed:
            assert hashlib.sha256(zf.read(name)).hexdigest() == listed[rel]
