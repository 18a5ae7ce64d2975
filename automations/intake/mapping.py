"""Which of a file's columns goes into which column of a tab.

Headers are matched against the schema's header names and aliases after normalising the naming
style: ``deal_stage``, ``dealStage``, ``Deal-Stage`` and ``DEAL STAGE`` all read as "deal stage";
accents and letter case do not count. A person can override any guess with ``--map "Their
column=Our header"``. Columns that match nothing are kept as extra columns under their own header.

When two of the file's columns name the same column of ours, the first one under one of that
column's ``preferred_aliases`` wins (Odoo's ``contact_name`` over its ``name``, which is the lead's
title), else the first one; the other is kept as an extra column.

A column of ours that a file may give in ``parts`` (Name: HubSpot's and Salesforce's ``First
Name`` and ``Last Name``) is filled by joining the parts with a space, when no other column of
the file names it or only a plain one does (every part present). Form intake does not join.

An extra column whose header is one of the tab's headers or aliases (letter case and accents
aside: Odoo's ``name`` beside our ``Name``, a second ``E-mail``, a file's ``ID``) would make the
tab's header row name a column twice, and the bot would stop reading the tab. It is kept as
"<header> (imported)" instead, the same name every time, so importing the file again finds it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from sheet_schema.schema import Tab, fold

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_PUNCTUATION = re.compile(r"[\W_]+")


def normalise_header(text: str) -> str:
    """A header in one naming style: words split at camelCase and punctuation, folded."""
    spaced = _CAMEL.sub(" ", text.strip())
    return fold(_PUNCTUATION.sub(" ", spaced))


@dataclass(frozen=True)
class ColumnMapping:
    """How a file's columns land in a tab.

    ``mapped`` is file column index -> column key; ``extras`` file column index -> the header
    it keeps; ``ignored`` holds indexes of columns with no header and no data; ``renamed``
    file column index -> the header of ours its own header would have repeated.
    """

    tab: Tab
    header: tuple[str, ...]
    mapped: dict[int, str]
    extras: dict[int, str]
    ignored: tuple[int, ...]
    renamed: dict[int, str] = field(default_factory=dict)
    # file column index (a joined column's first part) -> the indexes of the plainer columns
    # it was preferred to
    preferred: dict[int, tuple[int, ...]] = field(default_factory=dict)
    # column key -> the file column indexes of its parts, joined with a space in this order
    joined: dict[str, tuple[int, ...]] = field(default_factory=dict)

    def filled(self) -> set[str]:
        """The keys of the tab's columns some file column fills (whole or in parts)."""
        return set(self.mapped.values()) | set(self.joined)

    def unfilled(self) -> tuple[str, ...]:
        """Headers of the tab's team columns that no file column fills."""
        used = self.filled()
        return tuple(c.header for c in self.tab.columns if not c.bot_owned and c.key not in used)

    def _over(self, index: int) -> str:
        """Why this column was taken over another naming the same column of ours."""
        others = self.preferred.get(index)
        if not others:
            return ""
        key = self.mapped.get(index) or next(k for k, at in self.joined.items() if at[0] == index)
        ours = self.tab.column(key).header
        plainer = " and ".join(repr(self.header[i].strip()) for i in others)
        first = self.header[others[0]].strip()
        return (
            f" (taken over {plainer}, whose header says less; that one is kept as an extra "
            f"column: --map '{first}={ours}' takes it instead)"
        )

    def describe(self) -> list[str]:
        """The mapping as lines for the console."""
        lines = [
            f"  {self.header[i]!r} -> {self.tab.column(key).header}{self._over(i)}"
            for i, key in sorted(self.mapped.items())
        ]
        lines.extend(
            f"  {' + '.join(repr(self.header[i]) for i in at)} -> {self.tab.column(key).header}"
            f" (joined with a space){self._over(at[0])}"
            for key, at in self.joined.items()
        )
        if self.extras:
            kept = ", ".join(repr(name) for name in self.extras.values())
            lines.append(f"  kept as extra columns after the team's columns: {kept}")
        lines.extend(
            f"  {self.header[i].strip()!r} kept as {self.extras[i]!r}: {self.tab.name} has a "
            f"column {ours!r} already, and two columns of that name would stop the bot "
            "reading the tab"
            for i, ours in sorted(self.renamed.items())
        )
        unfilled = self.unfilled()
        if unfilled:
            lines.append(f"  {self.tab.name} columns left empty: {', '.join(unfilled)}")
        return lines


def _lookup(tab: Tab) -> dict[str, str]:
    """Normalised header name or alias -> column key, for the columns people fill."""
    names: dict[str, str] = {}
    for column in tab.columns:
        if column.bot_owned:
            continue  # a file's "ID" or "Problems" is theirs, not ours
        for name in column.import_names():
            names.setdefault(normalise_header(name), column.key)
            names.setdefault(normalise_header(column.key), column.key)
    return names


def _preferred(tab: Tab) -> set[str]:
    """Normalised preferred aliases of the tab's columns (a person's name, sure)."""
    return {normalise_header(a) for c in tab.columns for a in c.preferred_aliases}


def _choose(
    header: Sequence[str], guesses: dict[int, str], preferred: set[str]
) -> dict[int, tuple[int, ...]]:
    """Of the file columns guessed as one column of ours, the one to take: the first under a
    preferred alias, else the first; the winner's index -> the indexes it was taken over."""
    by_key: dict[str, list[int]] = {}
    for index, key in guesses.items():
        by_key.setdefault(key, []).append(index)
    chosen: dict[int, tuple[int, ...]] = {}
    for indexes in by_key.values():
        sure = [i for i in indexes if normalise_header(header[i]) in preferred]
        winner = (sure or indexes)[0]
        # Only a sure column is said to be taken over plainer ones; among equals, the first.
        plainer = tuple(i for i in indexes if i != winner and i not in sure)
        chosen[winner] = plainer if sure else ()
    return chosen


