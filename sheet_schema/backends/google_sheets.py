"""Google Sheets as the workbook, through gspread, in a constant number of API calls.

A cycle costs, whatever the row count:

- ``read()``: one metadata GET (worksheet titles and sizes) and ONE ``values:batchGet`` of every
  known tab (``UNFORMATTED_VALUE`` + ``SERIAL_NUMBER``: numbers stay numbers, formulas give their
  values, dates arrive as serials that :mod:`sheet_schema.cells` converts).
- ``apply(plan)``: ONE small ``values:batchGetByDataFilter`` re-reading, for each tab the plan
  touches, its header row and ID column (whole rows for tabs that get new IDs, whose fingerprints
  must be checked) and the bot columns it writes (found by their tags); ONE
  ``values:batchUpdateByDataFilter`` (``valueInputOption=RAW``) holding every cell write, every
  new header cell and every appended row, cells addressed by column tag
  (:mod:`~sheet_schema.backends.sheets_tags`: a column people insert or move meanwhile cannot
  send a bot value into a team column); then ONE ``values:batchGetByDataFilter`` reading the
  written columns back, and only when rows moved under the write, a correction write and another
  check (:mod:`~sheet_schema.backends.sheets_write`).

Appended rows go into that same batchUpdate, at the rows right after the real last row seen by
the re-read, rather than through ``values:append``. That keeps a cycle's write atomic (cell
writes and log rows land together or not at all: the Mail log is what stops a second send) and
idempotent under retry (a retry after a dropped answer rewrites the same cells instead of adding
a duplicate row), and it does not depend on Google's table detection, which appends into gaps.
The cost: a row typed at the very end of that tab in the second between re-read and write could
be overwritten; the bot appends only to its own log tabs, where people do not type.

A spreadsheets:batchUpdate is sent before the write only when the write needs room that the
grid lacks (a log tab's rows or a new bot column past the last grid column) or a log tab is
missing; it adds rows, columns or tabs and nothing else.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import gspread

from sheet_schema.backends.base import init_command
from sheet_schema.backends.sheets_auth import load_service_account
from sheet_schema.backends.sheets_http import (
    GOOGLE_SHEETS_URL,
    routed_client_class,
)
from sheet_schema.backends.sheets_layout import (
    init_data_ranges,
    init_metadata_fields,
    layout_requests,
    sheet_infos,
)
from sheet_schema.backends.sheets_retry import Retrier
from sheet_schema.backends.sheets_tags import (
    a1_filter,
    a1_write,
    column_filter,
    create_tag,
    delete_tag,
)
from sheet_schema.backends.sheets_values import (
    cells_range,
    column_range,
    pad,
    raw_value,
    row_range,
    whole_sheet,
)
from sheet_schema.backends.sheets_write import (
    Reread as _Reread,
)
from sheet_schema.backends.sheets_write import (
    TabWrite,
    check_and_fix,
    column_writes,
    filter_key,
    missing_columns,
)
from sheet_schema.headers import HeaderError, HeaderMap, map_headers
from sheet_schema.model import ApplyReport, Plan, SkippedWrite, Snapshot
from sheet_schema.reading import Grid, build_snapshot, match_worksheets, wanted_tabs
from sheet_schema.schema import Schema, Tab
from sheet_schema.settings import Settings
from sheet_schema.writing import ResolvedPlan, TabState, resolve_plan

Clock = Callable[[], datetime]
READ_PARAMS = {
    "valueRenderOption": "UNFORMATTED_VALUE",
    "dateTimeRenderOption": "SERIAL_NUMBER",
    "majorDimension": "ROWS",
}
_METADATA_FIELDS = (
    "properties.title,sheets.properties(sheetId,title,index,gridProperties(rowCount,columnCount))"
)
# Rows added at once when a log tab runs out of grid, so growing is rare.
_GROW_ROWS = 1000
# Empty rows kept below the last row the bot writes: a write aimed past the end of the grid
# fails whole, which is what a person deleting rows during the write would otherwise cause.
_SPARE_ROWS = 100


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Worksheet:
    """One worksheet as the metadata describes it."""

    sheet_id: int
    title: str
    rows: int
    columns: int


@dataclass(frozen=True)
class _Seen:
    """Where a tab's anchor column was at the last read (to re-read just that column)."""

    headers: HeaderMap


