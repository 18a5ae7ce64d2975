"""Turn grids of cell values (one per worksheet) into a typed :class:`Snapshot`.

Both backends read their storage into plain grids (lists of rows of Python values) and hand them
here, so the xlsx file and the Google spreadsheet are read by exactly the same rules.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sheet_schema.cells import TEXT_LIKE, CellContext, ReadCell, cell_text, read_cell
from sheet_schema.headers import HeaderError, HeaderMap, column_letter, map_headers
from sheet_schema.lists import LISTS, read_lists
from sheet_schema.model import CellIssue, Row, Snapshot, TabIssue, fingerprint
from sheet_schema.schema import Column, Schema, Tab
from sheet_schema.settings import Settings, parse_settings

Grid = Sequence[Sequence[object]]


def team_keys(tab: Tab) -> tuple[str, ...]:
    """Keys of the columns people type in (what a row's fingerprint covers)."""
    return tuple(c.key for c in tab.columns if not c.bot_owned)


def row_fingerprint(tab: Tab, row: Row) -> str:
    """Fingerprint of a row's team-owned cells; bot writes do not change it."""
    return fingerprint(row.raw, team_keys(tab))


def match_worksheets(
    schema: Schema,
    titles: Sequence[str],
    wanted: Collection[str] | None = None,
    init_command: str = "sheetcrm init",
) -> tuple[dict[str, str], list[TabIssue]]:
    """Map canonical tab names to worksheet titles; report tabs that are missing or doubled.

    ``wanted`` limits the missing-tab report to those tabs (a partial read does not complain
    about tabs it did not ask for); ``init_command`` is the command that adds a missing tab.
    """
    found: dict[str, str] = {}
    issues: list[TabIssue] = []
    for title in titles:
        tab = schema.find_tab(title)
        if tab is None:
            continue
        if tab.name in found:
            issues.append(
                TabIssue(
                    tab.name,
                    "tab.duplicate",
                    f"Two worksheets stand for {tab.name}: {found[tab.name]!r} and "
                    f"{title!r}. Only {found[tab.name]!r} is used.",
                )
            )
            continue
        found[tab.name] = title
    for tab in schema.tabs:
        if wanted is not None and tab.name not in wanted:
            continue
        if tab.name not in found and not tab.append_only:
            issues.append(
                TabIssue(
                    tab.name,
                    "tab.missing",
                    f"The workbook has no {tab.name} tab. Run `{init_command}` to add it.",
                )
            )
    return found, issues


def read_settings(schema: Schema, grid: Grid | None) -> tuple[Settings, list[TabIssue]]:
    """Settings from the Settings tab's grid (defaults when the tab is missing)."""
    if not grid:
        return Settings(), []
    tab = schema.tab("Settings")
    try:
        headers = map_headers(tab, grid[0])
    except HeaderError as error:
        return Settings(), [TabIssue(tab.name, "header.duplicate", str(error), error.column)]
    key_at, value_at = headers.positions.get("key"), headers.positions.get("value")
    if key_at is None or value_at is None:
        return Settings(), [
            TabIssue(
                tab.name,
                "header.missing",
                "Settings: the header row needs 'Key' and 'Value' columns.",
            )
        ]
    triples = []
    for number, cells in enumerate(grid[1:], start=2):
        key = cell_text(cells[key_at]) if key_at < len(cells) else ""
        value = cell_text(cells[value_at]) if value_at < len(cells) else ""
        triples.append((number, key, value))
    settings, problems = parse_settings(triples)
    issues = [
        TabIssue(
            tab.name,
            "setting.invalid",
            f"Settings row {p.row_number}, {p.key}: {p.message}.",
            p.key,
        )
        for p in problems
    ]
    return settings, issues


def _is_blank(cells: Sequence[object]) -> bool:
    """True when no cell of the row holds anything a person could see."""
    for value in cells:
        if value is None or value == "":
            continue
        if isinstance(value, str) and not value.strip():
            continue
        return False
    return True


@dataclass(frozen=True)
class RowFilter:
    """Read only the rows of a tab whose choice ``column`` holds a value with one of these
    ``meanings`` (the workbook's lists say which, see :mod:`sheet_schema.lists`): ``sheetcrm
    report`` counts only the purchases among the interactions. A tab without that column is
    read whole."""

    column: str
    meanings: frozenset[str]


def _numbered_rows(
    tab: Tab, grid: Grid, context: CellContext, headers: HeaderMap, only: RowFilter | None
) -> Iterable[tuple[int, Sequence[object]]]:
    """The data rows with their sheet row numbers, those ``only`` keeps (every row without it)."""
    rows = enumerate(grid[1:], start=2)
    at = None if only is None else headers.positions.get(only.column)
    if only is None or at is None:
        return rows
    column = tab.column(only.column)
    # A column holds a few distinct values (the six kinds of interaction): each is read once.
    known: dict[tuple[type, object], bool] = {}
    kept = []
    for number, cells in rows:
        value = cells[at] if at < len(cells) else None
        key = (value.__class__, value)
        keep = known.get(key)
        if keep is None:
            meaning = column.meaning(read_cell(column, value, context).value)
            keep = known[key] = meaning in only.meanings
        if keep:
            kept.append((number, cells))
    return kept


def read_rows(
    tab: Tab,
    grid: Grid,
    context: CellContext,
    headers: HeaderMap,
    only: RowFilter | None = None,
) -> tuple[Row, ...]:
    """Typed rows of one tab (those ``only`` keeps); blank rows are skipped but keep their place
    in the numbering."""
    id_at = headers.positions.get("id")
    # Per column, what each distinct cell value reads as: read_cell is a pure function of the
    # column, the value and the context, and a column repeats its values (stages, sources,
    # dates, amounts), so a 50k-customer workbook needs a tenth of the calls. The key holds the
    # type because 1, 1.0 and True are equal as dict keys but read differently.
    columns: list[tuple[str, Column, bool, int, dict[tuple[type, object], ReadCell]]] = [
        (key, tab.column(key), tab.column(key).type in TEXT_LIKE, index, {})
        for key, index in headers.positions.items()
    ]
    unknown = tuple(headers.unknown.items())
    rows: list[Row] = []
    for number, cells in _numbered_rows(tab, grid, context, headers, only):
        if _is_blank(cells):
            continue
        values: dict[str, object] = {}
        raw: dict[str, str] = {}
        issues: list[CellIssue] = []
        for key, column, text_like, index, known in columns:
            value = cells[index] if index < len(cells) else None
            # Fast paths for the two commonest cells (empty, and text in a text column): the
            # same result read_cell gives, without its dispatch, 4 million times at 50k rows.
            if value is None or value == "":
                values[key], raw[key] = None, ""
                continue
            if text_like and isinstance(value, str):
                values[key], raw[key] = value.strip() or None, value
                continue
            memo_key = (type(value), value)
            cell = known.get(memo_key)
            if cell is None:
                cell = known[memo_key] = read_cell(column, value, context)
            values[key], raw[key] = cell.value, cell.text
            if cell.issue is not None:
                issues.append(cell.issue)
        extra = (
            {name: cell_text(cells[i]) for i, name in unknown if i < len(cells)} if unknown else {}
        )
        row_id = raw.get("id", "").strip() if id_at is not None else ""
        rows.append(
            Row(
                tab=tab.name,
                number=number,
                row_id=row_id or None,
                values=values,
                raw=raw,
                issues=tuple(issues),
                extra=extra,
            )
        )
    return tuple(rows)


def _blank_header_issues(tab: Tab, grid: Grid, headers: HeaderMap) -> list[TabIssue]:
    issues = []
    for index in sorted({*headers.blank, *_past_the_headers(grid, headers.width)}):
        if any(index < len(r) and cell_text(r[index]).strip() for r in grid[1:]):
            issues.append(
                TabIssue(
                    tab.name,
                    "header.blank",
                    f"{tab.name}: column {column_letter(index)} holds data but has no header; "
                    "SheetCRM ignores it and never writes there. Give it a header to keep it tidy.",
                    column_letter(index),
                )
            )
    return issues


def _past_the_headers(grid: Grid, width: int) -> set[int]:
    """Columns right of the last header that hold something (a pasted row running on): they
    have no header either. One look at each row's cells past ``width``; none in a tidy tab."""
    found: set[int] = set()
    for cells in grid[1:]:
        for index in range(width, len(cells)):
            value = cells[index]
            if index not in found and value is not None and value != "":
                found.add(index)
    return found


def wanted_tabs(schema: Schema, tabs: Collection[str] | None) -> frozenset[str] | None:
    """The tabs a partial read must fetch: those asked for plus Settings and Lists (None: every
    tab).

    Settings is always read because it says how to read the rest (date order, number locale),
    and Lists because it holds the values of the team's choice columns.
    Unknown names raise ValueError: a typo must not silently read nothing.
    """
    if tabs is None:
        return None
    unknown = [name for name in tabs if name not in schema.tab_names]
    if unknown:
        raise ValueError(f"Unknown tabs {unknown}; the schema has {list(schema.tab_names)}.")
    return frozenset(tabs) | {"Settings"} | ({LISTS} & set(schema.tab_names))


def build_snapshot(
    schema: Schema,
    grids: Mapping[str, Grid],
    read_at: datetime,
    source: str = "",
    tabs: Collection[str] | None = None,
    init_command: str = "sheetcrm init",
    only: Mapping[str, RowFilter] | None = None,
) -> Snapshot:
    """A snapshot from grids keyed by worksheet title (row 1 of each grid is the header).

    ``tabs`` (canonical names) makes it a partial snapshot: other tabs are left out, as if
    unreadable, and are not reported missing. ``init_command`` (the exact command, with
    ``--workbook`` or ``--spreadsheet``) is what messages about missing tabs tell people to run.
    ``only`` keeps only some rows of a tab (:class:`RowFilter`), for a reader that needs no more.
    """
    wanted = wanted_tabs(schema, tabs)
    # A partial read always reads Lists, but reports it missing only when it was asked for.
    reported = None if wanted is None or tabs is None else wanted - ({LISTS} - set(tabs))
    titles, issues = match_worksheets(schema, list(grids), reported, init_command)
    settings_grid = grids.get(titles["Settings"]) if "Settings" in titles else None
    settings, settings_issues = read_settings(schema, settings_grid)
    issues.extend(settings_issues)
    context = CellContext.of(settings)
    rows: dict[str, tuple[Row, ...]] = {}
    columns: dict[str, frozenset[str]] = {}
    if LISTS in schema.tab_names:
        schema, list_issues = _team_lists(
            schema, grids, titles, context, (rows, columns), init_command
        )
        issues = [_with_defaults_note(i) for i in issues]
        issues.extend(list_issues)
    for tab in schema.tabs:
        if tab.name not in titles or (wanted is not None and tab.name not in wanted):
            continue
        if tab.name == LISTS:
            continue
        grid = grids[titles[tab.name]]
        if not grid:
            rows[tab.name], columns[tab.name] = (), frozenset()
            continue
        try:
            headers = map_headers(tab, grid[0])
        except HeaderError as error:
            issues.append(TabIssue(tab.name, "header.duplicate", str(error), error.column))
            continue
        issues.extend(_blank_header_issues(tab, grid, headers))
        rows[tab.name] = read_rows(tab, grid, context, headers, (only or {}).get(tab.name))
        columns[tab.name] = frozenset(headers.positions)
    return Snapshot(
        rows=rows,
        settings=settings,
        read_at=read_at,
        tab_issues=tuple(issues),
        source=source,
        columns=columns,
        schema=schema,
    )


def _with_defaults_note(issue: TabIssue) -> TabIssue:
    """A missing Lists tab also says what is used meanwhile."""
    if issue.tab != LISTS or issue.code != "tab.missing":
        return issue
    return TabIssue(
        issue.tab,
        issue.code,
        f"{issue.message} Until then SheetCRM uses its default lists (sources, stages, lost "
        "reasons, interaction kinds).",
    )


def _team_lists(
    schema: Schema,
    grids: Mapping[str, Grid],
    titles: Mapping[str, str],
    context: CellContext,
    into: tuple[dict[str, tuple[Row, ...]], dict[str, frozenset[str]]],
    init_command: str,
) -> tuple[Schema, list[TabIssue]]:
    """The workbook's schema from its Lists tab (the defaults when it is missing or unusable);
    its rows and header keys go into ``into`` (rows, columns) like any tab's."""
    rows, columns = into
    tab = schema.tab(LISTS)
    grid = grids.get(titles[LISTS]) if LISTS in titles else None
    if grid is None:
        return read_lists(schema, None)
    try:
        headers = map_headers(tab, grid[0] if grid else [])
    except HeaderError as error:
        issue = TabIssue(tab.name, "header.duplicate", str(error), error.column)
        return read_lists(schema, None)[0], [issue]
    if "list" not in headers.positions or "value" not in headers.positions:
        return read_lists(
            schema,
            None,
            f"{LISTS}: the header row needs 'List' and 'Value' columns; SheetCRM uses its "
            f"default lists until then. Run `{init_command}` to set the tab up.",
        )
    rows[tab.name] = read_rows(tab, grid, context, headers)
    columns[tab.name] = frozenset(headers.positions)
    return read_lists(schema, rows[tab.name])
