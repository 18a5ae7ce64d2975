"""Plan an import: which file rows are added, merged into a duplicate, already there, or rejected.

Rules (each outcome carries its reason, and no row is dropped without one):

- a row missing a required column (e.g. a customer's Name, a deal's Customer ID or Stage) is
  rejected, and so is a row whose customer reference names no customer or several; a reference
  is resolved like the bot cycle does (:mod:`automations.rules.references`: ID, email, phone,
  exact name, "Name (Company)", company), and a customer it names that has no ID yet gets its ID
  in the import's write;
- a value that cannot be read as its column's type (an unknown stage, a date like 31/02) is still
  imported as typed and flagged; the bot's next cycle reports it in the row's Problems cell; so
  is an amount that reads two ways ("1.500": 1500 or 1.5, when Settings has no Decimal
  separator), counted apart (``Outcome.ambiguous``): it is never written as a guessed number;
- a value read as another of the team's values through an alias ("Organic search" -> Website)
  is written as that value, and each such reading is said (``Outcome.readings``);
- a row whose mapped values all equal an existing row's is already there: importing the same
  file twice adds nothing;
- a customer whose email (any letter case) is already in Customers is merged into that row: its
  empty cells are filled, nothing is overwritten; the same within the file itself; an email of a
  row merged into another (Merged into) leads to the row it was merged into;
- a customer who only looks like one already there (same phone, or a close name in the same
  company: :mod:`automations.intake.likely`) is added, with *Possible duplicate of* naming the
  other row, and the dry run says so;
- every other row is appended, with the next free ID, in one batch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from automations import messages
from automations.intake.files import SourceTable
from automations.intake.likely import Likely, LikelyIndex
from automations.intake.mapping import ColumnMapping
from automations.rules.activity import id_key
from automations.rules.ids import assign_ids, format_id, highest_number
from automations.rules.references import ReferenceIndex, normal_email
from automations.rules.row_checks import Checker
from automations.rules.validate import problem_text
from sheet_schema.cells import CellContext, cell_text, read_cell
from sheet_schema.merges import POSSIBLE_DUPLICATE, is_merged, merged_into
from sheet_schema.model import Append, CellIssue, CellWrite, IdAssignment, Plan, Row, Snapshot
from sheet_schema.schema import Column, ColumnType, Schema, Tab, fold

ADDED, MERGED, PRESENT, REJECTED = "added", "merged", "already there", "rejected"


@dataclass(frozen=True)
class Outcome:
    """What happens to one file row; ``line`` is its line in the file."""

    line: int
    kind: str
    reason: str = ""
    flags: tuple[tuple[str, str], ...] = ()  # (column header, text that cannot be read)
    # (column header, text) of amounts that read two ways ("1.500"), imported as typed
    ambiguous: tuple[tuple[str, str], ...] = ()
    # (column header, text as typed, the team's value it is written as) for choices typed
    # as one of a value's aliases
    readings: tuple[tuple[str, str, str], ...] = ()


@dataclass
class _Pending:
    """A row about to be appended (merges within the file still fill it)."""

    line: int
    values: dict[str, object]
    extra: dict[str, str]
    likely: list[Likely] = field(default_factory=list)  # rows it may repeat
    refers_to: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ImportPlan:
    """The outcome of every file row, and the plan that writes the added and merged ones."""

    tab: Tab
    mapping: ColumnMapping
    source: SourceTable
    outcomes: tuple[Outcome, ...]
    plan: Plan
    counts: Mapping[str, int] = field(default_factory=dict)
    # (column header, text) of each value kept as typed -> what the bot's Problems cell will say
    notes: Mapping[tuple[str, str], str] = field(default_factory=dict)


@dataclass
class _Read:
    """One file row read through the tab's columns."""

    values: dict[str, object] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    same: dict[str, object] = field(default_factory=dict)  # as compared with existing rows
    flags: list[tuple[str, str]] = field(default_factory=list)
    ambiguous: dict[str, tuple[str, str]] = field(default_factory=dict)  # by column key
    readings: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # by column key


_EMPTY = ("unread", "")


def _comparable(value: object, text: str) -> object:
    """A cell as compared to find a row that is already there."""
    if value is None:
        return ("unread", fold(text))
    return fold(value) if isinstance(value, str) else value


def _existing_keys(
    rows: tuple[Row, ...], keys: tuple[str, ...], extras: tuple[str, ...]
) -> dict[tuple[object, ...], Row]:
    """Existing rows by what a file row must equal to be the same row (extra columns too)."""
    found: dict[tuple[object, ...], Row] = {}
    for row in rows:
        theirs = {fold(name): fold(text) for name, text in row.extra.items()} if extras else {}
        identity = tuple(_comparable(row.values.get(k), row.text(k)) for k in keys) + tuple(
            theirs.get(name, "") for name in extras
        )
        found.setdefault(identity, row)
    return found


