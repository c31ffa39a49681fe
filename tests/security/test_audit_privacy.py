"""Item 1: record values never reach the append-only audit log, nor an error message that quotes file cells."""

from __future__ import annotations

import json

from tests.web.accounts.helpers import csrf, login, upload

SECRET_CELLS = ["Arben Kaya", "+359 88 123 4567", "arben.kaya@example.org"]


def _audit_text(hub) -> str:
    from cthub.store import Store

    return json.dumps(Store.open(hub).audit_log(1000), default=str)


def test_headerless_file_values_reach_neither_error_nor_audit(hub, client):
    login(client, "ana")
    body = ("\n".join(",".join(SECRET_CELLS + ["2021-01-02", "F"]) for _ in range(5)) + "\n").encode()
    r = upload(client, body, name="calls.csv")
    assert r.status_code == 400
    assert "mapping" in r.text  # still says what to do
    for cell in SECRET_CELLS:
        assert cell not in r.text
        assert cell not in _audit_text(hub)


def test_missing_columns_error_quotes_only_close_misspellings():
    import tempfile
    from pathlib import Path

    import pytest

    from cthub.ingest.errors import MissingColumnsError
    from cthub.ingest.mapping import load_mapping
    from cthub.ingest.transform import raise_missing_all
    from tests.web.accounts.helpers import MAPPING

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "m.yaml"
        p.write_text(MAPPING, encoding="utf-8")
        mapping = load_mapping(p)
    with pytest.raises(MissingColumnsError) as exc:
        raise_missing_all(mapping, ["Arben Kaya", "Call dat", "arben.kaya@example.org"])
    text = str(exc.value)
    assert "Arben Kaya" not in text and "example.org" not in text
    assert "'Call dat'" in text  # a near miss of a column the mapping reads is the useful hint
    assert "3 columns" in text


def test_failed_login_never_logs_an_unknown_typed_username(hub, client):
    from cthub.store import Store

    typed = "my-secret-passphrase-typed-here"
    token = csrf(client.get("/login").text)
    r = client.post("/login", data={"username": typed, "password": "x" * 12, "csrf_token": token})
    assert r.status_code == 401
    assert typed not in _audit_text(hub)
    rows = [r for r in Store.open(hub).audit_log(10) if r["action"] == "login-failed"]
    assert rows and rows[0]["actor"] is None and rows[0]["detail"].get("username_hash")
    # a known username is still named (the admin needs to see attacks on real accounts)
    token = csrf(client.get("/login").text)
    client.post("/login", data={"username": "bob", "password": "x" * 12, "csrf_token": token})
    assert Store.open(hub).audit_log(1)[0]["actor"] == "bob"


def test_refused_upload_audits_the_kind_not_the_text(hub, client):
    from cthub.store import Store

    login(client, "ana")
    r = upload(client, b"Arben Kaya,Sofia\n" * 3)
    assert r.status_code == 400
    row = next(r for r in Store.open(hub).audit_log(20) if r["action"] == "upload-refused")
    assert set(row["detail"]) >= {"reason"}
    assert " " not in row["detail"]["reason"]  # a kind such as 'MissingColumnsError', not a sentence
