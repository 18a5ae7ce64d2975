"""Stage history: one appended row per stage change, Stage since on the deal."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sheet_schema.reading import build_snapshot
from tests.fixtures_rules import (
    NOW,
    SCHEMA,
    TODAY,
    apply_to_records,
    grids_for,
    plan_for,
    writes_of,
)

CUSTOMERS = [{"id": "C-0001", "name": "Ana"}]


def deal(stage: object, **more: object) -> dict[str, object]:
    return {"id": "D-0001", "customer_id": "C-0001", "stage": stage, "manager": "Bruno", **more}


def history_rows(plan: object) -> list[dict[str, object]]:
    return [dict(a.values) for a in plan.appends if a.tab == "Stage history"]  # type: ignore[attr-defined]


def test_first_sight_is_recorded_with_an_empty_from_and_local_time() -> None:
    plan, _ = plan_for({"Customers": CUSTOMERS, "Deals": [deal("Qualified")]})
    # 10:00 UTC on 4 November is 11:00 in Madrid (winter time).
    assert history_rows(plan) == [
        {
            "time": datetime(2026, 11, 4, 11, 0),
            "deal_id": "D-0001",
            "from": None,
            "to": "Qualified",
            "by": "Bruno",
        }
    ]
    assert writes_of(plan, "Deals", "stage_since") == {"D-0001": TODAY}


def test_each_change_is_appended_once_and_an_unchanged_deal_is_not() -> None:
    records = {"Customers": CUSTOMERS, "Deals": [deal("Lead")]}
    plan, _ = plan_for(records)
    records = apply_to_records(records, plan)
    plan, _ = plan_for(records)
    assert history_rows(plan) == []
    assert plan.writes == ()
    # The deal jumps from Lead straight to Won (typed "ganado"): one row, Lead -> Won.
    records["Deals"][0]["stage"] = "ganado"
    later = datetime(2026, 11, 20, 16, 30, tzinfo=UTC)
    plan, _ = plan_for(records, now=later)
    rows = history_rows(plan)
    assert [(r["from"], r["to"]) for r in rows] == [("Lead", "Won")]
    assert writes_of(plan, "Deals", "stage_since") == {"D-0001": date(2026, 11, 20)}


def test_a_lost_deal_records_the_stage_it_was_lost_at() -> None:
    records = {
        "Customers": CUSTOMERS,
        "Deals": [deal("Lost")],
        "Stage history": [
            {"time": datetime(2026, 10, 1, 9), "deal_id": "D-0001", "from": None, "to": "Lead"},
            {
                "time": datetime(2026, 10, 9, 9),
                "deal_id": "D-0001",
                "from": "Lead",
                "to": "Proposal",
            },
        ],
    }
    plan, _ = plan_for(records)
    assert [(r["from"], r["to"]) for r in history_rows(plan)] == [("Proposal", "Lost")]


def test_the_latest_row_by_time_counts_even_if_someone_sorted_the_tab() -> None:
    records = {
        "Customers": CUSTOMERS,
        "Deals": [deal("Negotiation", stage_since=date(2026, 10, 9))],
        "Stage history": [
            {
                "time": datetime(2026, 10, 9, 9),
                # Typed by hand: lower-case ID, the stage in Spanish.
                "deal_id": "d-0001",
                "from": "Proposal",
                "to": "negociación",
            },
            {"time": datetime(2026, 10, 1, 9), "deal_id": "D-0001", "from": None, "to": "Proposal"},
        ],
    }
    plan, _ = plan_for(records)
    assert history_rows(plan) == []
    assert writes_of(plan, "Deals", "stage_since") == {}


def test_empty_stage_since_is_restored_from_history_and_first_sight_keeps_a_typed_one() -> None:
    records = {
        "Customers": CUSTOMERS,
        "Deals": [deal("Proposal"), {**deal("Lead", stage_since=date(2026, 9, 1)), "id": "D-0002"}],
        "Stage history": [
            {
                "time": datetime(2026, 10, 9, 9),
                "deal_id": "D-0001",
                "from": "Lead",
                "to": "Proposal",
            }
        ],
    }
    plan, _ = plan_for(records)
    assert writes_of(plan, "Deals", "stage_since") == {"D-0001": date(2026, 10, 9)}
    assert [r["deal_id"] for r in history_rows(plan)] == ["D-0002"]


def test_unreadable_or_missing_stage_is_not_recorded() -> None:
    plan, _ = plan_for(
        {
            "Customers": CUSTOMERS,
            "Deals": [deal("Wonn"), {"id": "D-0002", "customer_id": "C-0001"}],
        }
    )
    assert history_rows(plan) == []


def test_an_unreadable_history_header_appends_nothing() -> None:
    # Two columns both called "Deal ID": the tab cannot be read, so re-recording every deal
    # each cycle must not happen.
    grids = grids_for({"Customers": CUSTOMERS, "Deals": [deal("Lead")]})
    grids["Stage history"] = [["Time", "Deal ID", "Deal ID", "From", "To", "By"]]
    snapshot = build_snapshot(SCHEMA, grids, NOW)
    assert not snapshot.readable("Stage history")
    from automations.rules.history import stage_history

    assert stage_history(SCHEMA, snapshot, NOW).appends == ()
    # A missing tab is created by the first append.
    del grids["Stage history"]
    snapshot = build_snapshot(SCHEMA, grids, NOW)
    assert len(stage_history(SCHEMA, snapshot, NOW).appends) == 1
