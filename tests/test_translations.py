"""The gettext catalogs: complete, not stale, same placeholders as English, plural forms; the
languages come from the catalogs present, and a catalog works without a compiled .mo."""

from __future__ import annotations

import os
import shutil
import string
import tomllib
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from automations import messages
from automations.rules.segments import SEGMENTS
from dashboard.i18n import Translator
from sheet_schema import labels, translation
from sheet_schema.translation import DOMAIN, LOCALES_DIR, catalog_languages, load_translations

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("sheet_schema", "automations", "dashboard")
Key = tuple[str | None, str]  # (context, msgid)


def extracted() -> dict[Key, Message]:
    """What `pybabel extract` finds in the code as it is now (not a committed .pot)."""
    template = Catalog(domain=DOMAIN)
    keywords = {**DEFAULT_KEYWORDS, **translation.EXTRACT_KEYWORDS}
    for package in SOURCES:
        found = extract_from_dir(
            ROOT / package, method_map=[("**.py", "python")], keywords=keywords
        )
        for filename, lineno, message, _comments, context in found:
            template.add(message, locations=[(f"{package}/{filename}", lineno)], context=context)
    return {key_of(m): m for m in template if m.id}


def key_of(message: Message) -> Key:
    msgid = message.id[0] if isinstance(message.id, tuple | list) else message.id
    return message.context, str(msgid)


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, domain=DOMAIN)


def catalog_problems(template: dict[Key, Message], catalog: Catalog) -> list[str]:
    """Everything a translator must fix in one catalog against the extracted messages."""
    problems = []
    if not catalog.num_plurals or "Plural-Forms" not in dict(catalog.mime_headers):
        problems.append("no Plural-Forms header")
    present = {key_of(m): m for m in catalog if m.id}
    for key, source in template.items():
        message = present.get(key)
        if message is None:
            problems.append(f"missing: {key}")
            continue
        forms = message.string if isinstance(message.string, tuple | list) else [message.string]
        if message.fuzzy or not all(forms):
            problems.append(f"untranslated: {key}")
        if isinstance(source.id, tuple | list):
            if len(forms) != catalog.num_plurals:
                problems.append(f"plural forms: {key} has {len(forms)} of {catalog.num_plurals}")
            english = fields(source.id[0]) | fields(source.id[1])
        else:
            english = fields(str(source.id))
        for form in forms:
            if form and fields(form) != english:
                problems.append(f"placeholders: {key} {sorted(fields(form))} != {sorted(english)}")
        if english and "python-brace-format" not in message.flags:
            problems.append(f"no python-brace-format flag: {key}")
    problems.extend(f"stale: {key}" for key in present if key not in template)
    problems.extend(f"stale (obsolete): {key}" for key in catalog.obsolete)
    return problems


@pytest.fixture(scope="module")
def template() -> dict[Key, Message]:
    return extracted()


def test_the_three_catalogs_are_found_and_english_is_the_source() -> None:
    assert catalog_languages() == ("el", "es", "pt")
    assert translation.LANGUAGES == ("en", "el", "es", "pt")


