"""Test hooks: people editing the sheet between the bot's read and its write.

Each edit is the same code path as the API request it imitates (a batchUpdate request or a
values write), run in its own transaction, so it is thread-safe and behaves exactly like an
edit made through the API; it is not counted in the request statistics.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from . import values
from .batch_update import apply_requests
from .cells import Scalar
from .errors import unable_to_parse
from .store import Store


class PeopleEdits:
    """Direct edits on an emulator's spreadsheets (``emu.edits``)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._before: list[tuple[str, Callable[[str], None]]] = []

    def before(self, kind: str, edit: Callable[[str], None]) -> None:
        """Run ``edit(spreadsheet_id)`` once, just before the next request of ``kind`` is served.

        This is a person editing at an exact moment of the bot's cycle: e.g. ``kind=
        "values.batchUpdate"`` edits between the bot's last read and its write. Edits armed for
        the same kind run in the order they were added, one per request.
        """
        with self._lock:
            self._before.append((kind, edit))

    def run_before(self, spreadsheet_id: str | None, kind: str) -> None:
        """Called by the server as a request arrives: run the first edit armed for its kind."""
        with self._lock:
            at = next((i for i, (k, _) in enumerate(self._before) if k == kind), None)
            if at is None or spreadsheet_id is None:
                return
            _, edit = self._before.pop(at)
        edit(spreadsheet_id)

    def insert_columns(
        self, spreadsheet_id: str, sheet_title: str, index: int, count: int = 1
    ) -> None:
        """Insert ``count`` empty columns before 0-based column ``index``."""
        sheet_id = self._sheet_id(spreadsheet_id, sheet_title)
        self.apply(
            spreadsheet_id,
            [
                {
                    "insertDimension": {
                        "range": {
                            "sheetId": sheet_id,
                            "dimension": "COLUMNS",
                            "startIndex": index,
                            "endIndex": index + count,
                        },
                        "inheritFromBefore": index > 0,
                    }
                }
            ],
        )

    def _sheet_id(self, spreadsheet_id: str, sheet_title: str) -> int:
        with self._store.read(spreadsheet_id) as spreadsheet:
            sheet = spreadsheet.sheet_by_title(sheet_title)
            if sheet is None:
                raise unable_to_parse(sheet_title)
            return sheet.sheet_id

    def apply(
        self,
        spreadsheet_id: str,
        requests: list[dict[str, Any]],
        caller: str = "person@example.com",
    ) -> list[dict[str, Any]]:
        """Apply batchUpdate requests atomically and return the replies."""
        with self._store.transaction(spreadsheet_id) as spreadsheet:
            return apply_requests(spreadsheet, requests, caller)

    def grid_values(
        self, spreadsheet_id: str, sheet_title: str, render: str = "UNFORMATTED_VALUE"
    ) -> list[list[Scalar]]:
        """A tab's values as the values API returns them (trimmed; ``[]`` if empty)."""
        quoted = "'" + sheet_title.replace("'", "''") + "'"
        body = values.values_get(
            self._store, spreadsheet_id, quoted, {"valueRenderOption": [render]}
        )
        return list(body.get("values", []))

    def set_values(
        self,
        spreadsheet_id: str,
        range_a1: str,
        rows: Sequence[Sequence[Scalar | None]],
        value_input: str = "USER_ENTERED",
    ) -> dict[str, Any]:
        """Type values into a range (as a person would: USER_ENTERED by default)."""
        return values.values_update(
            self._store,
            spreadsheet_id,
            range_a1,
            {"valueInputOption": [value_input]},
            {"values": [list(r) for r in rows]},
        )

    def insert_rows(
        self,
        spreadsheet_id: str,
        sheet_title: str,
        index: int,
        count: int = 1,
        rows: Sequence[Sequence[Scalar | None]] | None = None,
    ) -> None:
        """Insert ``count`` empty rows before 0-based row ``index`` (then fill them if given)."""
        sheet_id = self._sheet_id(spreadsheet_id, sheet_title)
        self.apply(
            spreadsheet_id,
            [
                {
                    "insertDimension": {
                        "range": {
                            "sheetId": sheet_id,
                            "dimension": "ROWS",
                            "startIndex": index,
                            "endIndex": index + count,
                        },
                        "inheritFromBefore": index > 0,
                    }
                }
            ],
        )
        if rows:
            quoted = "'" + sheet_title.replace("'", "''") + "'"
            self.set_values(spreadsheet_id, f"{quoted}!A{index + 1}", rows)

    def delete_rows(
        self, spreadsheet_id: str, sheet_title: str, start: int, end: int | None = None
    ) -> None:
        """Delete 0-based rows [start, end) (one row if ``end`` is omitted)."""
        sheet_id = self._sheet_id(spreadsheet_id, sheet_title)
        self.apply(
            spreadsheet_id,
            [
                {
                    "deleteDimension": {
                        "range": {
                            "sheetId": sheet_id,
                            "dimension": "ROWS",
                            "startIndex": start,
                            "endIndex": start + 1 if end is None else end,
                        }
                    }
                }
            ],
        )

    def sort_rows(
        self,
        spreadsheet_id: str,
        sheet_title: str,
        column: int,
        ascending: bool = True,
        header_rows: int = 1,
    ) -> None:
        """Sort the tab's rows below ``header_rows`` by a 0-based column."""
        sheet_id = self._sheet_id(spreadsheet_id, sheet_title)
        self.apply(
            spreadsheet_id,
            [
                {
                    "sortRange": {
                        "range": {"sheetId": sheet_id, "startRowIndex": header_rows},
                        "sortSpecs": [
                            {
                                "dimensionIndex": column,
                                "sortOrder": "ASCENDING" if ascending else "DESCENDING",
                            }
                        ],
                    }
                }
            ],
        )

    def add_sheet(self, spreadsheet_id: str, title: str, rows: int = 1000, cols: int = 26) -> int:
        """Add a tab and return its sheetId."""
        reply = self.apply(
            spreadsheet_id,
            [
                {
                    "addSheet": {
                        "properties": {
                            "title": title,
                            "gridProperties": {"rowCount": rows, "columnCount": cols},
                        }
                    }
                }
            ],
        )
        return int(reply[0]["addSheet"]["properties"]["sheetId"])

    def rename_sheet(self, spreadsheet_id: str, old_title: str, new_title: str) -> None:
        """Rename a tab."""
        sheet_id = self._sheet_id(spreadsheet_id, old_title)
        self.apply(
            spreadsheet_id,
            [
                {
                    "updateSheetProperties": {
                        "properties": {"sheetId": sheet_id, "title": new_title},
                        "fields": "title",
                    }
                }
            ],
        )

    def merge_cells(
        self, spreadsheet_id: str, range_a1: str, merge_type: str = "MERGE_ALL"
    ) -> None:
        """Merge the cells of an A1 range (``'Customers'!A2:B3``)."""
        with self._store.read(spreadsheet_id) as spreadsheet:
            sheet, rect = spreadsheet.resolve(range_a1)
            grid_range = {
                "sheetId": sheet.sheet_id,
                "startRowIndex": rect.start_row,
                "endRowIndex": rect.end_row,
                "startColumnIndex": rect.start_col,
                "endColumnIndex": rect.end_col,
            }
        self.apply(spreadsheet_id, [{"mergeCells": {"range": grid_range, "mergeType": merge_type}}])
