"""``sheetcrm import``: read a file, show the mapping, plan the rows, write them in one batch."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from automations.intake.files import ImportFileError, read_table
from automations.intake.importing import ADDED, MERGED, PRESENT, REJECTED, ImportPlan, plan_import
from automations.intake.mapping import guess_mapping, parse_overrides
from sheet_schema.backends.base import Backend
from sheet_schema.cells import ambiguous_amount, cell_text
from sheet_schema.formatting import counted, exact_number
from sheet_schema.model import Snapshot
from sheet_schema.schema import Schema, fold

IMPORTABLE = ("Customers", "Deals", "Interactions", "Sources")


@dataclass(frozen=True)
class ImportRun:
    """What an import did (or would do): the plan and the lines to print."""

    planned: ImportPlan | None
    lines: tuple[str, ...]
    code: int
    rows_appended: int = 0
    cells_filled: int = 0


def _where(numbers: Sequence[int]) -> str:
    """Which file lines: "1 row: line 7", "9,240 rows: lines 2, 3, 4, 5, 6, ..."."""
    if len(numbers) == 1:
        return f"1 row: line {numbers[0]}"
    shown = ", ".join(str(n) for n in numbers[:5]) + (", ..." if len(numbers) > 5 else "")
    return f"{len(numbers):,} rows: lines {shown}"


def _lines_of(
    flagged: dict[tuple[str, str], list[int]], notes: Mapping[tuple[str, str], str]
) -> list[str]:
    """A line per value kept as typed: what the bot will say of it, and which rows."""
    return [
        f"  {notes.get((header, text), f'{header}: {text!r} cannot be read.')} ({_where(numbers)})"
        for (header, text), numbers in sorted(flagged.items(), key=lambda item: -len(item[1]))
    ]


def _outcome_lines(planned: ImportPlan) -> list[str]:
    """A line per reason a row is not simply added: one row by its line, the same reason met
    in several rows once, with how many and the first lines."""
    grouped: dict[tuple[str, str], list[int]] = {}
    for outcome in planned.outcomes:
        if outcome.kind != ADDED or outcome.reason:
            grouped.setdefault((outcome.kind, outcome.reason), []).append(outcome.line)
    return [
        f"  line {numbers[0]}: {kind}: {reason}"
        if len(numbers) == 1
        else f"  {kind}: {reason} ({_where(numbers)})"
        for (kind, reason), numbers in grouped.items()
    ]


def _unmapped_required(planned: ImportPlan) -> list[str]:
    """For each required column of ours no file column fills: which of theirs could."""
    mapping = planned.mapping
    if not planned.source.rows:
        return []
    used = mapping.filled()
    theirs = [mapping.header[i].strip() for i in sorted(mapping.extras)]
    offered = ", ".join(repr(name) for name in theirs if name) or "none left unmapped"
    return [
        f"{column.header} is empty in every row: none of your columns was recognised as "
        f"{column.header}; map one with --map 'Their column={column.header}' "
        f"(your columns: {offered})."
        for column in planned.tab.columns
        if column.required and not column.bot_owned and column.key not in used
    ]


def describe_plan(planned: ImportPlan) -> list[str]:
    """The mapping, the counts, a line per reason rows are merged, already there or rejected,
    and the values imported as typed that the bot will flag."""
    source = planned.source
    lines = [
        f"{source.path}: {counted(len(source.rows), 'row')} ({source.description}) into "
        f"{planned.tab.name}.",
        "Columns:",
        *planned.mapping.describe(),
    ]
    counts = planned.counts
    lines.append(
        f"{counts[ADDED]:,} to add, {counts[MERGED]:,} to merge into a duplicate, "
        f"{counts[PRESENT]:,} already there, {counts[REJECTED]:,} rejected."
    )
    lines.extend(_outcome_lines(planned))
    lines.extend(_unmapped_required(planned))
    flagged: dict[tuple[str, str], list[int]] = defaultdict(list)
    for outcome in planned.outcomes:
        for flag in outcome.flags:
            flagged[flag].append(outcome.line)
    if flagged:
        lines.append(
            "Values imported as typed, which the bot will flag in the rows' Problems cells:"
        )
        lines.extend(_lines_of(flagged, planned.notes))
    lines.extend(_ambiguous_lines(planned))
    lines.extend(_reading_lines(planned))
    return lines


# Distinct ambiguous amounts listed one a line; the count says how many there are in all.
_AMBIGUOUS_SHOWN = 10


def _ambiguous_lines(planned: ImportPlan) -> list[str]:
    """How many amounts read two ways ("1.500": 1500 or 1.5) and which, so a person can retype
    them in the file or set Settings Decimal separator before importing."""
    found: dict[tuple[str, str], list[int]] = defaultdict(list)
    for outcome in planned.outcomes:
        for item in outcome.ambiguous:
            found[item].append(outcome.line)
    if not found:
        return []
    count = sum(len(numbers) for numbers in found.values())
    lines = [
        f"{counted(count, 'amount reads', 'amounts read')} two ways (a thousands "
        "separator or the decimal sign): imported as typed, not as a number, and counted as "
        "unknown until retyped (like 1500 or 1.5) or until Settings Decimal separator says "
        "which sign is the decimal one; the bot flags each in Problems:"
    ]
    ranked = sorted(found.items(), key=lambda item: -len(item[1]))
    for (header, text), numbers in ranked[:_AMBIGUOUS_SHOWN]:
        both = ambiguous_amount(text)
        readings = "two numbers"
        if both is not None:
            grouped = exact_number(both.grouped, "en", grouped=False)
            readings = f"{grouped} or {exact_number(both.decimal, 'en', grouped=False)}"
        lines.append(f"  {header}: {text!r} could be {readings} ({_where(numbers)})")
    if len(ranked) > _AMBIGUOUS_SHOWN:
        lines.append(f"  ... and {counted(len(ranked) - _AMBIGUOUS_SHOWN, 'more value')}")
    return lines


def _reading_lines(planned: ImportPlan) -> list[str]:
    """Each value written as another of the team's values (an alias), with how many rows, so a
    person can change the team's lists or the mapping before importing."""
    tallies: dict[tuple[str, str, str], Counter[str]] = defaultdict(Counter)
    for outcome in planned.outcomes:
        for header, text, value in outcome.readings:
            tallies[(header, fold(text), value)][text] += 1
    if not tallies:
        return []
    lines = [
        "Values read as another of the team's values (to keep one as typed, take it out of "
        "that value's aliases in the Lists tab first, or keep the column as yours with "
        "--map 'Their column='):"
    ]
    for (header, _, value), spellings in sorted(tallies.items(), key=lambda item: -item[1].total()):
        typed = spellings.most_common(1)[0][0]
        rows = spellings.total()
        lines.append(f"  {header}: {typed!r} ({counted(rows, 'row')}) read as {value!r}")
    return lines


