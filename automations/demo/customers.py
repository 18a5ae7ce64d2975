"""The demo's Customers rows: names, phones and emails true to each country, and their mistakes.

Also the 29 February and next-week birthdays, and mistakes 1 to 5 of the demo (see
:mod:`automations.demo.generate`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

import phonenumbers
from faker import Faker

from automations.demo.business import COUNTRIES, MANAGERS, SOURCES, Country, Source
from automations.demo.typed_cells import (
    UNNUMBERED_DAYS,
    ascii_handle,
    maybe_text_date,
    spelled,
)
from automations.rules.ids import format_id

_EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example.com")


@dataclass
class Customer:
    """What later tabs need to know about a customer row."""

    row_id: str | None
    name: str
    created: date
    country: Country
    source: Source
    manager: str
    last_active: date  # no interaction after this day (long ago for dormant customers)


def _phone_number(rng: random.Random, region: str) -> phonenumbers.PhoneNumber:
    """A number valid for the region: the library's example number with new subscriber digits."""
    kind = (
        phonenumbers.PhoneNumberType.FIXED_LINE
        if rng.random() < 0.2
        else phonenumbers.PhoneNumberType.MOBILE
    )
    example = phonenumbers.example_number_for_type(region, kind)
    if example is None:  # every region the demo uses has both kinds; guard a library change
        raise ValueError(f"phonenumbers has no example {kind} number for {region}")
    digits = str(example.national_number)
    while True:
        national = digits[:3] + "".join(rng.choice("0123456789") for _ in digits[3:])
        number = phonenumbers.PhoneNumber(
            country_code=example.country_code, national_number=int(national)
        )
        if (
            phonenumbers.is_valid_number(number)
            and phonenumbers.region_code_for_number(number) == region
        ):
            return number


def _typed_phone(rng: random.Random, number: phonenumbers.PhoneNumber) -> str:
    """The number as people type it: national or international, with or without spaces."""
    style = rng.random()
    if style < 0.35:
        return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL))
    if style < 0.7:
        return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL))
    if style < 0.85:
        return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return "".join(ch for ch in str(national) if ch.isdigit())


def _drop_a_digit(rng: random.Random, typed: str, region: str) -> str:
    """The typed phone with one digit missing, chosen so the result is not a valid number."""
    positions = [i for i, ch in enumerate(typed) if ch.isdigit()]
    rng.shuffle(positions)
    for index in positions:
        candidate = typed[:index] + typed[index + 1 :]
        try:
            parsed = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            return candidate
        if not phonenumbers.is_valid_number(parsed):
            return candidate
    raise AssertionError(f"no invalid variant of {typed}")  # every real number has one


def _birthday(rng: random.Random, today: date) -> date:
    year = today.year - rng.randint(20, 75)
    return date(year, 1, 1) + timedelta(days=rng.randint(0, 364))


def _leap_year_before(year: int) -> int:
    year -= 1
    while not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
        year -= 1
    return year


def _birthday_on(rng: random.Random, month: int, day: int, today: date) -> date:
    """A birth date on this month and day, 20 to 70 years ago (a leap year for 29 February)."""
    year = today.year - rng.randint(20, 70)
    if (month, day) == (2, 29):
        year = _leap_year_before(year + 1)
    return date(year, month, day)


