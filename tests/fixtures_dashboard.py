"""Workbooks for the dashboard tests and benchmark.

``SMALL`` is a tiny hand-made workbook whose every figure was worked out by hand in
tests/test_metrics.py; ``write_demo_like`` makes a larger random but repeatable one with the same
shape as a real team's (customers over two years, deals through the stages, stage history,
marketing costs, mail log, campaigns, some bad cells).
"""

from __future__ import annotations

import http.client
import os
import random
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from automations.dashboard_server import OPEN_WITHOUT_LOGIN, dashboard_command
from automations.demo.command import dashboard_options
from sheet_schema.backends.xlsx_cells import append_rows
from sheet_schema.backends.xlsx_init import create_workbook
from sheet_schema.schema import Schema, load_schema

SCHEMA = load_schema()
NOW = datetime(2024, 6, 15, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
Records = dict[str, list[dict[str, object]]]


def _day(text: str) -> date:
    return date.fromisoformat(text)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def small_records() -> Records:
    """Six customers, seven deals and the rest; see test_metrics.py for the worked figures."""
    customers = [
        ("C-0001", "Ana Pérez", "Google Ads", "Maria", "2024-03-05", "Active", "Champions"),
        ("C-0002", "Bob Stone", "adwords", "Maria", "2024-03-20", "Lead", None),
        ("C-0003", "Carla Souza", "facebook", "João", "2024-04-02", "Active", "Loyal"),
        ("C-0004", "Dimitris Papadopoulos", "Referral", "João", "2024-04-10", "Lost", None),
        ("C-0005", "Eve <script>alert(1)</script>", None, "Maria", "2024-04-28", "Lead", None),
        ("C-0006", "Femi Adeyemi", "Website", "João", "2024-05-15", "Dormant", None),
    ]
    customer_rows: list[dict[str, object]] = [
        {
            "id": cid,
            "name": name,
            "email": f"{cid.lower()}@example.com",
            "source": source,
            "manager": manager,
            "created": _day(created),
            "lifecycle": lifecycle,
            "segment": segment,
        }
        for cid, name, source, manager, created, lifecycle, segment in customers
    ]
    customer_rows[1]["problems"] = "Email: the domain does not accept mail"
    customer_rows[1]["language"] = "Klingon"
    customer_rows[4]["next_action_date"] = _day("2024-06-10")
    customer_rows[4]["reminder"] = "Call back"
    customer_rows[5]["next_action_date"] = _day("2024-06-18")
    customer_rows[5]["reminder"] = "Send catalogue"

    deals: list[dict[str, object]] = [
        {
            "id": "D-0001",
            "customer_id": "C-0001",
            "title": "Website",
            "stage": "Won",
            "value": 1000,
            "created": _day("2024-03-06"),
            "closed": _day("2024-04-01"),
            "follow_up_due": _day("2024-06-01"),
        },
        {
            "id": "D-0002",
            "customer_id": "C-0002",
            "title": "Audit",
            "stage": "Quote",
            "value": 500,
            "created": _day("2024-03-21"),
            "follow_up_due": _day("2024-06-12"),
        },
        {
            "id": "D-0003",
            "customer_id": "C-0003",
            "title": "Shop",
            "stage": "Won",
            "value": 2000,
            "created": _day("2024-04-03"),
            "closed": _day("2024-05-10"),
        },
        {
            "id": "D-0004",
            "customer_id": "C-0004",
            "title": "App",
            "stage": "Lost",
            "value": 800,
            "created": _day("2024-04-11"),
            "closed": _day("2024-05-01"),
            "lost_reason": "Price",
            "competitor": "Acme",
        },
        {
            "id": "D-0005",
            "customer_id": "C-0005",
            "title": "Logo",
            "stage": "perdido",
            "value": 300,
            "created": _day("2024-04-29"),
            "lost_reason": "Competitor",
            "competitor": "acme ",
        },
        {
            "id": "D-0006",
            "customer_id": "C-0006",
            "title": "SEO",
            "stage": "Qualified",
            "value": 400,
            "created": _day("2024-05-16"),
            "follow_up_due": _day("2024-06-20"),
        },
        {
            "id": "D-0007",
            "customer_id": "C-0003",
            "title": "Ads",
            "stage": "Negotiation",
            "value": 700,
            "created": _day("2024-05-20"),
            "manager": "Maria",
            "follow_up_due": _day("2024-07-30"),
        },
    ]
    history = [
        ("2024-03-08 10:00", "D-0001", "Lead", "Qualified"),
        ("2024-03-15 10:00", "D-0001", "Qualified", "Proposal"),
        ("2024-03-25 10:00", "D-0001", "Proposal", "Negotiation"),
        ("2024-04-01 10:00", "D-0001", "Negotiation", "Won"),
        ("2024-04-05 00:00", "D-0003", "lead", "qualified"),
        ("2024-04-15 00:00", "D-0003", "Qualified", "Won"),
        ("2024-04-13 00:00", "D-0004", "Lead", "Qualified"),
        ("2024-04-20 00:00", "D-0004", "Qualified", "Proposal"),
        ("2024-05-01 00:00", "D-0004", "Proposal", "Lost"),
    ]
    return {
        "Customers": customer_rows,
        "Deals": deals,
        "Stage history": [
            {"time": _at(t), "deal_id": d, "from": a, "to": b, "by": "bot"}
            for t, d, a, b in history
        ],
        "Sources": [
            {"month": _day("2024-03-01"), "source": "Google Ads", "cost": 300},
            {"month": _day("2024-04-01"), "source": "Facebook Ads", "cost": 100},
            {"month": _day("2024-04-15"), "source": "FACEBOOK", "cost": 50},
            {"month": _day("2024-05-01"), "source": "Website", "cost": 0},
        ],
        "Interactions": [
            {
                "id": "I-0001",
                "date": _at("2024-03-10 09:30"),
                "customer_id": "C-0001",
                "kind": "Call",
                "manager": "Maria",
                "summary": "Intro call",
            },
            {"id": "I-0002", "date": "soon", "customer_id": "C-0002", "kind": "Note"},
        ],
        "Mail log": [
            {
                "id": "k1",
                "sent_at": _at("2024-06-15 09:00"),
                "customer_id": "C-0001",
                "to": "c-0001@example.com",
                "subject": "Hello",
                "status": "Sent",
            },
            {
                "id": "k2",
                "sent_at": _at("2024-06-14 13:00"),
                "customer_id": "C-0002",
                "to": "c-0002@example.com",
                "subject": "Hello",
                "status": "Sent",
            },
            {
                "id": "k3",
                "sent_at": _at("2024-06-14 11:00"),
                "customer_id": "C-0003",
                "to": "c-0003@example.com",
                "subject": "Hello",
                "status": "Sent",
            },
            {
                "id": "k4",
                "planned_at": _at("2024-06-15 08:00"),
                "customer_id": "C-0001",
                "to": "c-0001@example.com",
                "subject": "Again",
                "status": "Failed",
                "error": "550 mailbox unavailable",
            },
            {
                "id": "k5",
                "planned_at": _at("2024-06-15 10:00"),
                "customer_id": "C-0006",
                "to": "c-0006@example.com",
                "subject": "Later",
                "status": "Planned",
            },
        ],
        "Campaigns": [
            {
                "id": "M-0001",
                "name": "Spring sale",
                "template": "spring",
                "send_on": _day("2024-04-01"),
                "approved": True,
                "status": "Sent",
                "sent": 120,
                "failed": 3,
            },
        ],
    }


def write_small(path: Path, schema: Schema = SCHEMA) -> Path:
    """The hand-checked workbook (daily send cap 10)."""
    create_workbook(path, schema, settings=[("Daily send cap", "10")])
    append_rows(path, schema, small_records())
    return path


def write_empty(path: Path, schema: Schema = SCHEMA) -> Path:
    """A workbook as `sheetcrm init` makes it: headers and settings only."""
    create_workbook(path, schema)
    return path


SOURCES = ["Website", "Referral", "Google Ads", "Facebook", "Instagram", "Email", "Event"]
MANAGERS = ["Maria", "João", "Eleni", "Sam"]
STAGES = ["Lead", "Qualified", "Proposal", "Negotiation", "Won"]
REASONS = ["Price", "Competitor", "No budget", "No response", "Timing"]


def demo_like_records(customers: int, seed: int, today: date) -> Records:
    """Random but repeatable data shaped like a team's two years of work."""
    rng = random.Random(seed)
    start = today - timedelta(days=730)
    out: Records = {
        "Customers": [],
        "Deals": [],
        "Stage history": [],
        "Interactions": [],
        "Mail log": [],
    }
    deal_number = 0
    for n in range(1, customers + 1):
        cid = f"C-{n:05d}"
        created = start + timedelta(days=rng.randrange(720))
        source = rng.choice(SOURCES)
        manager = rng.choice(MANAGERS)
        record: dict[str, object] = {
            "id": cid,
            "name": f"Customer {n}",
            "email": f"customer{n}@example.com",
            "source": source,
            "manager": manager,
            "created": created,
            "lifecycle": rng.choice(["Lead", "Active", "Dormant", "Lost", "Churned"]),
            "segment": rng.choice(["Champions", "Loyal", "At risk", "New", "Hibernating"]),
        }
        if rng.random() < 0.05:
            record["next_action_date"] = today + timedelta(days=rng.randrange(-10, 10))
            record["reminder"] = "Call back"
        if rng.random() < 0.01:
            record["problems"] = "Phone: not a phone number"
        out["Customers"].append(record)
        for _ in range(rng.choice([0, 1, 1, 1, 2])):
            deal_number += 1
            did = f"D-{deal_number:05d}"
            deal_created = created + timedelta(days=rng.randrange(0, 10))
            moment = datetime.combine(deal_created, datetime.min.time()) + timedelta(hours=9)
            furthest = rng.choices(range(5), weights=[30, 25, 20, 10, 15])[0]
            lost = furthest < 4 and rng.random() < 0.5
            stage = "Lost" if lost else STAGES[furthest]
            deal: dict[str, object] = {
                "id": did,
                "customer_id": cid,
                "title": rng.choice(["Website", "Shop", "Audit", "Ads", "App"]),
                "stage": stage,
                "value": rng.randrange(2, 60) * 50,
                "created": deal_created,
            }
            for index in range(furthest):
                moment += timedelta(days=rng.randrange(1, 15), hours=rng.randrange(8))
                out["Stage history"].append(
                    {
                        "time": moment,
                        "deal_id": did,
                        "from": STAGES[index],
                        "to": STAGES[index + 1],
                        "by": "bot",
                    }
                )
            if lost:
                moment += timedelta(days=rng.randrange(1, 15))
                deal["lost_reason"] = rng.choice(REASONS)
                if deal["lost_reason"] == "Competitor":
                    deal["competitor"] = rng.choice(["Acme", "Globex", "Initech"])
                out["Stage history"].append(
                    {
                        "time": moment,
                        "deal_id": did,
                        "from": STAGES[furthest],
                        "to": "Lost",
                        "by": "bot",
                    }
                )
            if stage in ("Won", "Lost"):
                deal["closed"] = min(moment.date(), today)
            elif rng.random() < 0.5:
                deal["follow_up_due"] = today + timedelta(days=rng.randrange(-10, 20))
            out["Deals"].append(deal)
        if rng.random() < 0.5:
            out["Interactions"].append(
                {
                    "id": f"I-{n:05d}",
                    "date": datetime.combine(created, datetime.min.time()),
                    "customer_id": cid,
                    "kind": rng.choice(["Call", "Meeting", "Email"]),
                    "manager": manager,
                    "summary": "Talked about the offer",
                }
            )
        if rng.random() < 0.2:
            sent = datetime.combine(today, datetime.min.time()) - timedelta(
                hours=rng.randrange(0, 24 * 30)
            )
            out["Mail log"].append(
                {
                    "id": f"welcome:{cid}",
                    "planned_at": sent,
                    "sent_at": sent,
                    "to": f"customer{n}@example.com",
                    "customer_id": cid,
                    "template": "welcome",
                    "subject": "Welcome",
                    "status": rng.choice(["Sent", "Sent", "Sent", "Failed"]),
                }
            )
    months = sorted(
        {date(d.year, d.month, 1) for d in (start + timedelta(days=k) for k in range(0, 730, 28))}
    )
    out["Sources"] = [
        {
            "month": month,
            "source": source,
            "cost": rng.randrange(5, 50) * 10 * max(1, customers // 300),
        }
        for month in months
        for source in ("Google Ads", "Facebook", "Instagram", "Event")
    ]
    out["Campaigns"] = [
        {
            "id": "M-0001",
            "name": "Spring sale",
            "template": "spring",
            "send_on": today - timedelta(days=60),
            "approved": True,
            "status": "Sent",
            "sent": customers // 3,
            "failed": 4,
        },
        {
            "id": "M-0002",
            "name": "Summer news",
            "template": "summer",
            "send_on": today + timedelta(days=5),
            "approved": False,
            "status": "Draft",
        },
    ]
    out["Interactions"].append(
        {"id": "I-99999", "date": "yesterday-ish", "customer_id": "C-00001", "kind": "Call"}
    )
    return out


def write_demo_like(
    path: Path, customers: int = 300, seed: int = 7, today: date = TODAY, schema: Schema = SCHEMA
) -> Path:
    """A demo-like workbook with ``customers`` customers."""
    create_workbook(path, schema)
    append_rows(path, schema, demo_like_records(customers, seed, today))
    return path


# --- a real dashboard server, for the browser test and the benchmark -------------------------

APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PAGE_TITLES = {
    "overview": "Overview",
    "funnel": "Funnel",
    "sources": "Marketing sources",
    "customers": "Customers",
    "reminders": "Reminders",
    "mailings": "Mailings",
    "quality": "Data quality",
}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def dashboard_server(
    workbook: Path,
    timeout: float = 60.0,
    open_without_login: bool = True,
    secrets_toml: str | None = None,
    folder: Path | None = None,
) -> Iterator[str]:
    """`streamlit run dashboard/app.py` on a free loopback port; yields its base URL.

    By default it is started exactly as `sheetcrm demo` starts it (open to this computer). With
    ``open_without_login=False`` it is started as the README's production layout says; with
    ``secrets_toml`` it runs in ``folder`` with that text as ``.streamlit/secrets.toml``.
    """
    cwd = APP.parents[1]
    if secrets_toml is not None:
        assert folder is not None, "secrets need a folder to run in"
        (folder / ".streamlit").mkdir(parents=True, exist_ok=True)
        (folder / ".streamlit" / "secrets.toml").write_text(secrets_toml)
        cwd = folder
    # A free port can be taken by another test's server (another xdist worker) before streamlit
    # binds it; then streamlit exits or someone else answers, and another port is tried.
    for _attempt in range(5):
        port = free_port()
        # The command `sheetcrm demo` uses, so its options (loopback, toolbar) are tested.
        command = dashboard_command(APP, port, dashboard_options(workbook))
        if not open_without_login:
            command.remove(OPEN_WITHOUT_LOGIN)
        process = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=cwd,
            env={**os.environ, "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none"},
        )
        url = f"http://127.0.0.1:{port}"
        if _healthy(process, url, timeout):
            break
        _stop(process)
    else:
        raise RuntimeError("streamlit could not start on a free port in 5 tries")
    try:
        yield url
    finally:
        _stop(process)


def _healthy(process: subprocess.Popen[bytes], url: str, timeout: float) -> bool:
    """Wait until streamlit answers its health check; False if it exits or another server
    answers on the port."""
    deadline = time.monotonic() + timeout
    while process.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return True
        except http.client.HTTPException:
            return False  # not an HTTP server: the port was taken by something else
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"streamlit did not answer on {url} in {timeout:.0f} s")
        time.sleep(0.2)
    return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_for_render(page: object, title: str, timeout_ms: float = 60_000) -> None:
    """Wait until a Streamlit page shows its title and has finished running."""
    page.wait_for_selector(f'h1:has-text("{title}")', timeout=timeout_ms)  # type: ignore[attr-defined]
    # The status widget ("Running...") is shown while the script runs; plotly draws its charts
    # after the script has finished, so a chart counts once its SVG is in the page.
    page.wait_for_function(  # type: ignore[attr-defined]
        """() => !document.querySelector('[data-testid="stStatusWidget"]')
               && document.querySelectorAll('[data-testid="stSkeleton"]').length === 0
               && [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
                    .every(chart => chart.querySelector('svg.main-svg'))""",
        timeout=timeout_ms,
    )
