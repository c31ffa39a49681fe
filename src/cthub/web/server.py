"""Run the web app with uvicorn (what `cthub serve` and `cthub demo` call)."""

from __future__ import annotations

import os

import uvicorn

from cthub.web.app import create_app


def serve(home: str | os.PathLike[str] | None, port: int = 8000, host: str = "127.0.0.1",
          release: str | os.PathLike[str] | None = None) -> None:
    """Serve the public site (and any installed account areas) until interrupted."""
    app = create_app(home=home, release=release)
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False)
