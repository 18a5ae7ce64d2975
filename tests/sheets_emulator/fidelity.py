"""Replay gspread's recordings of real Google traffic against the emulator and compare.

Every Sheets v4 interaction of a recording is sent, in order, to a freshly reset emulator over
HTTP.  Drive calls are not sent, but Drive's answers tell which spreadsheets exist: "create
file", "copy file" and "list files" create them (id, title), a CSV upload fills one, and
recorded ids are mapped to the emulator's ids (spreadsheet ids, and sheetIds /
protectedRangeIds / namedRangeIds learnt from replies).  A spreadsheet that the recording
accesses without Drive knowing it, and that Google refused with 403, is created as not shared
with the caller.

Compared: the status code and the body *shape* -- keys recursively, list lengths, scalar
types, and exact values where they are deterministic (values, echoed ranges, counts, titles,
indexes, error code and status); ids, URLs, sizes in pixels, error messages and editor emails
are ignored.

``python -m tests.sheets_emulator.fidelity`` prints a JSON summary.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import requests

from .server import EmulatorServer

RECORDINGS_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "sheets-api-recordings"
SHEETS_PREFIX = "https://sheets.googleapis.com"
_ID_RE = re.compile(r"^(/v4/spreadsheets/)([^/:?]+)(.*)$")
_DRIVE_COPY_RE = re.compile(r"/drive/v3/files/([^/?]+)/copy")
_DRIVE_UPLOAD_RE = re.compile(r"/upload/drive/v2/files/([^/?]+)")

# Values that differ between Google and the emulator by nature (ids, links, rendering sizes).
_VOLATILE_KEYS = {
    "spreadsheetId",
    "spreadsheetUrl",
    "sheetId",
    "protectedRangeId",
    "namedRangeId",
    "pixelSize",
    "message",
    "users",
    "details",
}
# Keys whose values must match exactly (beyond their type).
_EXACT_KEYS = {
    "range",
    "title",
    "name",
    "description",
    "updatedRange",
    "clearedRange",
    "tableRange",
    "clearedRanges",
    "majorDimension",
    "updatedRows",
    "updatedColumns",
    "updatedCells",
    "totalUpdatedRows",
    "totalUpdatedColumns",
    "totalUpdatedCells",
    "totalUpdatedSheets",
    "values",
    "status",
    "code",
    "index",
    "rowCount",
    "columnCount",
    "frozenRowCount",
    "frozenColumnCount",
    "hidden",
    "startRowIndex",
    "endRowIndex",
    "startColumnIndex",
    "endColumnIndex",
    "note",
    "formattedValue",
    "depth",
    "startIndex",
    "endIndex",
}
_MAPPED_ID_KEYS = ("sheetId", "protectedRangeId", "namedRangeId")


def recording_files(directory: Path = RECORDINGS_DIR) -> list[Path]:
    """The recording files, sorted (empty when the shared directory is absent)."""
    if not directory.is_dir():
        return []
    return sorted(directory.glob("*.json"))


def endpoint_kind(method: str, uri: str) -> str:
    """The emulator's request kind for a recorded Sheets URI (``values.get`` ...)."""
    path = urlsplit(uri).path
    m = _ID_RE.match(path)
    rest = m.group(3) if m else ""
    if rest == "":
        return "spreadsheets.get" if method == "GET" else "spreadsheets.create"
    if rest == ":batchUpdate":
        return "spreadsheets.batchUpdate"
    if rest.startswith("/values:"):
        return "values." + rest[len("/values:") :]
    if rest.endswith(":append"):
        return "values.append"
    if rest.endswith(":clear"):
        return "values.clear"
    return "values.get" if method == "GET" else "values.update"


@dataclass
class Mismatch:
    """One interaction whose answer differs from Google's."""

    file: str
    index: int
    kind: str
    reason: str


@dataclass
class FileResult:
    """The replay of one recording file."""

    file: str
    total: int = 0
    matched: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)


