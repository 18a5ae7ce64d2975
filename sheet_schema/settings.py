"""The workbook's Settings tab (key/value rows) as a typed, frozen object.

Keys are matched ignoring case, spaces, dashes and underscores ("Time zone", "time_zone" and
"TIMEZONE" are one key). A value that cannot be used keeps the default and is reported as a
:class:`SettingIssue`, so one typo never stops a cycle.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers

from sheet_schema.formatting import counted
from sheet_schema.schema import fold
from sheet_schema.translation import LANGUAGES

DATE_ORDERS = ("DMY", "MDY", "YMD")


@dataclass(frozen=True)
class SettingIssue:
    """A setting whose value could not be used; the default was kept."""

    key: str
    value: str
    message: str
    row_number: int | None = None


@dataclass(frozen=True)
class Settings:
    """Typed settings with the defaults a new workbook starts from."""

    time_zone: str = "UTC"
    default_country: str = "US"
    language: str = "en"
    currency: str = "EUR"
    date_order: str = "DMY"
    # "." or ",", when the team chose how an amount typed like "1.500" reads; "" when not.
    decimal_separator: str = ""
    sender_email: str = ""
    sender_name: str = "SheetCRM"
    daily_send_cap: int = 450
    dormant_after_days: int = 90
    churned_after_days: int = 365
    reminder_window_days: int = 7
    cache_ttl_seconds: int = 300
    digest_hour: int = 8  # local hour from which the day's manager digests go out
    sheets_retry_attempts: int = 5
    sheets_retry_seconds: float = 60.0
    stage_sla_days: Mapping[str, int] = field(
        default_factory=lambda: {"Lead": 2, "Qualified": 5, "Proposal": 7, "Negotiation": 7}
    )
    # Every key/value as typed, folded key -> value, for features that read their own keys.
    raw: Mapping[str, str] = field(default_factory=dict)

    @property
    def zone(self) -> ZoneInfo:
        """The workbook's time zone; dates are computed in it."""
        return ZoneInfo(self.time_zone)

    def get(self, key: str, default: str = "") -> str:
        """The raw value of any setting, matched like the typed ones."""
        return self.raw.get(_normalise_key(key), default)


def _normalise_key(key: str) -> str:
    return re.sub(r"[\s_\-.:]+", "", fold(key))


# Shorter names the reader takes for a key (normalised).
_KEY_ALIASES = {
    "tz": "timezone",
    "country": "defaultcountry",
    "lang": "language",
    "decimalsign": "decimalseparator",
    "decimalmark": "decimalseparator",
}


def setting_identity(key: str) -> str:
    """What a Settings key stands for, as the reader matches it: "Time zone", "TIME_ZONE" and
    "tz" are one setting, "SLA Lead days" and "sla_days.lead" another ("" for a blank key)."""
    norm = _normalise_key(key)
    if norm.startswith(_SLA_PREFIX) and len(norm) > len(_SLA_PREFIX):
        return f"{_SLA_PREFIX}:{_normalise_key(_stage_from_sla_key(key))}"
    return _KEY_ALIASES.get(norm, norm)


_INT_KEYS = {
    "dailysendcap": "daily_send_cap",
    "dormantafterdays": "dormant_after_days",
    "churnedafterdays": "churned_after_days",
    "reminderwindowdays": "reminder_window_days",
    "cachettlseconds": "cache_ttl_seconds",
    "sheetsretryattempts": "sheets_retry_attempts",
}
_TEXT_KEYS = {"sendername": "sender_name", "senderemail": "sender_email"}
_SLA_PREFIX = "sla"
# What a Decimal separator value can say, besides the sign itself or an example ("1.234,56").
_DECIMAL_WORDS = {
    ".": ("point", "dot", "period", "full stop", "punto", "ponto", "τελεια"),
    ",": ("comma", "coma", "virgula", "κομμα"),
}


def _parse_decimal_sign(text: str) -> str | None:
    """The decimal sign a Decimal separator value names: ".", "," or None when it names none.

    An example with both signs ("1,234.56") says it by its last one.
    """
    value = fold(text).strip().strip("'\"")
    if value in (".", ","):
        return value
    for sign, words in _DECIMAL_WORDS.items():
        if value in words:
            return sign
    if re.fullmatch(r"\d[\d.,]*[.,]\d+", value) and "." in value and "," in value:
        return value[max(value.rfind("."), value.rfind(","))]
    return None


def _parse_int(text: str) -> int | None:
    try:
        number = float(text.replace(",", "."))
    except ValueError:
        return None
    # "inf", "nan" and 1e999 read as floats; none is a count of days or emails.
    if not math.isfinite(number) or number < 0 or number != int(number):
        return None
    return int(number)


