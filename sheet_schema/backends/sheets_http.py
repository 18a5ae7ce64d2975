"""gspread's HTTP client, routed to a configurable base URL and wrapped in our retry.

gspread builds every URL from the constant ``https://sheets.googleapis.com`` (imported by name,
so it cannot be patched); this subclass rewrites that prefix, which is how the bot talks to the
local emulator in tests and benchmarks. Every request goes through a :class:`Retrier`, never
gspread's ``BackOffHTTPClient`` (which ignores ``Retry-After`` and never gives up). Failures that
retrying cannot fix become a :class:`SheetsApiError` whose message says what to do.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, MutableMapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import gspread
import requests
from google.auth import exceptions as auth_exceptions
from google.auth.credentials import Credentials
from gspread.http_client import HTTPClient
from requests import Response, Session

from sheet_schema.backends.base import GOOGLE_SHEETS_URL, ConfigurationError, WorkbookError
from sheet_schema.backends.sheets_auth import load_service_account
from sheet_schema.backends.sheets_retry import (
    Failure,
    Retrier,
    RetriesExhausted,
    parse_retry_after,
)

# Connect quickly or not at all; a 50,000-row read may legitimately take a while to arrive.
DEFAULT_TIMEOUT = (10.0, 180.0)


class SheetsApiError(WorkbookError):
    """A Sheets request failed for good; ``status`` is the HTTP status (None: no connection)."""

    def __init__(self, message: str, status: int | None) -> None:
        super().__init__(message)
        self.status = status


class SheetsSetupError(SheetsApiError, ConfigurationError):
    """Google refused the key (401), the spreadsheet is not shared with it (403) or does not
    exist (404): a setting to fix, not a failure to retry."""


# Answers that mean the key, the sharing or the id is wrong.
_SETUP_STATUSES = frozenset({401, 403, 404})


def call_kind(method: str, url: str) -> str:
    """The kind of a Sheets API call, named as in Google's reference (``values.batchGet``...)."""
    path = unquote(urlsplit(url).path)
    tail = path.split("/v4/spreadsheets/", 1)[-1]
    verb = method.upper()
    if ":batchUpdate" in tail and "/values" not in tail:
        return "spreadsheets.batchUpdate"
    if "/values:" in tail:
        return "values." + tail.rsplit(":", 1)[1]
    if "/values/" in tail:
        if tail.endswith(":append"):
            return "values.append"
        if tail.endswith(":clear"):
            return "values.clear"
        return "values.update" if verb == "PUT" else "values.get"
    return "spreadsheets.get" if verb == "GET" else f"spreadsheets.{verb.lower()}"


def explain(
    failure: Failure, kind: str, spreadsheet_id: str, client_email: str, api_url: str
) -> str:
    """What a failed request means for the person running the bot, and what to do about it."""
    where = f"spreadsheet {spreadsheet_id}" if spreadsheet_id else "the Sheets API"
    if failure.status == 401:
        return (
            f"Google refused the service-account key for {where} (HTTP 401: "
            f"{failure.message}). Check that --credentials / GOOGLE_APPLICATION_CREDENTIALS "
            "points at the right JSON key file and that the key was not deleted in Google Cloud "
            "(IAM & Admin > Service accounts > Keys)."
        )
    if failure.status == 403:
        account = client_email or "the client_email of your key file"
        return (
            f"The service account {client_email or '(unknown)'} may not open {where} "
            f"(HTTP 403: {failure.message}). Open the spreadsheet in Google Sheets, click "
            f"Share, and add {account} as an Editor. If it "
            "is shared already, check that the Google Sheets API is enabled for the key's "
            "Google Cloud project."
        )
    if failure.status == 404:
        return (
            f"No spreadsheet with id {spreadsheet_id!r} (HTTP 404). The id is the part of the "
            "sheet's address between /d/ and /edit, e.g. "
            "https://docs.google.com/spreadsheets/d/<ID>/edit."
        )
    if failure.status is None:
        return f"Could not reach the Sheets API at {api_url} during {kind}: {failure.message}."
    return f"The Sheets API refused {kind} on {where}: {failure.describe()}."


# Answers from a gateway that lost touch with the server behind it: the request may have run.
_MAYBE_APPLIED_STATUS = frozenset({408, 502, 504})


def _what_changed(method: str, unanswered: bool) -> str:
    """What a request that failed for good left in the spreadsheet, truthfully."""
    if method.upper() == "GET":
        return "Nothing was written; the next run tries again."
    if unanswered:
        return (
            "Some of the tries got no answer, so Google may have applied this change anyway; "
            "the next run reads the spreadsheet again and writes what is still missing."
        )
    return (
        "Google answered every try with a refusal: nothing was changed by this request; "
        "the next run tries again."
    )


