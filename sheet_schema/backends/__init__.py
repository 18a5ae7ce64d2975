"""Where the workbook lives: a local .xlsx file or a Google spreadsheet."""

from sheet_schema.backends.base import Backend, WorkbookError

__all__ = ["Backend", "WorkbookError"]
