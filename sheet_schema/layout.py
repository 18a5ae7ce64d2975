"""What ``sheetcrm init`` lays out in a workbook, independent of where the workbook lives.

:func:`plan_layout` decides, for a new or an existing workbook, what is missing and what to add;
each backend reads its worksheets into :class:`~sheet_schema.layout_plan.SheetInfo` and turns the
:class:`~sheet_schema.layout_plan.LayoutPlan` into its own calls (openpyxl styles, or one Sheets
``batchUpdate``), so an xlsx file and a Google spreadsheet get the same layout, and ``init`` on
either only adds, bringing only SheetCRM's own dropdowns and highlight rules up to date with the
team's Lists tab and columns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from sheet_schema.headers import (
    HeaderError,
    Placement,
    map_headers,
    place_columns,
    refuse_renamed_keys,
)
from sheet_schema.highlights import plan_highlights
from sheet_schema.init_rows import AddedRows, Existing, lists_after_init, rows_to_add
from sheet_schema.layout_plan import (
    CellInfo,
    LayoutFeatures,
    LayoutPlan,
    Protection,
    SheetInfo,
    TabLayout,
    Validation,
)
from sheet_schema.lists import LISTS
from sheet_schema.reading import match_worksheets
from sheet_schema.renamed_tabs import find_lookalikes
from sheet_schema.schema import Column, ColumnType, Schema, Tab


def dropdown_values(column: Column) -> tuple[str, ...]:
    """The values a choice column's dropdown offers (empty for other columns)."""
    return column.choices if column.type is ColumnType.CHOICE else ()


def is_date_column(column: Column) -> bool:
    """True for columns that get date validation."""
    return column.type in (ColumnType.DATE, ColumnType.DATETIME)


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
    used column, the Settings and Lists rows an older workbook lacks
    (:mod:`sheet_schema.init_rows`) and the layout a new tab gets, never replacing what the team
    set up. SheetCRM's own dropdowns follow the team's lists, read from the Lists tab's
    ``rows`` (give ``schema`` as crm.toml has it: its lists are the defaults init adds from).

    ``init_command`` is the command that runs init again, for the problems it reports.
    """
    titles, _ = match_worksheets(schema, [s.title for s in sheets])
    by_title = {s.title: s for s in sheets}
    team, list_rows = _team_lists(schema, by_title.get(titles.get(LISTS, "")))
    # A missing tab whose columns another worksheet has was most likely renamed: adding an empty
    # one would split the team's rows from the tab the bot reads.
    renamed = find_lookalikes(
        schema,
        [t.name for t in schema.tabs if t.name not in titles],
        {s.title: [c.text for c in s.header] for s in sheets},
    )
    tabs: list[TabLayout] = []
    problems: list[str] = []
    for tab in team.tabs:
        if tab.name in renamed:
            problems.append(f"{renamed[tab.name].note()} No empty {tab.name} tab was added.")
            continue
        if tab.name not in titles:
            tabs.append(_plan_tab(schema, tab, SheetInfo(title=tab.name), features, new=True))
            continue
        info = by_title[titles[tab.name]]
        try:
            planned = _plan_tab(schema, tab, info, features, new=False)
        except HeaderError as error:
            problems.append(f"{error} Fix it and run `{init_command}` again.")
            continue
        tabs.append(replace(planned, rows=list_rows) if tab.name == LISTS else planned)
    return LayoutPlan(tabs=tuple(tabs), problems=tuple(problems))


def _team_lists(schema: Schema, info: SheetInfo | None) -> tuple[Schema, AddedRows]:
    """The team's lists as they are once init added its Lists rows, and those rows."""
    if info is None or info.rows is None:
        return schema, AddedRows()
    try:
        placed = place_columns(schema.tab(LISTS), [c.text for c in info.header], info.used_columns)
    except HeaderError:
        return schema, AddedRows()  # reported with the tab's plan
    return lists_after_init(schema, info.title, info.rows, placed)


def _plan_tab(
    schema: Schema, tab: Tab, info: SheetInfo, features: LayoutFeatures, new: bool
) -> TabLayout:
    header = [c.text for c in info.header]
    if not new:
        refuse_renamed_keys(map_headers(tab, header), info.title)
    placed = place_columns(tab, header, info.used_columns)
    positions, width, new_headers = dict(placed.positions), placed.width, placed.new_headers

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
        rows=_rows(schema, tab, info, placed, new),
        freeze=info.frozen_rows < 1,
        bold=tuple(
            i
            for i in sorted(positions[key] for key in placed.found)
            if i < len(info.header) and not info.header[i].bold
        ),
        validations=tuple(validations),
        date_formats=date_formats,
        highlights=highlights,
        stale_highlights=stale,
        protections=protections,
        widths=new_headers,
    )


def _rows(schema: Schema, tab: Tab, info: SheetInfo, placed: Placement, new: bool) -> AddedRows:
    """Settings rows for the Settings tab, and all the default lists for a new Lists tab (an
    existing one's rows are planned with the team's lists, :func:`_team_lists`)."""
    if new:
        return rows_to_add(schema, tab.name, placed.positions, placed.found, None)
    if tab.name == LISTS or info.rows is None:
        return AddedRows()
    existing = Existing([list(r) for r in info.rows])
    return rows_to_add(schema, tab.name, placed.positions, placed.found, existing)


def _protections(tab: Tab, positions: Mapping[str, int], info: SheetInfo) -> tuple[Protection, ...]:
    if tab.append_only:
        wanted = [Protection(protection_description(tab, None), None)]
    else:
        wanted = [
            Protection(protection_description(tab, c), positions[c.key]) for c in tab.bot_columns
        ]
    return tuple(p for p in wanted if p.description not in info.protected)
