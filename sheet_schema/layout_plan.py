"""What ``sheetcrm init`` adds to a workbook, as the backends see it.

Each backend reads its worksheets into :class:`SheetInfo`, says which parts of the layout it can
carry out (:class:`LayoutFeatures`) and gets back a :class:`LayoutPlan` from
:func:`sheet_schema.layout.plan_layout`, which it turns into its own calls (openpyxl styles, or
one Sheets ``batchUpdate``), giving bot columns the same look (:data:`BOT_COLUMN_COLOUR`,
:data:`BOT_COLUMN_NOTE`, :func:`column_width`). The plan also says, in a few lines, what was
added (:meth:`LayoutPlan.summary`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sheet_schema.formatting import counted
from sheet_schema.highlights import Highlight, RuleInfo, StaleHighlight
from sheet_schema.init_rows import AddedRows
from sheet_schema.schema import Column, ColumnType, Tab

# Light grey: "the bot fills this; do not type here".
BOT_COLUMN_COLOUR = "E7E6E6"
BOT_COLUMN_NOTE = "Filled by SheetCRM. Edits here are overwritten by the bot."


def column_width(column: Column) -> int:
    """A comfortable width in characters for a new column."""
    if column.type in (ColumnType.TEXT,) and column.key in {
        "notes",
        "summary",
        "body",
        "problems",
        "reminder",
        "lifecycle_reason",
    }:
        return 40
    if column.type is ColumnType.EMAIL:
        return 28
    return max(12, len(column.header) + 4)


@dataclass(frozen=True)
class LayoutFeatures:
    """The parts of the layout a backend can lay out (an .xlsx file has no warning-only
    protection, and the bot formats each date cell it writes there)."""

    date_formats: bool = True
    highlights: bool = True
    protection: bool = True


SHEETS_FEATURES = LayoutFeatures()
XLSX_FEATURES = LayoutFeatures(date_formats=False, highlights=False, protection=False)


@dataclass(frozen=True)
class CellInfo:
    """What init needs to know of one cell of rows 1-2."""

    text: str = ""
    bold: bool = False
    validated: bool = False
    number_format: bool = False
    # The values of the dropdown SheetCRM put on this cell (None: none of SheetCRM's), so a
    # dropdown is brought up to date when the team's list changed.
    dropdown: tuple[str, ...] | None = None


@dataclass(frozen=True)
class SheetInfo:
    """One existing worksheet, as far as init is concerned.

    ``used_columns`` is how many columns the team uses: header cells init adds go after them.
    """

    title: str
    header: tuple[CellInfo, ...] = ()
    second: tuple[CellInfo, ...] = ()
    used_columns: int = 0
    frozen_rows: int = 0
    # Every row's cell texts, header first: read for the Settings and Lists tabs only, where
    # init adds the rows an older workbook lacks (None: not read, nothing is added).
    rows: tuple[tuple[str, ...], ...] | None = None
    # The worksheet's conditional formats in order (SheetCRM's own are recognised by shape).
    rules: tuple[RuleInfo, ...] = ()
    protected: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Validation:
    """A dropdown (``choices``) or, without choices, a date check on a column below row 1;
    ``update``: SheetCRM's dropdown is there but offers other values than the team's list."""

    index: int
    column: Column
    choices: tuple[str, ...]
    update: bool = False


@dataclass(frozen=True)
class Protection:
    """A warning before a person edits a bot column (``index``), or a whole bot tab (None)."""

    description: str
    index: int | None


@dataclass(frozen=True)
class TabLayout:
    """What init adds to one tab (``new``: the whole tab is added)."""

    tab: Tab
    title: str
    new: bool
    width: int
    new_headers: tuple[tuple[int, Column], ...] = ()
    # Settings and Lists rows (all of them in a new tab, those missing in the team's).
    rows: AddedRows = field(default_factory=AddedRows)
    freeze: bool = False
    bold: tuple[int, ...] = ()
    validations: tuple[Validation, ...] = ()
    date_formats: tuple[tuple[int, Column], ...] = ()
    highlights: tuple[Highlight, ...] = ()
    # SheetCRM's own highlight rules that name old stages or columns: deleted, highest first.
    stale_highlights: tuple[StaleHighlight, ...] = ()
    protections: tuple[Protection, ...] = ()
    widths: tuple[tuple[int, Column], ...] = ()

    def is_empty(self) -> bool:
        """True when the tab is in place and needs nothing."""
        return not self.new and not (
            self.new_headers
            or self.rows.count()
            or self.freeze
            or self.bold
            or self.validations
            or self.date_formats
            or self.highlights
            or self.stale_highlights
            or self.protections
        )


# What init added, by LayoutPlan.counts key: the words for one, and for several.
_SUMMARY_LABELS = {
    "dropdowns": ("dropdown on a choice column", "dropdowns on choice columns"),
    "dropdowns_updated": (
        "dropdown updated to the Lists tab",
        "dropdowns updated to the Lists tab",
    ),
    "date_checks": ("date check on a date column", "date checks on date columns"),
    "date_formats": ("date format on a bot date column", "date formats on bot date columns"),
    "frozen": ("tab given a frozen header row", "tabs given a frozen header row"),
    "bold": ("header cell made bold", "header cells made bold"),
    "highlights": (
        "highlight rule (overdue follow-ups, rows with problems)",
        "highlight rules (overdue follow-ups, rows with problems)",
    ),
    "highlights_updated": (
        "highlight rule updated to the Lists tab and the columns",
        "highlight rules updated to the Lists tab and the columns",
    ),
    "highlights_removed": (
        "outdated highlight rule of SheetCRM's removed",
        "outdated highlight rules of SheetCRM's removed",
    ),
    "protected": (
        "bot column that warns before a person edits it",
        "bot columns that warn before a person edits them",
    ),
    "settings": ("default setting", "default settings"),
    "list_rows": (
        "value in the Lists tab (the team's lists: sources, stages, ...)",
        "values in the Lists tab (the team's lists: sources, stages, ...)",
    ),
}


@dataclass(frozen=True)
class LayoutPlan:
    """Everything init adds to a workbook, tab by tab, and the tabs it could not set up."""

    tabs: tuple[TabLayout, ...]
    problems: tuple[str, ...] = ()

    def is_empty(self) -> bool:
        """True when the workbook needs nothing."""
        return all(t.is_empty() for t in self.tabs)

    def counts(self) -> dict[str, int]:
        """How many things of each kind are added (keys of the summary's labels)."""
        counts = {
            "dropdowns": sum(
                1 for t in self.tabs for v in t.validations if v.choices and not v.update
            ),
            "dropdowns_updated": sum(1 for t in self.tabs for v in t.validations if v.update),
            "date_checks": sum(1 for t in self.tabs for v in t.validations if not v.choices),
            "date_formats": sum(len(t.date_formats) for t in self.tabs),
            "frozen": sum(1 for t in self.tabs if t.freeze and not t.new),
            "bold": sum(len(t.bold) for t in self.tabs),
            **_highlight_counts(self.tabs),
            "protected": sum(len(t.protections) for t in self.tabs),
            # Rows added to a team's tab are named one by one (:meth:`summary`).
            "settings": sum(len(t.rows.settings) for t in self.tabs if t.new),
            "list_rows": sum(len(t.rows.list_rows) for t in self.tabs if t.new),
        }
        return {k: n for k, n in counts.items() if n}

    def summary(self, name: str, how: str = "") -> str:
        """A few lines for the person who ran ``sheetcrm init`` on the workbook ``name``
        (e.g. "Spreadsheet 'Team CRM'"); ``how`` says how it was written."""
        lines = []
        if self.is_empty():
            subject = name[:1].upper() + name[1:]
            if self.problems:
                # Not set up yet: what is left (below) needs the team first.
                lines.append(f"{subject}: nothing else to add, nothing changed.")
            else:
                lines.append(
                    f"{subject} is already set up for SheetCRM: nothing to add, nothing changed."
                )
        else:
            lines.append(f"Set up {name} for SheetCRM{how}:")
            added = [t.tab.name for t in self.tabs if t.new]
            if added:
                lines.append(f"- added tabs: {', '.join(added)}")
            for t in self.tabs:
                if t.new_headers and not t.new:
                    headers = ", ".join(c.header for _, c in t.new_headers)
                    lines.append(f"- {t.title}: added columns {headers}")
            lines.extend(_added_rows(t) for t in self.tabs if t.rows.count() and not t.new)
            counts = self.counts()
            lines.extend(
                f"- {counted(counts[k], *words)}"
                for k, words in _SUMMARY_LABELS.items()
                if k in counts
            )
        lines.extend(f"Not changed: {p}" for p in self.problems)
        return "\n".join(lines)


def _added_rows(tab: TabLayout) -> str:
    """ "- Settings: added Form tab, Form lead source", "- Lists: added Interaction kind Form"."""
    if tab.rows.settings:
        return f"- {tab.title}: added {', '.join(s.key for s in tab.rows.settings)}"
    by_list: dict[str, list[str]] = {}
    for row in tab.rows.list_rows:
        by_list.setdefault(row.list, []).append(row.value)
    added = "; ".join(f"{name} {', '.join(values)}" for name, values in by_list.items())
    return f"- {tab.title}: added {added}"


def _highlight_counts(tabs: Sequence[TabLayout]) -> dict[str, int]:
    """Rules added, replaced (a stale one of the same kind deleted) and only deleted."""
    counts = {"highlights": 0, "highlights_updated": 0, "highlights_removed": 0}
    for tab in tabs:
        stale_kinds = [s.kind for s in tab.stale_highlights]
        added = {h.kind for h in tab.highlights}
        for highlight in tab.highlights:
            counts["highlights_updated" if highlight.kind in stale_kinds else "highlights"] += 1
        # Stale rules beyond the one each added rule replaces (e.g. two old overdue rules).
        counts["highlights_removed"] += sum(
            stale_kinds.count(k) - (k in added) for k in set(stale_kinds)
        )
    return counts