def _unreadable(snapshot: Snapshot, tab_name: str) -> tuple[str, ...]:
    """Why nothing can be imported into a tab the workbook cannot read, and what to do."""
    issues = [issue for issue in snapshot.tab_issues if issue.tab == tab_name]
    said = [issue.message for issue in issues]
    if any(issue.code == "header.duplicate" for issue in issues):
        said.append(
            "A column an earlier import added under one of SheetCRM's headers is now kept as "
            "'<header> (imported)' (e.g. 'name (imported)'): rename it so, and importing the "
            "same file again adds nothing twice."
        )
    return (
        *(said or [f"{tab_name}: the workbook has no readable {tab_name} tab."]),
        f"Nothing was imported into {tab_name}; fix the tab as said and import again.",
    )


def run_import(
    backend: Backend,
    schema: Schema,
    path: Path,
    tab_title: str,
    overrides: Sequence[str] = (),
    dry_run: bool = False,
) -> ImportRun:
    """Import a file into a tab; with ``dry_run`` only say what would happen."""
    tab = schema.find_tab(tab_title)
    if tab is None or tab.name not in IMPORTABLE:
        return ImportRun(
            None, (f"Import into one of {', '.join(IMPORTABLE)}, not {tab_title!r}.",), 2
        )
    try:
        source = read_table(path)
        wanted = parse_overrides(tab, overrides)
        has_data = [
            any(i < len(r) and cell_text(r[i]).strip() for r in source.rows)
            for i in range(len(source.header))
        ]
        mapping = guess_mapping(tab, source.header, wanted, has_data, join_parts=True)
    except (ImportFileError, ValueError) as error:
        return ImportRun(None, (str(error),), 2)
    # Only the tab and the tabs its references point at (and Settings) are read.
    to_read = {tab.name} | {c.references for c in tab.columns if c.references}
    snapshot = backend.read(sorted(to_read))
    if not snapshot.readable(tab.name):
        return ImportRun(None, _unreadable(snapshot, tab.name), 2)
    # Values are read against the workbook's own lists (its Lists tab): a source the team
    # added is a source, not a value "not in the list".
    mapping = replace(mapping, tab=snapshot.schema_or(schema).tab(tab.name))
    planned = plan_import(snapshot, source, mapping, snapshot.schema_or(schema))
    lines = describe_plan(planned)
    if dry_run:
        return ImportRun(planned, (*lines, "Dry run: nothing was written."), 0)
    if planned.plan.is_empty():
        return ImportRun(planned, (*lines, "Nothing to write."), 0)
    report = backend.apply(planned.plan)
    lines.append(
        f"Wrote {counted(report.rows_appended, 'new row')} and filled "
        f"{counted(report.cells_written, 'empty cell')} of duplicates in {backend.describe()}."
    )
    if report.ids_assigned:
        named = ", ".join(sorted({a.tab for a in planned.plan.id_assignments}))
        rows = counted(report.ids_assigned, f"{named} row")
        lines.append(f"Gave {rows} the file names, which had none yet, their ID.")
    lines.extend(f"  not written: {skipped.reason}" for skipped in report.skipped)
    return ImportRun(planned, tuple(lines), 0, report.rows_appended, report.cells_written)
