"""References typed by what people know, replaced by the ID they name (a rule of the cycle).

A deal's Customer ID (an interaction's Customer ID and Deal ID: every team column of type
``reference`` in crm.toml) may hold what the person typing knows: ``maria@example.com``,
``600 123 456``, ``Maria Lopez`` or ``Maria Lopez (Acme)``. When that names exactly one row
(:mod:`automations.rules.references`), the cycle writes the row's ID into the cell, and adds a
line to the row's *Typed references* column saying what was there: the Problems cell is
rewritten every cycle, so what the person typed would be gone from the sheet a cycle later;
the bot column keeps it for good, beside the row, where the team can check the match.

Runs after the new IDs are planned (:mod:`automations.rules.ids`), so a customer typed in the
same cycle as its deal is found, and its new ID written into the deal in that cycle (the write
waits with the ID when the ID cannot be written). The snapshot the later rules see holds the
IDs, so validation, reminders, lifecycle and mail see the right customer in this same cycle.

Only rows ready to be checked (their tab's key columns filled) are resolved, like the validator
checks them. A text that names no row, two rows, or a row without an ID is left as typed; the
validator says so in the row's Problems cell (:func:`unresolved_references`, used by
:mod:`automations.rules.cross_checks`) and the cycle report counts them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, replace

from automations import messages
from automations.rules.activity import is_ready
from automations.rules.references import ReferenceIndex
from sheet_schema.formatting import counted
from sheet_schema.model import CellWrite, Plan, Row, Snapshot
from sheet_schema.revenue import id_key
from sheet_schema.schema import Column, ColumnType, Schema, Tab

TYPED_REFERENCES = "typed_references"
# The tabs whose references are resolved: what the team types about its customers. Other team
# references (Customers' Merge into) must hold an ID: a name there is reported, never resolved.
RESOLVED_TABS = frozenset({"Deals", "Interactions"})
# Which column a match was found by, as the sentence names it (the target tab's headers).
_HOW = {"name_company": ("name", "company")}


@dataclass(frozen=True)
class Reference:
    """One reference cell of a ready row whose text is not an ID of its tab."""

    tab: str
    row: Row
    column: Column
    typed: str


def reference_columns(schema: Schema, snapshot: Snapshot, tab: Tab) -> tuple[Column, ...]:
    """The team reference columns of a tab its header row holds, whose target tab is read."""
    return tuple(
        c
        for c in tab.columns
        if c.type is ColumnType.REFERENCE
        and not c.bot_owned
        and c.references
        and snapshot.readable(c.references)
        and snapshot.has_column(tab.name, c.key)
    )


class Indexes:
    """One :class:`ReferenceIndex` per target tab, built when first needed."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self._built: dict[str, ReferenceIndex] = {}

    def of(self, tab: str) -> ReferenceIndex:
        """The index of a target tab's rows."""
        if tab not in self._built:
            settings = self.snapshot.settings
            self._built[tab] = ReferenceIndex(
                tab,
                self.snapshot.tab(tab),
                settings.default_country,
                messages.language_of(settings.language),
            )
        return self._built[tab]


def typed_references(
    schema: Schema, snapshot: Snapshot, tabs: Collection[str] | None = None
) -> Iterator[Reference]:
    """Every reference cell of a ready row (with its ID) that holds text other than an ID of
    the tab it points at; ``tabs`` limits the tabs looked at (None: all)."""
    known: dict[str, set[str]] = {}
    for tab in schema.tabs:
        if tabs is not None and tab.name not in tabs:
            continue
        columns = reference_columns(schema, snapshot, tab)
        if not columns:
            continue
        for column in columns:
            target = column.references or ""
            if target not in known:
                # id_key inlined: this runs over every row of the target tab each cycle.
                known[target] = {r.row_id.strip().upper() for r in snapshot.tab(target) if r.row_id}
        checks = [(column, column.key, known[column.references or ""]) for column in columns]
        for row in snapshot.tab(tab.name):
            raw = row.raw
            for column, key, ids in checks:
                # Most cells hold an ID: that is the test every row pays, first and alone.
                typed = raw.get(key, "")
                if not typed or typed in ids or (typed := typed.strip().upper()) in ids:
                    continue
                if typed and row.row_id is not None and is_ready(tab, row):
                    yield Reference(tab.name, row, column, raw.get(key, "").strip())


def how_found(schema: Schema, target: str, how: str) -> list[str]:
    """The headers of the target tab's columns a match was found by ("Email"; "Name",
    "Company")."""
    tab = schema.tab(target)
    return [tab.column(k).header for k in _HOW.get(how, (how,)) if tab.has_column(k)]


