"""The team's lists: the allowed values of the team's choice columns, kept in the Lists tab.

A choice column with a ``list`` in ``crm.toml`` (Source, Stage, Lost reason, Interaction kind)
takes its values from the workbook's Lists tab, one row per value, in order: List | Value |
Meaning | Also written as. ``init`` fills the tab with the defaults of ``crm.toml``
(:func:`default_rows`), and in an older workbook adds only what :func:`list_rows_to_add` says
(the tab is the team's: a value it renamed or deleted stays so); every read turns it into the
workbook's own schema (:func:`read_lists`), which reading the cells, the rules, the dropdowns
and the dashboard then use.

A value's *meaning* is what the bot needs to know of it whatever the team calls it: a stage is
``open``, ``won`` or ``lost`` (:func:`stage_meaning`); an interaction kind may be a
``purchase`` (revenue), a ``complaint`` (waits for an answer) or a ``form`` answer
(what form intake writes, :mod:`automations.intake.forms`). A broken row is reported
(tab, row, column) and left out; a list with no usable row, or no Lists tab at all, falls back
to the defaults and says so. Nothing here does I/O.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from sheet_schema.model import Row, TabIssue
from sheet_schema.schema import Column, Schema, fold

LISTS = "Lists"
OPEN, WON, LOST = "open", "won", "lost"
PURCHASE, COMPLAINT, FORM = "purchase", "complaint", "form"

# Meanings may be typed in the workbook's language too.
_MEANING_WORDS: Mapping[str, str] = {
    fold(word): meaning
    for meaning, words in {
        OPEN: ("open", "abierto", "abierta", "aberto", "aberta", "ανοιχτό", "ανοιχτή"),
        WON: ("won", "ganado", "ganada", "ganho", "ganha", "κερδισμένο", "κερδισμένη"),
        LOST: ("lost", "perdido", "perdida", "χαμένο", "χαμένη"),
        PURCHASE: ("purchase", "compra", "αγορά"),
        COMPLAINT: ("complaint", "queja", "reclamación", "reclamação", "παράπονο"),
        FORM: ("form", "formulario", "formulário", "φόρμα"),
    }.items()
    for word in words
}
_ALIAS_SEPARATORS = re.compile(r"[,;\n]")
# Meanings of values the bot writes itself: form intake writes each answer as the interaction
# kind meaning "form". ``init`` adds such a value to a team's list that has none, or the bot's
# own rows would read as "not in the list". Purchase, complaint, won and lost are typed by
# people only: a team that removed one chose to, and ``init`` leaves it so.
BOT_WRITTEN = frozenset({FORM})


@dataclass(frozen=True)
class TeamList:
    """One list: its values in order, their other spellings and their meanings."""

    name: str
    values: tuple[str, ...]
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    meanings: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ListRow:
    """A row of the Lists tab as ``init`` writes it."""

    list: str
    value: str
    meaning: str
    aliases: str


def list_columns(schema: Schema) -> dict[str, list[Column]]:
    """The columns that take their values from each list, by list name (in schema order)."""
    found: dict[str, list[Column]] = {}
    for tab in schema.tabs:
        for column in tab.columns:
            if column.list_name:
                found.setdefault(column.list_name, []).append(column)
    return found


def default_lists(schema: Schema) -> dict[str, TeamList]:
    """The lists as ``crm.toml`` gives them (the first column of each list is its source)."""
    return {
        name: TeamList(name, c[0].choices, dict(c[0].choice_aliases), _default_meanings(c[0]))
        for name, c in list_columns(schema).items()
    }


def _default_meanings(column: Column) -> dict[str, str]:
    fallback = _blank_meaning(column)
    meanings = {value: fallback for value in column.choices if fallback}
    meanings.update(column.choice_meanings)
    return meanings


def _blank_meaning(column: Column) -> str | None:
    """What a value without a Meaning means: open for stages, nothing for other lists."""
    return OPEN if OPEN in column.choice_meanings.values() else None


def allowed_meanings(column: Column) -> tuple[str, ...]:
    """The meanings a value of this column's list may have, in a stable order."""
    return tuple(dict.fromkeys(column.choice_meanings.values()))


def default_rows(schema: Schema) -> tuple[ListRow, ...]:
    """The Lists tab of a new workbook: every list's default values, in order."""
    return tuple(
        ListRow(
            name,
            value,
            team.meanings.get(value, ""),
            ", ".join(team.aliases.get(value, ())),
        )
        for name, team in default_lists(schema).items()
        for value in team.values
    )


