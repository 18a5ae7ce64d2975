"""`sheetcrm dashboard --workbook FILE`: the dashboard on one's own workbook."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import openpyxl
import pytest

from automations.cli import main
from automations.dashboard_server import find_dashboard_app
from tests.fixtures_dashboard import free_port


def my_workbook(folder: Path) -> Path:
    """A workbook as a person makes one: `sheetcrm init`, then a customer and a deal typed in."""
    path = folder / "my.xlsx"
    assert main(["init", "--workbook", str(path)]) == 0
    book = openpyxl.load_workbook(path)
    customers = book["Customers"]
    header = [c.value for c in customers[1]]
    row = {"Name": "Zoë Alvarez", "Email": "zoe@example.com", "Created": "03/02/2025"}
    customers.append([row.get(str(h)) for h in header])
    deals = book["Deals"]
    header = [c.value for c in deals[1]]
    deal = {"Title": "New shop", "Stage": "lead", "Value": "1.200,00"}
    deals.append([deal.get(str(h)) for h in header])
    book.save(path)
    return path


@pytest.mark.slow
def test_dashboard_command_serves_my_workbook_until_ctrl_c(tmp_path: Path) -> None:
    if find_dashboard_app() is None:
        pytest.skip("dashboard/app.py is not installed")
    workbook = my_workbook(tmp_path)
    port = free_port()
    command = [sys.executable, "-m", "automations", "dashboard", "--workbook", str(workbook)]
    command += ["--port", str(port)]
    # A session of its own, so the Ctrl+C below reaches the command and streamlit as in a terminal.
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        text=True,
        cwd=tmp_path,
    )
    lines: list[str] = []
    assert process.stdout is not None
    reader = threading.Thread(target=lambda: lines.extend(process.stdout or ()), daemon=True)
    reader.start()
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and process.poll() is None:
            if any("Dashboard running at" in line for line in lines):
                break
            time.sleep(0.2)
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as answer:
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
    assert f"Starting the dashboard for {workbook.resolve()}" in text
    assert f"Dashboard running at {url}" in text
    assert "Dashboard stopped." in text
    with socket.socket() as again:  # the port is free again: nothing was left running
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", port))


def test_dashboard_on_a_workbook_that_does_not_exist_says_how_to_make_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "typo.xlsx"
    assert main(["dashboard", "--workbook", str(missing), "--port", str(free_port())]) == 2
    error = capsys.readouterr().err
    assert f"{missing}: no such workbook" in error
    assert f"sheetcrm init --workbook {missing}" in error


def test_dashboard_says_clearly_when_the_port_is_taken(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workbook = my_workbook(tmp_path)
    capsys.readouterr()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code = main(["dashboard", "--workbook", str(workbook), "--port", str(port)])
    assert code == 1
    error = capsys.readouterr().err
    assert f"port {port} on 127.0.0.1 is already in use" in error
    assert f"--port {port + 1}" in error


def test_dashboard_on_google_sheets_without_a_key_says_which_option_is_missing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    assert main(["dashboard", "--spreadsheet", "1AbC", "--port", str(free_port())]) == 2
    assert "--credentials FILE" in capsys.readouterr().err
