"""The data that flows between backends, rules and the dashboard.

A backend reads the workbook into a :class:`Snapshot` of typed :class:`Row` objects. Rules turn a
snapshot into a :class:`Plan` (pure data: cell writes, appended rows, new IDs, emails). A backend
applies a plan and answers with an :class:`ApplyReport`. Nothing here does I/O.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sheet_schema.schema import Schema
from sheet_schema.settings import Settings


@dataclass(frozen=True)
class CellIssue:
    """A cell whose text could not be read as its column's type.

    ``code`` is a stable identifier (e.g. ``"date.invalid"``) and ``params`` the facts a message
    needs; the validator turns them into a sentence in the workbook's language.
    """

    column: str
    raw: str
    code: str
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Row:
    """One data row of a tab, typed.

    ``values`` maps column keys to typed values (``None`` when empty or unreadable), ``raw`` keeps
    what the person typed (as text), ``number`` is the 1-based sheet row at read time (for
    messages only: writes are addressed by ID), ``extra`` keeps columns the schema does not know.
    """

    tab: str
    number: int
    row_id: str | None
    values: Mapping[str, object]
    raw: Mapping[str, str]
    issues: tuple[CellIssue, ...] = ()
    extra: Mapping[str, str] = field(default_factory=dict)

    def get(self, key: str) -> object:
        """The typed value of a column, or None."""
        return self.values.get(key)

    def text(self, key: str) -> str:
        """What the person typed in a column ("" when empty)."""
        return self.raw.get(key, "")


def row_digest(raw: Mapping[str, str], keys: Sequence[str]) -> bytes:
    """A 128-bit hash of the given cells' text, in the order of ``keys``.

    Runs for every row every cycle, so the cells are joined and hashed in one call.
    """
    joined = "\x1f".join([raw.get(key, "") for key in keys])
    if joined.count("\x1f") >= len(keys):
        # A cell holds the separator itself: prefix each cell with its length, so no text can
        # shift a boundary between two cells (rare, so the common case stays one join).
        joined = "".join(f"{len(v)}\x1f{v}" for v in (raw.get(key, "") for key in keys))
    return hashlib.blake2b(joined.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def fingerprint(raw: Mapping[str, str], keys: Sequence[str]) -> str:
    """:func:`row_digest` as text, to tell whether a row changed (kept in plans)."""
    return row_digest(raw, keys).hex()


@dataclass(frozen=True)
class TabIssue:
    """A problem with a whole tab (missing, or a header that cannot be read)."""

    tab: str
    code: str
    message: str
    column: str | None = None
    # For a missing tab: a worksheet SheetCRM does not know that has its columns (renamed?).
    lookalike: str | None = None


@dataclass(frozen=True)
class Snapshot:
    """Everything the bot saw in one read, and when."""

    rows: Mapping[str, tuple[Row, ...]]
    settings: Settings
    read_at: datetime
    tab_issues: tuple[TabIssue, ...] = ()
    source: str = ""
    # The column keys each readable tab's header row holds (by name or alias): what the contract
    # guard checks a rule's inputs against, even when the tab has no rows.
    columns: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # The workbook's own schema: crm.toml with the team's lists (the Lists tab) in its choice
    # columns; None when the read had no Lists tab in its schema (the schema read with is it).
    schema: Schema | None = None
    # Worksheets the schema does not know, read because a setting names them (the tab a Google
    # Form writes its answers into), by worksheet title: rows of cell values, header first.
    side_tabs: Mapping[str, Sequence[Sequence[object]]] = field(default_factory=dict)
    # (tab, ID) of rows the cycle gives a new ID (automations.rules.ids): not in the sheet yet.
    new_ids: frozenset[tuple[str, str]] = frozenset()

    def schema_or(self, default: Schema) -> Schema:
        """The schema this workbook's cells were read with (``default`` when it is the one
        the read was given)."""
        return self.schema if self.schema is not None else default

    def tab(self, name: str) -> tuple[Row, ...]:
        """The rows of a tab (empty when the tab is missing or unreadable)."""
        return self.rows.get(name, ())

    def by_id(self, name: str) -> dict[str, Row]:
        """The rows of a tab that have an ID, keyed by it."""
        return {row.row_id: row for row in self.tab(name) if row.row_id}

    def readable(self, name: str) -> bool:
        """False when the tab is missing or its header could not be read."""
        return name in self.rows

    def has_column(self, tab: str, key: str) -> bool:
        """True when the tab is readable and its header row holds this column."""
        return key in self.columns.get(tab, frozenset())


@dataclass(frozen=True)
class CellWrite:
    """Set one bot-owned cell, addressed by row ID and column key, never by A1."""

    tab: str
    row_id: str
    column: str
    value: object
    # An import merging a duplicate fills a team cell only while it is empty (checked again at
    # write time), so what a person typed is never overwritten.
    only_if_empty: bool = False
    # A team reference cell the bot changes: a reference a person typed by email or name,
    # replaced by the ID it names; a deal moved to the kept customer of a merge a person asked
    # for. Written only while the cell still holds this text (compared as IDs are: no
    # surrounding spaces, any case) and no formula, checked again at write time, so what a
    # person typed meanwhile is kept; None for every other write.
    replaces: str | None = None
    # Written with it, only when it is written: (bot column key, line added to that cell), so
    # what the person typed stays readable in the row.
    note: tuple[str, str] | None = None
    # Rows the value names, as (tab, ID): a row whose new ID could not be written this cycle
    # makes this write wait too, so no cell names an ID the sheet lacks.
    refers_to: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class IdAssignment:
    """Give a row that has no ID one.

    The row is found again at write time by its sheet row number and the fingerprint of its team
    columns; if it moved, it is looked for by fingerprint; if it cannot be found for sure, the
    assignment is skipped and reported.
    """

    tab: str
    row_number: int
    fingerprint: str
    new_id: str


@dataclass(frozen=True)
class Append:
    """Add one row at the end of a tab (logs and histories).

    ``refers_to`` names the rows the new row is about, as (tab, ID): a row whose new ID could not
    be written this cycle makes the append wait too, so no log ever names an ID the sheet lacks.
    """

    tab: str
    values: Mapping[str, object]
    refers_to: tuple[tuple[str, str], ...] = ()
    # Columns the schema does not know, by their own header (an import keeps a file's other
    # columns): written under that header, which is added after the last column if missing.
    extra: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RowMark:
    """Write ``value`` under the header ``header`` of one row of a worksheet the schema does not
    know (a form's answers tab), to say the bot has read that row.

    The row is found again at write time by its number and ``fingerprint`` (its other cells, by
    header: :func:`sheet_schema.side_tabs.row_print`); a row that moved is looked for by
    fingerprint. ``needs`` names the rows, as (tab, ID), that this cycle adds or fills for it: when
    one of them is not written, the mark is not written either, so the row is read again.
    """

    title: str
    row_number: int
    fingerprint: str
    header: str
    value: str
    needs: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Email:
    """One email the bot plans to send; ``key`` makes sending idempotent.

    ``key`` is deterministic (e.g. ``birthday:C-0001:2026``), so planning the same email in
    two cycles gives the same key and the Mail log tells whether it was already sent.
    ``kind`` says which rule planned it (an Automations kind, ``campaign`` or ``digest``);
    ``marketing`` emails go only to customers who consented and did not unsubscribe or bounce.
    """

    key: str
    to: str
    subject: str
    body_text: str
    body_html: str | None = None
    template: str = ""
    customer_id: str | None = None
    campaign_id: str | None = None
    marketing: bool = False
    to_name: str = ""
    kind: str = ""
    deal_id: str | None = None


@dataclass(frozen=True)
class Plan:
    """What one cycle will change. Pure data: printing it is a dry run."""

    writes: tuple[CellWrite, ...] = ()
    appends: tuple[Append, ...] = ()
    id_assignments: tuple[IdAssignment, ...] = ()
    emails: tuple[Email, ...] = ()
    # Sentences for the cycle report about things that are not a row's problem (e.g. a template
    # that failed to render for one customer); they change nothing in the workbook.
    notes: tuple[str, ...] = ()
    # Sentences a rule adds to a row's Problems cell, after the validator's own (e.g. a template
    # that failed to render, on its Templates row); the cycle folds them into ``writes``.
    problem_notes: tuple[CellWrite, ...] = ()
    # Rows of a form's answers tab marked as read (:class:`RowMark`).
    marks: tuple[RowMark, ...] = ()

    def merge(self, other: Plan) -> Plan:
        """This plan followed by another."""
        return Plan(
            writes=self.writes + other.writes,
            appends=self.appends + other.appends,
            id_assignments=self.id_assignments + other.id_assignments,
            emails=self.emails + other.emails,
            notes=self.notes + other.notes,
            problem_notes=self.problem_notes + other.problem_notes,
            marks=self.marks + other.marks,
        )

    def is_empty(self) -> bool:
        """True when the plan changes nothing."""
        return not (self.writes or self.appends or self.id_assignments or self.emails or self.marks)


@dataclass(frozen=True)
class SkippedWrite:
    """A planned change that was not applied, and why (e.g. the row was deleted meanwhile)."""

    tab: str
    row_id: str | None
    column: str | None
    reason: str


@dataclass(frozen=True)
class ApplyReport:
    """What a backend actually changed."""

    cells_written: int = 0
    rows_appended: int = 0
    ids_assigned: int = 0
    skipped: tuple[SkippedWrite, ...] = ()
    api_calls: Mapping[str, int] = field(default_factory=dict)
    # Cells written again in the same cycle because rows moved under the write (Google Sheets).
    cells_corrected: int = 0
    # Rows of a form's answers tab marked as read (:class:`RowMark`).
    rows_marked: int = 0
    # Rows appended, by worksheet (Stage history, Mail log, Bot status...): they add up to
    # ``rows_appended``.
    appended: Mapping[str, int] = field(default_factory=dict)