def _worksheets(metadata: Mapping[str, Any]) -> list[Worksheet]:
    out = []
    for sheet in metadata.get("sheets", []):
        props = sheet.get("properties", {})
        grid = props.get("gridProperties", {})
        out.append(
            Worksheet(
                sheet_id=int(props.get("sheetId", 0)),
                title=str(props.get("title", "")),
                rows=int(grid.get("rowCount", 0)),
                columns=int(grid.get("columnCount", 0)),
            )
        )
    return out


def _anchor(tab: Tab, headers: HeaderMap) -> int | None:
    """The column whose last value marks a tab's last row: the ID, else a key column."""
    for key in ("id", *tab.key_columns):
        if key in headers.positions:
            return headers.positions[key]
    return min(headers.positions.values(), default=None)


def _filter_plan(plan: Plan, drop: set[str]) -> Plan:
    return replace(
        plan,
        writes=tuple(w for w in plan.writes if w.tab not in drop),
        appends=tuple(a for a in plan.appends if a.tab not in drop),
        id_assignments=tuple(i for i in plan.id_assignments if i.tab not in drop),
    )


class GoogleSheetsBackend:
    """A workbook in a Google spreadsheet.

    Build it with :meth:`connect` (a key file and an API URL), or hand in an existing
    ``gspread.Client`` (tests). When the client's HTTP layer is a :class:`SheetsHTTPClient`, the
    retry bounds follow the Settings tab after each read and API calls are counted per cycle.
    """

    def __init__(
        self,
        client: gspread.Client,
        spreadsheet_id: str,
        schema: Schema,
        clock: Clock = _utc_now,
        follow_settings: bool = True,
    ) -> None:
        self.client = client
        self.http = client.http_client
        self.spreadsheet_id = spreadsheet_id
        # Only for messages: the init command that repairs this spreadsheet names the key file.
        self.credentials_file: Path | None = None
        self.schema = schema
        self.clock = clock
        self.follow_settings = follow_settings
        self.settings = Settings()
        self.title = ""
        self._sheets: list[Worksheet] | None = None
        self._seen: dict[str, _Seen] = {}

    @classmethod
    def connect(
        cls,
        spreadsheet_id: str,
        credentials_file: Path,
        schema: Schema,
        api_url: str = GOOGLE_SHEETS_URL,
        *,
        retrier: Retrier | None = None,
        clock: Clock = _utc_now,
    ) -> GoogleSheetsBackend:
        """A backend for one spreadsheet, authenticated with a service-account key file.

        ``api_url`` replaces ``https://sheets.googleapis.com`` (the emulator in tests).
        Nothing is sent until the first read.
        """
        client = build_client(spreadsheet_id, credentials_file, api_url, retrier)
        backend = cls(client, spreadsheet_id, schema, clock=clock)
        backend.credentials_file = credentials_file
        return backend

    # -- what the rest of SheetCRM sees --------------------------------------------------

    def describe(self) -> str:
        """The spreadsheet's title and id."""
        if self.title:
            return f"Google spreadsheet {self.title!r} ({self.spreadsheet_id})"
        return f"Google spreadsheet {self.spreadsheet_id}"

    @property
    def api_calls(self) -> dict[str, int]:
        """HTTP requests sent since the last read began, by kind ("retries": extra attempts)."""
        calls = getattr(self.http, "calls", None)
        return dict(calls) if isinstance(calls, Counter) else {}

    def read(self, tabs: Collection[str] | None = None) -> Snapshot:
        """Every known tab (or only ``tabs``, plus Settings) in one metadata GET and one
        ``values:batchGet``."""
        calls = getattr(self.http, "calls", None)
        if isinstance(calls, Counter):
            calls.clear()
        read_at = self.clock()
        wanted = wanted_tabs(self.schema, tabs)
        sheets = self._load_worksheets()
        titles = []
        for sheet in sheets:
            tab = self.schema.find_tab(sheet.title)
            if tab is not None and (wanted is None or tab.name in wanted):
                titles.append(sheet.title)
        grids = self._batch_get({title: whole_sheet(title) for title in titles})
        snapshot = build_snapshot(
            self.schema,
            grids,
            read_at,
            source=self.describe(),
            tabs=tabs,
            init_command=init_command(
                spreadsheet=self.spreadsheet_id, credentials=self.credentials_file
            ),
        )
        self._remember(grids, partial=wanted is not None)
        self._follow(snapshot.settings)
        return snapshot

    def apply(self, plan: Plan) -> ApplyReport:
        """Re-read the ID columns, resolve the plan, write it by column tags, check and correct."""
        if plan.is_empty():
            return ApplyReport(api_calls=self.api_calls)
        if self._sheets is None:
            self._load_worksheets()
        titles, _ = match_worksheets(self.schema, [s.title for s in self._sheets or []])
        reread = self._current_states(plan, titles)
        plan = _filter_plan(plan, {s.tab for s in reread.skipped})
        resolved = resolve_plan(self.schema, plan, reread.states)
        written = self._write(resolved, reread, plan)
        check = check_and_fix(self.schema, written, self._filtered_get, self._filtered_update)
        lost = tuple(
            SkippedWrite(tab, new_id, "id", f"{tab}: {why}")
            for new_id, (tab, why) in sorted(check.lost_ids.items())
        )
        unresolved = tuple(SkippedWrite("", None, None, why) for why in check.unresolved)
        return ApplyReport(
            cells_written=resolved.cells_written,
            rows_appended=resolved.rows_appended,
            ids_assigned=resolved.ids_assigned - len(lost),
            skipped=tuple(reread.skipped) + resolved.skipped + lost + unresolved,
            api_calls=self.api_calls,
            cells_corrected=check.cells_corrected,
        )

    # -- reading -------------------------------------------------------------------------

    def _load_worksheets(self) -> list[Worksheet]:
        metadata = self.http.fetch_sheet_metadata(
            self.spreadsheet_id, params={"includeGridData": "false", "fields": _METADATA_FIELDS}
        )
        self.title = str(metadata.get("properties", {}).get("title", ""))
        self._sheets = _worksheets(metadata)
        return self._sheets

    def _batch_get(self, ranges: Mapping[str, str]) -> dict[str, Grid]:
        """One ``values:batchGet``; grids keyed like ``ranges`` (trailing blanks trimmed)."""
        if not ranges:
            return {}
        body = self.http.values_batch_get(
            self.spreadsheet_id, list(ranges.values()), params=dict(READ_PARAMS)
        )
        value_ranges = body.get("valueRanges", [])
        return {
            key: [list(row) for row in vr.get("values", [])]
            for key, vr in zip(ranges, value_ranges, strict=True)
        }

    def _remember(self, grids: Mapping[str, Grid], partial: bool = False) -> None:
        if not partial:
            self._seen = {}
        for title, grid in grids.items():
            tab = self.schema.find_tab(title)
            if tab is None or not grid:
                continue
            try:
                self._seen[title] = _Seen(map_headers(tab, grid[0]))
            except HeaderError:
                continue

    def _follow(self, settings: Settings) -> None:
        """Retry as the Settings tab says from now on (the first read used the defaults)."""
        self.settings = settings
        retrier = getattr(self.http, "retrier", None)
        if self.follow_settings and isinstance(retrier, Retrier):
            retrier.policy = dataclasses.replace(
                retrier.policy,
                attempts=1 + max(0, settings.sheets_retry_attempts),
                total_seconds=max(0.0, settings.sheets_retry_seconds),
            )

    # -- re-reading just before writing --------------------------------------------------

    def _filtered_get(
        self, filters: Mapping[str, Mapping[str, Any]]
    ) -> dict[str, list[tuple[str, Grid]]]:
        """ONE ``values:batchGetByDataFilter``: for each named filter, the ranges it matched."""
        if not filters:
            return {}
        by_text = {filter_key(f): name for name, f in filters.items()}
        body = self.http.request(
            "post",
            f"{GOOGLE_SHEETS_URL}/v4/spreadsheets/{self.spreadsheet_id}/values:batchGetByDataFilter",
            json={"dataFilters": list(filters.values()), **READ_PARAMS},
        ).json()
        found: dict[str, list[tuple[str, Grid]]] = {name: [] for name in filters}
        for entry in body.get("valueRanges", []):
            for data_filter in entry.get("dataFilters", []):
                name = by_text.get(filter_key(data_filter))
                if name is not None:
                    vr = entry.get("valueRange", {})
                    grid = [list(row) for row in vr.get("values", [])]
                    found[name].append((str(vr.get("range", "")), grid))
        return found

    def _filtered_update(self, data: list[dict[str, Any]]) -> dict[str, Any]:
        """ONE ``values:batchUpdateByDataFilter`` (RAW), atomic like values:batchUpdate."""
        answer: dict[str, Any] = self.http.request(
            "post",
            f"{GOOGLE_SHEETS_URL}/v4/spreadsheets/{self.spreadsheet_id}/values:batchUpdateByDataFilter",
            json={"valueInputOption": "RAW", "data": data},
        ).json()
        return answer

    def _sheet_id(self, title: str) -> int:
        return next(s.sheet_id for s in self._sheets or [] if s.title == title)

    def _current_states(self, plan: Plan, titles: Mapping[str, str]) -> _Reread:
        """The tabs a plan touches as they are now, from one small ``values:batchGetByDataFilter``:
        header row and ID column (whole rows for tabs that get new IDs), plus each bot column
        the plan writes, found by its tag wherever it is (what it held, to put back a value that
        a moved row received by mistake)."""
        touched = (
            {w.tab for w in plan.writes}
            | {a.tab for a in plan.appends}
            | {i.tab for i in plan.id_assignments}
        )
        new_ids = {i.tab for i in plan.id_assignments}
        team_appends = {a.tab for a in plan.appends if not self.schema.tab(a.tab).append_only}
        filters: dict[str, Mapping[str, Any]] = {}
        # A fill-if-empty write (an import merging a duplicate) checks the cell as it is now.
        team_appends |= {w.tab for w in plan.writes if w.only_if_empty}
        anchors: dict[str, int] = {}
        tag_keys: dict[str, set[str]] = {}
        for name in sorted(touched):
            title = titles.get(name)
            if title is None:
                continue  # resolve_plan reports it, or creates a missing log tab
            tab = self.schema.tab(name)
            seen = self._seen.get(title)
            anchor = None if seen is None else _anchor(tab, seen.headers)
            if name in new_ids or name in team_appends or anchor is None:
                filters[name] = a1_filter(whole_sheet(title))
            else:
                anchors[name] = anchor
                filters[name + "\x00header"] = a1_filter(row_range(title, 1))
                filters[name] = a1_filter(column_range(title, anchor))
            keys = {w.column for w in plan.writes if w.tab == name}
            keys = {k for k in keys if tab.has_column(k) and tab.column(k).bot_owned}
            if tab.has_column("id") and (keys or name in new_ids):
                keys.add("id")
            tag_keys[name] = keys
            for key in keys:
                filters[f"{name}\x00tag\x00{key}"] = column_filter(self._sheet_id(title), key)
        found = self._filtered_get(filters)
        grids = {name: found[name][0][1] if found.get(name) else [] for name in filters}
        reread = _Reread()
        for name in sorted(touched):
            if name not in grids:
                continue
            title, tab = titles[name], self.schema.tab(name)
            grid = grids[name]
            if name in anchors:
                header = grids[name + "\x00header"]
                grid = [header[0] if header else [], *grid[1:]]
            if not grid:
                grid = [[]]
            try:
                headers = map_headers(tab, grid[0])
            except HeaderError as error:
                reread.skipped.append(
                    SkippedWrite(name, None, None, f"{error} Nothing written there.")
                )
                continue
            if name in anchors:
                if _anchor(tab, headers) != anchors[name]:
                    reread.skipped.append(
                        SkippedWrite(
                            name,
                            None,
                            None,
                            f"{name}: columns were moved while the bot was working; its changes "
                            "there are made next cycle.",
                        )
                    )
                    continue
                at = anchors[name]
                grid = [grid[0], *([None] * at + list(row[:1]) for row in grid[1:])]
            state = TabState(title=title, headers=headers, grid=grid)
            reread.states[name] = state
            reread.note_tags(name, state, tag_keys.get(name, set()), found)
        return reread

    # -- writing -------------------------------------------------------------------------

    def _write(self, resolved: ResolvedPlan, reread: _Reread, plan: Plan) -> list[TabWrite]:
        """ONE ``values:batchUpdateByDataFilter``: cells by column tag, appends by position.

        Tags missing (the first cycle that writes a column) are added first, at the column the
        re-read found, in the same spreadsheets:batchUpdate that makes room when needed.
        """
        zone = self.settings.zone
        last_rows = {state.title: len(state.grid) for state in reread.states.values()}
        by_title = {state.title: name for name, state in reread.states.items()}
        tabs: dict[str, TabWrite] = {}
        extent: dict[str, tuple[int, int]] = {}  # title -> (last row, last column) written
        tag_requests: list[dict[str, Any]] = []

        def reach(title: str, row: int, column: int) -> None:
            rows, columns = extent.get(title, (0, 0))
            extent[title] = (max(rows, row), max(columns, column + 1))

        keys_at: dict[str, dict[int, str]] = {}
        extra_headers: list[dict[str, Any]] = []
        for update in resolved.updates:
            name = by_title[update.title]
            if name not in keys_at:
                positions = reread.states[name].headers.positions
                keys_at[name] = {pos: key for key, pos in positions.items()}
            key_at = keys_at[name]
            if update.row == 1:
                # A bot column missing from the header row: resolve_plan adds its header.
                tab = self.schema.tab(name)
                known = next((c.key for c in tab.columns if c.header == update.value), None)
                if known is None:
                    # A column the schema does not know (an import keeps a file's columns):
                    # only its header is written here, by position; its cells are appended.
                    header_range = cells_range(update.title, 1, update.column, update.column)
                    extra_headers.append(a1_write(header_range, [[update.value]]))
                    reach(update.title, 1, update.column)
                    continue
                key_at[update.column] = known
                reread.new_columns.setdefault(name, {})[update.column] = key_at[update.column]
            key = key_at[update.column]
            if name not in tabs:
                tabs[name] = TabWrite(name, update.title, self._sheet_id(update.title))
            # An explicit empty value clears the cell; a JSON null would leave it as it is.
            value = "" if update.value is None else raw_value(update.value, zone)
            tabs[name].cells[key][update.row] = value
            reach(update.title, update.row, update.column)
        for name, tab_write in tabs.items():
            state = reread.states[name]
            wanted = set(tab_write.cells) | ({"id"} if "id" in state.headers.positions else set())
            for key in sorted(wanted):
                found = reread.tags.get(name, {}).get(key, [])
                at = state.headers.positions.get(key)
                at = next((c for c, k in reread.new_columns.get(name, {}).items() if k == key), at)
                if at is not None and found != [at]:
                    if found:
                        tag_requests.append(delete_tag(tab_write.sheet_id, key))
                    tag_requests.append(create_tag(tab_write.sheet_id, at, key))
            tab_write.intent = reread.intent(name, self.schema.tab(name), tab_write, plan)
        data: list[dict[str, Any]] = list(extra_headers)
        for tab_write in tabs.values():
            data.extend(column_writes(tab_write, tab_write.cells))
        new_titles = {tab.name for tab in resolved.new_tabs}
        for tab in resolved.new_tabs:
            headers = [c.header for c in tab.columns]
            data.append(a1_write(cells_range(tab.name, 1, 0, len(headers) - 1), [headers]))
        for title, rows in resolved.appends.items():
            start = 2 if title in new_titles else max(last_rows.get(title, 1), 1) + 1
            width = max(len(r) for r in rows)
            block = [[raw_value(v, zone) for v in pad(r, width)] for r in rows]
            data.append(a1_write(cells_range(title, start, 0, width - 1, rows=len(rows)), block))
            reach(title, start + len(rows) - 1, width - 1)
        self._make_room(resolved.new_tabs, extent, tag_requests)
        if data:
            answer = self._filtered_update(data)
            gone = missing_columns(answer, data)
            if gone:
                reread.skipped.append(
                    SkippedWrite(
                        "",
                        None,
                        None,
                        "columns " + ", ".join(sorted(gone)) + " were deleted while the bot "
                        "was writing; their values are written next cycle",
                    )
                )
        return list(tabs.values())

    def _make_room(
        self,
        new_tabs: Sequence[Tab],
        extent: Mapping[str, tuple[int, int]],
        tag_requests: Sequence[dict[str, Any]] = (),
    ) -> None:
        """Add missing log tabs, grow grids that the write would overflow and tag bot columns
        not tagged yet (all rarely needed: one spreadsheets:batchUpdate, or none)."""
        requests: list[dict[str, Any]] = []
        sheets = {s.title: s for s in self._sheets or []}
        next_id = max((s.sheet_id for s in sheets.values()), default=0) + 1
        for tab in new_tabs:
            requests.append(
                {
                    "addSheet": {
                        "properties": {
                            "sheetId": next_id,
                            "title": tab.name,
                            "gridProperties": {
                                "rowCount": _GROW_ROWS,
                                "columnCount": max(26, len(tab.columns)),
                                "frozenRowCount": 1,
                            },
                        }
                    }
                }
            )
            sheets[tab.name] = Worksheet(next_id, tab.name, _GROW_ROWS, max(26, len(tab.columns)))
            next_id += 1
        for title, (rows, columns) in extent.items():
            sheet = sheets.get(title)
            if sheet is None:
                continue
            grown = sheet
            if rows > sheet.rows - _SPARE_ROWS:
                add = rows - sheet.rows + _GROW_ROWS
                requests.append(_append_dimension(sheet.sheet_id, "ROWS", add))
                grown = replace(grown, rows=sheet.rows + add)
            if columns > sheet.columns:
                add = columns - sheet.columns
                requests.append(_append_dimension(sheet.sheet_id, "COLUMNS", add))
                grown = replace(grown, columns=columns)
            sheets[title] = grown
        requests.extend(tag_requests)
        if requests:
            self.http.batch_update(self.spreadsheet_id, {"requests": requests})
        self._sheets = list(sheets.values())


