"""Remember what the per-row checks found, so unchanged rows are not checked again.

What is remembered
    For each tab, a map from a row's *fingerprint* (``sheet_schema.model.row_digest`` of the
    text of its team-owned cells; the bot's own writes never change it) to the
    facts the single-row checks produced: the row's problems as message codes and parameters
    (not sentences), its normalised email and its phone number in E.164. Rows are keyed by
    content, not by ID or position, so sorting or inserting rows costs nothing, and two rows with
    the same content share one entry.

What is always recomputed
    Checks that depend on other rows (duplicate emails and phones, references to IDs) or on the
    clock (a birthday in the future) run every cycle over the remembered facts. They are dict
    look-ups, cheap next to parsing emails and phones, and they stay right when only one of the
    two rows involved changed: if C-0007 gets C-0003's email, C-0003 (unchanged, not re-checked)
    is still told about C-0007 in the same cycle.

Where it lives, and restarts
    In the bot's process (the scheduler keeps one :class:`RowMemo` for its lifetime and hands it
    to every cycle). Nothing is stored in the workbook: a restart (or a single ``sheetcrm run``)
    starts with an empty memo and checks every row once, which is a full first cycle and gives
    exactly the same Problems text. This works the same on both backends, adds no hidden column
    people could damage or sort, and cannot go stale: the memo is dropped whenever the settings
    that change how rows are read (language, default country, date order) change.

The steady-state cycle still writes little for another reason: every rule compares the value it
computes with the cell's current value and writes only differences.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

Facts = TypeVar("Facts")


@dataclass
class MemoStats:
    """How many rows were checked and how many were taken from the memo (for reports, tests)."""

    checked: int = 0
    reused: int = 0


@dataclass
class RowMemo(Generic[Facts]):
    """Facts about rows by (tab, fingerprint), valid while ``signature`` stays the same.

    Entries not used in a cycle are dropped at :meth:`finish`, so the memo never holds more than
    one workbook's worth of rows.
    """

    signature: Hashable = None
    _entries: dict[str, dict[bytes, Facts]] = field(default_factory=dict)
    _used: dict[str, dict[bytes, Facts]] = field(default_factory=dict)
    stats: MemoStats = field(default_factory=MemoStats)

    def start(self, signature: Hashable) -> None:
        """Begin a cycle; forget everything if the signature (settings) changed."""
        if signature != self.signature:
            self._entries = {}
        self.signature = signature
        self._used = {}
        self.stats = MemoStats()

    def get_or_compute(self, tab: str, key: bytes, compute: Callable[[], Facts]) -> Facts:
        """The remembered facts for a row's fingerprint, or compute and remember them."""
        used = self._used.setdefault(tab, {})
        found = used.get(key)
        if found is None:
            found = self._entries.get(tab, {}).get(key)
            if found is None:
                found = compute()
                self.stats.checked += 1
            else:
                self.stats.reused += 1
            used[key] = found
        else:
            self.stats.reused += 1
        return found

    def finish(self) -> None:
        """End a cycle: keep only what this cycle used."""
        self._entries = self._used
        self._used = {}

    def __len__(self) -> int:
        return sum(len(entries) for entries in self._entries.values())