def _error_message(response: Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200].strip() or response.reason
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return str(error.get("message", "")) or response.reason
    if isinstance(error, str):  # the OAuth token endpoint answers {"error": "invalid_grant"}
        return f"{error}: {body.get('error_description', '')}".strip(": ")
    return response.reason


class SheetsHTTPClient(HTTPClient):
    """An ``HTTPClient`` that sends to ``base_url`` and retries under ``retrier``.

    gspread creates its HTTP client as ``http_client(auth, session)``, so the routing and the
    retry are class attributes; :func:`routed_client_class` makes a subclass with them set.
    """

    base_url: str = GOOGLE_SHEETS_URL
    retry: Retrier | None = None
    spreadsheet_id: str = ""

    def __init__(self, auth: Credentials, session: Session | None = None) -> None:
        super().__init__(auth, session)
        self.timeout = DEFAULT_TIMEOUT
        self.retrier = self.retry if self.retry is not None else Retrier()
        # Requests sent, by kind; "retries" counts the extra attempts. Read by the backend.
        self.calls: Counter[str] = Counter()

    @property
    def client_email(self) -> str:
        """The service account's email, for messages about sharing ("" when unknown)."""
        auth = getattr(self, "auth", None)
        return str(getattr(auth, "service_account_email", "") or "")

    def request(
        self,
        method: str,
        endpoint: str,
        params: MutableMapping[str, Any] | None = None,
        data: bytes | None = None,
        json: Mapping[str, Any] | None = None,
        files: Any = None,
        headers: MutableMapping[str, str] | None = None,
    ) -> Response:
        """Send one API request, retrying quota, server and connection failures."""
        url = endpoint
        if url.startswith(GOOGLE_SHEETS_URL):
            url = self.base_url.rstrip("/") + url[len(GOOGLE_SHEETS_URL) :]
        kind = call_kind(method, url)
        tries = 0
        # A write whose answer never came (or came from a gateway) may have been applied.
        unanswered = False

        def attempt() -> Response | Failure:
            nonlocal tries, unanswered
            tries += 1
            self.calls["retries" if tries > 1 else kind] += 1
            try:
                response = self.session.request(
                    method=method,
                    url=url,
                    json=json,
                    params=params,
                    data=data,
                    files=files,
                    headers=headers,
                    timeout=self.timeout,
                )
            except (requests.ConnectionError, requests.Timeout) as error:
                unanswered = True
                return Failure(None, type(error).__name__)
            except auth_exceptions.RefreshError as error:
                # The token endpoint refused the key: retrying cannot help unless it says so.
                if getattr(error, "retryable", False):
                    return Failure(503, f"token refresh failed: {error}")
                return Failure(401, f"token refused: {error}")
            except auth_exceptions.TransportError as error:
                return Failure(None, f"token endpoint unreachable: {error}")
            if response.ok:
                return response
            if response.status_code in _MAYBE_APPLIED_STATUS:
                unanswered = True
            return Failure(
                response.status_code,
                _error_message(response),
                parse_retry_after(response.headers.get("Retry-After")),
            )

        try:
            outcome = self.retrier.run(attempt)
        except RetriesExhausted as exhausted:
            last = exhausted.last
            raise SheetsApiError(
                f"The Sheets API kept failing during {kind} on spreadsheet "
                f"{self.spreadsheet_id}: {last.describe()}; {exhausted.reason}. "
                f"{_what_changed(method, unanswered)} If this keeps happening, "
                "raise 'Sheets retry attempts' / 'Sheets retry seconds' in the Settings tab or "
                "run the bot less often.",
                last.status,
            ) from None
        if isinstance(outcome, Failure):
            error = SheetsSetupError if outcome.status in _SETUP_STATUSES else SheetsApiError
            raise error(
                explain(outcome, kind, self.spreadsheet_id, self.client_email, self.base_url),
                outcome.status,
            )
        return outcome


def routed_client_class(
    api_url: str, retrier: Retrier, spreadsheet_id: str = ""
) -> type[SheetsHTTPClient]:
    """A :class:`SheetsHTTPClient` subclass bound to one base URL, retry and spreadsheet."""
    return type(
        "RoutedSheetsHTTPClient",
        (SheetsHTTPClient,),
        {"base_url": api_url, "retry": retrier, "spreadsheet_id": spreadsheet_id},
    )


def build_client(
    spreadsheet_id: str, credentials_file: Path, api_url: str, retrier: Retrier | None = None
) -> gspread.Client:
    """A gspread client whose requests go to ``api_url`` under our retry (never BackOff)."""
    credentials = load_service_account(credentials_file)
    http_client = routed_client_class(api_url, retrier or Retrier(), spreadsheet_id)
    return gspread.Client(auth=credentials, http_client=http_client)
