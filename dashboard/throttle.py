"""Wrong passwords slow the next try down, per client and across all clients.

After a few free wrong tries, each next try must wait: 1 s, then 2, 4, 8 ... up to a cap. A
client is its address as Streamlit sees it (the TCP peer and the address a proxy names), or its
browser session when neither is known. Because a client can change its session (and, directly
exposed, can make up an ``X-Forwarded-For``), the same rule also runs across all clients with
more free tries and a shorter cap: a spray of guesses slows everyone down, never speeds up.

While a wait is running the password is not even checked. Checks run one at a time, which also
bounds memory (each scrypt check takes 128 MiB). A client's count is cleared by a right
password; any count is forgotten after an hour without a wrong try.

One :class:`LoginThrottle` serves the whole process (the app makes it with ``st.cache_resource``);
its clock is injectable so tests can measure the delays without sleeping.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    """How long to wait after some number of wrong tries."""

    free: int  # wrong tries that cost no wait
    first: float  # seconds to wait after the first wrong try beyond the free ones
    cap: float  # the longest wait

    def wait_after(self, failures: int) -> float:
        """Seconds the next try must wait after ``failures`` wrong tries in a row."""
        if failures < self.free:
            return 0.0
        return min(self.cap, self.first * 2.0 ** min(failures - self.free, 64))


PER_CLIENT = Backoff(free=5, first=1.0, cap=300.0)
OVERALL = Backoff(free=20, first=1.0, cap=60.0)
FORGET_AFTER_SECONDS = 3600.0
# Clients remembered at most; an attacker inventing addresses cannot fill the memory.
MAX_CLIENTS = 10_000


@dataclass
class _Count:
    failures: int = 0
    last: float = 0.0  # clock time of the last wrong try


@dataclass(frozen=True)
class Attempt:
    """What became of one try."""

    checked: bool  # False: refused unchecked because a wait was running
    accepted: bool
    wait: float  # seconds before the next try may be made (0: now)


class LoginThrottle:
    """Per-client and overall backoff for wrong passwords (thread-safe)."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        per_client: Backoff = PER_CLIENT,
        overall: Backoff = OVERALL,
        forget_after: float = FORGET_AFTER_SECONDS,
    ) -> None:
        self._clock = clock
        self._per_client = per_client
        self._overall_rule = overall
        self._forget_after = forget_after
        self._lock = threading.Lock()
        self._clients: dict[str, _Count] = {}
        self._overall = _Count()

    def wait_seconds(self, client: str) -> float:
        """Seconds ``client`` must wait before its next try is checked (0: it may try now)."""
        with self._lock:
            return self._wait(client, self._clock())

    def attempt(self, client: str, check: Callable[[], bool]) -> Attempt:
        """Run ``check`` (the password comparison) unless ``client`` must wait; count the result."""
        with self._lock:
            wait = self._wait(client, self._clock())
            if wait > 0:
                return Attempt(checked=False, accepted=False, wait=wait)
            accepted = check()
            now = self._clock()
            if accepted:
                self._clients.pop(client, None)
                return Attempt(checked=True, accepted=True, wait=0.0)
            self._count(self._clients.setdefault(client, _Count()), now)
            self._count(self._overall, now)
            self._prune(now)
            return Attempt(checked=True, accepted=False, wait=self._wait(client, now))

    def _fresh(self, count: _Count, now: float) -> _Count:
        return _Count() if now - count.last >= self._forget_after else count

    def _wait(self, client: str, now: float) -> float:
        waits = [0.0]
        for count, rule in (
            (self._clients.get(client), self._per_client),
            (self._overall, self._overall_rule),
        ):
            if count is not None and count.failures:
                count = self._fresh(count, now)
                waits.append(count.last + rule.wait_after(count.failures) - now)
        return max(waits)

    def _count(self, count: _Count, now: float) -> None:
        if now - count.last >= self._forget_after:
            count.failures = 0
        count.failures += 1
        count.last = now

    def _prune(self, now: float) -> None:
        if len(self._clients) <= MAX_CLIENTS:
            return
        for client, count in list(self._clients.items()):
            if now - count.last >= self._forget_after:
                del self._clients[client]
        while len(self._clients) > MAX_CLIENTS:  # the oldest go first
            del self._clients[min(self._clients, key=lambda c: self._clients[c].last)]
