"""`sheetcrm import` as a new user tries it: `sheetcrm init`, then real exports of other tools.

The files are the shared datasets (../shared/datasets), read here with pandas to compute what the
import must say and write; the workbook is made by `sheetcrm init` and changed with openpyxl, as a
person would in Excel.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from automations.cli import main
from sheet_schema.backends.xlsx import XlsxBackend
from sheet_schema.schema import fold
from tests.fixtures_rules import SCHEMA, shared_dataset

ODOO_MAP = [
    *("--map", "contact_name=Name"),
    *("--map", "name="),  # their lead title, kept as their own column
    *("--map", "country_id=Country"),
    *("--map", "source_name=Source"),
]


def _dataset(*parts: str) -> Path:
    path = shared_dataset(*parts)
    if path is None:
        pytest.skip(f"../shared/datasets is absent: no {'/'.join(parts)}")
    return path


def _init(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "crm.xlsx"
    assert main(["init", "--workbook", str(path)]) == 0
    capsys.readouterr()
    return path


def _header(path: Path, tab: str) -> list[str]:
    sheet = load_workbook(path)[tab]
    return [str(c.value) for c in sheet[1] if c.value is not None]


def _rename_header(path: Path, tab: str, old: str, new: str) -> None:
    book = load_workbook(path)
    sheet = book[tab]
    cell = next(c for c in sheet[1] if c.value == old)
    cell.value = new
    book.save(path)


def test_their_column_named_like_ours_is_kept_apart_and_found_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    odoo_csv = _dataset("odoo_crm_demo_leads", "crm_lead_demo.csv")
    odoo = pd.read_csv(odoo_csv, dtype=str, keep_default_na=False)
    path = _init(tmp_path, capsys)
    args = ["import", str(odoo_csv), "--tab", "Customers", "--workbook", str(path), *ODOO_MAP]

    assert main(args) == 0
    out = capsys.readouterr().out
    assert "'name' kept as 'name (imported)': Customers has a column 'Name' already" in out
    header = _header(path, "Customers")
    assert [fold(h) for h in header].count("name") == 1
    assert header.count("name (imported)") == 1

    # The bot's next cycle reads the tab whole: nothing held back, no column named twice.
    assert main(["run", "--workbook", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Held back" not in out and "appears twice" not in out
    customers = XlsxBackend(path, SCHEMA).read().tab("Customers")
    named = odoo[odoo["contact_name"].str.strip() != ""]
    pairs = set(zip(named["contact_name"], named["name"], strict=True))
    assert {(c.text("name"), c.extra["name (imported)"]) for c in customers} <= pairs
    # Every contact's first lead title is there, under their name, beside ours.
    firsts = named.drop_duplicates("contact_name")
    got = {c.text("name"): c.extra["name (imported)"] for c in customers}
    assert {n: got[n] for n in firsts["contact_name"]} == dict(
        zip(firsts["contact_name"], firsts["name"], strict=True)
    )

    # The same file again: the column is found again, nothing is added twice.
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "0 to add, 0 to merge into a duplicate" in out and "Nothing to write." in out
    assert _header(path, "Customers") == header
    assert len(XlsxBackend(path, SCHEMA).read().tab("Customers")) == len(customers)


def test_a_tab_naming_a_column_twice_says_which_and_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    odoo_csv = _dataset("odoo_crm_demo_leads", "crm_lead_demo.csv")
    path = _init(tmp_path, capsys)
    args = ["import", str(odoo_csv), "--tab", "Customers", "--workbook", str(path), *ODOO_MAP]
    assert main(args) == 0
    capsys.readouterr()
    added = len(XlsxBackend(path, SCHEMA).read().tab("Customers"))
    # What an earlier version wrote: their column under our header's name.
    _rename_header(path, "Customers", "name (imported)", "name")
    before = path.read_bytes()

    assert main(args) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err
    assert err.endswith(".\n"), err
    assert "Customers: column 'Name' appears twice in the header row (column B 'Name' and " in err
    assert "'name'). Rename or delete one of them." in err
    assert "rename it so, and importing the same file again adds nothing twice" in err
    assert "Nothing was imported into Customers" in err
    assert path.read_bytes() == before

    # Renamed as the message says, the same file adds nothing.
    _rename_header(path, "Customers", "name", "name (imported)")
    assert main(args) == 0
    assert "Nothing to write." in capsys.readouterr().out
    assert len(XlsxBackend(path, SCHEMA).read().tab("Customers")) == added


def _lines_of_file(leads: pd.DataFrame, mask: pd.Series) -> list[int]:
    """File line numbers of the rows a mask selects (line 1 is the header)."""
    return [int(i) + 2 for i in leads.index[mask]]


def test_leads_without_a_name_column_say_so_once_and_which_column_to_map(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    leads_csv = _dataset("x_education_leads", "Leads.csv")
    leads = pd.read_csv(leads_csv, dtype=str, keep_default_na=False)
    path = _init(tmp_path, capsys)
    args = ["import", str(leads_csv), "--tab", "Customers", "--workbook", str(path)]

    assert main([*args, "--dry-run"]) == 0
    out = capsys.readouterr().out
    first = ", ".join(str(n) for n in range(2, 7))
    assert (
        f"  rejected: required Name empty ({len(leads):,} rows: lines {first}, ...)"
        in out.splitlines()
    )
    assert "line 2: rejected" not in out
    assert len(out.splitlines()) < 40
    hint = next(line for line in out.splitlines() if "none of your columns" in line)
    assert hint.startswith(
        "Name is empty in every row: none of your columns was recognised as Name; "
        "map one with --map 'Their column=Name' (your columns: 'Prospect ID', 'Lead Number', "
    )
    assert "'Country'" not in hint  # mapped to our Country already

    # One value in one row: "1 row: line N", not "1 rows: lines N".
    mapped = [*args, "--map", "Prospect ID=Name", "--dry-run"]
    assert main(mapped) == 0
    out = capsys.readouterr().out
    line = _lines_of_file(leads, leads["Lead Source"] == "blog")
    assert len(line) == 1
    assert (
        "Source: 'blog' is not one of Website, Referral, Google Ads, Facebook, Instagram, "
        "Email, Event, Cold call, Partner, Walk-in or Other. "
    ) in out
    assert f"(1 row: line {line[0]})" in out
    assert "1 rows" not in out and "none of your columns" not in out


def test_values_read_as_another_are_listed_and_a_bare_google_stays_as_typed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    leads_csv = _dataset("x_education_leads", "Leads.csv")
    leads = pd.read_csv(leads_csv, dtype=str, keep_default_na=False)
    path = _init(tmp_path, capsys)
    args = ["import", str(leads_csv), "--tab", "Customers", "--workbook", str(path)]
    args += ["--map", "Prospect ID=Name"]
    source = leads["Lead Source"]
    organic = int((source.str.casefold() == "organic search").sum())
    google = int((source == "Google").sum())

    for dry_run in (["--dry-run"], []):  # the dry run, then the import's own summary
        assert main([*args, *dry_run]) == 0
        out = capsys.readouterr().out
        assert f"  Source: 'Organic Search' ({organic:,} rows) read as 'Website'" in out
        # Organic or paid? A bare "Google" is kept as typed, shown as not in the list.
        assert "'Google Ads'" not in out
        assert (
            "  Source: 'Google' is not one of Website, Referral, Google Ads, Facebook, "
            "Instagram, Email, Event, Cold call, Partner, Walk-in or Other. Did you mean "
            f"Google Ads? ({google:,} rows: lines "
        ) in out
    customers = XlsxBackend(path, SCHEMA).read().tab("Customers")
    written = pd.Series([c.text("source") for c in customers])
    assert int((written == "Website").sum()) == organic
    assert int((written == "Google").sum()) == google
    assert int((written == "Google Ads").sum()) == 0


def test_maven_stages_read_as_the_teams_stages_are_listed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    accounts_csv = _dataset("maven_crm_sales_opportunities", "accounts.csv")
    pipeline_csv = _dataset("maven_crm_sales_opportunities", "sales_pipeline.csv")
    accounts = pd.read_csv(accounts_csv, dtype=str, keep_default_na=False)
    pipeline = pd.read_csv(pipeline_csv, dtype=str, keep_default_na=False)
    path = _init(tmp_path, capsys)
    workbook = ["--workbook", str(path)]
    assert main(["import", str(accounts_csv), "--tab", "Customers", *workbook]) == 0
    capsys.readouterr()

    assert main(["import", str(pipeline_csv), "--tab", "Deals", *workbook, "--dry-run"]) == 0
    out = capsys.readouterr().out
    added = pipeline[pipeline["account"].isin(accounts["account"])].drop_duplicates()
    stages = added["deal_stage"].value_counts()
    assert f"  Stage: 'Prospecting' ({stages['Prospecting']:,} rows) read as 'Lead'" in out
    assert f"  Stage: 'Engaging' ({stages['Engaging']:,} rows) read as 'Qualified'" in out
    assert "'Won' (" not in out  # the team's own spelling is no reading
