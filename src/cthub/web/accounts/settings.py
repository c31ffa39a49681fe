"""Per-app account settings and shared objects (`app.state.accounts`): the store handle, the login throttle,
upload limits and the release job. Limits come from environment variables so an operator can tune them without code.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cthub.web.accounts.ratelimit import LoginThrottle


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, "") or default)
    except ValueError:
        return default


@dataclass
class UploadLimits:
    max_bytes: int = field(default_factory=lambda: _env_int("CTHUB_UPLOAD_MAX_MB", 25) * 1_000_000)
    max_rows: int = field(default_factory=lambda: _env_int("CTHUB_UPLOAD_MAX_ROWS", 250_000))
    max_columns: int = field(default_factory=lambda: _env_int("CTHUB_UPLOAD_MAX_COLUMNS", 500))


@dataclass
class AccountSettings:
    home: Path
    limits: UploadLimits = field(default_factory=UploadLimits)
    throttle: LoginThrottle = field(default_factory=LoginThrottle)
    job: Any = None  # cthub.web.accounts.jobs.ReleaseJob, set by install()
    # a session/token lookup is reused this long (two DuckDB reads saved per request); logout and a disabled
    # account take effect at once in this process, and within this many seconds when changed from the CLI
    session_cache_seconds: float = field(default_factory=lambda: float(os.environ.get("CTHUB_SESSION_CACHE_SECONDS",
                                                                                      "5") or 5))
    session_cache: dict[str, tuple[float, Any]] = field(default_factory=dict)
    _store: Any = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def store(self) -> Any:
        """The hub's Store (opened once; each of its calls opens a short-lived connection)."""
        if self._store is None:
            with self._lock:
                if self._store is None:
                    from cthub.store import Store

                    self._store = Store.open(self.home)
        return self._store
