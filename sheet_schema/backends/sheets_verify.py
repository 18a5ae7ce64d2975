"""The check after a Google Sheets write: did every value land on the row it was meant for?

Columns cannot move under a write (it is addressed by column tags, see
:mod:`sheet_schema.backends.sheets_tags`), but rows can: the Sheets API has no way to address a
cell by the row that holds an ID, so a person who inserts, deletes or sorts rows between the
bot's last read and its write shifts the bot's values onto other rows of the same bot columns.
Cells move with their rows afterwards, so reading the tab back tells, row by row, whether what
sits in each bot column is what that row's customer should have. This module computes the
corrections from that read:

- a new ID found on another customer's row is taken off it (that row gets back the ID it had,
  or nothing), and goes to the row whose team cells match the fingerprint it was meant for;
- every bot cell this cycle wrote or may have overwritten is set to what its row's ID should
  have: this cycle's value when the plan wrote one, else the value it had at the re-read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RowNow:
    """One row as read back: its 1-based number, ID, tagged bot cells and team fingerprint."""

    number: int
    row_id: str
    cells: Mapping[str, object]
    fingerprint: str | None = None


@dataclass
class Intent:
    """What one tab should look like after this cycle's write.

    ``values`` maps an ID to the bot cells written for it; ``new_ids`` a new ID to the
    fingerprint of the row meant to get it; ``before`` an ID to its tagged bot cells at the
    re-read; ``id_by_fingerprint`` the ID each row had at the re-read, by fingerprint (None when
    two rows shared a fingerprint, so it cannot be told).
    """

    values: dict[str, dict[str, object]] = field(default_factory=dict)
    new_ids: dict[str, str] = field(default_factory=dict)
    before: dict[str, dict[str, object]] = field(default_factory=dict)
    id_by_fingerprint: dict[str, str | None] = field(default_factory=dict)
    # Team cells replaced this cycle (resolved references): ID -> column -> the text replaced.
    # Only such a cell is put right, and only while it holds that text; a cell of that column
    # on another row only while it holds a value this cycle wrote (it landed there by mistake).
    replacing: dict[str, dict[str, str]] = field(default_factory=dict)
    team_written: dict[str, set[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Corrections:
    """Cells to set again, by (1-based row, column key), and what could not be put right."""

    cells: dict[tuple[int, str], object]
    lost_ids: dict[str, str]  # new ID -> why it is not on its row


def same(a: object, b: object) -> bool:
    """Whether a value read back equals the value written (numbers by value, blank as "")."""
    a = "" if a is None else a
    b = "" if b is None else b
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(b)))
    return a == b


def _place_ids(
    intent: Intent, rows: Sequence[RowNow], fixes: dict[tuple[int, str], object]
) -> tuple[dict[int, str], dict[str, str]]:
    ids = {r.number: r.row_id for r in rows}
    by_fingerprint: dict[str, list[RowNow]] = defaultdict(list)
    for r in rows:
        if r.fingerprint is not None:
            by_fingerprint[r.fingerprint].append(r)
    lost: dict[str, str] = {}
    for new_id, wanted in intent.new_ids.items():
        targets = by_fingerprint.get(wanted, [])
        target = targets[0].number if len(targets) == 1 else None
        for holder in (r for r in rows if r.row_id == new_id and r.number != target):
            # The ID landed on another customer's row: that row gets back the ID it had.
            had = intent.id_by_fingerprint.get(holder.fingerprint or "", "")
            if had is None:
                lost[new_id] = (
                    f"ID {new_id} landed on row {holder.number}, which cannot be told apart "
                    "from another row; fix the duplicate row"
                )
                continue
            fixes[(holder.number, "id")] = had
            ids[holder.number] = had
        if target is None:
            lost.setdefault(
                new_id,
                f"the row meant to get ID {new_id} changed or was deleted meanwhile; it gets "
                "an ID next cycle",
            )
            continue
        if ids[target] == new_id:
            continue
        if ids[target]:
            lost[new_id] = f"row {target} got another ID meanwhile; ID {new_id} was not used"
            continue
        fixes[(target, "id")] = new_id
        ids[target] = new_id
    return ids, lost


def corrections(intent: Intent, rows: Sequence[RowNow]) -> Corrections:
    """What to write again so that every row holds its own ID and its own bot values."""
    fixes: dict[tuple[int, str], object] = {}
    ids, lost = _place_ids(intent, rows, fixes)
    for row in rows:
        row_id = ids[row.number]
        if not row_id:
            continue
        wanted = intent.values.get(row_id, {})
        had = intent.before.get(row_id, {})
        for key, now in row.cells.items():
            if key == "id":
                continue
            shown = str(now or "").strip()
            if key in wanted:
                expected = wanted[key]
                replacing = intent.replacing.get(row_id, {})
                if key in intent.team_written and shown != replacing.get(key, "").strip():
                    continue  # a person's cell: changed by them, or already right
            elif key in had:
                expected = had[key]
                if key in intent.team_written and shown not in intent.team_written[key]:
                    continue  # a person's cell the bot's write did not reach
            else:
                continue
            if not same(now, expected):
                fixes[(row.number, key)] = expected
    return Corrections(fixes, lost)
