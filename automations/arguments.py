"""How the `sheetcrm` command reads its arguments: one-line mistakes, checked numbers, version.

A mistake on the command line gets one line on stderr that names it, and exit code 2 (the
usage is one ``--help`` away), rather than argparse's usage block or a traceback later on.
"""

from __future__ import annotations

import argparse
import math
import sys
from datetime import UTC, date, datetime, time
from importlib.metadata import PackageNotFoundError, version
from typing import NoReturn

DISTRIBUTION = "sheetcrm"


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line and exit 2."""

    def error(self, message: str) -> NoReturn:
        """Print ``prog: message (see prog --help)`` and exit 2."""
        print(f"{self.prog}: {message} (see {self.prog} --help)", file=sys.stderr)
        raise SystemExit(2)


def positive_minutes(text: str) -> float:
    """A number of minutes greater than zero (``--every``)."""
    try:
        minutes = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of minutes") from None
    if not math.isfinite(minutes) or minutes <= 0:
        raise argparse.ArgumentTypeError(
            f"{text!r} minutes: give a number of minutes greater than 0, e.g. 10"
        )
    return minutes


def iso_date(text: str) -> date:
    """A calendar date typed as YYYY-MM-DD (``--as-of``, ``--from``, ``--to``)."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date: type it as YYYY-MM-DD, e.g. 2025-12-31"
        ) from None


def as_of_moment(day: date) -> datetime:
    """The moment a run ``--as-of`` a day stands for: noon UTC, the same calendar day in every
    workbook time zone from UTC-11 to UTC+11, so rules see that day as today."""
    return datetime.combine(day, time(12), UTC)


def positive_int(text: str) -> int:
    """A whole number greater than zero (``--cycles``)."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if number <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: give a whole number greater than 0")
    return number


def version_text() -> str:
    """``sheetcrm X.Y.Z``, the version installed (from the package metadata)."""
    try:
        return f"{DISTRIBUTION} {version(DISTRIBUTION)}"
    except PackageNotFoundError:
        return f"{DISTRIBUTION} (version unknown: the package is not installed, run from source)"
