"""Google Sheets as the workbook, through gspread, in a constant number of API calls.

A cycle costs, whatever the row count:

- ``read()``: one metadata GET (worksheet titles and sizes) and ONE ``values:batchGet`` of every
  known tab (``UNFORMATTED_VALUE`` + ``SERIAL_NUMBER``: numbers stay numbers, formulas give their
  values, dates arrive as serials that :mod:`sheet_schema.cells` converts).
- ``apply(plan)``: ONE small ``values:batchGetByDataFilter`` re-reading
  (:mod:`~sheet_schema.backends.sheets_reread`), for each tab the plan touches, its header row
  and ID column (whole rows for tabs that get new IDs, whose fingerprints must be checked)
  and the bot columns it writes (found by their tags); ONE
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
missing; it adds rows, columns or tabs and nothing else
(:mod:`~sheet_schema.backends.sheets_grid`).

The client is built by :func:`~sheet_schema.backends.sheets_http.build_client`; ``sheetcrm
init`` on a spreadsheet is :mod:`~sheet_schema.backends.sheets_init`.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import gspread

from sheet_schema.backends.base import GOOGLE_SHEETS_URL, init_command
from sheet_schema.backends.sheets_grid import METADATA_FIELDS, Worksheet, room_requests, worksheets
from sheet_schema.backends.sheets_http import build_client
from sheet_schema.backends.sheets_locale import with_locale_issue
from sheet_schema.backends.sheets_reread import Seen, current_states
from sheet_schema.backends.sheets_retry import Retrier
from sheet_schema.backends.sheets_tags import a1_filter
from sheet_schema.backends.sheets_values import row_range, whole_sheet
from sheet_schema.backends.sheets_write import (
    Reread,
    TabWrite,
    check_and_fix,
    filter_key,
    tagged_write,
)
from sheet_schema.collector import collector_paused
from sheet_schema.headers import HeaderError, map_headers
from sheet_schema.model import ApplyReport, Plan, SkippedWrite, Snapshot
from sheet_schema.reading import Grid, RowFilter, build_snapshot, match_worksheets, wanted_tabs
from sheet_schema.renamed_tabs import missing_tabs, with_lookalikes
from sheet_schema.schema import Schema, Tab
from sheet_schema.settings import Settings
from sheet_schema.side_tabs import place_marks, side_titles, with_side_tabs
from sheet_schema.writing import ResolvedPlan, resolve_plan

Clock = Callable[[], datetime]
READ_PARAMS = {
    "valueRenderOption": "UNFORMATTED_VALUE",
    "dateTimeRenderOption": "SERIAL_NUMBER",
    "majorDimension": "ROWS",
}


def _utc_now() -> datetime:
    return datetime.now(UTC)


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
        self.locale = ""  # the spreadsheet's locale (File > Settings), e.g. en_US
        self._sheets: list[Worksheet] | None = None
        self._seen: dict[str, Seen] = {}

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

    def read(
        self, tabs: Collection[str] | None = None, only: Mapping[str, RowFilter] | None = None
    ) -> Snapshot:
        """Every known tab (or only ``tabs``, plus Settings) in one metadata GET and one
        ``values:batchGet``; ``only`` keeps some rows of a tab (see
        :func:`~sheet_schema.reading.build_snapshot`)."""
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
        ranges = {title: whole_sheet(title) for title in titles}
        every_title = [sheet.title for sheet in sheets]
        if tabs is None:
            # The form answers tab the last read's Settings named rides in the same batchGet;
            # on a first read (or a changed setting) it costs one more.
            for side in side_titles(self.settings, every_title).values():
                ranges.setdefault(side, whole_sheet(side))
        with collector_paused():
            grids = self._batch_get(ranges)
            snapshot = build_snapshot(
                self.schema,
                grids,
                read_at,
                source=self.describe(),
                tabs=tabs,
                init_command=init_command(
                    spreadsheet=self.spreadsheet_id, credentials=self.credentials_file
                ),
                only=only,
            )
        if tabs is None:
            snapshot = with_side_tabs(
                snapshot,
                every_title,
                lambda wanted: self._batch_get({t: whole_sheet(t) for t in wanted}),
                fetched=grids,
            )
        if missing_tabs(snapshot):
            # One more batchGet, only while a tab is missing: row 1 of the worksheets SheetCRM
            # does not know (one of them may be that tab, renamed).
            others = [t for t in every_title if self.schema.find_tab(t) is None]
            headers = self._batch_get({t: row_range(t, 1) for t in others})
            snapshot = with_lookalikes(
                self.schema, snapshot, {t: next(iter(g), []) for t, g in headers.items()}
            )
        self._remember(grids, partial=wanted is not None)
        self._follow(snapshot.settings)
        return with_locale_issue(snapshot, self.locale)

    def apply(self, plan: Plan) -> ApplyReport:
        """Re-read the ID columns, resolve the plan, write it by column tags, check and correct."""
        if plan.is_empty():
            return ApplyReport(api_calls=self.api_calls)
        if self._sheets is None:
            self._load_worksheets()
        titles, _ = match_worksheets(self.schema, [s.title for s in self._sheets or []])
        side: dict[str, Grid] = {}
        reread = self._current_states(plan, titles, side)
        plan = _filter_plan(plan, {s.tab for s in reread.skipped})
        resolved = resolve_plan(self.schema, plan, reread.states)
        marks = place_marks(plan.marks, tuple(reread.skipped) + resolved.skipped, side)
        written = self._write(resolved, reread, plan, marks.cells)
        check = check_and_fix(self.schema, written, self._filtered_get, self._filtered_update)
        lost = tuple(
            SkippedWrite(tab, new_id, "id", f"{tab}: {why}")
            for new_id, (tab, why) in sorted(check.lost_ids.items())
        )
        unresolved = tuple(SkippedWrite("", None, None, why) for why in check.unresolved)
        return ApplyReport(
            cells_written=resolved.cells_written,
            rows_appended=resolved.rows_appended,
            appended=resolved.appended(),
            ids_assigned=resolved.ids_assigned - len(lost),
            skipped=(*reread.skipped, *resolved.skipped, *lost, *unresolved, *marks.skipped),
            api_calls=self.api_calls,
            cells_corrected=check.cells_corrected,
            rows_marked=marks.marked,
        )

    # -- reading -------------------------------------------------------------------------

    def _load_worksheets(self) -> list[Worksheet]:
        metadata = self.http.fetch_sheet_metadata(
            self.spreadsheet_id, params={"includeGridData": "false", "fields": METADATA_FIELDS}
        )
        self.title = str(metadata.get("properties", {}).get("title", ""))
        self.locale = str(metadata.get("properties", {}).get("locale", ""))
        self._sheets = worksheets(metadata)
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
                self._seen[title] = Seen(map_headers(tab, grid[0]))
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
        self, filters: Mapping[str, Mapping[str, Any]], formulas: bool = False
    ) -> dict[str, list[tuple[str, Grid]]]:
        """ONE ``values:batchGetByDataFilter``: for each named filter, the ranges it matched
        (``formulas``: a formula cell gives its formula, not its value)."""
        if not filters:
            return {}
        by_text = {filter_key(f): name for name, f in filters.items()}
        params = dict(READ_PARAMS)
        if formulas:
            params["valueRenderOption"] = "FORMULA"
        body = self.http.request(
            "post",
            f"{GOOGLE_SHEETS_URL}/v4/spreadsheets/{self.spreadsheet_id}/values:batchGetByDataFilter",
            json={"dataFilters": list(filters.values()), **params},
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

    def _current_states(
        self, plan: Plan, titles: Mapping[str, str], side: dict[str, Grid]
    ) -> Reread:
        """The tabs a plan touches as they are now (:func:`current_states`); the form answers
        tabs it marks are re-read in the same request, into ``side``."""
        known = {s.title for s in self._sheets or []}
        extra = {
            f"\x00side\x00{title}": a1_filter(whole_sheet(title))
            for title in {m.title for m in plan.marks}
            if title in known
        }

        def get(filters: Mapping[str, Mapping[str, Any]]) -> dict[str, list[tuple[str, Grid]]]:
            found = self._filtered_get({**filters, **extra})
            for key in extra:
                matched = found.pop(key, [])
                side[key.split("\x00", 2)[2]] = matched[0][1] if matched else []
            return found

        return current_states(
            self.schema,
            self._seen,
            plan,
            titles,
            self._sheet_id,
            get,
            lambda filters: self._filtered_get(filters, formulas=True),
        )

    # -- writing -------------------------------------------------------------------------

    def _write(
        self,
        resolved: ResolvedPlan,
        reread: Reread,
        plan: Plan,
        marks: Mapping[tuple[str, int, int], object],
    ) -> list[TabWrite]:
        """ONE ``values:batchUpdateByDataFilter``: cells by column tag (:func:`tagged_write`),
        the form marks by position, in the same request."""
        return tagged_write(
            self.schema,
            self.settings.zone,
            resolved,
            reread,
            plan,
            self._sheet_id,
            self._make_room,
            self._filtered_update,
            marks,
        )

    def _make_room(
        self,
        new_tabs: Sequence[Tab],
        extent: Mapping[str, tuple[int, int]],
        tag_requests: Sequence[dict[str, Any]] = (),
    ) -> None:
        """Add missing log tabs, grow grids that the write would overflow and tag bot columns
        not tagged yet (all rarely needed: one spreadsheets:batchUpdate, or none)."""
        requests, sheets = room_requests(self._sheets or [], new_tabs, extent)
        requests.extend(tag_requests)
        if requests:
            self.http.batch_update(self.spreadsheet_id, {"requests": requests})
        self._sheets = sheets
