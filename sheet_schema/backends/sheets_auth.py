"""Load a Google service-account key file, with clear messages for the usual mistakes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from google.oauth2.service_account import Credentials

from sheet_schema.backends.base import ConfigurationError

# The bot reads and writes cells and formats; it never needs Drive.
SHEETS_SCOPES = ("https://www.googleapis.com/auth/spreadsheets",)
_REQUIRED = ("type", "private_key", "client_email", "token_uri")
_HOW = "See the README, section Google Sheets, for how to create a key."


def _read_json(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigurationError(f"{path}: no such service-account key file. {_HOW}") from None
    except IsADirectoryError:
        raise ConfigurationError(f"{path}: is a folder, not a service-account key file.") from None
    except PermissionError:
        raise ConfigurationError(f"{path}: permission denied reading the key file.") from None
    except UnicodeDecodeError:
        raise ConfigurationError(f"{path}: not a JSON key file (not text). {_HOW}") from None
    try:
        info = json.loads(text)
    except json.JSONDecodeError as error:
        raise ConfigurationError(f"{path}: not valid JSON ({error}). {_HOW}") from None
    if not isinstance(info, dict):
        raise ConfigurationError(f"{path}: not a service-account key (expected a JSON object).")
    return info


def load_service_account(path: Path) -> Credentials:
    """Credentials from a service-account JSON key file, scoped to Google Sheets.

    Raises ConfigurationError naming the file and the problem: missing file, not JSON, an OAuth
    client file instead of a service-account key, missing fields, or the placeholder example.
    """
    info = _read_json(path)
    if "installed" in info or "web" in info:
        raise ConfigurationError(
            f"{path}: this is an OAuth client file, not a service-account key. In Google Cloud "
            "open IAM & Admin > Service accounts, pick (or create) an account, and add a JSON "
            f"key under Keys. {_HOW}"
        )
    missing = [name for name in _REQUIRED if not str(info.get(name, "")).strip()]
    if missing:
        raise ConfigurationError(
            f"{path}: not a complete service-account key (missing {', '.join(missing)}). {_HOW}"
        )
    if info.get("type") != "service_account":
        raise ConfigurationError(
            f"{path}: the key's type is {info.get('type')!r}, expected 'service_account'. {_HOW}"
        )
    if "PLACEHOLDER" in str(info.get("private_key", "")).upper():
        raise ConfigurationError(
            f"{path}: this is the example key with placeholder values; download a real key "
            f"from Google Cloud. {_HOW}"
        )
    try:
        credentials: Credentials = Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
            info, scopes=list(SHEETS_SCOPES)
        )
        return credentials
    except (ValueError, KeyError) as error:
        raise ConfigurationError(
            f"{path}: the service-account key cannot be used ({error}). Download a new key. {_HOW}"
        ) from None
