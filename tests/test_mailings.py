"""Which emails the bot plans, as the people who get them (or must not) would notice."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta

import pytest

from automations.demo.generate import generate_demo
from automations.mail.automations import GRACE_DAYS
from automations.mail.due import MailingPlan, plan_mailings
from automations.rules.segment_filter import SegmentFilterError, parse_segment_filter
from sheet_schema.model import Email
from sheet_schema.settings import parse_settings
from tests.fixtures_rules import (
    NOW,
    SCHEMA,
    TODAY,
    apply_to_records,
    make_snapshot,
    plan_for,
    problems_of,
)

CUSTOMERS = SCHEMA.tab("Customers")
# 10:00 UTC is 11:00 in Madrid (the fixtures' time zone): after the default digest hour.
HELLO = {"key": "hello", "language": "en", "subject": "Hi {{ customer.name }}", "body": "Hello!"}
HOLA = {"key": "hello", "language": "es", "subject": "Hola {{ customer.name }}", "body": "¡Hola!"}
OLA = {"key": "hello", "language": "pt", "subject": "Olá {{ customer.name }}", "body": "Olá!"}
DEAL_TEMPLATE = {
    "key": "nudge",
    "language": "en",
    "subject": "About {{ deal.title }}",
    "body": "Hello {{ customer.first_name }}, any news on {{ deal.title }} ({{ deal.stage }})?",
}


def customer(number: int = 1, **cells: object) -> dict[str, object]:
    """A ready customer with a usable address who consented to marketing."""
    return {
        "id": f"C-{number:04d}",
        "name": f"Person {number}",
        "email": f"person{number}@example.com",
        "created": date(2024, 1, 15),
        "marketing_consent": True,
        **cells,
    }


def automation(kind: str, offset: int | None = None, **cells: object) -> dict[str, object]:
    return {"kind": kind, "template": "hello", "offset_days": offset, "enabled": True, **cells}


def mail_log(key: str, status: str, to: str = "", **cells: object) -> dict[str, object]:
    return {"id": key, "to": to, "status": status, **cells}


def plan(
    records: Mapping[str, Sequence[Mapping[str, object]]],
    now: datetime = NOW,
    settings: Mapping[str, str] | None = None,
) -> MailingPlan:
    """The mailing plan for these records; Templates default to the 'hello' template."""
    full: dict[str, Sequence[Mapping[str, object]]] = {"Templates": [HELLO], **records}
    return plan_mailings(SCHEMA, make_snapshot(full, settings, now), now)


def keys(found: MailingPlan, kind: str | None = None) -> set[str]:
    return {e.key for e in found.emails if kind is None or e.kind == kind}


def at(day: date, hour: int = 10) -> datetime:
    """``hour``:00 UTC on a day (11:00 or 12:00 in Madrid)."""
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)


# --- automations: the right day, the grace window ----------------------------------------------


def test_welcome_goes_on_created_plus_offset_and_catches_up_only_within_the_grace_window() -> None:
    records = {
        "Customers": [customer(1, created=date(2026, 11, 3))],
        "Automations": [automation("welcome", 1)],
    }
    assert keys(plan(records, at(date(2026, 11, 3)))) == set()  # the day before
    on_the_day = plan(records, at(date(2026, 11, 4)))
    assert keys(on_the_day) == {"welcome:C-0001"}
    email = on_the_day.emails[0]
    assert (email.to, email.to_name, email.subject, email.kind) == (
        "person1@example.com",
        "Person 1",
        "Hi Person 1",
        "welcome",
    )
    assert email.customer_id == "C-0001" and email.template == "hello"
    assert not email.marketing
    assert email.body_text == "Hello!" and email.body_html and "<p>Hello!</p>" in email.body_html
    late = date(2026, 11, 4) + timedelta(days=GRACE_DAYS)
    assert keys(plan(records, at(late))) == {"welcome:C-0001"}  # the bot was down: catch up
    assert keys(plan(records, at(late + timedelta(days=1)))) == set()


def test_enabling_welcome_does_not_mail_every_old_customer() -> None:
    old = [customer(n, created=date(2025, 1, 1) + timedelta(days=n)) for n in range(1, 40)]
    found = plan({"Customers": old, "Automations": [automation("welcome")]})
    assert keys(found) == set()


def test_birthday_on_the_day_or_offset_days_before_never_the_day_before() -> None:
    records = {
        "Customers": [customer(1, birthday=date(1990, 11, 4))],
        "Automations": [automation("birthday")],
    }
    assert keys(plan(records, at(date(2026, 11, 3)))) == set()
    found = plan(records, at(date(2026, 11, 4)))
    assert keys(found) == {"birthday:C-0001:2026"}
    assert found.emails[0].marketing
    # Offset 2: two days before the birthday, and the key still names the birthday's year.
    early = {**records, "Automations": [automation("birthday", 2)]}
    assert keys(plan(early, at(date(2026, 11, 1)))) == set()
    assert keys(plan(early, at(date(2026, 11, 2)))) == {"birthday:C-0001:2026"}


def test_birthday_catches_up_within_the_grace_window_and_not_after() -> None:
    records = {
        "Customers": [customer(1, birthday=date(1990, 11, 1))],
        "Automations": [automation("birthday")],
    }
    assert keys(plan(records, at(date(2026, 11, 4)))) == {"birthday:C-0001:2026"}
    assert keys(plan(records, at(date(2026, 11, 5)))) == set()


def test_first_run_never_mails_past_years_birthdays() -> None:
    customers = [
        customer(1, birthday=date(1990, 10, 1)),  # a month ago: no email for this year or before
        customer(2, birthday=date(1985, 11, 4)),  # today: this year's only
        customer(3, birthday=date(2026, 11, 4)),  # born today: that is not a birthday yet
    ]
    found = plan({"Customers": customers, "Automations": [automation("birthday")]})
    assert keys(found) == {"birthday:C-0002:2026"}


def test_a_late_december_birthday_caught_up_in_january_keeps_its_own_year() -> None:
    records = {
        "Customers": [customer(1, birthday=date(1990, 12, 31))],
        "Automations": [automation("birthday")],
    }
    assert keys(plan(records, at(date(2027, 1, 2)))) == {"birthday:C-0001:2026"}


def test_a_29_february_birthday_is_celebrated_on_28_february_in_common_years() -> None:
    records = {
        "Customers": [customer(1, birthday=date(2000, 2, 29))],
        "Automations": [automation("birthday")],
    }
    assert keys(plan(records, at(date(2027, 2, 27)))) == set()
    assert keys(plan(records, at(date(2027, 2, 28)))) == {"birthday:C-0001:2027"}
    assert keys(plan(records, at(date(2028, 2, 28)))) == set()  # a leap year: on the 29th
    assert keys(plan(records, at(date(2028, 2, 29)))) == {"birthday:C-0001:2028"}


def test_anniversary_of_the_first_purchase_from_one_year_after_it() -> None:
    records: dict[str, list[dict[str, object]]] = {
        "Customers": [customer(1)],
        "Interactions": [
            {"date": datetime(2025, 11, 4, 12), "customer_id": "C-0001", "kind": "Purchase"},
            {"date": datetime(2026, 3, 1, 12), "customer_id": "C-0001", "kind": "Purchase"},
        ],
        "Automations": [automation("anniversary")],
    }
    assert keys(plan(records, at(date(2026, 11, 3)))) == set()
    found = plan(records, at(date(2026, 11, 4)))
    assert keys(found) == {"anniversary:C-0001:2026"}
    assert found.emails[0].marketing
    # A first purchase today has its first anniversary next year, not today.
    records["Interactions"] = [
        {"date": datetime(2026, 11, 4, 9), "customer_id": "C-0001", "kind": "Purchase"}
    ]
    assert keys(plan(records)) == set()


def test_anniversary_counts_a_won_deal_by_its_closed_date() -> None:
    records = {
        "Customers": [customer(1)],
        "Deals": [
            {"id": "D-0001", "customer_id": "C-0001", "stage": "Won", "closed": "2024-11-02"},
        ],
        "Automations": [automation("anniversary")],
    }
    assert keys(plan(records)) == {"anniversary:C-0001:2026"}


def dormant_records(
    *contacts: date, lifecycle: str = "Dormant"
) -> dict[str, list[dict[str, object]]]:
    # The first contact is a purchase: only someone who bought can lapse (a lead stays a lead).
    interactions: list[dict[str, object]] = [
        {
            "date": datetime(d.year, d.month, d.day, 9),
            "customer_id": "C-0001",
            "kind": "Purchase" if n == 0 else "Call",
            "amount": 30 if n == 0 else None,
        }
        for n, d in enumerate(contacts)
    ]
    return {
        "Customers": [customer(1, lifecycle=lifecycle)],
        "Interactions": interactions,
        "Automations": [automation("dormant")],
    }


def test_dormant_is_sent_once_per_dormancy_and_a_new_dormancy_gets_a_new_key() -> None:
    # Last contact 5 August: dormant (90 days) since 3 November, yesterday.
    found = plan(dormant_records(date(2026, 8, 5)))
    assert keys(found) == {"dormant:C-0001:2026-08-05"}
    assert found.emails[0].marketing
    assert keys(plan(dormant_records(date(2026, 8, 5)), at(date(2026, 11, 5)))) == keys(found)
    # A contact on 4 August, then silence again: another dormancy, another email.
    again = plan(dormant_records(date(2026, 7, 1), date(2026, 8, 4)))
    assert keys(again) == {"dormant:C-0001:2026-08-04"}


def test_dormant_is_not_sent_for_a_dormancy_older_than_the_catch_up_window() -> None:
    # Last contact 1 July: dormant since 29 September, 36 days ago; the window is 3 days.
    assert keys(plan(dormant_records(date(2026, 7, 1)))) == set()
    # Last contact + 90 days is when the email falls due; 3 days late is caught up, 4 is not.
    assert keys(plan(dormant_records(date(2026, 8, 3)))) == {"dormant:C-0001:2026-08-03"}
    assert keys(plan(dormant_records(date(2026, 8, 2)))) == set()


def test_dormant_waits_for_the_offset_and_stops_when_contact_is_logged() -> None:
    records = dormant_records(date(2026, 7, 1))
    records["Automations"] = [automation("dormant", 36)]  # 1 July + 90 + 36 = 4 November
    assert keys(plan(records, at(date(2026, 11, 3)))) == set()
    assert keys(plan(records, at(date(2026, 11, 4)))) == {"dormant:C-0001:2026-07-01"}
    # The Lifecycle cell still says Dormant, but a call was logged yesterday: no email.
    assert keys(plan(dormant_records(date(2026, 7, 1), date(2026, 11, 3)))) == set()
    # The cell was written when they were Dormant; silent for over a year they are Churned now.
    assert keys(plan(dormant_records(date(2025, 10, 1)))) == set()
    # Only customers the Lifecycle column calls Dormant.
    assert keys(plan(dormant_records(date(2026, 7, 1), lifecycle="Active"))) == set()


def follow_up_records(**deal: object) -> dict[str, list[dict[str, object]]]:
    return {
        "Customers": [customer(1, name="Ana Pérez")],
        "Deals": [
            {
                "id": "D-0007",
                "customer_id": "C-0001",
                "title": "New website",
                "stage": "Proposal",
                "created": date(2026, 10, 1),
                "stage_since": date(2026, 11, 1),
                **deal,
            }
        ],
        "Templates": [DEAL_TEMPLATE],
        "Automations": [automation("follow-up", 3, template="nudge")],
    }


def test_follow_up_after_offset_days_in_the_stage_with_the_deal_in_the_template() -> None:
    records = follow_up_records()
    assert keys(plan(records, at(date(2026, 11, 3)))) == set()
    found = plan(records)
    assert keys(found) == {"follow-up:D-0007:Proposal:2026-11-01"}
    email = found.emails[0]
    assert email.subject == "About New website"
    assert email.body_text == "Hello Ana, any news on New website (Proposal)?"
    assert not email.marketing and email.kind == "follow-up"
    # Without Stage since, the deal's Created date counts.
    created = date(2026, 10, 30)
    assert keys(plan(follow_up_records(stage_since=None, created=created))) == {
        "follow-up:D-0007:Proposal:2026-10-30"
    }
    assert keys(plan(follow_up_records(stage="Won"))) == set()


def test_follow_up_is_not_sent_for_a_deal_that_fell_due_before_the_catch_up_window() -> None:
    # In Proposal since 1 October: due 4 October, a month before this first cycle.
    assert keys(plan(follow_up_records(stage_since=None))) == set()
    assert keys(plan(follow_up_records(stage_since=date(2026, 10, 29)))) == {
        "follow-up:D-0007:Proposal:2026-10-29"
    }  # due 1 November: the bot catches up 3 days
    assert keys(plan(follow_up_records(stage_since=date(2026, 10, 28)))) == set()


def test_follow_up_is_not_sent_after_an_interaction_since_the_stage_began() -> None:
    records = follow_up_records()
    contact = {"customer_id": "C-0001", "kind": "Call"}
    records["Interactions"] = [{**contact, "date": datetime(2026, 11, 2, 16)}]
    assert keys(plan(records)) == set()
    # The meeting that moved the deal on the day it moved does not count as a follow-up.
    records["Interactions"] = [{**contact, "date": datetime(2026, 11, 1, 16)}]
    assert keys(plan(records)) == {"follow-up:D-0007:Proposal:2026-11-01"}


def test_a_key_already_in_the_mail_log_is_not_planned_again() -> None:
    created = date(2026, 11, 4)
    records = {
        "Customers": [customer(1, created=created), customer(2, created=created)],
        "Automations": [automation("welcome")],
        "Mail log": [mail_log("welcome:C-0001", "Sent", "person1@example.com")],
    }
    assert keys(plan(records)) == {"welcome:C-0002"}
    # A Planned row (left by a stopped cycle) is planned again: the sending step settles it
    # from the hand-over record and sends it only if it never left (test_handover.py).


def test_keys_are_stable_across_runs_and_rules_return_the_same_emails() -> None:
    records = {
        "Customers": [
            customer(1, created=TODAY, birthday=date(1990, 11, 4), lifecycle="Dormant"),
            customer(2, birthday=date(1970, 11, 2)),
        ],
        "Interactions": [
            {"date": datetime(2026, 5, 1, 9), "customer_id": "C-0001", "kind": "Purchase"},
        ],
        "Campaigns": [
            {
                "id": "M-0001",
                "name": "News",
                "template": "hello",
                "send_on": TODAY,
                "approved": True,
            }
        ],
        "Automations": [automation(k) for k in ("welcome", "birthday", "dormant")],
    }
    first = plan(records)
    second = plan(records, NOW + timedelta(hours=5))
    assert [e.key for e in first.emails] == [e.key for e in second.emails]
    assert keys(first) == {
        "welcome:C-0001",
        "birthday:C-0001:2026",
        "birthday:C-0002:2026",
        "campaign:M-0001:C-0001",
        "campaign:M-0001:C-0002",
    }
    rule = plan_mailings(SCHEMA, make_snapshot({"Templates": [HELLO], **records}), NOW).plan
    assert rule.emails == first.emails and rule.writes == first.writes


# --- who may get mail ----------------------------------------------------------------------------


def test_marketing_needs_consent_and_never_goes_to_unsubscribed_or_bounced_addresses() -> None:
    birthday = date(1990, 11, 4)
    records = {
        "Customers": [
            customer(1, birthday=birthday),
            customer(2, birthday=birthday, marketing_consent=None),
            customer(3, birthday=birthday, marketing_consent="no"),
            customer(4, birthday=birthday, unsubscribed="yes"),
            customer(5, birthday=birthday, email="Bounced.Person@Example.com"),
            customer(6, birthday=birthday, marketing_consent="Sí"),
        ],
        "Mail log": [mail_log("welcome:C-0099", "Bounced", "bounced.person@EXAMPLE.COM")],
        "Automations": [automation("birthday")],
    }
    assert keys(plan(records)) == {"birthday:C-0001:2026", "birthday:C-0006:2026"}


def test_service_emails_skip_unsubscribed_and_bounced_but_not_missing_consent() -> None:
    created = date(2026, 11, 4)
    records = {
        "Customers": [
            customer(1, created=created, marketing_consent=None),
            customer(2, created=created, unsubscribed=True),
            customer(3, created=created),
        ],
        "Mail log": [mail_log("birthday:C-0003:2025", "Bounced", "PERSON3@example.com")],
        "Automations": [automation("welcome")],
    }
    assert keys(plan(records)) == {"welcome:C-0001"}


def test_only_unusable_addresses_are_skipped_not_rows_with_other_problems() -> None:
    created = date(2026, 11, 4)
    records = {
        "Customers": [
            customer(1, created=created, email="person1example.com"),
            customer(2, created=created, email=""),
            customer(3, created=created, phone="12", birthday="31/02/1990"),
            customer(4, created=created, email="  Person4@Example.COM "),
            {"name": "No ID yet", "email": "noid@example.com", "created": created},
        ],
        "Automations": [automation("welcome")],
    }
    found = plan(records)
    assert keys(found) == {"welcome:C-0003", "welcome:C-0004"}
    assert {e.to for e in found.emails} == {"person3@example.com", "Person4@example.com"}


def test_customer_language_then_workbook_language() -> None:
    created = date(2026, 11, 4)
    records = {
        "Customers": [
            customer(1, created=created, language="pt"),
            customer(2, created=created, language="Português"),
            customer(3, created=created, language="el"),  # no Greek template: workbook language
            customer(4, created=created),  # no language: workbook language
        ],
        "Templates": [HELLO, HOLA, OLA],
        "Automations": [automation("welcome")],
    }
    found = plan(records, settings={"Language": "es"})
    subjects = {e.customer_id: e.subject for e in found.emails}
    assert subjects == {
        "C-0001": "Olá Person 1",
        "C-0002": "Olá Person 2",
        "C-0003": "Hola Person 3",
        "C-0004": "Hola Person 4",
    }


# --- time zone -----------------------------------------------------------------------------------


def test_dates_are_local_23_30_utc_is_already_tomorrow_in_madrid() -> None:
    records = {
        "Customers": [customer(1, birthday=date(1990, 11, 4))],
        "Automations": [automation("birthday")],
    }
    madrid_half_past_midnight = datetime(2026, 11, 3, 23, 30, tzinfo=UTC)
    assert keys(plan(records, madrid_half_past_midnight)) == {"birthday:C-0001:2026"}
    madrid_half_past_eleven = datetime(2026, 11, 3, 22, 30, tzinfo=UTC)
    assert keys(plan(records, madrid_half_past_eleven)) == set()
    # The same instant in a UTC workbook is still 3 November.
    utc = {"Time zone": "UTC"}
    assert keys(plan(records, madrid_half_past_midnight, utc)) == set()


# --- templates that fail -------------------------------------------------------------------------


def test_a_broken_template_skips_only_its_own_emails_and_is_reported() -> None:
    broken_es = {**HOLA, "body": "Hola {{ customer.nickname }}"}
    created = date(2026, 11, 4)
    records = {
        "Customers": [
            customer(1, created=created, birthday=date(1990, 11, 4), language="es"),
            customer(2, created=created, birthday=date(1990, 11, 4), language="en"),
            customer(3, created=created, language="es"),
        ],
        "Templates": [
            HELLO,
            broken_es,
            {"key": "bday", "language": "en", "subject": "Happy birthday", "body": "{{ 1 / 0 }}"},
        ],
        "Automations": [automation("welcome"), automation("birthday", template="bday")],
    }
    found = plan(records)
    assert keys(found) == {"welcome:C-0002"}
    assert sorted(found.failures) == [
        "Templates row 3 (hello, es), Body: 'customer.nickname' is undefined "
        "(2 emails of Automations row 2 (welcome) not planned)",
        "Templates row 4 (bday, en), Body: division by zero "
        "(2 emails of Automations row 3 (birthday) not planned)",
    ]


def test_disabled_unknown_template_and_duplicate_automations() -> None:
    created = date(2026, 11, 4)
    records = {
        "Customers": [customer(1, created=created)],
        "Automations": [
            automation("welcome", enabled=False),
            automation("welcome", template="nothing"),
            automation("welcome", offset="two"),
            automation("welcome"),
            automation("welcome", 0),
        ],
    }
    found = plan(records)
    assert keys(found) == {"welcome:C-0001"}
    assert found.failures == [
        "Automations row 6, Kind: another enabled welcome automation (row 5) comes first; "
        "this row sends nothing."
    ]


def test_unusable_offsets_are_reported_and_far_future_dates_do_not_break_the_plan() -> None:
    records = {
        "Customers": [customer(1, created="9999-12-31")],
        "Deals": [
            {"id": "D-0001", "customer_id": "C-0001", "stage": "Lead", "stage_since": "9999-12-31"}
        ],
        "Automations": [
            automation("welcome", 1.5),
            automation("birthday", 99999),
            automation("follow-up", 1),  # 31 December 9999 + 1 day does not exist
            automation("welcome", 2),
        ],
    }
    found = plan(records)
    assert keys(found) == set()
    assert found.failures == [
        "Automations row 2, Offset days: '1.5' is not a whole number of days from -3650 to "
        "3650; this row sends nothing.",
        "Automations row 3, Offset days: '99999' is not a whole number of days from -3650 to "
        "3650; this row sends nothing.",
    ]


# --- segment filters -----------------------------------------------------------------------------


def test_segment_filter_and_not_equal_lists_and_accents() -> None:
    rows = make_snapshot(
        {
            "Customers": [
                customer(1, country="España", city="Málaga", language="Español"),
                customer(2, country="Portugal", city="Porto", language="pt", lifecycle="Lost"),
                customer(3, country="espana", city="Madrid", language="es", lifecycle="Active"),
                customer(
                    4, country="Greece", city="Αθήνα", language="el", company="Silva e Filhos"
                ),
            ]
        }
    ).tab("Customers")

    def matching(text: str) -> list[str]:
        segment = parse_segment_filter(text, CUSTOMERS)
        return [row.row_id or "" for row in rows if segment.matches(row)]

    assert matching("") == ["C-0001", "C-0002", "C-0003", "C-0004"]
    assert matching("Country = ESPAÑA") == ["C-0001", "C-0003"]
    assert matching("Ciudad = malaga, porto") == ["C-0001", "C-0002"]
    assert matching("Language = Spanish and Lifecycle != Active") == ["C-0001"]
    assert matching("idioma = es y city != Madrid") == ["C-0001"]
    assert matching("lifecycle != lost, active; Γλώσσα != el") == ["C-0001"]
    assert matching("Πόλη = ΑΘΗΝΑ και Country = greece") == ["C-0004"]
    assert matching("Company = Silva e Filhos") == ["C-0004"]
    assert matching("Marketing consent = yes e Unsubscribed != sí") == matching("")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "Colour = red",
            "Segment filter: 'Colour' in 'Colour = red' is not a column of Customers.",
        ),
        (
            "Contry = ES",
            "Segment filter: 'Contry' in 'Contry = ES' is not a column of Customers. "
            "Did you mean Country?",
        ),
        (
            "Country ES",
            "Segment filter: 'Country ES' is not a condition; write it like Country = ES and "
            "Lifecycle != Lost.",
        ),
        (
            "Country = ES and Lifecycle",
            "Segment filter: 'Lifecycle' is not a condition; write it like Country = ES and "
            "Lifecycle != Lost.",
        ),
        ("City = ,", "Segment filter: 'City = ,' has no value after =."),
        (
            "Lifecycle = Actve",
            "Segment filter: in 'Lifecycle = Actve', 'Actve' is not one of Lead, Active, "
            "Dormant, Lost or Churned.",
        ),
    ],
)
def test_segment_filter_errors_name_the_column_or_the_clause(text: str, message: str) -> None:
    with pytest.raises(SegmentFilterError) as raised:
        parse_segment_filter(text, CUSTOMERS)
    assert str(raised.value) == message


def test_validation_writes_segment_filter_errors_into_the_campaigns_problems() -> None:
    campaign = {"name": "Spring", "template": "hello", "send_on": "2026-12-01"}
    records = {
        "Templates": [HELLO],
        "Campaigns": [
            {**campaign, "segment_filter": "Country = ES and Colour = red"},
            {**campaign, "segment_filter": "Country = ES and Lifecycle != Lost"},
            {**campaign, "segment_filter": ""},
        ],
    }
    found, _ = plan_for(records)
    assert problems_of(found, "Campaigns") == {
        "M-0001": "Segment filter: 'Colour' in 'Colour = red' is not a column of Customers."
    }
    found, _ = plan_for(records, {"Language": "es"})
    assert problems_of(found, "Campaigns") == {
        "M-0001": "Segment filter: 'Colour' en 'Colour = red' no es una columna de Customers."
    }


# --- campaigns -----------------------------------------------------------------------------------


def campaign(**cells: object) -> dict[str, object]:
    return {
        "id": "M-0001",
        "name": "Spring news",
        "template": "hello",
        "segment_filter": "Country = ES",
        "send_on": TODAY,
        "approved": True,
        **cells,
    }


def campaign_cells(found: MailingPlan) -> dict[str, object]:
    return {w.column: w.value for w in found.writes if w.tab == "Campaigns"}


def test_campaign_status_draft_scheduled_sending() -> None:
    people = [customer(1, country="ES"), customer(2, country="PT"), customer(3, country="ES")]
    draft = plan({"Customers": people, "Campaigns": [campaign(approved=None)]})
    assert keys(draft) == set() and campaign_cells(draft) == {"status": "Draft"}
    ahead = plan({"Customers": people, "Campaigns": [campaign(send_on=TODAY + timedelta(1))]})
    assert keys(ahead) == set() and campaign_cells(ahead) == {"status": "Scheduled"}
    due = plan({"Customers": people, "Campaigns": [campaign()]})
    assert keys(due) == {"campaign:M-0001:C-0001", "campaign:M-0001:C-0003"}
    assert all(e.marketing and e.campaign_id == "M-0001" for e in due.emails)
    assert campaign_cells(due) == {"status": "Sending", "sent": 0, "failed": 0}


def test_campaign_sent_and_failed_counts_come_from_the_mail_log() -> None:
    people = [customer(n, country="ES") for n in range(1, 6)]
    people.append(customer(6, country="ES", marketing_consent=False))  # never eligible
    logged = [
        mail_log("campaign:M-0001:C-0001", "Sent", campaign_id="M-0001"),
        mail_log("campaign:M-0001:C-0002", "Sent", campaign_id="M-0001"),
        mail_log("campaign:M-0001:C-0003", "Failed", campaign_id="M-0001"),
        mail_log("campaign:M-0001:C-0004", "Unknown", campaign_id="M-0001"),
        mail_log("campaign:M-0002:C-0001", "Sent", campaign_id="M-0002"),
    ]
    records = {"Customers": people, "Mail log": logged, "Campaigns": [campaign()]}
    found = plan(records)
    assert keys(found) == {"campaign:M-0001:C-0005"}
    assert campaign_cells(found) == {"status": "Sending", "sent": 2, "failed": 2}
    logged.append(mail_log("campaign:M-0001:C-0005", "Bounced", campaign_id="M-0001"))
    found = plan(records)
    assert keys(found) == set()
    assert campaign_cells(found) == {"status": "Sent", "sent": 2, "failed": 3}
    # Cells that already say so are not written again.
    shown = campaign(status="Sent", sent=2, failed=3)
    assert campaign_cells(plan({**records, "Campaigns": [shown]})) == {}


def test_campaign_with_a_bad_filter_or_unknown_template_fails_and_sends_nothing() -> None:
    people = [customer(1, country="ES")]
    bad_filter = plan({"Customers": people, "Campaigns": [campaign(segment_filter="Colour = red")]})
    assert keys(bad_filter) == set()
    assert campaign_cells(bad_filter) == {"status": "Failed", "sent": 0, "failed": 0}
    no_template = plan({"Customers": people, "Campaigns": [campaign(template="nope")]})
    assert keys(no_template) == set() and campaign_cells(no_template)["status"] == "Failed"


def test_campaign_skips_customers_added_after_its_send_day() -> None:
    people = [customer(1), customer(2, created=TODAY)]
    found = plan(
        {
            "Customers": people,
            "Campaigns": [campaign(segment_filter="", send_on=TODAY - timedelta(1))],
        }
    )
    assert keys(found) == {"campaign:M-0001:C-0001"}
    assert campaign_cells(found)["status"] == "Sending"


# --- the managers' digest ------------------------------------------------------------------------

MANAGERS = {"Manager email Lucía Romero": "lucia@example.com", "Manager email Oliver": "oli@ex.com"}


def digest_records() -> dict[str, list[dict[str, object]]]:
    ana = customer(1, name="Ana <b>Pérez</b>", manager="Lucía Romero", birthday=date(1990, 11, 4))
    deal = {"customer_id": "C-0002", "title": "Web"}
    return {
        "Customers": [
            ana,
            customer(2, manager="lucia romero"),
            customer(3, manager="Oliver", birthday=date(1990, 11, 9)),  # in five days: not yet
            customer(4, manager="Nobody Known", birthday=date(1990, 11, 4)),
        ],
        "Deals": [
            # Overdue (Proposal SLA 7 days since 20 October), owned by Oliver.
            {**deal, "id": "D-0001", "stage": "Proposal", "created": date(2026, 10, 20),
             "manager": "Oliver"},
            # Due today (Lead SLA 2 days), no manager of its own: the customer's manager.
            {**deal, "id": "D-0002", "stage": "Lead", "created": date(2026, 11, 2)},
        ],
        "Interactions": [
            {"id": "I-0001", "date": datetime(2026, 10, 30, 9), "customer_id": "C-0001",
             "kind": "Complaint"},
        ],
    }  # fmt: skip


def test_one_digest_per_manager_with_their_reminders_escaped_in_html() -> None:
    found = plan(digest_records(), settings=MANAGERS)
    digests = {e.key: e for e in found.emails if e.kind == "digest"}
    assert set(digests) == {"digest:Lucía Romero:2026-11-04", "digest:Oliver:2026-11-04"}
    lucia = digests["digest:Lucía Romero:2026-11-04"]
    assert (lucia.to, lucia.to_name, lucia.customer_id, lucia.marketing) == (
        "lucia@example.com",
        "Lucía Romero",
        None,
        False,
    )
    assert lucia.subject == "Your customers' reminders for 4 November 2026: 3"
    assert lucia.body_text.splitlines() == [
        "Hello Lucía Romero,",
        "",
        "These reminders about your customers are due today (4 November 2026) or overdue:",
        "",
        "- Ana <b>Pérez</b> (C-0001): Unanswered complaint I-0001 of 2026-10-30",
        "- Ana <b>Pérez</b> (C-0001): Birthday on 2026-11-04",
        "- Person 2 (C-0002): Follow-up due today: D-0002 Lead",
    ]
    assert lucia.body_html is not None
    assert "<li>Ana &lt;b&gt;Pérez&lt;/b&gt; (C-0001): Birthday on 2026-11-04</li>" in (
        lucia.body_html
    )
    assert "<b>" not in lucia.body_html
    oliver = digests["digest:Oliver:2026-11-04"]
    assert oliver.body_text.splitlines()[4:] == [
        "- Person 2 (C-0002): Overdue follow-up: D-0001 in Proposal since 2026-10-20, "
        "follow-up due 2026-10-27"
    ]


def test_digest_is_in_the_workbook_language() -> None:
    found = plan(digest_records(), settings={**MANAGERS, "Language": "es"})
    oliver = next(e for e in found.emails if e.key == "digest:Oliver:2026-11-04")
    assert oliver.subject == "Recordatorios de sus clientes para el 4 de noviembre de 2026: 1"
    assert oliver.body_text.startswith("Hola, Oliver:\n")


def test_no_digest_before_the_digest_hour_without_an_address_or_with_nothing_to_do() -> None:
    records = digest_records()
    # 07:59 in Madrid (UTC+1 in November).
    early = datetime(2026, 11, 4, 6, 59, tzinfo=UTC)
    assert keys(plan(records, early, MANAGERS), "digest") == set()
    assert keys(plan(records, early + timedelta(minutes=1), MANAGERS), "digest") != set()
    later = {**MANAGERS, "Digest hour": "10"}
    assert keys(plan(records, datetime(2026, 11, 4, 8, 59, tzinfo=UTC), later), "digest") == set()
    assert len(keys(plan(records, datetime(2026, 11, 4, 9, 0, tzinfo=UTC), later), "digest")) == 2
    # No address for Oliver: Lucía's digest only, and no failure.
    found = plan(records, settings={"Manager email Lucia Romero": "lucia@example.com"})
    assert keys(found, "digest") == {"digest:Lucía Romero:2026-11-04"} and found.failures == []
    # Nothing due for Oliver's customers: no digest for him.
    quiet = {**records, "Deals": records["Deals"][1:]}
    assert keys(plan(quiet, settings=MANAGERS), "digest") == {"digest:Lucía Romero:2026-11-04"}


def test_unusable_digest_settings_are_reported_not_fatal() -> None:
    settings = {"Manager email Oliver": "oliver at example", "Digest hour": "noon"}
    found = plan(digest_records(), settings=settings)
    assert keys(found, "digest") == set()
    assert found.failures == [
        "Settings, Manager email Oliver: 'oliver at example' is not a valid email address; "
        "no digest was planned.",
    ]
    # An unreadable Digest hour is a Settings note (with its row), and 8 is used.
    _, issues = parse_settings([(9, "Digest hour", "25")])
    assert [(i.row_number, i.message) for i in issues] == [
        (9, "'25' is not an hour from 0 to 23; using 8")
    ]
    found = plan(digest_records(), settings={**MANAGERS, "Digest hour": "25"})
    assert found.failures == []
    assert len(keys(found, "digest")) == 2  # 11:00 in Madrid: after 8


# --- the demo workbook ---------------------------------------------------------------------------


def demo_records() -> tuple[dict[str, list[dict[str, object]]], dict[str, str]]:
    rows = generate_demo(seed=7, customers=300, today=TODAY)
    settings = {str(r["key"]): str(r["value"]) for r in rows.pop("Settings")}
    return rows, settings


def test_demo_workbook_after_a_first_cycle() -> None:
    records, settings = demo_records()
    settings["Manager email Lucía Romero"] = "lucia@example.com"
    first, _ = plan_for(records, settings)  # IDs, lifecycle, reminders: what the sheet then shows
    after = apply_to_records(records, first)
    snapshot = make_snapshot(after, settings)
    found = plan_mailings(SCHEMA, snapshot, NOW)
    assert found.failures == []
    emails: list[Email] = list(found.emails)
    assert len({e.key for e in emails}) == len(emails)
    kinds = {e.kind for e in emails}
    assert {"dormant", "welcome", "digest"} <= kinds, kinds
    by_id = {row.row_id: row for row in snapshot.tab("Customers")}
    for email in emails:
        assert email.subject and email.body_text and email.body_html and email.to
        if email.kind == "digest":
            assert email.key == "digest:Lucía Romero:2026-11-04"
            continue
        row = by_id[email.customer_id]
        assert row.get("unsubscribed") is not True
        if email.marketing:
            assert row.get("marketing_consent") is True
    # The seeded newsletter goes out in three days; the others are not approved. The first
    # cycle (mailings included) wrote those statuses, so this one has nothing to change.
    assert sorted(row.text("status") for row in snapshot.tab("Campaigns")) == [
        "Draft",
        "Draft",
        "Scheduled",
    ]
    assert not [w for w in found.writes if w.column == "status"]
    again = plan_mailings(SCHEMA, snapshot, NOW + timedelta(hours=3))
    assert [e.key for e in again.emails] == [e.key for e in emails]
    # Stage since comes from each deal's own dates (Created for open deals), so a follow-up
    # (offset 2) goes only for a deal whose stage began in the last few days: none for a deal
    # overdue for months, on the first cycle or two days later.
    later = NOW + timedelta(days=2)
    for moment, mailings in (
        (NOW, found),
        (later, plan_mailings(SCHEMA, make_snapshot(after, settings, later), later)),
    ):
        for email in mailings.emails:
            if email.kind == "follow-up":
                since = date.fromisoformat(email.key.rsplit(":", 1)[1])
                assert (moment.date() - since).days - 2 <= GRACE_DAYS and not email.marketing
