"""A known tab that is missing while a worksheet SheetCRM does not know has its columns.

A person who renames Customers to "Customer list" sees "The workbook has no Customers tab"; told
to run ``sheetcrm init``, they would get an empty Customers tab beside their customers. So when
a known tab is missing, the header rows of the worksheets SheetCRM does not know are compared
with that tab's columns, the way headers are matched (:func:`sheet_schema.headers.map_headers`:
any letter case, accents or alias); one holding most of the columns people type there is most
likely the tab, renamed. The reader then says so instead of "run init to add it"
(:func:`with_lookalikes`), and ``init`` leaves the tabs as they are
(:func:`sheet_schema.layout.plan_layout`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace

from sheet_schema.cells import cell_text
from sheet_schema.headers import HeaderError, map_headers
from sheet_schema.model import Snapshot, TabIssue
from sheet_schema.schema import Schema, Tab

MISSING = "tab.missing"
_LISTED = 3  # headers the note names before "..."


@dataclass(frozen=True)
class Lookalike:
    """The worksheet ``title`` whose header row holds most of the missing ``tab``'s columns
    (``headers``: those header cells, as typed, left to right)."""

    tab: str
    title: str
    headers: tuple[str, ...]

    def note(self) -> str:
        """What the team is told, instead of "run init to add it"."""
        shown = ", ".join(self.headers[:_LISTED]) + (", ..." if len(self.headers) > _LISTED else "")
        return (
            f"No {self.tab} tab, but {self.title!r} has its columns ({shown}): if it was "
            f"renamed, rename it back to {self.tab}."
        )


def _key_columns(tab: Tab) -> tuple[str, ...]:
    """The columns a header row must mostly hold to look like ``tab``: those people type (every
    column of a tab only the bot writes)."""
    typed = tuple(c.key for c in tab.columns if not c.bot_owned)
    return typed or tuple(c.key for c in tab.columns)


def _looks_like(tab: Tab, header_row: Sequence[object]) -> tuple[str, ...]:
    """The header cells of ``header_row`` that are ``tab``'s key columns, when they are most of
    them (at least two); empty otherwise."""
    try:
        headers = map_headers(tab, header_row)
    except HeaderError:
        return ()  # a column named twice: that row is not read as this tab anyway
    keys = _key_columns(tab)
    found = sorted(headers.positions[k] for k in keys if k in headers.positions)
    if len(found) < 2 or 2 * len(found) <= len(keys):
        return ()
    return tuple(cell_text(header_row[i]).strip() for i in found)


def find_lookalikes(
    schema: Schema, missing: Collection[str], header_rows: Mapping[str, Sequence[object]]
) -> dict[str, Lookalike]:
    """For each tab of ``missing`` (canonical names), the worksheet among ``header_rows``
    (title -> row 1) that looks most like it; worksheets a tab of the schema stands for are
    never taken. A worksheet is taken for one tab at most: the one whose columns it holds most
    of."""
    best: dict[str, Lookalike] = {}
    for title, row in header_rows.items():
        if schema.find_tab(title) is not None:
            continue
        scored = []
        for name in missing:
            tab = schema.tab(name)
            headers = _looks_like(tab, row)
            if headers:
                share = len(headers) / len(_key_columns(tab))
                scored.append((share, Lookalike(name, title, headers)))
        if not scored:
            continue
        _, found = max(scored, key=lambda pair: pair[0])
        held = best.get(found.tab)
        if held is None or len(found.headers) > len(held.headers):
            best[found.tab] = found
    return best


def missing_tabs(snapshot: Snapshot) -> tuple[str, ...]:
    """The tabs the snapshot reports missing (none: no worksheet needs comparing)."""
    return tuple(i.tab for i in snapshot.tab_issues if i.code == MISSING)


def with_lookalikes(
    schema: Schema, snapshot: Snapshot, header_rows: Mapping[str, Sequence[object]]
) -> Snapshot:
    """The snapshot with each missing tab that a worksheet of ``header_rows`` looks like
    reported as probably renamed: the issue's message says which worksheet and what to do, and
    its ``lookalike`` names the worksheet (for the held-back sentence in the Bot status tab)."""
    found = find_lookalikes(schema, missing_tabs(snapshot), header_rows)
    if not found:
        return snapshot
    issues = tuple(
        _renamed(issue, found[issue.tab]) if issue.code == MISSING and issue.tab in found else issue
        for issue in snapshot.tab_issues
    )
    return replace(snapshot, tab_issues=issues)


def _renamed(issue: TabIssue, lookalike: Lookalike) -> TabIssue:
    # What the reader added after "run init" (the default lists used meanwhile) still holds.
    _, until, meanwhile = issue.message.partition(" Until then ")
    message = lookalike.note() + (f" Until then {meanwhile}" if until else "")
    return replace(issue, message=message, lookalike=lookalike.title)
