#!/usr/bin/env python3
"""Web benchmark: API latency under 50 concurrent clients, page weight, time to first chart in Chromium.

Targets: API p95 < 20 ms on loopback, every page < 1.5 MB transferred, first chart < 1.5 s. The server runs in its
own process (`cthub serve`) so the load generator does not share its interpreter. Also saves docs/img/explorer.png
and docs/img/map.png for the README.

    .venv/bin/python benchmarks/web.py [--records 20000] [--requests 4000] [--clients 50]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.web.release_fixture import write_release  # noqa: E402

PAGES = {"overview": "/", "dashboards": "/dashboards/", "map": "/map/", "explorer": "/explorer/",
         "codebook": "/codebook/victims/", "downloads": "/downloads/", "api docs": "/api/docs"}
CHART_PAGES = {"dashboards": "/dashboards/", "map": "/map/", "explorer": "/explorer/"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(home: Path, port: int, workers: int) -> subprocess.Popen:
    proc = subprocess.Popen([str(REPO / ".venv" / "bin" / "cthub"), "serve", "--home", str(home), "--port", str(port),
                             "--workers", str(workers)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/releases", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    stop_server(proc)
    raise SystemExit("the server did not start within 180 s")


def stop_server(proc: subprocess.Popen) -> None:
    """Stop the server and its worker processes (its own process group, started with start_new_session)."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    except ProcessLookupError:
        pass


def api_urls(base: str, client: httpx.Client) -> list[str]:
    """A realistic mix: explorer slices for published filters, aggregate queries, chart CSVs, metadata."""
    meta = client.get(f"{base}/api/releases/latest/tables/victims/meta.json").json()
    cols = meta["columns"]
    rng = random.Random(3)
    urls = []
    from cthub.web.cube import slug

    for _ in range(300):
        a, b = rng.sample(cols, 2)
        va = rng.choice(meta["variables"][a]["values"])
        vb = rng.choice(meta["variables"][b]["values"])
        key = ";".join(f"{n}:{v}" for n, v in sorted([(a, va), (b, vb)], key=lambda s: cols.index(s[0])))
        urls.append(f"{base}/api/releases/latest/tables/victims/slices/{slug(key if rng.random() < .5 else f'{a}:{va}')}.json")
        urls.append(f"{base}/api/releases/latest/tables/victims/aggregates?selections={a}:{va};{b}:{vb}")
        urls.append(f"{base}/api/releases/latest/tables/victims/chart?attribute={b}&filter={a}:{va}&format=csv")
    urls.append(f"{base}/api/releases/latest/tables/victims/meta.json")
    urls.append(f"{base}/api/releases")
    return urls


async def paced_test(urls: list[str], n_clients: int, interval: float, seconds: float) -> tuple[list[float], int]:
    """50 clients that each ask every `interval` seconds (open loop): latency at a realistic load, not at saturation.

    A closed loop (every client asks again the moment it is answered) measures only throughput: its latency is
    clients / throughput, whatever the server does. This is the figure a user browsing the explorer feels.
    """
    latencies: list[float] = []
    errors = 0
    rng = random.Random(7)
    limits = httpx.Limits(max_connections=n_clients, max_keepalive_connections=n_clients)

    async def client_loop(client: httpx.AsyncClient, offset: float, t0: float) -> None:
        nonlocal errors
        due = t0 + offset
        while due < t0 + seconds:
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            t = time.perf_counter()
            try:
                ok = (await client.get(rng.choice(urls))).status_code == 200
            except httpx.HTTPError:
                ok = False
            latencies.append(time.perf_counter() - t)
            errors += 0 if ok else 1
            due += interval

    async with httpx.AsyncClient(limits=limits, timeout=120) as client:
        t0 = time.perf_counter()
        await asyncio.gather(*(client_loop(client, i * interval / n_clients, t0) for i in range(n_clients)))
    return latencies, errors


async def load_test(urls: list[str], n_requests: int, n_clients: int) -> tuple[list[float], float, int]:
    latencies: list[float] = []
    errors = 0
    queue: asyncio.Queue[str] = asyncio.Queue()
    rng = random.Random(5)
    for _ in range(n_requests):
        queue.put_nowait(rng.choice(urls))
    limits = httpx.Limits(max_connections=n_clients, max_keepalive_connections=n_clients)

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while True:
            try:
                url = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            t = time.perf_counter()
            try:
                r = await client.get(url)
                ok = r.status_code == 200
            except httpx.HTTPError:
                ok = False
            latencies.append(time.perf_counter() - t)
            if not ok:
                errors += 1

    async with httpx.AsyncClient(limits=limits, timeout=120) as client:
        t0 = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(n_clients)))
        elapsed = time.perf_counter() - t0
    return latencies, elapsed, errors


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by the server process and its workers (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [pid] + [int(p) for p in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
                    .stdout.split()]
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q / 100 * (len(s) - 1))))]


