"""The emulator answers gspread's recorded Google traffic with the same shapes as Google.

Each recording in ../shared/sheets-api-recordings is replayed against the emulator; see
tests/sheets_emulator/fidelity.py for what is compared.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.sheets_emulator import EmulatorServer
from tests.sheets_emulator.fidelity import (
    RECORDINGS_DIR,
    compare,
    recording_files,
    replay_file,
)

RECORDINGS = recording_files()
EXPECTED_SHEETS_INTERACTIONS = 1508

needs_recordings = pytest.mark.skipif(
    not RECORDINGS, reason=f"recordings not found in {RECORDINGS_DIR.resolve()}"
)


@pytest.fixture(scope="module")
def replay_server() -> Iterator[tuple[EmulatorServer, requests.Session]]:
    """One emulator and HTTP session for all files (reset between files): the replay is fast."""
    with EmulatorServer(require_auth=False) as emu, requests.Session() as session:
        yield emu, session


@needs_recordings
@pytest.mark.parametrize("recording", RECORDINGS, ids=[p.stem for p in RECORDINGS])
def test_recording_replays_with_google_shapes(
    recording: Path, replay_server: tuple[EmulatorServer, requests.Session]
) -> None:
    emu, session = replay_server
    emu.reset()
    result = replay_file(recording, emu, session)
    problems = [f"#{m.index} {m.kind}: {m.reason}" for m in result.mismatches]
    assert not problems, "\n".join(problems)
    assert result.matched == result.total


@needs_recordings
def test_replay_covers_every_recorded_sheets_call(
    replay_server: tuple[EmulatorServer, requests.Session],
) -> None:
    emu, session = replay_server
    total = 0
    for path in RECORDINGS:
        emu.reset()
        total += replay_file(path, emu, session).total
    assert total == EXPECTED_SHEETS_INTERACTIONS


def test_compare_reports_missing_keys_lengths_and_values() -> None:
    recorded = {"range": "Sheet1!A1:B2", "majorDimension": "ROWS", "values": [["a", 1], []]}
    assert compare(recorded, dict(recorded)) is None
    assert "keys missing ['values']" in (
        compare(recorded, {"range": "Sheet1!A1:B2", "majorDimension": "ROWS"}) or ""
    )
    assert "list length" in (compare(recorded, {**recorded, "values": [["a", 1]]}) or "")
    assert "!=" in (compare(recorded, {**recorded, "range": "Sheet1!A1:Z1000"}) or "")
    assert "type" in (compare(recorded, {**recorded, "values": [["a", "1"], []]}) or "")


def test_compare_ignores_ids_and_urls() -> None:
    recorded = {
        "spreadsheetId": "abc",
        "spreadsheetUrl": "https://x/abc",
        "replies": [{"addSheet": {"properties": {"sheetId": 1877059582}}}],
    }
    actual = {
        "spreadsheetId": "zzz",
        "spreadsheetUrl": "http://127.0.0.1/zzz",
        "replies": [{"addSheet": {"properties": {"sheetId": 42}}}],
    }
    assert compare(recorded, actual) is None
