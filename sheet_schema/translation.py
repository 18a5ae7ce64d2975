"""The gettext catalogs every sentence and interface word comes from, one per language.

English is the source language: the message ids are the English text, and a language is
supported when ``locales/<lang>/LC_MESSAGES/sheetcrm.po`` exists (README, "Adding a language").
The bot and the dashboard keep tables of their messages marked with :func:`N_` (a sentence),
:func:`Nn_` (a sentence with a count, singular and plural) or :func:`Np_` (a word whose English
needs a context to be translated, like the stage "Won"); the marks are what ``pybabel extract``
finds, and :func:`translated` looks a marked text up in a language's catalog.

The compiled ``.mo`` files are build products (``dev.py`` makes them with ``pybabel compile``);
when one is missing or older than its ``.po``, the catalog is compiled in memory instead, so an
installed copy without them still speaks every language.
"""

from __future__ import annotations

import gettext
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Final

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DOMAIN: Final = "sheetcrm"
SOURCE_LANGUAGE: Final = "en"
LOCALES_DIR: Final = Path(__file__).resolve().with_name("locales")
# Marks beyond Babel's default keywords, as `pybabel extract -k` takes them (README, tests).
EXTRACT_KEYWORDS: Final[Mapping[str, tuple[object, ...]]] = {
    "Nn_": (1, 2),
    "Np_": ((1, "c"), 2),
}


@dataclass(frozen=True)
class Text:
    """An English text marked for translation; looked up when shown, not when defined."""

    msgid: str
    plural: str | None = None
    count: str | None = None  # the parameter whose number picks the plural form
    context: str | None = None


def N_(msgid: str) -> Text:
    """Mark an English sentence for translation."""
    return Text(msgid)


def Nn_(singular: str, plural: str, count: str) -> Text:
    """Mark a sentence with a number in it: ``count`` names the parameter holding the number."""
    return Text(singular, plural=plural, count=count)


def Np_(context: str, msgid: str) -> Text:
    """Mark a word that needs a context to be translated ("Won" as a stage, not a count)."""
    return Text(msgid, context=context)


def catalog_languages(directory: Path = LOCALES_DIR) -> tuple[str, ...]:
    """The languages that have a catalog in ``directory``, sorted by code."""
    found = directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po")
    return tuple(sorted(path.parents[1].name for path in found))


# English first (the default), then every language with a catalog.
LANGUAGES: Final = (SOURCE_LANGUAGE, *catalog_languages())


def language_of(code: str) -> str:
    """The supported language for a Settings language code (English when unknown)."""
    return code if code in LANGUAGES else SOURCE_LANGUAGE


def load_translations(language: str, directory: Path = LOCALES_DIR) -> gettext.NullTranslations:
    """A language's catalog: the compiled ``.mo`` when up to date, else the ``.po`` compiled now.

    English, and a language without a catalog, get the identity (the English message ids).
    """
    po_path = directory / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language == SOURCE_LANGUAGE or not po_path.is_file():
        return gettext.NullTranslations()
    mo_path = po_path.with_suffix(".mo")
    if mo_path.is_file() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
        with mo_path.open("rb") as compiled:
            return gettext.GNUTranslations(compiled)
    with po_path.open("rb") as source:
        catalog = read_po(source, locale=language, domain=DOMAIN)
    buffer = BytesIO()
    write_mo(buffer, catalog)  # fuzzy entries left out, as `pybabel compile` does
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The (cached) catalog of a supported language; English for anything else."""
    return load_translations(language_of(language))


def translated(text: Text, language: str, params: Mapping[str, object] | None = None) -> str:
    """The text in a language, placeholders still in it; plurals pick their form by the count.

    A plural text whose count parameter is missing or not a number is a programming error.
    """
    catalog = translations(language)
    if text.plural is not None:
        assert text.count is not None
        number = int(str((params or {})[text.count]))
        if text.context is not None:
            return catalog.npgettext(text.context, text.msgid, text.plural, number)
        return catalog.ngettext(text.msgid, text.plural, number)
    if text.context is not None:
        return catalog.pgettext(text.context, text.msgid)
    return catalog.gettext(text.msgid)


_YES: Final = N_("yes")
_NO: Final = N_("no")


def yes_no(language: str) -> tuple[str, str]:
    """The words for yes and no in a language (also what the bot reads back as true and false)."""
    return translated(_YES, language), translated(_NO, language)
