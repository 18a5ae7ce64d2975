"""SIGKILL `sheetcrm run` at seeded random moments of mailing runs; count what was lost or doubled.

For each backend (a local .xlsx workbook, and Google Sheets through the project's emulator) it
builds a workbook of customers with marketing consent, then, round after round, adds an approved
campaign (a person typing a Campaigns row: one email per customer is due), starts
``sheetcrm run`` against a real SMTP server on loopback and kills it with SIGKILL:

- ``time`` kills: after a random delay within the length of an unkilled run (start-up, reading,
  planning, the journal write, sending, the outcome write: any moment);
- ``smtp`` kills: while the bot talks to the mail server, when the server hears the m-th
  ``MAIL``, ``RCPT`` or ``DATA`` of the run (at DATA the server has the message and has not
  answered: the one case where the bot cannot know).

Then it runs cycles until nothing is due and counts, from the SMTP server's own record and the
Mail log: messages received per key (``duplicates`` must be 0), rows ``Unknown`` (must be at most
the number of kills), keys due but never received (``never_sent``; each must be one of the
Unknown), rows still ``Planned`` and temporary workbook copies left (both must be 0). One JSON
line per backend.

    .venv/bin/python benchmarks/kill_harness.py [--kills 50] [--backends xlsx sheets] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: `tests` and the packages import

from automations.mail.message import KEY_HEADER  # noqa: E402
from sheet_schema.backends.base import Backend  # noqa: E402
from sheet_schema.cells import datetime_to_serial  # noqa: E402
from sheet_schema.schema import Schema, load_schema  # noqa: E402
from tests.smtp_server import SmtpTestServer, serve  # noqa: E402

SEND_ON = date(2024, 1, 1)  # campaigns are due whatever day the harness runs
CREATED = date(2023, 6, 1)
SETTINGS = {
    "Time zone": "Europe/Madrid",
    "Sender email": "shop@example.com",
    "Sender name": "Kill Harness Shop",
    "Daily send cap": "1000000",
}
TEMPLATE = {
    "key": "news",
    "language": "en",
    "subject": "News for {{ customer.name }}",
    "body": "Hello {{ customer.name }},\n\nour news.\n\n{{ sender.name }}",
}


class Target(Protocol):
    """A workbook the harness can grow, run the bot on and inspect."""

    name: str

    def add_campaign(self, number: int) -> None: ...

    def command(self, smtp: SmtpTestServer) -> list[str]: ...

    def backend(self) -> Backend: ...

    def temp_copies(self) -> list[str]: ...


def _customers(count: int) -> list[dict[str, object]]:
    return [
        {
            "id": f"C-{n:04d}",
            "name": f"Customer {n}",
            "email": f"k{n}@example.com",
            "created": CREATED,
            "marketing_consent": True,
        }
        for n in range(1, count + 1)
    ]


def _campaign(number: int) -> dict[str, object]:
    return {
        "name": f"Round {number}",
        "template": "news",
        "send_on": SEND_ON,
        "approved": True,
        "segment_filter": "",
    }


def _mail_args(smtp: SmtpTestServer) -> list[str]:
    return [
        *("--smtp-host", smtp.host, "--smtp-port", str(smtp.port)),
        *("--smtp-security", "none", "--json"),
    ]


@dataclass
class XlsxTarget:
    """A local workbook made by `sheetcrm init`, filled with openpyxl."""

    path: Path
    schema: Schema
    name: str = "xlsx"

    @classmethod
    def create(cls, folder: Path, customers: int, schema: Schema) -> XlsxTarget:
        from sheet_schema.backends.xlsx_cells import append_rows
        from sheet_schema.backends.xlsx_init import create_workbook

        path = folder / "crm.xlsx"
        create_workbook(path, schema, settings=list(SETTINGS.items()))
        append_rows(path, schema, {"Customers": _customers(customers), "Templates": [TEMPLATE]})
        return cls(path, schema)

    def add_campaign(self, number: int) -> None:
        from sheet_schema.backends.xlsx_cells import append_rows

        append_rows(self.path, self.schema, {"Campaigns": [_campaign(number)]})

    def command(self, smtp: SmtpTestServer) -> list[str]:
        return ["run", "--workbook", str(self.path), *_mail_args(smtp)]

    def backend(self) -> Backend:
        from sheet_schema.backends.xlsx import XlsxBackend

        return XlsxBackend(self.path, self.schema)

    def temp_copies(self) -> list[str]:
        # Every hidden .xlsx beside the workbook: the bot's temporary copies, old or new naming.
        return sorted(p.name for p in self.path.parent.glob(".*.xlsx"))


@dataclass
class SheetsTarget:
    """A spreadsheet in the emulator, edited through the API as a person's script would."""

    api: str
    key: Path
    spreadsheet: str
    state: Path
    schema: Schema
    name: str = "sheets"

    @classmethod
    def create(
        cls, api: str, key: Path, folder: Path, customers: int, schema: Schema
    ) -> SheetsTarget:
        import requests

        def grid(tab: str, records: list[dict[str, object]]) -> list[list[object]]:
            columns = schema.tab(tab).columns
            rows = [[_cell(r.get(c.key)) for c in columns] for r in records]
            return [[c.header for c in columns], *rows]

        sheets = {tab.name: grid(tab.name, []) for tab in schema.tabs}
        sheets["Customers"] = grid("Customers", _customers(customers))
        sheets["Templates"] = grid("Templates", [TEMPLATE])
        sheets["Settings"] = [sheets["Settings"][0], *[[k, v] for k, v in SETTINGS.items()]]
        body = {"title": "Kill harness", "sheets": sheets}
        answer = requests.post(f"{api}/_emulator/spreadsheets", json=body, timeout=60)
        answer.raise_for_status()
        return cls(api, key, answer.json()["spreadsheetId"], folder / "state", schema)

    def add_campaign(self, number: int) -> None:
        from sheet_schema.backends.sheets_http import build_client

        client = build_client(self.spreadsheet, self.key, self.api)
        worksheet = client.open_by_key(self.spreadsheet).worksheet("Campaigns")
        typed = {
            **_campaign(number),
            "send_on": SEND_ON.isoformat(),
            "approved": "TRUE",
        }
        row = [str(typed.get(c.key, "") or "") for c in self.schema.tab("Campaigns").columns]
        worksheet.append_row(row, value_input_option="USER_ENTERED")

    def command(self, smtp: SmtpTestServer) -> list[str]:
        return [
            *("run", "--spreadsheet", self.spreadsheet, "--credentials", str(self.key)),
            *("--state-dir", str(self.state), *_mail_args(smtp)),
        ]

    def environment(self) -> dict[str, str]:
        return {"SHEETCRM_SHEETS_API_URL": self.api}

    def backend(self) -> Backend:
        from sheet_schema.backends.google_sheets import GoogleSheetsBackend

        return GoogleSheetsBackend.connect(self.spreadsheet, self.key, self.schema, self.api)

    def temp_copies(self) -> list[str]:
        return []


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, date):
        return datetime_to_serial(value)
    return value


