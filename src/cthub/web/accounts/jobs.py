"""The admin's release run: `run_release` in a background thread, its progress kept for the progress endpoint
(`/admin/releases/progress.json`, polled by `static/admin.js`). One run at a time per server; the pipeline's own
lock file also stops a CLI release from racing a web one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger("cthub.web")


@dataclass
class ReleaseJob:
    home: Path
    audit: Callable[[str | None, str, str | None, dict[str, Any]], None]
    state: str = "idle"  # idle | running | done | failed
    message: str = ""
    done: int = 0
    total: int = 0
    version: str | None = None
    status: str | None = None
    error: str | None = None
    runner: Callable[..., Any] | None = None  # run_release unless a test swaps in its own
    started_by: str | None = None
    started: float | None = None
    finished: float | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _thread: threading.Thread | None = None

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            elapsed = None
            if self.started is not None:
                elapsed = round((self.finished or time.time()) - self.started, 1)
            return {"state": self.state, "message": self.message, "done": self.done, "total": self.total,
                    "percent": round(100 * self.done / self.total) if self.total else (100 if self.state == "done" else 0),
                    "version": self.version, "status": self.status, "error": self.error,
                    "started_by": self.started_by, "seconds": elapsed}

    def start(self, actor: str, runner: Callable[..., Any] | None = None) -> bool:
        """Start a draft release; False when one is already running."""
        with self._lock:
            if self.state == "running":
                return False
            self.state, self.message, self.done, self.total = "running", "starting", 0, 0
            self.version = self.status = self.error = None
            self.started_by, self.started, self.finished = actor, time.time(), None
        self._thread = threading.Thread(target=self._run, args=(actor, runner), name="cthub-release", daemon=True)
        self._thread.start()
        return True

    def wait(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _progress(self, what: str, done: int, total: int) -> None:
        with self._lock:
            self.message, self.done, self.total = what, done, total

    def _run(self, actor: str, runner: Callable[..., Any] | None) -> None:
        from cthub.release.budget import BudgetRefused
        from cthub.release.pipeline import ReleaseError, run_release

        run = runner or self.runner or run_release
        try:
            res = run(self.home, None, draft=True, progress=self._progress)
        except (ReleaseError, BudgetRefused) as exc:
            self._finish("failed", error=str(exc))
            self.audit(actor, "release-refused", None, {"reason": str(exc)[:300]})
            return
        except Exception as exc:  # noqa: BLE001 - the admin sees a generic message; details go to the log
            log.exception("release failed")
            self._finish("failed", error=f"the release stopped with an internal error ({type(exc).__name__}); "
                                          "see the server log")
            self.audit(actor, "release-error", None, {"error": type(exc).__name__})
            return
        with self._lock:
            self.version, self.status = res.version, res.status
        self._finish("done")
        self.audit(actor, "release-made", res.version, {"status": res.status,
                                                        "gates_passed": bool(res.gates.get("passed"))})

    def _finish(self, state: str, error: str | None = None) -> None:
        with self._lock:
            self.state, self.error, self.finished = state, error, time.time()
            if state == "done":
                self.message = "finished"
                self.done = self.total = max(self.total, 1)
