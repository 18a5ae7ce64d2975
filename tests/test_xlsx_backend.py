"""The local .xlsx workbook: reading, writing, init, and every way a file can be wrong."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl import Workbook

from automations.cli import main
from sheet_schema.backends.base import WorkbookError
from sheet_schema.backends.xlsx import XlsxBackend
from sheet_schema.backends.xlsx_cells import append_rows
from sheet_schema.backends.xlsx_init import create_workbook
from sheet_schema.model import Append, CellWrite, IdAssignment, Plan
from sheet_schema.reading import row_fingerprint
from sheet_schema.schema import ColumnType, load_schema

SCHEMA = load_schema()
NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


def backend(path: Path) -> XlsxBackend:
    return XlsxBackend(path, SCHEMA, clock=lambda: NOW)


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    path = tmp_path / "crm.xlsx"
    create_workbook(path, SCHEMA)
    return path


def hand_made(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """A workbook as a person might build it by hand, without `sheetcrm init`."""
    book = Workbook()
    assert book.active is not None
    book.remove(book.active)
    for title, rows in sheets.items():
        ws = book.create_sheet(title)
        for row in rows:
            ws.append(row)
    book.save(path)
    return path


def test_every_column_type_round_trips(workbook: Path) -> None:
    append_rows(
        workbook,
        SCHEMA,
        {
            "Customers": [
                {
                    "id": "C-0001",
                    "name": "Ana Pérez",
                    "email": "ana@example.es",
                    "phone": "+34 612 345 678",
                    "birthday": date(1990, 2, 28),
                    "language": "es",
                    "marketing_consent": True,
                    "unsubscribed": False,
                }
            ],
            "Deals": [
                {
                    "id": "D-0001",
                    "customer_id": "C-0001",
                    "stage": "Proposal",
                    "value": Decimal("1234.50"),
                    "created": date(2026, 10, 1),
                }
            ],
            "Interactions": [
                {
                    "id": "I-0001",
                    "date": datetime(2026, 10, 2, 14, 45),
                    "customer_id": "C-0001",
                    "kind": "Call",
                    "summary": "=1+2",
                }
            ],
            "Automations": [
                {"kind": "birthday", "template": "birthday", "offset_days": 3, "enabled": True}
            ],
        },
    )
    snapshot = backend(workbook).read()
    customer = snapshot.tab("Customers")[0]
    assert customer.values["phone"] == "+34 612 345 678"
    assert customer.values["birthday"] == date(1990, 2, 28)
    assert customer.values["language"] == "es"
    assert customer.values["marketing_consent"] is True
    assert customer.values["unsubscribed"] is False
    deal = snapshot.tab("Deals")[0]
    assert deal.values["value"] == Decimal("1234.5")
    assert deal.values["customer_id"] == "C-0001"
    interaction = snapshot.tab("Interactions")[0]
    assert interaction.values["date"] == datetime(2026, 10, 2, 14, 45)
    assert interaction.values["summary"] == "=1+2"  # text, never a formula
    assert snapshot.tab("Automations")[0].values["offset_days"] == 3
    assert snapshot.read_at == NOW
    assert all(not row.issues for rows in snapshot.rows.values() for row in rows)

    # Bot columns of each kind written by a plan read back as the same types.
    report = backend(workbook).apply(
        Plan(
            writes=(
                CellWrite("Customers", "C-0001", "last_contact", date(2026, 10, 2)),
                CellWrite("Customers", "C-0001", "lifecycle", "Active"),
                CellWrite("Customers", "C-0001", "reminder", '=HYPERLINK("http://x")'),
                CellWrite("Campaigns", "M-0001", "sent", 3),
            )
        )
    )
    assert report.cells_written == 3
    assert [s.reason for s in report.skipped] == [
        "Campaigns: row M-0001 is no longer in the sheet (deleted, or its ID was changed); "
        "nothing written"
    ]
    again = backend(workbook).read().tab("Customers")[0]
    assert again.values["last_contact"] == date(2026, 10, 2)
    assert again.values["lifecycle"] == "Active"
    assert again.values["reminder"] == '=HYPERLINK("http://x")'
    sheet = openpyxl.load_workbook(workbook)["Customers"]
    reminder_cells = [c for c in sheet[2] if c.value == '=HYPERLINK("http://x")']
    assert reminder_cells and reminder_cells[0].data_type == "s"


def test_headers_in_any_order_with_aliases_and_unknown_columns(tmp_path: Path) -> None:
    path = hand_made(
        tmp_path / "hand.xlsx",
        {
            "Clientes": [
                ["Teléfono", "Favourite colour", "NOMBRE", "Correo electrónico", "id"],
                ["612 345 678", "green", "Lucía", "lucia@example.es", "C-0009"],
            ],
        },
    )
    snapshot = backend(path).read()
    row = snapshot.tab("Customers")[0]
    assert row.values["name"] == "Lucía"
    assert row.values["email"] == "lucia@example.es"
    assert row.values["phone"] == "612 345 678"
    assert row.extra == {"Favourite colour": "green"}
    # The bot adds its missing column at the end and never touches the unknown one.
    report = backend(path).apply(Plan(writes=(CellWrite("Customers", "C-0009", "problems", "x"),)))
    assert report.cells_written == 1
    sheet = openpyxl.load_workbook(path)["Clientes"]
    assert [c.value for c in sheet[1]] == [
        "Teléfono",
        "Favourite colour",
        "NOMBRE",
        "Correo electrónico",
        "id",
        "Problems",
    ]
    assert [c.value for c in sheet[2]] == [
        "612 345 678",
        "green",
        "Lucía",
        "lucia@example.es",
        "C-0009",
        "x",
    ]


def test_duplicate_header_names_the_column_and_spares_other_tabs(tmp_path: Path) -> None:
    path = hand_made(
        tmp_path / "dup.xlsx",
        {
            "Customers": [["ID", "Name", "Email", "E-mail"], ["C-0001", "Ana", "a@x.es", "b@x.es"]],
            "Deals": [["ID", "Customer ID", "Stage"], ["D-0001", "C-0001", "Lead"]],
        },
    )
    snapshot = backend(path).read()
    assert not snapshot.readable("Customers")
    messages = [i.message for i in snapshot.tab_issues if i.tab == "Customers"]
    assert messages == [
        "Customers: column 'Email' appears twice in the header row (column C "
        "'Email' and column D 'E-mail'). Rename or delete one of them."
    ]
    assert snapshot.tab("Deals")[0].values["stage"] == "Lead"
    report = backend(path).apply(
        Plan(
            writes=(
                CellWrite("Customers", "C-0001", "problems", "x"),
                CellWrite("Deals", "D-0001", "problems", "y"),
            )
        )
    )
    assert report.cells_written == 1
    assert "Customers" in report.skipped[0].reason


def test_blank_header_over_data_is_reported_with_its_column(tmp_path: Path) -> None:
    path = hand_made(
        tmp_path / "blank.xlsx",
        {
            "Customers": [["ID", "Name", None, "Email"], ["C-0001", "Ana", "secret", "a@x.es"]],
        },
    )
    snapshot = backend(path).read()
    assert snapshot.tab("Customers")[0].values["email"] == "a@x.es"
    blank = [i for i in snapshot.tab_issues if i.code == "header.blank"]
    assert len(blank) == 1 and "column C holds data but has no header" in blank[0].message
    missing = {i.tab for i in snapshot.tab_issues if i.code == "tab.missing"}
    assert "Deals" in missing and "Customers" not in missing


def test_new_ids_go_to_their_own_row_even_after_rows_moved(workbook: Path) -> None:
    append_rows(workbook, SCHEMA, {"Customers": [{"name": "Ana"}, {"name": "Bea"}]})
    snapshot = backend(workbook).read()
    tab = SCHEMA.tab("Customers")
    ana, bea = snapshot.tab("Customers")
    plan = Plan(
        id_assignments=(
            IdAssignment("Customers", ana.number, row_fingerprint(tab, ana), "C-0001"),
            IdAssignment("Customers", bea.number, row_fingerprint(tab, bea), "C-0002"),
        )
    )
    # Someone sorts the sheet (Bea first) and retypes Ana's name before the bot writes.
    book = openpyxl.load_workbook(workbook)
    sheet = book["Customers"]
    sheet["B2"], sheet["B3"] = "Bea", "Ana María"
    book.save(workbook)
    report = backend(workbook).apply(plan)
    assert report.ids_assigned == 1
    assert "changed or moved" in report.skipped[0].reason
    rows = {r.values["name"]: r.row_id for r in backend(workbook).read().tab("Customers")}
    assert rows == {"Bea": "C-0002", "Ana María": None}


def test_appends_go_after_the_last_real_row_and_create_log_tabs(tmp_path: Path) -> None:
    path = hand_made(tmp_path / "logs.xlsx", {"Customers": [["ID", "Name"]]})
    book = openpyxl.load_workbook(path)
    book["Customers"]["A500"].number_format = "0.00"  # formatting alone is not a row
    book.save(path)
    report = backend(path).apply(
        Plan(
            appends=(
                Append(
                    "Stage history",
                    {"time": datetime(2026, 11, 1, 10, 0), "deal_id": "D-0001", "to": "Lead"},
                ),
                Append(
                    "Stage history",
                    {
                        "time": datetime(2026, 11, 2, 10, 0),
                        "deal_id": "D-0001",
                        "from": "Lead",
                        "to": "Won",
                    },
                ),
            )
        )
    )
    assert report.rows_appended == 2
    rows = backend(path).read().tab("Stage history")
    assert [(r.number, r.values["from"], r.values["to"]) for r in rows] == [
        (2, None, "Lead"),
        (3, "Lead", "Won"),
    ]


def test_missing_file_and_not_an_xlsx_give_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(WorkbookError, match=r"no such workbook\. Create one with `sheetcrm init"):
        backend(tmp_path / "nope.xlsx").read()
    fake = tmp_path / "fake.xlsx"
    fake.write_text("Name,Email\nAna,a@x.es\n", encoding="utf-8")
    with pytest.raises(WorkbookError, match=r"not a readable \.xlsx workbook"):
        backend(fake).read()


def test_open_elsewhere_or_read_only_writes_nothing(workbook: Path) -> None:
    append_rows(workbook, SCHEMA, {"Customers": [{"id": "C-0001", "name": "Ana"}]})
    plan = Plan(writes=(CellWrite("Customers", "C-0001", "problems", "x"),))
    before = workbook.read_bytes()
    lock = workbook.with_name("~$" + workbook.name)
    lock.write_bytes(b"")
    with pytest.raises(WorkbookError, match="open in another program"):
        backend(workbook).apply(plan)
    lock.unlink()
    os.chmod(workbook, 0o444)
    try:
        with pytest.raises(WorkbookError, match="read-only"):
            backend(workbook).apply(plan)
    finally:
        os.chmod(workbook, 0o644)
    assert workbook.read_bytes() == before


def test_a_failed_save_leaves_the_workbook_whole(
    workbook: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    append_rows(workbook, SCHEMA, {"Customers": [{"id": "C-0001", "name": "Ana"}]})
    before = workbook.read_bytes()

    def crash(filename: object) -> None:
        with open(str(filename), "wb") as half:
            half.write(b"PK half a zip")
        raise OSError("disk full")

    # The disk fills up whichever way the file is written: only the touched worksheets
    # rewritten (Path.write_bytes), or openpyxl's whole save.
    monkeypatch.setattr(Workbook, "save", lambda self, filename: crash(filename))
    monkeypatch.setattr(Path, "write_bytes", lambda self, data: crash(self))
    with pytest.raises(OSError, match="disk full"):
        backend(workbook).apply(Plan(writes=(CellWrite("Customers", "C-0001", "problems", "x"),)))
    assert workbook.read_bytes() == before
    assert sorted(p.name for p in workbook.parent.iterdir()) == [workbook.name]


def test_init_lays_out_every_tab_for_people(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "new.xlsx"
    assert main(["init", "--workbook", str(path)]) == 0
    assert "Created" in capsys.readouterr().out
    book = openpyxl.load_workbook(path)
    for tab in SCHEMA.tabs:
        sheet = book[tab.name]
        headers = [c.value for c in sheet[1]]
        assert headers == [c.header for c in tab.columns]
        assert sheet.freeze_panes == "A2"
        assert all(c.font.bold for c in sheet[1])
        for index, column in enumerate(tab.columns):
            shaded = sheet.cell(row=1, column=index + 1).fill.fill_type == "solid"
            assert shaded == column.bot_owned, f"{tab.name}/{column.header}"
    deals = book["Deals"]
    validated = {str(r) for v in deals.data_validations.dataValidation for r in v.sqref.ranges}
    stage = [c.header for c in SCHEMA.tab("Deals").columns].index("Stage")
    stage_letter = chr(ord("A") + stage)
    assert f"{stage_letter}2:{stage_letter}10000" in validated
    # Dropdown values live in a hidden tab; the team's Lists tab is visible.
    assert book["SheetCRM_lists"].sheet_state == "hidden"
    assert book["Lists"].sheet_state == "visible"
    # The settings a new workbook starts with are readable and complete.
    snapshot = backend(path).read()
    assert snapshot.settings.daily_send_cap == 450
    assert not [i for i in snapshot.tab_issues if i.code != "tab.missing"]


def test_a_new_workbook_is_readable_by_others_like_any_new_file(tmp_path: Path) -> None:
    path = tmp_path / "shared.xlsx"
    old = os.umask(0o022)
    try:
        create_workbook(path, SCHEMA)
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644


def test_init_keeps_an_existing_workbook_and_only_force_replaces_it(
    workbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    append_rows(workbook, SCHEMA, {"Customers": [{"name": "Ana"}]})
    before = workbook.read_bytes()
    assert main(["init", "--workbook", str(workbook)]) == 0
    assert "already set up for SheetCRM: nothing to add" in capsys.readouterr().out
    assert workbook.read_bytes() == before
    assert backend(workbook).read().tab("Customers")[0].values["name"] == "Ana"
    assert main(["init", "--workbook", str(workbook), "--force"]) == 0
    assert backend(workbook).read().tab("Customers") == ()


def test_bad_settings_keep_defaults_and_name_the_row(tmp_path: Path) -> None:
    path = hand_made(
        tmp_path / "settings.xlsx",
        {
            "Settings": [
                ["Key", "Value"],
                ["Time zone", "Mars/Olympus"],
                ["Daily send cap", "lots"],
                ["Language", "es"],
                ["SLA Proposal days", "3"],
            ]
        },
    )
    snapshot = backend(path).read()
    assert snapshot.settings.time_zone == "UTC"
    assert snapshot.settings.daily_send_cap == 450
    assert snapshot.settings.language == "es"
    assert snapshot.settings.stage_sla_days["Proposal"] == 3
    messages = [i.message for i in snapshot.tab_issues if i.code == "setting.invalid"]
    assert messages == [
        "Settings row 2, Time zone: 'Mars/Olympus' is not a time zone name (e.g. Europe/Madrid); "
        "using UTC.",
        "Settings row 3, Daily send cap: 'lots' is not a whole number of 0 or more; using 450.",
    ]


def test_column_types_cover_what_the_schema_declares() -> None:
    # Guard for the round-trip test above: if a new type appears, it needs a case there.
    assert {c.type for t in SCHEMA.tabs for c in t.columns} == set(ColumnType)


def test_reading_some_tabs_reads_those_and_settings_only(tmp_path: Path) -> None:
    path = hand_made(
        tmp_path / "crm.xlsx",
        {
            "Customers": [["ID", "Name"], ["C-0001", "Ana"]],
            "Interactions": [["ID", "Date", "Customer ID"], ["I-0001", "soon", "C-0001"]],
            "Settings": [["Key", "Value"], ["Date order", "MDY"]],
        },
    )

    snapshot = backend(path).read(tabs=["Customers"])

    assert [r.values["name"] for r in snapshot.tab("Customers")] == ["Ana"]
    assert snapshot.settings.date_order == "MDY"  # Settings always comes along
    assert not snapshot.readable("Interactions")  # present in the file, not asked for
    # Deals is missing from the file but was not asked for: no complaint about it.
    assert [i.tab for i in snapshot.tab_issues if i.code == "tab.missing"] == []
    everything = backend(path).read()
    assert {i.tab for i in everything.tab_issues if i.code == "tab.missing"} >= {"Deals"}
    with pytest.raises(ValueError, match="Custmers"):
        backend(path).read(tabs=["Custmers"])


def test_copies_left_by_a_save_that_was_killed_are_removed_by_the_next_run(
    workbook: Path,
) -> None:
    folder = workbook.parent
    # A bot process killed while saving: its copy carries its (now finished) process id.
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    killed = folder / f".{workbook.stem}.sheetcrm-{gone.stdout.strip()}-k1ll3d.xlsx"
    # A bot still saving, in another process that is alive (the test runner's parent).
    saving = folder / f".{workbook.stem}.sheetcrm-{os.getppid()}-s4v1ng.xlsx"
    # An older version's copy, two hours old, and one being written right now.
    old = folder / f".{workbook.stem}.ab12cd34.xlsx"
    fresh = folder / f".{workbook.stem}.zz98yy76.xlsx"
    # Files of people and other programs, whatever they look like.
    theirs = [folder / f".{workbook.stem}.backup.xlsx", folder / "~$crm.xlsx.bak"]
    for path in (killed, saving, old, fresh, *theirs):
        path.write_bytes(b"PK half a zip")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    append_rows(workbook, SCHEMA, {"Customers": [{"id": "C-0001", "name": "Ana"}]})

    backend(workbook).apply(Plan(writes=(CellWrite("Customers", "C-0001", "problems", "x"),)))

    left = sorted(p.name for p in folder.iterdir())
    assert left == sorted([workbook.name, saving.name, fresh.name, *(p.name for p in theirs)])
    assert backend(workbook).read().by_id("Customers")["C-0001"].text("problems") == "x"
