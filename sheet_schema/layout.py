"""What ``sheetcrm init`` lays out in a workbook, independent of where the workbook lives.

:func:`plan_layout` decides, for a new or an existing workbook, what is missing and what to add;
each backend reads its worksheets into :class:`SheetInfo` and turns the :class:`LayoutPlan` into
its own calls (openpyxl styles, or one Sheets ``batchUpdate``), so an xlsx file and a Google
spreadsheet get the same layout, and ``init`` on either only adds, bringing only SheetCRM's own
dropdowns and highlight rules up to date with the team's Lists tab and columns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sheet_schema.headers import HeaderError, map_headers
from sheet_schema.highlights import (
    Highlight,
    RuleInfo,
    StaleHighlight,
    plan_highlights,
)
from sheet_schema.lists import LISTS, ListRow, default_rows
from sheet_schema.reading import match_worksheets
from sheet_schema.schema import Column, ColumnType, Schema, Tab
from sheet_schema.translation import LANGUAGES

# Light grey: "the bot fills this; do not type here".
BOT_COLUMN_COLOUR = "E7E6E6"
BOT_COLUMN_NOTE = "Filled by SheetCRM. Edits here are overwritten by the bot."


@dataclass(frozen=True)
class DefaultSetting:
    """A row of the Settings tab in a new workbook."""

    key: str
    value: str
    note: str


DEFAULT_SETTINGS: tuple[DefaultSetting, ...] = (
    DefaultSetting("Time zone", "UTC", "IANA name, e.g. Europe/Madrid. Dates are computed here."),
    DefaultSetting("Default country", "US", "Two letters; used for phone numbers without +code."),
    DefaultSetting(
        "Language",
        "en",
        f"{', '.join(LANGUAGES[:-1])} or {LANGUAGES[-1]}: messages, emails and the dashboard.",
    ),
    DefaultSetting("Currency", "EUR", "Three letters."),
    DefaultSetting("Date order", "DMY", "How dates typed as text are read: DMY, MDY or YMD."),
    DefaultSetting("Sender email", "", "The From: address of emails the bot sends."),
    DefaultSetting("Sender name", "SheetCRM", "The From: name."),
    DefaultSetting("Daily send cap", "450", "Emails a day at most (Gmail allows 500)."),
    DefaultSetting("Dormant after days", "90", "A customer with no purchase or contact since."),
    DefaultSetting("Churned after days", "365", "A dormant customer becomes churned after."),
    DefaultSetting("Reminder window days", "7", "Birthdays and anniversaries this close."),
    DefaultSetting("SLA Lead days", "2", "Follow up a deal in this stage within N days."),
    DefaultSetting("SLA Qualified days", "5", ""),
    DefaultSetting("SLA Proposal days", "7", ""),
    DefaultSetting("SLA Negotiation days", "7", ""),
    DefaultSetting("Cache TTL seconds", "300", "How long the dashboard keeps data."),
    DefaultSetting(
        "Digest hour",
        "8",
        "Local hour (0-23) from which managers' daily digests go out. Add a row "
        "'Manager email NAME' (NAME as in the Manager column) to send NAME a digest.",
    ),
    DefaultSetting(
        "Unsubscribe email", "", "Where unsubscribe requests go; empty: the Sender email."
    ),
    DefaultSetting(
        "Form tab",
        "",
        "The tab a Google Form writes its answers into (e.g. Form responses 1); each new answer "
        "becomes a customer and an interaction. Empty: off.",
    ),
    DefaultSetting(
        "Form lead source", "Website", "Source of form customers when the form does not ask it."
    ),
    DefaultSetting(
        "Sheets retry attempts", "5", "Google Sheets: retries after a quota or server error."
    ),
    DefaultSetting(
        "Sheets retry seconds", "60", "Google Sheets: total time allowed for those retries."
    ),
)


def dropdown_values(column: Column) -> tuple[str, ...]:
    """The values a choice column's dropdown offers (empty for other columns)."""
    return column.choices if column.type is ColumnType.CHOICE else ()


def is_date_column(column: Column) -> bool:
    """True for columns that get date validation."""
    return column.type in (ColumnType.DATE, ColumnType.DATETIME)


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


# -- what ``init`` adds to a workbook that exists: one planner for every backend -----------


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
    settings: tuple[DefaultSetting, ...] = ()
    list_rows: tuple[ListRow, ...] = ()
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
            or self.freeze
            or self.bold
            or self.validations
            or self.date_formats
            or self.highlights
            or self.stale_highlights
            or self.protections
        )


