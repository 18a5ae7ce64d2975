"""Which of a cycle's planned emails go out now: step 1 of :mod:`automations.mail.sending`.

Keys already in the Mail log are not sent again, except ``Waiting`` ones and temporary failures
with attempts left; the rest is cut to the daily send cap (counted over the last 24 hours of the
Mail log), most important first: digests, then service emails, then marketing automations, then
campaigns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from automations.mail.journal import LogEntry, may_retry, sends_in_last_day
from sheet_schema.model import Email

_SERVICE_KINDS = frozenset({"welcome", "follow-up"})


def priority(email: Email) -> int:
    """Lower goes first when the daily cap is short."""
    if email.kind == "digest":
        return 0
    if email.kind in _SERVICE_KINDS and not email.marketing:
        return 1
    if email.kind != "campaign":
        return 2
    return 3


@dataclass(frozen=True)
class Selection:
    """Which of the planned emails go out this cycle, and why the others do not."""

    to_send: tuple[Email, ...] = ()
    retried: frozenset[str] = frozenset()  # keys already in the log (Waiting, temporary failures)
    deferred: int = 0  # over the daily cap: a later cycle sends them


def select_emails(
    emails: Sequence[Email], entries: Mapping[str, LogEntry], cap: int, local_now: datetime
) -> Selection:
    """Drop what the Mail log already has, then keep what fits in the daily cap."""
    fresh: list[Email] = []
    retried: set[str] = set()
    seen: set[str] = set()
    for email in emails:
        if email.key in seen:
            continue
        seen.add(email.key)
        entry = entries.get(email.key)
        if entry is None:
            fresh.append(email)
        elif may_retry(entry):
            fresh.append(email)
            retried.add(email.key)
    budget = max(0, cap - sends_in_last_day(entries.values(), local_now))
    ordered = sorted(fresh, key=priority)  # stable: the rules' order within a priority
    chosen = tuple(ordered[:budget])
    return Selection(
        to_send=chosen,
        retried=frozenset(retried & {e.key for e in chosen}),
        deferred=len(ordered) - len(chosen),
    )
