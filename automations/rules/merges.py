"""Merging two customer rows a person confirmed: the *Merge into* column of Customers.

The bot proposes likely duplicates (:mod:`automations.rules.duplicates`); a person confirms by
typing the ID to keep into the *Merge into* cell of the row to merge away. The next cycle, for
each such row (the *merged* row) whose Merge into names another customer (the *kept* row):

- the kept row's empty cells are filled from the merged row (never overwritten: checked again
  at write time, like an import's merge);
- Deals and Interactions whose Customer ID names the merged row now name the kept one (written
  only while the cell still says the merged ID, so a person's edit meanwhile wins);
- Mail log rows about the merged customer now name the kept one, key included
  (``welcome:C-0009`` becomes ``welcome:C-0007``), so an email the merged customer already got
  counts as sent to the kept one and never goes out twice. A key the kept customer has already
  is left as it is (that occasion is settled for them either way);
- the merged row gets *Merged into* ``C-0007 (2026-11-27)`` and its lifecycle and reminder
  cells are cleared; it is never deleted, and from then on it is history: no checks, rules,
  emails, proposals or dashboard counts (:func:`~automations.rules.activity.is_ready`);
- one row is appended to the *Merges* tab (when, kept, merged, what was filled, how many deals,
  interactions and Mail log keys moved) and a sentence goes to the run's report.

A Merge into that cannot be done changes nothing and says why in the row's Problems cell and
the report, and the cycle goes on: the row's own ID, a row merged already, a row that is itself
to be merged (into this one, or a third row: merge chains are done one step at a time, by the
person). An ID no row has is reported by the validator (``ref.missing``).

A deal or interaction that names a merged row later (typed with the old ID, or left behind
because its own new ID could not be written) is moved to the kept row by the next cycle, with a
sentence in the report.

The rules after this one see the workbook as it will be (:class:`Merged` ``snapshot``), so the
same cycle already counts, reminds and mails the kept customer with the merged one's history.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from automations import messages
from automations.rules.activity import id_key, is_ready, local_now
from automations.rules.contract import Inputs
from automations.rules.duplicates import id_order
from sheet_schema.formatting import counted
from sheet_schema.mail_log import MAIL_LOG
from sheet_schema.merges import MERGE_INTO, MERGED_INTO, MERGES, merged_into
from sheet_schema.model import Append, CellWrite, Plan, Row, Snapshot
from sheet_schema.reading import team_keys
from sheet_schema.schema import Schema, Tab

# What merging reads (automations.rules.contract): without a tab's Customer ID column, the
# merged customer's deals or interactions would be left behind on a row that is history.
REQUIRES = Inputs(
    {
        "Customers": ("ID", "Name"),
        "Deals": ("ID", "Customer ID"),
        "Interactions": ("Customer ID",),
    }
)
CUSTOMERS = "Customers"
_REFERRING = ("Deals", "Interactions")
# The merged row's bot cells that would still describe it as a live customer.
_CLEARED = (
    "lifecycle",
    "lifecycle_reason",
    "segment",
    "last_contact",
    "next_action_date",
    "reminder",
)


@dataclass(frozen=True)
class Merged:
    """What the merges of one cycle change: the plan, the snapshot as it will be, and the Mail
    log keys given to the kept customers (their emails wait for the next cycle, when the sheet
    holds the new keys)."""

    plan: Plan
    snapshot: Snapshot
    moved_keys: frozenset[str] = field(default_factory=frozenset)


class _Merger:
    """One cycle's merges, applied to copies of the rows as they go."""

    def __init__(self, schema: Schema, snapshot: Snapshot, now: datetime) -> None:
        self.schema = schema
        self.snapshot = snapshot
        self.language = snapshot.settings.language
        self.tab = schema.tab(CUSTOMERS)
        self.rows: dict[str, dict[int, Row]] = {}  # tab -> index -> changed row
        self.writes: list[CellWrite] = []
        self.appends: list[Append] = []
        self.notes: list[str] = []
        self.problem_notes: list[CellWrite] = []
        self.moved_keys: set[str] = set()
        self.today = local_now(snapshot, now)
        self.keys = {r.text("id").strip() for r in snapshot.tab(MAIL_LOG)} - {""}

    def current(self, tab: str, index: int) -> Row:
        return self.rows.get(tab, {}).get(index) or self.snapshot.tab(tab)[index]

    def change(
        self,
        tab: str,
        index: int,
        cells: Mapping[str, object],
        typed: Mapping[str, str] | None = None,
    ) -> None:
        """Record the row at ``index`` as it reads once ``cells`` (key -> value) are written;
        ``typed`` is their text when it is not the value's (a date as the person typed it)."""
        row = self.current(tab, index)
        raw = dict(row.raw)
        values = dict(row.values)
        for key, value in cells.items():
            raw[key] = (typed or {}).get(key, "" if value is None else str(value))
            values[key] = value
        row_id = row.row_id
        if "id" in cells:
            row_id = str(cells["id"]) or None
        self.rows.setdefault(tab, {})[index] = replace(row, raw=raw, values=values, row_id=row_id)

    def refuse(self, row: Row, code: str, params: Mapping[str, str]) -> None:
        """Say in the row's Problems cell and in the report why its Merge into waits."""
        header = self.tab.column(MERGE_INTO).header
        sentence = messages.render(code, self.language, {**params, "column": header})
        assert row.row_id is not None
        self.problem_notes.append(CellWrite(CUSTOMERS, row.row_id, "problems", sentence))
        self.notes.append(f"{CUSTOMERS} row {row.number} ({row.row_id}): {sentence} Not merged.")

    def merge(self, kept_index: int, merged_index: int) -> None:
        """Merge one confirmed pair: fill, repoint, mark, log."""
        kept, gone = self.current(CUSTOMERS, kept_index), self.current(CUSTOMERS, merged_index)
        assert kept.row_id is not None and gone.row_id is not None
        kept_id, gone_id = id_key(kept.row_id), id_key(gone.row_id)
        filled = self._fill(kept_index, kept, gone)
        moved = {tab: self._repoint(tab, gone_id, kept_id) for tab in _REFERRING}
        keys = self._repoint_mail_log(gone_id, kept_id)
        marked: dict[str, object] = {MERGED_INTO: f"{kept_id} ({self.today.date().isoformat()})"}
        marked |= {k: None for k in _CLEARED if self.tab.has_column(k) and gone.text(k).strip()}
        self.writes.extend(CellWrite(CUSTOMERS, gone.row_id, k, v) for k, v in marked.items())
        self.change(CUSTOMERS, merged_index, marked)
        headers = ", ".join(self.tab.column(k).header for k in filled)
        self.appends.append(
            Append(
                MERGES,
                {
                    "time": self.today,
                    "kept_id": kept_id,
                    "merged_id": gone_id,
                    "filled": headers or None,
                    "deals_moved": moved["Deals"],
                    "interactions_moved": moved["Interactions"],
                    "mail_log_keys_moved": keys,
                },
                refers_to=((CUSTOMERS, kept.row_id), (CUSTOMERS, gone.row_id)),
            )
        )
        self.notes.append(
            f"Merged customer {gone_id} into {kept_id}: filled {headers or 'nothing'}; "
            f"{counted(moved['Deals'], 'deal')}, {counted(moved['Interactions'], 'interaction')} "
            f"and {counted(keys, 'Mail log key')} now point to {kept_id}."
        )

    def _fill(self, kept_index: int, kept: Row, gone: Row) -> list[str]:
        """The kept row's empty team cells that the merged row has, planned fill-if-empty."""
        assert kept.row_id is not None
        filled = [
            key
            for key in team_keys(self.tab)
            if key != MERGE_INTO and gone.text(key).strip() and not kept.text(key).strip()
        ]
        cells = {
            k: gone.values[k] if gone.values.get(k) is not None else gone.text(k) for k in filled
        }
        self.writes.extend(
            CellWrite(CUSTOMERS, kept.row_id, k, v, only_if_empty=True) for k, v in cells.items()
        )
        if cells:
            self.change(CUSTOMERS, kept_index, cells, {k: gone.raw[k] for k in filled})
        return filled

    def _repoint(self, tab_name: str, gone_id: str, kept_id: str) -> int:
        """Rows of a tab whose Customer ID names the merged row, planned to name the kept one."""
        if not self.snapshot.readable(tab_name):
            return 0
        count = 0
        for index in range(len(self.snapshot.tab(tab_name))):
            row = self.current(tab_name, index)
            typed = row.text("customer_id")
            if id_key(typed) != gone_id or not row.row_id:
                continue  # a row the ID rule held back moves in a later cycle (follow)
            count += 1
            self.writes.append(
                CellWrite(tab_name, row.row_id, "customer_id", kept_id, replaces=typed)
            )
            self.change(tab_name, index, {"customer_id": kept_id})
        return count

    def follow(self, before: Mapping[str, str]) -> None:
        """Deals and interactions that still name a row merged in an earlier cycle (typed
        later, or whose row had no ID then), planned to name the row it was merged into."""
        for tab_name in _REFERRING:
            if not self.snapshot.readable(tab_name):
                continue
            for index in range(len(self.snapshot.tab(tab_name))):
                row = self.current(tab_name, index)
                typed = row.text("customer_id")
                kept = _final(before, id_key(typed))
                if kept is None or not row.row_id:
                    continue
                self.writes.append(
                    CellWrite(tab_name, row.row_id, "customer_id", kept, replaces=typed)
                )
                self.change(tab_name, index, {"customer_id": kept})
                self.notes.append(
                    f"{tab_name} {row.row_id}: Customer ID {typed.strip()} was merged into "
                    f"{kept}; it now says {kept}."
                )

    def _repoint_mail_log(self, gone_id: str, kept_id: str) -> int:
        """Mail log rows about the merged customer, planned to name the kept one (key too)."""
        count = 0
        for index, row in enumerate(self.snapshot.tab(MAIL_LOG)):
            key = row.text("id").strip()
            parts = key.split(":")
            names_gone = id_key(row.get("customer_id")) == gone_id
            if not key or not (names_gone or gone_id in parts):
                continue
            new_key = ":".join(kept_id if part == gone_id else part for part in parts)
            if new_key != key and new_key in self.keys:
                continue  # the kept customer has this occasion already: settled either way
            cells: dict[str, object] = {}
            if names_gone:
                cells["customer_id"] = kept_id
            if new_key != key:
                cells["id"] = new_key
                self.keys.discard(key)
                self.keys.add(new_key)
                self.moved_keys.add(new_key)
            self.writes.extend(CellWrite(MAIL_LOG, key, k, v) for k, v in cells.items())
            self.change(MAIL_LOG, index, cells)
            count += 1
        return count

    def snapshot_after(self) -> Snapshot:
        """The snapshot with every planned change in place."""
        if not self.rows:
            return self.snapshot
        rows = dict(self.snapshot.rows)
        for tab, changed in self.rows.items():
            rows[tab] = tuple(changed.get(i, row) for i, row in enumerate(rows[tab]))
        return replace(self.snapshot, rows=rows)


