"""The cell model and how a cell's value is rendered under each render option.

A cell keeps what Google keeps: the effective value (string, number or boolean), the formula
if one was entered, and the text shown for it when its format is not the automatic one (a date
typed as ``2020-01-01`` shows as ``2020-01-01``; ``2,000,000.01`` keeps its separators).
Cells are immutable so that a spreadsheet can be copied cheaply for atomic batch updates.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

Scalar = str | int | float | bool


@dataclass(frozen=True, slots=True)
class Cell:
    """One cell: value, formula, display text, and the non-value data batchUpdate sets."""

    value: Scalar | None = None
    formula: str | None = None
    display: str | None = None
    is_date: bool = False
    is_error: bool = False
    note: str | None = None
    fmt: Any = None
    validation: Any = None

    @property
    def has_value(self) -> bool:
        """Whether the values API would return something for this cell."""
        return self.value is not None or self.formula is not None

    def without_value(self) -> Cell | None:
        """This cell with its value cleared (formats and notes stay, as with values.clear)."""
        if self.note is None and self.fmt is None and self.validation is None:
            return None
        return replace(self, value=None, formula=None, display=None, is_date=False, is_error=False)


EMPTY = Cell()


def json_number(value: float | int) -> int | float:
    """Return integral floats as ints, as Google's JSON does (53, not 53.0)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


def format_number(value: float | int) -> str:
    """Render a number in the automatic format (en_US): up to 10 decimals, no exponent."""
    if isinstance(value, int) or (
        isinstance(value, float) and value.is_integer() and abs(value) < 1e15
    ):
        return str(int(value))
    if abs(value) >= 1e15 or abs(value) < 1e-10:
        mantissa, _, exp = f"{value:.5E}".partition("E")
        mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa}E{'+' if int(exp) >= 0 else '-'}{abs(int(exp))}"
    text = f"{value:.10f}".rstrip("0").rstrip(".")
    return text


def render(cell: Cell, value_render: str, date_render: str) -> Scalar:
    """Render a cell for the values API (caller skips cells without a value)."""
    if value_render == "FORMULA" and cell.formula is not None:
        return cell.formula
    if value_render in ("UNFORMATTED_VALUE", "FORMULA"):
        if cell.is_date and date_render == "FORMATTED_STRING" and cell.display is not None:
            return cell.display
        if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
            return json_number(cell.value)
        return cell.value if cell.value is not None else ""
    return formatted(cell)


def formatted(cell: Cell) -> str:
    """The text Google shows for a cell (FORMATTED_VALUE)."""
    if cell.display is not None:
        return cell.display
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return format_number(value)
    return value


def extended_value(value: Scalar) -> dict[str, Any]:
    """Wrap a value as an ExtendedValue (``{"numberValue": 1}`` etc.)."""
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, (int, float)):
        return {"numberValue": json_number(value)}
    return {"stringValue": value}


def cell_data(cell: Cell) -> dict[str, Any]:
    """The CellData JSON for spreadsheets.get with grid data."""
    data: dict[str, Any] = {}
    if cell.has_value:
        if cell.formula is not None:
            data["userEnteredValue"] = {"formulaValue": cell.formula}
        elif cell.value is not None:
            data["userEnteredValue"] = extended_value(cell.value)
        if cell.value is not None:
            if cell.is_error:
                data["effectiveValue"] = {"errorValue": {"type": "ERROR", "message": cell.value}}
            else:
                data["effectiveValue"] = extended_value(cell.value)
        data["formattedValue"] = formatted(cell)
    if cell.fmt is not None:
        data["userEnteredFormat"] = cell.fmt
        data["effectiveFormat"] = cell.fmt
    if cell.note is not None:
        data["note"] = cell.note
    if cell.validation is not None:
        data["dataValidation"] = cell.validation
    return data
