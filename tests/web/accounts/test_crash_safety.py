"""A server killed with SIGKILL in the middle of uploads loses no batch it had accepted, and keeps no half batch."""

from __future__ import annotations

import signal
import socket
import threading
import time

import httpx
import pytest

from tests.web.accounts.helpers import csv_bytes, make_hub
from tests.web.accounts.serving import api_token, free_port, start_server


def _upload(port: int, token: str, data: bytes, name: str) -> httpx.Response:
    return httpx.post(f"http://127.0.0.1:{port}/contribute/api/batches", headers={"Authorization": f"Bearer {token}"},
                      files={"file": (name, data, "text/csv")}, timeout=60)


def _consistent(home):
    """Every batch's stored records equal its accepted count: nothing half-written."""
    from cthub.store import Store

    store = Store.open(home)
    records = store.records("victims", with_meta=True)
    per_batch = records.groupby("batch_id").size().to_dict() if len(records) else {}
    for b in store.batches():
        if b.status == "active":
            assert per_batch.get(b.batch_id, 0) == b.accepted, b.batch_id
    assert set(per_batch) <= {b.batch_id for b in store.batches()}
    return store


@pytest.mark.slow
def test_sigkill_mid_upload_loses_no_accepted_batch(tmp_path):
    home = make_hub(tmp_path / "hub")
    token = api_token(home, "ana")
    port = free_port()
    server = start_server(home, port)
    try:
        first = _upload(port, token, csv_bytes(200, seed=1), "first.csv")
        assert first.status_code == 201, first.text
        accepted = first.json()
        # 1. killed while a request body is still arriving
        body = b"x" * 50_000
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(b"POST /contribute/api/batches HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Authorization: Bearer " + token.encode() + b"\r\n"
                     b"Content-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: 5000000\r\n\r\n"
                     b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n\r\n" + body)
        time.sleep(0.3)
        server.send_signal(signal.SIGKILL)
        server.wait(10)
        sock.close()
        _consistent(home)

        # 2. killed while a big upload is being ingested (it may or may not have committed: never half)
        server = start_server(home, port)
        big = csv_bytes(10_000, seed=2)
        result: dict[str, object] = {}

        def send() -> None:
            try:
                result["r"] = _upload(port, token, big, "big.csv")
            except httpx.HTTPError as exc:
                result["error"] = exc

        t = threading.Thread(target=send)
        t.start()
        time.sleep(0.7)
        server.send_signal(signal.SIGKILL)
        server.wait(10)
        t.join(60)
        store = _consistent(home)
        batch = store.batch(accepted["batch_id"])
        assert batch.status == "active" and batch.accepted == accepted["accepted"] == 200
        if "r" in result and getattr(result["r"], "status_code", 0) == 201:  # answered before the kill
            assert store.batch(result["r"].json()["batch_id"]).accepted == 10_000
        # 3. the store still takes new batches after two hard kills
        from cthub.ingest import ingest_file

        path = tmp_path / "after.csv"
        path.write_bytes(csv_bytes(50, seed=3))
        assert ingest_file(store, "ngo-a", path).accepted == 50
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(10)
    _consistent(home)
