"""Login throttling: after `max_failures` wrong passwords within `window` seconds, a username (and, separately, a
client address) is locked out for `lockout` seconds. Kept in memory: a restart forgets it, which is acceptable for
a single-process hub; the audit log keeps every failure for the record.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field


@dataclass
class LoginThrottle:
    max_failures: int = 5
    ip_factor: int = 4  # an office behind one address gets more tries than one username
    window: float = 15 * 60
    lockout: float = 15 * 60
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _locked_until: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def locked(self, *keys: str) -> float:
        """Seconds left on the longest lock-out among `keys` (0 when none is locked)."""
        now = time.monotonic()
        with self._lock:
            return max((self._locked_until.get(k, 0.0) - now for k in keys), default=0.0) if keys else 0.0

    def failure(self, *keys: str) -> bool:
        """Record a failed attempt; True when it locks one of the keys out."""
        now = time.monotonic()
        locked = False
        with self._lock:
            for k in keys:
                q = self._failures.setdefault(k, deque())
                q.append(now)
                while q and q[0] < now - self.window:
                    q.popleft()
                limit = self.max_failures * (self.ip_factor if k.startswith("ip:") else 1)
                if len(q) >= limit:
                    self._locked_until[k] = now + self.lockout
                    q.clear()
                    locked = True
        return locked

    def reset(self) -> None:
        with self._lock:
            self._failures.clear()
            self._locked_until.clear()

    def success(self, *keys: str) -> None:
        with self._lock:
            for k in keys:
                self._failures.pop(k, None)