def with_lists(schema: Schema, lists: Mapping[str, TeamList]) -> Schema:
    """The schema whose list columns hold these lists' values, aliases and meanings."""
    tabs = []
    for tab in schema.tabs:
        if not any(c.list_name in lists for c in tab.columns):
            tabs.append(tab)
            continue
        tabs.append(tab.with_columns(tuple(_with_list(c, lists) for c in tab.columns)))
    return Schema(tabs=tuple(tabs), version=schema.version)


def _with_list(column: Column, lists: Mapping[str, TeamList]) -> Column:
    team = lists.get(column.list_name) if column.list_name else None
    if team is None:
        return column
    return replace(
        column,
        choices=team.values,
        choice_aliases=dict(team.aliases),
        choice_meanings=dict(team.meanings),
    )


def lists_signature(schema: Schema) -> str:
    """A short text that changes whenever a list's values, spellings or meanings change."""
    parts = [
        repr(
            (
                c.tab,
                c.key,
                c.choices,
                sorted(c.choice_aliases.items()),
                sorted(c.choice_meanings.items()),
            )
        )
        for cols in list_columns(schema).values()
        for c in cols
    ]
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=16).hexdigest()


def stage_meaning(schema: Schema, stage: object) -> str | None:
    """What a Deals stage means in this workbook: open, won or lost (None: not a stage)."""
    return schema.tab("Deals").column("stage").meaning(stage)


def kind_meaning(schema: Schema, kind: object) -> str | None:
    """What an interaction kind means (purchase, complaint), None for any other kind."""
    return schema.tab("Interactions").column("kind").meaning(kind)


class _Builder:
    """One list as its rows are read: values in order, every spelling taken so far."""

    def __init__(self, name: str, column: Column) -> None:
        self.name = name
        self.column = column
        self.values: list[str] = []
        self.aliases: dict[str, list[str]] = {}
        self.meanings: dict[str, str] = {}
        self.taken: dict[str, tuple[str, int]] = {}  # folded spelling -> (value, row)
        self.rows = 0

    def build(self) -> TeamList:
        aliases = {v: tuple(a) for v, a in self.aliases.items() if a}
        return TeamList(self.name, tuple(self.values), aliases, dict(self.meanings))


def _issue(row: int, column: str, message: str) -> TabIssue:
    return TabIssue(LISTS, "list.row", f"{LISTS} row {row}, {column}: {message}", column)


def _read_row(row: Row, builder: _Builder, issues: list[TabIssue]) -> None:
    value = " ".join(row.text("value").split())
    if not value:
        issues.append(_issue(row.number, "Value", "empty; the row is left out."))
        return
    taken = builder.taken.get(fold(value))
    if taken is not None:
        other, at = taken
        what = "listed" if fold(other) == fold(value) else f"written as {other!r}"
        issues.append(
            _issue(
                row.number,
                "Value",
                f"{value!r} is already {what} in the {builder.name} list (row {at}); "
                "this row is left out.",
            )
        )
        return
    meaning = _read_meaning(row, value, builder, issues)
    builder.values.append(value)
    builder.taken[fold(value)] = (value, row.number)
    if meaning:
        builder.meanings[value] = meaning
    spellings = builder.aliases.setdefault(value, [])
    for alias in (a.strip() for a in _ALIAS_SEPARATORS.split(row.text("aliases"))):
        if not alias or fold(alias) == fold(value):
            continue
        taken = builder.taken.get(fold(alias))
        if taken is not None:
            issues.append(
                _issue(
                    row.number,
                    "Also written as",
                    f"{alias!r} already stands for {taken[0]!r} (row {taken[1]}); it is "
                    f"not read as {value!r}.",
                )
            )
            continue
        spellings.append(alias)
        builder.taken[fold(alias)] = (value, row.number)


def _read_meaning(row: Row, value: str, builder: _Builder, issues: list[TabIssue]) -> str | None:
    allowed = allowed_meanings(builder.column)
    typed = row.text("meaning").strip()
    blank = _blank_meaning(builder.column)
    if not typed or not allowed:
        return blank
    meaning = _MEANING_WORDS.get(fold(typed))
    if meaning in allowed:
        return meaning
    choices = " or ".join([", ".join(allowed[:-1]), allowed[-1]] if len(allowed) > 1 else allowed)
    consequence = f"{value!r} counts as {blank}" if blank else f"{value!r} means nothing special"
    issues.append(
        _issue(row.number, "Meaning", f"{typed!r} is not {choices}; {consequence} until fixed.")
    )
    return blank