def generate_customers(
    rng: random.Random, fakers: dict[str, Faker], count: int, today: date
) -> tuple[list[dict[str, object]], list[Customer]]:
    """``count`` Customers rows (oldest first) and what later tabs need to know of each."""
    countries = rng.choices(COUNTRIES, weights=[c.weight for c in COUNTRIES], k=count)
    sources = rng.choices(SOURCES, weights=[s.share for s in SOURCES], k=count)
    # Created over the last 18 months, a little more often recently (the business grows).
    created = sorted(today - timedelta(days=int(rng.triangular(0, 540, 0))) for _ in range(count))
    used_emails: set[str] = set()
    rows: list[dict[str, object]] = []
    people: list[Customer] = []
    number = 0
    for index in range(count):
        country, source = countries[index], sources[index]
        faker = fakers[country.region]
        first, last = faker.first_name(), faker.last_name()
        name = f"{first} {last}"
        company = faker.company() if rng.random() < 0.4 else None
        handle = _email_handle(rng, first, last)
        domain = rng.choice(_EMAIL_DOMAINS)
        if company and rng.random() < 0.6:
            domain = f"{ascii_handle(company).replace('.', '')[:20]}.example.com"
        email = f"{handle}@{domain}"
        while email.casefold() in used_emails:  # two people with one name get two addresses
            email = f"{handle}{rng.randint(2, 999)}@{domain}"
        used_emails.add(email.casefold())
        managers = [m for m, regions in MANAGERS if country.region in regions]
        manager = rng.choice(managers)
        row_id = None
        if created[index] <= today - timedelta(days=UNNUMBERED_DAYS):
            number += 1
            row_id = format_id("C", number)
        activity = rng.random()
        if activity < 0.5:
            last_active = today - timedelta(days=rng.randint(1, 30))
        elif activity < 0.75:
            last_active = today - timedelta(days=rng.randint(31, 89))
        else:  # dormant: nothing for months
            last_active = today - timedelta(days=rng.randint(120, 330))
        last_active = max(last_active, created[index])
        consent: object = rng.random() < 0.88
        if rng.random() < 0.1:
            consent = rng.choice(("yes", "Sí", "no", "sim")) if consent else "no"
        rows.append(
            {
                "id": row_id,
                "name": name,
                "company": company,
                "email": email,
                "phone": _typed_phone(rng, _phone_number(rng, country.region)),
                "country": rng.choice(country.country_spellings),
                "city": rng.choice(country.cities),
                "language": rng.choice(country.language_spellings),
                "birthday": (
                    maybe_text_date(rng, _birthday(rng, today)) if rng.random() < 0.7 else None
                ),
                "source": spelled(rng, source.name, source.spellings),
                "manager": manager,
                "created": maybe_text_date(rng, created[index]),
                "marketing_consent": consent,
                "unsubscribed": True if rng.random() < 0.03 else None,
                "notes": rng.choice(("VIP", "Pays late", "Prefers WhatsApp", None, None, None)),
            }
        )
        people.append(Customer(row_id, name, created[index], country, source, manager, last_active))
    _add_customer_specials(rng, rows, people, today)
    return rows, people


def _email_handle(rng: random.Random, first: str, last: str) -> str:
    first_part, last_part = ascii_handle(first), ascii_handle(last)
    first_word = first_part.split(".")[0]
    last_word = last_part.split(".")[0]
    return rng.choice(
        (
            f"{first_word}.{last_word}",
            f"{first_word}{last_word}",
            f"{first_word[0]}.{last_word}",
            f"{first_word}_{last_word}",
            f"{first_word}.{last_word}{rng.randint(1, 99)}",
        )
    )


def _add_customer_specials(
    rng: random.Random, rows: list[dict[str, object]], people: list[Customer], today: date
) -> None:
    """29 February and next-week birthdays, then the deliberate mistakes (see module doc)."""
    numbered = [i for i, p in enumerate(people) if p.row_id is not None]
    few = max(3, len(rows) // 150)
    # Never the first numbered row (the duplicate needs an earlier original) nor the last row.
    chosen = rng.sample(numbered[1:-1], 2 * few + 4)
    leap, soon, mistakes = chosen[:few], chosen[few : 2 * few], chosen[2 * few :]
    for index in leap:
        rows[index]["birthday"] = _birthday_on(rng, 2, 29, today)
    for offset, index in enumerate(soon):
        upcoming = today + timedelta(days=1 + offset % 6)
        rows[index]["birthday"] = _birthday_on(rng, upcoming.month, upcoming.day, today)
    bad_email, bad_phone, duplicate, future = mistakes
    rows[bad_email]["email"] = str(rows[bad_email]["email"]).replace("@", "", 1)
    region = people[bad_phone].country.region
    rows[bad_phone]["phone"] = _drop_a_digit(rng, str(rows[bad_phone]["phone"]), region)
    # The same person typed twice, later, with the name in lower case: same email.
    original = rng.choice([i for i in numbered if i < duplicate and i not in chosen])
    rows[duplicate]["email"] = rows[original]["email"]
    rows[duplicate]["name"] = str(rows[original]["name"]).lower()
    rows[future]["birthday"] = today.replace(day=1) + timedelta(days=400)
    # The last row: someone started typing a customer and stopped after the name.
    half = rows[-1]
    for key in half:
        if key != "name":
            half[key] = None
    people[-1].row_id = None  # no ID, so no deal or interaction refers to it
