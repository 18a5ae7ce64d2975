"""A page's figures that cannot be known because a tab or column could not be read: one warning
per reason naming them, and "unknown" in their place, never 0 or blank
(:mod:`dashboard.unreadable`)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence

import streamlit as st

from dashboard.strings import STRINGS
from dashboard.tables import Column
from dashboard.unreadable import (
    Needs,
    fallback_columns,
    fallbacks,
    figures_unknown,
    unknown_figures,
)
from dashboard.view import View

# Figures whose label is not "kpi.", "funnel.", "col." or "customers." + their name.
_LABELS = {
    "stages": "funnel.table",
    "segments": "customers.segments",
    "pipeline": "overview.pipeline",
}
# Figures only the report's JSON has (the pages show them inside another figure): not named.
_UNNAMED = frozenset({"sales", "deals_without_value", "purchases_without_amount"})


def _label(view: View, figure: str) -> str:
    keys = [figure, _LABELS.get(figure, "")]  # a page's own figure may be named by its key
    keys += [f"{prefix}.{figure}" for prefix in ("kpi", "funnel", "col", "customers")]
    for key in keys:
        if key in STRINGS:
            return view.tr(key)
    return figure


def _warn(view: View, unknown: Mapping[str, list[str]]) -> None:
    by_reason: dict[str, list[str]] = {}
    for figure, reasons in unknown.items():
        for reason in reasons:
            labels = by_reason.setdefault(reason, [])
            if figure not in _UNNAMED:
                labels.append(_label(view, figure))
    for reason, labels in by_reason.items():
        figures = ", ".join(dict.fromkeys(labels))
        st.warning(view.tr("unreadable.figures", reason=reason, figures=figures))


def warn_unknown(view: View, kind: str) -> set[str]:
    """Show why figures of the page (a report kind) are unknown, and which deal columns were
    taken from the customers (:func:`warn_fallbacks`); return the unknown figures."""
    unknown = unknown_figures(kind, view.frames.gaps)
    _warn(view, unknown)
    warn_fallbacks(view, fallback_columns(kind))
    return set(unknown)


def warn_fallbacks(view: View, columns: Iterable[str]) -> None:
    """For each deal column of ``columns`` the Deals tab lacks, say that each deal was counted
    under its customer's value (the report's line, in the page's language)."""
    for reason, header in fallbacks(view.frames.gaps, columns):
        column = view.tr(f"col.{header.lower()}")
        st.warning(view.tr("unreadable.customer_value", reason=reason, column=column))


def warn_unknown_of(view: View, depends: Mapping[str, Needs]) -> set[str]:
    """:func:`warn_unknown` for a page's own figures (figure -> the tabs and columns it is
    computed from) rather than a report's."""
    unknown = figures_unknown(depends, view.frames.gaps)
    _warn(view, unknown)
    return set(unknown)


def unknown_cells(view: View, columns: Sequence[Column], unknown: Collection[str]) -> list[Column]:
    """The table's columns with "unknown" in every cell of the figures in ``unknown``."""
    word = view.tr("value.unknown")
    return [
        (key, header, (lambda _value: word) if key in unknown else formatter)
        for key, header, formatter in columns
    ]


def note_undated(view: View, tabs: Iterable[str]) -> None:
    """Under a page that counts Customers or Deals rows by their Created date in a bounded
    period: how many of them have no Created date that can be read, and so are in no period.
    Without the note, "New leads 9" of 10 customers reads as complete (all time counts them)."""
    if view.period.is_all_time:
        return
    for tab in tabs:
        frame = view.frames.customers if tab == "Customers" else view.frames.deals
        if "created" not in frame.columns:
            continue  # a column that cannot be read has its own warning
        count = int(frame["created"].isna().sum())
        if count:
            key = "undated.customers" if tab == "Customers" else "undated.deals"
            st.caption(view.tr(key, count=count, quality=view.tr("page.quality")))
