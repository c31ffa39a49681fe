"""Login throttling by progressive delays, never by hard lock-outs.

Hard lock-outs let anyone shut a named user (the admin) out by typing wrong passwords, and behind a proxy one
address lock shuts out every user. So each key (a username, a client address) gets `free` failures within
`window` seconds, then must wait `base_delay * 2**(extra failures)` seconds before its next attempt, capped at
`max_delay`: a guesser is slowed to one try per cap, a legitimate user waits at most the cap. The caller decides
what a wait means: the login refuses an attempt on a waiting username before checking the password, but a waiting
address only slows wrong passwords (a right one is never refused by the address alone).

Kept in memory: a restart forgets it, which is acceptable for a single-process hub. The number of keys is bounded
(`max_keys`), so a flood of invented usernames cannot grow memory without limit.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class LoginThrottle:
    max_failures: int = 5  # free failures per username within the window
    ip_factor: int = 4  # an office behind one address gets more free tries than one username
    window: float = 15 * 60
    base_delay: float = 1.0
    max_delay: float = 60.0  # the longest a username ever waits
    max_ip_delay: float = 15 * 60.0
    max_keys: int = 50_000
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _wait_until: dict[str, float] = field(default_factory=dict)
    _noted: dict[str, float] = field(default_factory=dict)  # key -> when its slowing was last audited
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _free(self, key: str) -> int:
        return self.max_failures * (self.ip_factor if key.startswith("ip:") else 1)

    def _cap(self, key: str) -> float:
        return self.max_ip_delay if key.startswith("ip:") else self.max_delay

    def wait(self, key: str) -> float:
        """Seconds before `key` may try again (0 when it may try now)."""
        with self._lock:
            return max(0.0, self._wait_until.get(key, 0.0) - self.clock())

    def locked(self, *keys: str) -> float:
        """The longest wait among `keys` (kept for callers of the old lock-out API)."""
        return max((self.wait(k) for k in keys), default=0.0)

    def first_notice(self, key: str) -> bool:
        """True once per `window` for a slowed key: the audit log records that a key is being slowed, not every
        attempt it makes (anonymous attempts cost no hashing, so one row each would let anyone flood the log)."""
        now = self.clock()
        with self._lock:
            if now - self._noted.get(key, float("-inf")) < self.window:
                return False
            self._noted[key] = now
            return True

    def failure(self, *keys: str) -> bool:
        """Record a failed attempt; True when one of the keys now has to wait."""
        now = self.clock()
        waiting = False
        with self._lock:
            if len(self._failures) > self.max_keys:
                self._prune(now)
            for k in keys:
                q = self._failures.setdefault(k, deque())
                q.append(now)
                while q and q[0] < now - self.window:
                    q.popleft()
                extra = len(q) - self._free(k)
                if extra >= 0:
                    delay = min(self.base_delay * 2 ** min(extra, 30), self._cap(k))
                    self._wait_until[k] = now + delay
                    waiting = True
        return waiting

    def _prune(self, now: float) -> None:
        for k in [k for k, q in self._failures.items() if not q or q[-1] < now - self.window]:
            self._failures.pop(k, None)
            self._wait_until.pop(k, None)
            self._noted.pop(k, None)
        if len(self._failures) > self.max_keys:  # still full of fresh keys: forget the oldest half
            for k in sorted(self._failures, key=lambda k: self._failures[k][-1])[: len(self._failures) // 2]:
                self._failures.pop(k, None)
                self._wait_until.pop(k, None)
                self._noted.pop(k, None)

    def reset(self) -> None:
        with self._lock:
            self._failures.clear()
            self._wait_until.clear()
            self._noted.clear()

    def success(self, *keys: str) -> None:
        with self._lock:
            for k in keys:
                self._failures.pop(k, None)
                self._wait_until.pop(k, None)
