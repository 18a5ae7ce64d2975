"""The HTTP front: routes Sheets v4 paths, checks tokens, applies faults, counts requests.

Paths are those of ``https://sheets.googleapis.com``; a client only has to swap that prefix for
:attr:`EmulatorServer.base_url`.  Extra endpoints: ``POST /token`` (OAuth),
``GET /_emulator/stats``, ``POST /_emulator/reset-stats``, ``POST /_emulator/faults``,
``POST /_emulator/spreadsheets`` (create one) and ``GET /_emulator/health``.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
import traceback
from collections.abc import Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from . import values, values_by_filter
from .batch_update import apply_requests
from .cells import Scalar
from .errors import ApiError, bad_request
from .faults import FaultInjector
from .hooks import PeopleEdits
from .metadata import spreadsheet_json
from .stats import Stats
from .store import Store
from .tokens import TokenError, TokenIssuer

# Who owns edits made without a token (require_auth=False).
ANONYMOUS_CALLER = "anonymous@sheets-emulator.invalid"
_SPREADSHEET_RE = re.compile(r"^/v4/spreadsheets/(?P<id>[^/:]+)(?P<rest>.*)$")
_WRITE_KINDS = {
    "values.update",
    "values.batchUpdate",
    "values.append",
    "values.clear",
    "values.batchClear",
    "values.batchUpdateByDataFilter",
    "spreadsheets.batchUpdate",
    "spreadsheets.create",
}
_UNAUTHENTICATED = (
    "Request is missing required authentication credential. Expected OAuth 2 access token, "
    "login cookie or other valid authentication credential. See "
    "https://developers.google.com/identity/sign-in/web/devconsole-project."
)
_INVALID_CREDENTIALS = (
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login "
    "cookie or other valid authentication credential. See "
    "https://developers.google.com/identity/sign-in/web/devconsole-project."
)


def _route(method: str, path: str) -> tuple[str, str | None, str | None]:
    """Map a request to (kind, spreadsheet id, range); kind "" means no such endpoint."""
    if path == "/token" and method == "POST":
        return "token", None, None
    if path == "/v4/spreadsheets" and method == "POST":
        return "spreadsheets.create", None, None
    m = _SPREADSHEET_RE.match(path)
    if not m:
        return "", None, None
    sid, rest = unquote(m.group("id")), m.group("rest")
    if rest == "" and method == "GET":
        return "spreadsheets.get", sid, None
    if rest == ":batchUpdate" and method == "POST":
        return "spreadsheets.batchUpdate", sid, None
    fixed = {
        ("GET", "/values:batchGet"): "values.batchGet",
        ("POST", "/values:batchUpdate"): "values.batchUpdate",
        ("POST", "/values:batchClear"): "values.batchClear",
        ("POST", "/values:batchGetByDataFilter"): "values.batchGetByDataFilter",
        ("POST", "/values:batchUpdateByDataFilter"): "values.batchUpdateByDataFilter",
    }
    if (method, rest) in fixed:
        return fixed[(method, rest)], sid, None
    if rest.startswith("/values/"):
        raw = rest[len("/values/") :]
        # The :append / :clear suffix is never percent-encoded; a ':' inside the range is.
        head, sep, suffix = raw.rpartition(":")
        if sep and suffix == "append" and method == "POST":
            return "values.append", sid, unquote(head)
        if sep and suffix == "clear" and method == "POST":
            return "values.clear", sid, unquote(head)
        if method == "GET":
            return "values.get", sid, unquote(raw)
        if method == "PUT":
            return "values.update", sid, unquote(raw)
    return "", sid, None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # One buffered write per response and no Nagle: otherwise every keep-alive request
    # waits ~40 ms for a delayed ACK between the header and body segments.
    wbufsize = -1
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.emulator.verbose:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    # -- plumbing ---------------------------------------------------------------------------
    def _send(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(payload)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(payload)

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _json_body(self, raw: bytes) -> dict[str, Any]:
        if not raw:
            return {}
        try:
            body = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise bad_request("Invalid JSON payload received. Unexpected token.") from None
        if not isinstance(body, dict):
            raise bad_request("Invalid JSON payload received. Expected an object.")
        return body

    def _handle(self, method: str) -> None:
        emu = self.server.emulator
        url = urlsplit(self.path)
        raw_body = self._read_body()
        if url.path.startswith("/_emulator/"):
            self._control(method, url.path, raw_body)
            return
        kind, sid, range_text = _route(method, url.path)
        if not kind:
            self._send(404, ApiError(404, f"Method not found: {method} {url.path}").body())
            return
        emu.stats_counter.record(kind)
        if kind != "token":
            emu.edits.run_before(sid, kind)
        latency = emu.faults.latency
        if latency:
            time.sleep(latency)
        if kind != "token":
            caller = emu.tokens.caller(self.headers.get("Authorization"))
            if caller is None and emu.require_auth:
                message = (
                    _INVALID_CREDENTIALS if self.headers.get("Authorization") else _UNAUTHENTICATED
                )
                self._send(
                    401,
                    ApiError(401, message, "UNAUTHENTICATED").body(),
                    {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'},
                )
                return
        else:
            caller = None
        fault = emu.faults.take(kind)
        if fault is not None:
            emu.stats_counter.record_fault(kind)
            if fault.kind == "slow":
                time.sleep(fault.delay)
            elif fault.kind == "drop":
                # Answer nothing: the socket is closed as soon as the handler returns.
                self.close_connection = True
                return
            elif fault.kind == "lost":
                pass  # carried out below, then the answer is dropped
            else:
                self._send_fault(kind, int(fault.kind), fault.retry_after)
                return
        try:
            if kind == "token":
                self._token(raw_body)
                return
            params = parse_qs(url.query, keep_blank_values=True)
            body = self._json_body(raw_body) if method in ("POST", "PUT") else {}
            result = self._dispatch(kind, sid, range_text, params, body, caller or ANONYMOUS_CALLER)
            if fault is not None and fault.kind == "lost":
                self.close_connection = True  # done, but the client never hears of it
                return
            self._send(200, result)
        except ApiError as err:
            self._send(err.code, err.body())
        except Exception as exc:  # pragma: no cover - a bug in the emulator, shown to the test
            traceback.print_exc(file=sys.stderr)
            self._send(500, ApiError(500, f"Emulator bug: {exc!r}", "INTERNAL").body())

    def _send_fault(self, kind: str, status: int, retry_after: int) -> None:
        if status == 429:
            metric = "Write requests" if kind in _WRITE_KINDS else "Read requests"
            message = (
                f"Quota exceeded for quota metric '{metric}' and limit '{metric} per "
                "minute per user' of service 'sheets.googleapis.com' for consumer "
                "'project_number:000000000000'."
            )
            self._send(
                429,
                ApiError(429, message, "RESOURCE_EXHAUSTED").body(),
                {"Retry-After": str(retry_after)},
            )
        elif status == 503:
            self._send(
                503, ApiError(503, "The service is currently unavailable.", "UNAVAILABLE").body()
            )
        else:
            self._send(500, ApiError(500, "Internal error encountered.", "INTERNAL").body())

    def _token(self, raw_body: bytes) -> None:
        form = parse_qs(raw_body.decode("utf-8", "replace"))
        try:
            self._send(200, self.server.emulator.tokens.issue(form))
        except TokenError as err:
            self._send(400, err.body)

    def _dispatch(
        self,
        kind: str,
        sid: str | None,
        range_text: str | None,
        params: dict[str, list[str]],
        body: dict[str, Any],
        caller: str,
    ) -> Any:
        store = self.server.emulator.store
        if kind == "spreadsheets.create":
            return self.server.emulator.create_from_body(body)
        assert sid is not None
        if kind == "spreadsheets.get":
            include = (params.get("includeGridData") or ["false"])[0].lower() == "true"
            fields = params["fields"][0] if params.get("fields") else None
            with store.read(sid) as spreadsheet:
                return spreadsheet_json(spreadsheet, include, params.get("ranges", []), fields)
        if kind == "spreadsheets.batchUpdate":
            with store.transaction(sid) as spreadsheet:
                replies = apply_requests(spreadsheet, body.get("requests"), caller)
                result: dict[str, Any] = {"spreadsheetId": sid, "replies": replies}
                if body.get("includeSpreadsheetInResponse"):
                    result["updatedSpreadsheet"] = spreadsheet_json(
                        spreadsheet,
                        bool(body.get("responseIncludeGridData")),
                        body.get("responseRanges") or [],
                    )
                return result
        if kind == "values.get":
            return values.values_get(store, sid, range_text or "", params)
        if kind == "values.batchGet":
            return values.values_batch_get(store, sid, params)
        if kind == "values.update":
            return values.values_update(store, sid, range_text or "", params, body)
        if kind == "values.batchUpdate":
            return values.values_batch_update(store, sid, body)
        if kind == "values.append":
            return values.values_append(store, sid, range_text or "", params, body)
        if kind == "values.clear":
            return values.values_clear(store, sid, range_text or "")
        if kind == "values.batchGetByDataFilter":
            return values_by_filter.batch_get(store, sid, body)
        if kind == "values.batchUpdateByDataFilter":
            return values_by_filter.batch_update(store, sid, body)
        if kind == "values.batchClear":
            return values.values_batch_clear(store, sid, body)
        raise ApiError(404, f"Method not found: {kind}")

    def _control(self, method: str, path: str, raw_body: bytes) -> None:
        emu = self.server.emulator
        try:
            body = self._json_body(raw_body)
            if path == "/_emulator/stats" and method == "GET":
                self._send(200, emu.stats())
            elif path == "/_emulator/reset-stats" and method == "POST":
                emu.reset_stats()
                self._send(200, emu.stats())
            elif path == "/_emulator/faults" and method == "POST":
                emu.faults.configure(body)
                self._send(200, {"faults": emu.faults.pending(), "latency": emu.faults.latency})
            elif path == "/_emulator/faults" and method == "GET":
                self._send(200, {"faults": emu.faults.pending(), "latency": emu.faults.latency})
            elif path == "/_emulator/faults" and method == "DELETE":
                emu.faults.clear()
                self._send(200, {"faults": [], "latency": 0.0})
            elif path == "/_emulator/spreadsheets" and method == "POST":
                sid = emu.create_spreadsheet(
                    title=body.get("title", "Untitled spreadsheet"),
                    sheets=body.get("sheets"),
                    spreadsheet_id=body.get("spreadsheetId"),
                )
                self._send(200, {"spreadsheetId": sid})
            elif path == "/_emulator/health" and method == "GET":
                self._send(200, {"ok": True})
            else:
                self._send(404, ApiError(404, f"No control endpoint {method} {path}").body())
        except (ApiError, ValueError, TypeError) as err:
            code = err.code if isinstance(err, ApiError) else 400
            self._send(code, ApiError(code, str(err)).body())


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Let the fidelity replay and busy tests open many connections without refusals.
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], emulator: EmulatorServer) -> None:
        self.emulator = emulator
        super().__init__(address, _Handler)


class EmulatorServer:
    """A running Sheets v4 emulator on 127.0.0.1 (``with EmulatorServer() as emu: ...``)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        require_auth: bool = True,
        verbose: bool = False,
    ) -> None:
        self.host = host
        self.store = Store()
        self.faults = FaultInjector()
        self.tokens = TokenIssuer()
        self.stats_counter = Stats()
        self.edits = PeopleEdits(self.store)
        self.require_auth = require_auth
        self.verbose = verbose
        self._server = _Server((host, port), self)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The port actually bound (useful with port 0)."""
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """Replaces ``https://sheets.googleapis.com``."""
        return f"http://{self.host}:{self.port}"

    @property
    def token_uri(self) -> str:
        """The OAuth token endpoint to put in service-account key files."""
        return f"{self.base_url}/token"

    def start(self) -> EmulatorServer:
        """Serve in a background thread."""
        if self._thread is None:
            # A short poll interval makes stop() quick (the default waits up to 0.5 s).
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.02},
                name=f"sheets-emulator-{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread (used by ``python -m tests.sheets_emulator``)."""
        self._server.serve_forever(poll_interval=0.2)

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- Python API -------------------------------------------------------------------------
    def create_spreadsheet(
        self,
        title: str = "Untitled spreadsheet",
        sheets: Mapping[str, Sequence[Sequence[Scalar | None]]] | None = None,
        spreadsheet_id: str | None = None,
    ) -> str:
        """Create a spreadsheet; ``sheets`` maps tab titles to rows of values (stored RAW)."""
        return self.store.create_spreadsheet(
            title=title, sheets=sheets, spreadsheet_id=spreadsheet_id
        )

    def create_from_body(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """spreadsheets.create: title and sheet titles from a Spreadsheet body."""
        props = body.get("properties") or {}
        titles = [
            ((s.get("properties") or {}).get("title") or f"Sheet{i + 1}")
            for i, s in enumerate(body.get("sheets") or [])
        ]
        sid = self.store.create_spreadsheet(
            title=props.get("title") or "Untitled spreadsheet",
            sheets={t: [] for t in titles} if titles else None,
        )
        with self.store.read(sid) as spreadsheet:
            return spreadsheet_json(spreadsheet)

    def register_service_account(self, email: str, public_key_pem: bytes, key_id: str) -> None:
        """Trust a service account's public key for the token endpoint."""
        self.tokens.register(email, public_key_pem, key_id)

    def stats(self) -> dict[str, Any]:
        """Request counts by kind: ``{"total", "requests": {kind: n}, "faulted": {kind: n}}``."""
        return self.stats_counter.snapshot()

    def reset_stats(self) -> None:
        """Zero the request counters."""
        self.stats_counter.reset()

    def reset(self) -> None:
        """Forget spreadsheets, counters and faults (registered keys and tokens stay)."""
        for sid in self.store.spreadsheet_ids():
            self.store.delete_spreadsheet(sid)
        self.stats_counter.reset()
        self.faults.clear()
