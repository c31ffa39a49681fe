"""Run the hub's web app in a separate uvicorn process on a loopback port (for the crash and load tests)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

SERVER = (
    "import sys, uvicorn\n"
    "from cthub.web.app import create_app\n"
    "uvicorn.run(create_app(sys.argv[1]), host='127.0.0.1', port=int(sys.argv[2]), log_level='warning')\n"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(home: Path, port: int, timeout: float = 60) -> subprocess.Popen:
    env = dict(os.environ, CTHUB_ARGON2_PROFILE="cheapest")
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(home), str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/releases", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the server did not start in time")


def api_token(home: Path, username: str) -> str:
    from datetime import UTC, datetime, timedelta

    from cthub.store import Store
    from cthub.web.accounts.sessions import new_token, token_hash

    token = new_token("cthub_")
    Store.open(home).token_add(token_hash(token), username, purpose="api",
                               expires=datetime.now(UTC) + timedelta(days=1))
    return token
