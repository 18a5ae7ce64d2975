"""The highlight rules (conditional formats) ``sheetcrm init`` keeps on a worksheet.

SheetCRM adds two rules: rows with something in Problems (yellow) and, on Deals, rows whose
follow-up date has passed (red) unless the deal is decided. The overdue rule's formula names the
team's won and lost stages (from the Lists tab) and both name column letters, so a rename in the
Lists tab or a moved column makes the rule on the sheet stale. :func:`plan_highlights` says what
to add and which of SheetCRM's own stale rules to delete; a rule the team made is never deleted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sheet_schema.headers import column_letter
from sheet_schema.lists import LOST, WON
from sheet_schema.schema import Tab

PROBLEM_COLOUR = "FFF2CC"  # light yellow: "look at this row"
OVERDUE_COLOUR = "F4CCCC"  # light red: the follow-up date has passed

PROBLEMS = "problems"
OVERDUE = "overdue"


@dataclass(frozen=True)
class Highlight:
    """A conditional format over the tab's rows below the header; ``kind`` is which of
    SheetCRM's rules it is (:data:`PROBLEMS` or :data:`OVERDUE`)."""

    formula: str
    colour: str
    kind: str = ""


@dataclass(frozen=True)
class RuleInfo:
    """One conditional format already on a worksheet: its custom formula ("" for other kinds
    of rules) and its background colour as "RRGGBB" ("" when it sets none)."""

    formula: str = ""
    colour: str = ""


@dataclass(frozen=True)
class StaleHighlight:
    """One of SheetCRM's own rules on the sheet that is not the one wanted any more."""

    index: int  # position among the worksheet's conditional formats, as Sheets numbers them
    kind: str


_LETTERS = "[A-Z]{1,3}"
_PROBLEMS_SHAPE = re.compile(rf"=LEN\(\$({_LETTERS})2\)>0")
# SheetCRM's overdue formula: a date in the due column, before today, and one "<>" per decided
# stage (quotes inside a stage name doubled, as in any Sheets formula).
_OVERDUE_SHAPE = re.compile(
    rf"=AND\(ISNUMBER\(\$(?P<due>{_LETTERS})2\),\$(?P=due)2<TODAY\(\)"
    rf'(?:,\${_LETTERS}2<>"(?:[^"]|"")*")*\)'
)


def wanted_highlights(tab: Tab, positions: Mapping[str, int]) -> tuple[Highlight, ...]:
    """The rules SheetCRM wants on ``tab`` with its columns at ``positions`` (give the tab of
    the schema read with the workbook's Lists tab, so the stage names are the team's)."""
    if tab.append_only:
        return ()
    wanted: list[Highlight] = []
    if "problems" in positions:
        letter = column_letter(positions["problems"])
        wanted.append(Highlight(f"=LEN(${letter}2)>0", PROBLEM_COLOUR, PROBLEMS))
    if tab.name == "Deals" and "follow_up_due" in positions:
        due = column_letter(positions["follow_up_due"])
        parts = [f"ISNUMBER(${due}2)", f"${due}2<TODAY()"]
        if "stage" in positions:
            stage = column_letter(positions["stage"])
            # A decided deal is never overdue, whatever the team calls its won and lost stages.
            column = tab.column("stage")
            decided = [v for v in column.choices if column.meaning(v) in (WON, LOST)]
            parts += [f'${stage}2<>"{v.replace(chr(34), chr(34) * 2)}"' for v in decided]
        wanted.append(Highlight(f"=AND({','.join(parts)})", OVERDUE_COLOUR, OVERDUE))
    return tuple(wanted)


def _own_kind(rule: RuleInfo, letters: Mapping[str, str]) -> str | None:
    """Which of SheetCRM's rules ``rule`` is, or None for a rule the team made (``letters``:
    the column each kind of rule SheetCRM wants on this tab keys on now).

    SheetCRM's shape on SheetCRM's column is SheetCRM's; the same shape on another column only
    when it also has SheetCRM's colour (the column moved since init added it).
    """
    shapes = (
        (PROBLEMS, _PROBLEMS_SHAPE, PROBLEM_COLOUR),
        (OVERDUE, _OVERDUE_SHAPE, OVERDUE_COLOUR),
    )
    for kind, shape, colour in shapes:
        match = shape.fullmatch(rule.formula.strip())
        if (
            kind in letters
            and match is not None
            and (match.group(1) == letters[kind] or rule.colour == colour)
        ):
            return kind
    return None


def plan_highlights(
    tab: Tab, positions: Mapping[str, int], rules: Sequence[RuleInfo]
) -> tuple[tuple[Highlight, ...], tuple[StaleHighlight, ...]]:
    """The rules SheetCRM wants on ``tab`` (columns at ``positions``) that a sheet whose rules
    are ``rules`` (in the sheet's order) lacks, and SheetCRM's own rules there that differ from
    the wanted one of their kind, highest index first (the order to delete them in)."""
    wanted = wanted_highlights(tab, positions)
    by_kind = {h.kind: h for h in wanted}
    keys = {PROBLEMS: "problems", OVERDUE: "follow_up_due"}
    letters = {kind: column_letter(positions[keys[kind]]) for kind in by_kind}
    stale = []
    for index, rule in enumerate(rules):
        kind = _own_kind(rule, letters)
        if kind is not None and rule.formula.strip() != by_kind[kind].formula:
            stale.append(StaleHighlight(index, kind))
    formulas = {r.formula.strip() for r in rules}
    missing = tuple(h for h in wanted if h.formula not in formulas)
    return missing, tuple(sorted(stale, key=lambda s: s.index, reverse=True))
