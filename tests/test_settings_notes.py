"""Settings a person typed that cannot be used: each is said where the team looks (the Bot
status tab and the dashboard's Data quality page), with its row, what was typed and the default
used instead; the cycle goes on with the defaults."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from automations.cycle import run_cycle
from dashboard.frames import build_frames
from sheet_schema.backends.xlsx import XlsxBackend
from sheet_schema.backends.xlsx_init import create_workbook
from tests.fixtures_rules import NOW, SCHEMA
from tests.fixtures_typed import type_rows


def _set(path: Path, typed: dict[str, str]) -> dict[str, int]:
    """Type values into the Settings rows of these keys, as a person edits the tab; their rows."""
    book = load_workbook(path)
    sheet = book["Settings"]
    rows: dict[str, int] = {}
    for row in range(2, sheet.max_row + 1):
        key = sheet.cell(row=row, column=1).value
        if key in typed:
            sheet.cell(row=row, column=2, value=typed[key])
            rows[key] = row
    book.save(path)
    assert set(rows) == set(typed)
    return rows


def _bot_status(path: Path) -> dict[str, str]:
    sheet = load_workbook(path)["Bot status"]
    return {str(r[0]): str(r[1] or "") for r in sheet.iter_rows(min_row=2, values_only=True)}


def test_unusable_settings_are_listed_in_bot_status_with_row_typed_value_and_default(
    tmp_path: Path,
) -> None:
    path = tmp_path / "crm.xlsx"
    create_workbook(path, SCHEMA)
    type_rows(path, {"Customers": [{"Name": "Ana", "Email": "ana@example.com"}]})
    typed = {
        "Time zone": "Madrid",
        "Currency": "euros",
        "Language": "Klingon",
        "Date order": "day first",
        "Daily send cap": "lots",
        "Digest hour": "25",
    }
    rows = _set(path, typed)
    report, _ = run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, NOW)
    assert report.problems_found == 0  # the cycle ran on the defaults
    status = _bot_status(path)["Settings"].splitlines()
    expected = {
        "Time zone": "'Madrid' is not a time zone name (e.g. Europe/Madrid); using UTC",
        "Currency": "'euros' is not a three-letter currency code (e.g. EUR, USD); using EUR",
        "Language": "'Klingon' is not one of ",
        "Date order": "'day first' is not one of DMY, MDY, YMD; using DMY",
        "Daily send cap": "'lots' is not a whole number of 0 or more; using 450",
        "Digest hour": "'25' is not an hour from 0 to 23; using 8",
    }
    assert len(status) == len(typed)
    for key, sentence in expected.items():
        line = next(line for line in status if f", {key}: " in line)
        assert line.startswith(f"Settings row {rows[key]}, {key}: {sentence}"), line
    assert next(line for line in status if ", Language: " in line).endswith("; using en.")
    # The dashboard's Data quality page lists the same notes.
    frames = build_frames(XlsxBackend(path, SCHEMA).read())
    shown = frames.problems[frames.problems["tab"] == "Settings"]
    assert len(shown) == len(typed)

    # Fixed in the sheet: the next cycle says every setting was read.
    _set(path, {"Time zone": "Europe/Madrid", "Currency": "EUR", "Language": "es"})
    _set(path, {"Date order": "DMY", "Daily send cap": "450", "Digest hour": "8"})
    run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, NOW)
    assert _bot_status(path)["Settings"] == "Se leyeron todos los ajustes."


def test_a_customer_typed_without_a_name_is_told_so_not_skipped_silently(tmp_path: Path) -> None:
    path = tmp_path / "crm.xlsx"
    create_workbook(path, SCHEMA)
    type_rows(
        path,
        {
            "Customers": [
                {"Name": "Ana", "Email": "ana@example.com"},
                {"Email": "no-name@example.com", "Created": "2026-11-03"},  # Name forgotten
                {"Name": "Eva"},
            ],
            "Deals": [{"Customer ID": "C-0001", "Title": "Roof", "Value": 900}],  # no Stage
        },
    )
    run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, NOW)  # IDs first; the rows are told next
    run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, NOW)
    snapshot = XlsxBackend(path, SCHEMA).read()
    problems = {
        r.text("email") or r.text("name"): r.text("problems") for r in snapshot.tab("Customers")
    }
    assert problems["no-name@example.com"] == (
        "Name is empty: until it is filled, the bot does not check this row, remind about it or "
        "email it."
    )
    assert problems["ana@example.com"] == problems["Eva"] == ""
    deal = snapshot.tab("Deals")[0]
    assert deal.row_id is not None and deal.text("problems").startswith("Stage is empty: ")
    # Filled in: the note goes away at the next cycle.
    book = load_workbook(path)
    sheet = book["Customers"]
    name_column = [c.value for c in sheet[1]].index("Name") + 1
    sheet.cell(row=3, column=name_column, value="Nadia")
    book.save(path)
    run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, NOW)
    rows = XlsxBackend(path, SCHEMA).read().tab("Customers")
    assert next(r for r in rows if r.text("name") == "Nadia").text("problems") == ""
