"""A Source typed outside the team's list reads the same on every dashboard page, translated.

A Spanish clinic's workbook from `sheetcrm init`, typed with openpyxl: one patient came from
"Google" (organic or paid? not in the list). The Sources page showed "Google (no está en la
lista)" while the Customers page's list showed the English marker "Google (not in the list)".
"""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from automations.cli import main as sheetcrm
from tests.test_dashboard_app import demo_app, open_page, served_on

__all__ = ["served_on"]


@pytest.mark.usefixtures("served_on")
def test_the_customers_list_marks_a_source_outside_the_list_in_the_workbooks_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "clinica.xlsx"
    assert sheetcrm(["init", "--workbook", str(path)]) == 0
    book = load_workbook(path)
    for row in book["Settings"].iter_rows(min_row=2):
        if row[0].value == "Language":
            row[1].value = "es"
    customers = book["Customers"]
    header = [c.value for c in customers[1]]
    for typed in (
        {"Name": "María Pérez", "Source": "Google", "Created": "10/03/2025"},
        {"Name": "Luis Gil", "Source": "tienda", "Created": "12/03/2025"},  # Walk-in's alias
    ):
        customers.append([typed.get(h) for h in header])
    book.save(path)
    assert sheetcrm(["run", "--no-send", "--workbook", str(path)]) == 0

    at = open_page(demo_app(path, monkeypatch).run(), "customers")
    at.sidebar.selectbox(key="period_preset").set_value("all").run()

    listed = at.dataframe[0].value
    sources = dict(zip(listed["Nombre"], listed["Fuente"], strict=True))
    assert sources == {"María Pérez": "Google (no está en la lista)", "Luis Gil": "Walk-in"}
