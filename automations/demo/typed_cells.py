"""Cells of the demo as people type them, and the days they typed them on.

Most dates and amounts are real cells; a few were typed as text the European way, and a few
choices are spelled another way (all readable through the schema). Rows typed in the last
``UNNUMBERED_DAYS`` days have no ID yet: the bot numbers them on its first cycle.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from babel.numbers import format_decimal
from faker.decode import unidecode
from faker.providers.internet.el_GR import latinize

# Rows dated within this many days of ``today`` were typed after the bot's last cycle: no ID yet.
UNNUMBERED_DAYS = 7

# Text share of cells typed by hand in another style.
_TEXT_DATE_SHARE = 0.08
_TEXT_AMOUNT_SHARE = 0.08
_AMBIGUOUS_KEPT = 0.25  # share of day-first text dates kept when they also read month-first
_ODD_SPELLING_SHARE = 0.06


def maybe_text_date(rng: random.Random, value: date) -> object:
    """Most dates are real date cells; some were typed as day-first text."""
    if rng.random() >= _TEXT_DATE_SHARE:
        return value
    # Most people who type 05/03 also type 25/03; keep the readable-both-ways ones few, or
    # their warnings would bury the real mistakes in the demo.
    if value.day <= 12 and value.day != value.month and rng.random() >= _AMBIGUOUS_KEPT:
        return value
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    return value.strftime(rng.choice(("%d/%m/%Y", "%d/%m/%Y", "%d.%m.%Y")))


def maybe_text_amount(rng: random.Random, value: float) -> object:
    """Most amounts are numbers; some were typed as text the European way ("1.234,50")."""
    if rng.random() >= _TEXT_AMOUNT_SHARE:
        return value
    return str(format_decimal(value, format="#,##0.00", locale="de_DE"))


def spelled(rng: random.Random, canonical: str, spellings: tuple[str, ...]) -> str:
    """Usually the canonical spelling; now and then another way people type it."""
    if spellings and rng.random() < _ODD_SPELLING_SHARE:
        return rng.choice(spellings)
    return canonical


def ascii_handle(text: str) -> str:
    """ASCII letters and dots from a name in any script ("Ελένη Νίκου" -> "eleni.nikou")."""
    words = unidecode(latinize(text)).lower().replace("-", " ").split()
    cleaned = ["".join(ch for ch in w if ch.isascii() and ch.isalnum()) for w in words]
    return ".".join(w for w in cleaned if w) or "customer"


def random_day(rng: random.Random, start: date, end: date) -> date:
    """A day from start to end; never after end (the end is a hard limit such as 'last seen')."""
    if end <= start:
        return end
    return start + timedelta(days=rng.randint(0, (end - start).days))


def working_time(rng: random.Random, day: date) -> datetime:
    """A moment in office hours on that day, at minutes people round to."""
    return datetime.combine(day, time(rng.randint(8, 19), rng.choice((0, 5, 15, 20, 30, 45, 50))))