def _append_dimension(sheet_id: int, dimension: str, length: int) -> dict[str, Any]:
    return {"appendDimension": {"sheetId": sheet_id, "dimension": dimension, "length": length}}


def build_client(
    spreadsheet_id: str, credentials_file: Path, api_url: str, retrier: Retrier | None = None
) -> gspread.Client:
    """A gspread client whose requests go to ``api_url`` under our retry (never BackOff)."""
    credentials = load_service_account(credentials_file)
    http_client = routed_client_class(api_url, retrier or Retrier(), spreadsheet_id)
    return gspread.Client(auth=credentials, http_client=http_client)


def initialize_spreadsheet(
    spreadsheet_id: str,
    credentials_file: Path,
    schema: Schema,
    api_url: str = GOOGLE_SHEETS_URL,
    *,
    retrier: Retrier | None = None,
) -> str:
    """Add missing tabs, header cells, dropdowns, date checks, formats and bot-column warnings.

    Never deletes, moves or rewrites anything the team made; everything is sent in ONE
    ``spreadsheets:batchUpdate`` (none at all when the spreadsheet is already set up).
    Returns a human summary of what was added.
    """
    client = build_client(spreadsheet_id, credentials_file, api_url, retrier)
    http = client.http_client
    metadata = http.fetch_sheet_metadata(
        spreadsheet_id, params={"includeGridData": "false", "fields": init_metadata_fields()}
    )
    ranges = init_data_ranges(schema, metadata)
    grid = (
        http.spreadsheets_get(
            spreadsheet_id,
            params={
                "includeGridData": "true",
                "ranges": ranges,
                "fields": "sheets(properties.sheetId,data)",
            },
        )
        if ranges
        else {}
    )
    infos, sizes = sheet_infos(metadata, grid)
    command = init_command(spreadsheet=spreadsheet_id, credentials=credentials_file)
    layout = layout_requests(schema, infos, sizes, command)
    if layout.requests:
        http.batch_update(spreadsheet_id, {"requests": list(layout.requests)})
    title = str(metadata.get("properties", {}).get("title", spreadsheet_id))
    return layout.summary(title)