@dataclass
class Tally:
    """What happened over the rounds of one backend."""

    runs: int = 0
    kills: int = 0
    modes: Counter[str] = field(default_factory=Counter)
    finished_before_kill: int = 0
    copies_seen: int = 0  # temporary workbook copies a kill left (the next run removes them)
    failed_runs: list[str] = field(default_factory=list)


def _run_once(
    target: Target,
    smtp: SmtpTestServer,
    kill: tuple[str, float | tuple[str, int]] | None,
    tally: Tally,
) -> float:
    """Run `sheetcrm run` once, killing it as ``kill`` says; returns its duration."""
    env = {**os.environ, **getattr(target, "environment", dict)()}
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "automations", *target.command(smtp)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    killed = threading.Event()
    if kill is not None and kill[0] == "smtp":
        stage, count = kill[1]  # type: ignore[misc]
        seen = Counter[str]()

        def hook(command: str) -> None:
            seen[command] += 1
            if command == stage and seen[command] == count and not killed.is_set():
                killed.set()
                os.kill(process.pid, signal.SIGKILL)

        smtp.on_command = hook
    try:
        timeout = float(kill[1]) if kill is not None and kill[0] == "time" else None  # type: ignore[arg-type]
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            killed.set()
            process.send_signal(signal.SIGKILL)
            out, err = process.communicate(timeout=120)
        else:
            if kill is not None and kill[0] == "smtp" and not killed.is_set():
                pass  # the run sent fewer messages than the kill waited for
    finally:
        smtp.on_command = None
    tally.runs += 1
    if killed.is_set() and process.returncode == -signal.SIGKILL:
        tally.kills += 1
        tally.copies_seen += len(target.temp_copies())
        tally.modes[kill[0] if kill else "none"] += 1
    elif kill is not None:
        tally.finished_before_kill += 1
    if not killed.is_set() and process.returncode != 0:
        tally.failed_runs.append((err or out).strip().splitlines()[-1][:300])
    return time.perf_counter() - started


def _statuses(target: Target) -> dict[str, str]:
    rows = target.backend().read().tab("Mail log")
    found: dict[str, str] = {}
    for row in rows:
        key = row.text("id").strip()
        if key and key not in found:
            found[key] = row.text("status").strip()
    return found


def _expected_keys(target: Target) -> set[str]:
    snapshot = target.backend().read()
    campaigns = [r.row_id for r in snapshot.tab("Campaigns") if r.row_id]
    customers = [r.row_id for r in snapshot.tab("Customers") if r.row_id]
    return {f"campaign:{m}:{c}" for m in campaigns for c in customers}


