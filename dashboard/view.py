"""What every page is handed: the filtered frames, the period and the language.

``app.py`` builds one :class:`View` per run and publishes it in the session state just before
the chosen page runs; a page reads it back with :func:`current_view`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
import streamlit as st

from dashboard.frames import Frames
from dashboard.i18n import Translator
from dashboard.metrics import Period
from dashboard.metrics.revenue import sales_frame

VIEW_KEY = "sheetcrm_view"


@dataclass(frozen=True)
class View:
    """The data and choices a page renders."""

    frames: Frames  # filtered by the sidebar's managers and sources
    everything: Frames  # as read, unfiltered
    period: Period
    today: date  # in the workbook's time zone
    now_local: datetime  # naive, in the workbook's time zone
    tr: Translator
    # Every sale of ``frames`` when the app has it cached (no sidebar filter); None: computed
    # from the filtered frames when a page asks (:meth:`sales`).
    cached_sales: pd.DataFrame | None = None

    def sales(self) -> pd.DataFrame:
        """Every sale of the filtered frames (:func:`dashboard.metrics.revenue.sales_frame`)."""
        if self.cached_sales is not None:
            return self.cached_sales
        return sales_frame(self.frames.customers, self.frames.deals, self.frames.interactions)


def publish(view: View) -> None:
    """Make the view available to the page about to run."""
    st.session_state[VIEW_KEY] = view


def current_view() -> View:
    """The view ``app.py`` published for this run (stops the page if there is none)."""
    view = st.session_state.get(VIEW_KEY)
    if not isinstance(view, View):
        st.stop()
    assert isinstance(view, View)
    return view
