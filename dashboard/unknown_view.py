"""A page's figures that cannot be known because a tab or column could not be read: one warning
per reason naming them, and "unknown" in their place, never 0 (:mod:`dashboard.unreadable`)."""

from __future__ import annotations

import streamlit as st

from dashboard.i18n import STRINGS
from dashboard.unreadable import unknown_figures
from dashboard.view import View


def _label(view: View, figure: str) -> str:
    for key in (f"kpi.{figure}", f"funnel.{figure}", f"col.{figure}"):
        if key in STRINGS:
            return view.tr(key)
    return figure


def warn_unknown(view: View, kind: str) -> set[str]:
    """Show why figures of the page (a report kind) are unknown; return those figures."""
    unknown = unknown_figures(kind, view.frames.gaps)
    by_reason: dict[str, list[str]] = {}
    for figure, reasons in unknown.items():
        for reason in reasons:
            by_reason.setdefault(reason, []).append(_label(view, figure))
    for reason, labels in by_reason.items():
        figures = ", ".join(dict.fromkeys(labels))
        st.warning(view.tr("unreadable.figures", reason=reason, figures=figures))
    return set(unknown)
