"""A small load test on loopback: 200 concurrent public clients while contributors upload. Bounded: every request
must succeed (no 5xx, no dropped connection) within a generous time limit; latency is printed for the record."""

from __future__ import annotations

import asyncio
import statistics
import time

import httpx
import pytest

from tests.web.accounts.helpers import csv_bytes, make_hub
from tests.web.accounts.serving import api_token, free_port, start_server
from tests.web.release_fixture import VERSION, write_release

CLIENTS = 200
UPLOADS = 4


async def _public(client: httpx.AsyncClient, i: int, latencies: list[float]) -> int:
    paths = ["/api/releases", f"/api/releases/{VERSION}/tables/victims/aggregates?selections=gender:Female",
             f"/api/releases/{VERSION}/tables/victims/chart?attribute=ageBroad", "/"]
    t0 = time.perf_counter()
    r = await client.get(paths[i % len(paths)])
    latencies.append(time.perf_counter() - t0)
    return r.status_code


async def _upload(client: httpx.AsyncClient, token: str, i: int) -> int:
    r = await client.post("/contribute/api/batches", headers={"Authorization": f"Bearer {token}"},
                          files={"file": (f"load{i}.csv", csv_bytes(300, seed=100 + i), "text/csv")})
    return r.status_code


async def _run(base: str, token: str) -> tuple[list[int], list[int], list[float], float]:
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=CLIENTS + UPLOADS, max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:
        t0 = time.perf_counter()
        ups = [asyncio.create_task(_upload(client, token, i)) for i in range(UPLOADS)]
        pubs = [asyncio.create_task(_public(client, i, latencies)) for i in range(CLIENTS)]
        public = await asyncio.gather(*pubs)
        uploads = await asyncio.gather(*ups)
        return list(public), list(uploads), latencies, time.perf_counter() - t0


@pytest.mark.slow
def test_200_concurrent_public_clients_while_uploading(tmp_path):
    home = make_hub(tmp_path / "hub")
    write_release(home, n=1500)
    token = api_token(home, "ana")
    port = free_port()
    server = start_server(home, port)
    try:
        t0 = time.perf_counter()
        for path in ("/", f"/api/releases/{VERSION}/tables/victims/chart?attribute=ageBroad"):  # build caches once
            assert httpx.get(f"http://127.0.0.1:{port}{path}", timeout=120).status_code == 200
        print(f"\nwarm-up {time.perf_counter() - t0:.1f} s")
        public, uploads, lat, elapsed = asyncio.run(_run(f"http://127.0.0.1:{port}", token))
    finally:
        server.kill()
        server.wait(10)
    assert public == [200] * CLIENTS
    assert uploads == [201] * UPLOADS
    lat.sort()
    p50, p95 = statistics.median(lat), lat[int(0.95 * len(lat)) - 1]
    print(f"\n{CLIENTS} public requests + {UPLOADS} uploads in {elapsed:.1f} s; latency p50 {p50 * 1000:.0f} ms, "
          f"p95 {p95 * 1000:.0f} ms, max {lat[-1] * 1000:.0f} ms")
    assert elapsed < 90
    from cthub.store import Store

    assert len(Store.open(home).batches(contributor="ngo-a")) == UPLOADS
