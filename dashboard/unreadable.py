"""What the dashboard and ``sheetcrm report`` cannot know because a tab or column cannot be read.

A tab that is missing or whose header row cannot be read (a duplicate column), or a column
that is not in its tab's header row (renamed, deleted), leaves its frame empty or without the
column; counting it would show 0 where the truth is unknown. :func:`find_gaps` lists those
gaps from the snapshot (the same facts ``sheetcrm run``'s contract guard reports), and
:func:`unknown_figures` says which figures of a report depend on them: those figures are
unknown (null in JSON, "unknown" in tables and CSV, a warning on the pages), never 0.

A log tab the bot creates itself (``append_only``: Mail log, Stage history) may be missing: it
is then empty, not unknown, as for the contract guard.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from sheet_schema.model import Snapshot
from sheet_schema.schema import Schema

Needs = tuple[tuple[str, str | None], ...]  # (tab, column key or None: the whole tab)
# How an unknown figure reads in a table or a CSV cell (JSON: null).
UNKNOWN = "unknown"

_SALES: Needs = (
    ("Deals", "stage"),
    ("Deals", "value"),
    ("Deals", "customer_id"),
    ("Interactions", "kind"),
    ("Interactions", "amount"),
    ("Interactions", "customer_id"),
)
_STAGES: Needs = (("Deals", "created"), ("Deals", "stage"))
_COSTS: Needs = (("Sources", "month"), ("Sources", "source"), ("Sources", "cost"))
_LEADS: Needs = (("Customers", "created"),)
_BY_SOURCE: Needs = (("Customers", "source"),)

# Each report's figures (JSON keys, table columns and the --by table's columns) and what they
# are computed from.
DEPENDS: Mapping[str, Mapping[str, Needs]] = {
    "overview": {
        "new_leads": _LEADS,
        "new_deals": (("Deals", "created"),),
        "deals_won": (("Deals", "stage"),),
        "win_rate": (("Deals", "stage"),),
        "customers_won": _SALES,
        "won_revenue": _SALES,
        "revenue": _SALES,
        "sales": _SALES,
        "missing": _SALES,
        "deals_without_value": _SALES,
        "purchases_without_amount": _SALES,
        "marketing_cost": _COSTS,
        "emails_sent": (("Mail log", "status"),),
    },
    "funnel": {
        "deals": (("Deals", "created"),),
        **dict.fromkeys(
            [
                *("won", "lost", "open", "win_rate", "won_without_value", "lost_at_unknown"),
                *("stages", "cycle_time", "lost_reasons", "competitors"),
            ],
            _STAGES,
        ),
        "won_value": (*_STAGES, ("Deals", "value")),
    },
    "sources": {
        "leads": _LEADS + _BY_SOURCE,
        "customers_won": _SALES + _BY_SOURCE,
        "revenue": _SALES + _BY_SOURCE,
        "missing": _SALES + _BY_SOURCE,
        "cost": _COSTS,
        "cost_per_lead": _LEADS + _BY_SOURCE + _COSTS,
        "cost_per_customer": _SALES + _BY_SOURCE + _COSTS,
        "roi": _SALES + _BY_SOURCE + _COSTS,
    },
    # The counts by Lifecycle and Segment read those columns as the bot filled them (with
    # --as-of the report computes them instead and drops their gaps: dashboard.report._as_of).
    "customers": {
        "customers": _LEADS,
        "lifecycle": (*_LEADS, ("Customers", "lifecycle")),
        "segments": (*_LEADS, ("Customers", "segment")),
    },
}

# The Overview's open pipeline: the Value of the deals at an open Stage.
PIPELINE: Needs = (("Deals", "stage"), ("Deals", "value"))

# The Customers page's own figures: it lists every customer (not the period's), counts their
# Lifecycle and Segment, and shows one customer's deals, interactions, emails and revenue.
CUSTOMERS_PAGE: Mapping[str, Needs] = {
    "customers": (("Customers", None),),
    "lifecycle": (("Customers", "lifecycle"),),
    "segment": (("Customers", "segment"),),
    "revenue": _SALES,
    # One customer's history (named by the page's words for its tabs): the columns its tables
    # show, and the customer each row names.
    "customers.deals": tuple(
        ("Deals", key)
        for key in ("customer_id", "id", "title", "stage", "value", "created", "closed", "manager")
    ),
    "customers.interactions": tuple(
        ("Interactions", key)
        for key in ("customer_id", "date", "kind", "summary", "amount", "manager")
    ),
    "customers.emails": tuple(
        ("Mail log", key)
        for key in (
            "customer_id",
            "sent_at",
            "planned_at",
            "subject",
            "status",
            "template",
            "error",
        )
    ),
}

# The Reminders page: open deals' follow-ups and customers' next actions.
_FOLLOW_UPS: Needs = (
    ("Deals", "stage"),
    ("Deals", "follow_up_due"),
    ("Customers", "next_action_date"),
)
REMINDERS_PAGE: Mapping[str, Needs] = {"overdue": _FOLLOW_UPS, "upcoming": _FOLLOW_UPS}

# The Mailings page (named by its words): the send budget counts the Mail log's sends of the
# last day; the campaigns are the Campaigns tab's rows.
_SENDS: Needs = (("Mail log", "status"), ("Mail log", "sent_at"), ("Mail log", "planned_at"))
MAILINGS_PAGE: Mapping[str, Needs] = {
    "mail.quota": _SENDS,
    "mail.sent_24h": _SENDS,
    "mail.campaigns": tuple(
        ("Campaigns", key)
        for key in ("name", "segment_filter", "template", "send_on", "approved", "status")
    ),
    "mail.status": (("Mail log", "status"),),
}


@dataclass(frozen=True)
class Gap:
    """A tab, or one column of it, that could not be read, and why in one line."""

    tab: str
    column: str | None  # the column key; None: the whole tab
    reason: str  # e.g. "Deals: no Stage column (a column 'Phase' is not known)"

    def covers(self, tab: str, column: str | None) -> bool:
        """True when a figure needing ``column`` of ``tab`` cannot be computed because of this."""
        return self.tab == tab and (self.column is None or self.column == column)


def find_gaps(snapshot: Snapshot, schema: Schema, tabs: Collection[str]) -> tuple[Gap, ...]:
    """The tabs (of ``tabs``) that could not be read and the columns missing from the others."""
    gaps: list[Gap] = []
    for name in tabs:
        if name not in schema.tab_names:
            continue
        tab = schema.tab(name)
        if not snapshot.readable(name):
            issues = [i.message for i in snapshot.tab_issues if i.tab == name]
            if tab.append_only and not any(
                i.code.startswith("header.") for i in snapshot.tab_issues if i.tab == name
            ):
                continue  # a log the bot creates with its first row: empty, not unknown
            why = issues[0] if issues else f"The workbook has no {name} tab."
            why = why if why.startswith(f"{name}:") else f"{name}: {why}"
            gaps.append(Gap(name, None, why.rstrip(".")))
            continue
        present = snapshot.columns.get(name, frozenset())
        if not present:
            gaps.append(Gap(name, None, f"{name}: the tab has no header row"))
            continue
        unknown = _unknown_headers(snapshot, name)
        for column in tab.columns:
            if column.key in present:
                continue
            reason = f"{name}: no {column.header} column"
            if unknown:
                listed = ", ".join(repr(h) for h in unknown)
                plural = "columns" if len(unknown) > 1 else "a column"
                reason += f" ({plural} {listed} {'are' if len(unknown) > 1 else 'is'} not known)"
            gaps.append(Gap(name, column.key, reason))
    return tuple(gaps)


def _unknown_headers(snapshot: Snapshot, tab: str) -> list[str]:
    """Headers of the tab SheetCRM does not know (a renamed column is one of them)."""
    seen = dict.fromkeys(h for row in snapshot.tab(tab)[:50] for h in row.extra if h)
    return list(seen)


def unknown_figures(kind: str, gaps: Iterable[Gap]) -> dict[str, list[str]]:
    """Each figure of the report that cannot be known, with the reasons (gaps) why."""
    return figures_unknown(DEPENDS.get(kind, {}), gaps)


def figures_unknown(depends: Mapping[str, Needs], gaps: Iterable[Gap]) -> dict[str, list[str]]:
    """Each figure of ``depends`` (figure -> what it is computed from) that cannot be known,
    with the reasons (gaps) why."""
    found: dict[str, list[str]] = {}
    gaps = tuple(gaps)
    for figure, needs in depends.items():
        reasons = [g.reason for g in gaps if any(g.covers(t, c) for t, c in needs)]
        if reasons:
            found[figure] = list(dict.fromkeys(reasons))
    return found


def column_gaps(tab: str, gaps: Iterable[Gap]) -> dict[str, str]:
    """The columns (keys) of ``tab`` that are missing from its header row, with the reason;
    a table of that tab shows "unknown" in their cells, never blank."""
    return {g.column: g.reason for g in gaps if g.tab == tab and g.column is not None}


def table_unknowns(
    kind: str, gaps: Iterable[Gap], stage_columns: Iterable[str]
) -> dict[str, list[str]]:
    """:func:`unknown_figures` of a report's tables: the customers report's summary and --by
    rows also count each lifecycle stage (``stage_columns``), unknown with the lifecycle (a
    Customers tab or Lifecycle column that cannot be read), never all "(not set)"."""
    unknown = unknown_figures(kind, gaps)
    if "lifecycle" in unknown:
        unknown.update(dict.fromkeys(stage_columns, unknown["lifecycle"]))
    return unknown


# The deal columns that take the customer's value where the deal's cell is empty
# (:mod:`dashboard.frames`), with their header. Without the column in the Deals header row
# (renamed, deleted) every deal takes its customer's: the figures by it stay numbers, since a
# Deals tab may never have had the column (an older layout, an imported pipeline) and the
# customer's value is then the answer, but they are said (:func:`fallback_warnings`), as a
# column the team renamed away is not a blank cell.
CUSTOMER_FALLBACKS: Mapping[str, str] = {"source": "Source", "manager": "Manager"}
# The deal columns a report's own figures are cut by (revenue by source), besides a --by cut.
_CUT_BY: Mapping[str, tuple[str, ...]] = {"sources": ("source",)}


def fallback_columns(kind: str | None, by: str | None = None) -> tuple[str, ...]:
    """The deal columns (of :data:`CUSTOMER_FALLBACKS`) a report or page of ``kind``, cut by
    the frame column ``by``, counts deals by."""
    used = _CUT_BY.get(kind or "", ())
    if by is None or by not in CUSTOMER_FALLBACKS or by in used:
        return used
    return (*used, by)


def fallbacks(gaps: Iterable[Gap], columns: Iterable[str]) -> list[tuple[str, str]]:
    """(reason, header) for each of ``columns`` missing from the Deals header row, so each deal
    took its customer's value; none when the customer's value cannot be read either (the
    figures are then unknown, and the warning of :func:`warnings` says why)."""
    gaps = tuple(gaps)
    found: list[tuple[str, str]] = []
    for key in dict.fromkeys(columns):
        if key not in CUSTOMER_FALLBACKS or any(g.covers("Customers", key) for g in gaps):
            continue
        # Only the column: without a Deals tab there are no deals to count (its own warning).
        found += [
            (g.reason, CUSTOMER_FALLBACKS[key])
            for g in gaps
            if g.tab == "Deals" and g.column == key
        ]
    return found


def fallback_warnings(gaps: Iterable[Gap], columns: Iterable[str]) -> list[str]:
    """One line per deal column the report counts by that the Deals tab lacks: "Deals: no Source
    column (...); each deal is counted under its customer's Source"."""
    return [
        f"{reason}; each deal is counted under its customer's {header}"
        for reason, header in fallbacks(gaps, columns)
    ]


def warnings(unknown: Mapping[str, list[str]]) -> list[str]:
    """One line per reason, naming the figures it leaves unknown:
    "Deals: no Stage column (...): won/lost/open unknown"."""
    by_reason: dict[str, list[str]] = {}
    for figure, reasons in unknown.items():
        for reason in reasons:
            by_reason.setdefault(reason, []).append(figure)
    return [f"{reason}: {'/'.join(figures)} unknown" for reason, figures in by_reason.items()]
