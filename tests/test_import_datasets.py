"""Importing real exports of other tools (../shared/datasets): counts checked against the files.

The expected numbers (rows added, merged, rejected) are computed here from the files themselves
with pandas, independently of the importer.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from automations.intake.command import ImportRun, run_import
from automations.intake.importing import ImportPlan
from sheet_schema.backends.xlsx import XlsxBackend
from sheet_schema.backends.xlsx_init import create_workbook
from sheet_schema.schema import Schema, load_schema
from tests.fixtures_rules import shared_dataset

SCHEMA: Schema = load_schema()


def _dataset(*parts: str) -> Path:
    path = shared_dataset(*parts)
    if path is None:
        pytest.skip(f"../shared/datasets is absent: no {'/'.join(parts)}")
    return path


@pytest.fixture
def workbook(tmp_path: Path) -> XlsxBackend:
    path = tmp_path / "crm.xlsx"
    create_workbook(path, SCHEMA)
    return XlsxBackend(path, SCHEMA)


def _planned(done: ImportRun) -> ImportPlan:
    assert done.planned is not None, done.lines
    return done.planned


def _counts(done: ImportRun) -> dict[str, int]:
    return dict(_planned(done).counts)


def test_maven_accounts_then_pipeline_naming_accounts(workbook: XlsxBackend) -> None:
    accounts_csv = _dataset("maven_crm_sales_opportunities", "accounts.csv")
    pipeline_csv = _dataset("maven_crm_sales_opportunities", "sales_pipeline.csv")
    accounts = pd.read_csv(accounts_csv, dtype=str, keep_default_na=False)
    pipeline = pd.read_csv(pipeline_csv, dtype=str, keep_default_na=False)

    done = run_import(workbook, SCHEMA, accounts_csv, "Customers")
    assert _counts(done) == {
        "added": accounts["account"].nunique(),
        "merged": 0,
        "already there": len(accounts) - accounts["account"].nunique(),
        "rejected": 0,
    }
    ids = {r.text("name"): r.row_id for r in workbook.read().tab("Customers")}
    assert sorted(ids) == sorted(accounts["account"])

    # A deal names its account; a deal without one cannot be placed and is rejected.
    no_account = pipeline["account"].str.strip() == ""
    unknown = ~no_account & ~pipeline["account"].isin(accounts["account"])
    kept = pipeline[~no_account & ~unknown]
    done = run_import(workbook, SCHEMA, pipeline_csv, "Deals")
    assert _counts(done) == {
        "added": len(kept.drop_duplicates()),
        "merged": 0,
        "already there": len(kept) - len(kept.drop_duplicates()),
        "rejected": int(no_account.sum() + unknown.sum()),
    }
    reasons = {o.reason for o in _planned(done).outcomes if o.kind == "rejected"}
    assert reasons == {"required Customer ID empty"}
    deals = workbook.read().tab("Deals")
    expected = dict(zip(kept["opportunity_id"], kept["account"], strict=True))
    got = {d.extra["opportunity_id"]: d.text("customer_id") for d in deals}
    assert got == {opportunity: ids[account] for opportunity, account in expected.items()}
    won = {d.extra["opportunity_id"] for d in deals if d.get("stage") == "Won"}
    assert won == set(kept.loc[kept["deal_stage"] == "Won", "opportunity_id"])

    again = run_import(workbook, SCHEMA, pipeline_csv, "Deals")
    assert (again.rows_appended, _counts(again)["added"]) == (0, 0)


def test_x_education_leads_with_a_column_mapped_by_hand(workbook: XlsxBackend) -> None:
    leads_csv = _dataset("x_education_leads", "Leads.csv")
    leads = pd.read_csv(leads_csv, dtype=str, keep_default_na=False)
    # The leads have no names: the person maps the prospect's ID to Name.
    mapping = ["Prospect ID=Name"]
    done = run_import(workbook, SCHEMA, leads_csv, "Customers", mapping)
    assert _counts(done) == {"added": len(leads), "merged": 0, "already there": 0, "rejected": 0}
    assert done.rows_appended == len(leads)
    customers = workbook.read().tab("Customers")
    assert len(customers) == len(leads)
    unsubscribed = sum(1 for c in customers if c.get("unsubscribed") is True)
    assert unsubscribed == int((leads["Do Not Email"] == "Yes").sum())
    assert customers[0].extra["Lead Number"] == leads["Lead Number"].iloc[0]
    # A source that is not one of the team's (e.g. "Olark Chat") is kept as typed and flagged.
    flagged = [o.line for o in _planned(done).outcomes if ("Source", "Olark Chat") in o.flags]
    assert len(flagged) == int((leads["Lead Source"] == "Olark Chat").sum())

    again = run_import(workbook, SCHEMA, leads_csv, "Customers", mapping)
    assert _counts(again) == {"added": 0, "merged": 0, "already there": len(leads), "rejected": 0}


def test_odoo_leads_merge_by_email_and_reject_rows_without_a_contact(
    workbook: XlsxBackend,
) -> None:
    odoo_csv = _dataset("odoo_crm_demo_leads", "crm_lead_demo.csv")
    odoo = pd.read_csv(odoo_csv, dtype=str, keep_default_na=False)
    mapping = ["contact_name=Name", "name=Notes"]
    done = run_import(workbook, SCHEMA, odoo_csv, "Customers", mapping)

    rejected = odoo["contact_name"].str.strip() == ""
    kept = odoo[~rejected].copy()
    kept["key"] = kept["email_from"].str.strip().str.casefold()
    with_email = kept[kept["key"] != ""]
    without_email = kept[kept["key"] == ""].drop_duplicates()
    added = with_email["key"].nunique() + len(without_email)
    counts = _counts(done)
    assert counts["rejected"] == int(rejected.sum())
    assert counts["added"] == added
    assert counts["merged"] + counts["already there"] == len(kept) - added

    customers = workbook.read().tab("Customers")
    assert len(customers) == added
    by_email = {c.text("email").strip().casefold(): c for c in customers if c.text("email")}
    for key, group in with_email.groupby("key", sort=False):
        row = by_email[str(key)]
        for column, ours in (
            ("phone", "phone"),
            ("partner_name", "company"),
            ("contact_name", "name"),
        ):
            filled = [v for v in group[column] if v.strip()]
            # The first row's value stays; a later duplicate only fills what was empty.
            assert row.text(ours) == (filled[0] if filled else ""), (key, column)

    again = run_import(workbook, SCHEMA, odoo_csv, "Customers", mapping)
    assert _counts(again)["added"] == 0 and again.rows_appended == 0 and again.cells_filled == 0