def browser_figures(base: str, shots: Path | None) -> tuple[dict[str, int], dict[str, float]]:
    from playwright.sync_api import sync_playwright

    weights: dict[str, int] = {}
    first_chart: dict[str, float] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for name, path in PAGES.items():
            context = browser.new_context()  # cold cache each time
            page = context.new_page()
            sizes: list[int] = []
            page.on("requestfinished", lambda req, sizes=sizes: sizes.append(req.sizes()["responseBodySize"]
                                                                 + req.sizes()["responseHeadersSize"]))
            page.goto(base + path)
            page.wait_for_load_state("networkidle")
            weights[name] = sum(sizes)
            context.close()
        for name, path in CHART_PAGES.items():
            runs = []
            for _ in range(3):
                context = browser.new_context()
                page = context.new_page()
                page.goto(base + path, wait_until="commit")
                page.wait_for_selector(".chart svg .mark-rect path, .chart svg .mark-shape path", timeout=30000)
                runs.append(page.evaluate("performance.now()") / 1000)
                context.close()
            first_chart[name] = sorted(runs)[1]
        if shots is not None:
            context = browser.new_context(viewport={"width": 1280, "height": 1000})
            page = context.new_page()
            page.goto(base + "/explorer/?attrs=ageBroad,isSexualExploit,Datasource,gender&f=citizenship:PH")
            page.wait_for_selector("#card-ageBroad .chart svg")
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(shots / "explorer.png"))
            page.goto(base + "/map/")
            page.wait_for_selector("#map[data-ready=true] svg")
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(shots / "map.png"), full_page=True)
            context.close()
        browser.close()
    return weights, first_chart


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=20000)
    ap.add_argument("--requests", type=int, default=4000)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    ap.add_argument("--interval", type=float, default=0.25, help="paced test: seconds between a client's requests")
    ap.add_argument("--paced-seconds", type=float, default=20.0, help="paced test: duration")
    ap.add_argument("--no-screenshots", action="store_true")
    ap.add_argument("--no-browser", action="store_true", help="API figures only")
    args = ap.parse_args()
    console = Console()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "hub"
        console.print(f"building a release of {args.records:,} generated records …")
        write_release(home, n=args.records)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = start_server(home, port, args.workers)
        try:
            with httpx.Client(timeout=60) as c:
                urls = api_urls(base, c)
                for _ in range(2 * args.workers):  # warm every worker's caches, as on a running site
                    for u in urls:
                        c.get(u)
                single = []
                for u in urls[:300]:
                    t0 = time.perf_counter()
                    c.get(u)
                    single.append(time.perf_counter() - t0)
            cpu0 = process_cpu(proc.pid)
            paced, paced_errors = asyncio.run(paced_test(urls, args.clients, args.interval, args.paced_seconds))
            lat, elapsed, errors = asyncio.run(load_test(urls, args.requests, args.clients))
            cpu_per_request = (process_cpu(proc.pid) - cpu0) / max(len(lat), 1)
            weights, first = ({}, {}) if args.no_browser else browser_figures(
                base, None if args.no_screenshots else REPO / "docs" / "img")
        finally:
            stop_server(proc)
    load = os.getloadavg()[0]
    t = Table(title=f"cthub web ({args.records:,} records, {args.workers} worker(s), {os.cpu_count()} cores, "
                    f"load average {load:.1f}, loopback)")
    t.add_column("measure")
    t.add_column("value", justify="right")
    t.add_column("target", justify="right")
    t.add_column("ok")
    ok = lambda b: "yes" if b else "NO"  # noqa: E731
    p95 = pct(lat, 95) * 1000
    t.add_row("API p95 latency, 1 client", f"{pct(single, 95) * 1000:.1f} ms", "", "")
    paced_p95 = pct(paced, 95) * 1000
    rate = args.clients / args.interval
    t.add_row(f"API p50 latency, {args.clients} clients paced ({rate:.0f} req/s)", f"{pct(paced, 50) * 1000:.1f} ms",
              "", "")
    t.add_row(f"API p95 latency, {args.clients} clients paced ({rate:.0f} req/s)", f"{paced_p95:.1f} ms", "< 20 ms",
              ok(paced_p95 < 20))
    t.add_row("API errors, paced", f"{paced_errors}", "0", ok(paced_errors == 0))
    t.add_row(f"API p50 latency, {args.clients} clients saturating", f"{pct(lat, 50) * 1000:.1f} ms", "", "")
    t.add_row(f"API p95 latency, {args.clients} clients saturating", f"{p95:.1f} ms", "", "")
    t.add_row(f"API p99 latency, {args.clients} clients saturating", f"{pct(lat, 99) * 1000:.1f} ms", "", "")
    t.add_row("API throughput", f"{len(lat) / elapsed:,.0f} req/s", "", "")
    t.add_row("server CPU per API request", f"{cpu_per_request * 1000:.2f} ms", "", "")
    t.add_row("server capacity per idle core", f"{1 / max(cpu_per_request, 1e-9):,.0f} req/s", "", "")
    t.add_row("API errors", f"{errors}", "0", ok(errors == 0))
    for name, b in weights.items():
        t.add_row(f"page weight: {name}", f"{b / 1e3:,.0f} KB", "< 1,500 KB", ok(b < 1.5e6))
    for name, s in first.items():
        t.add_row(f"time to first chart: {name}", f"{s:.2f} s", "< 1.5 s", ok(s < 1.5))
    console.print(t)


if __name__ == "__main__":
    main()
