"""The contract guard: each rule declares the tabs and columns it reads; the cycle checks them.

DESIGN invariant 8: a rule runs only when the tabs and columns it reads are present; otherwise
its output cells stay as they are and the reason is shown. A rule module declares its inputs
next to the rule, by the headers ``sheetcrm init`` writes::

    REQUIRES = Inputs(tabs={"Deals": ("Customer ID", "Stage", "Created")})

and the cycle (:func:`automations.cycle_plan.guard`) checks them against the snapshot's header rows
before planning. A column counts as present when the header row holds its header or one of its
aliases (any letter case), exactly as the readers find it. A log tab the bot creates itself
(``append_only`` in crm.toml) may be missing; when it exists, the columns listed must be there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from automations import messages
from sheet_schema.model import Snapshot
from sheet_schema.schema import Schema


@dataclass(frozen=True)
class Inputs:
    """The tabs a rule reads and, for each, the headers of the columns it needs."""

    tabs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __add__(self, other: Inputs) -> Inputs:
        """Both rules' inputs (a rule built from two others reads what both read)."""
        merged = {tab: list(headers) for tab, headers in self.tabs.items()}
        for tab, headers in other.tabs.items():
            merged.setdefault(tab, []).extend(h for h in headers if h not in merged[tab])
        return Inputs({tab: tuple(headers) for tab, headers in merged.items()})


@dataclass(frozen=True)
class Missing:
    """One input a rule needs that the workbook lacks: a tab, or a column (its header)."""

    tab: str
    column: str | None = None  # None: the whole tab
    unreadable: bool = False  # the tab exists but its header row cannot be read
    # A worksheet SheetCRM does not know that has the missing tab's columns (renamed?).
    lookalike: str | None = None

    def sentence(self, language: str) -> str:
        """Why, in the workbook's language ("the Deals tab is missing")."""
        if self.column is not None:
            return messages.render(
                "guard.column_missing", language, {"tab": self.tab, "column": self.column}
            )
        if self.lookalike is not None:
            return messages.render(
                "guard.tab_renamed", language, {"tab": self.tab, "title": self.lookalike}
            )
        code = "guard.tab_unreadable" if self.unreadable else "guard.tab_missing"
        return messages.render(code, language, {"tab": self.tab})


@dataclass(frozen=True)
class Part:
    """A rule (or one tab of a per-tab rule) the guard lets run or holds back.

    ``name`` is a message code naming it for people ("Lifecycle"), ``params`` its facts (the tab
    of a per-tab rule).
    """

    key: str
    name: str
    requires: Inputs
    params: Mapping[str, str] = field(default_factory=dict)

    def title(self, language: str) -> str:
        """The part's name in the workbook's language."""
        return messages.render(self.name, language, self.params)


def missing_inputs(schema: Schema, snapshot: Snapshot, inputs: Inputs) -> tuple[Missing, ...]:
    """What of ``inputs`` the snapshot lacks, in declaration order (empty: the rule may run)."""
    found: list[Missing] = []
    for tab_name, headers in inputs.tabs.items():
        tab = schema.tab(tab_name)
        if not snapshot.readable(tab_name):
            unreadable = any(
                issue.tab == tab_name and issue.code.startswith("header.")
                for issue in snapshot.tab_issues
            )
            if tab.append_only and not unreadable:
                continue  # the bot creates a missing log tab with its first row
            lookalike = next(
                (i.lookalike for i in snapshot.tab_issues if i.tab == tab_name and i.lookalike),
                None,
            )
            found.append(Missing(tab_name, unreadable=unreadable, lookalike=lookalike))
            continue
        present = snapshot.columns.get(tab_name, frozenset())
        for header in headers:
            key = column_key(schema, tab_name, header)
            if key not in present:
                found.append(Missing(tab_name, header))
    return tuple(found)


def column_key(schema: Schema, tab: str, header: str) -> str:
    """The key of the column a declaration names by its header; KeyError for a typo."""
    for column in schema.tab(tab).columns:
        if column.header == header:
            return column.key
    raise KeyError(f"tab {tab!r} has no column with header {header!r}")


@dataclass(frozen=True)
class HeldBack:
    """Parts that did not run, all for the same reasons."""

    parts: tuple[Part, ...]
    missing: tuple[Missing, ...]

    def sentence(self, language: str) -> str:
        """E.g. "Lifecycle and reminders not updated: the Deals tab is missing."."""
        names = [part.title(language) for part in self.parts]
        names = [names[0], *(n[:1].lower() + n[1:] for n in names[1:])]
        # Composed here, not as render() parameters: those are cut to one short line each.
        reasons = "; ".join(m.sentence(language) for m in self.missing)
        not_updated = messages.render("guard.not_updated", language, {})
        return f"{messages.and_list(names, language)} {not_updated}: {reasons}."


@dataclass(frozen=True)
class Verdict:
    """Which parts may run this cycle, and which are held back and why."""

    allowed: frozenset[str]
    held_back: tuple[HeldBack, ...] = ()

    def runs(self, key: str) -> bool:
        """True when the part with this key may run."""
        return key in self.allowed

    def without(self, keys: Sequence[str]) -> Verdict:
        """The same verdict with these parts kept from running (for a reason of its own, such as
        the journal check: it is reported on its own, not in ``held_back``)."""
        return Verdict(self.allowed - set(keys), self.held_back)

    def sentences(self, language: str) -> list[str]:
        """One sentence per group of parts held back for the same reasons."""
        return [group.sentence(language) for group in self.held_back]


def check_parts(schema: Schema, snapshot: Snapshot, parts: Sequence[Part]) -> Verdict:
    """Check every part's inputs; parts missing the same inputs are reported together."""
    allowed: set[str] = set()
    groups: dict[tuple[Missing, ...], list[Part]] = {}
    for part in parts:
        missing = missing_inputs(schema, snapshot, part.requires)
        if not missing:
            allowed.add(part.key)
        elif [(m.tab, m.column, m.unreadable) for m in missing] != [
            (part.params.get("tab", ""), None, False)
        ]:
            groups.setdefault(missing, []).append(part)
        # else: a per-tab part of a tab that is missing has nothing to do; the tab's absence is
        # reported by the rules that need it and in the snapshot's tab issues.
    held = tuple(HeldBack(tuple(p), missing) for missing, p in groups.items())
    return Verdict(frozenset(allowed), held)
