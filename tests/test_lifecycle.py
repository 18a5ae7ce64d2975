"""Lifecycle stages with their reasons, and RFM segments, with a fixed clock."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from automations.rules.segments import PurchaseRecord, rfm_scores, segments
from tests.fixtures_rules import TODAY, apply_to_records, plan_for, writes_of


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def at(days: int) -> datetime:
    day = ago(days)
    return datetime(day.year, day.month, day.day, 11, 0)


def lifecycle_of(
    records: dict[str, list[dict[str, object]]], **settings: str
) -> dict[str, tuple[object, object]]:
    plan, _ = plan_for(records, settings or None)
    stages = writes_of(plan, "Customers", "lifecycle")
    reasons = writes_of(plan, "Customers", "lifecycle_reason")
    return {cid: (stages.get(cid), reasons.get(cid)) for cid in stages}


def test_each_lifecycle_stage_with_its_reason() -> None:
    customers = [
        {"id": f"C-000{n}", "name": name, "created": ago(700)}
        for n, name in enumerate(
            ["Lead", "New", "Active", "Dormant", "Churned", "Lost", "Buyer"], 1
        )
    ]
    customers[1]["created"] = None
    records = {
        "Customers": customers,
        "Deals": [
            {"id": "D-0001", "customer_id": "C-0001", "stage": "Proposal", "created": ago(200)},
            {"id": "D-0003", "customer_id": "C-0003", "stage": "Won", "closed": ago(20)},
            {"id": "D-0004", "customer_id": "C-0004", "stage": "Won", "closed": ago(150)},
            {"id": "D-0005", "customer_id": "C-0005", "stage": "Won", "closed": ago(500)},
            {"id": "D-0006", "customer_id": "C-0006", "stage": "Lost", "closed": ago(5)},
            {"id": "D-0007", "customer_id": "C-0006", "stage": "Lost", "closed": ago(50)},
        ],
        "Interactions": [
            {"date": at(100), "customer_id": "C-0004", "kind": "Call"},
            {"date": at(3), "customer_id": "C-0007", "kind": "Purchase", "amount": 40},
        ],
    }
    assert lifecycle_of(records) == {
        "C-0001": ("Lead", "No purchase yet; open deal D-0001."),
        "C-0002": ("Lead", "No purchase, deal or contact recorded yet."),
        "C-0003": ("Active", f"Bought before; last purchase or contact on {ago(20)}."),
        "C-0004": ("Dormant", f"No purchase or contact since {ago(100)} (more than 90 days)."),
        "C-0005": ("Churned", f"No purchase or contact since {ago(500)} (more than 365 days)."),
        "C-0006": ("Lost", "Every deal was lost (2) and nothing was bought."),
        "C-0007": ("Active", f"Bought before; last purchase or contact on {ago(3)}."),
    }


def test_thresholds_come_from_settings_and_reasons_follow_the_language() -> None:
    records = {
        "Customers": [{"id": "C-0001", "name": "Ana", "created": ago(700)}],
        "Deals": [{"id": "D-0001", "customer_id": "C-0001", "stage": "Won", "closed": ago(40)}],
    }
    assert lifecycle_of(records)["C-0001"][0] == "Active"
    found = lifecycle_of(records, **{"Dormant after days": "30", "Language": "el"})
    assert found["C-0001"] == (
        "Dormant",
        f"Καμία αγορά ή επαφή από τις {ago(40)} (πάνω από 30 ημέρες).",
    )


def test_a_customer_who_never_bought_stays_a_lead_however_quiet() -> None:
    base = {"Customers": [{"id": "C-0001", "name": "Ana", "created": ago(50)}]}
    assert lifecycle_of(base)["C-0001"][0] == "Lead"
    base["Customers"][0]["created"] = ago(120)
    assert lifecycle_of(base)["C-0001"] == (
        "Lead",
        f"No purchase yet; last contact or new record on {ago(120)}.",
    )
    base["Customers"][0]["created"] = ago(800)
    assert lifecycle_of(base)["C-0001"][0] == "Lead"


def test_twenty_freshly_typed_customers_who_never_bought_are_none_churned() -> None:
    # Typed the way a person imports an old list: Created dates spread over five years, a few
    # calls, no purchase at all. None of them can have stopped buying.
    customers = [
        {"id": f"C-{n:04d}", "name": f"Person {n}", "created": ago(90 * n)} for n in range(1, 21)
    ]
    calls = [{"date": at(400), "customer_id": "C-0003", "kind": "Call"}]
    found = lifecycle_of({"Customers": customers, "Interactions": calls})
    assert len(found) == 20
    assert {stage for stage, _ in found.values()} == {"Lead"}


def test_rfm_scores_rank_customers_into_named_segments() -> None:
    purchases = []
    # Ten customers: C1 bought often, a lot, recently; C10 once, little, long ago.
    for n in range(1, 11):
        for k in range(11 - n):
            purchases.append(PurchaseRecord(f"C{n}", ago(n * 30 + k), Decimal(100 * (11 - n))))
    scores = rfm_scores(purchases, TODAY)
    assert list(scores.loc["C1", ["r", "f", "m"]]) == [5, 5, 5]
    assert list(scores.loc["C10", ["r", "f", "m"]]) == [1, 1, 1]
    named = segments(purchases, TODAY)
    assert named["C1"] == "Champions"
    assert named["C10"] == "Lost"
    # Recent but small and rare is New; long ago but big and frequent is Can't lose.
    mixed = [
        *purchases,
        PurchaseRecord("fresh", TODAY, Decimal(1)),
        *[PurchaseRecord("whale", ago(800 + k), Decimal(100000)) for k in range(12)],
    ]
    named = segments(mixed, TODAY)
    assert named["fresh"] == "New"
    assert named["whale"] == "Can't lose"


def test_equal_customers_get_equal_scores_whatever_the_order() -> None:
    purchases = [PurchaseRecord(f"C{n}", ago(10), Decimal(50)) for n in range(7)]
    forward = segments(purchases, TODAY)
    backward = segments(list(reversed(purchases)), TODAY)
    assert forward == backward
    assert len(set(forward.values())) == 1


def test_segments_written_from_won_deals_and_purchases_and_steady_state_is_quiet() -> None:
    customers = [{"id": f"C-{n:04d}", "name": f"N{n}", "created": ago(900)} for n in range(1, 21)]
    deals = [
        {
            "id": f"D-{n:04d}",
            "customer_id": f"C-{n:04d}",
            "stage": "Won",
            "closed": ago(n * 20),
            "value": 1000 * n,
        }
        for n in range(1, 16)
    ]
    interactions = [
        {"date": at(n), "customer_id": "C-0001", "kind": "Purchase", "amount": 5000}
        for n in range(1, 6)
    ]
    records = {"Customers": customers, "Deals": deals, "Interactions": interactions}
    plan, _ = plan_for(records)
    segment = writes_of(plan, "Customers", "segment")
    assert segment["C-0001"] == "Champions"
    assert segment["C-0015"] in {"Can't lose", "At risk"}
    assert all(f"C-{n:04d}" not in segment for n in range(16, 21))  # never bought: no segment
    again, _ = plan_for(apply_to_records(records, plan))
    assert writes_of(again, "Customers") == {}


def test_missing_dates_and_values_do_not_tie_everyone_into_one_segment() -> None:
    # Imported won deals often have no Closed date and no Value: 8 customers, bought 1..8 times,
    # nothing dated, nothing valued. Frequency still tells them apart.
    purchases = [PurchaseRecord(f"C{n}", None, None) for n in range(1, 9) for _ in range(n)]
    named = segments(purchases, TODAY)
    assert len(set(named.values())) > 1
    scores = rfm_scores(purchases, TODAY)
    assert set(scores["r"]) == {1}  # undated: the lowest recency, never a shared middle
    assert scores.loc["C8", "m"] == scores.loc["C8", "f"] == 5
    # A customer with a known amount is ranked among those with amounts only.
    mixed = [*purchases, PurchaseRecord("C9", ago(3), Decimal(10))]
    mixed_scores = rfm_scores(mixed, TODAY)
    assert mixed_scores.loc["C9", "r"] == 5
    assert mixed_scores.loc["C1", "r"] == 1
