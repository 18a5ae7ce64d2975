"""Load the workbook contract (``crm.toml``) into frozen dataclasses.

The schema is the one description of the workbook that the bot, the dashboard and the backends
share: which tabs exist, which columns each has, their types, and who owns them.
"""

from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any


class SchemaError(ValueError):
    """The schema file is broken; the message names the tab and column."""


class ColumnType(StrEnum):
    """What a column holds; decides how a cell is parsed and written."""

    TEXT = "text"
    EMAIL = "email"
    PHONE = "phone"
    DATE = "date"
    DATETIME = "datetime"
    MONEY = "money"
    NUMBER = "number"
    CHOICE = "choice"
    BOOLEAN = "boolean"
    ID = "id"
    REFERENCE = "reference"


class Owner(StrEnum):
    """Who writes a column: people (team) or the bot."""

    TEAM = "team"
    BOT = "bot"


@functools.lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Fold text for matching headers and choices: no accents, no case, single spaces.

    "  Correo  Electrónico" and "correo electronico" fold to the same string.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    without_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # Greek final sigma folds to the ordinary sigma, so "Πελάτης" matches "ΠΕΛΆΤΗΣ".
    return " ".join(without_marks.casefold().replace("ς", "σ").split())


def _default_key(header: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", fold(header)).strip("_")


@dataclass(frozen=True)
class Column:
    """One column of a tab."""

    tab: str
    key: str
    header: str
    type: ColumnType
    owner: Owner = Owner.TEAM
    required: bool = False
    choices: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    # Spellings only an imported file's column may have (Odoo's ``country_id``): never matched
    # in the workbook's own header row, where a team's "Country code" (a phone prefix) beside
    # its "Country" must stay the team's column, not clash with ours as a second Country.
    import_aliases: tuple[str, ...] = ()
    # Aliases that name this column more surely than its header or its other aliases do: a file
    # with both (Odoo's ``name`` is a lead's title, its ``contact_name`` the person) is imported
    # from the column under one of these.
    preferred_aliases: tuple[str, ...] = ()
    # A file may give this column in parts (a person's first and last name): the header
    # spellings of each part, in the order an import joins them with a space.
    parts: tuple[tuple[str, ...], ...] = ()
    references: str | None = None
    # Other spellings of allowed values, e.g. {"Won": ("Closed won", "Ganado")}.
    choice_aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # The team's list (a name in the Lists tab, e.g. "Source") that holds this column's values;
    # None: the values are fixed by this schema (the bot's own columns, languages).
    list_name: str | None = None
    # What a value means to the bot, e.g. {"Won": "won"}: stages are open, won or lost whatever
    # the team calls them (see sheet_schema.lists).
    choice_meanings: Mapping[str, str] = field(default_factory=dict)
    # A date column that holds months (Sources' Month): a month typed alone, "2026-03" or
    # "03/2026", reads as its first day instead of being refused as no date.
    months: bool = False

    @property
    def bot_owned(self) -> bool:
        """True when the bot fills this column and people should not type in it."""
        return self.owner is Owner.BOT

    @functools.cached_property
    def choice_lookup(self) -> Mapping[str, str]:
        """Every folded spelling of an allowed value (the value itself or an alias) -> value."""
        lookup = {
            fold(a): choice for choice, aliases in self.choice_aliases.items() for a in aliases
        }
        # The allowed values themselves win over an alias that folds the same way.
        lookup.update({fold(choice): choice for choice in self.choices})
        return lookup

    def meaning(self, value: object) -> str | None:
        """What an allowed value means to the bot ("won"...), None for any other value."""
        return self.choice_meanings.get(value) if isinstance(value, str) else None

    def header_names(self) -> tuple[str, ...]:
        """The header and every alias, as written in the schema (what the workbook's header
        row is matched against)."""
        return (self.header, *self.aliases)

    def import_names(self) -> tuple[str, ...]:
        """The header, every alias and the import-only aliases: what an imported file's
        header is matched against."""
        return (*self.header_names(), *self.import_aliases)


@dataclass(frozen=True)
class Tab:
    """One tab (worksheet) of the workbook."""

    name: str
    columns: tuple[Column, ...]
    aliases: tuple[str, ...] = ()
    id_prefix: str | None = None
    key_columns: tuple[str, ...] = ()
    append_only: bool = False
    _by_key: dict[str, Column] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_key.update({column.key: column for column in self.columns})

    def column(self, key: str) -> Column:
        """The column with this key; KeyError names the tab if there is none."""
        try:
            return self._by_key[key]
        except KeyError:
            raise KeyError(f"tab {self.name!r} has no column {key!r}") from None

    def has_column(self, key: str) -> bool:
        """True when the tab declares a column with this key."""
        return key in self._by_key

    def with_columns(self, columns: tuple[Column, ...]) -> Tab:
        """This tab with other column definitions (same keys), e.g. the team's choices."""
        return Tab(
            name=self.name,
            columns=columns,
            aliases=self.aliases,
            id_prefix=self.id_prefix,
            key_columns=self.key_columns,
            append_only=self.append_only,
        )

    @property
    def bot_columns(self) -> tuple[Column, ...]:
        """Columns the bot fills."""
        return tuple(c for c in self.columns if c.bot_owned)


@dataclass(frozen=True)
class Schema:
    """Every tab of the workbook, in the order ``init`` creates them."""

    tabs: tuple[Tab, ...]
    version: int = 1

    @property
    def tab_names(self) -> tuple[str, ...]:
        """Canonical tab names, in order."""
        return tuple(tab.name for tab in self.tabs)

    def tab(self, name: str) -> Tab:
        """The tab with this canonical name."""
        for tab in self.tabs:
            if tab.name == name:
                return tab
        raise KeyError(f"the schema has no tab {name!r}")

    def find_tab(self, title: str) -> Tab | None:
        """The tab a worksheet title stands for (its name or an alias, any case), if any."""
        wanted = fold(title)
        for tab in self.tabs:
            if wanted in {fold(n) for n in (tab.name, *tab.aliases)}:
                return tab
        return None


_COLUMN_FIELDS = {
    "header",
    "key",
    "type",
    "owner",
    "required",
    "choices",
    "choice_aliases",
    "aliases",
    "import_aliases",
    "preferred_aliases",
    "parts",
    "references",
    "list",
    "meanings",
    "months",
}
_TAB_FIELDS = {"name", "aliases", "id_prefix", "key_columns", "append_only", "column"}


def _string_list(value: Any, where: str, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise SchemaError(f"{where}: {what} must be a list of non-empty strings")
    return tuple(value)


def _parse_column(tab_name: str, index: int, raw: Any) -> Column:
    if not isinstance(raw, dict):
        raise SchemaError(f"tab {tab_name!r}, column #{index + 1}: expected a table")
    header = raw.get("header")
    if not isinstance(header, str) or not header.strip():
        raise SchemaError(f"tab {tab_name!r}, column #{index + 1}: 'header' is missing or blank")
    where = f"tab {tab_name!r}, column {header!r}"
    unknown = set(raw) - _COLUMN_FIELDS
    if unknown:
        raise SchemaError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    try:
        column_type = ColumnType(raw.get("type", "text"))
    except ValueError:
        allowed = ", ".join(t.value for t in ColumnType)
        raise SchemaError(f"{where}: type {raw.get('type')!r} is not one of {allowed}") from None
    try:
        owner = Owner(raw.get("owner", "team"))
    except ValueError:
        raise SchemaError(f"{where}: owner {raw.get('owner')!r} must be 'team' or 'bot'") from None
    required = raw.get("required", False)
    if not isinstance(required, bool):
        raise SchemaError(f"{where}: 'required' must be true or false")
    choices = _string_list(raw.get("choices", []), where, "choices")
    if column_type is ColumnType.CHOICE and not choices:
        raise SchemaError(f"{where}: a choice column needs a non-empty 'choices' list")
    if choices and column_type is not ColumnType.CHOICE:
        raise SchemaError(f"{where}: only choice columns take 'choices'")
    choice_aliases = _parse_choice_aliases(raw.get("choice_aliases", {}), choices, where)
    meanings = _parse_meanings(raw.get("meanings", {}), choices, where)
    list_name = raw.get("list")
    if list_name is not None and not (isinstance(list_name, str) and choices):
        raise SchemaError(f"{where}: 'list' names the team's list of a choice column")
    references = raw.get("references")
    if column_type is ColumnType.REFERENCE and not isinstance(references, str):
        raise SchemaError(f"{where}: a reference column needs 'references' (a tab name)")
    months = raw.get("months", False)
    if not isinstance(months, bool) or (months and column_type is not ColumnType.DATE):
        raise SchemaError(f"{where}: 'months' is true or false, and only for a date column")
    key = raw.get("key", _default_key(header))
    if not isinstance(key, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", key):
        raise SchemaError(f"{where}: key {key!r} must be snake_case")
    aliases = _string_list(raw.get("aliases", []), where, "aliases")
    import_aliases = _string_list(raw.get("import_aliases", []), where, "import_aliases")
    preferred = _string_list(raw.get("preferred_aliases", []), where, "preferred_aliases")
    if not {fold(a) for a in preferred} <= {fold(a) for a in (*aliases, *import_aliases)}:
        raise SchemaError(
            f"{where}: every one of 'preferred_aliases' must be in 'aliases' or 'import_aliases'"
        )
    raw_parts = raw.get("parts", [])
    if not isinstance(raw_parts, list) or len(raw_parts) == 1:
        raise SchemaError(f"{where}: 'parts' is a list of two or more lists of header spellings")
    parts = tuple(_string_list(part, where, "parts") for part in raw_parts)
    return Column(
        tab=tab_name,
        key=key,
        header=header,
        type=column_type,
        owner=owner,
        required=required,
        choices=choices,
        aliases=aliases,
        import_aliases=import_aliases,
        preferred_aliases=preferred,
        parts=parts,
        references=references if isinstance(references, str) else None,
        choice_aliases=choice_aliases,
        list_name=list_name,
        choice_meanings=meanings,
        months=months,
    )


def _parse_choice_aliases(
    raw: Any, choices: tuple[str, ...], where: str
) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, dict):
        raise SchemaError(f"{where}: choice_aliases must be a table of value = [spellings]")
    parsed: dict[str, tuple[str, ...]] = {}
    for choice, spellings in raw.items():
        if choice not in choices:
            raise SchemaError(f"{where}: choice_aliases names {choice!r}, which is not a choice")
        parsed[choice] = _string_list(spellings, where, f"choice_aliases.{choice}")
    return parsed


def _parse_meanings(raw: Any, choices: tuple[str, ...], where: str) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise SchemaError(f"{where}: meanings must be a table of value = meaning")
    for choice, meaning in raw.items():
        if choice not in choices or not isinstance(meaning, str) or not meaning:
            raise SchemaError(f"{where}: meanings.{choice} must give a choice a meaning")
    return dict(raw)


def _check_unique_names(tab_name: str, columns: tuple[Column, ...]) -> None:
    seen_keys: set[str] = set()
    # Aliases are compared within one tab only: "Source" may mean a column in two tabs.
    seen_names: dict[str, str] = {}
    for column in columns:
        if column.key in seen_keys:
            raise SchemaError(
                f"tab {tab_name!r}, column {column.header!r}: key {column.key!r} repeats"
            )
        seen_keys.add(column.key)
        for name in column.import_names():
            folded = fold(name)
            if folded in seen_names and seen_names[folded] != column.header:
                raise SchemaError(
                    f"tab {tab_name!r}, column {column.header!r}: the name {name!r} is already "
                    f"used by column {seen_names[folded]!r}"
                )
            seen_names[folded] = column.header


def _parse_tab(index: int, raw: Any) -> Tab:
    if not isinstance(raw, dict):
        raise SchemaError(f"tab #{index + 1}: expected a table")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise SchemaError(f"tab #{index + 1}: 'name' is missing or blank")
    unknown = set(raw) - _TAB_FIELDS
    if unknown:
        raise SchemaError(f"tab {name!r}: unknown field(s) {', '.join(sorted(unknown))}")
    raw_columns = raw.get("column", [])
    if not isinstance(raw_columns, list) or not raw_columns:
        raise SchemaError(f"tab {name!r}: declares no columns")
    columns = tuple(_parse_column(name, i, c) for i, c in enumerate(raw_columns))
    _check_unique_names(name, columns)
    keys = {c.key for c in columns}
    key_columns = _string_list(raw.get("key_columns", []), f"tab {name!r}", "key_columns")
    for key in key_columns:
        if key not in keys:
            raise SchemaError(f"tab {name!r}: key column {key!r} is not a column of the tab")
    id_prefix = raw.get("id_prefix")
    if id_prefix is not None and not (isinstance(id_prefix, str) and "id" in keys):
        raise SchemaError(f"tab {name!r}: 'id_prefix' needs a text prefix and an 'ID' column")
    return Tab(
        name=name,
        columns=columns,
        aliases=_string_list(raw.get("aliases", []), f"tab {name!r}", "aliases"),
        id_prefix=id_prefix,
        key_columns=key_columns,
        append_only=bool(raw.get("append_only", False)),
    )


def parse_schema(document: dict[str, Any]) -> Schema:
    """Build a Schema from an already-parsed TOML document, checking every rule."""
    raw_tabs = document.get("tab")
    if not isinstance(raw_tabs, list) or not raw_tabs:
        raise SchemaError("the schema declares no [[tab]]")
    tabs = tuple(_parse_tab(i, t) for i, t in enumerate(raw_tabs))
    names: set[str] = set()
    for tab in tabs:
        own = {fold(name): name for name in (tab.name, *tab.aliases)}
        for folded, name in own.items():
            if folded in names:
                raise SchemaError(f"tab {tab.name!r}: the name {name!r} is used by another tab")
        names.update(own)
    canonical = {tab.name for tab in tabs}
    for tab in tabs:
        for column in tab.columns:
            if column.references is not None and column.references not in canonical:
                raise SchemaError(
                    f"tab {tab.name!r}, column {column.header!r}: references unknown tab "
                    f"{column.references!r}"
                )
    version = document.get("schema_version", 1)
    if not isinstance(version, int):
        raise SchemaError("schema_version must be a whole number")
    return Schema(tabs=tabs, version=version)


def load_schema(path: Path | None = None) -> Schema:
    """Load the schema from ``path``, or the packaged ``crm.toml`` when no path is given."""
    if path is None:
        text = resources.files("sheet_schema").joinpath("crm.toml").read_text(encoding="utf-8")
        source = "crm.toml"
    else:
        text = path.read_text(encoding="utf-8")
        source = str(path)
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SchemaError(f"{source}: not valid TOML: {error}") from None
    return parse_schema(document)