def _list_names(schema: Schema) -> dict[str, str]:
    """Folded spelling -> list name: a list is named by its name or a header of its columns."""
    names: dict[str, str] = {}
    for name, cols in list_columns(schema).items():
        for column in cols:
            for spelling in column.header_names():
                names.setdefault(fold(spelling), name)
        names[fold(name)] = name
    return names


def read_lists(
    schema: Schema, rows: Sequence[Row] | None, problem: str | None = None
) -> tuple[Schema, list[TabIssue]]:
    """The workbook's schema from its Lists rows, and what is wrong with them.

    ``rows`` None means the tab is missing or unreadable (``problem`` says why, when it is not
    reported already): every list keeps its defaults. A list named by no usable row keeps its
    defaults too, and says so.
    """
    defaults = default_lists(schema)
    columns = {name: cols[0] for name, cols in list_columns(schema).items()}
    issues: list[TabIssue] = []
    if rows is None:
        if problem:
            issues.append(TabIssue(LISTS, "list.unusable", problem))
        return schema, issues
    names = _list_names(schema)
    builders = {name: _Builder(name, column) for name, column in columns.items()}
    for row in rows:
        typed = row.text("list").strip()
        found = names.get(fold(typed))
        if found is None:
            known = ", ".join(builders)
            message = (
                f"{typed!r} is not one of the lists ({known}); the row is left out."
                if typed
                else "empty; the row is left out."
            )
            issues.append(_issue(row.number, "List", message))
            continue
        builders[found].rows += 1
        _read_row(row, builders[found], issues)
    lists: dict[str, TeamList] = {}
    for name, builder in builders.items():
        if builder.values:
            lists[name] = builder.build()
            issues.extend(_missing_meanings(lists[name], builder.column))
            continue
        lists[name] = defaults[name]
        issues.append(
            TabIssue(
                LISTS,
                "list.defaults",
                f"{LISTS}: the {name} list has no values; the defaults are used "
                f"({', '.join(defaults[name].values)}). Add rows with List {name!r} to "
                "make it the team's.",
                "List",
            )
        )
    return with_lists(schema, lists), issues


def _missing_meanings(team: TeamList, column: Column) -> Iterable[TabIssue]:
    """A Stage list needs a won and a lost stage, or no deal could ever be decided."""
    if OPEN not in allowed_meanings(column):
        return
    for meaning in (WON, LOST):
        if meaning not in team.meanings.values():
            yield TabIssue(
                LISTS,
                "list.meaning_missing",
                f"{LISTS}: no value of the {team.name} list has the Meaning {meaning!r}, so "
                f"no deal counts as {meaning}. Type {meaning} in the Meaning column of "
                "that stage.",
                "Meaning",
            )


def list_rows_to_add(schema: Schema, rows: Sequence[Row]) -> tuple[ListRow, ...]:
    """The default rows ``init`` adds to a Lists tab the team already has (its ``rows``;
    ``schema`` is crm.toml's, whose lists are the defaults), in their default order.

    The tab is the team's: a default value the team renamed or removed is never added back,
    or every ``init`` would undo the team's choice. Only two kinds of rows are added:

    - every default value of a list no row names (a list added in a later version): the bot
      uses those defaults anyway while the list is missing, so writing them changes nothing it
      does and gives the team rows to edit;
    - a default value whose meaning is one the bot writes itself (:data:`BOT_WRITTEN`), when
      no value of the team's list has that meaning (a renamed value keeps its meaning) and its
      spelling is not already one of the list's.
    """
    team, _ = read_lists(schema, rows)
    names = _list_names(schema)
    named = {names.get(fold(row.text("list").strip())) for row in rows}
    team_lists = {name: cols[0] for name, cols in list_columns(team).items()}
    added: list[ListRow] = []
    for name, defaults in default_lists(schema).items():
        if name not in named:
            added.extend(r for r in default_rows(schema) if r.list == name)
            continue
        column = team_lists[name]
        taken = {fold(v) for v in column.choices} | {
            fold(a) for spellings in column.choice_aliases.values() for a in spellings
        }
        for value in defaults.values:
            meaning = defaults.meanings.get(value, "")
            if meaning not in BOT_WRITTEN or meaning in column.choice_meanings.values():
                continue
            if fold(value) in taken:
                continue
            aliases = [a for a in defaults.aliases.get(value, ()) if fold(a) not in taken]
            added.append(ListRow(name, value, meaning, ", ".join(aliases)))
    return tuple(added)
