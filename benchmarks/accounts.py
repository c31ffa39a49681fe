"""Account-area costs: argon2 sign-in, authenticated request latency (session cache cold and warm), and an upload
through the web (checks + ingest). Prints a table. Run: .venv/bin/python benchmarks/accounts.py"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _time(fn, n: int) -> tuple[float, float]:
    xs = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        xs.append(time.perf_counter() - t0)
    xs.sort()
    return statistics.median(xs) * 1000, xs[max(0, int(0.95 * n) - 1)] * 1000


def main() -> None:
    from fastapi.testclient import TestClient

    from cthub.web.accounts.passwords import hash_password, verify_password
    from cthub.web.app import create_app
    from tests.web.accounts.helpers import PASSWORDS, csv_bytes, login, make_hub, page_csrf

    rows: list[tuple[str, str, str]] = []
    h = hash_password("a-benchmark-passphrase")
    p50, p95 = _time(lambda: verify_password(h, "a-benchmark-passphrase"), 5)
    rows.append(("argon2id verify (RFC 9106 low-memory: 64 MiB, t=3, p=4)", f"{p50:.0f}", f"{p95:.0f}"))

    home = make_hub(Path(tempfile.mkdtemp()) / "hub")
    app = create_app(home)
    c = TestClient(app)
    p50, p95 = _time(lambda: login(c, "ana", PASSWORDS["ana"]), 3)
    rows.append(("sign-in through the form (CSRF + argon2 + session row + audit)", f"{p50:.0f}", f"{p95:.0f}"))
    app.state.accounts.session_cache_seconds = 0
    p50, p95 = _time(lambda: c.get("/contribute/api/batches"), 20)
    rows.append(("authenticated JSON request, session cache off", f"{p50:.1f}", f"{p95:.1f}"))
    app.state.accounts.session_cache_seconds = 5
    p50, p95 = _time(lambda: c.get("/contribute/api/batches"), 20)
    rows.append(("authenticated JSON request, session cache on", f"{p50:.1f}", f"{p95:.1f}"))
    anon = TestClient(app)
    p50, p95 = _time(lambda: anon.get("/api/codebook"), 20)
    rows.append(("public JSON request (/api/codebook)", f"{p50:.1f}", f"{p95:.1f}"))
    seeds = iter(range(1000))
    token = page_csrf(c, "/contribute/")

    def up() -> None:
        r = c.post("/contribute/upload", files={"file": ("b.csv", csv_bytes(5000, seed=next(seeds)), "text/csv")},
                   data={"csrf_token": token}, follow_redirects=False)
        assert r.status_code == 303, r.status_code

    p50, p95 = _time(up, 3)
    rows.append(("web upload of a 5,000-row CSV (limits, type, ingest, report)", f"{p50:.0f}", f"{p95:.0f}"))
    t = Table(title="cthub accounts benchmark (ms)")
    t.add_column("what")
    t.add_column("p50", justify="right")
    t.add_column("p95", justify="right")
    for r in rows:
        t.add_row(*r)
    Console().print(t)


if __name__ == "__main__":
    main()
