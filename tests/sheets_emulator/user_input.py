"""How USER_ENTERED input becomes a cell, as if typed into the Sheets UI (en_US locale).

- ``=...`` is a formula.  Only plain arithmetic on literals (``=1+2``, ``= 1 / 1024``,
  ``=2^3``, parentheses) is evaluated; any other formula (functions such as ``IMPORTXML``,
  cell references) is stored and its value is the error ``#NAME?``, so FORMULA rendering
  returns the text and tests can see that a formula was entered.
- Numbers (``42``, ``0042``, ``-1.5``, ``1e3``, ``2,000,000.01``, ``50%``, ``$12.50``) become
  numbers.
- ``TRUE``/``FALSE`` (any case) become booleans.
- Dates ``YYYY-MM-DD``, ``M/D/YYYY`` (optionally with ``HH:MM[:SS]``) become serial numbers
  (days since 1899-12-30) shown in the form they were typed.
- A leading apostrophe forces text and is dropped.
"""

from __future__ import annotations

import ast
import datetime as dt
import operator
import re
from collections.abc import Callable
from typing import Any

from .cells import Cell, Scalar, format_number

_EPOCH = dt.datetime(1899, 12, 30)
_PLAIN_NUMBER_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_GROUPED_NUMBER_RE = re.compile(r"^[+-]?\$?\d{1,3}(,\d{3})+(\.\d+)?$")
_CURRENCY_RE = re.compile(r"^[+-]?\$(\d+\.?\d*|\.\d+)$")
_PERCENT_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)%$")
_ISO_DATE_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_US_DATE_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")

_BINOPS: dict[type, Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}


def serial_from_datetime(value: dt.datetime) -> float:
    """Days since 1899-12-30, the serial number Google uses for dates."""
    delta = value - _EPOCH
    return delta.days + delta.seconds / 86400


def _parse_date(text: str) -> float | None:
    m = _ISO_DATE_RE.match(text)
    parts: tuple[int, ...]
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        rest = m.groups()[3:]
    else:
        m = _US_DATE_RE.match(text)
        if not m:
            return None
        mo, d, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        rest = m.groups()[3:]
    parts = tuple(int(p) if p else 0 for p in rest)
    try:
        value = dt.datetime(y, mo, d, parts[0], parts[1], parts[2])
    except ValueError:
        return None
    return serial_from_datetime(value)


def _eval_node(node: ast.AST) -> float:
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, (int, float))
        and not isinstance(node.value, bool)
    ):
        return float(node.value)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        return _BINOPS[type(node.op)](_eval_node(node.left), _eval_node(node.right))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _eval_node(node.operand)
        return -operand if isinstance(node.op, ast.USub) else operand
    raise ValueError("not plain arithmetic")


def evaluate_formula(formula: str) -> tuple[Scalar, bool]:
    """Evaluate a formula: (value, is_error).  Only literal arithmetic is supported."""
    expr = formula[1:].strip().replace("^", "**")
    try:
        tree = ast.parse(expr, mode="eval")
        value = _eval_node(tree.body)
    except ZeroDivisionError:
        return "#DIV/0!", True
    except (SyntaxError, ValueError, TypeError, OverflowError):
        return "#NAME?", True
    return (int(value) if value.is_integer() else value), False


def parse_number(text: str) -> tuple[float, str | None] | None:
    """Parse a number typed in the UI: (value, display text or None for automatic format)."""
    stripped = text.strip()
    if _PLAIN_NUMBER_RE.match(stripped):
        return float(stripped), None
    if _GROUPED_NUMBER_RE.match(stripped) or _CURRENCY_RE.match(stripped):
        return float(stripped.replace(",", "").replace("$", "")), stripped
    if _PERCENT_RE.match(stripped):
        return float(stripped[:-1]) / 100, stripped
    return None


def _number(value: float) -> int | float:
    return int(value) if value.is_integer() and abs(value) < 1e15 else value


def user_entered_cell(raw: Any, base: Cell | None) -> Cell:
    """Build the cell Google stores for a USER_ENTERED input value (not None, not "")."""
    keep: dict[str, Any] = {}
    if base is not None:
        keep = {"note": base.note, "fmt": base.fmt, "validation": base.validation}
    if isinstance(raw, bool):
        return Cell(value=raw, **keep)
    if isinstance(raw, (int, float)):
        return Cell(value=_number(float(raw)), **keep)
    text = str(raw)
    if text.startswith("'"):
        return Cell(value=text[1:], **keep)
    if text.startswith("=") and len(text) > 1:
        value, is_error = evaluate_formula(text)
        return Cell(value=value, formula=text, is_error=is_error, **keep)
    if text.upper() in ("TRUE", "FALSE"):
        return Cell(value=text.upper() == "TRUE", **keep)
    number = parse_number(text)
    if number is not None:
        value, display = number
        return Cell(value=_number(value), display=display, **keep)
    serial = _parse_date(text.strip())
    if serial is not None:
        return Cell(value=_number(serial), display=text.strip(), is_date=True, **keep)
    return Cell(value=text, **keep)


def raw_cell(raw: Any, base: Cell | None) -> Cell:
    """Build the cell Google stores for a RAW input: strings stay strings, numbers numbers."""
    keep: dict[str, Any] = {}
    if base is not None:
        keep = {"note": base.note, "fmt": base.fmt, "validation": base.validation}
    if isinstance(raw, bool):
        return Cell(value=raw, **keep)
    if isinstance(raw, (int, float)):
        return Cell(value=_number(float(raw)), **keep)
    return Cell(value=str(raw), **keep)


__all__ = ["evaluate_formula", "format_number", "raw_cell", "user_entered_cell"]