def resolve_references(
    schema: Schema,
    snapshot: Snapshot,
    tabs: Collection[str] | None = None,
    new_ids: Collection[tuple[str, str]] = (),
) -> tuple[Plan, Snapshot]:
    """The writes that replace each resolvable reference by its ID, and the snapshot as if they
    were made. ``new_ids`` are the (tab, ID) planned this cycle: a write naming one waits for
    it (:class:`~sheet_schema.model.CellWrite` ``refers_to``)."""
    indexes = Indexes(snapshot)
    language = messages.language_of(snapshot.settings.language)
    fresh = {(tab, id_key(row_id)) for tab, row_id in new_ids}
    writes: list[CellWrite] = []
    changed: dict[tuple[str, int], dict[str, str]] = {}
    tabs = RESOLVED_TABS if tabs is None else RESOLVED_TABS & set(tabs)
    for ref in typed_references(schema, snapshot, tabs):
        target = ref.column.references or ""
        match = indexes.of(target).lookup(ref.typed)
        found = match.row
        if found is None or not found.row_id:
            continue
        line = messages.render(
            "ref.resolved_from",
            language,
            {
                "column": ref.column.header,
                "value": ref.typed,
                "id": found.row_id,
                "how": messages.and_list(how_found(schema, target, match.how), language),
            },
        )
        waits = ((target, found.row_id),) if (target, id_key(found.row_id)) in fresh else ()
        tab = schema.tab(ref.tab)
        writes.append(
            CellWrite(
                ref.tab,
                ref.row.row_id or "",
                ref.column.key,
                found.row_id,
                replaces=ref.row.raw.get(ref.column.key, ""),
                note=(TYPED_REFERENCES, line) if tab.has_column(TYPED_REFERENCES) else None,
                refers_to=waits,
            )
        )
        changed.setdefault((ref.tab, ref.row.number), {})[ref.column.key] = found.row_id
    if not changed:
        return Plan(), snapshot
    rows = dict(snapshot.rows)
    for name in {tab for tab, _ in changed}:
        rows[name] = tuple(
            _with(row, changed.get((name, row.number))) for row in snapshot.tab(name)
        )
    return Plan(writes=tuple(writes)), replace(snapshot, rows=rows)


def _with(row: Row, ids: dict[str, str] | None) -> Row:
    """The row as it reads once the IDs are written."""
    if not ids:
        return row
    return replace(row, values={**row.values, **ids}, raw={**row.raw, **ids})


@dataclass(frozen=True)
class Unresolved:
    """A reference left as typed: names no row (``candidates`` empty), several (their IDs), or
    a row with no ID yet (``no_id_row``, its sheet row)."""

    reference: Reference
    candidates: tuple[str, ...] = ()
    no_id_row: int | None = None


def unresolved_references(
    schema: Schema, snapshot: Snapshot, tabs: Collection[str] | None = None
) -> list[Unresolved]:
    """The references of ready rows that are still not IDs, and why each cannot be resolved
    (run on the snapshot after :func:`resolve_references`: what is left is what it could not
    resolve)."""
    indexes = Indexes(snapshot)
    left: list[Unresolved] = []
    tabs = RESOLVED_TABS if tabs is None else RESOLVED_TABS & set(tabs)
    for ref in typed_references(schema, snapshot, tabs):
        match = indexes.of(ref.column.references or "").lookup(ref.typed)
        if match.ambiguous:
            ids = tuple(r.row_id or f"row {r.number}" for r in match.rows)
            left.append(Unresolved(ref, candidates=ids))
        elif match.row is not None and not match.row.row_id:
            left.append(Unresolved(ref, no_id_row=match.row.number))
        else:
            left.append(Unresolved(ref))
    return left


def empty_references(
    schema: Schema, snapshot: Snapshot, tabs: Collection[str] | None = None
) -> dict[tuple[str, str], int]:
    """Rows per (tab, column header) whose required reference is empty while their other key
    columns are typed (a deal with a Stage and no customer): not checked, so not in Problems,
    but counted and said in the cycle report."""
    counts: dict[tuple[str, str], int] = {}
    for tab in schema.tabs:
        if tabs is not None and tab.name not in tabs:
            continue
        for column in reference_columns(schema, snapshot, tab):
            if not column.required or column.key not in tab.key_columns:
                continue
            others = [k for k in tab.key_columns if k != column.key]
            if not others:
                continue
            key = column.key
            found = sum(
                1
                for row in snapshot.tab(tab.name)
                if not row.raw.get(key) or not row.raw[key].strip()
                if all(row.raw.get(k, "").strip() for k in others)
            )
            if found:
                counts[(tab.name, column.header)] = found
    return counts


def reference_notes(unresolved: Sequence[Unresolved], limit: int = 20) -> list[str]:
    """One report line per reference left as typed (tab, row, column, text, candidates)."""
    lines = []
    for left in unresolved[:limit]:
        ref = left.reference
        where = f"{ref.tab} row {ref.row.number} ({ref.row.row_id}), {ref.column.header}"
        target = ref.column.references
        if left.candidates:
            why = f"names {len(left.candidates)} rows of {target} ({', '.join(left.candidates)})"
        elif left.no_id_row is not None:
            why = f"is {target} row {left.no_id_row}, which has no ID yet"
        else:
            why = f"names no row of {target}"
        lines.append(f"{where}: {ref.typed!r} {why}; left as typed")
    if len(unresolved) > limit:
        more = counted(len(unresolved) - limit, "more reference")
        lines.append(f"... and {more} left as typed")
    return lines