def compare(recorded: Any, actual: Any, path: str = "") -> str | None:
    """First difference in shape between two JSON bodies, or None."""
    key = path.rsplit(".", 1)[-1].split("[")[0]
    if key in _VOLATILE_KEYS:
        return None
    if isinstance(recorded, dict):
        if not isinstance(actual, dict):
            return f"{path or '<body>'}: expected object, got {type(actual).__name__}"
        missing = sorted(set(recorded) - set(actual))
        extra = sorted(set(actual) - set(recorded))
        if missing or extra:
            return f"{path or '<body>'}: keys missing {missing} extra {extra}"
        for k in recorded:
            diff = compare(recorded[k], actual[k], f"{path}.{k}" if path else k)
            if diff:
                return diff
        return None
    if isinstance(recorded, list):
        if not isinstance(actual, list):
            return f"{path}: expected list, got {type(actual).__name__}"
        if len(recorded) != len(actual):
            return f"{path}: list length {len(actual)} != recorded {len(recorded)}"
        for i, (r, a) in enumerate(zip(recorded, actual, strict=True)):
            diff = compare(r, a, f"{path}[{i}]")
            if diff:
                return diff
        return None
    if _scalar_type(recorded) != _scalar_type(actual):
        return f"{path}: type {_scalar_type(actual)} != recorded {_scalar_type(recorded)}"
    exact = key in _EXACT_KEYS or "values[" in path or path.startswith("values")
    if exact and recorded != actual and not _same_number(recorded, actual):
        return f"{path}: {actual!r} != recorded {recorded!r}"
    return None


def _scalar_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if value is None:
        return "null"
    return "string"


def _same_number(a: Any, b: Any) -> bool:
    numbers = (int, float)
    return (
        isinstance(a, numbers)
        and isinstance(b, numbers)
        and not isinstance(a, bool)
        and abs(float(a) - float(b)) < 1e-9
    )


class _Replayer:
    def __init__(self, emu: EmulatorServer, session: requests.Session) -> None:
        self.emu = emu
        self.session = session
        self.spreadsheets: dict[str, str] = {}
        self.ids: dict[tuple[str, Any], Any] = {}

    def learn_ids(self, recorded: Any, actual: Any) -> None:
        """Map recorded sheet/protected/named range ids to the emulator's, from parallel bodies."""
        if isinstance(recorded, dict) and isinstance(actual, dict):
            for key, value in recorded.items():
                if key in _MAPPED_ID_KEYS and key in actual and value != actual[key]:
                    self.ids[(key, value)] = actual[key]
                elif key in actual:
                    self.learn_ids(value, actual[key])
        elif isinstance(recorded, list) and isinstance(actual, list):
            for r, a in zip(recorded, actual, strict=False):
                self.learn_ids(r, a)

    def map_body(self, body: Any) -> Any:
        if isinstance(body, dict):
            return {
                k: (self.ids.get((k, v), v) if k in _MAPPED_ID_KEYS else self.map_body(v))
                for k, v in body.items()
            }
        if isinstance(body, list):
            return [self.map_body(v) for v in body]
        return body

    def drive(self, request: dict[str, Any], response: dict[str, Any]) -> None:
        """Learn from Drive traffic: created and copied spreadsheets, imported CSV data."""
        uri, method = request["uri"], request["method"]
        try:
            answer = json.loads(response["body"]["string"] or "null")
        except json.JSONDecodeError:
            answer = None
        if (
            method == "POST"
            and urlsplit(uri).path == "/drive/v3/files"
            and isinstance(answer, dict)
            and "id" in answer
        ):
            self.spreadsheets[answer["id"]] = self.emu.create_spreadsheet(
                title=answer.get("name", "Untitled")
            )
        elif (
            method == "GET" and urlsplit(uri).path == "/drive/v3/files" and isinstance(answer, dict)
        ):
            # Listing files shows spreadsheets created outside this recording: they exist.
            for item in answer.get("files", []):
                if item.get("id") and item["id"] not in self.spreadsheets:
                    self.spreadsheets[item["id"]] = self.emu.create_spreadsheet(
                        title=item.get("name", "Untitled")
                    )
        elif method == "POST" and _DRIVE_COPY_RE.search(uri) and isinstance(answer, dict):
            source = self.spreadsheets.get(_DRIVE_COPY_RE.search(uri).group(1))  # type: ignore[union-attr]
            if source is not None and "id" in answer:
                self.spreadsheets[answer["id"]] = self.emu.store.copy_spreadsheet(
                    source, title=answer.get("name")
                )
        elif method == "PUT" and _DRIVE_UPLOAD_RE.search(uri):
            target = self.spreadsheets.get(_DRIVE_UPLOAD_RE.search(uri).group(1))  # type: ignore[union-attr]
            if target is not None and request.get("body"):
                self.emu.store.import_csv(target, str(request["body"]))

    def sheets(self, request: dict[str, Any], response: dict[str, Any]) -> tuple[int, Any]:
        """Send one Sheets request to the emulator; returns (status, parsed body)."""
        parts = urlsplit(request["uri"])
        m = _ID_RE.match(parts.path)
        path = parts.path
        if m:
            recorded_id = unquote(m.group(2))
            if recorded_id not in self.spreadsheets:
                self.spreadsheets[recorded_id] = recorded_id
                if response["status"]["code"] == 403:
                    self.emu.create_spreadsheet(title="Private", spreadsheet_id=recorded_id)
                    self.emu.store.set_forbidden(recorded_id, True)
            path = m.group(1) + self.spreadsheets[recorded_id] + m.group(3)
        url = self.emu.base_url + path + (f"?{parts.query}" if parts.query else "")
        data = None
        if request.get("body"):
            try:
                data = json.dumps(self.map_body(json.loads(request["body"]))).encode()
            except json.JSONDecodeError:
                data = str(request["body"]).encode()
        reply = self.session.request(
            request["method"], url, data=data, headers={"Content-Type": "application/json"}
        )
        try:
            body = reply.json() if reply.content else None
        except ValueError:
            body = reply.text
        return reply.status_code, body


