"""Item 2 (second half): ingest runs in a worker process with a time limit, so the web process keeps answering
while a hostile file is checked."""

from __future__ import annotations

import statistics
import threading
import time

from fastapi.testclient import TestClient

from tests.web.accounts.helpers import HEADER, csv_bytes, login, upload


def _hostile(rows: int = 20_000) -> bytes:
    # every row has distinct long junk in mapped columns: each cell is parsed and described
    lines = [",".join(HEADER)]
    for i in range(rows):
        junk = f"x{i}" + "q" * 200
        lines.append(f"{i},n,,{junk},{junk},{junk},{junk},")
    return ("\n".join(lines) + "\n").encode()


def test_public_requests_stay_fast_during_a_hostile_upload(app, hub, monkeypatch):
    monkeypatch.setenv("CTHUB_INGEST_WORKER", "1")
    uploader = TestClient(app, raise_server_exceptions=False)
    login(uploader, "ana")
    public = TestClient(app)
    public.get("/api/")  # warm
    done = threading.Event()
    result: dict = {}

    def run() -> None:
        result["r"] = upload(uploader, _hostile())
        done.set()

    thread = threading.Thread(target=run)
    thread.start()
    time.sleep(0.5)
    latencies = []
    while not done.is_set() and len(latencies) < 400:
        t = time.perf_counter()
        assert public.get("/api/").status_code == 200
        latencies.append(time.perf_counter() - t)
        time.sleep(0.01)
    thread.join(120)
    assert len(latencies) >= 20, "the upload finished too fast to measure anything"
    p95 = statistics.quantiles(latencies, n=20)[-1]
    assert p95 < 0.1, f"public p95 {p95 * 1000:.0f} ms while an upload was checked"
    assert result["r"].status_code in (303, 400)


def test_an_upload_past_the_time_limit_is_stopped_and_nothing_is_stored(app, hub, client, monkeypatch):
    from cthub.store import Store

    monkeypatch.setenv("CTHUB_INGEST_WORKER", "1")
    monkeypatch.setenv("CTHUB_INGEST_TIMEOUT", "1")  # less than a worker needs to start and read anything
    login(client, "ana")
    r = upload(client, csv_bytes(20))
    assert r.status_code == 422 and "CTHUB_INGEST_TIMEOUT" in r.text
    assert Store.open(hub).batches() == []


def test_the_worker_imports_like_the_web_process(app, hub, client, monkeypatch):
    from cthub.store import Store

    monkeypatch.setenv("CTHUB_INGEST_WORKER", "1")
    login(client, "ana")
    r = upload(client, csv_bytes(20))
    assert r.status_code == 303, r.text[:400]
    batches = Store.open(hub).batches()
    assert len(batches) == 1 and batches[0].accepted == 20
    again = upload(client, csv_bytes(20))
    assert again.status_code == 409
