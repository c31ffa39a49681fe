"""Run the web app with uvicorn (what `cthub serve` and `cthub demo` call)."""

from __future__ import annotations

import os

import uvicorn
from fastapi import FastAPI

from cthub.web.app import create_app

_ENV_HOME = "CTHUB_WEB_HOME"
_ENV_RELEASE = "CTHUB_WEB_RELEASE"


def app_from_env() -> FastAPI:
    """Factory for uvicorn worker processes (`--workers N`), which cannot receive arguments directly."""
    return create_app(home=os.environ.get(_ENV_HOME) or None, release=os.environ.get(_ENV_RELEASE) or None)


def serve(home: str | os.PathLike[str] | None, port: int = 8000, host: str = "127.0.0.1",
          release: str | os.PathLike[str] | None = None, workers: int = 1) -> None:
    """Serve the public site (and any installed account areas) until interrupted.

    With `workers > 1` uvicorn starts that many processes, each building its own cubes (release data is
    read-only, so they need no coordination)."""
    if workers > 1:
        if home is not None:
            os.environ[_ENV_HOME] = str(home)
        if release is not None:
            os.environ[_ENV_RELEASE] = str(release)
        uvicorn.run("cthub.web.server:app_from_env", factory=True, host=host, port=port, workers=workers,
                    timeout_worker_healthcheck=120,  # a worker builds its cubes before answering
                    log_level="info", proxy_headers=False)
        return
    uvicorn.run(create_app(home=home, release=release), host=host, port=port, log_level="info", proxy_headers=False)