def _final(before: Mapping[str, str], row_id: str) -> str | None:
    """The row a merged ID ends in, following merges made one after another (None for an ID
    that was not merged, or merges that loop)."""
    seen = {row_id}
    kept = before.get(row_id)
    while kept is not None and kept in before:
        if kept in seen:
            return None
        seen.add(kept)
        kept = before[kept]
    return kept


def _requests(tab: Tab, rows: tuple[Row, ...]) -> dict[str, tuple[int, str]]:
    """Merged row ID -> (its index, the ID its Merge into names), for ready rows that ask."""
    asked: dict[str, tuple[int, str]] = {}
    for index, row in enumerate(rows):
        target = id_key(row.text(MERGE_INTO))
        if target and row.row_id and is_ready(tab, row):
            asked.setdefault(id_key(row.row_id), (index, target))
    return asked


def plan_merges(schema: Schema, snapshot: Snapshot, now: datetime) -> Merged:
    """Every merge a person confirmed in Merge into, or why it waits (see the module)."""
    tab = schema.tab(CUSTOMERS)
    rows = snapshot.tab(CUSTOMERS)
    if not tab.has_column(MERGE_INTO) or not snapshot.has_column(CUSTOMERS, MERGE_INTO):
        return Merged(Plan(), snapshot)
    asked = _requests(tab, rows)
    before = {id_key(r.row_id): merged_into(r) for r in rows if r.row_id and merged_into(r)}
    if not asked and not before:
        return Merged(Plan(), snapshot)
    index_of: dict[str, int] = {}
    for index, row in enumerate(rows):
        if row.row_id:
            index_of.setdefault(id_key(row.row_id), index)
    merger = _Merger(schema, snapshot, now)
    for gone_id in sorted(asked, key=id_order):
        index, target = asked[gone_id]
        row = rows[index]
        if target not in index_of:
            # The validator says it in the row (ref.missing); the report says it too.
            params = {"value": row.text(MERGE_INTO).strip(), "tab": CUSTOMERS}
            params["column"] = tab.column(MERGE_INTO).header
            sentence = messages.render("ref.missing", merger.language, params)
            merger.notes.append(f"{CUSTOMERS} row {row.number} ({gone_id}): {sentence} Not merged.")
            continue
        kept = rows[index_of[target]]
        if target == gone_id:
            merger.refuse(row, "merge.self", {"value": target})
        elif merged_into(kept):
            merger.refuse(row, "merge.merged", {"value": target, "kept": merged_into(kept)})
        elif target in asked and asked[target][1] == gone_id:
            merger.refuse(row, "merge.both_ways", {"value": target})
        elif target in asked:
            merger.refuse(row, "merge.chain", {"value": target, "next": asked[target][1]})
        else:
            merger.merge(index_of[target], index)
    if before:
        merger.follow(before)
    plan = Plan(
        writes=tuple(merger.writes),
        appends=tuple(merger.appends),
        notes=tuple(merger.notes),
        problem_notes=tuple(merger.problem_notes),
    )
    return Merged(plan, merger.snapshot_after(), frozenset(merger.moved_keys))