class _Planner:
    def __init__(
        self, snapshot: Snapshot, mapping: ColumnMapping, schema: Schema | None = None
    ) -> None:
        self.tab = mapping.tab
        self.mapping = mapping
        self.keys = tuple(sorted(mapping.filled()))
        self.rows = snapshot.tab(self.tab.name)
        self.context = CellContext.of(snapshot.settings)
        self.extra_names = tuple(fold(name) for name in mapping.extras.values())
        self.present = _existing_keys(self.rows, self.keys, self.extra_names)
        self.seen: dict[tuple[object, ...], int] = {}
        self.emails: dict[str, Row] = {}
        if self.tab.name == "Customers" and "email" in self.keys:
            self.emails = _customers_by_email(self.rows)
        # Built on the first customer to add (an import that adds nothing needs none).
        self.likely: LikelyIndex | None = None
        self.snapshot = snapshot
        self.notes: dict[tuple[str, str], str] = {}
        self.checker: Checker | None = None  # built for the first value kept as typed
        self.pending_emails: dict[str, _Pending] = {}
        targets = {
            c.key: c.references
            for c in self.tab.columns
            if c.type is ColumnType.REFERENCE and c.references and c.key in self.keys
        }
        # A row named by a file row may have no ID yet (typed by hand, no cycle since): it gets
        # the ID the next cycle would give it, written with the import (the appended row waits
        # for it: a row whose ID cannot be written is not added).
        self.new_ids: dict[tuple[str, str], IdAssignment] = {}
        named = snapshot
        if schema is not None:
            tabs = {t for t in targets.values() if snapshot.has_column(t, "id")}
            assignments, named = assign_ids(schema, snapshot, tabs)
            self.new_ids = {(a.tab, a.new_id): a for a in assignments}
        settings = snapshot.settings
        self.references = {
            key: ReferenceIndex(
                target, named.tab(target), settings.default_country, settings.language
            )
            for key, target in targets.items()
        }
        self.used_ids: dict[tuple[str, str], IdAssignment] = {}
        self.number = highest_number(self.tab, self.rows)
        self.appends: list[_Pending] = []
        self.writes: list[CellWrite] = []

    def read(self, cells: tuple[object, ...]) -> _Read:
        """Typed values (the text as typed when unreadable), texts, and unreadable cells."""
        read = _Read()
        given: list[tuple[str, object]] = [
            (key, cells[index] if index < len(cells) else None)
            for index, key in self.mapping.mapped.items()
        ]
        for key, at in self.mapping.joined.items():  # "Ana" + "López" -> "Ana López"
            texts = (cell_text(cells[i]).strip() if i < len(cells) else "" for i in at)
            given.append((key, " ".join(t for t in texts if t)))
        for key, raw in given:
            column = self.tab.column(key)
            cell = read_cell(column, raw, self.context)
            text = cell.text.strip()
            if not text:
                continue
            read.texts[key] = text
            if cell.issue is not None or cell.value is None:
                read.values[key] = text
                read.same[key] = _comparable(None, text)
                if cell.issue is not None and cell.issue.code == "number.ambiguous":
                    read.ambiguous[key] = (column.header, text)
                else:
                    read.flags.append((column.header, text))
                    if (column.header, text) not in self.notes:
                        self.notes[(column.header, text)] = self.note(column, cell.issue, text)
            else:
                read.values[key] = cell.value
                read.same[key] = _comparable(cell.value, text)
                if column.type is ColumnType.CHOICE and fold(str(cell.value)) != fold(text):
                    read.readings[key] = (column.header, text, str(cell.value))
        return read

    def note(self, column: Column, issue: CellIssue | None, text: str) -> str:
        """The sentence the bot's next cycle writes in Problems for this value, so the import
        says the same ("Source: 'Search engine' is not one of ...")."""
        language = self.snapshot.settings.language
        if issue is None:
            return messages.render(
                "cell.unreadable", language, {"column": column.header, "value": text}
            )
        if self.checker is None:
            self.checker = Checker(self.snapshot)
        return problem_text(self.tab, [self.checker.cell_problem(column, issue)], language)

    def plan_row(self, line: int, cells: tuple[object, ...]) -> Outcome:
        """The outcome of one file row; added and merged rows go into the plan."""
        read = self.read(cells)
        values, texts = read.values, read.texts
        waits: list[tuple[str, str]] = []
        for key, index in self.references.items():
            if key in texts:
                resolved = index.resolve(texts[key])
                if isinstance(resolved, tuple):
                    return Outcome(line, REJECTED, resolved[1])
                values[key] = texts[key] = resolved
                read.same[key] = _comparable(resolved, resolved)
                if (new := self.new_ids.get((index.tab, resolved))) is not None:
                    waits.append((index.tab, resolved))
                    self.used_ids[(index.tab, resolved)] = new
        missing = [
            c.header
            for c in self.tab.columns
            if c.required and not c.bot_owned and c.key not in texts
        ]
        if missing:
            return Outcome(line, REJECTED, f"required {', '.join(missing)} empty")
        extra = {
            name: text
            for index, name in self.mapping.extras.items()
            if index < len(cells) and (text := cell_text(cells[index]).strip())
        }
        identity = tuple(read.same.get(k, _EMPTY) for k in self.keys) + tuple(
            fold(extra.get(name, "")) for name in self.mapping.extras.values()
        )
        if (row := self.present.get(identity)) is not None:
            where = row.row_id or f"row {row.number}"
            return Outcome(line, PRESENT, f"same values as {self.tab.name} {where}")
        if (first := self.seen.get(identity)) is not None:
            return Outcome(line, PRESENT, f"same values as file line {first}")
        self.seen[identity] = line
        email = normal_email(texts.get("email", "")) if self.tab.name == "Customers" else ""
        if email:
            merged = self._merge(line, email, read)
            if merged is not None:
                return merged
        pending = _Pending(line, values, extra, refers_to=tuple(waits))
        self.appends.append(pending)
        if email:
            self.pending_emails[email] = pending
        reason = ""
        if self.tab.name == "Customers":
            if self.likely is None:
                self.likely = LikelyIndex(self.tab, self.snapshot)
            pending.likely = self.likely.find(texts)
            self.likely.add(line, texts)
            if pending.likely:
                said = self.likely.sentence(pending.likely, {}, "new")
                reason = f"likely a duplicate of {said}; added, with Possible duplicate of"
        readings = tuple(read.readings.values())
        return Outcome(
            line,
            ADDED,
            reason,
            flags=tuple(read.flags),
            readings=readings,
            ambiguous=tuple(read.ambiguous.values()),
        )

    def _merge(self, line: int, email: str, read: _Read) -> Outcome | None:
        """Fill a duplicate's empty cells (in the sheet or earlier in the file)."""
        values, texts = read.values, read.texts
        if (row := self.emails.get(email)) is not None and row.row_id:
            filled = [k for k in texts if not row.text(k).strip()]
            self.writes.extend(
                CellWrite(self.tab.name, row.row_id, k, values[k], only_if_empty=True)
                for k in filled
            )
            where = f"{self.tab.name} {row.row_id}"
        elif (pending := self.pending_emails.get(email)) is not None:
            filled = [k for k in texts if k not in pending.values]
            pending.values.update({k: values[k] for k in filled})
            where = f"file line {pending.line}"
        else:
            return None
        headers = ", ".join(self.tab.column(k).header for k in filled) or "nothing new"
        kind = MERGED if filled else PRESENT
        readings = tuple(read.readings[k] for k in filled if k in read.readings)
        ambiguous = tuple(read.ambiguous[k] for k in filled if k in read.ambiguous)
        reason = f"same email as {where}; filled: {headers}"
        return Outcome(line, kind, reason, readings=readings, ambiguous=ambiguous)

    def plan(self) -> Plan:
        appends = []
        ids: dict[str, str] = {}  # "line N" -> the ID that file line is added under
        for pending in self.appends:
            values = dict(pending.values)
            if self.tab.id_prefix:
                self.number += 1
                values["id"] = ids[f"line {pending.line}"] = format_id(
                    self.tab.id_prefix, self.number
                )
            if pending.likely and self.likely is not None and "id" in values:
                said = self.likely.sentence(pending.likely, ids, str(values["id"]))
                values[POSSIBLE_DUPLICATE] = said
            appends.append(
                Append(self.tab.name, values, refers_to=pending.refers_to, extra=pending.extra)
            )
        return Plan(
            writes=tuple(self.writes),
            appends=tuple(appends),
            id_assignments=tuple(self.used_ids.values()),
        )


