"""Follow-ups and reminders with a fixed clock, in the workbook's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime

from automations.rules.reminders import on_or_after
from tests.fixtures_rules import NOW, apply_to_records, plan_for, writes_of

ANA = {"id": "C-0001", "name": "Ana"}


def deal(
    stage: str = "Proposal", created: date | None = date(2026, 10, 1), **more: object
) -> dict[str, object]:
    return {"id": "D-0012", "customer_id": "C-0001", "stage": stage, "created": created, **more}


def call(
    day: date, deal_id: str | None = None, kind: str = "Call", **more: object
) -> dict[str, object]:
    when = datetime(day.year, day.month, day.day, 10, 0)
    return {"date": when, "customer_id": "C-0001", "deal_id": deal_id, "kind": kind, **more}


def test_follow_up_is_last_interaction_on_the_deal_plus_the_stage_sla() -> None:
    records = {
        "Customers": [ANA],
        "Deals": [deal()],
        "Interactions": [call(date(2026, 10, 20), "D-0012"), call(date(2026, 10, 30))],
    }
    plan, _ = plan_for(records)
    # The interaction on the deal counts, not the later one on the customer: 20 Oct + 7 days.
    assert writes_of(plan, "Deals", "follow_up_due") == {"D-0012": date(2026, 10, 27)}
    reminder = writes_of(plan, "Customers", "reminder")["C-0001"]
    assert reminder == (
        "Overdue follow-up: D-0012 in Proposal since 2026-10-01, follow-up due 2026-10-27"
    )
    assert writes_of(plan, "Customers", "next_action_date") == {"C-0001": date(2026, 10, 27)}
    assert writes_of(plan, "Customers", "last_contact") == {"C-0001": date(2026, 10, 30)}


def test_without_deal_interactions_the_customers_then_the_created_date_count() -> None:
    plan, _ = plan_for(
        {"Customers": [ANA], "Deals": [deal()], "Interactions": [call(date(2026, 11, 1))]}
    )
    assert writes_of(plan, "Deals", "follow_up_due") == {"D-0012": date(2026, 11, 8)}
    plan, _ = plan_for({"Customers": [ANA], "Deals": [deal(stage="Lead")]})
    assert writes_of(plan, "Deals", "follow_up_due") == {"D-0012": date(2026, 10, 3)}


def test_logging_an_interaction_resets_the_clock_and_clears_the_overdue_reminder() -> None:
    records = {
        "Customers": [ANA],
        "Deals": [deal()],
        "Interactions": [call(date(2026, 10, 20), "D-0012")],
    }
    plan, _ = plan_for(records)
    after = apply_to_records(records, plan)
    assert after["Customers"][0]["reminder"].startswith("Overdue follow-up: D-0012")
    after["Interactions"].append(call(date(2026, 11, 4), "D-0012"))
    plan, _ = plan_for(after)
    assert writes_of(plan, "Deals", "follow_up_due") == {"D-0012": date(2026, 11, 11)}
    assert writes_of(plan, "Customers", "reminder") == {"C-0001": ""}
    # Nothing else is due: the next action is the upcoming follow-up.
    assert writes_of(plan, "Customers", "next_action_date") == {"C-0001": date(2026, 11, 11)}


def test_closed_deals_have_no_follow_up_and_a_stale_date_is_cleared() -> None:
    plan, _ = plan_for(
        {"Customers": [ANA], "Deals": [deal(stage="Won", follow_up_due=date(2026, 10, 1))]}
    )
    assert writes_of(plan, "Deals", "follow_up_due") == {"D-0012": None}
    assert writes_of(plan, "Customers", "reminder") == {}


def test_sla_comes_from_settings() -> None:
    plan, _ = plan_for({"Customers": [ANA], "Deals": [deal()]}, {"SLA Proposal days": "30"})
    assert writes_of(plan, "Deals", "follow_up_due") == {"D-0012": date(2026, 10, 31)}


def test_a_reminder_due_late_in_the_local_evening_on_a_utc_server() -> None:
    # Follow-up due 10 July (Madrid). At 22:45 UTC on 10 July it is 00:45 on 11 July in Madrid:
    # already overdue there, while a UTC workbook is still on 10 July.
    records = {
        "Customers": [ANA],
        "Deals": [deal(stage="Lead", created=date(2026, 7, 8))],
    }
    late = datetime(2026, 7, 10, 22, 45, tzinfo=UTC)
    madrid, _ = plan_for(records, {"Time zone": "Europe/Madrid"}, now=late)
    assert writes_of(madrid, "Deals", "follow_up_due") == {"D-0012": date(2026, 7, 10)}
    assert writes_of(madrid, "Customers", "reminder") == {
        "C-0001": "Overdue follow-up: D-0012 in Lead since 2026-07-08, follow-up due 2026-07-10"
    }
    utc, _ = plan_for(records, {"Time zone": "UTC"}, now=late)
    assert writes_of(utc, "Customers", "reminder") == {}
    # An interaction typed at 00:30 local on 11 July is "today" in Madrid at that moment.
    records["Interactions"] = [
        {"date": datetime(2026, 7, 11, 0, 30), "customer_id": "C-0001", "kind": "Call"}
    ]
    madrid, _ = plan_for(records, {"Time zone": "Europe/Madrid"}, now=late)
    assert writes_of(madrid, "Customers", "last_contact") == {"C-0001": date(2026, 7, 11)}
    utc, _ = plan_for(records, {"Time zone": "UTC"}, now=late)
    assert writes_of(utc, "Customers", "last_contact") == {}  # still in the future in UTC


def test_birthdays_within_the_window_only_the_next_occurrence() -> None:
    customers = [
        {"id": "C-0001", "name": "Soon", "birthday": date(1980, 11, 9)},
        {"id": "C-0002", "name": "Today", "birthday": date(1990, 11, 4)},
        {"id": "C-0003", "name": "Yesterday", "birthday": date(1985, 11, 3)},
        {"id": "C-0004", "name": "Far", "birthday": date(1985, 11, 30)},
    ]
    plan, _ = plan_for({"Customers": customers})
    # A birthday that was yesterday is next year's: a first run never reminds of past years.
    assert writes_of(plan, "Customers", "reminder") == {
        "C-0001": "Birthday on 2026-11-09",
        "C-0002": "Birthday on 2026-11-04",
    }
    wide, _ = plan_for({"Customers": customers}, {"Reminder window days": "30"})
    assert writes_of(wide, "Customers", "reminder")["C-0004"] == "Birthday on 2026-11-30"
    assert "C-0003" not in writes_of(wide, "Customers", "reminder")


def test_29_february_birthdays_fall_on_28_february_in_common_years() -> None:
    leap = date(2000, 2, 29)
    assert on_or_after(leap, date(2027, 2, 20)) == date(2027, 2, 28)
    assert on_or_after(leap, date(2028, 2, 20)) == date(2028, 2, 29)
    assert on_or_after(leap, date(2027, 3, 1)) == date(2028, 2, 29)
    customers = [{"id": "C-0001", "name": "Leap", "birthday": leap}]
    common = datetime(2027, 2, 25, 9, tzinfo=UTC)
    plan, _ = plan_for({"Customers": customers}, now=common)
    assert writes_of(plan, "Customers", "reminder") == {"C-0001": "Birthday on 2027-02-28"}
    leap_year = datetime(2028, 2, 25, 9, tzinfo=UTC)
    plan, _ = plan_for({"Customers": customers}, now=leap_year)
    assert writes_of(plan, "Customers", "reminder") == {"C-0001": "Birthday on 2028-02-29"}


def test_purchase_anniversary_from_the_first_won_deal_or_purchase() -> None:
    records = {
        "Customers": [ANA, {"id": "C-0002", "name": "New buyer"}],
        "Deals": [
            {"id": "D-0001", "customer_id": "C-0001", "stage": "Won", "closed": date(2024, 11, 8)},
            {"id": "D-0002", "customer_id": "C-0002", "stage": "Won", "closed": date(2026, 11, 1)},
        ],
        "Interactions": [call(date(2025, 11, 6), kind="Purchase", amount=50)],
    }
    plan, _ = plan_for(records)
    reminders = writes_of(plan, "Customers", "reminder")
    assert reminders == {
        "C-0001": "Purchase anniversary on 2026-11-08 (first purchase 2024-11-08)"
    }  # the first purchase counts, not the later one; a purchase this week is no anniversary


def test_unanswered_complaint_and_the_earliest_reminder_wins() -> None:
    records = {
        "Customers": [{**ANA, "birthday": date(1990, 11, 6)}],
        "Interactions": [
            call(date(2026, 11, 2), kind="Complaint"),
            call(date(2026, 10, 2), kind="Complaint", answered=True),
        ],
    }
    plan, _ = plan_for(records)
    assert writes_of(plan, "Customers", "reminder") == {
        "C-0001": "Unanswered complaint I-0001 of 2026-11-02 (+1 more)"
    }
    assert writes_of(plan, "Customers", "next_action_date") == {"C-0001": date(2026, 11, 2)}
    es, _ = plan_for(records, {"Language": "es"})
    assert writes_of(es, "Customers", "reminder") == {
        "C-0001": "Queja sin respuesta I-0001 del 2026-11-02 (+1 más)"
    }


def test_steady_state_writes_nothing_and_half_typed_rows_are_left_alone() -> None:
    records = {
        "Customers": [{**ANA, "birthday": date(1990, 11, 6)}, {"id": "C-0002", "email": "x@y.z"}],
        "Deals": [deal(), {"id": "D-0013", "customer_id": "C-0002"}],
        "Interactions": [call(date(2026, 10, 20), "D-0012")],
    }
    plan, _ = plan_for(records)
    # A half-typed row gets no reminder cells; only its Problems cell says what it lacks.
    touched = {(w.tab, w.row_id) for w in plan.writes if w.column != "problems"}
    assert ("Customers", "C-0002") not in touched
    assert ("Deals", "D-0013") not in touched
    again, _ = plan_for(apply_to_records(records, plan))
    assert again.writes == ()
    assert again.appends == ()
    assert NOW.tzinfo is UTC
