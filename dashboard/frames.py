"""Turn a :class:`~sheet_schema.model.Snapshot` into pandas DataFrames, in one place.

Every tab becomes a frame whose columns are the schema's column keys, plus ``row`` (the sheet row
number, for messages). Dates and datetimes become ``datetime64`` (NaT when empty or unreadable),
money and numbers become floats (NaN when empty), text stays text (``None`` when empty). Choice
values are canonical (the cells layer matched them ignoring case and accents); a value typed
that is not in the column's list keeps its own spelling followed by :data:`NOT_IN_LIST`
("Olark Chat (not in the list)"), so it is counted under its name and never merged with blank.

Two conveniences are added so every page filters the same way:

* Deals get ``customer_name``, and their ``source`` and ``manager`` fall back to the customer's
  when the deal's own cell is empty (``deal_source``/``deal_manager`` keep what the deal says).
* A reference to another tab's ID (a deal's Customer ID, an interaction's Deal ID, ...) is
  spelled as that ID (:func:`same_ids`): IDs match in any case, as the bot matches them.
* Stage history ``from``/``to`` are matched to the Deals stage choices (the bot writes canonical
  names, but people may edit the log), in ``stage_from``/``stage_to``.
* A choice column whose values have a meaning (the team's stages are open, won or lost; an
  interaction kind may be a purchase) gets ``<key>_meaning`` beside it (``stage_meaning``), and
  Stage history ``meaning_to``: pages ask what a stage means, never what it is called.

The workbook's own lists (its Lists tab, ``Snapshot.schema``) decide what is in a list and the
funnel's order (``Frames.stages``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from operator import itemgetter

import numpy as np
import pandas as pd

from dashboard.unreadable import Gap, find_gaps
from sheet_schema.bot_status import BOT_STATUS
from sheet_schema.cells import match_choice
from sheet_schema.lists import LISTS, LOST, OPEN
from sheet_schema.merges import is_merged
from sheet_schema.model import Row, Snapshot
from sheet_schema.revenue import id_key
from sheet_schema.schema import ColumnType, Schema, Tab, load_schema
from sheet_schema.settings import Settings

# Tabs the dashboard shows, in the order they appear in data-quality listings.
DASHBOARD_TABS = (
    "Customers",
    "Deals",
    "Interactions",
    "Sources",
    "Campaigns",
    "Mail log",
    "Stage history",
    "Templates",
    "Automations",
    "Settings",
    LISTS,
    BOT_STATUS,
)
# The biggest tab of a working CRM (every call and visit is a row) and the one fewest pages need:
# the dashboard reads it only for the pages that show it (Customers, Data quality).
INTERACTIONS = "Interactions"
CORE_TABS = tuple(name for name in DASHBOARD_TABS if name != INTERACTIONS)
PROBLEM_COLUMNS = ["tab", "row", "id", "column", "kind", "code", "raw", "message"]
# Marks a choice value typed outside the column's list (the dashboard translates it).
NOT_IN_LIST = " (not in the list)"


def unlisted(text: str) -> str:
    """How a choice value typed outside the list is shown: its spelling, marked."""
    return " ".join(text.split()) + NOT_IN_LIST


def is_unlisted(values: pd.Series) -> pd.Series:
    """True for choice values typed outside the column's list."""
    # Each distinct value looked at once (a column holds a few: the stages, the sources).
    marked = {v for v in values.dropna().unique() if isinstance(v, str) and v.endswith(NOT_IN_LIST)}
    return pd.Series(values.isin(marked), index=values.index)


