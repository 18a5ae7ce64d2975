"""Fault injection: rate limits, server errors, dropped connections, lost answers, latency.

Faults are consumed in the order they were added.  A fault without ``endpoint`` applies to the
next Sheets API requests of any kind; the token endpoint and the ``/_emulator`` control
endpoints are only faulted when named explicitly (``endpoint="token"``), so that arming a
fault before the client's first call does not break its login instead.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any

FAULT_KINDS = ("429", "500", "503", "drop", "lost", "slow")


@dataclass
class Fault:
    """One armed fault: what happens, to how many more requests, of which endpoint kind."""

    kind: str
    remaining: int = 1
    endpoint: str | None = None
    retry_after: int = 1
    delay: float = 0.0


class FaultInjector:
    """Thread-safe list of armed faults plus a fixed latency for every request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._latency = 0.0

    def add(
        self,
        kind: str,
        count: int = 1,
        endpoint: str | None = None,
        retry_after: int = 1,
        delay: float = 0.0,
    ) -> Fault:
        """Arm a fault for the next ``count`` requests (of ``endpoint`` kind, if given)."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {FAULT_KINDS}")
        if count < 1:
            raise ValueError("count must be at least 1")
        fault = Fault(kind, count, endpoint, retry_after, delay)
        with self._lock:
            self._faults.append(fault)
        return fault

    def rate_limit(
        self, count: int = 1, endpoint: str | None = None, retry_after: int = 1
    ) -> Fault:
        """Answer 429 RESOURCE_EXHAUSTED with a Retry-After header."""
        return self.add("429", count, endpoint, retry_after=retry_after)

    def server_error(self, count: int = 1, endpoint: str | None = None) -> Fault:
        """Answer 500 INTERNAL."""
        return self.add("500", count, endpoint)

    def unavailable(self, count: int = 1, endpoint: str | None = None) -> Fault:
        """Answer 503 UNAVAILABLE."""
        return self.add("503", count, endpoint)

    def drop_connection(self, count: int = 1, endpoint: str | None = None) -> Fault:
        """Close the socket without answering."""
        return self.add("drop", count, endpoint)

    def lose_answer(self, count: int = 1, endpoint: str | None = None) -> Fault:
        """Carry out the request, then close the socket without answering (the answer is lost)."""
        return self.add("lost", count, endpoint)

    def slow(self, seconds: float, count: int = 1, endpoint: str | None = None) -> Fault:
        """Sleep before answering normally."""
        return self.add("slow", count, endpoint, delay=seconds)

    @property
    def latency(self) -> float:
        """Seconds added to every request."""
        with self._lock:
            return self._latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        with self._lock:
            self._latency = max(0.0, float(seconds))

    def clear(self) -> None:
        """Disarm all faults and remove the latency."""
        with self._lock:
            self._faults.clear()
            self._latency = 0.0

    def pending(self) -> list[dict[str, Any]]:
        """Armed faults, for the control endpoint."""
        with self._lock:
            return [asdict(f) for f in self._faults]

    def take(self, endpoint: str) -> Fault | None:
        """Consume and return the first fault that applies to a request of this kind."""
        control = endpoint == "token" or endpoint.startswith("_emulator")
        with self._lock:
            for fault in self._faults:
                if fault.endpoint == endpoint or (fault.endpoint is None and not control):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return Fault(fault.kind, 1, fault.endpoint, fault.retry_after, fault.delay)
        return None

    def configure(self, spec: dict[str, Any]) -> None:
        """Apply a JSON spec from ``POST /_emulator/faults``.

        ``{"kind": "429", "count": 2, "endpoint": "values.get", "retry_after": 3}``,
        ``{"kind": "slow", "delay": 1.5}``, ``{"latency": 0.15}``, ``{"clear": true}``,
        or ``{"faults": [spec, ...]}``.
        """
        if spec.get("clear"):
            self.clear()
        if "latency" in spec:
            self.latency = float(spec["latency"])
        for item in spec.get("faults", []):
            self.configure(item)
        if "kind" in spec:
            self.add(
                str(spec["kind"]),
                int(spec.get("count", 1)),
                spec.get("endpoint"),
                int(spec.get("retry_after", 1)),
                float(spec.get("delay", 0.0)),
            )
