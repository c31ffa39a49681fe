"""Ingest an upload in a separate process with a time limit, so one crafted file cannot freeze the web server.

Parsing and checking cells is pure-Python CPU work: run in the web process it holds the interpreter lock and every
public request waits behind it. A spawned child process (not forked: the server has threads and open DuckDB
handles) runs `ingest_file` against the hub's store and sends back a small summary; past `timeout` seconds it is
killed and the upload refused. The store is written in one transaction, so a killed child leaves nothing half done.
`CTHUB_INGEST_WORKER=0` runs ingest in-process (test suites that patch ingest); `CTHUB_INGEST_TIMEOUT` (seconds,
default 300) sets the limit.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from pathlib import Path
from typing import Any


class IngestTimeout(Exception):
    """The child did not finish within the limit; it was stopped and nothing was stored."""


class WorkerFailed(Exception):
    """The child ended without an answer (crashed or killed by the system)."""


def enabled() -> bool:
    return os.environ.get("CTHUB_INGEST_WORKER", "1") not in ("0", "false", "no", "")


def timeout_seconds() -> float:
    try:
        return max(1.0, float(os.environ.get("CTHUB_INGEST_TIMEOUT", "") or 300))
    except ValueError:
        return 300.0


def _child(conn: Any, home: str, contributor: str, path: str, mapping: str | None, display: str,
           options: dict[str, Any]) -> None:
    from cthub.ingest import AlreadyImported, IngestError, ingest_file
    from cthub.store import Store

    try:
        res = ingest_file(Store.open(home), contributor, Path(path), mapping, display_name=display, **options)
        summary = res.summary()
        conn.send(("ok", {"summary": summary, "batch_id": res.batch_id, "mapping": res.mapping,
                          "accepted": res.accepted, "rejected": res.rejected, "warned": res.warned}))
    except AlreadyImported as exc:
        conn.send(("already", {"batch_id": exc.batch_id}))
    except IngestError as exc:
        conn.send(("ingest-error", {"kind": type(exc).__name__, "message": str(exc)}))
    except Exception as exc:  # noqa: BLE001 - the parent logs the kind; the text may hold paths or values
        conn.send(("error", {"kind": type(exc).__name__}))
    finally:
        conn.close()


def run_ingest(home: Path, contributor: str, path: Path, mapping: str | None, display: str,
               options: dict[str, Any] | None = None, timeout: float | None = None) -> tuple[str, dict[str, Any]]:
    """(outcome, data) from a child process: 'ok', 'already', 'ingest-error' or 'error'. Raises IngestTimeout."""
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, str(home), contributor, str(path), mapping, display, options or {}),
                       name="cthub-ingest", daemon=True)
    proc.start()
    child.close()
    limit = timeout if timeout is not None else timeout_seconds()
    try:
        if not parent.poll(limit):
            raise IngestTimeout(f"checking the file took longer than {limit:.0f} s")
        try:
            return parent.recv()
        except EOFError:
            raise WorkerFailed("the import process ended without an answer") from None
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join(5)
        parent.close()
