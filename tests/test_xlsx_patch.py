"""Writing an .xlsx workbook by rewriting only the worksheets a cycle or an import touches.

The same workbook, typed by hand (a formula in a team column, a cell formatted ahead of the
data, a tab of the team's own), gets the same bot cycle and the same import twice: once written
the fast way, once by openpyxl's full load and save (the way every write went before). Every
cell must read the same afterwards (value, formula, number format), the team's validations must
be the same, and what the fast way did not need to touch must be byte for byte what it was.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.styles import PatternFill

import sheet_schema.backends.xlsx as xlsx
from automations.intake.command import run_import
from sheet_schema.backends.xlsx import XlsxBackend
from sheet_schema.backends.xlsx_patch import patch_workbook
from sheet_schema.backends.xlsx_read import read_grids
from tests.fixtures_rules import NOW, SCHEMA
from tests.fixtures_typed import Workbook, typed_workbook

CSV = (
    "Name,Email,Created,Phone\r\n"
    "Dora Reis,dora@example.com,2026-11-03,  +351 912 345 678 \r\n"
    "ANA COSTA,Ana@Example.com,,+351 911 111 111\r\n"  # Ana is there: filled in, not added
    "Eva Melo,eva@example.com,05/11/2026,=1+2\r\n"  # a formula typed as text stays text
)


def _hand_edits(path: Path) -> None:
    """What a team adds in Excel: a formula, a cell formatted ahead, a tab of their own."""
    book = load_workbook(path)
    customers = book["Customers"]
    header = [c.value for c in customers[1]]
    customers.cell(row=2, column=header.index("Notes") + 1, value='=LEN("Ana")&" letters"')
    # Row 6 has no value yet, only a fill the team put there ahead of the data.
    customers.cell(row=6, column=1).fill = PatternFill("solid", fgColor="FFFF00")
    history = book["Stage history"]
    history.cell(row=3, column=2).number_format = "0.00"
    own = book.create_sheet("Our notes")
    own.append(["Supplier", "Phone"])
    own.append(["Tiles & Co", '=CONCAT("+34", "600")'])
    book.save(path)


def _cells(path: Path) -> dict[str, dict[str, tuple[object, str]]]:
    """Every cell with a value or a format; an empty string is no value (openpyxl's own save
    turns one into an empty cell, the fast way keeps it as it was: blank either way)."""
    book = load_workbook(path)
    return {
        ws.title: {
            c.coordinate: (c.value, c.number_format if c.value is not None else "")
            for row in ws.iter_rows()
            for c in row
            if c.value not in (None, "") or c.has_style
        }
        for ws in book.worksheets
    }


def _validations(path: Path) -> dict[str, list[str]]:
    book = load_workbook(path)
    return {
        ws.title: sorted(f"{v.sqref} {v.type} {v.formula1}" for v in rules.dataValidation)
        for ws in book.worksheets
        for rules in [ws.data_validations]
    }


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _cycle_and_import(path: Path, leads: Path) -> None:
    Workbook(path).run(NOW)
    run_import(XlsxBackend(path, SCHEMA), SCHEMA, leads, "Customers", [])


def test_fast_writes_read_the_same_as_openpyxl_saves_and_touch_nothing_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = typed_workbook(tmp_path / "fast.xlsx")
    _hand_edits(fast)
    slow = tmp_path / "slow.xlsx"
    shutil.copy(fast, slow)
    leads = tmp_path / "leads.csv"
    leads.write_bytes(CSV.encode("utf-8"))
    before = _parts(fast)

    used: list[bool] = []

    def spy(data: bytes, resolved: object, then: object) -> bytes | None:
        out = patch_workbook(data, resolved, then)  # type: ignore[arg-type]
        used.append(out is not None)
        return out

    monkeypatch.setattr(xlsx, "patch_workbook", spy)
    _cycle_and_import(fast, leads)
    assert used and all(used)  # every write of the cycle and the import went the fast way

    never: Callable[[bytes, object, object], None] = lambda data, resolved, then: None  # noqa: E731
    monkeypatch.setattr(xlsx, "patch_workbook", never)
    _cycle_and_import(slow, leads)

    assert _cells(fast) == _cells(slow)
    assert read_grids(fast) == read_grids(slow)
    assert _validations(fast) == _validations(slow)
    # The import added Dora and Eva after the typed rows; row 6, formatted ahead, got Eva.
    customers = load_workbook(fast)["Customers"]
    names = [customers.cell(row=r, column=2).value for r in range(2, 8)]
    assert names == ["Ana Costa", "Bruno Lima", "Carla Dias", "Dora Reis", "Eva Melo", None]
    assert customers["A6"].fill.fgColor.rgb == "00FFFF00"
    after = _parts(fast)
    untouched = [name for name in before if before[name] == after[name]]
    # Only worksheets the cycle wrote and the styles (a date format) may differ.
    changed = sorted(set(before) - set(untouched))
    assert all(n.startswith("xl/worksheets/sheet") or n == "xl/styles.xml" for n in changed)
    assert "xl/worksheets/sheet13.xml" in untouched  # "Our notes", formula and all


def _as_excel_saves_it(path: Path) -> None:
    """Rewrite the Customers worksheet the way Excel stores it: text in the shared-strings
    table, rows with spans and Excel's own attributes, and a row below the data whose only cell
    holds an empty string (blank to anyone reading it)."""
    parts = _parts(path)
    sheet = parts["xl/worksheets/sheet1.xml"].decode("utf-8")
    strings: list[str] = []

    def shared(match: re.Match[str]) -> str:
        strings.append(match.group(3))
        return f'<c r="{match.group(1)}"{match.group(2)} t="s"><v>{len(strings) - 1}</v></c>'

    sheet = re.sub(
        r'<c r="([A-Z]+\d+)"((?: s="\d+")?) t="inlineStr"><is><t[^>]*>([^<]*)</t></is></c>',
        shared,
        sheet,
    )
    sheet = re.sub(r'<row r="(\d+)"', r'<row r="\1" spans="1:22" x14ac:dyDescent="0.25"', sheet)
    strings.append("")
    empty = f'<row r="7"><c r="C7" t="s"><v>{len(strings) - 1}</v></c></row>'
    sheet = sheet.replace("</sheetData>", f"{empty}</sheetData>")
    sheet = sheet.replace(
        "<worksheet ",
        '<worksheet xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" '
        'mc:Ignorable="x14ac" ',
        1,
    )
    parts["xl/worksheets/sheet1.xml"] = sheet.encode("utf-8")
    items = "".join(f"<si><t>{s}</t></si>" for s in strings)
    parts["xl/sharedStrings.xml"] = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>'
    ).encode()
    rels = parts["xl/_rels/workbook.xml.rels"].decode("utf-8")
    parts["xl/_rels/workbook.xml.rels"] = rels.replace(
        "</Relationships>",
        '<Relationship Id="rIdStrings" Target="sharedStrings.xml" Type="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/></Relationships>',
    ).encode("utf-8")
    types = parts["[Content_Types].xml"].decode("utf-8")
    parts["[Content_Types].xml"] = types.replace(
        "</Types>",
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    ).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)


def test_a_workbook_saved_by_excel_gets_the_same_cells_either_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = typed_workbook(tmp_path / "fast.xlsx")
    _as_excel_saves_it(fast)
    assert load_workbook(fast)["Customers"]["B2"].value == "Ana Costa"  # Excel's way, readable
    slow = tmp_path / "slow.xlsx"
    shutil.copy(fast, slow)
    leads = tmp_path / "leads.csv"
    leads.write_bytes(CSV.encode("utf-8"))
    before = _parts(fast)
    _cycle_and_import(fast, leads)
    monkeypatch.setattr(xlsx, "patch_workbook", lambda data, resolved, then: None)
    _cycle_and_import(slow, leads)

    assert _cells(fast) == _cells(slow)
    # What the bot reads (row 7 stays a blank row on the fast way, as Excel saved it).
    assert XlsxBackend(fast, SCHEMA).read().rows == XlsxBackend(slow, SCHEMA).read().rows
    # Dora and Eva come right after Carla: row 7's empty string does not count as data.
    customers = load_workbook(fast)["Customers"]
    assert [customers.cell(row=r, column=2).value for r in range(4, 8)] == [
        "Carla Dias",
        "Dora Reis",
        "Eva Melo",
        None,
    ]
    # Excel's attributes stay where they were; the shared strings are not rewritten.
    after = _parts(fast)
    assert 'x14ac:dyDescent="0.25"' in after["xl/worksheets/sheet1.xml"].decode("utf-8")
    assert after["xl/sharedStrings.xml"] == before["xl/sharedStrings.xml"]