@dataclasses.dataclass(frozen=True)
class Frames:
    """Every tab the dashboard needs, as DataFrames, and what they were read from."""

    customers: pd.DataFrame
    deals: pd.DataFrame
    interactions: pd.DataFrame
    sources: pd.DataFrame
    campaigns: pd.DataFrame
    mail_log: pd.DataFrame
    stage_history: pd.DataFrame
    problems: pd.DataFrame
    settings: Settings
    read_at: datetime
    source: str
    # The funnel's stages in the team's order: every stage but those that mean lost.
    stages: tuple[str, ...]
    tabs_read: frozenset[str] = frozenset(DASHBOARD_TABS)
    # The stages whose meaning is open (a deal there is neither won nor lost), in order.
    open_stages: tuple[str, ...] = ()
    # The Bot status tab, item -> value (what the bot's last cycle held back, whether sending
    # stopped); empty when the bot has not run yet.
    bot_status: Mapping[str, str] = dataclasses.field(default_factory=dict)
    # Tabs and columns that could not be read: the figures computed from them are unknown
    # (:func:`dashboard.unreadable.unknown_figures`), never 0.
    gaps: tuple[Gap, ...] = ()

    def replace_tables(self, **tables: pd.DataFrame) -> Frames:
        """A copy with some frames replaced (used by filters)."""
        fields = {name: getattr(self, name) for name in self.__dataclass_fields__}
        fields.update(tables)
        return Frames(**fields)


def _convert(values: list[object], kind: ColumnType) -> pd.Series:
    if kind in (ColumnType.DATE, ColumnType.DATETIME):
        return pd.Series(pd.to_datetime(pd.Series(values, dtype=object), errors="coerce"))
    if kind in (ColumnType.MONEY, ColumnType.NUMBER):
        return pd.Series(
            [float(v) if isinstance(v, (int, float, Decimal)) else None for v in values],
            dtype="float64",
        )
    if kind is ColumnType.BOOLEAN:
        return pd.Series(values, dtype=object)
    return pd.Series([None if v is None or v == "" else str(v) for v in values], dtype=object)


def _down_the_rows(rows: Sequence[Row], keys: Sequence[str]) -> dict[str, list[object]]:
    """Each key's typed values down the rows (None where a row has no such cell)."""
    present = [key for key in keys if rows and key in rows[0].values]
    columns: dict[str, list[object]] = {key: [None] * len(rows) for key in keys}
    if present:
        # The rows of one read all hold the same keys: pick them out row by row in C and turn
        # the rows into columns, three times faster than a lookup per cell at 50k rows.
        pick = itemgetter(*present)
        try:
            picked = [pick(row.values) for row in rows]
        except KeyError:  # rows built another way, with cells left out
            picked = [tuple(row.values.get(key) for key in present) for row in rows]
        if len(present) == 1:
            columns[present[0]] = list(picked)
        else:
            for key, values in zip(present, zip(*picked, strict=True), strict=True):
                columns[key] = list(values)
    return columns


def _choice_values(rows: Sequence[Row], key: str, typed: list[object]) -> list[object]:
    """A choice column's values; a cell that is not in the list keeps its own spelling."""
    values: list[object] = []
    for row, value in zip(rows, typed, strict=True):
        if value is None:
            text = row.raw.get(key, "").strip()
            value = unlisted(text) if text else None
        values.append(value)
    return values


def tab_frame(tab: Tab, rows: Sequence[Row]) -> pd.DataFrame:
    """One tab's rows as a DataFrame: a column per schema key, plus ``row``."""
    data: dict[str, pd.Series] = {"row": pd.Series([r.number for r in rows], dtype="int64")}
    typed = _down_the_rows(rows, [column.key for column in tab.columns])
    for column in tab.columns:
        key = column.key
        if column.type is ColumnType.CHOICE:
            data[key] = _convert(_choice_values(rows, key, typed[key]), column.type)
            if column.choice_meanings:
                data[f"{key}_meaning"] = data[key].map(column.meaning).astype(object)
        else:
            data[key] = _convert(typed[key], column.type)
    # Columns the team added (e.g. "Sector") are kept as text under their header, so a report
    # can be cut by them; a header that would shadow a schema key is left out.
    extras = dict.fromkeys(header for r in rows for header in r.extra)
    for header in extras:
        if header and header not in data:
            data[header] = _convert([r.extra.get(header) for r in rows], ColumnType.TEXT)
    return pd.DataFrame(data)


