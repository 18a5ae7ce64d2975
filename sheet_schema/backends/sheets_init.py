"""``sheetcrm init`` on a Google spreadsheet: read what is there, send what is missing.

What it read is turned into worksheets by :mod:`sheet_schema.backends.sheets_init_read` and the
requests come from :mod:`sheet_schema.backends.sheets_layout` (both pure); this module
makes the three calls: the metadata GET, one GET of the header rows and cells the layout needs,
and ONE ``spreadsheets:batchUpdate``.
"""

from __future__ import annotations

from pathlib import Path

from sheet_schema.backends.base import GOOGLE_SHEETS_URL, init_command
from sheet_schema.backends.sheets_http import build_client
from sheet_schema.backends.sheets_init_read import (
    init_data_ranges,
    init_metadata_fields,
    sheet_infos,
)
from sheet_schema.backends.sheets_layout import layout_requests
from sheet_schema.backends.sheets_retry import Retrier
from sheet_schema.schema import Schema


def initialize_spreadsheet(
    spreadsheet_id: str,
    credentials_file: Path,
    schema: Schema,
    api_url: str = GOOGLE_SHEETS_URL,
    *,
    retrier: Retrier | None = None,
) -> str:
    """Add missing tabs, header cells, dropdowns, date checks, formats and bot-column warnings,
    and bring SheetCRM's dropdowns and highlight rules up to date with the team's Lists tab and
    columns (a stale highlight rule of SheetCRM's is deleted and the new one added).

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
    infos, sizes = sheet_infos(metadata, grid, schema)
    command = init_command(spreadsheet=spreadsheet_id, credentials=credentials_file)
    # Dropdowns offer the team's lists, as the spreadsheet's Lists tab holds them (with the rows
    # init adds): the planner reads them from the whole Lists tab in ``infos``.
    layout = layout_requests(schema, infos, sizes, command)
    if layout.requests:
        http.batch_update(spreadsheet_id, {"requests": list(layout.requests)})
    title = str(metadata.get("properties", {}).get("title", spreadsheet_id))
    return layout.summary(title)