def replay_file(
    path: Path, emu: EmulatorServer | None = None, session: requests.Session | None = None
) -> FileResult:
    """Replay one recording against an emulator (a fresh one unless given)."""
    own = emu is None
    server = emu or EmulatorServer(require_auth=False).start()
    http = session or requests.Session()
    result = FileResult(path.name)
    try:
        replayer = _Replayer(server, http)
        interactions = json.loads(path.read_text())["interactions"]
        for index, item in enumerate(interactions):
            request, response = item["request"], item["response"]
            if not request["uri"].startswith(SHEETS_PREFIX):
                replayer.drive(request, response)
                continue
            result.total += 1
            kind = endpoint_kind(request["method"], request["uri"])
            status, body = replayer.sheets(request, response)
            recorded_status = response["status"]["code"]
            raw = response["body"]["string"]
            recorded_body = json.loads(raw) if raw else None
            if status != recorded_status:
                detail = body.get("error", {}).get("message") if isinstance(body, dict) else ""
                result.mismatches.append(
                    Mismatch(
                        path.name,
                        index,
                        kind,
                        f"status {status} != recorded {recorded_status} ({detail})",
                    )
                )
                continue
            replayer.learn_ids(recorded_body, body)
            diff = compare(recorded_body, body)
            if diff:
                result.mismatches.append(Mismatch(path.name, index, kind, diff))
            else:
                result.matched += 1
    finally:
        if own:
            server.stop()
        if session is None:
            http.close()
    return result


def replay_all(directory: Path = RECORDINGS_DIR) -> Iterator[FileResult]:
    """Replay every recording on one emulator (reset between files) over one HTTP session."""
    with requests.Session() as session, EmulatorServer(require_auth=False) as emu:
        for path in recording_files(directory):
            emu.reset()
            yield replay_file(path, emu, session)


def summary(results: list[FileResult]) -> dict[str, Any]:
    """Totals, matched, and mismatches by endpoint kind with their reasons."""
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    totals: Counter[str] = Counter()
    for result in results:
        totals["total"] += result.total
        totals["matched"] += result.matched
        for m in result.mismatches:
            by_kind[m.kind].append({"file": m.file, "interaction": m.index, "reason": m.reason})
    return {
        "total": totals["total"],
        "matched": totals["matched"],
        "mismatched": totals["total"] - totals["matched"],
        "files": len(results),
        "mismatches_by_kind": {
            k: {"count": len(v), "examples": v} for k, v in sorted(by_kind.items())
        },
    }


def main() -> int:
    """Print the JSON summary of a full replay; exit 1 when recordings are missing."""
    if not recording_files():
        print(json.dumps({"error": f"no recordings in {RECORDINGS_DIR}"}))
        return 1
    started = time.perf_counter()
    report = summary(list(replay_all()))
    report["seconds"] = round(time.perf_counter() - started, 2)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