def _canonical_stages(values: pd.Series, schema: Schema) -> pd.Series:
    stage = schema.tab("Deals").column("stage")
    lookup: dict[str, str | None] = {}
    out: list[str | None] = []
    for value in values:
        if value is None or (isinstance(value, float) and pd.isna(value)):
            out.append(None)
            continue
        text = str(value)
        if text not in lookup:
            lookup[text] = match_choice(stage, text)
        out.append(lookup[text])
    return pd.Series(out, index=values.index, dtype=object)


def same_ids(references: pd.Series, ids: pd.Series) -> pd.Series:
    """References (a deal's Customer ID, ...) spelled as the IDs they name: matched as the bot
    matches IDs (:func:`sheet_schema.revenue.id_key`: any case, no surrounding spaces), so
    ``c-0004`` is C-0004 on every page and cut. A reference to no known ID stays as typed."""
    known = ids.dropna().tolist()
    exact = set(known)
    values = references.tolist()
    # Most references are typed exactly as the ID they name: IDs are folded only when one is
    # not (half a million id_key calls at 50k customers otherwise).
    if any(isinstance(v, str) and v not in exact for v in values):
        spelled = {id_key(i): i for i in known}
        values = [
            v if v in exact or not isinstance(v, str) else spelled.get(id_key(v), v) for v in values
        ]
    return pd.Series(values, index=references.index, dtype=object)


def _with_customer_fallbacks(deals: pd.DataFrame, customers: pd.DataFrame) -> pd.DataFrame:
    deals = deals.copy()
    deals["deal_source"] = deals["source"]
    deals["deal_manager"] = deals["manager"]
    known = customers.dropna(subset=["id"]).drop_duplicates("id").set_index("id")
    # Each deal's customer is looked up once for the three columns taken from it.
    at = known.index.get_indexer(pd.Index(deals["customer_id"]))
    found = at >= 0

    def of_customer(key: str) -> pd.Series:
        values = np.full(len(deals), None, dtype=object)
        values[found] = known[key].to_numpy(dtype=object)[at[found]]
        return pd.Series(values, index=deals.index, dtype=object)

    deals["customer_name"] = of_customer("name")
    deals["source"] = deals["source"].fillna(of_customer("source"))
    deals["manager"] = deals["manager"].fillna(of_customer("manager"))
    return deals


def _column_of(sentence: str, headers: Sequence[str]) -> str | None:
    """The header a Problems sentence is about (it starts with it), longest first; else None."""
    folded = sentence.casefold()
    for header in headers:
        if header and folded.startswith(header.casefold()):
            rest = sentence[len(header) : len(header) + 1]
            if rest in ("", ":", " "):
                return header
    return None


def problem_rows(
    snapshot: Snapshot, schema: Schema, tabs: Collection[str] = DASHBOARD_TABS
) -> pd.DataFrame:
    """Rows with problems: the Problems column, unreadable cells and whole-tab issues."""
    records: list[dict[str, object]] = []
    for issue in snapshot.tab_issues:
        if issue.tab not in tabs:
            continue
        records.append(
            {
                "tab": issue.tab,
                "row": None,
                "id": None,
                "column": issue.column,
                "kind": "tab",
                "code": issue.code,
                "raw": "",
                "message": issue.message,
            }
        )
    for name in DASHBOARD_TABS:
        if name not in tabs:
            continue
        tab = schema.tab(name)
        headers = sorted((c.header for c in tab.columns), key=len, reverse=True)
        for row in snapshot.tab(name):
            problems = row.values.get("problems") if tab.has_column("problems") else None
            # The bot's Problems cell holds one sentence a line, each starting with its column's
            # header; a cell the bot already wrote about is not listed a second time.
            covered: set[str] = set()
            for sentence in str(problems or "").splitlines():
                if not sentence.strip():
                    continue
                column = _column_of(sentence, headers)
                if column:
                    covered.add(column)
                records.append(
                    {
                        "tab": name,
                        "row": row.number,
                        "id": row.row_id,
                        "column": column,
                        "kind": "problems",
                        "code": "",
                        "raw": "",
                        "message": sentence.strip(),
                    }
                )
            for cell in row.issues:
                header = tab.column(cell.column).header if tab.has_column(cell.column) else ""
                if header in covered:
                    continue
                records.append(
                    {
                        "tab": name,
                        "row": row.number,
                        "id": row.row_id,
                        "column": header or cell.column,
                        "kind": "cell",
                        "code": cell.code,
                        "raw": cell.raw,
                        "message": cell.params.get("allowed", ""),
                    }
                )
    frame = pd.DataFrame.from_records(records, columns=PROBLEM_COLUMNS)
    frame["row"] = frame["row"].astype("Int64")
    return frame


