"""pytest fixtures: a running emulator, a key file for it, and a gspread client routed to it.

Register with ``from tests.sheets_emulator.fixtures import *`` in a conftest, or import the
fixtures by name in a test module.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from pathlib import Path
from typing import Any

import gspread
import pytest
from gspread.http_client import HTTPClient
from requests import Response

from .keys import write_service_account_file
from .server import EmulatorServer

__all__ = ["gspread_client", "routed_http_client", "service_account_file", "sheets_emulator"]

GOOGLE_SHEETS = "https://sheets.googleapis.com"


def routed_http_client(base_url: str) -> type[HTTPClient]:
    """An HTTPClient subclass that sends Sheets calls to ``base_url`` instead of Google."""

    class RoutedHTTPClient(HTTPClient):
        def request(
            self,
            method: str,
            endpoint: str,
            params: Any = None,
            data: bytes | None = None,
            json: Mapping[str, Any] | None = None,
            files: Any = None,
            headers: MutableMapping[str, str] | None = None,
        ) -> Response:
            if endpoint.startswith(GOOGLE_SHEETS):
                endpoint = base_url + endpoint[len(GOOGLE_SHEETS) :]
            return super().request(
                method, endpoint, params=params, data=data, json=json, files=files, headers=headers
            )

    return RoutedHTTPClient


def gspread_client(emulator: EmulatorServer, key_file: str | Path) -> gspread.Client:
    """A real ``gspread.Client`` authenticated with ``key_file`` and routed to ``emulator``."""
    return gspread.service_account(
        filename=str(key_file), http_client=routed_http_client(emulator.base_url)
    )


@pytest.fixture
def sheets_emulator() -> Iterator[EmulatorServer]:
    """A fresh emulator per test (starting one takes a few milliseconds)."""
    with EmulatorServer() as emu:
        yield emu


@pytest.fixture
def service_account_file(sheets_emulator: EmulatorServer, tmp_path: Path) -> Path:
    """A service-account key file registered with ``sheets_emulator``."""
    path = tmp_path / "service-account.json"
    write_service_account_file(path, sheets_emulator)
    return path