def _customers_by_email(rows: tuple[Row, ...]) -> dict[str, Row]:
    """Customers by normalised email; a merged row's email leads to the row it was merged into
    (an import never fills a row that is history)."""
    found: dict[str, Row] = {}
    by_id = {id_key(r.row_id): r for r in rows if r.row_id and not is_merged(r)}
    for row in sorted(rows, key=is_merged):  # live rows first: their emails win
        email = normal_email(row.text("email"))
        if not email or not row.row_id:
            continue
        target = by_id.get(merged_into(row)) if is_merged(row) else row
        if target is not None:
            found.setdefault(email, target)
    return found


def plan_import(
    snapshot: Snapshot, source: SourceTable, mapping: ColumnMapping, schema: Schema | None = None
) -> ImportPlan:
    """What importing ``source`` into ``mapping.tab`` would do, as outcomes and a plan.

    With the ``schema``, a customer (or deal) a file row names that has no ID yet gets one in the
    same write, so the row can name it; without, such a row is rejected.
    """
    planner = _Planner(snapshot, mapping, schema)
    outcomes = tuple(
        planner.plan_row(line, cells)
        for line, cells in zip(source.numbers, source.rows, strict=True)
    )
    counts = {kind: 0 for kind in (ADDED, MERGED, PRESENT, REJECTED)}
    for outcome in outcomes:
        counts[outcome.kind] += 1
    return ImportPlan(mapping.tab, mapping, source, outcomes, planner.plan(), counts, planner.notes)