def run_backend(
    target: Target, kills: int, seed: int, customers: int, max_rounds: int | None = None
) -> dict[str, Any]:
    """Kill ``kills`` runs of the bot on ``target`` and count what the mail server received."""
    rng = random.Random(seed)
    tally = Tally()
    started = time.perf_counter()
    with serve() as smtp:
        target.add_campaign(0)
        length = _run_once(target, smtp, None, tally)  # an unkilled run: how long one lasts
        number = 0
        limit = max_rounds or kills * 3
        while tally.kills < kills and number < limit:
            number += 1
            target.add_campaign(number)
            if rng.random() < 0.5:
                kill: tuple[str, Any] = ("time", rng.uniform(0.0, length))
            else:
                stage = rng.choice(["MAIL", "RCPT", "DATA"])
                kill = ("smtp", (stage, rng.randint(1, customers)))
            _run_once(target, smtp, kill, tally)
        recovery_runs = 0
        while True:  # until a run finds nothing due and nothing Planned
            recovery_runs += 1
            _run_once(target, smtp, None, tally)
            statuses = _statuses(target)
            if "Planned" not in statuses.values() and not _due(target, statuses):
                break
            if recovery_runs >= 10:
                break
        received = Counter(str(m.message().get(KEY_HEADER) or "") for m in smtp.received())
    expected = _expected_keys(target)
    unknown = {k for k, s in statuses.items() if s == "Unknown"}
    never_sent = expected - set(received)
    return {
        "backend": target.name,
        "seed": seed,
        "kills": tally.kills,
        "kill_modes": dict(tally.modes),
        "runs": tally.runs,
        "runs_finished_before_their_kill": tally.finished_before_kill,
        "recovery_runs": recovery_runs,
        "unkilled_run_seconds": round(length, 2),
        "emails_due": len(expected),
        "messages_received": sum(received.values()),
        "duplicates": sum(n - 1 for n in received.values() if n > 1),
        "unknown": len(unknown),
        "unknown_received": len(unknown & set(received)),
        "never_sent": len(never_sent),
        "never_sent_not_flagged": len(never_sent - unknown),
        "received_not_due": len(set(received) - expected),
        "planned_left": sum(1 for s in statuses.values() if s == "Planned"),
        "statuses": dict(Counter(statuses.values())),
        "temp_copies_left_by_kills": tally.copies_seen,
        "temp_copies_left": len(target.temp_copies()),
        "failed_runs": tally.failed_runs[:3],
        "seconds": round(time.perf_counter() - started, 1),
    }


def _due(target: Target, statuses: dict[str, str]) -> bool:
    """True while some campaign email has no settled Mail log row (a later run sends it)."""
    settled = {"Sent", "Bounced", "Unknown", "Failed"}
    return any(statuses.get(k) not in settled for k in _expected_keys(target))


@contextmanager
def emulator(folder: Path) -> Iterator[tuple[str, Path]]:
    """The Sheets API emulator in a child process, with a service-account key for it."""
    key = folder / "key.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.sheets_emulator", "--write-key-file", str(key)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    api = process.stdout.readline().strip()
    process.stdout.readline()  # "service account ... -> key"
    try:
        yield api, key
    finally:
        process.terminate()
        process.wait(timeout=30)


def run(backends: list[str], kills: int, seed: int, customers: int) -> Iterator[dict[str, Any]]:
    """Run the harness on each backend in turn; yield one result per backend."""
    schema = load_schema()
    for name in backends:
        with tempfile.TemporaryDirectory() as folder:
            where = Path(folder)
            if name == "xlsx":
                target: Target = XlsxTarget.create(where, customers, schema)
                yield run_backend(target, kills, seed, customers)
                continue
            with emulator(where) as (api, key):
                target = SheetsTarget.create(api, key, where, customers, schema)
                yield run_backend(target, kills, seed, customers)


def main(argv: list[str] | None = None) -> int:
    """Print one JSON line per backend; exit 1 if an invariant failed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--backends", nargs="+", default=["xlsx", "sheets"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--customers", type=int, default=40, help="emails due per round")
    args = parser.parse_args(argv)
    ok = True
    for result in run(args.backends, args.kills, args.seed, args.customers):
        print(json.dumps(result, sort_keys=True), flush=True)
        ok = ok and holds(result)
    return 0 if ok else 1


def holds(result: dict[str, Any]) -> bool:
    """The guarantees: nothing doubled, Unknown only for a kill, nothing lost unflagged."""
    return (
        result["duplicates"] == 0
        and result["unknown"] <= result["kills"]
        and result["never_sent_not_flagged"] == 0
        and result["planned_left"] == 0
        and result["temp_copies_left"] == 0
    )


if __name__ == "__main__":
    sys.exit(main())