_SUMMARY_LABELS = {
    "dropdowns": "dropdowns on choice columns",
    "dropdowns_updated": "dropdowns updated to the Lists tab",
    "date_checks": "date checks on date columns",
    "date_formats": "date formats on bot date columns",
    "frozen": "tab(s) given a frozen header row",
    "bold": "header cells made bold",
    "highlights": "highlight rules (overdue follow-ups, rows with problems)",
    "highlights_updated": "highlight rule(s) updated to the Lists tab and the columns",
    "highlights_removed": "outdated highlight rule(s) of SheetCRM's removed",
    "protected": "bot columns that warn before a person edits them",
    "settings": "default settings",
    "list_rows": "values in the Lists tab (the team's lists: sources, stages, ...)",
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
            "settings": sum(len(t.settings) for t in self.tabs),
            "list_rows": sum(len(t.list_rows) for t in self.tabs),
        }
        return {k: n for k, n in counts.items() if n}

    def summary(self, name: str, how: str = "") -> str:
        """A few lines for the person who ran ``sheetcrm init`` on the workbook ``name``
        (e.g. "Spreadsheet 'Team CRM'"); ``how`` says how it was written."""
        lines = []
        if self.is_empty():
            subject = name[:1].upper() + name[1:]
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
            counts = self.counts()
            lines.extend(
                f"- {counts[k]} {label}" for k, label in _SUMMARY_LABELS.items() if k in counts
            )
        lines.extend(f"Not changed: {p}" for p in self.problems)
        return "\n".join(lines)


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


def protection_description(tab: Tab, column: Column | None) -> str:
    """How init labels the warning on a bot column (also how it recognises it next time)."""
    if column is None:
        return f"SheetCRM: the bot writes the {tab.name} tab"
    return f"SheetCRM: the bot fills {tab.name} / {column.header}"


def plan_layout(
    schema: Schema,
    sheets: Sequence[SheetInfo],
    features: LayoutFeatures,
    init_command: str = "sheetcrm init",
) -> LayoutPlan:
    """What ``init`` adds to a workbook whose worksheets are ``sheets`` (nothing when all is in
    place): missing tabs (found by name or alias), missing header cells after the team's last
    used column, and the layout a new tab gets, never replacing what the team set up (but
    SheetCRM's own dropdowns follow the team's lists: give the schema read with the workbook's
    Lists tab, ``Snapshot.schema``).

    ``init_command`` is the command that runs init again, for the problems it reports.
    """
    titles, _ = match_worksheets(schema, [s.title for s in sheets])
    by_title = {s.title: s for s in sheets}
    tabs: list[TabLayout] = []
    problems: list[str] = []
    for tab in schema.tabs:
        if tab.name not in titles:
            tabs.append(_plan_tab(schema, tab, SheetInfo(title=tab.name), features, new=True))
            continue
        info = by_title[titles[tab.name]]
        try:
            tabs.append(_plan_tab(schema, tab, info, features, new=False))
        except HeaderError as error:
            problems.append(f"{error} Fix it and run `{init_command}` again.")
    return LayoutPlan(tabs=tuple(tabs), problems=tuple(problems))


def _plan_tab(
    schema: Schema, tab: Tab, info: SheetInfo, features: LayoutFeatures, new: bool
) -> TabLayout:
    headers = map_headers(tab, [c.text for c in info.header])
    positions = dict(headers.positions)
    start = max(headers.width, info.used_columns)
    missing = [tab.column(key) for key in headers.missing()]
    for offset, column in enumerate(missing):
        positions[column.key] = start + offset
    width = max([start + len(missing), *(p + 1 for p in positions.values())])
    new_headers = tuple((positions[c.key], c) for c in missing)

    def second(index: int) -> CellInfo:
        return info.second[index] if index < len(info.second) else CellInfo()

    validations: list[Validation] = []
    if not tab.append_only:
        for column in tab.columns:
            index = positions[column.key]
            if column.bot_owned:
                continue
            values = dropdown_values(column)
            if second(index).validated:
                # Never replace a rule the team set up; SheetCRM's own dropdown follows the list.
                mine = second(index).dropdown
                if column.list_name and mine is not None and mine != values:
                    validations.append(Validation(index, column, values, update=True))
                continue
            if values or is_date_column(column):
                validations.append(Validation(index, column, values))
    date_formats = tuple(
        (positions[c.key], c)
        for c in tab.columns
        if features.date_formats
        and c.bot_owned
        and is_date_column(c)
        and not second(positions[c.key]).number_format
    )
    highlights, stale = (
        plan_highlights(tab, positions, info.rules) if features.highlights else ((), ())
    )
    protections = _protections(tab, positions, info) if features.protection else ()
    return TabLayout(
        tab=tab,
        title=info.title,
        new=new,
        width=width,
        new_headers=new_headers,
        settings=DEFAULT_SETTINGS if new and tab.name == "Settings" else (),
        list_rows=default_rows(schema) if new and tab.name == LISTS else (),
        freeze=info.frozen_rows < 1,
        bold=tuple(
            i
            for i in sorted(headers.positions.values())
            if i < len(info.header) and not info.header[i].bold
        ),
        validations=tuple(validations),
        date_formats=date_formats,
        highlights=highlights,
        stale_highlights=stale,
        protections=protections,
        widths=new_headers,
    )


def _protections(tab: Tab, positions: Mapping[str, int], info: SheetInfo) -> tuple[Protection, ...]:
    if tab.append_only:
        wanted = [Protection(protection_description(tab, None), None)]
    else:
        wanted = [
            Protection(protection_description(tab, c), positions[c.key]) for c in tab.bot_columns
        ]
    return tuple(p for p in wanted if p.description not in info.protected)