@pytest.mark.parametrize("language", catalog_languages())
def test_every_catalog_is_complete_current_and_keeps_the_placeholders(
    language: str, template: dict[Key, Message]
) -> None:
    catalog = read(LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po")
    assert catalog_problems(template, catalog) == []
    assert catalog.num_plurals == 2


def test_the_committed_template_matches_the_code(template: dict[Key, Message]) -> None:
    committed = read(LOCALES_DIR / f"{DOMAIN}.pot")
    assert {key_of(m) for m in committed if m.id} == set(template)


def test_the_check_finds_each_kind_of_catalog_fault(template: dict[Key, Message]) -> None:
    catalog = read(LOCALES_DIR / "es" / "LC_MESSAGES" / f"{DOMAIN}.po")
    missing = (None, "No customers.")
    untranslated = (None, "Nothing here.")
    changed = (None, "{column}: '{value}' is not a number.")
    plural = (None, "Upcoming (next {days} day)")
    catalog.delete(missing[1])
    catalog[untranslated[1]].string = ""
    catalog[changed[1]].string = "{columna}: '{value}' no es un número."
    catalog[plural[1]].string = ("Próximos ({days} día)",)
    catalog.add("A sentence the code no longer has.", "Una frase vieja.")
    catalog.obsolete["Gone"] = Message("Gone", "Ido")
    found = catalog_problems(template, catalog)
    assert f"missing: {missing}" in found
    assert f"untranslated: {untranslated}" in found
    assert any(p.startswith(f"placeholders: {changed}") for p in found)
    assert f"plural forms: {plural} has 1 of 2" in found
    assert "stale: (None, 'A sentence the code no longer has.')" in found
    assert "stale (obsolete): Gone" in found
    assert len(found) == 6


def test_canonical_labels_are_the_schema_choices_and_the_bot_segments() -> None:
    with (ROOT / "sheet_schema" / "crm.toml").open("rb") as handle:
        tabs = {tab["name"]: tab for tab in tomllib.load(handle)["tab"]}

    def choices(tab: str, header: str) -> tuple[str, ...]:
        column = next(c for c in tabs[tab]["column"] if c["header"] == header)
        return tuple(column["choices"])

    assert labels.canonical_values("stage") == choices("Deals", "Stage")
    assert labels.canonical_values("lifecycle") == choices("Customers", "Lifecycle")
    bot_segments = {name for row in SEGMENTS for name in row}
    assert set(labels.canonical_values("segment")) == bot_segments


def test_counts_pick_the_singular_or_the_plural_sentence() -> None:
    def dormant(language: str, days: int) -> str:
        return messages.render("lifecycle.dormant", language, {"date": "1 May", "days": days})

    assert dormant("en", 1).endswith("(more than 1 day).")
    assert dormant("en", 90).endswith("(more than 90 days).")
    assert dormant("es", 1).endswith("(más de 1 día).")
    assert dormant("es", 90).endswith("(más de 90 días).")
    assert dormant("el", 90).endswith("(πάνω από 90 ημέρες).")
    spanish = Translator("es")
    assert spanish("reminders.upcoming", days=1) == "Próximos (1 día)"
    assert spanish("customers.matches", count=1234, shown=500) == (
        "1.234 clientes coinciden; se muestran los primeros 500."
    )


def test_stage_labels_are_translated_and_typed_values_kept() -> None:
    spanish = Translator("es")
    assert spanish.label("stage", "Won") == "Ganado"
    assert spanish.label("segment", "Lost") == "Perdidos"
    assert spanish.label("lifecycle", "Lost") == "Perdido"
    assert spanish.label("stage", "won") == "won"
    assert spanish.label("stage", "Ganada por teléfono") == "Ganada por teléfono"
    assert Translator("en").label("stage", "Won") == "Won"


def _copy_locales(tmp_path: Path) -> Path:
    target = tmp_path / "locales"
    shutil.copytree(LOCALES_DIR, target, ignore=shutil.ignore_patterns("*.mo"))
    return target


def test_a_new_catalog_file_is_a_new_language(tmp_path: Path) -> None:
    locales = _copy_locales(tmp_path)
    french = locales / "fr" / "LC_MESSAGES"
    french.mkdir(parents=True)
    catalog = read(LOCALES_DIR / "es" / "LC_MESSAGES" / f"{DOMAIN}.po")
    catalog.locale = "fr"  # type: ignore[assignment]
    catalog["No customers."].string = "Aucun client."
    with (french / f"{DOMAIN}.po").open("wb") as handle:
        write_po(handle, catalog)
    assert catalog_languages(locales) == ("el", "es", "fr", "pt")
    assert load_translations("fr", locales).gettext("No customers.") == "Aucun client."


def _write(catalog: Catalog, path: Path, mtime: float) -> None:
    if path.suffix == ".mo":
        buffer = BytesIO()
        write_mo(buffer, catalog)
        path.write_bytes(buffer.getvalue())
    else:
        with path.open("wb") as handle:
            write_po(handle, catalog)
    os.utime(path, (mtime, mtime))


def test_a_missing_or_stale_mo_is_compiled_from_the_po(tmp_path: Path) -> None:
    locales = _copy_locales(tmp_path)
    po_path = locales / "es" / "LC_MESSAGES" / f"{DOMAIN}.po"
    mo_path = po_path.with_suffix(".mo")
    start = po_path.stat().st_mtime
    # No .mo at all (a plain `pip install .`): the .po is compiled in memory.
    assert load_translations("es", locales).gettext("No customers.") == "No hay clientes."
    # A .mo compiled after the .po is what is read.
    catalog = read(po_path)
    catalog["No customers."].string = "Ningún cliente (compilado)."
    _write(catalog, mo_path, start + 60)
    assert load_translations("es", locales).gettext("No customers.") == (
        "Ningún cliente (compilado)."
    )
    # The translator then edits the .po: the older .mo is stale and the .po wins.
    catalog["No customers."].string = "Ningún cliente."
    _write(catalog, po_path, start + 120)
    assert load_translations("es", locales).gettext("No customers.") == "Ningún cliente."
