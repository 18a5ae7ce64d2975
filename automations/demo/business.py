"""Who the demo business is: the countries its customers live in, its managers, its sources.

Each marketing source brings its share of customers and has its own cost and results (Event
loses money, Referral and Walk-in have no cost rows); customers and their deals, and the Sources
tab's cost rows, are all drawn from these tables.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Country:
    """A country customers come from, and how its people type it."""

    region: str
    locale: str
    language: str
    # How people type the country and the language (code first: the most common).
    country_spellings: tuple[str, ...]
    language_spellings: tuple[str, ...]
    cities: tuple[str, ...]
    weight: float


COUNTRIES = (
    Country(
        "ES",
        "es_ES",
        "es",
        ("ES", "ES", "España", "Spain"),
        ("es", "es", "es", "Español", "Spanish"),
        ("Madrid", "Barcelona", "Valencia", "Sevilla", "Zaragoza", "Málaga", "Bilbao", "Alicante"),
        0.36,
    ),
    Country(
        "PT",
        "pt_PT",
        "pt",
        ("PT", "Portugal"),
        ("pt", "pt", "Português"),
        ("Lisboa", "Porto", "Braga", "Coimbra", "Aveiro", "Faro", "Setúbal", "Funchal"),
        0.12,
    ),
    Country(
        "BR",
        "pt_BR",
        "pt",
        ("BR", "Brasil", "Brazil"),
        ("pt", "pt", "Portuguese"),
        ("São Paulo", "Rio de Janeiro", "Belo Horizonte", "Curitiba", "Porto Alegre", "Recife"),
        0.08,
    ),
    Country(
        "GR",
        "el_GR",
        "el",
        ("GR", "Ελλάδα", "Greece"),
        ("el", "el", "Ελληνικά", "Greek"),
        ("Αθήνα", "Θεσσαλονίκη", "Πάτρα", "Ηράκλειο", "Λάρισα", "Βόλος", "Ιωάννινα", "Χανιά"),
        0.12,
    ),
    Country(
        "GB",
        "en_GB",
        "en",
        ("GB", "United Kingdom"),
        ("en", "en", "English"),
        ("London", "Manchester", "Birmingham", "Leeds", "Glasgow", "Bristol", "Edinburgh"),
        0.12,
    ),
    Country(
        "US",
        "en_US",
        "en",
        ("US", "United States"),
        ("en", "English"),
        ("New York", "Boston", "Chicago", "Miami", "San Francisco", "Austin", "Seattle"),
        0.10,
    ),
    Country(
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
MANAGERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Lucía Romero", ("ES",)),
    ("Javier Ortega", ("ES", "DE")),
    ("Inês Costa", ("PT", "BR")),
    ("Eleni Georgiou", ("GR",)),
    ("Oliver Hughes", ("GB", "US", "DE")),
)


@dataclass(frozen=True)
class Source:
    """A marketing source: its share of customers, its cost and how well its deals go."""

    name: str
    share: float  # of customers
    monthly_cost: float | None  # per 300 customers; None: the source has no cost rows
    win_factor: float  # <1 turns won deals into lost ones, >1 the other way round
    value_factor: float
    spellings: tuple[str, ...] = ()  # other ways people type it (choice aliases)


SOURCES = (
    Source("Google Ads", 0.22, 1800.0, 1.0, 1.0, ("Adwords", "Paid search")),
    Source("Website", 0.14, 600.0, 1.1, 1.0, ("Web", "SEO")),
    Source("Facebook", 0.12, 1400.0, 0.9, 0.8, ("FB",)),
    Source("Instagram", 0.08, 700.0, 0.8, 0.7),
    Source("Email", 0.07, 80.0, 1.2, 0.9, ("Newsletter",)),
    Source("Event", 0.06, 2600.0, 0.25, 0.7, ("Feria", "Trade show")),
    Source("Partner", 0.06, 800.0, 1.0, 1.3),
    Source("Referral", 0.15, None, 1.6, 1.1, ("Word of mouth", "Referido")),
    Source("Walk-in", 0.05, None, 1.0, 0.6, ("Shop",)),
)