def parse_overrides(tab: Tab, overrides: Sequence[str]) -> dict[str, str]:
    """``--map`` values ("Their column=Our header") as normalised their header -> column key.

    "Their column=" (nothing after the sign) keeps that column as an extra column. Raises
    ValueError naming the override that cannot be used.
    """
    lookup = _lookup(tab)
    result: dict[str, str] = {}
    for text in overrides:
        theirs, sign, ours = text.partition("=")
        if not sign or not theirs.strip():
            raise ValueError(f'--map {text!r}: write it as "Their column=Our header".')
        if not ours.strip():
            result[normalise_header(theirs)] = ""
            continue
        key = lookup.get(normalise_header(ours))
        if key is None:
            known = ", ".join(c.header for c in tab.columns if not c.bot_owned)
            raise ValueError(
                f"--map {text!r}: {tab.name} has no column {ours.strip()!r} ({known})."
            )
        result[normalise_header(theirs)] = key
    return result


def _join_parts(
    tab: Tab,
    header: Sequence[str],
    overrides: dict[str, str],
    guesses: dict[int, str],
    chosen: dict[int, tuple[int, ...]],
) -> tuple[dict[str, tuple[int, ...]], dict[int, tuple[int, ...]]]:
    """The columns of ours the file gives in parts (key -> the parts' indexes), and the plain
    column each one was taken over (first part's index -> its index); drops that one from
    ``chosen``."""
    normals = [normalise_header(name) for name in header]
    sure = _preferred(tab)
    joined: dict[str, tuple[int, ...]] = {}
    over: dict[int, tuple[int, ...]] = {}
    for column in tab.columns:
        if not column.parts or column.bot_owned or column.key in overrides.values():
            continue
        found: list[int] = []
        for spellings in column.parts:
            names = {normalise_header(s) for s in spellings}
            at = [i for i, n in enumerate(normals) if n in names and n not in overrides]
            found.extend(at[:1])
        holder = next((i for i in chosen if guesses[i] == column.key), None)
        if not found or (holder is not None and normals[holder] in sure):
            continue  # nothing in parts, or a column that surely names it whole
        if holder is not None:
            if len(found) < len(column.parts):
                continue  # a plain "Name" beside a lone "First name": the plain one
            del chosen[holder]
            over[found[0]] = (holder,)
        joined[column.key] = tuple(found)
    return joined, over


def guess_mapping(
    tab: Tab,
    header: Sequence[str],
    overrides: dict[str, str],
    has_data: Sequence[bool],
    join_parts: bool = False,
) -> ColumnMapping:
    """Map a file's header onto a tab; overrides win, then the first column naming a key (one
    under a preferred alias first); with ``join_parts``, a column the file gives in parts."""
    lookup = _lookup(tab)
    mapped: dict[int, str] = {}
    extras: dict[int, str] = {}
    ignored: list[int] = []
    unknown_overrides = set(overrides) - {normalise_header(h) for h in header}
    if unknown_overrides:
        raise ValueError(
            f"--map names columns the file does not have: {sorted(unknown_overrides)}; "
            f"its columns are {list(header)}."
        )
    override_keys = set(overrides.values())
    guesses: dict[int, str] = {}
    for index, name in enumerate(header):
        guess = lookup.get(normalise_header(name))
        # A person's --map wins over any guess.
        if normalise_header(name) not in overrides and guess and guess not in override_keys:
            guesses[index] = guess
    chosen = _choose(header, guesses, _preferred(tab))
    joined: dict[str, tuple[int, ...]] = {}
    joined_over: dict[int, tuple[int, ...]] = {}
    if join_parts:
        joined, joined_over = _join_parts(tab, header, overrides, guesses, chosen)
    parts = {i for at in joined.values() for i in at}
    for index, name in enumerate(header):
        normal = normalise_header(name)
        key: str | None
        if index in parts:
            continue
        if normal in overrides:
            key = overrides[normal] or None
        else:
            # a second column naming the same thing stays theirs
            key = guesses[index] if index in chosen else None
        if key:
            mapped[index] = key
        elif name.strip():
            extras[index] = name.strip()
        elif has_data[index]:
            extras[index] = f"Column {index + 1}"
        else:
            ignored.append(index)
    renamed = _rename_clashes(tab, header, extras)
    preferred = {i: over for i, over in chosen.items() if over} | joined_over
    return ColumnMapping(
        tab, tuple(header), mapped, extras, tuple(ignored), renamed, preferred, joined
    )


def _rename_clashes(tab: Tab, header: Sequence[str], extras: dict[int, str]) -> dict[int, str]:
    """Give each extra column whose header is one of the tab's (as the header row is read:
    any column, the bot's too, by header or alias, folded) a name that cannot clash; the
    header of ours it would have repeated, by file column index."""
    ours = {fold(name): column.header for column in tab.columns for name in column.header_names()}
    used = {fold(name) for name in header} | set(ours)
    renamed: dict[int, str] = {}
    for index, name in extras.items():
        if fold(name) not in ours:
            continue
        new, number = f"{name} (imported)", 1
        while fold(new) in used:
            number += 1
            new = f"{name} (imported {number})"
        used.add(fold(new))
        extras[index] = new
        renamed[index] = ours[fold(name)]
    return renamed
