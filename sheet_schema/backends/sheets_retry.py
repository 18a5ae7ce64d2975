"""When and how long to retry a Google Sheets request, and what to tell people when it fails.

Google answers 429 when the per-minute quota is used up and 5xx when it is having a bad moment;
connections drop. Those are retried with capped exponential backoff and jitter, honouring the
``Retry-After`` header, bounded both in attempts and in total seconds, so a cycle never hangs.
Everything else (401, 403, 404, 400) is not retried: it is turned into a sentence that says what
to fix. The clock, the sleep and the random source are arguments, so tests run in milliseconds.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

from sheet_schema.formatting import counted

T = TypeVar("T")

# Status codes worth another try: timeout, quota, and any server-side failure.
RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: ``attempts`` tries in all (the first included), within ``total_seconds``.

    The n-th wait is ``base_delay * 2**(n-1)`` capped at ``max_delay``, then jittered down by up
    to ``jitter`` of itself (so many bots restarted together do not retry in lockstep). A
    ``Retry-After`` from Google is a floor for the wait.
    """

    attempts: int = 5
    total_seconds: float = 60.0
    base_delay: float = 1.0
    max_delay: float = 30.0
    jitter: float = 0.5

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("a retry policy needs at least one attempt")
        if self.total_seconds < 0 or self.base_delay < 0 or self.max_delay < 0:
            raise ValueError("retry times cannot be negative")
        if not 0 <= self.jitter <= 1:
            raise ValueError("jitter is a fraction between 0 and 1")

    def backoff(self, retry_number: int, rand: Callable[[], float]) -> float:
        """The wait before retry number ``retry_number`` (1-based), with jitter applied."""
        capped = min(self.max_delay, self.base_delay * 2.0 ** (retry_number - 1))
        return capped * (1 - self.jitter * rand())


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (a number, or an HTTP date); None if absent."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


@dataclass(frozen=True)
class Failure:
    """One failed attempt, as the retry loop sees it."""

    status: int | None  # None for a connection error or timeout
    message: str
    retry_after: float | None = None

    @property
    def retryable(self) -> bool:
        """True for quota, server and connection failures."""
        return self.status is None or self.status in RETRYABLE_STATUS

    def describe(self) -> str:
        """A short phrase for messages, e.g. 'HTTP 503 (backend unavailable)'."""
        if self.status is None:
            return f"connection failed ({self.message})"
        return f"HTTP {self.status} ({self.message})" if self.message else f"HTTP {self.status}"


class RetriesExhausted(Exception):
    """Every allowed attempt failed with a retryable error; ``last`` is the final failure."""

    def __init__(self, last: Failure, attempts: int, seconds: float, reason: str) -> None:
        super().__init__(reason)
        self.last = last
        self.attempts = attempts
        self.seconds = seconds
        self.reason = reason


@dataclass
class Retrier:
    """Runs one request under a :class:`RetryPolicy`.

    ``attempt`` returns a result or a :class:`Failure`; a non-retryable failure is returned at
    once for the caller to explain, a retryable one is retried until the policy says stop, then
    :class:`RetriesExhausted` is raised.
    """

    policy: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    rand: Callable[[], float] = random.random
    # Waits actually taken, newest last (kept short: for reports and tests).
    waits: list[float] = field(default_factory=list)

    def run(self, attempt: Callable[[], T | Failure]) -> T | Failure:
        """Call ``attempt`` until it succeeds, fails for good, or the policy runs out."""
        started = self.clock()
        deadline = started + self.policy.total_seconds
        number = 0
        while True:
            number += 1
            outcome = attempt()
            if not isinstance(outcome, Failure) or not outcome.retryable:
                return outcome
            elapsed = self.clock() - started
            if number >= self.policy.attempts:
                raise RetriesExhausted(
                    outcome, number, elapsed, f"gave up after {counted(number, 'attempt')}"
                )
            wait = self.policy.backoff(number, self.rand)
            if outcome.retry_after is not None:
                wait = max(wait, outcome.retry_after)
            if self.clock() + wait > deadline:
                reason = (
                    f"Google asked to wait {outcome.retry_after:g} s, more than the "
                    f"{self.policy.total_seconds:g} s allowed for retries"
                    if outcome.retry_after is not None and outcome.retry_after >= wait
                    else f"gave up after {counted(number, 'attempt')} in {elapsed:.1f} s "
                    f"(limit {self.policy.total_seconds:g} s)"
                )
                raise RetriesExhausted(outcome, number, elapsed, reason)
            self.waits.append(wait)
            del self.waits[:-50]
            self.sleep(wait)