def build_frames(
    snapshot: Snapshot,
    schema: Schema | None = None,
    tabs: Collection[str] = DASHBOARD_TABS,
    problems: bool = True,
) -> Frames:
    """Every frame the dashboard and ``sheetcrm report`` use, from one snapshot.

    ``tabs`` says which tabs the snapshot was read for (see ``Backend.read``) or are needed; the
    frames of the others are empty and their problems are left out, and ``tabs_read`` remembers
    which. Without ``problems`` (``sheetcrm report`` shows none) that frame is left empty.
    """
    schema = snapshot.schema or schema or load_schema()

    def frame(name: str) -> pd.DataFrame:
        return tab_frame(schema.tab(name), snapshot.tab(name) if name in tabs else ())

    # A customer merged into another is history: counted once, as the row that was kept.
    live = [row for row in snapshot.tab("Customers") if not is_merged(row)]
    customers = tab_frame(schema.tab("Customers"), live)
    deals = frame("Deals")
    deals["customer_id"] = same_ids(deals["customer_id"], customers["id"])
    deals = _with_customer_fallbacks(deals, customers)
    history = frame("Stage history")
    history["deal_id"] = same_ids(history["deal_id"], deals["id"])
    mail_log = frame("Mail log")
    mail_log["customer_id"] = same_ids(mail_log["customer_id"], customers["id"])
    history["stage_from"] = _canonical_stages(history["from"], schema)
    history["stage_to"] = _canonical_stages(history["to"], schema)
    stage = schema.tab("Deals").column("stage")
    history["meaning_to"] = history["stage_to"].map(stage.meaning).astype(object)
    return Frames(
        customers=customers,
        deals=deals,
        interactions=_same_interaction_ids(frame("Interactions"), customers, deals),
        sources=frame("Sources"),
        campaigns=frame("Campaigns"),
        mail_log=mail_log,
        stage_history=history,
        problems=problem_rows(snapshot, schema, tabs if problems else ()),
        settings=snapshot.settings,
        read_at=snapshot.read_at,
        source=snapshot.source,
        stages=tuple(v for v in stage.choices if stage.meaning(v) != LOST),
        open_stages=tuple(v for v in stage.choices if stage.meaning(v) == OPEN),
        tabs_read=frozenset(tabs),
        gaps=find_gaps(snapshot, schema, tabs),
        bot_status={
            row.row_id: row.text("value").strip() for row in snapshot.tab(BOT_STATUS) if row.row_id
        },
    )


def _same_interaction_ids(
    interactions: pd.DataFrame, customers: pd.DataFrame, deals: pd.DataFrame
) -> pd.DataFrame:
    interactions = interactions.copy()
    interactions["customer_id"] = same_ids(interactions["customer_id"], customers["id"])
    interactions["deal_id"] = same_ids(interactions["deal_id"], deals["id"])
    return interactions


def with_interactions(core: Frames, interactions: Frames) -> Frames:
    """``core`` (read without Interactions) completed by a read of the Interactions tab alone."""
    problems = [p for p in (core.problems, interactions.problems) if not p.empty]
    return dataclasses.replace(
        core,
        interactions=_same_interaction_ids(interactions.interactions, core.customers, core.deals),
        problems=pd.concat(problems, ignore_index=True) if problems else core.problems,
        tabs_read=core.tabs_read | interactions.tabs_read,
        gaps=core.gaps + interactions.gaps,
    )
