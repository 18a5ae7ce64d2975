"""Hostile templates fail alone, fast and small: the sandbox's budget (issue 13.3, issue 9.8).

The payloads are the ones that ran past 60 s and 2-5 GB, or raised MemoryError for the whole
cycle, before the budget existed. The cycle test runs in a child process so that its peak memory
(ru_maxrss) is the cycle's own, and sends through the real SMTP test server.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from automations.mail.templates import TemplateBook, TemplateError, email_context
from sheet_schema.backends.xlsx import XlsxBackend
from sheet_schema.backends.xlsx_cells import append_rows
from sheet_schema.backends.xlsx_init import create_workbook
from sheet_schema.schema import load_schema
from tests.fixtures_rules import apply_to_records, make_snapshot, plan_for, writes_of
from tests.smtp_server import SmtpTestServer, smtp_server

__all__ = ["smtp_server"]

SCHEMA = load_schema()
NOW = datetime(2026, 11, 4, 10, 0, tzinfo=UTC)
# The payloads, then other ways of asking for gigabytes or hours.
PAYLOADS = [
    "{{ 'x' * 10**9 }}",
    "{{ 'x' * 10**8 }}",
    "{% for a in range(100000) %}{% for b in range(100000) %}x{% endfor %}{% endfor %}",
    "{{ lipsum(n=1000000) }}",
    "{{ customer.name * 100000000 }}",
]
MORE_PAYLOADS = [
    "{% for a in range(10000) %}{% for b in range(10000) %}{% endfor %}{% endfor %}",
    "{% set s = 'x' * 50000 %}{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}",
    "{% set ns = namespace(s='x') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}"
    "{% endfor %}{{ ns.s }}",
    "{% set ns = namespace(s='x') %}{% for i in range(60) %}{% set ns.s %}{{ ns.s }}{{ ns.s }}"
    "{% endset %}{% endfor %}",
    "{% macro d(s) %}{{ s }}{{ s }}{% endmacro %}{{ d(d(d(d(d(d(d(d(d(d(d(d(d(d(d(d(d(d(d(d("
    "d(d(d(d(d(d(d(d(d(d('x'))))))))))))))))))))))))))))) }}",
    "{{ 'x'|center(10**9) }}",
    "{{ 'x'.ljust(10**9) }}",
    "{{ ('x' * 50000)|replace('', 'y' * 50000) }}",
    "{{ ('x' * 1000).join('y' * 1000) }}",
    "{{ '{:>999999999}'.format(1) }}",
    "{{ '%*s'|format(10**9, 'x') }}",
    "{{ 9**999999 }}",
    "{{ (range(10000)|list) * 10000 }}",
]


def render(body: str) -> str:
    snapshot = make_snapshot(
        {
            "Customers": [{"id": "C-0001", "name": "Ana López", "email": "ana@example.com"}],
            "Templates": [{"key": "t", "language": "en", "subject": "Hi", "body": body}],
        }
    )
    book = TemplateBook.from_snapshot(snapshot)
    customer = snapshot.tab("Customers")[0]
    return book.render("t", "en", email_context(customer, snapshot.settings)).text


@pytest.mark.parametrize("body", PAYLOADS + MORE_PAYLOADS)
def test_a_hostile_template_fails_with_a_reason_in_a_second_or_so(body: str) -> None:
    # CPU seconds, not wall: on a loaded machine (a CI runner, a full test run on 2 cores) the
    # same render waits for a core, and a wall clock would blame the template for it.
    started = time.process_time()
    with pytest.raises(TemplateError) as failure:
        render(body)
    assert time.process_time() - started < 3
    assert failure.value.column == "Body" and failure.value.row == 2
    assert failure.value.code.startswith("template.")


def test_ordinary_templates_still_render_with_loops_and_filters() -> None:
    text = render(
        "Dear {{ customer.first_name|upper }},{% for i in range(3) %} {{ i }}{% endfor %}"
        " {{ 'ab' * 3 }} {{ [1, 2]|join('-') }} {{ '%05d'|format(42) }} {{ 'x'|center(9) }}|"
        "{{ ('a' ~ 'b')|replace('b', 'c') }}"
    )
    assert text == "Dear ANA, 0 1 2 ababab 1-2 00042     x    |ac"


GOOD = {"key": "news", "language": "en", "subject": "News for {{ customer.name }}", "body": "Hi"}


def hostile_workbook(path: Path) -> Path:
    """Three customers, one good campaign and one campaign per payload, all approved and due."""
    create_workbook(
        path,
        SCHEMA,
        settings=[("Time zone", "Europe/Madrid"), ("Sender email", "shop@example.com")],
    )
    templates = [GOOD] + [
        {"key": f"bad{n}", "language": "en", "subject": "Hi", "body": body}
        for n, body in enumerate(PAYLOADS, start=1)
    ]
    campaigns = [
        {"name": f"Campaign {t['key']}", "template": t["key"], "send_on": date(2026, 11, 1)}
        for t in templates
    ]
    append_rows(
        path,
        SCHEMA,
        {
            "Customers": [
                {
                    "name": f"Customer {n}",
                    "email": f"c{n}@example.com",
                    "created": date(2026, 10, 1),
                    "marketing_consent": True,
                }
                for n in range(1, 4)
            ],
            "Templates": templates,
            "Campaigns": [{**c, "approved": True} for c in campaigns],
        },
    )
    return path


CHILD = """
import json, resource, sys, time
from datetime import datetime
from pathlib import Path
from automations.cycle import run_cycle
from automations.mail.smtp import SmtpMailer
from sheet_schema.backends.xlsx import XlsxBackend
from sheet_schema.schema import load_schema
path, host, port, now = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
def peak_mb():
    # VmHWM is this program's own peak. ru_maxrss is not: on Linux it keeps the peak of the
    # process that forked it (here a pytest worker that has run hundreds of tests).
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    line = next(l for l in status.splitlines() if l.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024
schema = load_schema()
started = time.monotonic()
cpu = time.process_time()
report, _ = run_cycle(
    XlsxBackend(Path(path), schema), schema, datetime.fromisoformat(now),
    mailer=SmtpMailer(host, port, security="none", timeout=5.0),
)
print(json.dumps({
    "seconds": time.monotonic() - started,
    "cpu_seconds": time.process_time() - cpu,
    "max_rss_mb": peak_mb(),
    "sent": report.emails_sent,
}))
"""


def run_cycle_in_child(path: Path, server: SmtpTestServer) -> dict[str, float]:
    """One cycle in a fresh Python process: its time, peak memory and emails sent."""
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), server.host, str(server.port), NOW.isoformat()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    figures: dict[str, float] = json.loads(child.stdout.strip().splitlines()[-1])
    return figures


def test_hostile_templates_fail_alone_and_every_other_email_goes_out(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    path = hostile_workbook(tmp_path / "crm.xlsx")
    figures = run_cycle_in_child(path, smtp_server)
    # The good campaign reached all three customers; nothing else was sent.
    assert figures["sent"] == 3
    assert sorted(r.rcpt_tos[0] for r in smtp_server.received()) == [
        "c1@example.com",
        "c2@example.com",
        "c3@example.com",
    ]
    # Five hostile templates cost the whole cycle (reading and writing the workbook included)
    # a few seconds of CPU (wall time depends on the machine's load) and far less than the
    # gigabytes they used to take.
    print(json.dumps(figures))  # quoted in RELIABILITY.md
    assert figures["cpu_seconds"] < 10, figures
    assert figures["max_rss_mb"] < 200, figures
    snapshot = XlsxBackend(path, SCHEMA).read()
    templates = {r.text("key"): r.text("problems") for r in snapshot.tab("Templates")}
    assert templates["news"] == ""
    assert templates["bad1"] == (
        "Body: the template builds a text or list of more than 100,000 items, so its emails are "
        "not sent."
    )
    assert templates["bad3"] == (
        "Body: range() counts at most 10,000 items, so this template's emails are not sent."
    )
    assert all(templates[f"bad{n}"].startswith("Body: ") for n in range(1, 6))
    campaigns = {r.text("template"): r for r in snapshot.tab("Campaigns")}
    for n in range(1, 6):
        row = campaigns[f"bad{n}"]
        assert row.get("status") == "Failed"
        # The campaign's own row says which template and why, as the template's row does.
        assert row.text("problems").startswith(
            f"Template: the template 'bad{n}' cannot be rendered, so this campaign sent nothing "
            f"(Templates row {n + 2}, Body: "
        )
    assert (
        campaigns["bad1"]
        .text("problems")
        .endswith("Body: it builds a text or list of more than 100,000 items).")
    )
    # A second cycle writes nothing new: the sentences are already in place.
    book = load_workbook(path)
    before = [[c.value for c in row] for row in book["Templates"].iter_rows()]
    run_cycle_in_child(path, smtp_server)
    after = [[c.value for c in row] for row in load_workbook(path)["Templates"].iter_rows()]
    assert after == before
    assert len(smtp_server.received()) == 3
    news = next(
        r for r in XlsxBackend(path, SCHEMA).read().tab("Campaigns") if r.text("template") == "news"
    )
    assert news.get("status") == "Sent" and news.get("sent") == 3


def test_a_template_that_fails_says_why_on_its_row_and_its_campaign_says_it_sent_nothing() -> None:
    records = {
        "Customers": [
            {
                "name": "Ana",
                "email": "ana@example.com",
                "created": date(2026, 10, 1),
                "marketing_consent": True,
            }
        ],
        "Templates": [
            {"key": "oops", "language": "en", "subject": "Hi", "body": "{{ customer.nickname }}"}
        ],
        "Campaigns": [
            {"name": "Autumn", "template": "oops", "send_on": date(2026, 11, 1), "approved": True}
        ],
    }
    plan, _ = plan_for(records, {"Language": "es"})
    problems = writes_of(plan, column="problems")
    assert problems["T-0001"] == (
        "Body: esta plantilla no se puede generar, así que sus correos no se envían: "
        "'customer.nickname' is undefined"
    )
    assert problems["M-0001"] == (
        "Template: la plantilla 'oops' no se puede generar, así que esta campaña no envió nada "
        "(fila 2 de Templates, Body: 'customer.nickname' is undefined)."
    )
    assert writes_of(plan, "Campaigns", "status") == {"M-0001": "Failed"}
    assert plan.emails == ()
    # Once the sentences are in the cells, the next cycle leaves them alone.
    again, _ = plan_for(apply_to_records(records, plan), {"Language": "es"})
    assert writes_of(again, column="problems") == {}
