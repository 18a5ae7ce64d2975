"""Request counters by endpoint kind (``values.batchGet``, ``spreadsheets.batchUpdate``, ...)."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any


class Stats:
    """Thread-safe counters; faulted requests are counted too (they reached the server)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: Counter[str] = Counter()
        self._faulted: Counter[str] = Counter()

    def record(self, kind: str) -> None:
        """Count one request of this kind."""
        with self._lock:
            self._requests[kind] += 1

    def record_fault(self, kind: str) -> None:
        """Count one request of this kind that was answered by an injected fault."""
        with self._lock:
            self._faulted[kind] += 1

    def snapshot(self) -> dict[str, Any]:
        """``{"total": n, "requests": {kind: n}, "faulted": {kind: n}}``."""
        with self._lock:
            return {
                "total": sum(self._requests.values()),
                "requests": dict(self._requests),
                "faulted": dict(self._faulted),
            }

    def reset(self) -> None:
        """Zero all counters."""
        with self._lock:
            self._requests.clear()
            self._faulted.clear()