def _parse_hour(text: str) -> int | None:
    """An hour of the day from "8", "08", "8:00" or "08.30" (None when it is not one)."""
    found = re.fullmatch(r"\s*(\d{1,2})(?:[:.h]\d{2})?\s*", text)
    if found is None or int(found.group(1)) > 23:
        return None
    return int(found.group(1))


def parse_settings(
    pairs: Iterable[tuple[int | None, str, str]],
) -> tuple[Settings, list[SettingIssue]]:
    """Build Settings from ``(row_number, key, value)`` triples; unknown keys stay in ``raw``."""
    settings = Settings()
    issues: list[SettingIssue] = []
    raw: dict[str, str] = {}
    sla = dict(settings.stage_sla_days)
    changes: dict[str, object] = {}

    def bad(row: int | None, key: str, value: str, message: str, kept: object) -> None:
        message = f"{message}; using {kept}"
        issues.append(SettingIssue(key=key, value=value, message=message, row_number=row))

    for row, key, value in pairs:
        value = value.strip()
        norm = _normalise_key(key)
        if not norm or not value:
            continue
        raw[norm] = value
        name = _KEY_ALIASES.get(norm, norm)
        if name == "timezone":
            try:
                ZoneInfo(value)
                changes["time_zone"] = value
            except (ZoneInfoNotFoundError, ValueError):
                bad(
                    row,
                    key,
                    value,
                    f"'{value}' is not a time zone name (e.g. Europe/Madrid)",
                    settings.time_zone,
                )
        elif name == "defaultcountry":
            code = value.upper()
            if code in phonenumbers.SUPPORTED_REGIONS:
                changes["default_country"] = code
            else:
                bad(
                    row,
                    key,
                    value,
                    f"'{value}' is not a two-letter country code (e.g. ES, PT, GR)",
                    settings.default_country,
                )
        elif name == "language":
            code = value.lower()[:2]
            if code in LANGUAGES:
                changes["language"] = code
            else:
                shown = ", ".join(LANGUAGES)
                bad(row, key, value, f"'{value}' is not one of {shown}", settings.language)
        elif norm == "currency":
            if re.fullmatch(r"[A-Za-z]{3}", value):
                changes["currency"] = value.upper()
            else:
                bad(
                    row,
                    key,
                    value,
                    f"'{value}' is not a three-letter currency code (e.g. EUR, USD)",
                    settings.currency,
                )
        elif norm == "dateorder":
            if value.upper() in DATE_ORDERS:
                changes["date_order"] = value.upper()
            else:
                shown = ", ".join(DATE_ORDERS)
                bad(row, key, value, f"'{value}' is not one of {shown}", settings.date_order)
        elif name == "decimalseparator":
            sign = _parse_decimal_sign(value)
            if sign is None:
                bad(
                    row,
                    key,
                    value,
                    f"'{value}' is not . or , (the sign before the cents, as in 1,234.56 or "
                    "1.234,56)",
                    "none: amounts typed like 1.500 are not read",
                )
            else:
                changes["decimal_separator"] = sign
        elif norm in _INT_KEYS:
            number = _parse_int(value)
            if number is None:
                default = getattr(settings, _INT_KEYS[norm])
                bad(row, key, value, f"'{value}' is not a whole number of 0 or more", default)
            else:
                changes[_INT_KEYS[norm]] = number
        elif norm == "sheetsretryseconds":
            number = _parse_int(value)
            if number is None:
                default = f"{settings.sheets_retry_seconds:g}"
                bad(row, key, value, f"'{value}' is not a whole number of seconds", default)
            else:
                changes["sheets_retry_seconds"] = float(number)
        elif norm == "digesthour":
            hour = _parse_hour(value)
            if hour is None:
                default = settings.digest_hour
                bad(row, key, value, f"'{value}' is not an hour from 0 to 23", default)
            else:
                changes["digest_hour"] = hour
        elif norm in _TEXT_KEYS:
            changes[_TEXT_KEYS[norm]] = value
        elif norm.startswith(_SLA_PREFIX) and len(norm) > len(_SLA_PREFIX):
            stage = _stage_from_sla_key(key)
            days = _parse_int(value)
            if days is None:
                kept = counted(sla[stage], "day") if stage in sla else "no limit"
                bad(row, key, value, f"'{value}' is not a whole number of days", kept)
            else:
                sla[stage] = days
    return replace(settings, **changes, stage_sla_days=sla, raw=raw), issues  # type: ignore[arg-type]


def _stage_from_sla_key(key: str) -> str:
    # "SLA Proposal days", "sla_days.proposal", "SLA: Negotiation" -> "Proposal", "Negotiation"
    words = [w for w in re.split(r"[\s_\-.:]+", key.strip()) if w]
    kept = [w for w in words if fold(w) not in {"sla", "days", "day", "dias"}]
    return " ".join(kept).title() if kept else key
